"""Forest cover, the known landslide susceptibility, zones and inventory.

The truth probability is a logistic model of observable terrain and layer
variables (slope, relief, curvature, distance to rivers and roads, forest type),
so that a model fitted to the inventory can recover it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage

from geoplan.demo.common import (
    CRS_GEO,
    CRS_LOCAL,
    FloatArray,
    Grid,
    midpoint_wiggle,
    rng_for,
    smooth_noise,
)
from geoplan.demo.terrain import Terrain

#: Forest codes on the DEM grid.
NONE, PRODUCTION, PROTECTIVE, SPECIAL = 0, 1, 2, 3
FOREST_TYPES = {PRODUCTION: "production", PROTECTIVE: "protective", SPECIAL: "special_use"}

#: Special-use forests: name, centre (lon, lat), radii (degrees).
SPECIAL_USE = [
    ("Vườn quốc gia Chư Mom Ray", (107.66, 14.40), (0.125, 0.105)),
    ("Khu bảo tồn thiên nhiên Ngọc Linh", (107.95, 15.07), (0.10, 0.085)),
]

#: Coefficients of the truth model (logit scale).
TRUTH_COEFFICIENTS: dict[str, float] = {
    "intercept": -11.2,
    "slope_deg": 0.18,
    "relief_100m": 0.9,
    "curvature_concave": 0.55,
    "river_proximity": 3.2,
    "road_proximity": 1.75,
    "protective_or_special_forest": -1.3,
    "production_forest": 0.55,
}
#: Length scales (metres) of the proximity terms.
RIVER_SCALE_M = 450.0
ROAD_SCALE_M = 300.0
#: Zone thresholds on the smoothed probability (levels 1..5).
ZONE_THRESHOLDS = (0.05, 0.15, 0.32, 0.55)


@dataclass
class Hazard:
    """Result of :func:`build_hazard`."""

    truth: FloatArray  # probability on the DEM grid (NaN outside the province)
    level: np.ndarray  # zone level 0..5 on the DEM grid (0 outside)
    zones: gpd.GeoDataFrame
    inventory: gpd.GeoDataFrame
    meta: dict[str, Any]


def province_mask(grid: Grid, province_geo: shapely.Geometry) -> np.ndarray:
    """Rasterise the province (lon/lat) on a grid; return a boolean mask."""
    return (
        features.rasterize([(province_geo, 1)], out_shape=grid.shape, transform=grid.transform) == 1
    )


def _coverage_polygons(
    values: np.ndarray, grid: Grid, *, tolerance: float, skip: set[int]
) -> tuple[list[shapely.Geometry], list[int]]:
    """Polygonise an integer grid, simplify it as a coverage, return polygons and values."""
    geoms: list[shapely.Geometry] = []
    vals: list[int] = []
    for geo, val in features.shapes(values.astype(np.int32), transform=grid.transform):
        geoms.append(shapely.geometry.shape(geo))
        vals.append(int(val))
    arr = shapely.segmentize(np.array(geoms, dtype=object), grid.cell_x * 1.01)
    arr = shapely.transform(arr, lambda c: np.round(c, 9))
    simp = shapely.coverage_simplify(arr, tolerance=tolerance)
    keep = [(g, v) for g, v in zip(simp, vals, strict=True) if v not in skip and not g.is_empty]
    return [g for g, _ in keep], [v for _, v in keep]


def build_forest(
    seed: int,
    terrain: Terrain,
    mask: np.ndarray,
    district_grid: np.ndarray,
    district_names: list[str],
) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """Return the forest-type grid (DEM grid) and the forest polygons (EPSG:9216).

    Parameters
    ----------
    seed
        Generator seed.
    terrain
        The terrain.
    mask
        Province mask on the DEM grid.
    district_grid
        District index (0..9, -1 outside) on the DEM grid.
    district_names
        Names of the districts, by index.

    Returns
    -------
    tuple
        Forest codes on the DEM grid and the ``forest`` layer.
    """
    rng = rng_for(seed, 3)
    grid = terrain.grid
    ftype = np.zeros(grid.shape, dtype=np.int16)
    special_id = np.zeros(grid.shape, dtype=np.int16)
    for k, (_, (lon, lat), (rx, ry)) in enumerate(SPECIAL_USE, start=1):
        ang = np.linspace(0, 2 * np.pi, 13)
        ring = np.column_stack([lon + rx * np.cos(ang), lat + ry * np.sin(ang)])
        ring = midpoint_wiggle(ring, rng, rough=0.12, levels=3)
        poly = shapely.make_valid(shapely.Polygon(ring))
        burned = features.rasterize([(poly, k)], out_shape=grid.shape, transform=grid.transform)
        special_id[burned == k] = k
    slope_s = ndimage.gaussian_filter(terrain.slope, 3.0)
    steep = ((slope_s > 29.0) & (terrain.dem > 1000.0)) | (terrain.dem > 1700.0)
    steep = ndimage.gaussian_filter(steep.astype(float), 2.5) > 0.5
    noise = smooth_noise(grid.shape, rng, 10.0)
    prod = (noise > 0.1) & (terrain.dem > 250) & (terrain.dem < 1300) & (slope_s < 30.0)
    prod = ndimage.gaussian_filter(prod.astype(float), 2.0) > 0.5
    ftype[prod] = PRODUCTION
    ftype[steep] = PROTECTIVE
    ftype[special_id > 0] = SPECIAL
    ftype[~mask] = NONE

    # polygonise on a 3x coarser grid to keep the layer small
    step = 3
    coarse = grid.coarsened(step)
    sl = (slice(1, coarse.height * step, step), slice(1, coarse.width * step, step))
    code = np.where(
        ftype[sl] == SPECIAL,
        900 + special_id[sl],
        ftype[sl].astype(np.int32) * 100 + np.maximum(district_grid[sl], 0),
    )
    code = np.where(ftype[sl] == NONE, 0, code).astype(np.int32)
    code = features.sieve(code, size=6)
    geoms, vals = _coverage_polygons(code, coarse, tolerance=coarse.cell_x * 0.9, skip={0})
    rows = []
    for geom, val in zip(geoms, vals, strict=True):
        if val >= 900:
            rows.append(("special_use", SPECIAL_USE[val - 901][0], geom))
        else:
            kind, d = divmod(val, 100)
            label = "Rừng phòng hộ " if kind == PROTECTIVE else "Rừng sản xuất "
            rows.append((FOREST_TYPES[kind], label + district_names[d], geom))
    frame = pd.DataFrame(rows, columns=["forest_type", "name", "geometry"])
    frame = frame.groupby(["forest_type", "name"], sort=True, as_index=False).agg(
        geometry=("geometry", lambda g: shapely.coverage_union_all(np.array(list(g), dtype=object)))
    )
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_GEO).to_crs(CRS_LOCAL)
    gdf["geometry"] = shapely.make_valid(
        shapely.transform(gdf.geometry.to_numpy(), lambda c: np.round(c, 1))
    )
    return ftype, gdf


def truth_probability(
    terrain: Terrain, ftype: np.ndarray, dist_road: FloatArray
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Return the truth probability grid and its covariates.

    Parameters
    ----------
    terrain
        The terrain.
    ftype
        Forest codes on the DEM grid.
    dist_road
        Distance to the nearest (non-track) road in metres.

    Returns
    -------
    tuple
        Probability grid and the dict of covariate grids.
    """
    c = TRUTH_COEFFICIENTS
    cov = {
        "slope_deg": terrain.slope,
        "relief_100m": terrain.relief / 100.0,
        "curvature_concave": np.clip(-terrain.curvature, -2.0, 2.0),
        "river_proximity": np.exp(-terrain.dist_river / RIVER_SCALE_M),
        "road_proximity": np.exp(-dist_road / ROAD_SCALE_M),
        "protective_or_special_forest": np.isin(ftype, (PROTECTIVE, SPECIAL)).astype(float),
        "production_forest": (ftype == PRODUCTION).astype(float),
    }
    logit = np.full(terrain.dem.shape, c["intercept"])
    for key, arr in cov.items():
        logit = logit + c[key] * arr
    return 1.0 / (1.0 + np.exp(-logit)), cov


