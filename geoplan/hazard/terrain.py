"""Terrain derivatives of a DEM, computed in metres and in row windows.

Slope and aspect use Horn's (1981) 3x3 finite differences; plan and profile
curvature use Zevenbergen & Thorne (1987); the topographic wetness index
``ln(a / tan b)`` uses D8 flow accumulation.  Cell sizes come from
:func:`geoplan.hazard.grid.cell_size_m`, so a DEM in degrees gives the same
slopes as the same surface in a metric CRS.  Edges are extended by linear
extrapolation (odd reflection), which keeps a plane a plane up to the border.

Every derivative is computed block by block with a one-cell halo read from the
neighbouring blocks, so the values never depend on the block size
(``block_pixels``, a count of cells): a DEM larger than memory can be given as
a :class:`geoplan.io.raster.RasterWindows` and read window by window, and
:class:`TerrainWindows` serves slope or aspect windows to the zonal statistics
without ever holding the whole grid.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
from affine import Affine
from scipy import ndimage

from geoplan.blocks import DEFAULT_BLOCK_PIXELS, block_rows
from geoplan.hazard.grid import cell_size_m, row_windows

__all__ = [
    "SHADE_BLOCK_PIXELS",
    "TERRAIN_FACTORS",
    "TerrainWindows",
    "flow_accumulation",
    "hillshade",
    "horn_gradient",
    "relief_window_px",
    "slope_degrees",
    "terrain_window",
    "wetness_index",
]

#: Names of the per-window terrain derivatives returned by :func:`terrain_window`.
TERRAIN_FACTORS = (
    "slope",
    "aspect_sin",
    "aspect_cos",
    "plan_curvature",
    "profile_curvature",
    "relief",
)

_WINDOW_ROWS = 256


class Grid(Protocol):
    """A DEM: an array, or a file read window by window (``grid[r0:r1, c0:c1]``)."""

    @property
    def shape(self) -> tuple[int, ...]:
        """``(rows, cols)``."""

    def __getitem__(self, key: Any) -> Any:
        """Cells of a row slice or a (row, column) slice pair."""


def _blocks(shape: tuple[int, ...], block_pixels: int | None) -> Iterator[tuple[int, int]]:
    return row_windows(shape[0], block_rows((shape[0], shape[1]), block_pixels))


def relief_window_px(transform: Affine, crs: Any, height: int, radius_m: float) -> int:
    """Return the odd side (pixels) of the square window used for local relief."""
    dx, dy = cell_size_m(transform, crs, height)
    cell = float(np.sqrt(np.mean(dx) * np.mean(dy)))
    half = max(1, round(radius_m / cell)) if cell > 0 else 1
    return 2 * half + 1


def _padded_block(
    dem: Grid, r0: int, r1: int, halo: int, cols: tuple[int, int] | None = None
) -> np.ndarray:
    """Rows ``r0 - halo .. r1 + halo`` and columns ``c0 - halo .. c1 + halo``.

    Cells beyond the grid's edges are extrapolated (odd reflection) from the
    cells inside, exactly as for the whole grid; inner halos are read.
    """
    height, width = dem.shape[0], dem.shape[1]
    c0, c1 = cols if cols is not None else (0, width)
    top, bottom = max(0, r0 - halo), min(height, r1 + halo)
    left, right = max(0, c0 - halo), min(width, c1 + halo)
    block = np.asarray(dem[top:bottom, left:right], dtype=np.float64)
    pad_rows = (halo - (r0 - top), halo - (bottom - r1))
    pad_cols = (halo - (c0 - left), halo - (right - c1))
    # Odd reflection (linear extrapolation) needs more cells than it pads; else copy edges.
    if block.shape[0] > max(pad_rows):
        block = np.pad(block, (pad_rows, (0, 0)), mode="reflect", reflect_type="odd")
    else:
        block = np.pad(block, (pad_rows, (0, 0)), mode="edge")
    if block.shape[1] > max(pad_cols):
        return np.pad(block, ((0, 0), pad_cols), mode="reflect", reflect_type="odd")
    return np.pad(block, ((0, 0), pad_cols), mode="edge")


def _neighbours(padded: np.ndarray, halo: int, n_rows: int, n_cols: int) -> dict[str, np.ndarray]:
    def take(di: int, dj: int) -> np.ndarray:
        return padded[halo + di : halo + di + n_rows, halo + dj : halo + dj + n_cols]

    return {
        "a": take(-1, -1), "b": take(-1, 0), "c": take(-1, 1),
        "d": take(0, -1), "e": take(0, 0), "f": take(0, 1),
        "g": take(1, -1), "h": take(1, 0), "i": take(1, 1),
    }  # fmt: skip


def _horn(
    z: dict[str, np.ndarray], dx: np.ndarray, dy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (dz/d east, dz/d north) by Horn's method."""
    dz_east = ((z["c"] + 2 * z["f"] + z["i"]) - (z["a"] + 2 * z["d"] + z["g"])) / (8 * dx)
    dz_north = ((z["a"] + 2 * z["b"] + z["c"]) - (z["g"] + 2 * z["h"] + z["i"])) / (8 * dy)
    return dz_east, dz_north


