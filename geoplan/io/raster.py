"""Rasters of the load stage: one band as float64 with NaN for nodata, in its own CRS."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import rasterio
from affine import Affine

from geoplan.errors import LayerError, ScenarioError
from geoplan.io.crs import resolve_crs

__all__ = ["Raster", "read_raster", "resolve_crs_arg"]


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


def read_raster(path: str | Path, *, crs: str | pyproj.CRS | None = None) -> Raster:
    """Read band 1 of a GeoTIFF/COG as float64 with NaN for nodata.

    Parameters
    ----------
    path
        The raster file.
    crs
        CRS to assume when the file has none (or a wrong one).

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
    p = Path(path)
    if not p.exists():
        msg = f"{p}: raster file not found"
        raise LayerError(msg)
    target = resolve_crs_arg(crs, str(p), None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(p) as src:
                arr = src.read(1, masked=True)
                transform = src.transform
                file_crs = pyproj.CRS.from_wkt(src.crs.to_wkt()) if src.crs else None
                nodata = src.nodata
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{p}: cannot read the raster ({exc})"
        raise LayerError(msg) from exc
    out_crs = target or file_crs
    if out_crs is None:
        msg = (
            f"{p}: the raster has no CRS; state it with `crs:` (e.g. 'EPSG:4326' or "
            "'vn2000-tm3:kontum')"
        )
        raise LayerError(msg)
    data = np.ma.filled(arr.astype("float64"), np.nan)
    data[~np.isfinite(data)] = np.nan
    if not np.isfinite(data).any():
        msg = f"{p}: every cell is nodata; check the file and its nodata value"
        raise LayerError(msg)
    return Raster(
        array=data,
        transform=transform,
        crs=out_crs,
        path=p,
        nodata=None if nodata is None else float(nodata),
    )
