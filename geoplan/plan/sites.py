"""Suitability surface and candidate resettlement sites.

The scenario's rules are rasterised on one coarse grid in the scenario CRS;
suitable cells are grouped into connected patches, cut along commune
boundaries and a square block grid (so that every site lies in one commune
and stays compact), and polygonised.  A site's capacity is its area divided
by the land one household needs (residential plus production land, T9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features
from rasterio.enums import Resampling
from scipy import ndimage

from geoplan.config.plan import SitesConfig
from geoplan.hazard.grid import GridRaster, warp_to_grid
from geoplan.plan.site_profile import terrain_rasters

__all__ = ["SiteGrid", "find_sites", "suitability_grid"]

SITE_COLUMNS = [
    "site_id",
    "commune_code",
    "commune_name",
    "district_code",
    "district_name",
    "area_ha",
    "capacity_hh",
    "used_hh",
    "free_hh",
    "slope_mean_deg",
    "road_dist_mean_m",
    "suitability",
    "use",
    "geometry",
]


@dataclass
class SiteGrid:
    """The rasterised rules on the site grid.

    Attributes
    ----------
    transform
        Affine transform of the grid (scenario CRS).
    commune
        Index into the communes frame + 1 per cell (0 outside every commune).
    suitable
        Boolean mask of cells meeting every rule.
    slope_deg, road_dist_m
        Mean slope and distance to the nearest road per cell (NaN when unknown).
    excluded
        Rule name -> number of in-province cells that rule excluded.
    skipped
        Rule name -> why it was not applied (missing layer).
    terrain
        Slope and distance to steep ground on the DEM's own grid
        (:func:`geoplan.plan.site_profile.terrain_rasters`); empty without a DEM.
    """

    transform: Affine
    commune: np.ndarray
    suitable: np.ndarray
    slope_deg: np.ndarray
    road_dist_m: np.ndarray
    excluded: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    terrain: dict[str, GridRaster] = field(default_factory=dict)


def _grid_for(
    bounds: tuple[float, float, float, float], cell: float
) -> tuple[Affine, tuple[int, int]]:
    minx, miny, maxx, maxy = bounds
    x0 = math.floor(minx / cell) * cell
    y1 = math.ceil(maxy / cell) * cell
    width = max(1, math.ceil((maxx - x0) / cell))
    height = max(1, math.ceil((y1 - miny) / cell))
    return Affine(cell, 0.0, x0, 0.0, -cell, y1), (height, width)


def _burn(
    geoms: Any, transform: Affine, shape: tuple[int, int], *, all_touched: bool
) -> np.ndarray:
    shapes = [g for g in geoms if g is not None and not g.is_empty]
    if not shapes:
        return np.zeros(shape, dtype=bool)
    return features.rasterize(
        ((g, 1) for g in shapes),
        out_shape=shape,
        transform=transform,
        fill=0,
        all_touched=all_touched,
        dtype="uint8",
    ).astype(bool)


_SUBCELLS = 5


def _cover_fraction(geoms: Any, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """Share of each cell covered by ``geoms``, rasterised on a 5 x 5 finer grid."""
    fine = transform @ Affine.scale(1.0 / _SUBCELLS)
    burned = _burn(geoms, fine, (shape[0] * _SUBCELLS, shape[1] * _SUBCELLS), all_touched=False)
    blocks = burned.reshape(shape[0], _SUBCELLS, shape[1], _SUBCELLS)
    return blocks.mean(axis=(1, 3))


def suitability_grid(
    communes: gpd.GeoDataFrame,
    config: SitesConfig,
    *,
    layers: Any = None,
    susceptibility: Any = None,
    model_levels: Any = None,
) -> SiteGrid:
    """Rasterise the site rules on the site grid.

    Parameters
    ----------
    communes
        Commune polygons in the (metric) scenario CRS; they define the grid
        extent and which cells are inside the province.
    config
        The scenario's ``plan.sites`` section.
    layers
        Object with optional attributes ``dem`` (raster with ``array``,
        ``transform``, ``crs``), ``landslide_zones`` (``level``), ``forest``
        (``forest_type``), ``roads`` and ``rivers``; a missing attribute skips
        its rule.
    susceptibility
        Optional raster of modelled landslide probability (same duck type).
    model_levels
        Optional raster of modelled levels 1-5 (0 outside); a cell whose
        share in level ``k`` or above exceeds ``max_model_share[k]`` is excluded.

    Returns
    -------
    SiteGrid
        The rule masks; ``skipped`` names each rule that could not be applied.
    """
    cell = float(config.grid_m)
    transform, shape = _grid_for(tuple(communes.total_bounds), cell)
    commune_idx = features.rasterize(
        ((g, i + 1) for i, g in enumerate(communes.geometry) if g is not None and not g.is_empty),
        out_shape=shape,
        transform=transform,
        fill=0,
        dtype="int32",
    )
    rules = _Rules(transform, communes.crs, shape, cell, inside=commune_idx > 0)

    def layer(name: str) -> Any:
        return getattr(layers, name, None) if layers is not None else None

    slope, terrain = _slope_rules(rules, layer("dem"), config)
    _landslide_rule(rules, layer("landslide_zones"), config)
    _forest_rule(rules, layer("forest"), config)
    _river_rule(rules, layer("rivers"), config)
    road_dist = _road_rule(rules, layer("roads"), config)
    _susceptibility_rule(rules, susceptibility, config)
    _model_level_rule(rules, model_levels, config)
    return SiteGrid(
        transform,
        commune_idx,
        rules.suitable,
        slope,
        road_dist,
        rules.excluded,
        rules.skipped,
        terrain,
    )


@dataclass
class _Rules:
    """The site grid while its rules are applied: the cells still suitable, and why not."""

    transform: Affine
    crs: Any
    shape: tuple[int, int]
    cell: float
    inside: np.ndarray  # cells inside a commune
    suitable: np.ndarray = field(init=False)
    excluded: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.suitable = self.inside.copy()

    def apply(self, name: str, bad: np.ndarray) -> None:
        """Exclude the ``bad`` cells, counting those inside the province under ``name``."""
        self.excluded[name] = int((bad & self.inside).sum())
        self.suitable &= ~bad

    def burn(self, geoms: Any) -> np.ndarray:
        """Return the cells that ``geoms`` touch."""
        return _burn(geoms, self.transform, self.shape, all_touched=True)

    def warp(
        self, raster: Any, resampling: Resampling, values: np.ndarray | None = None
    ) -> np.ndarray:
        """Return ``raster`` (or ``values`` on its grid) resampled onto the site grid."""
        return warp_to_grid(
            raster, self.transform, self.crs, self.shape,
            resampling=resampling, values=values, dtype=np.float64,
        )  # fmt: skip


def _slope_rules(
    rules: _Rules, dem: Any, config: SitesConfig
) -> tuple[np.ndarray, dict[str, GridRaster]]:
    """Exclude steep cells and cells near steep ground; return the slope and the terrain."""
    if dem is None:
        rules.skipped["slope"] = "no DEM layer"
        return np.full(rules.shape, np.nan), {}
    terrain = terrain_rasters(dem, config.steep_slope_deg)
    slope = rules.warp(dem, Resampling.average, terrain["slope"].array)
    rules.apply("slope", ~(slope <= config.max_slope_deg))
    if config.min_steep_distance_m is not None:
        nearest = rules.warp(dem, Resampling.min, terrain["steep_dist"].array)
        rules.apply("steep_slope", nearest < config.min_steep_distance_m)
    return slope, terrain


def _landslide_rule(rules: _Rules, zones: Any, config: SitesConfig) -> None:
    """Exclude cells touching a landslide zone above the allowed level."""
    if zones is not None and "level" in zones.columns:
        high = zones[pd.to_numeric(zones["level"], errors="coerce") > config.max_landslide_level]
        rules.apply("landslide", rules.burn(high.geometry))
    else:
        rules.skipped["landslide"] = "no landslide_zones layer with a 'level' field"


def _forest_rule(rules: _Rules, forest: Any, config: SitesConfig) -> None:
    """Exclude cells covered by protected forest beyond the allowed share."""
    if forest is not None and "forest_type" in forest.columns and config.exclude_forest:
        protected = forest[forest["forest_type"].astype(str).isin(config.exclude_forest)]
        covered = _cover_fraction(protected.geometry, rules.transform, rules.shape)
        rules.apply("forest", covered > config.max_forest_share)
    elif config.exclude_forest:
        rules.skipped["forest"] = "no forest layer with a 'forest_type' field"


def _river_rule(rules: _Rules, rivers: Any, config: SitesConfig) -> None:
    """Exclude cells within the minimum distance of a river."""
    if config.min_river_distance_m is None:
        return
    if rivers is not None and len(rivers):
        # 1 m beyond the limit: a buffer's polygon lies slightly inside the true distance
        corridor = rivers.geometry.buffer(config.min_river_distance_m + 1.0)
        rules.apply("river", rules.burn(corridor))
    else:
        rules.skipped["river"] = "no rivers layer"


def _road_rule(rules: _Rules, roads: Any, config: SitesConfig) -> np.ndarray:
    """Exclude cells beyond the road distance limit; return the distance (NaN without roads)."""
    road_dist = np.full(rules.shape, np.nan)
    if roads is not None and len(roads):
        on_road = rules.burn(roads.geometry)
        if on_road.any():
            road_dist = ndimage.distance_transform_edt(~on_road) * rules.cell
            if config.max_road_distance_m is not None:
                rules.apply("road_distance", road_dist > config.max_road_distance_m)
    elif config.max_road_distance_m is not None:
        rules.skipped["road_distance"] = "no roads layer"
    return road_dist


def _susceptibility_rule(rules: _Rules, susceptibility: Any, config: SitesConfig) -> None:
    """Exclude cells whose mean modelled landslide probability is above the limit."""
    if config.max_susceptibility is None:
        return
    if susceptibility is not None:
        prob = rules.warp(susceptibility, Resampling.average)
        rules.apply("susceptibility", prob > config.max_susceptibility)
    else:
        rules.skipped["susceptibility"] = "no susceptibility raster"


def _model_level_rule(rules: _Rules, model_levels: Any, config: SitesConfig) -> None:
    """Exclude cells whose share in a modelled level (or above) exceeds its limit."""
    if not config.max_model_share:
        return
    if model_levels is None:
        rules.skipped["model_level"] = "no susceptibility model"
        return
    levels = np.asarray(model_levels.array)
    bad = np.zeros(rules.shape, dtype=bool)
    for level, share in config.max_model_share.items():
        at_or_above = np.where(levels == 0, np.nan, (levels >= level).astype(np.float64))
        covered = rules.warp(model_levels, Resampling.average, at_or_above)
        bad |= covered > share
    rules.apply("model_level", bad)


def find_sites(
    communes: gpd.GeoDataFrame,
    config: SitesConfig,
    *,
    layers: Any = None,
    susceptibility: Any = None,
    model_levels: Any = None,
) -> tuple[gpd.GeoDataFrame, SiteGrid]:
    """Return candidate resettlement sites and the grid they come from.

    Parameters
    ----------
    communes
        Commune polygons (scenario CRS) with ``commune_code`` and, when
        known, ``commune_name``, ``district_code``, ``district_name``.
    config
        The scenario's ``plan.sites`` section.
    layers, susceptibility, model_levels
        See :func:`suitability_grid`.

    Returns
    -------
    sites : geopandas.GeoDataFrame
        One row per site (columns ``SITE_COLUMNS``; ``used_hh`` is 0 until
        villages are assigned), sorted by commune code then position.
    grid : SiteGrid
        The rasterised rules.
    """
    grid = suitability_grid(
        communes, config, layers=layers, susceptibility=susceptibility, model_levels=model_levels
    )
    patches = _patches(grid, config)
    if patches is None:
        empty = gpd.GeoDataFrame({c: [] for c in SITE_COLUMNS[:-1]}, geometry=[], crs=communes.crs)
        return empty, grid
    idx, geoms = _polygons(patches.labels, grid.transform)

    cell = float(config.grid_m)
    flat = patches.labels.ravel()
    n = len(patches.commune_of)
    cnt = np.bincount(flat, minlength=n).astype("float64")
    slope_mean = _patch_means(flat, grid.slope_deg, n)[idx]
    road_mean = _patch_means(flat, grid.road_dist_m, n)[idx]
    area_ha = cnt[idx] * cell * cell / 10_000.0
    per_hh = config.residential_m2_per_hh + config.production_m2_per_hh
    capacity = np.floor(area_ha * 10_000.0 / per_hh + 1e-9).astype("int64")
    crow = communes.iloc[patches.commune_of[idx] - 1].reset_index(drop=True)
    sites = gpd.GeoDataFrame(
        {
            **_commune_columns(crow),
            "area_ha": area_ha,
            "capacity_hh": capacity,
            "used_hh": np.zeros(len(idx), dtype="int64"),
            "free_hh": capacity.copy(),
            "slope_mean_deg": slope_mean,
            "road_dist_mean_m": road_mean,
            "suitability": _suitability(slope_mean, road_mean, grid.road_dist_m, config),
            "use": config.site_use,
        },
        geometry=geoms,
        crs=communes.crs,
    )
    return _numbered(sites[sites["capacity_hh"] > 0], communes.crs), grid


@dataclass(frozen=True)
class _Patches:
    """The suitable cells grouped into sites: a label per cell and each label's commune."""

    labels: np.ndarray  # 1.. per site, 0 elsewhere
    commune_of: np.ndarray  # commune index + 1 of each label (index 0 unused)


