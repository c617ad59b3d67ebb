"""write_outputs on a small synthetic PlanResult: contract, offline, escaping, tables."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3

import geopandas as gpd
import pandas as pd
import pytest
from _render_fixtures import DISAGREEMENT, SCRIPT_NAME, XSS_NAME, make_result

from geoplan.i18n import fmt_num, fmt_pct
from geoplan.render import write_outputs
from geoplan.render.offline import deterministic_ids, safe_json
from geoplan.render.polyline import decode_polyline, encode_polyline

MAPS = [
    "priority_resettlement.html",
    "priority_infrastructure.html",
    "priority_investment.html",
    "hazard_overlay.html",
    "dashboard.html",
]
CONTRACT = [
    *MAPS,
    "report.html",
    "rankings.gpkg",
    "rankings.csv",
    "rankings.xlsx",
    "landslide_model.json",
    "landslide_model.gpkg",
    "run.json",
]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render-out") / "maps"
    steps: list[str] = []
    files = write_outputs(make_result(), folder, progress=steps.append)
    assert steps, "progress was never called"
    assert all(f.exists() for f in files)
    return folder


def test_contract_files_are_written(out):
    names = {p.name for p in out.iterdir()}
    for name in CONTRACT:
        assert name in names
    assert any(n.endswith(".png") for n in names)
    # no temporary folder is left beside the output
    assert [p.name for p in out.parent.iterdir()] == ["maps"]


@pytest.mark.parametrize("name", MAPS)
def test_maps_reference_nothing_remote(out, name):
    html = (out / name).read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html and "bootstrap" not in html.lower()
    srcs = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']([^"']+)""", html)
    assert srcs == []
    assert "sourceMappingURL" not in html
    # only the optional online base layers name a remote URL, as templates in JavaScript
    remote = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    allowed = (
        "tile.openstreetmap.org",
        "server.arcgisonline.com",
        "leafletjs.com",
        "www.w3.org",
        "bugs.chromium.org",
        "bugzilla.mozilla.org",
        "openstreetmap.org/copyright",
    )
    assert all(any(a in url for a in allowed) for url in remote), remote
    assert len(html.encode()) < 5_000_000


@pytest.mark.parametrize("name", [*MAPS, "report.html"])
def test_data_text_is_escaped(out, name):
    html = (out / name).read_text(encoding="utf-8")
    assert XSS_NAME not in html
    assert SCRIPT_NAME not in html
    assert "<b>Phòng hộ</b>" not in html


def _layer(html: str, lid: str) -> tuple[dict, dict, bool]:
    """Data, spec and shown-at-opening of the map layer ``lid``."""
    start = html.index(f'GP.dataLayer("{lid}", ') + len(f'GP.dataLayer("{lid}", ')
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(html, start)
    spec, end = decoder.raw_decode(html, end + 2)
    var = html[:start].rsplit("var ", 1)[1].split(" ", 1)[0]
    return data, spec, f"{var}.addTo(" in html


def test_hazard_model_zones_layer(out):
    html = (out / "hazard_overlay.html").read_text(encoding="utf-8")
    data, spec, shown = _layer(html, "model_zones")
    assert not shown  # off at opening
    assert data["enc"] == 5  # polyline-encoded rings
    levels = [f["properties"]["lv"] for f in data["features"]]
    assert levels == [1, 2, 3, 4, 5]
    assert spec["style"]["colors"] == {
        "1": "#ffffb2",
        "2": "#fed976",
        "3": "#fd8d3c",
        "4": "#e31a1c",
        "5": "#800026",
    }  # the official zones' palette
    level1 = data["features"][0]["geometry"]
    # the 0.04 km² island is below the map's minimum patch: its hole is filled
    assert level1["type"] == "MultiPolygon" and [len(p) for p in level1["enc"]] == [1]
    ring = decode_polyline(level1["enc"][0][0])
    lons = [x for x, _ in ring]
    assert ring[0] == ring[-1] and 107.69 < min(lons) < max(lons) < 107.76
    assert '"layer":"model_zones"' in html  # legend section
    assert "Vùng nguy cơ theo mô hình" in html


