"""Hazard profile of candidate resettlement sites.

For each site polygon: the share of it in each official landslide level and
in each modelled susceptibility level, the mean modelled probability, the
mean and 90th-percentile slope, the distance to the nearest river and to
steep ground, and the share in protected forest.  Raster measures are
area-weighted with exactextract (:func:`geoplan.indicators.zonal.zonal_stats`)
on the raster's own grid; vector shares reuse the village overlays
(:mod:`geoplan.indicators.overlay`), so a site and the village it receives are
measured the same way.
"""

from __future__ import annotations

from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.hazard.grid import GridRaster, cell_size_m
from geoplan.hazard.terrain import distance_m, slope_degrees
from geoplan.indicators.overlay import class_shares, disjoint_classes, nearest_distance
from geoplan.indicators.zonal import zonal_stats

__all__ = [
    "LEVELS",
    "LEVEL_PRESENT",
    "PROFILE_COLUMNS",
    "highest_level",
    "site_profiles",
    "terrain_rasters",
]

LEVELS = (1, 2, 3, 4, 5)
#: A level counts as present on an area when it covers more than this share of it
#: (below it, a shared boundary or a rasterisation sliver, not ground).
LEVEL_PRESENT = 1e-3

PROFILE_COLUMNS = [
    "official_level",
    *(f"landslide_share_{lv}" for lv in LEVELS),
    "model_level",
    *(f"model_share_{lv}" for lv in LEVELS),
    "susceptibility",
    "slope_mean_deg",
    "slope_p90_deg",
    "dist_river_m",
    "dist_steep_m",
    "protected_forest_share",
]


def terrain_rasters(dem: Any, steep_slope_deg: float) -> dict[str, GridRaster]:
    """Return the slope and the distance to steep ground on the DEM's own grid.

    Parameters
    ----------
    dem
        Raster with ``array``, ``transform`` and ``crs`` (metric or geographic).
    steep_slope_deg
        Cells at least this steep are steep ground.

    Returns
    -------
    dict
        ``slope`` (degrees) and ``steep_dist`` (metres from each cell to the
        nearest steep cell, 0 on steep ground; ``inf`` when none is steep).
        On a geographic grid the cell size is taken at the mean latitude.
    """
    values = np.asarray(dem.array, dtype=np.float64)
    if values.ndim == 3:
        values = values[0]
    slope = slope_degrees(values, dem.transform, dem.crs)
    steep = slope >= steep_slope_deg
    if steep.any():
        dx, dy = cell_size_m(dem.transform, dem.crs, values.shape[0])
        dist = distance_m(~steep, (float(np.mean(dy)), float(np.mean(dx))))
    else:
        dist = np.full(values.shape, np.inf)
    dist[np.isnan(values)] = np.nan  # in place: no second DEM-sized grid at the plan's peak
    return {
        "slope": GridRaster(slope, dem.transform, dem.crs),
        "steep_dist": GridRaster(dist, dem.transform, dem.crs),
    }


def highest_level(shares: pd.DataFrame, prefix: str) -> np.ndarray:
    """Return the highest level (1-5) present on each row (``<prefix><level>`` > LEVEL_PRESENT).

    0 where no level is present, ``NaN`` where every share is unknown.
    """
    out = np.zeros(len(shares))
    known = np.zeros(len(shares), dtype=bool)
    for level in LEVELS:
        share = pd.to_numeric(shares[f"{prefix}{level}"], errors="coerce").to_numpy(dtype=float)
        known |= ~np.isnan(share)
        out = np.where(share > LEVEL_PRESENT, level, out)
    return np.where(known, out, np.nan)


def _official_shares(areas: gpd.GeoSeries, zones: Any) -> pd.DataFrame:
    columns = [f"landslide_share_{lv}" for lv in LEVELS]
    if zones is None or "level" not in getattr(zones, "columns", ()):
        return pd.DataFrame(np.nan, index=areas.index, columns=columns)
    zones = zones.assign(level=pd.to_numeric(zones["level"], errors="coerce"))
    clean = disjoint_classes(zones[zones["level"].isin(LEVELS)], "level", LEVELS[::-1])
    shares = class_shares(areas, clean, "level", list(LEVELS))
    shares.columns = columns
    return shares


