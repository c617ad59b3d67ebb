"""Benchmark reading + validating layers against a plain ``geopandas.read_file``.

Instance: 100,000 village points and 10,000 commune polygons (irregular
12-vertex rings on a grid, one in 200 made invalid as bow-ties) with the
canonical attribute columns under their Vietnamese aliases, written once as
GeoPackages in EPSG:9216.

Measured in the same run, best of ``--repeat``:

* peer: ``geopandas.read_file(path)`` of each file (and, for reference, the
  same with ``use_arrow=True``, the reader geoplan itself uses);
* geoplan: ``read_layer(path, kind=...)`` of each file (read, NFC text,
  mojibake scan, CRS check, geometry repair, field mapping and coercion,
  range, duplicate and impossible-value checks);
* geoplan, full stage: ``load_layers`` on a scenario of both files (adds
  reprojection to EPSG:3405, the village-in-commune spatial check and the
  district and province dissolves).

Run: ``python benchmarks/bench_io.py [--villages 100000] [--communes 10000] [--repeat 3]``.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import yaml

from geoplan.io import load_layers, read_layer
from geoplan.scenario import load_scenario

X0, Y0 = 400_000.0, 1_500_000.0
ETHNIC = ["Xơ Đăng", "Ba Na", "Gia Rai", "Giẻ Triêng", "Kinh", "Brâu", "Rơ Măm"]
NAMES = ["Đắk", "Kon", "Plei", "Ngọc", "Ia", "Măng", "Tu", "Rờ", "Văn", "Sa"]


def make_data(folder: Path, n_villages: int, n_communes: int, seed: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_communes)))
    cell = 2000.0
    ij = np.arange(n_communes)
    cx = X0 + (ij % side) * cell + cell / 2
    cy = Y0 + (ij // side) * cell + cell / 2
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    radius = cell / 2 * (0.9 + 0.1 * rng.random((n_communes, 12)))
    # squares with wobbly corners: a ring of 12 vertices inside each grid cell
    rx = np.clip(np.cos(angles) * radius * 1.4, -cell / 2, cell / 2)
    ry = np.clip(np.sin(angles) * radius * 1.4, -cell / 2, cell / 2)
    coords = np.stack([cx[:, None] + rx, cy[:, None] + ry], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    polys = shapely.polygons(coords)
    bad = ij[::200]
    polys[bad] = shapely.polygons(
        np.stack(
            [
                np.stack(
                    [cx[bad] - 900, cx[bad] + 900, cx[bad] + 900, cx[bad] - 900, cx[bad] - 900], 1
                ),
                np.stack(
                    [cy[bad] - 900, cy[bad] + 900, cy[bad] - 900, cy[bad] + 900, cy[bad] - 900], 1
                ),
            ],
            axis=-1,
        )
    )
    codes = np.char.zfill((20000 + ij).astype(str), 5)
    names = [f"{NAMES[i % 10]} {NAMES[(i // 10) % 10]} {i}" for i in range(n_communes)]
    communes = gpd.GeoDataFrame(
        {
            "ma_xa": codes,
            "ten_xa": names,
            "ma_huyen": np.char.zfill((600 + ij // 100).astype(str), 3),
            "ten_huyen": [f"Huyện {i // 100}" for i in range(n_communes)],
            "so_tieu_chi": rng.integers(5, 20, n_communes),
            "ty_le_ngheo_2024": rng.random(n_communes) * 0.5,
            "xa_atk": rng.choice(["x", ""], n_communes),
            "khu_vuc": rng.choice(["I", "II", "III"], n_communes),
        },
        geometry=polys,
        crs=9216,
    )
    home = rng.integers(0, n_communes, n_villages)
    hh = rng.integers(20, 400, n_villages)
    villages = gpd.GeoDataFrame(
        {
            "ma_thon": [f"T{i:06d}" for i in range(n_villages)],
            "ten_thon": [f"Thôn {NAMES[i % 10]} {i}" for i in range(n_villages)],
            "ma_xa": codes[home],
            "so_ho": hh,
            "nhan_khau": hh * 4,
            "ho_ngheo": (hh * rng.random(n_villages) * 0.5).astype(int),
            "ho_can_ngheo": (hh * rng.random(n_villages) * 0.3).astype(int),
            "ho_dtts": (hh * rng.random(n_villages)).astype(int),
            "dan_toc": rng.choice(ETHNIC, n_villages),
            "dien_luoi": rng.choice(["có", "không"], n_villages),
            "duong_4_mua": rng.choice(["x", ""], n_villages),
        },
        geometry=shapely.points(
            cx[home] + rng.uniform(-300, 300, n_villages),
            cy[home] + rng.uniform(-300, 300, n_villages),
        ),
        crs=9216,
    )
    vpath, cpath = folder / "villages.gpkg", folder / "communes.gpkg"
    pyogrio.write_dataframe(villages, vpath, layer="villages")
    pyogrio.write_dataframe(communes, cpath, layer="communes")
    return vpath, cpath


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--communes", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vpath, cpath = make_data(folder, args.villages, args.communes, args.seed)
        scenario_path = folder / "s.yaml"
        scenario_path.write_text(
            yaml.safe_dump(
                {
                    "name": "bench",
                    "crs": "EPSG:3405",
                    "layers": {"communes": {"path": str(cpath)}, "villages": {"path": str(vpath)}},
                    "scoring": {},
                }
            )
        )
        scenario = load_scenario(scenario_path)
        # warm up caches (imports, PROJ database) outside the timings
        gpd.read_file(cpath, rows=10)
        read_layer(cpath, kind="communes")
        peer_v = best_of(lambda: gpd.read_file(vpath), args.repeat)
        peer_c = best_of(lambda: gpd.read_file(cpath), args.repeat)
        arrow_v = best_of(lambda: gpd.read_file(vpath, use_arrow=True), args.repeat)
        arrow_c = best_of(lambda: gpd.read_file(cpath, use_arrow=True), args.repeat)
        ours_v = best_of(lambda: read_layer(vpath, kind="villages"), args.repeat)
        ours_c = best_of(lambda: read_layer(cpath, kind="communes"), args.repeat)
        stage = best_of(lambda: load_layers(scenario), args.repeat)
    peer = peer_v + peer_c
    ours = ours_v + ours_c
    print(
        json.dumps(
            {
                "villages": args.villages,
                "communes": args.communes,
                "peer_read_file_s": {"villages": round(peer_v, 3), "communes": round(peer_c, 3)},
                "read_layer_s": {"villages": round(ours_v, 3), "communes": round(ours_c, 3)},
                "peer_read_file_arrow_s": {
                    "villages": round(arrow_v, 3),
                    "communes": round(arrow_c, 3),
                },
                "ratio_read_validate": round(ours / peer, 2),
                "ratio_vs_arrow_peer": round(ours / (arrow_v + arrow_c), 2),
                "ratio_villages": round(ours_v / peer_v, 2),
                "ratio_communes": round(ours_c / peer_c, 2),
                "load_layers_s": round(stage, 3),
                "ratio_load_layers": round(stage / peer, 2),
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