def test_hazard_disagreement_layer_matches_input(out):
    html = (out / "hazard_overlay.html").read_text(encoding="utf-8")
    data, spec, shown = _layer(html, "disagreement")
    assert not shown
    props = [f["properties"] for f in data["features"]]
    assert [(p["ol"], p["ml"]) for p in props] == [(o, m) for o, m, _, _ in DISAGREEMENT]
    assert [p["k"] for p in props] == ["up", "down", "down"]
    assert [p["dl"] for p in props] == [2, -2, -4]
    assert [p["a"] for p in props] == [2.25, 4.0, 1.0]
    assert props[0]["olt"] == "1 – Rất thấp" and props[0]["mlt"] == "3 – Trung bình"
    assert {f["geometry"]["type"] for f in data["features"]} == {"Polygon"}
    labels = [row[0] for row in spec["popup"]["rows"]]
    assert "Cấp theo bản đồ chính thức" in labels and "Cấp theo mô hình" in labels
    assert "Chênh lệch chính thức – mô hình" in html


def test_hazard_panel_has_the_model_card(out):
    html = (out / "hazard_overlay.html").read_text(encoding="utf-8")
    start = html.index("GP.panel(") + len("GP.panel(")
    panel, _ = json.JSONDecoder().raw_decode(html, start)
    assert panel["title"] == "Mô hình và hộ phơi nhiễm sạt lở"
    text = panel["html"]
    for part in (
        "AUC kiểm định chéo theo không gian</th><td>0,810",
        "AUC kiểm định chéo ngẫu nhiên</th><td>0,860",
        "Độ dốc (0,210), Chênh cao địa hình (0,060), Khoảng cách đến đường (0,040)",
        "3,4 km²",
        '<table class="gp-table gp-sortable">',  # the exposure table follows, sortable
    ):
        assert part in text, part


def test_hazard_without_model_has_no_model_layers(tmp_path):
    write_outputs(make_result(model=False, plan=False), tmp_path / "m")
    html = (tmp_path / "m" / "hazard_overlay.html").read_text(encoding="utf-8")
    for lid in ("model_zones", "disagreement"):
        assert f'GP.dataLayer("{lid}"' not in html
    assert "AUC" not in html


def test_synthetic_marking_and_language(out):
    for name in [*MAPS, "report.html"]:
        html = (out / name).read_text(encoding="utf-8")
        assert "Dữ liệu minh hoạ tổng hợp" in html, name
        assert '<html lang="vi">' in html or "<html lang='vi'>" in html, name


def test_english_and_no_synthetic_banner(tmp_path):
    files = write_outputs(make_result(synthetic=False), tmp_path / "en", lang="en")
    html = (tmp_path / "en" / "priority_resettlement.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Priority score" in html and "Very high" in html and "Cấp ưu tiên" not in html
    assert "Synthetic demo data" not in html
    hazard = (tmp_path / "en" / "hazard_overlay.html").read_text(encoding="utf-8")
    for text in ("Modelled landslide levels", "Official vs model disagreement", "Spatial cross"):
        assert text in hazard
    assert len(files) >= 12


def _rerun(result):
    """The same result with other wall-clock figures, as a second run would give."""
    result = dataclasses.replace(result, timings={k: v * 3 + 1 for k, v in result.timings.items()})
    card = result.indicators.susceptibility.model_card
    card["timings_s"] = {k: v * 2 + 0.5 for k, v in card["timings_s"].items()}
    for stats in result.scoring.stability.values():
        stats["seconds"] = stats["seconds"] * 5 + 0.1
    result.plan.summary["timings_s"] = {"sites": 9.9, "allocation": 7.7}
    result.plan.allocation_summary["solve_s"] = 12.3
    return result


def test_outputs_are_deterministic(tmp_path):
    # DESIGN: same scenario and data -> same bytes; wall-clock figures live in run.json only
    a = write_outputs(make_result(), tmp_path / "a")
    b = write_outputs(_rerun(make_result()), tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b]
    assert "landslide_model.json" in {p.name for p in a} and len(a) > 20
    for pa, pb in zip(a, b, strict=True):
        if pa.name == "run.json":
            continue
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert (tmp_path / "a" / "run.json").read_bytes() != (tmp_path / "b" / "run.json").read_bytes()


def test_optional_parts_missing(tmp_path):
    result = make_result(plan=False, model=False, dem=False, extras=False)
    files = write_outputs(result, tmp_path / "bare")
    names = {f.name for f in files}
    assert "landslide_model.json" not in names
    assert {"hazard_overlay.html", "dashboard.html", "report.html"} <= names
    hazard = (tmp_path / "bare" / "hazard_overlay.html").read_text(encoding="utf-8")
    assert '"hillshade"' not in hazard and '"susceptibility"' not in hazard
    dash = (tmp_path / "bare" / "dashboard.html").read_text(encoding="utf-8")
    assert "T1" in dash  # targets computed from communes without a plan


def test_failure_leaves_previous_outputs(tmp_path, monkeypatch):
    folder = tmp_path / "maps"
    write_outputs(make_result(), folder)
    before = sorted(p.name for p in folder.iterdir())

    import geoplan.render.outputs as outputs

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "write_xlsx", boom)
    with pytest.raises(RuntimeError):
        write_outputs(make_result(), folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["maps"]


def test_gpkg_layers_and_qgis_styles(out):
    path = out / "rankings.gpkg"
    villages = gpd.read_file(path, layer="villages")
    communes = gpd.read_file(path, layer="communes")
    assert len(villages) == 30 and len(communes) == 6
    for col in (
        "resettlement_score",
        "resettlement_rank",
        "resettlement_class",
        "resettlement_eligible",
        "resettlement_reason",
    ):
        assert col in villages
    assert XSS_NAME in set(villages["village_name"])
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles"
    ).fetchall()
    con.close()
    defaults = {r[0] for r in rows if r[2]}
    assert defaults == {"villages", "communes", "communes_2025"}  # every layer styled
    qml = next(r[3] for r in rows if r[1] == "villages_resettlement")
    assert 'attr="resettlement_class"' in qml and "categorizedSymbol" in qml
    assert qml.count("<category ") == 6


