"""report.html for planners: stability and model card as translated tables, no JSON dumps."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest
from _render_fixtures import MODEL_CARD, STABILITY, make_result

from geoplan.render import write_outputs


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("render-report")
    out = {}
    for lang in ("vi", "en"):
        write_outputs(make_result(), base / lang, lang=lang)
        out[lang] = (base / lang / "report.html").read_text(encoding="utf-8")
    return out


def _section(html: str, sid: str) -> str:
    found = re.search(rf"<h2 id=['\"]{sid}['\"]>", html)
    assert found, sid
    start = found.start()
    end = html.find("<h2 ", start + 1)
    return html[start : end if end > 0 else len(html)]


def _rows(table_html: str) -> list[list[str]]:
    """Cell texts of each row (tags removed, entities decoded)."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", table_html, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def _table(section: str, cls: str) -> list[list[str]]:
    match = re.search(rf"<table class='{cls}'>(.*?)</table>", section, flags=re.S)
    assert match, cls
    return _rows(match.group(1))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_json_dump_and_no_wall_clock(reports, lang):
    html = reports[lang]
    assert "<pre>{" not in html and "<pre>" not in html
    assert "&quot;draws&quot;" not in html and "seconds" not in html
    assert "0,0123" not in html and "0.0123" not in html  # stability seconds
    assert "1,132" not in html and "1.132" not in html  # model card timings
    assert "Run time" not in html and "Thời gian chạy (giây)" not in html


def test_stability_table_vi(reports):
    sec = _section(reports["vi"], "stability")
    assert "Monte Carlo" in sec and "Dirichlet" in sec
    assert "rút ngẫu nhiên 200 lần" in sec and "c = 50" in sec
    rows = _table(sec, "gp-stability")
    assert rows[0] == [
        "Hướng ưu tiên",
        "Số thôn được xếp hạng",
        "Độ rộng trung vị của khoảng thứ hạng 5–95% (bậc)",
        "Thôn thuộc nhóm 5 đầu ở ≥ 90% số lần rút",
        "Thôn chưa chắc thuộc nhóm 5 đầu (10–90% số lần rút)",
    ]
    assert len(rows) == 1 + len(STABILITY)  # one row per track
    by_title = {r[0]: r[1:] for r in rows[1:]}
    assert by_title["Bố trí, sắp xếp ổn định dân cư"] == ["29", "6,5", "2", "3"]
    assert by_title["Hạ tầng thiết yếu tại chỗ"] == ["29", "1.234,5", "4", "1"]
    assert by_title["Đầu tư phát triển sản xuất"] == ["29", "11", "0", "7"]
    assert "href='#top'" in sec


def test_stability_table_en(reports):
    sec = _section(reports["en"], "stability")
    assert "drawn 200 times" in sec and "concentration c = 50" in sec
    rows = _table(sec, "gp-stability")
    assert rows[0][2] == "Median width of the 5–95% rank interval (places)"
    assert rows[0][3] == "Villages in the top 5 in ≥ 90% of draws"
    by_title = {r[0]: r[1:] for r in rows[1:]}
    assert by_title["Essential in-place infrastructure"] == ["29", "1,234.5", "4", "1"]


def test_top_villages_show_interval_and_top_probability(reports):
    result = make_result()
    v = result.scoring.villages
    sec = _section(reports["vi"], "top")
    tables = re.findall(r"<table>(.*?)</table>", sec, flags=re.S)
    rows = _rows(tables[0])  # resettlement, the first track
    head = rows[0]
    assert head[6] == "Khoảng thứ hạng (5–95%)" and head[7] == "Xác suất thuộc nhóm 5 đầu"
    top = v[v["resettlement_rank"].notna()].sort_values("resettlement_rank").head(5)
    assert len(rows) == 1 + len(top)
    for row, (_, village) in zip(rows[1:], top.iterrows(), strict=True):
        lo, hi = int(village["resettlement_rank_p05"]), int(village["resettlement_rank_p95"])
        assert row[0] == str(int(village["resettlement_rank"]))
        assert row[6] == f"{lo}–{hi}"
        assert row[7] == f"{round(100 * village['resettlement_p_top'])} %"


