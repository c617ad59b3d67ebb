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

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.hazard.grid import GridRaster, cell_size_m, to_pyproj
from geoplan.hazard.terrain import distance_m, slope_degrees
from geoplan.indicators.overlay import class_shares, disjoint_classes, nearest_distance
from geoplan.indicators.zonal import zonal_fractions, zonal_stats

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


def _model_shares(areas: gpd.GeoSeries, model: Any) -> pd.DataFrame:
    columns = [f"model_share_{lv}" for lv in LEVELS]
    levels = getattr(model, "levels", None)
    if getattr(model, "probability", None) is None or levels is None:
        return pd.DataFrame(np.nan, index=areas.index, columns=columns)
    shares = zonal_fractions(areas, levels, LEVELS, unknown=0)  # 0: outside the model
    return pd.DataFrame(shares.to_numpy(), index=areas.index, columns=columns)


def _raster_measures(
    areas: gpd.GeoSeries, model: Any, terrain: dict[str, GridRaster] | None
) -> pd.DataFrame:
    """Mean probability, mean and 90th-percentile slope, distance to steep ground.

    The rasters that share a grid (usually all: the model runs on the DEM's grid) are
    summarised in one pass over the sites.
    """
    requests: list[tuple[str, Any, tuple[str, ...]]] = []
    probability = getattr(model, "probability", None)
    if probability is not None and getattr(model, "levels", None) is not None:
        requests.append(("p", probability, ("mean",)))
    if terrain:
        requests.append(("s", terrain["slope"], ("mean", "quantile(q=0.9)")))
        requests.append(("d", terrain["steep_dist"], ("min",)))
    grids: dict[tuple[Any, ...], list[tuple[str, Any, tuple[str, ...]]]] = {}
    for request in requests:
        raster = request[1]
        key = (tuple(raster.transform), raster.array.shape[:2], to_pyproj(raster.crs))
        grids.setdefault(key, []).append(request)
    stats = [
        zonal_stats(
            areas, {name: raster for name, raster, _ in group}, {n: ops for n, _, ops in group}
        )
        for group in grids.values()
    ]
    found = pd.concat(stats, axis=1) if stats else pd.DataFrame(index=areas.index)
    names = {
        "p_mean": "susceptibility",
        "s_mean": "slope_mean_deg",
        "s_quantile_90": "slope_p90_deg",
        "d_min": "dist_steep_m",
    }
    return found.rename(columns=names).reindex(columns=list(names.values()))


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
                     _model_shares(areas, model),
                     _raster_measures(areas, model, terrain)], axis=1)  # fmt: skip
    out["official_level"] = highest_level(out, "landslide_share_")
    out["model_level"] = highest_level(out, "model_share_")
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