def _patches(grid: SiteGrid, config: SitesConfig) -> _Patches | None:
    """Group suitable cells by commune, connected patch and square block; drop small groups.

    Returns ``None`` when no group reaches ``config.min_area_ha``.
    """
    cell = float(config.grid_m)
    shape = grid.suitable.shape
    comp, _ = ndimage.label(grid.suitable)
    rows, cols = np.nonzero(grid.suitable)
    block = max(1, round(config.block_m / cell))
    n_bcols = shape[1] // block + 1
    block_id = (rows // block) * n_bcols + cols // block
    keys = np.stack([grid.commune[rows, cols], comp[rows, cols], block_id], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse, minlength=len(uniq))
    min_cells = config.min_area_ha * 10_000.0 / (cell * cell)
    keep = counts >= min_cells - 1e-9
    if not keep.any():
        return None
    new_id = np.zeros(len(uniq), dtype="int32")
    new_id[keep] = np.arange(1, int(keep.sum()) + 1, dtype="int32")
    labels = np.zeros(shape, dtype="int32")
    labels[rows, cols] = new_id[inverse]
    commune_of = np.zeros(int(keep.sum()) + 1, dtype="int64")
    commune_of[new_id[keep]] = uniq[keep, 0]
    return _Patches(labels, commune_of)


def _polygons(labels: np.ndarray, transform: Affine) -> tuple[np.ndarray, list[Any]]:
    """Return the labels present and the polygon of each (its 4-connected cells' union)."""
    parts: dict[int, list[Any]] = {}
    for geom, value in features.shapes(
        labels, mask=labels > 0, transform=transform, connectivity=4
    ):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    ids = sorted(parts)
    geoms = [shapely.union_all(parts[i]) if len(parts[i]) > 1 else parts[i][0] for i in ids]
    return np.asarray(ids), geoms


def _patch_means(flat_labels: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Return the mean of the known ``values`` over each label's cells (NaN when none)."""
    v = values.ravel()
    ok = ~np.isnan(v)
    s = np.bincount(flat_labels[ok], weights=v[ok], minlength=n)
    c = np.bincount(flat_labels[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def _suitability(
    slope_mean: np.ndarray, road_mean: np.ndarray, road_dist: np.ndarray, config: SitesConfig
) -> np.ndarray:
    """Return a 0-1 score per site: flatter and nearer a road is better (unknown: halfway)."""
    cell = float(config.grid_m)
    slope_term = np.nan_to_num(slope_mean / config.max_slope_deg, nan=0.5)
    max_road = config.max_road_distance_m or float(
        np.nanmax(road_dist) if np.isfinite(road_dist).any() else 1.0
    )
    road_term = np.nan_to_num(road_mean / max(max_road, cell), nan=0.5)
    return np.clip(1.0 - 0.5 * np.clip(slope_term, 0, 1) - 0.5 * np.clip(road_term, 0, 1), 0, 1)


def _commune_columns(crow: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the commune and district code and name of each site (blank when unknown)."""

    def col(name: str) -> list[Any]:
        if name in crow.columns:
            return (
                crow[name].astype(str).tolist() if name.endswith("_code") else crow[name].tolist()
            )
        return [""] * len(crow)

    names = ("commune_code", "commune_name", "district_code", "district_name")
    return {name: col(name) for name in names}


def _numbered(sites: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Order the sites by commune code, north to south, west to east; number them S0001..."""
    rep = sites.geometry.representative_point()
    order = np.lexsort((rep.x.to_numpy(), -rep.y.to_numpy(), sites["commune_code"].to_numpy()))
    sites = sites.iloc[order].reset_index(drop=True)
    sites.insert(0, "site_id", [f"S{i + 1:04d}" for i in range(len(sites))])
    return gpd.GeoDataFrame(sites[SITE_COLUMNS], geometry="geometry", crs=crs)
