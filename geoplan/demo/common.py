"""Shared constants, grids and noise helpers of the demo-data generator.

Everything here is deterministic: random numbers always come from a
:class:`numpy.random.Generator` that the caller seeded.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

#: The province's own metric CRS (VN-2000 / TM-3 zone 107°30').
CRS_LOCAL = "EPSG:9216"
#: Geographic CRS of the DEM, roads and rivers.
CRS_GEO = "EPSG:4326"

#: Cell size of the metric administrative grid (metres).
ADMIN_CELL = 250.0
#: DEM cell size in degrees (3 arc-seconds, like SRTM).
DEM_CELL = 1.0 / 1200.0
#: DEM extent (west, south, east, north) in degrees.
DEM_BOUNDS = (107.30, 13.85, 108.60, 15.47)

FloatArray = npt.NDArray[np.float64]


def rng_for(seed: int, key: int) -> np.random.Generator:
    """Return an independent generator for one part of the generator.

    Parameters
    ----------
    seed
        The user's seed.
    key
        A fixed number naming the part (so that parts do not share streams).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded with ``[seed, key]``.
    """
    return np.random.default_rng([seed, key])


@cache
def to_local() -> Transformer:
    """Return the lon/lat → VN-2000 TM-3 transformer (always x=lon, y=lat order)."""
    return Transformer.from_crs(CRS_GEO, CRS_LOCAL, always_xy=True)


@cache
def to_geo() -> Transformer:
    """Return the VN-2000 TM-3 → lon/lat transformer (always x=lon, y=lat order)."""
    return Transformer.from_crs(CRS_LOCAL, CRS_GEO, always_xy=True)


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.

    Parameters
    ----------
    x0, y0
        Coordinates of the upper-left corner.
    cell_x, cell_y
        Cell sizes (positive).
    width, height
        Number of columns and rows.
    """

    x0: float
    y0: float
    cell_x: float
    cell_y: float
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        """Return ``(rows, cols)``."""
        return (self.height, self.width)

    @property
    def transform(self) -> Affine:
        """Return the affine transform of the grid."""
        return Affine(self.cell_x, 0.0, self.x0, 0.0, -self.cell_y, self.y0)

    def coarsened(self, step: int) -> Grid:
        """Return the grid of ``step`` x ``step`` blocks (partial blocks at the edges dropped)."""
        return Grid(
            self.x0,
            self.y0,
            self.cell_x * step,
            self.cell_y * step,
            self.width // step,
            self.height // step,
        )

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """Return 2-D arrays of the x and y coordinates of the cell centres."""
        xs = self.x0 + (np.arange(self.width) + 0.5) * self.cell_x
        ys = self.y0 - (np.arange(self.height) + 0.5) * self.cell_y
        return np.meshgrid(xs, ys)

    def index(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Return (row, col) integer indices of points, clipped to the grid."""
        col = np.floor((np.asarray(x, dtype=float) - self.x0) / self.cell_x).astype(np.int64)
        row = np.floor((self.y0 - np.asarray(y, dtype=float)) / self.cell_y).astype(np.int64)
        return np.clip(row, 0, self.height - 1), np.clip(col, 0, self.width - 1)

    def sample(self, array: np.ndarray, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """Return the values of ``array`` (on this grid) at points (nearest cell)."""
        row, col = self.index(x, y)
        return array[row, col]

    def bilinear(self, array: np.ndarray, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Return bilinearly interpolated values of ``array`` at points."""
        fc = (np.asarray(x, dtype=float) - self.x0) / self.cell_x - 0.5
        fr = (self.y0 - np.asarray(y, dtype=float)) / self.cell_y - 0.5
        return ndimage.map_coordinates(
            np.asarray(array, dtype=float), [fr, fc], order=1, mode="nearest"
        )


def dem_grid() -> Grid:
    """Return the 3 arc-second DEM grid in EPSG:4326."""
    west, south, east, north = DEM_BOUNDS
    width = round((east - west) / DEM_CELL)
    height = round((north - south) / DEM_CELL)
    return Grid(west, north, DEM_CELL, DEM_CELL, width, height)


def admin_grid() -> Grid:
    """Return the 250 m administrative working grid in EPSG:9216."""
    west, south, east, north = DEM_BOUNDS
    xs, ys = to_local().transform([west, east, west, east], [south, south, north, north])
    x0 = np.floor(min(xs) / ADMIN_CELL) * ADMIN_CELL
    x1 = np.ceil(max(xs) / ADMIN_CELL) * ADMIN_CELL
    y0 = np.floor(min(ys) / ADMIN_CELL) * ADMIN_CELL
    y1 = np.ceil(max(ys) / ADMIN_CELL) * ADMIN_CELL
    return Grid(
        float(x0),
        float(y1),
        ADMIN_CELL,
        ADMIN_CELL,
        int(np.rint((x1 - x0) / ADMIN_CELL)),
        int(np.rint((y1 - y0) / ADMIN_CELL)),
    )


def smooth_noise(shape: tuple[int, int], rng: np.random.Generator, sigma: float) -> FloatArray:
    """Return Gaussian-filtered white noise scaled to unit standard deviation.

    Parameters
    ----------
    shape
        Output shape.
    rng
        Seeded generator.
    sigma
        Gaussian sigma in cells (the correlation length).

    Returns
    -------
    numpy.ndarray
        Zero-mean, unit-variance smooth noise.
    """
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    field -= field.mean()
    std = field.std()
    return field / std if std > 0 else field


def fractal_noise(
    shape: tuple[int, int],
    rng: np.random.Generator,
    *,
    beta: float = 2.2,
    max_wavelength: float = 400.0,
    min_wavelength: float = 2.0,
) -> FloatArray:
    """Return spectral (1/f) fractal noise with unit standard deviation.

    Parameters
    ----------
    shape
        Output shape (rows, cols).
    rng
        Seeded generator.
    beta
        Exponent of the power spectrum, ``P(f) ~ f**-beta``; larger is smoother.
    max_wavelength, min_wavelength
        Band limits in cells.

    Returns
    -------
    numpy.ndarray
        Zero-mean, unit-variance noise.
    """
    white = rng.standard_normal(shape)
    spec = np.fft.rfft2(white)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    f = np.hypot(fx, fy)
    f = np.maximum(f, 1.0 / max_wavelength)
    filt = f ** (-beta / 2.0) * np.exp(-((f * min_wavelength) ** 2))
    field = np.fft.irfft2(spec * filt, s=shape)
    field -= field.mean()
    return field / field.std()


def chaikin(coords: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Smooth an open polyline with Chaikin's corner cutting, keeping its end points.

    Parameters
    ----------
    coords
        ``(n, 2)`` vertices.
    iterations
        Number of cutting passes.

    Returns
    -------
    numpy.ndarray
        The smoothed ``(m, 2)`` vertices.
    """
    pts = np.asarray(coords, dtype=float)
    for _ in range(iterations):
        if len(pts) < 3:
            return pts
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2] = q
        mid[1::2] = r
        pts = np.vstack([pts[:1], mid[1:-1], pts[-1:]])
    return pts


def densify(coords: np.ndarray, step: float) -> np.ndarray:
    """Insert vertices so that no segment is longer than ``step``.

    Parameters
    ----------
    coords
        ``(n, 2)`` vertices.
    step
        Maximum segment length in coordinate units.

    Returns
    -------
    numpy.ndarray
        The densified ``(m, 2)`` vertices (original vertices kept).
    """
    pts = np.asarray(coords, dtype=float)
    out = [pts[:1]]
    for a, b in itertools.pairwise(pts):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(a + (b - a) * t)
    return np.vstack(out)


def midpoint_wiggle(
    coords: np.ndarray, rng: np.random.Generator, *, rough: float, levels: int = 4
) -> np.ndarray:
    """Roughen a polyline by recursive midpoint displacement (end points fixed).

    Parameters
    ----------
    coords
        ``(n, 2)`` control vertices.
    rng
        Seeded generator.
    rough
        Displacement as a fraction of the segment length at each level.
    levels
        Number of subdivisions.

    Returns
    -------
    numpy.ndarray
        The roughened vertices.
    """
    pts = np.asarray(coords, dtype=float)
    for _ in range(levels):
        a, b = pts[:-1], pts[1:]
        d = b - a
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
        mid = (a + b) / 2 + normal * rng.normal(0.0, rough, size=(len(a), 1))
        out = np.empty((len(pts) + len(mid), 2))
        out[0::2] = pts
        out[1::2] = mid
        pts = out
    return pts
