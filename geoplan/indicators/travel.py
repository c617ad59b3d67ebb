"""Travel time over a friction surface built from roads, slope and land cover.

The surface is a grid in the scenario (metric) CRS at
``friction_resolution_m``.  A cell's speed is the fastest road class crossing
it; elsewhere it is the off-road speed, reduced on slopes by Tobler's hiking
function (averaged up and down hill, so the cost is isotropic) and inside
forest by a factor per forest type.  Travel times are accumulated with
scikit-image's :class:`~skimage.graph.MCP_Geometric` (8-connected, diagonal
steps cost sqrt 2), stopped as soon as every target cell is reached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.enums import Resampling
from skimage.graph import MCP_Geometric

from geoplan.hazard.grid import RasterLike, warp_to_grid

__all__ = ["FrictionSurface", "friction_surface", "tobler_factor", "travel_minutes"]

FOREST_ORDER = ("special_use", "protective", "production")


@dataclass(frozen=True)
class FrictionSurface:
    """Minutes needed to cross each cell, on a north-up metric grid.

    Parameters
    ----------
    minutes
        Minutes to cross one cell (side ``resolution``), shape ``(rows, cols)``.
    transform
        Affine transform of the grid.
    crs
        CRS of the grid (the scenario CRS).
    resolution
        Cell side in metres.
    """

    minutes: np.ndarray
    transform: Affine
    crs: Any
    resolution: float

    def cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(rows, cols, inside)`` of the cells holding coordinates ``x, y``."""
        cols = np.floor((np.asarray(x, float) - self.transform.c) / self.resolution)
        rows = np.floor((self.transform.f - np.asarray(y, float)) / self.resolution)
        height, width = self.minutes.shape
        inside = np.isfinite(cols) & np.isfinite(rows)
        inside &= (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
        return np.where(inside, rows, 0).astype(int), np.where(inside, cols, 0).astype(int), inside


def tobler_factor(slope_deg: np.ndarray) -> np.ndarray:
    """Return the walking speed on a slope relative to flat ground (Tobler 1993), isotropic.

    The hiking function ``6 exp(-3.5 |s + 0.05|)`` is averaged over going up
    (``s = tan(slope)``) and down (``s = -tan(slope)``) and divided by its
    value on the flat, so a flat cell has factor 1.
    """
    s = np.tan(np.radians(np.asarray(slope_deg, dtype=np.float64)))
    flat = math.exp(-3.5 * 0.05)
    return 0.5 * (np.exp(-3.5 * np.abs(s + 0.05)) + np.exp(-3.5 * np.abs(-s + 0.05))) / flat


def friction_surface(
    bounds: tuple[float, float, float, float],
    crs: Any,
    *,
    resolution: float,
    speeds_kmh: Mapping[str, float],
    roads: gpd.GeoDataFrame | None = None,
    forest: gpd.GeoDataFrame | None = None,
    landcover_speed_factor: Mapping[str, float] | None = None,
    slope: RasterLike | None = None,
    max_walk_slope_deg: float = 90.0,
) -> FrictionSurface:
    """Build the friction grid covering ``bounds``.

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` in ``crs`` (the grid gets one cell of margin).
    crs
        Metric CRS of the grid and of ``roads`` and ``forest``.
    resolution
        Cell side in metres.
    speeds_kmh
        Speed per road class and ``"offroad"``.
    roads
        Lines with ``road_class``; classes missing from ``speeds_kmh`` are ignored.
    forest
        Polygons with ``forest_type``.
    landcover_speed_factor
        Off-road speed multiplier per forest type.
    slope
        Slope raster in degrees (any CRS); averaged onto the grid.
    max_walk_slope_deg
        Footpaths zig-zag up steep ground, so slopes above this are walked at
        this gradient.

    Returns
    -------
    FrictionSurface
        Minutes per cell.
    """
    xmin, ymin, xmax, ymax = bounds
    xmin -= resolution
    ymax += resolution
    width = max(1, math.ceil((xmax + resolution - xmin) / resolution))
    height = max(1, math.ceil((ymax - (ymin - resolution)) / resolution))
    transform = Affine(resolution, 0.0, xmin, 0.0, -resolution, ymax)
    shape = (height, width)
    offroad = np.full(shape, float(speeds_kmh.get("offroad", 3.0)))
    if slope is not None:
        grid_slope = warp_to_grid(slope, transform, crs, shape, resampling=Resampling.average)
        factor = tobler_factor(np.minimum(np.nan_to_num(grid_slope, nan=0.0), max_walk_slope_deg))
        offroad *= factor
    if forest is not None and len(forest) and landcover_speed_factor:
        shapes = [
            (geom, float(landcover_speed_factor.get(kind, 1.0)))
            for kind in reversed(FOREST_ORDER)
            for geom in forest.geometry[forest["forest_type"] == kind]
            if geom is not None and not geom.is_empty
        ]
        if shapes:
            cover = features.rasterize(
                shapes, out_shape=shape, transform=transform, fill=1.0, dtype="float64"
            )
            offroad *= cover
    speed = offroad
    if roads is not None and len(roads):
        classes = sorted((c for c in speeds_kmh if c != "offroad"), key=lambda c: speeds_kmh[c])
        shapes = [
            (geom, float(speeds_kmh[cls]))
            for cls in classes
            for geom in roads.geometry[roads["road_class"] == cls]
            if geom is not None and not geom.is_empty
        ]
        if shapes:
            road_speed = features.rasterize(
                shapes, out_shape=shape, transform=transform, fill=0.0,
                all_touched=True, dtype="float64",
            )  # fmt: skip
            speed = np.where(road_speed > 0, np.maximum(road_speed, offroad), offroad)
    metres_per_minute = np.maximum(speed, 1e-3) * 1000.0 / 60.0
    return FrictionSurface(resolution / metres_per_minute, transform, crs, float(resolution))


class _CappedMCP(MCP_Geometric):
    """:class:`~skimage.graph.MCP_Geometric` that stops once every cell within ``limit`` is settled.

    Dijkstra settles cells in increasing cost, so the first cell popped above the limit
    means every cell at or below it is final: those costs equal the uncapped search's.
    """

    limit = math.inf

    def goal_reached(self, index: int, cumcost: float) -> int:
        return 2 if cumcost > self.limit else 0


def travel_minutes(
    surface: FrictionSurface,
    origins: np.ndarray,
    groups: Sequence[np.ndarray],
    targets: np.ndarray,
    *,
    margin_cells: int = 20,
    max_minutes: float | None = None,
) -> np.ndarray:
    """Minutes from each target to its group's origin over the friction surface.

    Parameters
    ----------
    surface
        The friction grid.
    origins
        Shapely points, one per group (the centres).
    groups
        For each origin, the integer positions in ``targets`` that travel to it.
    targets
        Shapely points (the villages).
    margin_cells
        Least margin (cells) around the bounding box of an origin and its
        targets within which paths are searched.
    max_minutes
        Stop each search beyond this many minutes (``None``: search until every
        target is reached); the minutes within it are the same either way.

    Returns
    -------
    numpy.ndarray
        Minutes per target; ``NaN`` where the target or its origin is off the
        grid or missing, or the target lies beyond ``max_minutes``.
    """
    out = np.full(len(targets), np.nan)
    if len(targets) == 0:
        return out
    tx = shapely.get_x(targets)
    ty = shapely.get_y(targets)
    t_rows, t_cols, t_in = surface.cells(tx, ty)
    o_rows, o_cols, o_in = surface.cells(shapely.get_x(origins), shapely.get_y(origins))
    height, width = surface.minutes.shape
    for g, group in enumerate(groups):
        members = np.asarray(group, dtype=int)
        members = members[t_in[members]]
        if not o_in[g] or members.size == 0:
            continue
        rows = np.append(t_rows[members], o_rows[g])
        cols = np.append(t_cols[members], o_cols[g])
        # Search a window around the origin and its targets, with a margin of half the
        # window's size (at least `margin_cells`) for detours along faster roads.
        span = max(int(np.ptp(rows)), int(np.ptp(cols)))
        pad = max(margin_cells, span // 2)
        r0, r1 = max(0, int(rows.min()) - pad), min(height, int(rows.max()) + pad + 1)
        c0, c1 = max(0, int(cols.min()) - pad), min(width, int(cols.max()) + pad + 1)
        window = surface.minutes[r0:r1, c0:c1]
        start = [(int(o_rows[g]) - r0, int(o_cols[g]) - c0)]
        if max_minutes is None:  # search until every target is reached
            ends = np.unique(np.column_stack([t_rows[members] - r0, t_cols[members] - c0]), axis=0)
            mcp = MCP_Geometric(window, fully_connected=True)
            cumulative, _ = mcp.find_costs(start, [tuple(e) for e in ends], find_all_ends=True)
        else:  # the limit ends the search; targets would cost a scan of them per settled cell
            mcp = _CappedMCP(window, fully_connected=True)
            mcp.limit = float(max_minutes)
            cumulative, _ = mcp.find_costs(start)
        out[members] = cumulative[t_rows[members] - r0, t_cols[members] - c0]
    out[~np.isfinite(out)] = np.nan
    if max_minutes is not None:
        out[out > max_minutes] = np.nan
    return out