def test_landslide_model_gpkg(out):
    path = out / "landslide_model.gpkg"
    zones = gpd.read_file(path, layer="zones")
    dis = gpd.read_file(path, layer="disagreement")
    # full resolution: the five strips and the 0.04 km² island the web map drops
    assert sorted(zones["level"]) == [1, 2, 3, 4, 5, 5]
    assert zones.crs == make_result().indicators.susceptibility.zones.crs
    assert round(zones.geometry.area.min()) == 40_000
    assert [(o, m) for o, m in zip(dis["official_level"], dis["model_level"], strict=True)] == [
        (o, m) for o, m, _, _ in DISAGREEMENT
    ]
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles"
    ).fetchall()
    con.close()
    styles = {r[0]: r for r in rows}
    assert set(styles) == {"zones", "disagreement"} and all(r[2] for r in rows)
    zqml = styles["zones"][3]
    assert 'attr="level"' in zqml and zqml.count("<category ") == 5
    assert "128,0,38," in zqml  # level 5 in the hazard map's #800026 (translucent fill)
    assert "4 – " in zqml
    dqml = styles["disagreement"][3]
    assert "model_level" in dqml and dqml.count("<category ") == 2


def test_landslide_model_gpkg_absent_without_model(tmp_path):
    files = write_outputs(make_result(model=False, plan=False), tmp_path / "m")
    assert "landslide_model.gpkg" not in {f.name for f in files}
    assert not (tmp_path / "m" / "landslide_model.gpkg").exists()


def test_csv_and_xlsx(out):
    frame = pd.read_csv(out / "rankings.csv", dtype={"commune_code": str})
    assert len(frame) == 30 and {"lon", "lat", "investment_score"} <= set(frame.columns)
    assert frame["commune_code"].iloc[0] == "23281"
    from openpyxl import load_workbook

    wb = load_workbook(out / "rankings.xlsx", read_only=True)
    # the fixture's plan adds the 2025 communes, targets and allocation sheets
    assert wb.sheetnames[:2] == ["Thôn", "Xã"] and wb.sheetnames[-1] == "Đọc tôi"
    header = [c.value for c in next(wb["Thôn"].iter_rows(max_row=1))]
    assert "Tên thôn" in header and "Điểm – tái định cư" in header
    assert XSS_NAME in [r[1] for r in wb["Thôn"].iter_rows(min_row=2, values_only=True)]
    wb.close()


def test_report_sections(out):
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in (
        "P-POOR",
        "ROC-AUC, kiểm định chéo theo không gian",
        "T13",
        "3 villages had no households",
        "Mục tiêu Nghị quyết",
    ):
        assert text in html
    assert "data:image/png;base64," in html