def test_model_card_key_figures(reports):
    sec = _section(reports["vi"], "model")
    rows = dict(r for r in _table(sec, "gp-kv") if len(r) == 2)
    assert rows["Mô hình"] == "Rừng ngẫu nhiên (RandomForestClassifier)"
    assert rows["ROC-AUC, kiểm định chéo theo không gian"] == "0,810"
    assert rows["ROC-AUC, kiểm định chéo ngẫu nhiên K phần"] == "0,860"
    assert rows["Độ lạc quan (ngẫu nhiên − không gian)"] == "+0,050"
    assert rows["ROC-AUC so với nguy cơ thật đã biết (dữ liệu tổng hợp)"] == "0,932"
    assert rows["Điểm sạt lở / điểm không sạt lở"].startswith("120 / 360")
    assert rows["Kích thước khối kiểm định"] == "15 km (9 khối)"
    assert rows["Số phần kiểm định chéo"] == "4"
    assert rows["Hạt giống ngẫu nhiên (random_state)"] == "42"
    assert rows["Diện tích mô hình lệch ≥ 2 cấp so với bản đồ chính thức"] == "3,4 km²"
    assert "href='landslide_model.json'" in sec


def test_model_card_folds_importances_and_classes(reports):
    sec = _section(reports["en"], "model")
    tables = re.findall(r"<table[^>]*>(.*?)</table>", sec, flags=re.S)
    folds = next(_rows(t) for t in tables if "Fold 1" in t)
    assert folds[0] == ["", "Fold 1", "Fold 2", "Fold 3", "Fold 4", "Mean"]
    assert folds[1] == ["Spatial", "0.791", "0.823", "0.805", "0.820", "0.810"]
    assert folds[2] == ["Random", "0.857", "0.867", "0.854", "0.862", "0.860"]
    bars = _table(sec, "gp-bars")
    assert [r[0] for r in bars[1:]] == ["Slope", "Relief", "Distance to roads", "Wetness index"]
    assert [r[2] for r in bars[1:]] == ["0.210", "0.060", "0.040", "0.020"]
    widths = [float(w) for w in re.findall(r"class='gp-bar' style='width:([\d.]+)%'", sec)]
    assert widths == sorted(widths, reverse=True) and widths[0] == 100.0
    assert widths[-1] == pytest.approx(100 * 0.02 / 0.21, abs=0.1)
    classes = next(_rows(t) for t in tables if "Probability range" in t)
    assert classes[1] == ["1 – Very low", "< 0.00011", "120.5", "30.1 %"]
    assert classes[3] == ["3 – Medium", "0.010 – 0.083", "80.0", "20.0 %"]
    assert classes[5] == ["5 – Very high", "≥ 0.33", "39.5", "9.9 %"]
    assert sum(MODEL_CARD["class_areas_km2"].values()) == pytest.approx(400.0)


def test_report_without_model_or_stability(tmp_path):
    result = make_result(plan=False, model=False)
    result = replace(result, scoring=replace(result.scoring, stability={}))
    write_outputs(result, tmp_path / "bare")
    html = (tmp_path / "bare" / "report.html").read_text(encoding="utf-8")
    assert "Mô hình không chạy" in _section(html, "model")
    assert "<table class='gp-stability'>" not in html and "<pre>" not in html


def test_report_opens_with_the_summary_and_ends_with_provenance(reports):
    html = reports["vi"]
    order = [
        html.index('id="summary"'),
        html.index('id="data"'),
        html.index('id="top"'),
        html.index('id="targets"'),
        html.index('id="provenance"'),
    ]
    assert order == sorted(order)
    summary = _section(html, "summary")
    for text in ("Đã xếp hạng", "30 thôn, làng trong 6 xã", "Việc cần làm trước", "Xã cần ưu tiên"):
        assert text in summary, text
    assert "Kế hoạch: tổng số" in summary and "Mục tiêu chậm tiến độ" in summary
    # the summary fits a screen: a few lines per track, not the detail tables
    assert summary.count("<li>") <= 5 * 3 + 19


@pytest.mark.parametrize(("lang", "description"), [("vi", "Kịch bản nhỏ"), ("en", "Small hand")])
def test_report_is_in_the_chosen_language_with_relative_paths(reports, lang, description):
    html = reports[lang]
    assert description in _section(html, "summary")
    provenance = _section(html, "provenance")
    assert "../layers/kontum.gpkg" in provenance
    assert "/srv/" not in html and "site-packages" not in html and "/tmp" not in html
    assert "fixture.yaml" in provenance


def test_report_prints_on_a4(reports):
    html = reports["vi"]
    assert "@page { size: A4;" in html and "@media print" in html
    assert '<meta name="viewport"' in html


def test_reason_in_one_line_keeps_the_factors():
    from geoplan.render.priorities import one_line

    reason = (
        "Xếp thứ 3/267 về sắp xếp (nhóm ưu tiên 1): 120 hộ trong vùng nguy cơ cao (40%),"
        "  độ dốc 30° (12%). Ra khỏi nhóm 20 thôn đầu nếu trọng số giảm dưới 0,10."
    )
    assert one_line(reason) == "120 hộ trong vùng nguy cơ cao (40%), độ dốc 30° (12%)."
    assert one_line("High road_access; score 0.99") == "High road_access; score 0.99"
    assert one_line("Only sentence. Second one.") == "Only sentence."