INVENTORY_EVENTS = 300  # landslide events in the demo's inventory


def _zones(p: FloatArray, mask: np.ndarray, grid: Grid) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """Return the zone level per DEM cell and the official-looking zone polygons.

    The levels come from the smoothed probability; the polygons from a 3x3 coarser grid.
    """
    smooth = ndimage.gaussian_filter(p, 2.0)
    level = np.digitize(smooth, ZONE_THRESHOLDS) + 1
    level = np.where(mask, level, 0)
    step = 3
    coarse = grid.coarsened(step)
    blk = level[: coarse.height * step, : coarse.width * step]
    blk = blk.reshape(coarse.height, step, coarse.width, step)
    # the highest level that covers at least 3 of the 9 cells of each block
    counts = np.stack([(blk == k).sum(axis=(1, 3)) for k in range(6)])
    clevel = np.zeros((coarse.height, coarse.width), dtype=np.int32)
    for k in range(1, 6):
        clevel = np.where(counts[k] >= 3, k, clevel)
    inside = counts[0] < 5
    clevel = np.where(inside & (clevel == 0), 1, clevel)
    clevel = np.where(inside, clevel, 0)
    clevel = features.sieve(clevel.astype(np.int32), size=5)
    geoms, vals = _coverage_polygons(clevel, coarse, tolerance=coarse.cell_x * 0.8, skip={0})
    zframe = pd.DataFrame({"level": vals, "geometry": geoms})
    zframe = zframe.groupby("level", sort=True, as_index=False).agg(
        geometry=("geometry", lambda g: shapely.coverage_union_all(np.array(list(g), dtype=object)))
    )
    zones = gpd.GeoDataFrame(zframe, geometry="geometry", crs=CRS_GEO).to_crs(CRS_LOCAL)
    zones["geometry"] = shapely.make_valid(
        shapely.transform(zones.geometry.to_numpy(), lambda c: np.round(c, 1))
    )
    zones["level"] = zones["level"].astype("int32")
    return level, zones


