"""Geometry preparation for web maps: simplify, reproject, round, serialise."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

__all__ = [
    "bounds_latlon",
    "clean_value",
    "coverage_simplify",
    "feature_collection",
    "simplify",
    "to_wgs84",
]

WGS84 = "EPSG:4326"


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in a metric CRS (itself when already projected)."""
    if gdf.crs is None or not gdf.crs.is_geographic:
        return gdf
    return gdf.to_crs(gdf.estimate_utm_crs())


def coverage_simplify(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify polygons that tile an area while keeping shared edges shared.

    Uses :func:`shapely.coverage_simplify`, which simplifies each shared edge once,
    so neighbouring communes still meet without gaps or slivers.  Falls back to
    per-polygon topology-preserving simplification when the input is not a valid
    coverage.
    """
    if gdf.empty or tolerance_m <= 0:
        return gdf
    metric = _metric(gdf)
    geoms = metric.geometry.to_numpy()
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
        if not shapely.is_valid(simplified).all():
            simplified = shapely.make_valid(simplified)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = metric.copy()
    out.geometry = gpd.GeoSeries(simplified, index=metric.index, crs=metric.crs)
    return out


def simplify(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify each geometry on its own (topology-preserving), in metres."""
    if gdf.empty or tolerance_m <= 0:
        return gdf
    metric = _metric(gdf)
    out = metric.copy()
    out.geometry = metric.geometry.simplify(tolerance_m, preserve_topology=True)
    return out[~out.geometry.is_empty & out.geometry.notna()]


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (longitude, latitude)."""
    if gdf.crs is None:
        return gdf.set_crs(WGS84)
    return gdf.to_crs(WGS84)


def bounds_latlon(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Return ``[[south, west], [north, east]]`` of ``gdf`` in WGS 84."""
    minx, miny, maxx, maxy = to_wgs84(gdf).total_bounds
    return [
        [round(float(miny), 5), round(float(minx), 5)],
        [round(float(maxy), 5), round(float(maxx), 5)],
    ]


def clean_value(value: Any, digits: int = 4) -> Any:
    """Make one attribute JSON-friendly: NaN/NA to ``None``, numpy to Python, rounded floats."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return None
        r = round(f, digits)
        return int(r) if r.is_integer() and abs(r) < 2**53 else r
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean_value(v, digits) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _round_coords(geom: Any, precision: int) -> dict[str, Any]:
    rounded = shapely.transform(geom, lambda xy: np.round(xy, precision))
    return mapping(rounded)


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Callable[[Any], dict[str, Any]] | Iterable[str] = (),
    *,
    precision: int = 5,
) -> dict[str, Any]:
    """Build a compact GeoJSON FeatureCollection in WGS 84.

    Parameters
    ----------
    gdf
        Features in any CRS.
    properties
        Either column names to copy, or a function of a row returning a dict.
    precision
        Decimal places kept in coordinates (5 ≈ 1 m, enough for zoom 17).

    Returns
    -------
    dict
        The FeatureCollection; strings are left as they are (the map runtime
        escapes them when it builds HTML, and :func:`offline.safe_json`
        escapes ``<``, ``>`` and ``&`` for the script context).
    """
    wgs = to_wgs84(gdf)
    wgs = wgs[wgs.geometry.notna() & ~wgs.geometry.is_empty]
    features = []
    cols = None if callable(properties) else list(properties)
    for _, row in wgs.iterrows():
        props = (
            properties(row)  # type: ignore[operator]
            if cols is None
            else {c: clean_value(row.get(c)) for c in cols}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": _round_coords(row.geometry, precision),
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}