def test_model_card_and_run_json(out):
    card = json.loads((out / "landslide_model.json").read_text(encoding="utf-8"))
    assert card["spatial_cv_auc"] == 0.81
    assert card["random_cv_fold_aucs"] == [0.8571, 0.8666, 0.8542, 0.8621]
    assert "timings_s" not in card  # wall clock: moved to run.json
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["scenario"]["name"] == "fixture"
    assert run["timings_s"] == {"load": 0.1, "indicators": 0.2}
    assert run["model_timings_s"] == {"fit": 1.132, "cross_validation": 1.507}
    assert run["stability_seconds"] == {
        "resettlement": 0.0123,
        "infrastructure": 0.0123,
        "investment": 0.0123,
    }
    assert run["plan_timings_s"] == {
        "sites": 0.25,
        "allocation": 0.5,
        "allocation_build_s": 0.021,
        "allocation_solve_s": 0.432,
    }


def test_safe_json_cannot_close_a_script():
    text = safe_json({"n": "</script><script>alert(1)</script>", "a": "&"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["n"] == "</script><script>alert(1)</script>"


def test_safe_json_cannot_open_a_jinja_block():
    # branca renders each script through Jinja again: "{{", "{%" and "{#" must not survive
    value = {"n": "{{ 7*7 }} {% if 1 %} {# c #} {{{", "o": {"p": {}}}
    text = safe_json(value)
    assert not re.search(r"\{[{%#]", text)
    assert json.loads(text) == value


def test_jinja_syntax_in_names_stays_text(tmp_path):
    result = make_result(plan=False, model=False)
    village, commune = "{{ 7*7 }} {% if true %}x{% endif %}", "{{ 6*7 }}"
    for frame in (result.indicators.villages, result.scoring.villages):
        frame.loc[0, "village_name"] = village
    for frame in (result.indicators.communes, result.scoring.communes):
        frame.loc[0, "commune_name"] = commune
    write_outputs(result, tmp_path / "maps")
    for name in ("priority_resettlement.html", "hazard_overlay.html", "dashboard.html"):
        html = (tmp_path / "maps" / name).read_text(encoding="utf-8")
        start = html.index('GP.dataLayer("villages", ') + len('GP.dataLayer("villages", ')
        data, _ = json.JSONDecoder().raw_decode(html[start:])
        names = {f["properties"]["n"] for f in data["features"]}
        assert village in names, name
    aside = (tmp_path / "maps" / "dashboard.html").read_text(encoding="utf-8")
    assert "&#123;&#123; 6*7 }}" in aside and "{{ 6*7 }}" not in aside


def test_polyline_encoding_round_trip():
    # the reference example of the polyline algorithm (latitude first)
    coords = [(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)]
    assert encode_polyline(coords) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    ring = [(107.71234, 14.6), (108.3, 15.49999), (107.5, 14.0), (107.71234, 14.6)]
    assert decode_polyline(encode_polyline(ring)) == ring


def test_deterministic_ids():
    html = "var map_" + "a" * 32 + " = 1; map_" + "a" * 32 + "; layer_" + "b" * 32
    assert deterministic_ids(html) == "var map_0001 = 1; map_0001; layer_0002"


def test_deterministic_ids_match_the_lookbehind_rule():
    # the rule as first written: 32 hex digits after "_", no letter or digit after them
    pattern = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-zA-Z])")

    def reference(html: str) -> str:
        seen: dict[str, str] = {}
        return pattern.sub(lambda m: seen.setdefault(m[0], f"{len(seen) + 1:04d}"), html)

    a, b, c = "0123456789abcdef" * 2, "f" * 32, "a1" * 16
    html = f"__{a} x_{a}; _{b}g _{b}_ _{b}0 _{c.upper()} {a} _{c}_{a} a_{b}; _{a[:31]} _{c}\n_{b}"
    assert deterministic_ids(html) == reference(html)
    assert deterministic_ids(html).count("_0001") == 3


def test_vietnamese_number_format():
    assert fmt_num(1234567.891, "vi", 2) == "1.234.567,89"
    assert fmt_num(1234567.891, "en", 1) == "1,234,567.9"
    assert fmt_pct(0.125, "vi") == "12,5 %"
    assert fmt_num(float("nan"), "vi") == "–"
