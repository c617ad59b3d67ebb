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
    "without_small_parts",
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
    simplified, as_coverage = _simplified(metric.geometry.to_numpy(), tolerance_m)
    if as_coverage:
        simplified = _repaired(simplified)
    out = metric.copy()
    out.geometry = gpd.GeoSeries(simplified, index=metric.index, crs=metric.crs)
    return out


def _simplified(geoms: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, bool]:
    """Return ``geoms`` simplified as a coverage and ``True``, else one by one and ``False``."""
    try:
        return shapely.coverage_simplify(geoms, tolerance_m), True
    except shapely.errors.GEOSException:
        return shapely.simplify(geoms, tolerance_m, preserve_topology=True), False


def _repaired(geoms: np.ndarray) -> np.ndarray:
    """Return ``geoms``, or all of them made valid when one is not.

    A coverage with slight overlaps (polygons reprojected from a grid) may simplify
    to an invalid polygon.
    """
    return geoms if shapely.is_valid(geoms).all() else shapely.make_valid(geoms)


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
    """Return the GeoJSON geometries of ``geoms`` with coordinates rounded to ``precision``.

    Points, polygons and lines (single or multi, 2D, no empty part) are read with
    shapely's array functions; any other geometry through its ``__geo_interface__``
    (the same GeoJSON, nested tuples instead of lists).
    """
    kinds = shapely.get_type_id(geoms)
    flat = len(geoms) > 0 and not shapely.has_z(geoms).any()
    if flat and (kinds == shapely.GeometryType.POINT).all():
        xy = np.round(shapely.get_coordinates(geoms), precision).tolist()
        return [{"type": "Point", "coordinates": p} for p in xy]
    nested = flat and np.isin(kinds, list(_NESTED)).all()
    if nested and not shapely.is_empty(shapely.get_parts(geoms)).any():

        def rounded(xy: np.ndarray, counts: np.ndarray) -> list[Any]:
            coords = np.round(xy, precision).tolist()
            ends = np.cumsum(counts).tolist()
            return [coords[end - n : end] for end, n in zip(ends, counts.tolist(), strict=True)]

        return [{"type": t, "coordinates": c} for t, c in _nested_runs(geoms, rounded)]
    rounded_geoms = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return [mapping(g) for g in rounded_geoms]


#: GeoJSON type of the geometries whose coordinates are nested runs (rings or lines).
_NESTED = {
    int(shapely.GeometryType.POLYGON): "Polygon",
    int(shapely.GeometryType.MULTIPOLYGON): "MultiPolygon",
    int(shapely.GeometryType.LINESTRING): "LineString",
    int(shapely.GeometryType.MULTILINESTRING): "MultiLineString",
}


def _nested_runs(
    geoms: np.ndarray, runs_of: Callable[[np.ndarray, np.ndarray], list[Any]]
) -> list[tuple[str, Any]]:
    """Return each geometry's GeoJSON type and its runs' values nested as its coordinates.

    A run is a ring of a polygon or a line; ``runs_of(xy, counts)`` turns the
    coordinates of all runs (``counts`` rows each, in order) into one value per run.
    A polygon gives the list of its rings' values, a multipolygon a list of such
    lists, a line its run's value and a multiline the list of its lines' values.
    """
    kinds = shapely.get_type_id(geoms).tolist()
    parts, owner = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    rings, ring_owner = shapely.get_rings(parts[polygon], return_index=True)
    lines = np.flatnonzero(~polygon)
    runs = np.concatenate([rings, parts[lines]])
    run_part = np.concatenate([np.flatnonzero(polygon)[ring_owner], lines]).tolist()
    xy, which = shapely.get_coordinates(runs, return_index=True)
    values = runs_of(xy, np.bincount(which, minlength=len(runs)))
    part_values: list[list[Any]] = [[] for _ in range(len(parts))]
    for value, part in zip(values, run_part, strict=True):
        part_values[part].append(value)
    geom_parts: list[list[list[Any]]] = [[] for _ in range(len(geoms))]
    for part, geom in enumerate(owner.tolist()):
        geom_parts[geom].append(part_values[part])
    out: list[tuple[str, Any]] = []
    for kind, pieces in zip(kinds, geom_parts, strict=True):
        name = _NESTED[kind]
        if name == "Polygon":
            nested: Any = pieces[0]
        elif name == "MultiPolygon":
            nested = pieces
        elif name == "LineString":
            nested = pieces[0][0]
        else:
            nested = [p[0] for p in pieces]
        out.append((name, nested))
    return out


