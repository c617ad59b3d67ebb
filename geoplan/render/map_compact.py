"""Point layers of many features as a compact columnar payload, drawn on one canvas.

A village layer of 86,000 GeoJSON features weighs tens of megabytes and draws thousands
of SVG markers.  Beyond :data:`COMPACT_MIN_POINTS` features, :func:`compact_points`
turns the layer's feature collection into columns: the coordinates as one polyline
string (:func:`~geoplan.render.polyline.encode_polyline`, 10⁻⁵ °), each property as a column
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
import re
from collections.abc import Sequence
from typing import Any, cast

import folium
import numpy as np
from branca.element import Figure

from geoplan.render.elements import Verbatim
from geoplan.render.offline import asset_text
from geoplan.render.polyline import chunk_text, encode_polyline

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
        header.add_child(Verbatim(script), name="geoplan_compact_runtime")


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


def encode_column(values: list[Any], *, text: bool = True) -> Column:
    """Return the shortest encoding of a column that gives ``values`` back exactly.

    The candidates (:func:`decode_column` is the inverse; ``compact.js`` decodes the same):

    - ``{"v": values}``: the values as they are;
    - ``{"q": varints, "f": scale, "dz": 1}``: numbers with at most
      :data:`MAX_SCALED_DIGITS` decimals as integers (times ``1 / f`` when ``f`` is
      given), each zig-zag coded in 5-bit characters like a polyline, 0 standing for a
      missing value; with ``dz`` each is the difference from the previous one given;
    - ``{"d": distinct, "i": column}``: repeated values by their index in ``distinct``;
    - ``{"p": column, "c": column}``: a column mostly empty, as the positions (differences)
      and the values of the rows that have one;
    - ``{"l": [column per position], "z": [rows that are None]}``: lists of numbers of one
      length;
    - ``{"j": column}``: lists of texts, joined by :data:`LIST_SEP`;
    - ``{"t": templates, "i": column, "a": column}``: texts whose numbers are cut out: the
      text with :data:`NUMBER_MARK` for each number, and the numbers of each row joined by spaces
      (``text=False`` leaves this one out, for the numbers' own column).
    """
    candidates: list[Column] = [{"v": values}]
    present = [v for v in values if v is not None]
    if 2 * len(present) < len(values):
        positions = [i for i, v in enumerate(values) if v is not None]
        sparse = {"p": _int_column(positions), "c": encode_column(present, text=text)}
        candidates.append({**sparse, "n": len(values)})
    elif _all_numbers(values):
        candidates += _number_columns(values)
    elif present and all(isinstance(v, list) for v in present):
        candidates += _list_columns(values, present)
    elif text and all(isinstance(v, str) for v in present):
        candidates += _text_columns(values)
    keys = _distinct_keys(values)
    distinct: dict[Any, int] = {}
    first: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        if key not in distinct:
            distinct[key] = len(distinct)
            first.append(value)
    if len(distinct) <= len(values) // 2:
        index = _int_column([distinct[k] for k in keys])
        candidates.append({"d": [_json_copy(v) for v in first], "i": index})
    return min(candidates, key=_weight)


_SCALARS = {type(None), bool, int, float, str}


def _distinct_keys(values: list[Any]) -> list[Any]:
    """Return keys equal for two values exactly when their JSON texts are equal.

    Texts and integers are their own keys; other scalars (``1`` and ``1.0``,
    ``True`` and ``1``, ``0.0`` and ``-0.0`` differ in JSON) and lists of them
    are keyed by ``repr``; anything else by its JSON text.
    """
    types = set(map(type, values))
    if types <= {type(None), int, str}:
        return values
    if types <= _SCALARS | {list} and all(
        set(map(type, v)) <= _SCALARS for v in values if type(v) is list
    ):
        return list(map(repr, values))
    return [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values]


def _json_copy(value: Any) -> Any:
    """Return ``value`` as JSON gives it back (lists and dicts copied, tuples as lists)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True))


def decode_column(column: Column) -> list[Any]:
    """Return the values of a column made by :func:`encode_column`."""
    if "p" in column:
        out: list[Any] = []
        for pos, value in zip(decode_column(column["p"]), decode_column(column["c"]), strict=True):
            out += [None] * (pos - len(out)) + [value]
        return out + [None] * (column["n"] - len(out))
    if "l" in column:
        parts = [decode_column(p) for p in column["l"]]
        nulls = set(column.get("z", []))
        rows = zip(*parts, strict=True)
        return [None if i in nulls else list(row) for i, row in enumerate(rows)]
    if "j" in column:
        return [
            None if v is None else (v.split(LIST_SEP) if v else [])
            for v in decode_column(column["j"])
        ]
    if "t" in column:
        args = decode_column(column["a"])
        out = []
        for t, a in zip(decode_column(column["i"]), args, strict=True):
            template = column["t"][t]
            if template is None:
                out.append(None)
                continue
            pieces = template.split(NUMBER_MARK)
            numbers = a.split(" ") if a else []
            out.append(
                "".join(x for pair in zip(pieces, [*numbers, ""], strict=True) for x in pair)
            )
        return out
    if "d" in column:
        return [column["d"][i] for i in decode_column(column["i"])]
    if "q" in column:
        ints = _from_varints(column["q"], delta=bool(column.get("dz")))
        scale = column.get("f")
        return [None if v is None else v / scale for v in ints] if scale else list(ints)
    return list(column["v"])


#: Stands for a number cut out of a text (see :func:`encode_column`).
NUMBER_MARK = "\x01"
#: Joins the texts of a list (see :func:`encode_column`).
LIST_SEP = "\n"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _weight(column: Column) -> int:
    return len(json.dumps(column, ensure_ascii=False, separators=(",", ":")))