def _inventory(
    rng: np.random.Generator, p: FloatArray, mask: np.ndarray, grid: Grid, *, n_events: int
) -> gpd.GeoDataFrame:
    """Return the landslide inventory: dated points drawn where the probability is high."""
    # inventory: cells drawn with probability proportional to p
    flat = np.where(mask, p, 0.0).ravel()
    idx = rng.choice(flat.size, size=n_events, replace=False, p=flat / flat.sum())
    r, c = np.unravel_index(np.sort(idx), grid.shape)
    lon = grid.x0 + (c + rng.uniform(0.1, 0.9, n_events)) * grid.cell_x
    lat = grid.y0 - (r + rng.uniform(0.1, 0.9, n_events)) * grid.cell_y
    years = rng.integers(2009, 2025, n_events)
    # most landslides come with the rainy season (July-November)
    months = np.where(
        rng.random(n_events) < 0.85, rng.integers(7, 12, n_events), rng.integers(1, 13, n_events)
    )
    days = rng.integers(1, 29, n_events)
    dates = [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in zip(years, months, days, strict=True)]
    inv = gpd.GeoDataFrame(
        {"event_id": [f"LS{i + 1:04d}" for i in range(n_events)], "event_date": dates},
        geometry=gpd.points_from_xy(lon, lat),
        crs=CRS_GEO,
    ).to_crs(CRS_LOCAL)
    inv["geometry"] = shapely.transform(inv.geometry.to_numpy(), lambda c: np.round(c, 1))
    inv = inv.sort_values("event_date", kind="stable").reset_index(drop=True)
    inv["event_id"] = [f"LS{i + 1:04d}" for i in range(n_events)]
    return inv


def _truth_meta(*, n_events: int) -> dict[str, Any]:
    """Return the description of the truth model (``landslide_truth.json``)."""
    return {
        "model": "logistic",
        "formula": (
            "p = 1 / (1 + exp(-(intercept + slope_deg*SLOPE + relief_100m*RELIEF/100"
            " + curvature_concave*clip(-CURV, -2, 2)"
            f" + river_proximity*exp(-DIST_RIVER/{RIVER_SCALE_M:g})"
            f" + road_proximity*exp(-DIST_ROAD/{ROAD_SCALE_M:g})"
            " + protective_or_special_forest*[forest in protective/special_use]"
            " + production_forest*[forest is production])))"
        ),
        "coefficients": TRUTH_COEFFICIENTS,
        "variables": {
            "SLOPE": "slope of dem.tif in degrees (central differences, metric cell size)",
            "RELIEF": "max - min elevation of dem.tif in a 7x7 cell window (m)",
            "CURV": "-100 * Laplacian of dem.tif smoothed with a Gaussian (sigma 1 cell), 1/m;"
            " positive = convex",
            "DIST_RIVER": "distance to the nearest line of layer rivers (m)",
            "DIST_ROAD": "distance to the nearest road of class national/provincial/district (m)",
            "forest": "forest_type of layer forest at the cell",
        },
        "zone_levels": {
            "smoothing": "Gaussian, sigma 2 cells",
            "thresholds": list(ZONE_THRESHOLDS),
            "levels": "1 = very low ... 5 = very high",
        },
        "inventory": {
            "events": n_events,
            "sampling": "cells drawn without replacement with probability proportional to p",
        },
        "raster": "landslide_truth.tif: uint8 = round(p * 250), 255 = outside the province",
    }


def build_hazard(
    seed: int, terrain: Terrain, ftype: np.ndarray, dist_road: FloatArray, mask: np.ndarray
) -> Hazard:
    """Build the truth grid, the zone polygons and the inventory points.

    Parameters
    ----------
    seed
        Generator seed.
    terrain
        The terrain.
    ftype
        Forest codes on the DEM grid.
    dist_road
        Distance to roads (metres) on the DEM grid.
    mask
        Province mask on the DEM grid.

    Returns
    -------
    Hazard
        Truth, zones (EPSG:9216) and inventory (EPSG:9216).
    """
    rng = rng_for(seed, 4)
    grid = terrain.grid
    p, _ = truth_probability(terrain, ftype, dist_road)
    truth = np.where(mask, p, np.nan)

    level, zones = _zones(p, mask, grid)
    inv = _inventory(rng, p, mask, grid, n_events=INVENTORY_EVENTS)
    meta = _truth_meta(n_events=INVENTORY_EVENTS)
    return Hazard(truth, level, zones, inv, meta)
