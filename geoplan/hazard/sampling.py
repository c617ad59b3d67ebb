"""Training cells of the susceptibility model: presences, absences and spatial blocks."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geoplan.errors import ModelError
from geoplan.hazard.factors import FactorStack
from geoplan.hazard.grid import to_pyproj

__all__ = ["absence_cells", "cell_xy", "presence_cells", "spatial_blocks"]


def spatial_blocks(x: np.ndarray, y: np.ndarray, block_size: float) -> np.ndarray:
    """Return an integer block id per point for square blocks of side ``block_size``."""
    bx = np.floor(np.asarray(x) / block_size).astype(np.int64)
    by = np.floor(np.asarray(y) / block_size).astype(np.int64)
    return np.asarray((bx - bx.min()) * (by.max() - by.min() + 1) + (by - by.min()))


def cell_xy(transform: Any, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates of the centres of cells ``(rows, cols)`` of a north-up grid."""
    x = transform.c + transform.a * (cols + 0.5)
    y = transform.f + transform.e * (rows + 0.5)
    return x, y


def presence_cells(
    inventory: gpd.GeoDataFrame, stack: FactorStack, *, min_count: int
) -> np.ndarray:
    """Flat indices of the DEM cells holding a recorded landslide (inside the study area)."""
    height, width = stack.shape
    points = shapely.point_on_surface(inventory.geometry.to_crs(to_pyproj(stack.crs)).to_numpy())
    tf = stack.transform
    rows = np.floor((shapely.get_y(points) - tf.f) / tf.e).astype(np.int64)
    cols = np.floor((shapely.get_x(points) - tf.c) / tf.a).astype(np.int64)
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    rows, cols = rows[inside], cols[inside]
    ok = stack.mask[rows, cols]
    cells = np.unique(rows[ok] * width + cols[ok])
    if cells.size < min_count:
        msg = (
            f"landslide_inventory: only {cells.size} landslide(s) fall on valid DEM cells inside "
            f"the study area; at least {min_count} are needed for the cross-validation folds"
        )
        raise ModelError(msg)
    return cells


def absence_cells(
    stack: FactorStack,
    presences: np.ndarray,
    inventory_metric: np.ndarray,
    to_metric: pyproj.Transformer,
    *,
    count: int,
    buffer_m: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Random study-area cells farther than ``buffer_m`` from every recorded landslide."""
    width = stack.shape[1]
    candidates = np.flatnonzero(stack.mask.ravel())
    candidates = rng.permutation(candidates[~np.isin(candidates, presences)])
    tree = shapely.STRtree(inventory_metric)
    found: list[np.ndarray] = []
    n_found = 0
    chunk = max(4 * count, 1000)
    for first in range(0, candidates.size, chunk):
        draw = candidates[first : first + chunk]
        if buffer_m > 0:
            mx, my = to_metric.transform(*cell_xy(stack.transform, draw // width, draw % width))
            near, _ = tree.query(shapely.points(mx, my), predicate="dwithin", distance=buffer_m)
            far = np.ones(draw.size, dtype=bool)
            far[near] = False
            draw = draw[far]
        found.append(draw[: count - n_found])
        n_found += found[-1].size
        if n_found >= count:
            break
    cells = np.concatenate(found) if found else np.array([], dtype=np.int64)
    if cells.size < presences.size:
        msg = (
            f"only {cells.size} cells of the study area lie farther than {buffer_m} m from a "
            f"recorded landslide, fewer than the {presences.size} landslides; lower "
            "susceptibility.absence_buffer_m"
        )
        raise ModelError(msg)
    return cells
