"""Byte-reproducible writers for the demo layers (GeoPackage, GeoTIFF, JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio

from geoplan.demo.common import CRS_GEO, Grid

#: Fixed timestamp written into GeoPackage metadata (the resolution's date).
FIXED_DATE = "2022-05-19T00:00:00Z"


@contextmanager
def fixed_gdal_date() -> Iterator[None]:
    """Make GDAL write a fixed date into GeoPackage metadata, then restore it."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_gpkg(path: Path, layers: list[tuple[str, gpd.GeoDataFrame]]) -> Path:
    """Write layers into a fresh GeoPackage with reproducible bytes.

    Parameters
    ----------
    path
        Output file (replaced).
    layers
        ``(layer name, frame)`` pairs, written in this order.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path.unlink(missing_ok=True)
    with fixed_gdal_date():
        for name, frame in layers:
            pyogrio.write_dataframe(
                frame.reset_index(drop=True), path, layer=name, driver="GPKG", promote_to_multi=None
            )
    return path


def write_raster(
    path: Path, array: np.ndarray, grid: Grid, *, nodata: float | int, dtype: str
) -> Path:
    """Write a single-band, tiled, DEFLATE-compressed GeoTIFF (EPSG:4326).

    Parameters
    ----------
    path
        Output file (replaced).
    array
        Values on ``grid``.
    grid
        The raster grid.
    nodata
        Nodata value.
    dtype
        Output data type (``"int16"``, ``"uint8"``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path.unlink(missing_ok=True)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": dtype,
        "crs": CRS_GEO,
        "transform": grid.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
        "interleave": "band",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array.astype(dtype), 1)
    return path


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write JSON with sorted keys and a trailing newline."""
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path
