"""Geometry preparation for web maps: simplify, reproject, round, serialise."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from geoplan.render.polyline import encode_polylines

__all__ = [
    "OMIT",
    "Columns",
    "Properties",
    "PropertyColumns",
    "bounds_latlon",
    "clean_list",
    "clean_value",
    "coverage_simplify",
    "dissolve_parts",
    "feature_collection",
    "record_columns",
    "simplify",
    "to_wgs84",
]

WGS84 = "EPSG:4326"


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in a metric CRS (itself when already projected)."""
    if gdf.crs is None or not gdf.crs.is_geographic:
        return gdf
    return gdf.to_crs(gdf.estimate_utm_crs())


def coverage_simplify(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify polygons that tile an area while keeping shared edges shared.

    Uses :func:`shapely.coverage_simplify`, which simplifies each shared edge once,
    so neighbouring communes still meet without gaps or slivers.  Falls back to
    per-polygon topology-preserving simplification when the input is not a valid
    coverage.
    """
    if gdf.empty or tolerance_m <= 0:
        return gdf
    metric = _metric(gdf)
    geoms = metric.geometry.to_numpy()
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
        if not shapely.is_valid(simplified).all():
            simplified = shapely.make_valid(simplified)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = metric.copy()
    out.geometry = gpd.GeoSeries(simplified, index=metric.index, crs=metric.crs)
    return out


def simplify(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify each geometry on its own (topology-preserving), in metres."""
    if gdf.empty or tolerance_m <= 0:
        return gdf
    metric = _metric(gdf)
    out = metric.copy()
    out.geometry = metric.geometry.simplify(tolerance_m, preserve_topology=True)
    return out[~out.geometry.is_empty & out.geometry.notna()]


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (longitude, latitude)."""
    if gdf.crs is None:
        return gdf.set_crs(WGS84)
    return gdf.to_crs(WGS84)


def bounds_latlon(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Return ``[[south, west], [north, east]]`` of ``gdf`` in WGS 84."""
    minx, miny, maxx, maxy = to_wgs84(gdf).total_bounds
    return [
        [round(float(miny), 5), round(float(minx), 5)],
        [round(float(maxy), 5), round(float(maxx), 5)],
    ]


def clean_value(value: Any, digits: int = 4) -> Any:
    """Make one attribute JSON-friendly: NaN/NA to ``None``, numpy to Python, rounded floats."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _clean_float(float(value), digits)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean_value(v, digits) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _clean_float(f: float, digits: int) -> float | int | None:
    if not math.isfinite(f):
        return None
    r = round(f, digits)
    return int(r) if r.is_integer() and abs(r) < 2**53 else r


def clean_list(values: Any, digits: int = 4) -> list[Any]:
    """Return :func:`clean_value` of every value of a column (a Series or a list).

    Float and integer columns are converted from one ``tolist()`` without a
    type test per value; any other column value by value.
    """
    if isinstance(values, pd.Series):
        kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
        plain = values.tolist()
        if kind == "f":
            # _clean_float of each value, without a call per value
            finite = math.isfinite
            rounded = [round(f, digits) if finite(f) else None for f in plain]
            return [
                r if r is None or not r.is_integer() or abs(r) >= 2**53 else int(r) for r in rounded
            ]
        if kind != "" and kind in "iub":
            return plain
        values = plain
    return [v if type(v) is str else clean_value(v, digits) for v in values]


#: A property value meaning "this feature has no such key" (see :class:`Columns`).
OMIT: Any = type("Omit", (), {"__repr__": lambda self: "OMIT"})()


class Columns:
    """The columns of a frame as plain Python lists, to build feature properties column-wise.

    A properties function of :func:`feature_collection` receives one and returns
    ``{key: list of values, one per feature}`` in the order the keys are written;
    a value :data:`OMIT` leaves the key out of that feature.  Every accessor gives
    ``None`` values (or ``""`` for :meth:`text`) for a column the frame lacks, as
    ``row.get`` did.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._clean: dict[tuple[str, int], list[Any]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.frame.columns

    @property
    def index(self) -> list[Any]:
        """The row labels, one per feature."""
        return self.frame.index.tolist()

    @property
    def names(self) -> list[str]:
        """The column names, as text."""
        return [str(c) for c in self.frame.columns]

    def raw(self, name: str) -> list[Any]:
        """Return the column's values as ``tolist()`` gives them (``None`` when it is missing)."""
        if name not in self.frame.columns:
            return [None] * self.n
        return cast(list[Any], self.frame[name].tolist())

    def clean(self, name: str, digits: int = 4) -> list[Any]:
        """:func:`clean_value` of each value: ``None`` for missing, rounded numbers."""
        key = (name, digits)
        if key not in self._clean:
            if name in self.frame.columns:
                self._clean[key] = clean_list(self.frame[name], digits)
            else:
                self._clean[key] = [None] * self.n
        return self._clean[key]

    def number(self, name: str) -> list[float | None]:
        """Each value as a finite float, else ``None`` (NaN, text, booleans)."""
        return [
            float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
            for v in self.clean(name)
        ]

    def integer(self, name: str, default: int = 0) -> list[int]:
        """Each value as an int, ``default`` when it is not a number."""
        return [default if v is None else int(v) for v in self.number(name)]

    def text(self, name: str) -> list[str]:
        """Each value as text, ``""`` for missing values."""
        return ["" if v is None else str(v) for v in self.clean(name)]

    def first_text(self, *names: str) -> list[str]:
        """Return per row the first of the texts of ``names`` that is not empty (else ``""``)."""
        out = self.text(names[0])
        for name in names[1:]:
            out = [a or b for a, b in zip(out, self.text(name), strict=True)]
        return out


PropertyColumns = dict[str, list[Any]]
Properties = Callable[[Columns], PropertyColumns]


def record_columns(records: list[dict[str, Any]]) -> PropertyColumns:
    """Turn one dict per feature into columns, :data:`OMIT` where a feature lacks a key.

    The keys come in the order they first appear, so features whose dicts list
    their keys in one order keep that order.
    """
    keys = dict.fromkeys(k for r in records for k in r)
    return {k: [r.get(k, OMIT) for r in records] for k in keys}


def _round_coords(geoms: np.ndarray, precision: int) -> list[dict[str, Any]]:
    """Return the GeoJSON geometries of ``geoms`` with coordinates rounded to ``precision``."""
    kinds = shapely.get_type_id(geoms)
    if (
        len(geoms)
        and (kinds == shapely.GeometryType.POINT).all()
        and not shapely.has_z(geoms).any()
    ):
        xy = np.round(shapely.get_coordinates(geoms), precision).tolist()
        return [{"type": "Point", "coordinates": p} for p in xy]
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return [mapping(g) for g in rounded]


_ENCODABLE = {
    int(shapely.GeometryType.POLYGON): "Polygon",
    int(shapely.GeometryType.MULTIPOLYGON): "MultiPolygon",
    int(shapely.GeometryType.LINESTRING): "LineString",
    int(shapely.GeometryType.MULTILINESTRING): "MultiLineString",
}


def _encoded_geometries(geoms: np.ndarray, precision: int) -> list[dict[str, Any]]:
    """Return polygons' or lines' GeoJSON geometries with rings or parts as polyline strings."""
    kinds = shapely.get_type_id(geoms).tolist()
    for geom, kind in zip(geoms, kinds, strict=True):
        if kind not in _ENCODABLE:
            msg = f"only polygons and lines can be encoded, not {geom.geom_type}"
            raise ValueError(msg)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    rings, ring_owner = shapely.get_rings(parts[polygon], return_index=True)
    lines = np.flatnonzero(~polygon)
    runs = np.concatenate([rings, parts[lines]])
    run_part = np.concatenate([np.flatnonzero(polygon)[ring_owner], lines]).tolist()
    xy, which = shapely.get_coordinates(runs, return_index=True)
    texts = encode_polylines(xy, np.bincount(which, minlength=len(runs)), precision)
    part_texts: list[list[str]] = [[] for _ in range(len(parts))]
    for text, part in zip(texts, run_part, strict=True):
        part_texts[part].append(text)
    geom_parts: list[list[list[str]]] = [[] for _ in range(len(geoms))]
    for part, geom in enumerate(owner.tolist()):
        geom_parts[geom].append(part_texts[part])
    out: list[dict[str, Any]] = []
    for kind, pieces in zip(kinds, geom_parts, strict=True):
        name = _ENCODABLE[kind]
        if name == "Polygon":
            enc: Any = pieces[0]
        elif name == "MultiPolygon":
            enc = pieces
        elif name == "LineString":
            enc = pieces[0][0]
        else:
            enc = [p[0] for p in pieces]
        out.append({"type": name, "enc": enc})
    return out


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Properties | Iterable[str] = (),
    *,
    precision: int = 5,
    encoded: bool = False,
) -> dict[str, Any]:
    """Build a compact GeoJSON FeatureCollection in WGS 84.

    Parameters
    ----------
    gdf
        Features in any CRS.
    properties
        Either column names to copy, or a function of the features' :class:`Columns`
        (rows without a geometry left out) returning ``{key: values}``, one value per
        feature, built a whole column at a time.
    precision
        Decimal places kept in coordinates (5 ≈ 1 m, enough for zoom 17).
    encoded
        Store polygon rings as polyline strings (:func:`encode_polyline`, about a
        quarter of the size; the collection gets ``"enc": precision`` and the
        runtime decodes it).  Polygons and lines (single or multi) only.

    Returns
    -------
    dict
        The FeatureCollection; strings are left as they are (the map runtime
        escapes them when it builds HTML, and :func:`offline.safe_json`
        escapes ``<``, ``>`` and ``&`` for the script context).
    """
    wgs = to_wgs84(gdf)
    wgs = wgs[wgs.geometry.notna() & ~wgs.geometry.is_empty]
    table = Columns(wgs)
    columns = properties(table) if callable(properties) else {c: table.clean(c) for c in properties}
    geoms = wgs.geometry.to_numpy()
    geometries = (
        _encoded_geometries(geoms, precision) if encoded else _round_coords(geoms, precision)
    )
    features = [
        {"type": "Feature", "geometry": g, "properties": p}
        for g, p in zip(geometries, _feature_properties(columns, len(wgs)), strict=True)
    ]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if encoded:
        out["enc"] = precision
    return out


def _feature_properties(columns: PropertyColumns, n: int) -> list[dict[str, Any]]:
    """Return one properties dict per feature from columns of values (see :class:`Columns`)."""
    keys = list(columns)
    values = list(columns.values())
    for key, column in columns.items():
        if len(column) != n:
            msg = f"property {key!r} has {len(column)} values for {n} features"
            raise ValueError(msg)
    if not keys:
        return [{} for _ in range(n)]
    rows = zip(*values, strict=True)
    if any(any(v is OMIT for v in column) for column in values):
        return [{k: v for k, v in zip(keys, row, strict=True) if v is not OMIT} for row in rows]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def dissolve_parts(geoms: np.ndarray) -> Any:
    """Return the union of polygons, fast when they only meet at points.

    Patches of one level polygonised from a raster touch their like only at
    corners: their union is the multipolygon of their parts, which is valid
    exactly when no two parts overlap or share an edge.  That check costs a
    fraction of :func:`shapely.union_all`, which runs only when it fails.

    Parameters
    ----------
    geoms
        Polygons or multipolygons.

    Returns
    -------
    shapely.Geometry
        A geometry covering the same points as ``shapely.union_all(geoms)``.
    """
    parts = shapely.get_parts(geoms)
    polygons = parts[(shapely.get_type_id(parts) == shapely.GeometryType.POLYGON)]
    candidate = shapely.multipolygons(polygons[~shapely.is_empty(polygons)])
    if len(polygons) == len(parts) and shapely.is_valid(candidate):
        return candidate
    return shapely.union_all(geoms)


def generalise_coverage(
    gdf: gpd.GeoDataFrame, by: str, tolerance_m: float, min_area_m2: float
) -> gpd.GeoDataFrame:
    """Generalise polygons that tile an area (e.g. zones by level) for a web map.

    Shared edges are simplified once (:func:`coverage_simplify`), the polygons are
    dissolved per value of ``by`` (one multipolygon per value, in sorted order), and
    parts and holes smaller than ``min_area_m2`` are dropped (a small hole is filled
    by the polygon around it, which also covers the small part it held).

    Returns
    -------
    GeoDataFrame
        Columns ``by`` and ``geometry``, in a metric CRS.
    """
    from shapely.geometry import MultiPolygon, Polygon

    if gdf.empty:
        return gdf[[by, "geometry"]]
    simplified = coverage_simplify(gdf[[by, "geometry"]], tolerance_m)
    simplified = simplified[simplified.geometry.notna() & ~simplified.geometry.is_empty]
    groups = list(simplified.groupby(by, sort=True).geometry)
    merged = gpd.GeoDataFrame(
        {by: [key for key, _ in groups]},
        geometry=[dissolve_parts(g.to_numpy()) for _, g in groups],
        crs=simplified.crs,
    )

    def clean(geom: Any) -> Any:
        polys = []
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type != "Polygon" or part.area < min_area_m2:
                continue
            holes = [h for h in part.interiors if Polygon(h).area >= min_area_m2]
            polys.append(Polygon(part.exterior, holes))
        return MultiPolygon(polys) if polys else None

    merged["geometry"] = [clean(g) for g in merged.geometry]
    return merged[merged.geometry.notna()].reset_index(drop=True)
