"""Geometry checks and repairs: null/empty, Z, type, validity, multi-parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import Issue
from geoplan.io.report import LayerSummary

__all__ = ["repair_geometry"]

Severity = Literal["error", "warning", "repair"]
_POINT, _LINE, _POLY = {0, 4}, {1, 2, 5}, {3, 6}
_FAMILY_TYPES = {"point": _POINT, "line": _LINE, "polygon": _POLY}
_TYPE_NAMES = {
    0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection",
}  # fmt: skip


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygons of a repaired geometry (drops slivers turned into lines)."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if shapely.get_type_id(p) in _POLY]
    if not polys:
        return shapely.Polygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.union_all(polys)


def repair_geometry(
    gdf: gpd.GeoDataFrame,
    *,
    family: str,
    summary: LayerSummary,
    issues: list[Issue],
    empty_is_error: bool,
    layer_name: str | None,
) -> gpd.GeoDataFrame:
    """Check and repair the geometries of a layer.

    * null/empty geometries: errors when ``empty_is_error``, else dropped
      with a warning;
    * Z/M coordinates: dropped (repair);
    * wrong geometry family: error per row;
    * invalid polygons: repaired with ``make_valid`` keeping polygonal parts;
    * multi-points with one point and point layers given as polygons become
      points (repair).

    Parameters
    ----------
    gdf
        The layer (not modified).
    family
        ``"point"``, ``"line"``, ``"polygon"`` or ``"any"``.
    summary
        Receives repair counts and geometry types.
    issues
        Receives findings.
    empty_is_error
        Whether a missing geometry stops the run.
    layer_name
        Layer name used in issues.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame; rows with unusable geometry are dropped unless they are
        errors (errors stop the run anyway).
    """
    where = _Where(summary.file, layer_name, issues)
    geoms = gdf.geometry.to_numpy().copy()
    idx = gdf.index
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    present = sorted({_TYPE_NAMES.get(int(t), str(t)) for t in np.unique(types[~missing])})
    summary.geometry_type = ", ".join(present) or None
    drop = np.zeros(len(geoms), dtype=bool)

    if missing.any():
        _report_missing(idx[missing], empty_is_error, where)
        if not empty_is_error:
            drop |= missing
            summary.count_repair("dropped-empty-geometry", int(missing.sum()))

    has_z = shapely.has_z(geoms)
    if has_z.any():
        geoms = shapely.force_2d(geoms)
        summary.count_repair("z-dropped", int(has_z.sum()))

    ok = ~missing
    if family in _FAMILY_TYPES:
        wrong = ok & ~np.isin(types, list(_FAMILY_TYPES[family]))
        if family == "point":
            wrong &= ~_points_from_other_types(
                geoms, types, ok=ok, wrong=wrong, idx=idx, summary=summary, where=where
            )
        if wrong.any():
            for row, t in zip(idx[wrong][:100], types[wrong][:100], strict=False):
                where.add(
                    "error",
                    f"geometry is {_TYPE_NAMES.get(int(t), t)} but this layer needs {family}s",
                    row,
                    "wrong-geometry-type",
                )
        if family == "polygon":
            invalid = ok & np.isin(types, list(_POLY)) & ~shapely.is_valid(geoms)
            if invalid.any():
                drop |= _repair_polygons(geoms, invalid, gdf, summary, where)
    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=idx, crs=gdf.crs)
    if drop.any():
        out = out.loc[~drop]
    return out


@dataclass(frozen=True)
class _Where:
    """The file and layer a repair's issues name, and the list they go to."""

    file: str | None
    layer: str | None
    issues: list[Issue]

    def add(self, severity: Severity, message: str, row: object, code: str) -> None:
        self.issues.append(
            Issue(severity, message, file=self.file, layer=self.layer, row=_row(row), code=code)
        )


def _report_missing(rows: pd.Index, empty_is_error: bool, where: _Where) -> None:
    """One issue per null or empty geometry (the first 100, then a count)."""
    severity: Literal["error", "warning"] = "error" if empty_is_error else "warning"
    what = "stops the run" if empty_is_error else "the feature is left out"
    for row in rows[:100]:
        message = f"null or empty geometry ({what}); give the feature a location"
        where.add(severity, message, row, "empty-geometry")
    if len(rows) > 100:
        where.issues.append(
            Issue(
                severity,
                f"... and {len(rows) - 100} more rows with empty geometry",
                file=where.file,
                layer=where.layer,
                code="empty-geometry",
            )
        )


def _points_from_other_types(
    geoms: np.ndarray,
    types: np.ndarray,
    *,
    ok: np.ndarray,
    wrong: np.ndarray,
    idx: pd.Index,
    summary: LayerSummary,
    where: _Where,
) -> np.ndarray:
    """Turn polygons and multi-points of a point layer into points, in place.

    Returns the rows of the wrong type that became points.
    """
    # villages given as polygons: use a point inside each polygon
    as_poly = wrong & np.isin(types, list(_POLY))
    if as_poly.any():
        geoms[as_poly] = shapely.point_on_surface(geoms[as_poly])
        summary.count_repair("polygon-to-point", int(as_poly.sum()))
    multi = ok & (types == 4)
    if multi.any():
        nparts = shapely.get_num_geometries(geoms[multi])
        single = np.zeros(len(geoms), dtype=bool)
        single[np.flatnonzero(multi)[nparts == 1]] = True
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        summary.count_repair("multipoint-to-point", int(single.sum()))
        several = multi & ~single
        if several.any():
            geoms[several] = shapely.centroid(geoms[several])
            summary.count_repair("multipoint-centroid", int(several.sum()))
            for row in idx[several][:100]:
                message = "multi-point with several points: its centroid is used"
                where.add("warning", message, row, "multipoint")
    return as_poly


def _repair_polygons(
    geoms: np.ndarray,
    invalid: np.ndarray,
    gdf: gpd.GeoDataFrame,
    summary: LayerSummary,
    where: _Where,
) -> np.ndarray:
    """Repair invalid polygons in place, keeping their polygonal parts.

    Returns the rows left with no area (to drop).
    """
    fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    ftypes = shapely.get_type_id(fixed)
    mixed = ~np.isin(ftypes, list(_POLY))
    for k in np.flatnonzero(mixed):
        fixed[k] = _polygonal_part(fixed[k])
    geoms[invalid] = fixed
    summary.count_repair("invalid-geometry-repaired", int(invalid.sum()))
    reasons = shapely.is_valid_reason(gdf.geometry.to_numpy()[invalid])
    now_empty = shapely.is_empty(fixed)
    rows = gdf.index[invalid]
    for row, why, gone in zip(rows[:100], reasons[:100], now_empty[:100], strict=False):
        if gone:
            message = f"invalid polygon ({why}) has no area left after repair; left out"
            where.add("warning", message, row, "invalid-geometry")
        else:
            message = f"invalid polygon ({why}) repaired, keeping its polygonal parts"
            where.add("repair", message, row, "invalid-geometry")
    gone_mask = np.zeros(len(geoms), dtype=bool)
    if now_empty.any():
        gone_mask[np.flatnonzero(invalid)[now_empty]] = True
        summary.count_repair("dropped-degenerate", int(now_empty.sum()))
    return gone_mask


def _row(value: object) -> int | str:
    if isinstance(value, (int, np.integer)):
        return int(value)
    return str(value)
