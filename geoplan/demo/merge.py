"""Synthetic 1 July 2025 commune merger (groups of contiguous 2022 communes)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.demo.common import CRS_LOCAL, rng_for

#: New communes per old district (about 40 in total).
NEW_PER_DISTRICT = {
    "608": 6,
    "610": 5,
    "611": 3,
    "612": 3,
    "613": 4,
    "614": 3,
    "615": 4,
    "616": 5,
    "617": 4,
    "618": 1,
}


def merge_communes(seed: int, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge contiguous 2022 communes inside each old district.

    Parameters
    ----------
    seed
        Generator seed.
    communes
        The 2022 communes (EPSG:9216).

    Returns
    -------
    geopandas.GeoDataFrame
        ``commune_code`` ("M001"...), ``commune_name`` (the largest member's name),
        ``members`` (comma-separated 2022 codes), geometry.
    """
    rng = rng_for(seed, 9)
    rows = []
    for dcode in sorted(NEW_PER_DISTRICT):
        sub = communes[communes["district_code"] == dcode].reset_index(drop=True)
        geoms = sub.geometry.to_numpy()
        n = len(sub)
        k = min(NEW_PER_DISTRICT[dcode], n)
        area = shapely.area(geoms)
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="touches")
        nbrs: dict[int, set[int]] = {i: set() for i in range(n)}
        for a, b in zip(left, right, strict=True):
            if a != b and shapely.length(shapely.intersection(geoms[a], geoms[b])) > 0:
                nbrs[int(a)].add(int(b))
        cent = np.array([[g.centroid.x, g.centroid.y] for g in geoms])
        seeds = [int(rng.integers(n))]
        while len(seeds) < k:
            d = np.min(
                np.hypot(cent[:, None, 0] - cent[seeds, 0], cent[:, None, 1] - cent[seeds, 1]),
                axis=1,
            )
            seeds.append(int(np.argmax(d)))
        group = np.full(n, -1)
        for g, s in enumerate(seeds):
            group[s] = g
        total = np.array([area[s] for s in seeds], dtype=float)
        while (group < 0).any():
            best = None
            for g in np.argsort(total, kind="stable"):
                cand = sorted(
                    {j for i in np.flatnonzero(group == g) for j in nbrs[int(i)] if group[j] < 0}
                )
                if cand:
                    best = (int(g), cand[int(rng.integers(len(cand)))])
                    break
            if best is None:  # isolated leftovers: join any touching group
                i = int(np.flatnonzero(group < 0)[0])
                touching = [group[j] for j in nbrs[i] if group[j] >= 0]
                best = (int(touching[0]) if touching else 0, i)
            g, i = best
            group[i] = g
            total[g] += area[i]
        for g in range(k):
            members = np.flatnonzero(group == g)
            largest = members[int(np.argmax(area[members]))]
            codes = sorted(sub["commune_code"].iloc[members])
            rows.append(
                {
                    "commune_name": sub["commune_name"].iloc[largest],
                    "members": ",".join(codes),
                    "geometry": shapely.coverage_union_all(geoms[members]),
                }
            )
    out = pd.DataFrame(rows)
    out = out.sort_values("members", kind="stable").reset_index(drop=True)
    out.insert(0, "commune_code", [f"M{i + 1:03d}" for i in range(len(out))])
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS_LOCAL)
