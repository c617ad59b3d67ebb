"""Area-weighted zonal statistics with exactextract.

Polygons are reprojected into the raster's CRS (never the raster into the
polygons'), so values are not resampled; exactextract weights every cell by
the fraction of it that the polygon covers.

A raster whose ``array`` is not held in memory (a
:class:`geoplan.io.raster.RasterWindows`, or a
:class:`geoplan.hazard.terrain.TerrainWindows` computing slope on demand) is
read window by window: exactextract asks for each polygon's window only, on
the same grid, so the statistics equal those over the whole array.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from exactextract import exact_extract
from exactextract._exactextract import Feature
from exactextract.feature import FeatureSource
from exactextract.operation import Operation
from exactextract.raster import NumPyRasterSource, RasterSource

from geoplan.hazard.grid import RasterLike, grid_bounds, to_pyproj

__all__ = ["on_grid_crs", "zonal_fractions", "zonal_stats"]


def _op_label(op: str) -> str:
    """Return exactextract's label of an operation (``quantile(q=0.9)`` -> ``quantile_90``)."""
    if op.startswith("quantile(q=") and op.endswith(")"):
        return f"quantile_{round(float(op[len('quantile(q=') : -1]) * 100)}"
    return op


def _operation(op: str, name: str, source: Any) -> Operation:
    """Return the exactextract operation ``op`` (e.g. ``quantile(q=0.9)``) on one raster.

    Its column is ``<name>_<label>`` (exactextract appends a quantile's ``_90`` itself).
    """
    stat, _, args = op.partition("(")
    options = dict(a.split("=", 1) for a in args.rstrip(")").split(",") if a)
    return Operation(stat, f"{name}_{stat}", source, options=options)


class _WkbFeature(Feature):
    """One polygon handed to exactextract as WKB, carrying its row position."""

    def __init__(self, wkb: bytes, row: int) -> None:
        Feature.__init__(self)
        self._wkb = wkb
        self._row = row

    def geometry(self) -> bytes:
        return self._wkb

    def set_geometry_format(self) -> str:
        return "wkb"

    def get(self, name: str) -> int:
        return self._row

    def fields(self) -> list[str]:
        return ["_row"]


class _WkbSource(FeatureSource):
    """Polygons as WKB: cheaper for exactextract than GeoJSON text per feature."""

    def __init__(self, geoms: np.ndarray, rows: np.ndarray, srs_wkt: str) -> None:
        super().__init__()
        self._wkb = shapely.to_wkb(geoms)
        self._rows = rows
        self._srs_wkt = srs_wkt

    def count(self) -> int:
        return len(self._wkb)

    def __iter__(self) -> Iterator[_WkbFeature]:
        for wkb, row in zip(self._wkb, self._rows, strict=True):
            yield _WkbFeature(wkb, int(row))

    def srs_wkt(self) -> str:
        return self._srs_wkt


class _WindowSource(RasterSource):
    """A raster read window by window from anything sliced as ``grid[r0:r1, c0:c1]``."""

    def __init__(
        self, grid: Any, extent: tuple[float, float, float, float], name: str, srs_wkt: str
    ) -> None:
        super().__init__()
        self._grid = grid
        self._extent = extent
        self._srs_wkt = srs_wkt
        self.set_name(name)

    def res(self) -> tuple[float, float]:
        rows, cols = self._grid.shape[:2]
        xmin, ymin, xmax, ymax = self._extent
        return ((xmax - xmin) / cols, (ymax - ymin) / rows)

    def extent(self) -> tuple[float, float, float, float]:
        return self._extent

    def srs_wkt(self) -> str:
        return self._srs_wkt

    def nodata_value(self) -> None:
        return None

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> np.ndarray:
        return np.asarray(self._grid[y0 : y0 + ny, x0 : x0 + nx], dtype=np.float64)


def _source(
    raster: RasterLike, name: str, extent: tuple[float, float, float, float], wkt: str
) -> Any:
    """Return an exactextract source: the array itself when in memory, else its windows."""
    if not isinstance(raster.array, np.ndarray):
        return _WindowSource(raster.array, extent, name, wkt)
    values = raster.array
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return NumPyRasterSource(values, *extent, name=name, srs_wkt=wkt)


def on_grid_crs(zones: gpd.GeoSeries, grid_crs: Any) -> gpd.GeoSeries:
    """Return the zones in a raster's CRS (unchanged when they are in it already).

    :func:`zonal_stats` reprojects its zones itself; reprojecting them once here spares
    that work when several calls summarise the same zones on one grid.

    Parameters
    ----------
    zones
        Polygons with a CRS (or none: returned as they are).
    grid_crs
        The raster's CRS (anything :func:`geoplan.hazard.grid.to_pyproj` reads).

    Returns
    -------
    geopandas.GeoSeries
        The zones, same index.
    """
    crs = to_pyproj(grid_crs)
    if zones.crs is None or to_pyproj(zones.crs) == crs:
        return zones
    return zones.to_crs(crs)