class _LevelShare:
    """1 where the model's level is ``level``, 0 at another level, NaN outside the model.

    Made window by window as exactextract reads it (:func:`zonal_stats`), so the five
    level rasters are never held whole (same values as the whole-grid arrays).
    """

    def __init__(self, levels: np.ndarray, level: int) -> None:
        self._levels = levels
        self._level = level
        self.shape = levels.shape

    def __getitem__(self, window: Any) -> np.ndarray:
        values = self._levels[window]
        return np.where(values == 0, np.nan, (values == self._level).astype(np.float64))


def _model_shares(areas: gpd.GeoSeries, model: Any) -> pd.DataFrame:
    columns = [f"model_share_{lv}" for lv in LEVELS] + ["susceptibility"]
    probability = getattr(model, "probability", None)
    levels = getattr(model, "levels", None)
    if probability is None or levels is None:
        return pd.DataFrame(np.nan, index=areas.index, columns=columns)
    level_values = np.asarray(levels.array)
    rasters = {
        f"l{lv}": GridRaster(cast(Any, _LevelShare(level_values, lv)), levels.transform, levels.crs)
        for lv in LEVELS
    }
    stats = zonal_stats(areas, rasters, ("mean",))
    out = pd.DataFrame(
        {f"model_share_{lv}": stats[f"l{lv}_mean"].to_numpy() for lv in LEVELS}, index=areas.index
    )
    out["susceptibility"] = zonal_stats(areas, {"p": probability}, ("mean",))["p_mean"].to_numpy()
    return out


def _forest_share(areas: gpd.GeoSeries, forest: Any, kinds: list[str]) -> np.ndarray:
    if forest is None or "forest_type" not in getattr(forest, "columns", ()) or not kinds:
        return np.full(len(areas), np.nan)
    clean = disjoint_classes(forest, "forest_type", kinds)
    return class_shares(areas, clean, "forest_type", kinds).sum(axis=1, min_count=1).to_numpy()


def site_profiles(
    sites: gpd.GeoDataFrame,
    *,
    layers: Any = None,
    model: Any = None,
    terrain: dict[str, GridRaster] | None = None,
    protected_forest: list[str] | None = None,
) -> pd.DataFrame:
    """Return the hazard profile of each site (columns :data:`PROFILE_COLUMNS`).

    Parameters
    ----------
    sites
        Site polygons in a metric CRS (the scenario CRS).
    layers
        Object with optional ``landslide_zones`` (``level``), ``forest``
        (``forest_type``) and ``rivers``; a missing layer gives ``NaN``.
    model
        The susceptibility result (``probability`` and ``levels`` rasters), or ``None``.
    terrain
        :func:`terrain_rasters` of the DEM, or ``None``.
    protected_forest
        ``forest_type`` values counted in ``protected_forest_share``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``sites``; shares in [0, 1], slopes in degrees,
        distances in metres (``NaN`` when the layer is missing).
    """
    areas = sites.geometry
    out = pd.concat([_official_shares(areas, getattr(layers, "landslide_zones", None)),
                     _model_shares(areas, model)], axis=1)  # fmt: skip
    out["official_level"] = highest_level(out, "landslide_share_")
    out["model_level"] = highest_level(out, "model_share_")
    if terrain:
        stats = zonal_stats(areas, {"s": terrain["slope"]}, ("mean", "quantile(q=0.9)"))
        out["slope_mean_deg"] = stats["s_mean"].to_numpy()
        out["slope_p90_deg"] = stats["s_quantile_90"].to_numpy()
        out["dist_steep_m"] = zonal_stats(areas, {"d": terrain["steep_dist"]}, ("min",))[
            "d_min"
        ].to_numpy()
    else:
        out["slope_mean_deg"] = out["slope_p90_deg"] = out["dist_steep_m"] = np.nan
    rivers = getattr(layers, "rivers", None)
    out["dist_river_m"] = (
        nearest_distance(areas.to_numpy(), rivers.geometry.to_numpy())
        if rivers is not None and len(rivers)
        else np.nan
    )
    out["protected_forest_share"] = _forest_share(
        areas, getattr(layers, "forest", None), list(protected_forest or [])
    )
    return out[PROFILE_COLUMNS]
