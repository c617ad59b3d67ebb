"""Raster grid helpers shared by the indicators and the hazard model.

Rasters stay in their own CRS (the loader does not resample them), so every
function here works on an affine north-up grid in either a projected CRS
(metres, feet...) or a geographic one (degrees).  For geographic grids the
cell size in metres is computed per row from the ellipsoid, which is what
makes slopes, distances and areas correct on a DEM in EPSG:4326.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyproj
from affine import Affine
from rasterio import warp
from rasterio.enums import Resampling

from geoplan.errors import IndicatorError

__all__ = [
    "GridRaster",
    "RasterLike",
    "cell_area_m2",
    "cell_size_m",
    "grid_bounds",
    "is_geographic",
    "row_windows",
    "to_pyproj",
    "warp_to_grid",
]


class RasterLike(Protocol):
    """What geoplan needs from a raster: values, an affine transform and a CRS."""

    @property
    def array(self) -> np.ndarray:
        """Cell values."""

    @property
    def transform(self) -> Affine:
        """Affine transform (north-up)."""

    @property
    def crs(self) -> Any:
        """Coordinate reference system."""


@dataclass(frozen=True)
class GridRaster:
    """A raster held in memory (same attributes as ``geoplan.io.Raster``).

    Parameters
    ----------
    array
        2-D values; ``NaN`` marks nodata for float arrays.
    transform
        Affine transform of the top-left corner (north-up).
    crs
        Coordinate reference system (anything :mod:`pyproj` understands).
    path
        Where the raster came from, ``None`` when computed.
    """

    array: np.ndarray
    transform: Affine
    crs: Any
    path: str | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        return (int(self.array.shape[0]), int(self.array.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` in the raster CRS."""
        return grid_bounds(self.transform, self.shape)


def to_pyproj(crs: Any) -> pyproj.CRS:
    """Return a :class:`pyproj.CRS` for a rasterio CRS, EPSG string, WKT or pyproj CRS."""
    if isinstance(crs, pyproj.CRS):
        return crs
    if hasattr(crs, "to_wkt"):
        return pyproj.CRS.from_wkt(crs.to_wkt())
    return pyproj.CRS.from_user_input(crs)


def is_geographic(crs: Any) -> bool:
    """Return whether ``crs`` has angular (degree) axes."""
    return bool(to_pyproj(crs).is_geographic)


def _check_north_up(transform: Affine) -> None:
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        msg = (
            f"raster transform {tuple(transform)[:6]} is rotated or south-up; "
            "warp it to a north-up grid (gdalwarp) before using it with geoplan"
        )
        raise IndicatorError(msg)


def grid_bounds(transform: Affine, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """Return ``(xmin, ymin, xmax, ymax)`` of a north-up grid."""
    _check_north_up(transform)
    height, width = shape
    xmin = transform.c
    ymax = transform.f
    return (xmin, ymax + transform.e * height, xmin + transform.a * width, ymax)


def cell_size_m(transform: Affine, crs: Any, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the cell width and height in metres for every row of a grid.

    Parameters
    ----------
    transform
        North-up affine transform.
    crs
        CRS of the grid.  For a geographic CRS the sizes follow from the
        ellipsoid's radii of curvature at each row's latitude: the width is
        ``N(phi) cos(phi) dlambda`` and the height ``M(phi) dphi``.
    height
        Number of rows.

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx, dy)``, each of shape ``(height,)`` in metres.
    """
    _check_north_up(transform)
    pcrs = to_pyproj(crs)
    if not pcrs.is_geographic:
        unit = 1.0
        axis_info = pcrs.axis_info
        if axis_info and axis_info[0].unit_conversion_factor:
            unit = float(axis_info[0].unit_conversion_factor)
        dx = np.full(height, abs(transform.a) * unit)
        dy = np.full(height, abs(transform.e) * unit)
        return dx, dy
    ellipsoid = pcrs.ellipsoid
    a = float(ellipsoid.semi_major_metre) if ellipsoid is not None else 6378137.0
    inv_f = float(ellipsoid.inverse_flattening) if ellipsoid is not None else 298.257223563
    f = 1.0 / inv_f if inv_f else 0.0
    e2 = f * (2.0 - f)
    rows = np.arange(height, dtype=np.float64) + 0.5
    lat = np.radians(transform.f + transform.e * rows)
    sin2 = np.sin(lat) ** 2
    n_radius = a / np.sqrt(1.0 - e2 * sin2)
    m_radius = a * (1.0 - e2) / (1.0 - e2 * sin2) ** 1.5
    dx = n_radius * np.cos(lat) * math.radians(abs(transform.a))
    dy = m_radius * math.radians(abs(transform.e))
    return dx, dy


def cell_area_m2(transform: Affine, crs: Any, height: int) -> np.ndarray:
    """Return the area of one cell of each row in square metres, shape ``(height,)``."""
    dx, dy = cell_size_m(transform, crs, height)
    return dx * dy


def row_windows(height: int, rows: int) -> Iterator[tuple[int, int]]:
    """Yield ``(start, stop)`` row ranges of at most ``rows`` rows covering ``height``."""
    step = max(1, int(rows))
    for start in range(0, height, step):
        yield start, min(height, start + step)


def warp_to_grid(
    source: RasterLike,
    transform: Affine,
    crs: Any,
    shape: tuple[int, int],
    *,
    resampling: Resampling,
    values: np.ndarray | None = None,
    dtype: Any = np.float32,
) -> np.ndarray:
    """Return a raster's values resampled onto another grid, ``NaN`` for nodata.

    Parameters
    ----------
    source
        The source raster (its ``transform`` and ``crs``; ``NaN`` nodata).
    transform, crs, shape
        The target grid: affine transform, CRS, rows and columns.
    resampling
        Rasterio resampling method (``average`` to aggregate onto a coarser
        grid, ``bilinear`` for a smooth field).
    values
        Cell values on the source grid to use instead of ``source.array``.
    dtype
        Data type of the computation and the result.

    Returns
    -------
    numpy.ndarray
        Values of shape ``shape``; ``NaN`` where no source cell contributes.
    """
    grid = np.full(shape, np.nan, dtype=dtype)
    warp.reproject(
        np.asarray(source.array if values is None else values, dtype=dtype),
        grid,
        src_transform=source.transform,
        src_crs=to_pyproj(source.crs).to_wkt(),
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=to_pyproj(crs).to_wkt(),
        dst_nodata=np.nan,
        resampling=resampling,
    )
    return grid