def zonal_stats(
    zones: gpd.GeoSeries,
    rasters: Mapping[str, RasterLike],
    ops: Sequence[str] | Mapping[str, Sequence[str]] = ("mean",),
    *,
    block_pixels: int | None = None,
) -> pd.DataFrame:
    """Summarise rasters over polygons, weighting cells by covered fraction.

    Parameters
    ----------
    zones
        Polygons with a CRS; empty or missing geometries give ``NaN``.
    rasters
        Name -> raster; all must share one grid (same transform, shape, CRS).
        ``NaN`` cells are ignored.
    ops
        exactextract operations, e.g. ``"mean"``, ``"min"``, ``"max"``,
        ``"quantile(q=0.9)"``, for every raster; or raster name -> its own
        operations (all in one pass over the zones).
    block_pixels
        Most cells exactextract holds at once (``None``: its default); the
        statistics do not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per zone (same index), columns ``<name>_<op>`` (a quantile's
        column is ``<name>_quantile_90``).
    """
    per_raster = ops if isinstance(ops, Mapping) else dict.fromkeys(rasters, ops)
    columns = [f"{name}_{_op_label(op)}" for name in rasters for op in per_raster[name]]
    result = pd.DataFrame(np.nan, index=zones.index, columns=columns, dtype=float)
    if not rasters or len(zones) == 0:
        return result
    first = next(iter(rasters.values()))
    crs = to_pyproj(first.crs)
    wkt = crs.to_wkt()
    extent = grid_bounds(first.transform, first.array.shape[:2])
    sources = {name: _source(raster, name, extent, wkt) for name, raster in rasters.items()}
    operations = [
        _operation(op, name, sources[name]) for name in rasters for op in per_raster[name]
    ]
    table = _extract(
        zones,
        crs,
        wkt,
        sources=list(sources.values()),
        operations=operations,
        block_pixels=block_pixels,
    )
    if table is None:
        return result
    rows = table["_row"].to_numpy(dtype=np.int64)
    for column in columns:
        values = table[column].to_numpy(dtype=float)
        result.iloc[rows, cast(int, result.columns.get_loc(column))] = values
    return result


def _extract(
    zones: gpd.GeoSeries,
    crs: Any,
    wkt: str,
    *,
    sources: list[Any],
    operations: list[Operation],
    block_pixels: int | None,
) -> pd.DataFrame | None:
    """Run exactextract over the non-empty zones (``_row``: their position); ``None`` if none."""
    geoms = on_grid_crs(zones, crs)
    ok = ~(geoms.isna() | geoms.is_empty)
    if not ok.any():
        return None
    source = _WkbSource(geoms[ok].to_numpy(), np.flatnonzero(ok.to_numpy()), wkt)
    return exact_extract(
        sources,
        source,
        operations,
        include_cols=["_row"],
        output="pandas",
        **({} if block_pixels is None else {"max_cells_in_memory": block_pixels}),
    )


class _Known:
    """A class raster read window by window as float64, ``unknown`` cells as NaN."""

    def __init__(self, values: Any, unknown: float) -> None:
        self._values = values
        self._unknown = unknown
        self.shape = values.shape

    def __getitem__(self, window: Any) -> np.ndarray:
        values = np.asarray(self._values[window])
        return np.where(values == self._unknown, np.nan, values.astype(np.float64))


def zonal_fractions(
    zones: gpd.GeoSeries, raster: RasterLike, classes: Sequence[int], *, unknown: float = 0
) -> pd.DataFrame:
    """Share of each zone's known cells in each class, weighting cells by covered fraction.

    One pass over the zones (exactextract's ``frac``) instead of one mean per class of a
    0/1 raster; the shares are the same numbers, bit for bit (both divide the covered
    fraction of the class's cells by that of all known cells, summed in the same order).

    Parameters
    ----------
    zones
        Polygons with a CRS; empty or missing geometries give ``NaN``.
    raster
        Integer class raster; read window by window, never converted whole.
    classes
        Classes to report, one column each.
    unknown
        Value of the cells that belong to no class (``NaN`` cells are unknown too).

    Returns
    -------
    pandas.DataFrame
        Shares in [0, 1], one row per zone (same index), one column per class; ``NaN``
        where the zone covers no known cell.
    """
    out = np.full((len(zones), len(classes)), np.nan)
    crs = to_pyproj(raster.crs)
    wkt = crs.to_wkt()
    extent = grid_bounds(raster.transform, raster.array.shape[:2])
    source = _WindowSource(_Known(raster.array, unknown), extent, "c", wkt)
    operations = [Operation("unique", "c_unique", source), Operation("frac", "c_frac", source)]
    table = (
        _extract(zones, crs, wkt, sources=[source], operations=operations, block_pixels=None)
        if len(zones)
        else None
    )
    if table is not None:
        column = {value: k for k, value in enumerate(classes)}
        for row, values, fracs in zip(
            table["_row"].to_numpy(dtype=np.int64), table["c_unique"], table["c_frac"], strict=True
        ):
            if len(values):  # a zone with known cells: 0 for the classes absent from it
                out[row] = 0.0
            for value, frac in zip(values, fracs, strict=True):
                if value in column:
                    out[row, column[value]] = frac
    return pd.DataFrame(out, index=zones.index, columns=list(classes))
