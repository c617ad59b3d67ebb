"""Susceptibility model over a 10-million-pixel DEM: wall time and peak memory.

Workload of issue #4: a 3163 x 3163 DEM (10.0 M cells, 30 m, UTM 48N, float64) with a
300-landslide inventory drawn from a known probability, river and road lines and forest
polygons. geoplan: ``fit_susceptibility`` end to end (factors incl. wetness index and distance
rasters, sampling, 5-fold spatial and random CV, final fit, prediction in row windows, 5
classes, vectorised zones) with the scenario defaults (random forest). Peer in the same run:
the naive whole-raster way with the same estimator and samples: every factor of every cell
stacked into one array and predicted in one call. Each side runs in a fresh process; peak
memory is the process's maximum resident set size (including the synthetic data, whose own
footprint is printed as the baseline).

Usage: python benchmarks/bench_susceptibility.py [--side 3163] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:32648"


def make_world(side: int) -> tuple[SimpleNamespace, SimpleNamespace]:
    import geopandas as gpd
    import shapely
    from affine import Affine
    from scipy import ndimage

    from geoplan.config.hazard import SusceptibilityConfig
    from geoplan.config.indicators import IndicatorConfig
    from geoplan.hazard.grid import GridRaster
    from geoplan.hazard.terrain import slope_degrees

    rng = np.random.default_rng(11)
    res = 30.0
    x0, y0 = 500_000.0, 1_500_000.0
    top = y0 + side * res
    transform = Affine(res, 0, x0, 0, -res, top)
    small = ndimage.gaussian_filter(rng.normal(size=(side // 8 + 2, side // 8 + 2)), 3)
    dem = ndimage.zoom(small, 8, order=3)[:side, :side]
    dem = 300.0 + 1800.0 * (dem - dem.min()) / (dem.max() - dem.min())
    slope = slope_degrees(dem, transform, CRS)
    truth = 1.0 / (1.0 + np.exp(-(slope - np.quantile(slope, 0.85)) / 2.0))
    cells = rng.choice(truth.size, size=300, replace=False, p=(truth / truth.sum()).ravel())
    del slope, truth
    rows, cols = cells // side, cells % side
    extent = side * res
    inventory = gpd.GeoDataFrame(
        geometry=shapely.points(x0 + (cols + 0.5) * res, top - (rows + 0.5) * res), crs=CRS
    )
    lines = [
        shapely.LineString([(x0, y0 + f * extent), (x0 + extent, y0 + (1 - f) * extent)])
        for f in (0.2, 0.5, 0.8)
    ]
    layers = SimpleNamespace(
        communes=gpd.GeoDataFrame(
            {"commune_code": ["1"]},
            geometry=[shapely.box(x0, y0, x0 + extent, y0 + extent)],
            crs=CRS,
        ),
        villages=None,
        districts=None,
        province=None,
        landslide_zones=None,
        landslide_inventory=inventory,
        forest=gpd.GeoDataFrame(
            {"forest_type": ["protective", "production"], "name": ["a", "b"]},
            geometry=[
                shapely.box(x0, y0, x0 + extent / 3, y0 + extent / 2),
                shapely.box(x0 + extent / 2, y0 + extent / 2, x0 + extent, y0 + extent),
            ],
            crs=CRS,
        ),
        border=None,
        roads=gpd.GeoDataFrame({"road_class": ["district"] * 3}, geometry=lines, crs=CRS),
        rivers=gpd.GeoDataFrame(
            {"name": ["r"]},
            geometry=[shapely.LineString([(x0 + extent / 2, y0), (x0 + extent / 2, top)])],
            crs=CRS,
        ),
        dem=GridRaster(dem, transform, CRS),
        rainfall=None,
        report=None,
    )
    scenario = SimpleNamespace(
        crs=CRS,
        source=None,
        indicators=IndicatorConfig(),
        susceptibility=SusceptibilityConfig(),
    )
    return layers, scenario


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ours(side: int) -> dict[str, Any]:
    from geoplan.hazard import fit_susceptibility

    layers, scenario = make_world(side)
    baseline = peak_mib()
    start = time.perf_counter()
    result = fit_susceptibility(layers, scenario)
    wall = time.perf_counter() - start
    assert result is not None
    card = result.model_card
    return {
        "wall_s": wall,
        "peak_mib": peak_mib(),
        "baseline_mib": baseline,
        "timings_s": card["timings_s"],
        "cells": card["grid"]["cells_modelled"],
        "spatial_cv_auc": card["spatial_cv_auc"],
        "random_cv_auc": card["random_cv_auc"],
        "zones": len(result.zones),
    }


def child_peer(side: int) -> dict[str, Any]:
    from geoplan.hazard.estimator import make_estimator
    from geoplan.hazard.factors import build_factor_stack

    layers, scenario = make_world(side)
    cfg = scenario.susceptibility
    baseline = peak_mib()
    start = time.perf_counter()
    stack = build_factor_stack(
        layers.dem, layers, area=layers.communes, factors=None,
        relief_radius_m=cfg.relief_radius_m,
    )  # fmt: skip
    everything = stack.window(0, stack.shape[0])  # all factors of all cells at once
    rng = np.random.default_rng(cfg.random_state)
    inv = layers.landslide_inventory.geometry
    tf = stack.transform
    rows = ((inv.y - tf.f) / tf.e).astype(int).to_numpy()
    cols = ((inv.x - tf.c) / tf.a).astype(int).to_numpy()
    absent = rng.choice(stack.mask.size, size=3 * rows.size, replace=False)
    rows = np.concatenate([rows, absent // stack.shape[1]])
    cols = np.concatenate([cols, absent % stack.shape[1]])
    y = np.r_[np.ones(inv.size), np.zeros(absent.size)]
    x = np.nan_to_num(everything[:, rows, cols].T)
    model = make_estimator(cfg.model, random_state=cfg.random_state, n_jobs=cfg.n_jobs).fit(x, y)
    table = np.nan_to_num(everything[:, stack.mask].T)
    probability = np.full(stack.shape, np.nan, dtype=np.float32)
    probability[stack.mask] = model.predict_proba(table)[:, 1]
    wall = time.perf_counter() - start
    return {"wall_s": wall, "peak_mib": peak_mib(), "baseline_mib": baseline}


def run_child(kind: str, side: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--side", str(side)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=3163)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--child", choices=["ours", "peer"])
    args = parser.parse_args()
    if args.child == "ours":
        print(json.dumps(child_ours(args.side)))
        return
    if args.child == "peer":
        print(json.dumps(child_peer(args.side)))
        return
    ours = run_child("ours", args.side)
    print(
        f"date: {datetime.now(UTC).date()}  machine: {platform.processor() or platform.machine()}"
    )
    print(f"DEM: {args.side} x {args.side} = {args.side**2 / 1e6:.1f} M cells")
    print(f"geoplan fit_susceptibility: {ours['wall_s']:.1f} s, peak {ours['peak_mib']:.0f} MiB "
          f"(data alone {ours['baseline_mib']:.0f} MiB)")  # fmt: skip
    print(f"  stages: {ours['timings_s']}")
    print(f"  spatial CV AUC {ours['spatial_cv_auc']:.3f}, random CV AUC "
          f"{ours['random_cv_auc']:.3f}, zones {ours['zones']}")  # fmt: skip
    if not args.no_peer:
        peer = run_child("peer", args.side)
        print(
            f"peer (whole-raster stack, one predict call, no CV): {peer['wall_s']:.1f} s, "
            f"peak {peer['peak_mib']:.0f} MiB (data alone {peer['baseline_mib']:.0f} MiB)"
        )
        print(f"ratio time (peer / geoplan): {peer['wall_s'] / ours['wall_s']:.2f}x; "
              f"ratio peak memory: {peer['peak_mib'] / ours['peak_mib']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