def _encoded_geometries(geoms: np.ndarray, precision: int) -> list[dict[str, Any]]:
    """Return polygons' or lines' GeoJSON geometries with rings or parts as polyline strings."""
    kinds = shapely.get_type_id(geoms).tolist()
    for geom, kind in zip(geoms, kinds, strict=True):
        if kind not in _NESTED:
            msg = f"only polygons and lines can be encoded, not {geom.geom_type}"
            raise ValueError(msg)

    def encoded(xy: np.ndarray, counts: np.ndarray) -> list[str]:
        return encode_polylines(xy, counts, precision)

    return [{"type": t, "enc": e} for t, e in _nested_runs(geoms, encoded)]


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
    candidate = _parts_multipolygon(geoms)
    if candidate is not None and shapely.is_valid(candidate):
        return candidate
    return shapely.union_all(geoms)


def _parts_multipolygon(geoms: np.ndarray) -> Any:
    """Return the multipolygon of the non-empty parts of ``geoms`` (``None``: not all polygons)."""
    parts = shapely.get_parts(geoms)
    polygons = parts[(shapely.get_type_id(parts) == shapely.GeometryType.POLYGON)]
    if len(polygons) != len(parts):
        return None
    return shapely.multipolygons(polygons[~shapely.is_empty(polygons)])


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
    if gdf.empty:
        return gdf[[by, "geometry"]]
    frame = gdf[[by, "geometry"]]
    if tolerance_m > 0:
        frame = _metric(frame)
        simplified, as_coverage = _simplified(frame.geometry.to_numpy(), tolerance_m)
    else:
        simplified, as_coverage = frame.geometry.to_numpy(), False
    keys = frame[by]
    # One validity check per value instead of one per polygon and then one per value: when
    # the multipolygon of a value's parts is valid, so is each of its polygons, and the
    # polygons need no repair (the result is then the one of the checks made in turn).
    merged = _valid_dissolved(keys, simplified) if as_coverage else None
    if merged is None:
        if as_coverage:
            simplified = _repaired(simplified)
        merged = {key: dissolve_parts(group) for key, group in _groups(keys, simplified)}
    out = gpd.GeoDataFrame(
        {by: list(merged)},
        geometry=without_small_parts(np.array(list(merged.values()), dtype=object), min_area_m2),
        crs=frame.crs,
    )
    return out[out.geometry.notna()].reset_index(drop=True)


def _groups(keys: pd.Series, geoms: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """Return the non-empty geometries per value of ``keys``, in sorted order (missing left out)."""
    kept = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    series = pd.Series(geoms, index=keys.index)[kept]
    return [(key, group.to_numpy()) for key, group in series.groupby(keys[kept], sort=True)]


def _valid_dissolved(keys: pd.Series, geoms: np.ndarray) -> dict[Any, Any] | None:
    """Return the multipolygon of each value's parts when all are valid, else ``None``."""
    if keys.isna().any() or shapely.is_missing(geoms).any():
        return None  # a row outside every group: its polygon would go unchecked
    merged = {}
    for key, group in _groups(keys, geoms):
        candidate = _parts_multipolygon(group)
        if candidate is None or not shapely.is_valid(candidate):
            return None
        merged[key] = candidate
    return merged


def without_small_parts(geoms: np.ndarray, min_area: float) -> np.ndarray:
    """Return each geometry's polygons and holes of at least ``min_area`` as a multipolygon.

    A hole under ``min_area`` is filled; a polygon under it (its holes included)
    is dropped, as are parts that are not polygons and empty ones.

    Parameters
    ----------
    geoms
        Polygons, multipolygons or collections.
    min_area
        In the square units of the CRS.

    Returns
    -------
    numpy.ndarray
        One multipolygon per geometry, ``None`` where no polygon is left.
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    kept = (
        (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON)
        & ~shapely.is_empty(parts)
        & ~(shapely.area(parts) < min_area)
    )
    parts, owner = parts[kept], owner[kept]
    out = np.full(len(geoms), None, dtype=object)
    if not len(parts):
        return out
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    hole = np.ones(len(rings), dtype=bool)
    hole[np.searchsorted(ring_part, np.arange(len(parts)))] = False  # each part's first: its shell
    ring_kept = ~hole
    ring_kept[hole] = ~(shapely.area(shapely.polygons(rings[hole])) < min_area)
    polygons = shapely.polygons(rings[ring_kept], indices=ring_part[ring_kept])
    shapely.multipolygons(polygons, indices=owner, out=out)
    return out
