"""Rasters of the load stage: one band as float64 with NaN for nodata, in its own CRS.

:class:`RasterWindows` reads a file window by window, so a raster larger than
memory can be processed block by block (:mod:`geoplan.blocks` sizes the
blocks by a count of cells, never by the machine); :func:`read_raster` reads through
it, so only one block is ever held twice.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
from affine import Affine
from rasterio.windows import Window

from geoplan.blocks import DEFAULT_BLOCK_PIXELS, block_rows
from geoplan.errors import LayerError, ScenarioError
from geoplan.hazard.grid import row_windows
from geoplan.io.crs import resolve_crs

__all__ = ["Raster", "RasterWindows", "read_raster", "resolve_crs_arg"]


@dataclass(frozen=True)
class Raster:
    """A single-band raster kept in its own CRS.

    Parameters
    ----------
    array
        2-D float64 values with NaN where the source has nodata.
    transform
        Affine transform from (col, row) to CRS coordinates.
    crs
        The raster's CRS.
    path
        The file read.
    nodata
        The source nodata value (``None`` when the file has none).
    """

    array: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    path: Path
    nodata: float | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return (int(self.array.shape[0]), int(self.array.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` in the raster's CRS."""
        rows, cols = self.shape
        xs = [self.transform.c, self.transform.c + self.transform.a * cols]
        ys = [self.transform.f, self.transform.f + self.transform.e * rows]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def res(self) -> tuple[float, float]:
        """Cell size ``(x, y)`` in CRS units."""
        return (abs(self.transform.a), abs(self.transform.e))


def resolve_crs_arg(
    crs: str | pyproj.CRS | None, file: str, layer: str | None
) -> pyproj.CRS | None:
    """Resolve a CRS given for ``file`` (``None`` stays ``None``); errors name the file."""
    if crs is None:
        return None
    try:
        return resolve_crs(crs)
    except ScenarioError as exc:
        msg = f"{file}{f', layer {layer!r}' if layer else ''}: {exc}"
        raise LayerError(msg) from exc


def _as_float(values: np.ma.MaskedArray) -> np.ndarray:
    data = np.ma.filled(values.astype("float64"), np.nan)
    data[~np.isfinite(data)] = np.nan
    return data


class RasterWindows:
    """Band 1 of a raster file, read on demand by window as float64 with NaN for nodata.

    Slicing it as ``windows[r0:r1]`` or ``windows[r0:r1, c0:c1]`` reads only
    those cells, so the terrain derivatives and zonal statistics can walk a
    raster larger than memory block by block.

    Parameters
    ----------
    path
        The raster file.
    crs
        CRS to assume when the file has none (or a wrong one).

    Raises
    ------
    LayerError
        If the file is missing or unreadable, or has no CRS and none is given.
    """

    def __init__(self, path: str | Path, *, crs: str | pyproj.CRS | None = None) -> None:
        p = Path(path)
        if not p.exists():
            msg = f"{p}: raster file not found"
            raise LayerError(msg)
        target = resolve_crs_arg(crs, str(p), None)
        with self._open(p) as src:
            self.transform: Affine = src.transform
            self.shape: tuple[int, int] = (int(src.height), int(src.width))
            file_crs = pyproj.CRS.from_wkt(src.crs.to_wkt()) if src.crs else None
            self.nodata: float | None = None if src.nodata is None else float(src.nodata)
        out_crs = target or file_crs
        if out_crs is None:
            msg = (
                f"{p}: the raster has no CRS; state it with `crs:` (e.g. 'EPSG:4326' or "
                "'vn2000-tm3:kontum')"
            )
            raise LayerError(msg)
        self.crs: pyproj.CRS = out_crs
        self.path = p
        self._src: Any = None  # opened on the first read, in the process that reads

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_src": None}  # a dask worker reopens the file itself

    @staticmethod
    def _open(path: Path) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return rasterio.open(path)
        except rasterio.errors.RasterioIOError as exc:
            msg = f"{path}: cannot read the raster ({exc})"
            raise LayerError(msg) from exc

    def read(self, rows: tuple[int, int], cols: tuple[int, int] | None = None) -> np.ndarray:
        """Return cells ``rows[0]:rows[1]`` x ``cols[0]:cols[1]`` (all columns when ``None``)."""
        c0, c1 = cols if cols is not None else (0, self.shape[1])
        window = Window(c0, rows[0], c1 - c0, rows[1] - rows[0])
        try:
            if self._src is None:
                self._src = self._open(self.path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _as_float(self._src.read(1, window=window, masked=True))
        except rasterio.errors.RasterioIOError as exc:
            msg = f"{self.path}: cannot read the raster ({exc})"
            raise LayerError(msg) from exc

    def __getitem__(self, key: slice | tuple[slice, slice]) -> np.ndarray:
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        r0, r1, _ = rows.indices(self.shape[0])
        c0, c1, _ = cols.indices(self.shape[1])
        return self.read((r0, max(r0, r1)), (c0, max(c0, c1)))


def read_raster(
    path: str | Path,
    *,
    crs: str | pyproj.CRS | None = None,
    block_pixels: int | None = DEFAULT_BLOCK_PIXELS,
) -> Raster:
    """Read band 1 of a GeoTIFF/COG as float64 with NaN for nodata.

    Parameters
    ----------
    path
        The raster file.
    crs
        CRS to assume when the file has none (or a wrong one).
    block_pixels
        Cells read and converted at a time (``None``: the whole band at once);
        the values do not depend on it.

    Returns
    -------
    Raster
        The raster in its own CRS.

    Raises
    ------
    LayerError
        If the file cannot be read, has no CRS and none is given, or holds
        no valid cell.
    """
    windows = RasterWindows(path, crs=crs)
    height, width = windows.shape
    data = np.empty((height, width), dtype=np.float64)
    for r0, r1 in row_windows(height, block_rows(windows.shape, block_pixels)):
        data[r0:r1] = windows.read((r0, r1))
    if not np.isfinite(data).any():
        msg = f"{windows.path}: every cell is nodata; check the file and its nodata value"
        raise LayerError(msg)
    return Raster(
        array=data,
        transform=windows.transform,
        crs=windows.crs,
        path=windows.path,
        nodata=windows.nodata,
    )
