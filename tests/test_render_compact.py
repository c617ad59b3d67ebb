"""Compact point layers: above the threshold a map's villages are columns, each village once."""

from __future__ import annotations

import json

import pytest
from _render_fixtures import SCRIPT_NAME, XSS_NAME, make_result

from geoplan.render import map_compact
from geoplan.render.context import prepare
from geoplan.render.elements import DataLayer
from geoplan.render.map_compact import (
    COMPACT_MIN_POINTS,
    compact_points,
    decode_column,
    encode_column,
)
from geoplan.render.map_hazard import hazard_map
from geoplan.render.map_priority import priority_map
from geoplan.render.polyline import decode_polyline


def _layer_args(m, lid: str) -> tuple[dict, dict]:
    """The data and spec a map's ``GP.dataLayer(lid, data, spec)`` call passes."""
    layer = next(c for c in m._children.values() if isinstance(c, DataLayer) and c.lid == lid)
    text = layer.factory.removeprefix("GP.dataLayer(")
    decoder = json.JSONDecoder()
    args, pos = [], 0
    for _ in range(3):
        value, pos = decoder.raw_decode(text, pos)
        args.append(value)
        pos += 2  # ", "
    assert args[0] == lid
    return args[1], args[2]


@pytest.fixture(scope="module")
def ctx():
    """The render fixture's 30 villages (the threshold is lowered below that where needed)."""
    return prepare(make_result(), "vi")


@pytest.mark.parametrize("build", [lambda c: priority_map(c, "resettlement"), hazard_map])
def test_compact_layer_holds_every_village_once(ctx, build, monkeypatch):
    monkeypatch.setattr(map_compact, "COMPACT_MIN_POINTS", 20)
    m = build(ctx)
    assert "geoplan_compact_runtime" in m.get_root().header._children
    data, spec = _layer_args(m, "villages")
    assert data["type"] == "Columns"
    ids = decode_column(data["cols"]["id"])
    expected = set(ctx.villages["village_id"].astype(str))
    assert len(ids) == len(set(ids)) == data["n"] == len(expected) > 20
    assert set(ids) == expected
    names = dict(zip(ids, decode_column(data["cols"]["n"]), strict=True))
    v = ctx.villages
    by_id = dict(zip(v["village_id"].astype(str), v["village_name"], strict=True))
    assert names == by_id
    assert {XSS_NAME, SCRIPT_NAME} <= set(names.values())
    assert len(decode_polyline(data["xy"], data["enc"])) == data["n"]
    # the canvas writes the names of the points in view itself: no label marker per village
    assert spec["labels"]["key"] == "n"


def test_small_layers_stay_geojson(ctx):
    assert len(ctx.villages) <= COMPACT_MIN_POINTS
    m = priority_map(ctx, "resettlement")
    data, spec = _layer_args(m, "villages")
    assert data["type"] == "FeatureCollection" and "labels" not in spec
    assert "geoplan_compact_runtime" not in m.get_root().header._children


def test_column_encodings_give_the_values_back():
    n = 12
    reason = "Xếp thứ {}/8430 (nhóm ưu tiên {}): 1.234,5 hộ, 26% số hộ"
    columns = {
        "ints": [3, None, 250, 0, -7, 1, 2, 3, 4, 5, 2**40, -(2**40)],
        "ranks": list(range(5000, 5000 - n, -1)),
        "floats": [0.123, None, 1.5, 2, 0.0001, -3.25, 1, 0.5, 0.25, 0.125, -0.001, 7],
        "wide": [1 / 3] * n,
        "repeated": ["Đắk Glei", XSS_NAME, None] * 4,
        "unique": [f"Thôn {i}" for i in range(n)],
        "reasons": [reason.format(i, i % 5) for i in range(n - 1)] + [None],
        "sparse": [None] * 9 + ["a", None, 0.5],
        "lists": [[i / 8, None, i] if i % 3 else None for i in range(n)],
        "ragged": [[f"a {i}", "b"][: i % 3] for i in range(n - 2)] + [None, [SCRIPT_NAME]],
        "mixed": [{"a": 1}, "x", 3, None] * 3,
    }
    kinds = {}
    for name, values in columns.items():
        assert len(values) == n, name
        encoded = encode_column(values)
        assert decode_column(json.loads(json.dumps(encoded))) == values, name
        kinds[name] = next(iter(encoded))
    # each has its encoding (the shortest of those that apply)
    assert kinds["floats"] == "q" and kinds["ranks"] == "q"
    assert encode_column(columns["ranks"]).get("dz") == 1
    assert kinds["repeated"] == "d" and kinds["lists"] == "l" and kinds["sparse"] == "p"
    assert kinds["reasons"] == "t" and kinds["mixed"] == "d"
    flags = [[f"Trong vành đai biên giới ({i},{i % 10} km)"] if i % 2 else [] for i in range(200)]
    encoded = encode_column(flags)
    assert "j" in encoded and decode_column(json.loads(json.dumps(encoded))) == flags


def test_compact_points_keeps_order_and_missing_properties():
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [107.5 + i / 1e5, 14.5]},
            "properties": {"id": str(i), **({"x": i} if i % 2 else {})},
        }
        for i in range(5)
    ]
    data = compact_points({"type": "FeatureCollection", "features": features})
    assert decode_column(data["cols"]["id"]) == ["0", "1", "2", "3", "4"]
    assert decode_column(data["cols"]["x"]) == [None, 1, None, 3, None]
    xy = decode_polyline(data["xy"], data["enc"])
    assert [round(x, 5) for x, _ in xy] == [107.5, 107.50001, 107.50002, 107.50003, 107.50004]
