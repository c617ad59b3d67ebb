"""Point layers of many features as a compact columnar payload, drawn on one canvas.

A village layer of 86,000 GeoJSON features weighs tens of megabytes and draws thousands
of SVG markers.  Beyond :data:`COMPACT_MIN_POINTS` features, :func:`compact_points`
turns the layer's feature collection into columns: the coordinates as one polyline
string (:func:`~geoplan.render._geo.encode_polyline`, 10⁻⁵ °), each property as a column
of numbers stored as integers with a scale, of strings or repeated values with a
dictionary, or of fixed-length lists split into one column per position.  The runtime
(``assets/geoplan/compact.js``, inlined only in maps that need it) draws every point on
a single canvas, merges points that share a few pixels at low zoom (the last one drawn
stands for the others; a click on a merged point zooms in), builds a popup from the
columns when a point is clicked (through ``GP.popupHtml``, which escapes every text)
and adds every feature to the search box.

Maps with fewer points keep the GeoJSON layers, byte for byte.
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

import folium
from branca.element import Element, Figure

from geoplan.render._geo import encode_polyline
from geoplan.render.offline import asset_text

__all__ = [
    "COMPACT_MIN_POINTS",
    "COORD_PRECISION",
    "compact_points",
    "decode_column",
    "use_compact_runtime",
    "wants_compact",
]

#: A point layer with more features than this is written as columns and drawn on a canvas.
COMPACT_MIN_POINTS = 2000
#: Decimal places of the points' coordinates (10⁻⁵ ° is about 1 m).
COORD_PRECISION = 5
#: Most decimal places a number column is stored with as scaled integers.
MAX_SCALED_DIGITS = 4

Column = dict[str, Any]


def wants_compact(data: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Return whether a layer is drawn compact: a point style over more than the threshold."""
    features = data.get("features")
    return (
        spec.get("style", {}).get("type") == "point"
        and isinstance(features, list)
        and len(features) > COMPACT_MIN_POINTS
    )


def use_compact_runtime(m: folium.Map) -> None:
    """Inline the compact layers' runtime in the map's head (once per map)."""
    header = cast(Figure, m.get_root()).header
    if "geoplan_compact_runtime" not in header._children:
        script = f"<script>{asset_text('geoplan/compact.js')}</script>"
        header.add_child(Element(script), name="geoplan_compact_runtime")


def compact_points(data: dict[str, Any]) -> dict[str, Any]:
    """Return a point feature collection as columns (see the module's description).

    Parameters
    ----------
    data
        A GeoJSON FeatureCollection of points, as made by
        :func:`~geoplan.render._geo.feature_collection`.

    Returns
    -------
    dict
        ``{"type": "Columns", "n": count, "enc": precision, "xy": polyline, "cols": {...}}``;
        the features keep their order (the order they are drawn in) and each property of
        any feature is a column (``None`` where a feature lacks it).
    """
    features = data["features"]
    coords = [f["geometry"]["coordinates"][:2] for f in features]
    keys: list[str] = []
    for f in features:
        for key in f["properties"]:
            if key not in keys:
                keys.append(key)
    columns = {key: encode_column([f["properties"].get(key) for f in features]) for key in keys}
    return {
        "type": "Columns",
        "n": len(features),
        "enc": COORD_PRECISION,
        "xy": encode_polyline(coords, COORD_PRECISION),
        "cols": columns,
    }


def encode_column(values: list[Any]) -> Column:
    """Return the most compact of the column encodings that gives ``values`` back exactly.

    ``{"v": values}`` as they are; ``{"v": integers, "f": scale}`` for numbers with at most
    :data:`MAX_SCALED_DIGITS` decimals; ``{"d": distinct, "i": indices}`` when values repeat;
    ``{"l": [column per position], "z": [rows that are None]}`` for lists of numbers of one
    length.  :func:`decode_column` is the inverse (``compact.js`` decodes the same way).
    """
    if _all_numbers(values):
        return _scaled(values)
    lists = [v for v in values if v is not None]
    if lists and all(isinstance(v, list) for v in lists):
        width = len(lists[0])
        if width and all(len(v) == width and _all_numbers(v) for v in lists):
            nulls = [i for i, v in enumerate(values) if v is None]
            parts = [
                encode_column([None if v is None else v[j] for v in values]) for j in range(width)
            ]
            out: Column = {"l": parts}
            if nulls:
                out["z"] = nulls
            return out
    keys = [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values]
    distinct: dict[str, int] = {}
    for key in keys:
        distinct.setdefault(key, len(distinct))
    if len(distinct) <= len(values) // 2:
        by_index = list(distinct)
        return {"d": [json.loads(k) for k in by_index], "i": [distinct[k] for k in keys]}
    return {"v": values}


def decode_column(column: Column) -> list[Any]:
    """Return the values of a column made by :func:`encode_column`."""
    if "l" in column:
        parts = [decode_column(p) for p in column["l"]]
        nulls = set(column.get("z", []))
        return [None if i in nulls else list(row) for i, row in enumerate(zip(*parts, strict=True))]
    if "d" in column:
        return [column["d"][i] for i in column["i"]]
    if "f" in column:
        scale = column["f"]
        return [None if v is None else v / scale for v in column["v"]]
    return list(column["v"])


def _all_numbers(values: list[Any]) -> bool:
    return all(
        v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
    )


def _scaled(values: list[Any]) -> Column:
    """Numbers as integers times ``1 / f`` when that is exact, else as they are."""
    numbers = [v for v in values if v is not None]
    if all(isinstance(v, int) for v in numbers):
        return {"v": values}
    for digits in range(1, MAX_SCALED_DIGITS + 1):
        scale = 10**digits
        ints = [None if v is None else round(v * scale) for v in values]
        exact = all(v is None or i / scale == v for v, i in zip(values, ints, strict=True))
        if exact and all(i is None or abs(i) < 2**53 for i in ints):
            return {"v": ints, "f": scale}
    return {"v": [None if v is None or not math.isfinite(v) else v for v in values]}