def horn_gradient(
    dem: Grid, transform: Affine, crs: Any, *, block_pixels: int | None = DEFAULT_BLOCK_PIXELS
) -> tuple[np.ndarray, np.ndarray]:
    """Return Horn's (1981) elevation gradient of a whole DEM, computed block by block.

    Parameters
    ----------
    dem
        Elevations in metres (``NaN`` nodata): an array, or a
        :class:`geoplan.io.raster.RasterWindows` read window by window.
    transform, crs
        Grid of the DEM; geographic grids are handled per row.
    block_pixels
        Cells per block (``None``: one block); the result does not depend on it.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dz/d east, dz/d north)`` in metres per metre, float64, shape of ``dem``;
        ``NaN`` where a cell or a neighbour is nodata.
    """
    dx_all, dy_all = cell_size_m(transform, crs, dem.shape[0])
    east = np.empty(dem.shape[:2], dtype=np.float64)
    north = np.empty(dem.shape[:2], dtype=np.float64)
    for r0, r1 in _blocks(dem.shape, block_pixels):
        _, east[r0:r1], north[r0:r1] = _horn_block(dem, dx_all, dy_all, (r0, r1))
    return east, north


def _horn_block(
    dem: Grid,
    dx_all: np.ndarray,
    dy_all: np.ndarray,
    rows: tuple[int, int],
    cols: tuple[int, int] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Return the 3x3 neighbours and Horn's gradient of one window of a DEM."""
    r0, r1 = rows
    c0, c1 = cols if cols is not None else (0, dem.shape[1])
    z = _neighbours(_padded_block(dem, r0, r1, 1, (c0, c1)), 1, r1 - r0, c1 - c0)
    dz_east, dz_north = _horn(z, dx_all[r0:r1, None], dy_all[r0:r1, None])
    return z, dz_east, dz_north


def terrain_window(
    dem: Grid,
    transform: Affine,
    crs: Any,
    r0: int,
    r1: int,
    *,
    relief_px: int = 3,
    factors: tuple[str, ...] = TERRAIN_FACTORS,
    cols: tuple[int, int] | None = None,
) -> dict[str, np.ndarray]:
    """Compute terrain derivatives for rows ``r0:r1`` (and columns ``cols``) of a DEM.

    Parameters
    ----------
    dem
        Elevations in metres, ``NaN`` for nodata, shape ``(rows, cols)``: an
        array or a :class:`geoplan.io.raster.RasterWindows`.
    transform, crs
        The DEM's grid; degrees are converted to metres per row.
    r0, r1
        Row range of the window.
    relief_px
        Odd side of the square window for local relief (max - min).
    factors
        Which of :data:`TERRAIN_FACTORS` to return.
    cols
        Column range ``(c0, c1)`` of the window; ``None``: every column.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 arrays of shape ``(r1 - r0, c1 - c0)``: ``slope`` (degrees),
        ``aspect_sin`` and ``aspect_cos`` (of the downslope direction,
        clockwise from north; 0 on flats), ``plan_curvature`` and
        ``profile_curvature`` (1/100 m), ``relief`` (m).
    """
    dx_all, dy_all = cell_size_m(transform, crs, dem.shape[0])
    dx = dx_all[r0:r1, None]
    dy = dy_all[r0:r1, None]
    z, dz_east, dz_north = _horn_block(dem, dx_all, dy_all, (r0, r1), cols)
    out: dict[str, np.ndarray] = {}
    gradient = np.hypot(dz_east, dz_north)
    if "slope" in factors:
        out["slope"] = np.degrees(np.arctan(gradient)).astype(np.float32)
    if "aspect_sin" in factors or "aspect_cos" in factors:
        flat = ~(gradient > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_a = np.where(flat, 0.0, -dz_east / gradient)
            cos_a = np.where(flat, 0.0, -dz_north / gradient)
        nan = np.isnan(gradient)
        sin_a[nan] = np.nan
        cos_a[nan] = np.nan
        if "aspect_sin" in factors:
            out["aspect_sin"] = sin_a.astype(np.float32)
        if "aspect_cos" in factors:
            out["aspect_cos"] = cos_a.astype(np.float32)
    if "plan_curvature" in factors or "profile_curvature" in factors:
        d = ((z["d"] + z["f"]) / 2 - z["e"]) / dx**2
        e = ((z["b"] + z["h"]) / 2 - z["e"]) / dy**2
        f = (-z["a"] + z["c"] + z["g"] - z["i"]) / (4 * dx * dy)
        g = (z["f"] - z["d"]) / (2 * dx)
        h = (z["b"] - z["h"]) / (2 * dy)
        p = g**2 + h**2
        with np.errstate(invalid="ignore", divide="ignore"):
            profile = np.where(p > 0, -2 * (d * g**2 + e * h**2 + f * g * h) / p, 0.0)
            plan = np.where(p > 0, 2 * (d * h**2 + e * g**2 - f * g * h) / p, 0.0)
        nan = np.isnan(p)
        profile[nan] = np.nan
        plan[nan] = np.nan
        if "plan_curvature" in factors:
            out["plan_curvature"] = (100 * plan).astype(np.float32)
        if "profile_curvature" in factors:
            out["profile_curvature"] = (100 * profile).astype(np.float32)
    if "relief" in factors:
        relief = _relief(dem, r0, r1, relief_px)
        out["relief"] = relief if cols is None else relief[:, cols[0] : cols[1]]
    return out


class TerrainWindows:
    """One terrain derivative of a DEM, computed on demand for the window asked for.

    ``windows[r0:r1, c0:c1]`` reads that window of the DEM plus a one-cell
    halo and returns the derivative there, equal to the same cells of the
    whole-grid computation; the zonal statistics read it polygon by polygon,
    so the derivative of a DEM larger than memory is never held whole.

    Parameters
    ----------
    dem
        Elevations (an array or a :class:`geoplan.io.raster.RasterWindows`).
    transform, crs
        Grid of the DEM.
    factor
        One of :data:`TERRAIN_FACTORS`.
    """

    def __init__(self, dem: Grid, transform: Affine, crs: Any, factor: str) -> None:
        if factor not in TERRAIN_FACTORS:
            msg = f"unknown terrain factor {factor!r}; use one of {', '.join(TERRAIN_FACTORS)}"
            raise ValueError(msg)
        self.dem = dem
        self.transform = transform
        self.crs = crs
        self.factor = factor
        self.shape = (int(dem.shape[0]), int(dem.shape[1]))

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        rows, cols = key
        r0, r1, _ = rows.indices(self.shape[0])
        c0, c1, _ = cols.indices(self.shape[1])
        out = terrain_window(
            self.dem, self.transform, self.crs, r0, r1, factors=(self.factor,), cols=(c0, c1)
        )
        return out[self.factor]


#: Cells per block of :func:`hillshade`: its few float64 temporaries stay near 0.5 MiB each.
SHADE_BLOCK_PIXELS = 1 << 16


def hillshade(
    dem: Grid,
    transform: Affine,
    crs: Any,
    *,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    block_pixels: int | None = SHADE_BLOCK_PIXELS,
) -> np.ndarray:
    """Return the illumination (0-1) of a DEM lit by a distant sun, from Horn's derivatives.

    Parameters
    ----------
    dem
        Elevations in metres (``NaN`` nodata): an array or a
        :class:`geoplan.io.raster.RasterWindows`.
    transform, crs
        Grid of the DEM; geographic grids are handled per row.
    azimuth_deg, altitude_deg
        Direction of the light, clockwise from north, and its height above the horizon.
    block_pixels
        Cells per block (``None``: one block); the result does not depend on it.

    Returns
    -------
    numpy.ndarray
        ``cos(zenith) cos(slope) + sin(zenith) sin(slope) cos(azimuth - aspect)`` clipped
        to ``[0, 1]``, float64, ``NaN`` where a cell or a neighbour is nodata.
    """
    azimuth = np.radians(azimuth_deg)
    altitude = np.radians(altitude_deg)
    dx_all, dy_all = cell_size_m(transform, crs, dem.shape[0])
    out = np.empty(dem.shape[:2], dtype=np.float64)
    for r0, r1 in _blocks(dem.shape, block_pixels):
        z, dz_east, dz_north = _horn_block(dem, dx_all, dy_all, (r0, r1))
        nodata = np.isnan(z["e"])
        del z
        # In place, operation for operation as
        # sin(alt) cos(slope) + cos(alt) sin(slope) cos(azimuth - aspect), so the same bits.
        slope = np.hypot(dz_east, dz_north)
        np.arctan(slope, out=slope)
        # aspect: the downslope direction, clockwise from north
        aspect = np.arctan2(np.negative(dz_east, out=dz_east), np.negative(dz_north, out=dz_north))
        del dz_east, dz_north
        np.subtract(azimuth, aspect, out=aspect)
        np.cos(aspect, out=aspect)
        lit = np.sin(slope)
        lit *= np.cos(altitude)
        lit *= aspect
        np.cos(slope, out=slope)
        slope *= np.sin(altitude)
        slope += lit
        np.clip(slope, 0.0, 1.0, out=out[r0:r1])
        out[r0:r1][nodata] = np.nan
    return out


def _relief(dem: Grid, r0: int, r1: int, size: int) -> np.ndarray:
    half = size // 2
    top = max(0, r0 - half)
    bottom = min(dem.shape[0], r1 + half)
    block = np.asarray(dem[top:bottom], dtype=np.float64)
    nan = np.isnan(block)
    high = ndimage.maximum_filter(np.where(nan, -np.inf, block), size=size, mode="nearest")
    low = ndimage.minimum_filter(np.where(nan, np.inf, block), size=size, mode="nearest")
    relief = (high - low)[r0 - top : r0 - top + (r1 - r0)]
    relief[nan[r0 - top : r0 - top + (r1 - r0)]] = np.nan
    return relief.astype(np.float32)


def slope_degrees(
    dem: Grid, transform: Affine, crs: Any, *, block_pixels: int | None = DEFAULT_BLOCK_PIXELS
) -> np.ndarray:
    """Return the slope in degrees (float32) of a whole DEM, computed block by block.

    Parameters
    ----------
    dem
        Elevations in metres (``NaN`` nodata): an array or a
        :class:`geoplan.io.raster.RasterWindows`.
    transform, crs
        Grid of the DEM; geographic grids are handled per row.
    block_pixels
        Cells per block (``None``: one block); the result does not depend on it.

    Returns
    -------
    numpy.ndarray
        Slope in degrees, same shape as ``dem``.
    """
    out = np.empty(dem.shape[:2], dtype=np.float32)
    for r0, r1 in _blocks(dem.shape, block_pixels):
        out[r0:r1] = terrain_window(dem, transform, crs, r0, r1, factors=("slope",))["slope"]
    return out


# D8 neighbour offsets (row, col).
_D8 = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _d8_receivers(dem: np.ndarray, transform: Affine, crs: Any) -> np.ndarray:
    """Linear index of each cell's steepest-descent neighbour, -1 for sinks and nodata."""
    height, width = dem.shape
    dx_all, dy_all = cell_size_m(transform, crs, height)
    # int32 indices while they fit: the sweep of flow_accumulation copies them several times
    index_type = np.int32 if height * width < 2**31 else np.int64
    receivers = np.full(height * width, -1, dtype=index_type)
    cols = np.arange(width)
    for r0, r1 in row_windows(height, _WINDOW_ROWS):
        n = r1 - r0
        top = max(0, r0 - 1)
        bottom = min(height, r1 + 1)
        block = np.asarray(dem[top:bottom], dtype=np.float64)
        block = np.where(np.isnan(block), np.inf, block)
        # Outside the grid counts as higher ground: nothing drains off the edge.
        block = np.pad(block, ((1 - (r0 - top), 1 - (bottom - r1)), (1, 1)), constant_values=np.inf)
        centre = block[1 : 1 + n, 1 : 1 + width]
        dx = dx_all[r0:r1, None]
        dy = dy_all[r0:r1, None]
        best = np.zeros((n, width))
        best_k = np.full((n, width), -1, dtype=np.int8)
        for k, (di, dj) in enumerate(_D8):
            dist = np.hypot(dx * dj, dy * di) if di and dj else (dx if dj else dy)
            with np.errstate(invalid="ignore"):
                drop = (centre - block[1 + di : 1 + di + n, 1 + dj : 1 + dj + width]) / dist
            better = drop > best
            best = np.where(better, drop, best)
            best_k[better] = k
        rows = np.arange(r0, r1)[:, None]
        off_r = np.array([o[0] for o in _D8] + [0])[best_k]
        off_c = np.array([o[1] for o in _D8] + [0])[best_k]
        rec = (rows + off_r) * width + (cols[None, :] + off_c)
        rec[(best_k < 0) | ~np.isfinite(centre)] = -1
        receivers[r0 * width : r1 * width] = rec.ravel()
    return receivers


def flow_accumulation(dem: np.ndarray, transform: Affine, crs: Any) -> np.ndarray:
    """Return the D8 upslope contributing area of every cell in square metres.

    The area includes the cell itself.  Cells in pits and flats keep what
    drains into them (no depression filling).  The accumulation is a
    topological sweep processed one "generation" of cells at a time, so its
    cost is linear in the number of cells.

    Parameters
    ----------
    dem
        Elevations in metres (``NaN`` nodata).
    transform, crs
        Grid of the DEM.

    Returns
    -------
    numpy.ndarray
        float64 areas, shape of ``dem``; ``NaN`` where the DEM is nodata.
    """
    height, width = dem.shape
    dx, dy = cell_size_m(transform, crs, height)
    receivers = _d8_receivers(dem, transform, crs)
    has_rec = receivers >= 0
    indeg = np.bincount(receivers[has_rec], minlength=height * width).astype(np.int32)
    frontier = np.flatnonzero((indeg == 0) & has_rec)
    del has_rec  # before the areas, so that the in-degree's temporaries are gone
    invalid = np.isnan(np.asarray(dem, dtype=np.float64)).ravel()
    acc = np.repeat(dx * dy, width)
    acc[invalid] = 0.0
    while frontier.size:
        rec = receivers[frontier]
        np.add.at(acc, rec, acc[frontier])
        np.subtract.at(indeg, rec, 1)
        ready = np.unique(rec[indeg[rec] == 0])
        frontier = ready[receivers[ready] >= 0]
    acc[invalid] = np.nan
    return acc.reshape(height, width)


def wetness_index(dem: np.ndarray, transform: Affine, crs: Any) -> np.ndarray:
    """Return the topographic wetness index ``ln(a / tan b)`` (float32).

    ``a`` is the D8 upslope area per unit contour width (the cell's mean
    side) and ``b`` the Horn slope, floored at 0.1 degree so flats stay finite.
    """
    height = dem.shape[0]
    dx, dy = cell_size_m(transform, crs, height)
    width_m = np.sqrt(dx * dy)[:, None]
    # The slope first (its blocks' temporaries are gone before the sweep's), then
    # ln(area / width / tan b) in place, one float64 grid at a time, with the same values.
    slope = slope_degrees(dem, transform, crs)
    area = flow_accumulation(dem, transform, crs)
    tan_b = np.radians(slope, dtype=np.float64)
    del slope
    np.tan(tan_b, out=tan_b)
    np.maximum(tan_b, np.tan(np.radians(0.1)), out=tan_b)
    area /= width_m
    area /= tan_b
    del tan_b
    return np.log(area, out=area).astype(np.float32)


#: Rows of a window when distances are computed from the nearest cells' indices.
DISTANCE_ROWS = 256


def distance_m(
    free: np.ndarray, sampling: tuple[float, float], dtype: type = np.float64
) -> np.ndarray:
    """Return the distance from each cell to the nearest cell where ``free`` is False.

    The same values as ``scipy.ndimage.distance_transform_edt(free, sampling=sampling)``,
    bit for bit: scipy's nearest-cell indices, then scipy's own arithmetic row window by row
    window (its whole-grid version holds four DEM-sized grids of temporaries).

    Parameters
    ----------
    free
        Boolean grid; distances are measured to its False cells.
    sampling
        Cell size along rows and columns (metres).
    dtype
        Data type of the result.
    """
    nearest = ndimage.distance_transform_edt(
        free, sampling=sampling, return_distances=False, return_indices=True
    )
    shape = free.shape
    out: np.ndarray = np.empty(shape, dtype=dtype)
    cols = np.arange(shape[1])[None, :]
    for r0, r1 in row_windows(shape[0], DISTANCE_ROWS):
        d_row = (nearest[0, r0:r1] - np.arange(r0, r1)[:, None]).astype(np.float64)
        d_col = (nearest[1, r0:r1] - cols).astype(np.float64)
        d_row *= sampling[0]
        d_col *= sampling[1]
        np.multiply(d_row, d_row, d_row)
        np.multiply(d_col, d_col, d_col)
        d_row += d_col
        out[r0:r1] = np.sqrt(d_row, d_row)
    return out