_NUMBERS = {type(None), int, float}


def _all_numbers(values: list[Any]) -> bool:
    if set(map(type, values)) <= _NUMBERS:
        return True
    return all(
        v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
    )


def _int_column(ints: Sequence[int | None]) -> Column:
    return min(
        ({"q": _varints(ints, delta=False)}, {"q": _varints(ints, delta=True), "dz": 1}),
        key=_weight,
    )


def _number_columns(values: list[Any]) -> list[Column]:
    """Numbers as (scaled) integers in varints, plain and as differences, when exact."""
    if set(map(type, values)) <= _NUMBERS:
        return _number_columns_array(values)
    for digits in range(MAX_SCALED_DIGITS + 1):
        scale = 10**digits
        ints = [None if v is None else round(v * scale) for v in values]
        exact = all(v is None or i / scale == v for v, i in zip(values, ints, strict=True))
        if exact and all(i is None or abs(i) < 2**52 for i in ints):
            extra = {"f": scale} if digits else {}
            return [
                {"q": _varints(ints, delta=False), **extra},
                {"q": _varints(ints, delta=True), "dz": 1, **extra},
            ]
    return []


def _number_columns_array(values: list[Any]) -> list[Column]:
    """:func:`_number_columns` of plain ints, floats and ``None``, a whole column at a time.

    The same integers as ``round(v * scale)`` value by value: below 2⁵² every such
    product and quotient is exact or rounded once in both, ties to even.
    """
    missing = np.array([v is None for v in values], dtype=bool)
    present = [v for v in values if v is not None]
    if present and max(abs(min(present)), abs(max(present))) >= 2**52:
        return []
    numbers = np.zeros(len(values))
    numbers[~missing] = present
    for digits in range(MAX_SCALED_DIGITS + 1):
        scale = 10**digits
        scaled = np.rint(numbers * scale)
        kept = scaled[~missing]
        if (kept / scale == numbers[~missing]).all() and (np.abs(kept) < 2**52).all():
            ints = scaled.astype(np.int64)
            extra = {"f": scale} if digits else {}
            return [
                {"q": _varints_array(ints, missing, delta=False), **extra},
                {"q": _varints_array(ints, missing, delta=True), "dz": 1, **extra},
            ]
    return []


def _list_columns(values: list[Any], present: list[Any]) -> list[Column]:
    width = len(present[0])
    if width and all(len(v) == width and _all_numbers(v) for v in present):
        nulls = [i for i, v in enumerate(values) if v is None]
        parts = [encode_column([None if v is None else v[j] for v in values]) for j in range(width)]
        return [{"l": parts, **({"z": nulls} if nulls else {})}]
    texts = all(isinstance(x, str) and LIST_SEP not in x for v in present for x in v)
    if texts:
        return [{"j": encode_column([None if v is None else LIST_SEP.join(v) for v in values])}]
    return []


def _text_columns(values: list[Any]) -> list[Column]:
    if any(v is not None and NUMBER_MARK in v for v in values):
        return []
    templates: dict[str | None, int] = {}
    split: dict[str | None, tuple[int, str]] = {}  # each distinct text cut once
    index, args = [], []
    for v in values:
        known = split.get(v)
        if known is None:
            template = None if v is None else _NUMBER.sub(NUMBER_MARK, v)
            numbers = "" if v is None else " ".join(_NUMBER.findall(v))
            known = split[v] = (templates.setdefault(template, len(templates)), numbers)
        index.append(known[0])
        args.append(known[1])
    return [{"t": list(templates), "i": _int_column(index), "a": encode_column(args, text=False)}]


def _varints(ints: Sequence[int | None], *, delta: bool) -> str:
    """Zig-zag varints in printable characters (as polylines); 0 is a missing value."""
    present = [v for v in ints if v is not None]
    if present and max(abs(min(present)), abs(max(present))) >= 2**60:
        return _varints_big(ints, delta=delta)
    if len(present) == len(ints):
        return _varints_array(np.array(present, dtype=np.int64), None, delta=delta)
    missing = np.array([v is None for v in ints], dtype=bool)
    values = np.zeros(len(ints), dtype=np.int64)
    values[~missing] = present
    return _varints_array(values, missing, delta=delta)


def _varints_array(values: np.ndarray, missing: np.ndarray | None, *, delta: bool) -> str:
    """:func:`_varints` of integers (below 2⁶⁰) with a mask of the missing ones."""
    if missing is None:
        if delta:
            values = np.diff(values, prepend=0)
        return chunk_text(np.where(values >= 0, 2 * values, -2 * values - 1) + 1)
    values = values.copy()
    if delta:
        values[~missing] = np.diff(values[~missing], prepend=0)
    z = np.where(values >= 0, 2 * values, -2 * values - 1) + 1
    z[missing] = 0
    return chunk_text(z)


def _varints_big(ints: Sequence[int | None], *, delta: bool) -> str:
    out: list[str] = []
    prev = 0
    for v in ints:
        if v is None:
            z = 0
        else:
            d = v - prev if delta else v
            prev = v if delta else prev
            z = (2 * d if d >= 0 else -2 * d - 1) + 1
        while z >= 0x20:
            out.append(chr((0x20 | (z & 0x1F)) + 63))
            z >>= 5
        out.append(chr(z + 63))
    return "".join(out)


def _from_varints(text: str, *, delta: bool) -> list[int | None]:
    out: list[int | None] = []
    prev = value = shift = 0
    for char in text:
        chunk = ord(char) - 63
        value |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            if value == 0:
                out.append(None)
            else:
                z = value - 1
                d = -(z + 1) // 2 if z & 1 else z // 2
                prev = prev + d if delta else d
                out.append(prev)
            value = shift = 0
    return out
