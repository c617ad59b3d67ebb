"""Vector overlays: village areas, area shares per class, point-in-polygon, distances.

Everything is vectorised with shapely 2 and an STR-tree; no Python loop runs
over villages or polygons.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "class_at_points",
    "class_shares",
    "disjoint_classes",
    "nearest_distance",
    "village_areas",
]


def village_areas(villages: gpd.GeoDataFrame, buffer_m: float) -> gpd.GeoSeries:
    """Return the area of each village: its polygon, or a disc of ``buffer_m`` around its point.

    Parameters
    ----------
    villages
        Villages in a metric CRS (points, polygons or a mix).
    buffer_m
        Radius of the disc around point villages.

    Returns
    -------
    geopandas.GeoSeries
        Polygons, same index and CRS as ``villages``.
    """
    geoms = villages.geometry.to_numpy()
    is_area = np.isin(shapely.get_type_id(geoms), [3, 6])  # Polygon, MultiPolygon
    areas = geoms.copy()
    others = ~is_area & ~shapely.is_missing(geoms)
    areas[others] = shapely.buffer(geoms[others], buffer_m, quad_segs=16)
    return gpd.GeoSeries(areas, index=villages.index, crs=villages.crs)


def village_points(villages: gpd.GeoDataFrame) -> np.ndarray:
    """Return a point per village: the point itself, or a polygon's representative point."""
    geoms = villages.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    points = geoms.copy()
    others = ~is_point & ~shapely.is_missing(geoms)
    points[others] = shapely.point_on_surface(geoms[others])
    return points


def disjoint_classes(
    polygons: gpd.GeoDataFrame, key: str, order: Sequence[object]
) -> gpd.GeoDataFrame:
    """Make polygons of different classes disjoint, earlier classes in ``order`` winning.

    Overlaps within a class are dissolved too, so areas can be summed.  When
    nothing overlaps (the usual case) the input is returned unchanged.

    Parameters
    ----------
    polygons
        Polygons with a class column ``key``.
    key
        Class column.
    order
        Classes by priority, highest first; classes not listed are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``key`` and geometry.
    """
    frame = polygons.loc[polygons[key].isin(list(order)), [key, "geometry"]]
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    geoms = frame.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    overlapping = False
    for predicate in ("overlaps", "contains"):  # "contains" also catches duplicates
        left, right = tree.query(geoms, predicate=predicate)
        overlapping = overlapping or bool((left != right).any())
    if not overlapping:
        return frame.reset_index(drop=True)
    parts: list[tuple[object, object]] = []
    taken = None
    for value in order:
        merged = shapely.union_all(geoms[(frame[key] == value).to_numpy()])
        if shapely.is_empty(merged):
            continue
        own = merged if taken is None else shapely.difference(merged, taken)
        taken = merged if taken is None else shapely.union(taken, merged)
        parts.append((value, own))
    out = gpd.GeoDataFrame(
        {key: [p[0] for p in parts]}, geometry=[p[1] for p in parts], crs=polygons.crs
    )
    return out.explode(index_parts=False).reset_index(drop=True)


def class_shares(
    areas: gpd.GeoSeries, polygons: gpd.GeoDataFrame, key: str, classes: Sequence[object]
) -> pd.DataFrame:
    """Share of each area covered by polygons of each class.

    Parameters
    ----------
    areas
        Village areas (polygons) in the same CRS as ``polygons``.
    polygons
        Class polygons, disjoint across and within classes (see
        :func:`disjoint_classes`).
    key
        Class column of ``polygons``.
    classes
        Classes to report, one output column each.

    Returns
    -------
    pandas.DataFrame
        Shares in [0, 1], index of ``areas``, one column per class;
        ``NaN`` for missing or zero-area geometries.
    """
    geoms = areas.to_numpy()
    out = np.zeros((len(geoms), len(classes)))
    total = shapely.area(geoms)
    if len(polygons):
        poly_geoms = polygons.geometry.to_numpy()
        codes = pd.Categorical(polygons[key], categories=list(classes)).codes
        tree = shapely.STRtree(poly_geoms)
        i, j = tree.query(geoms, predicate="intersects")
        keep = codes[j] >= 0
        i, j = i[keep], j[keep]
        inter = shapely.area(shapely.intersection(geoms[i], poly_geoms[j]))
        flat = np.bincount(
            i * len(classes) + codes[j], weights=inter, minlength=len(geoms) * len(classes)
        )
        out = flat.reshape(len(geoms), len(classes)).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.clip(out / total[:, None], 0.0, 1.0)
    shares[~(total > 0)] = np.nan
    return pd.DataFrame(shares, index=areas.index, columns=list(classes))


def class_at_points(
    points: np.ndarray, polygons: gpd.GeoDataFrame, key: str, *, reduce: str = "max"
) -> np.ndarray:
    """Return, per point, the class of the polygon containing it.

    Parameters
    ----------
    points
        Shapely points.
    polygons
        Polygons with a numeric class column ``key``.
    key
        Class column.
    reduce
        ``"max"`` takes the highest class where polygons overlap.

    Returns
    -------
    numpy.ndarray
        float array, ``NaN`` where no polygon contains the point.
    """
    out = np.full(len(points), np.nan)
    if len(polygons) == 0 or len(points) == 0:
        return out
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    i, j = tree.query(points, predicate="intersects")
    values = pd.to_numeric(polygons[key], errors="coerce").to_numpy(dtype=float)[j]
    if reduce != "max":
        msg = f"unsupported reduce {reduce!r}"
        raise ValueError(msg)
    series = pd.Series(values).groupby(i).max()
    out[series.index.to_numpy()] = series.to_numpy()
    return out


def nearest_distance(geoms: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Return the distance from each geometry to the nearest target (0 when touching).

    Parameters
    ----------
    geoms
        Shapely geometries (villages).
    targets
        Shapely geometries to measure to (lines, polygons).

    Returns
    -------
    numpy.ndarray
        Distances in CRS units; ``NaN`` when there is no target or the
        geometry is missing.
    """
    out = np.full(len(geoms), np.nan)
    targets = targets[~(shapely.is_missing(targets) | shapely.is_empty(targets))]
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(targets) == 0 or not ok.any():
        return out
    tree = shapely.STRtree(targets)
    idx = np.flatnonzero(ok)
    (src, _), dist = tree.query_nearest(geoms[idx], return_distance=True, all_matches=False)
    out[idx[src]] = dist
    return out
