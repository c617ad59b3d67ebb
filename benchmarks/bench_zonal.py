"""Zonal statistics: geoplan (exactextract, area-weighted) beside rasterstats, same run.

Workload of issue #4: 1,000 village discs (500 m radius, 65-vertex polygons) over a
10-million-pixel float64 raster (3163 x 3163 cells of 30 m, UTM 48N), statistics mean, min
and max. geoplan: ``geoplan.indicators.zonal.zonal_stats`` (exactextract, every cell weighted
by the fraction of it the polygon covers). Peer: ``rasterstats.zonal_stats`` on the same
in-memory array (cells whose centre is inside; no coverage weighting). Best of N.

Usage: python benchmarks/bench_zonal.py [--villages 1000] [--side 3163] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterstats import zonal_stats as rs_zonal_stats

from geoplan.hazard.grid import GridRaster
from geoplan.indicators.zonal import zonal_stats

CRS = "EPSG:32648"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--side", type=int, default=3163)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(4)
    side = args.side
    res = 30.0
    x0, y0 = 500_000.0, 1_500_000.0
    transform = Affine(res, 0, x0, 0, -res, y0 + side * res)
    values = rng.normal(800.0, 200.0, size=(side, side))
    raster = GridRaster(values, transform, CRS)
    pts = shapely.points(
        rng.uniform(x0 + 1000, x0 + side * res - 1000, args.villages),
        rng.uniform(y0 + 1000, y0 + side * res - 1000, args.villages),
    )
    discs = gpd.GeoSeries(shapely.buffer(pts, 500.0, quad_segs=16), crs=CRS)
    geoms = list(discs)

    ours: list[float] = []
    peer: list[float] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        table = zonal_stats(discs, {"v": raster}, ("mean", "min", "max"))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        stats = rs_zonal_stats(geoms, values, affine=transform, stats=["mean", "min", "max"],
                               nodata=-1e30)  # fmt: skip
        peer.append(time.perf_counter() - start)

    theirs = np.array([s["mean"] for s in stats], dtype=float)
    diff = np.abs(table["v_mean"].to_numpy() - theirs)
    print(
        f"date: {datetime.now(UTC).date()}  machine: {platform.processor() or platform.machine()}"
    )
    print(f"raster: {side} x {side} = {side * side / 1e6:.1f} M cells; villages: {args.villages}")
    print(f"geoplan zonal_stats (exactextract): best {min(ours):.3f} s  runs {ours}")
    print(f"rasterstats.zonal_stats:            best {min(peer):.3f} s  runs {peer}")
    print(f"ratio (rasterstats / geoplan): {min(peer) / min(ours):.2f}x")
    print(f"mean |difference| of the means (coverage weighting vs cell centres): {diff.mean():.3f}")


if __name__ == "__main__":
    main()