HOSTILE = "<script>alert(1)</script>"
JINJA = "{{ 7*7 }}"


def _inert(html: str, text: str) -> None:
    """``text`` is in ``html`` as escaped text only: never as live markup."""
    assert HOSTILE not in html
    assert text in unescape(re.sub(r"<[^>]+>", "", html))


def test_hostile_names_are_escaped_and_inert_in_report_and_dashboard(tmp_path):
    result = make_result(plan=False)
    for frame in (result.indicators.villages, result.scoring.villages):
        frame["village_name"] = JINJA  # every village: the top tables list some
        frame.loc[0, "commune_name"] = HOSTILE
    for frame in (result.indicators.communes, result.scoring.communes):
        frame.loc[0, "commune_name"] = HOSTILE
    tracks = {  # hostile track titles: in the stability table
        t: spec.model_copy(update={"title_vi": HOSTILE, "title_en": HOSTILE})
        for t, spec in result.scenario.scoring.tracks.items()
    }
    scoring = result.scenario.scoring.model_copy(update={"tracks": tracks})
    result = replace(result, scenario=result.scenario.model_copy(update={"scoring": scoring}))
    write_outputs(result, tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    _inert(report, HOSTILE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _section(report, "stability")
    assert JINJA in unescape(_section(report, "top"))  # printed as typed, not evaluated
    dashboard = (tmp_path / "dashboard.html").read_text(encoding="utf-8")
    _inert(dashboard, HOSTILE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dashboard


def test_model_card_text_from_data_is_escaped():
    from geoplan.render.context import prepare
    from geoplan.render.report_analysis import model_section

    card = {
        **MODEL_CARD,
        "estimator": HOSTILE,
        "parameters": {"kernel": JINJA, "x": "<b>"},
        "importances": {HOSTILE: 0.2, "slope": 0.1},
    }
    html = model_section(prepare(make_result(plan=False), "en"), card)
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # model row and factor
    assert "<b>" not in html.replace("<b>0", "") and "x = &lt;b&gt;" in html
    assert f"kernel = {JINJA}" in unescape(html)
    bars = _table(html, "gp-bars")
    assert bars[1][0] == HOSTILE and bars[1][2] == "0.200"  # the most important first


def test_site_safety_section_escapes_sites_and_communes():

    import pandas as pd

    from geoplan.render.context import prepare
    from geoplan.render.site_report import site_safety_section

    result = make_result()
    moves = result.plan.moves.copy()
    moves["site_id"] = HOSTILE
    moves["priority_rank"] = range(1, len(moves) + 1)
    for col, a, b in (("official_level", 5, 2), ("susceptibility", 0.6, 0.1), ("slope_deg", 30, 9)):
        moves[f"origin_{col}"], moves[f"site_{col}"] = a, b
    screening = pd.DataFrame(
        {
            "site_id": ["S1", "S2"],
            "commune_name": [HOSTILE, JINJA],
            "status": ["kept", "rejected"],
            "verify_code": ["high_share", ""],
            "verify_reason": ["<i>check</i> the slope", ""],
        }
    )
    result = replace(result, plan=replace(result.plan, moves=moves, site_screening=screening))
    html = site_safety_section(prepare(result, "en"), limit=2)
    assert "id='site-safety'" in html and HOSTILE not in html and "<i>" not in html
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert text.count(HOSTILE) == min(2, len(moves)) + 1  # moves listed, and S1's commune
    assert "5 → 2" in text and "30.0 → 9.0" in text
    assert "<i>check</i> the slope" in text and JINJA not in text  # S2 is not to verify
    assert len(moves) > 2 and f"First 2 of {len(moves)} rows" in text


def test_imputed_values_are_listed_per_village_and_track():
    from geoplan.render.context import prepare
    from geoplan.render.report_sections import imputed_section

    result = make_result(plan=False)
    ctx = prepare(result, "en")
    assert str(imputed_section(ctx)) == ""  # nothing filled, no section
    villages = ctx.villages
    track = ctx.tracks[0]
    first = villages.index[0]
    villages[f"{track}_imputed"] = ""
    villages.loc[first, f"{track}_imputed"] = f"poverty=0.25 (median); {HOSTILE}=1 (zero)"
    html = str(imputed_section(ctx, limit=1))
    assert "poverty=0.25 (median)" in html
    assert str(villages.loc[first, "village_id"]) in html
    assert ctx.track_title(track) in unescape(html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<tr>") == 2  # header and the one village
