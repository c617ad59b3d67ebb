"""Planning outputs of write_outputs: files, round-trips, report sections, map layers."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _render_fixtures import COMMUNES_2025_NAME, MERGED_2025, SCRIPT_NAME, XSS_NAME, make_result

from geoplan.render import write_outputs
from geoplan.render.dashboard import sparkline, target_progress, targets_chart, targets_table

PLAN_FILES = [
    "resettlement_sites.gpkg",
    "resettlement_moves.csv",
    "resettlement_unplaced.csv",
    "allocation.csv",
    "targets.csv",
    "targets_by_district.csv",
]
FILES_2025 = ["targets_by_commune.csv", "targets_by_commune_2025.csv", "crosswalk.csv"]


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.fixture(scope="module")
def out(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("render-plan") / "maps"
    write_outputs(result, folder)
    return folder


def _csv(path):
    return pd.read_csv(
        path, dtype={"commune_code": str, "site_commune_code": str}, encoding="utf-8-sig"
    )


def _layer_data(html: str, lid: str) -> dict:
    """The GeoJSON a map passes to ``GP.dataLayer(lid, data, spec)``."""
    start = html.index(f'GP.dataLayer("{lid}", ') + len(f'GP.dataLayer("{lid}", ')
    data, _ = json.JSONDecoder().raw_decode(html[start:])
    return data


def test_plan_files_are_written(out):
    names = {p.name for p in out.iterdir()}
    assert set(PLAN_FILES + FILES_2025) <= names
    for name in PLAN_FILES + FILES_2025:
        if name.endswith(".csv"):
            # UTF-8 with BOM, like rankings.csv, so Excel shows the diacritics
            assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name


def test_sites_gpkg_layers_round_trip(out, result):
    import pyogrio

    path = out / "resettlement_sites.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == [
        "sites",
        "candidate_sites",
        "moves",
        "layer_styles",
    ]
    sites = gpd.read_file(path, layer="sites")
    assert sites.crs == result.plan.sites.crs  # the scenario CRS, as rankings.gpkg
    assert list(sites["site_id"]) == ["S1", "S2"]
    for col in ("capacity_hh", "used_hh", "free_hh", "commune_name", "slope_mean_deg"):
        assert col in sites
    assert list(gpd.read_file(path, layer="candidate_sites")["site_id"]) == ["S3"]
    moves = gpd.read_file(path, layer="moves")
    expected = result.plan.moves
    assert list(moves["village_id"]) == list(expected["village_id"])
    assert list(moves["site_id"]) == list(expected["site_id"])
    assert list(moves["households"]) == list(expected["households"])
    assert (moves.geom_type == "LineString").all()
    assert XSS_NAME in set(moves["village_name"])


def test_moves_and_unplaced_csv(out, result):
    moves = _csv(out / "resettlement_moves.csv")
    for col in (
        "village_id",
        "village_name",
        "commune_name",
        "site_id",
        "site_commune_name",
        "households",
        "distance_m",
        "same_commune",
        "village_lon",
        "site_lat",
    ):
        assert col in moves, col
    assert moves["households"].sum() == result.plan.moves["households"].sum()
    np.testing.assert_allclose(moves["distance_m"], result.plan.moves["distance_m"])
    assert list(moves["same_commune"]) == [True, False, True]
    assert moves["village_lon"].between(107, 109).all()
    assert SCRIPT_NAME in set(moves["village_name"])
    unplaced = _csv(out / "resettlement_unplaced.csv")
    assert list(unplaced["village_id"]) == ["V001", "V005"]
    assert {"reason_code", "reason", "households", "commune_name"} <= set(unplaced.columns)


def test_allocation_csv_funded_first_and_totals(out, result):
    alloc = _csv(out / "allocation.csv")
    assert len(alloc) == len(result.plan.allocation)
    funded = alloc["funded"].astype(bool)
    # funded rows first, by year then benefit
    assert funded.tolist() == sorted(funded.tolist(), reverse=True)
    assert alloc.loc[funded, "year"].tolist() == [2026, 2026, 2027]
    assert alloc["intervention_id"].iloc[0] == "road:V000"
    spend = result.plan.allocation_summary["cost"]
    assert alloc.loc[funded, "cost"].sum() == pytest.approx(spend)
    for col in ("programme", "source", "year", "cost", "benefit", "label_vi"):
        assert col in alloc


def test_targets_csv_round_trip(out, result):
    targets = _csv(out / "targets.csv")
    assert list(targets["id"]) == list(result.plan.targets["id"])
    for col in ("value", "target", "horizon", "status", "direction", "value_2021"):
        assert col in targets
    t5 = targets.set_index("id").loc["T5"]
    assert t5["value_2022"] == pytest.approx(0.33) and t5["status"] == "behind"
    by_district = _csv(out / "targets_by_district.csv")
    assert len(by_district) == 2 * len(targets)
    assert set(by_district["district_name"]) == {"Đắk Glei", "Kon Plông"}


def test_crosswalk_and_commune_targets_csv(out, result):
    crosswalk = _csv(out / "crosswalk.csv")
    assert list(crosswalk.columns) == [
        "commune_code",
        "commune_name",
        "district_code",
        "commune_code_2025",
        "commune_name_2025",
        "area_share",
    ]
    expected = sorted(
        (code, old, share) for code, _, members in MERGED_2025 for old, share in members.items()
    )
    rows = zip(
        crosswalk["commune_code_2025"],
        crosswalk["commune_code"],
        crosswalk["area_share"],
        strict=True,
    )
    assert sorted(rows) == expected
    assert crosswalk["area_share"].groupby(crosswalk["commune_code"]).sum().eq(1.0).all()
    assert COMMUNES_2025_NAME in set(crosswalk["commune_name_2025"])
    by_commune = _csv(out / "targets_by_commune.csv")
    assert len(by_commune) == len(result.plan.targets_by_commune) == 12
    for col in ("id", "commune_code", "commune_name", "district_name", "value", "status"):
        assert col in by_commune, col
    by_2025 = pd.read_csv(out / "targets_by_commune_2025.csv", encoding="utf-8-sig")
    assert list(by_2025.columns[:4]) == [
        "id",
        "commune_code_2025",
        "commune_name_2025",
        "communes_2022",
    ]
    assert list(by_2025["commune_code_2025"]) == ["M01", "M02", "M03"] * 2
    assert by_2025["communes_2022"].iloc[1] == "23287,23536,23533"


def test_rankings_gpkg_and_xlsx_in_2025_structure(out, result):
    import pyogrio
    from openpyxl import load_workbook

    path = out / "rankings.gpkg"
    assert [n for n, _ in pyogrio.list_layers(path)][:3] == [
        "villages",
        "communes",
        "communes_2025",
    ]
    merged = gpd.read_file(path, layer="communes_2025")
    assert merged.crs == result.layers.communes.crs  # scenario CRS, as the other layers
    assert list(merged["commune_code_2025"]) == ["M01", "M02", "M03"]
    for col in ("commune_name_2025", "communes_2022", "villages", "households", "funded_cost"):
        assert col in merged, col
    assert merged["commune_name_2025"].iloc[0] == COMMUNES_2025_NAME
    np.testing.assert_allclose(merged["households"], result.plan.communes_2025["households"])
    # the union of the whole members (M01 = two 10 km squares)
    assert merged.geometry.area.iloc[0] == pytest.approx(2e8)
    wb = load_workbook(out / "rankings.xlsx", read_only=True)
    assert wb.sheetnames == ["Thôn", "Xã", "Xã 2025", "Mục tiêu", "Phân bổ vốn", "Đọc tôi"]
    headers = {
        name: [c.value for c in next(wb[name].iter_rows(max_row=1))]
        for name in ("Xã 2025", "Mục tiêu", "Phân bổ vốn")
    }
    assert headers["Xã 2025"][:3] == ["Mã xã (2025)", "Tên xã (2025)", "Các xã cũ (2022)"]
    assert {"Mã mục tiêu", "Mục tiêu", "Hiện trạng", "Tình trạng"} <= set(headers["Mục tiêu"])
    assert {"Mã hạng mục", "Hạng mục", "Kinh phí (triệu đồng)", "Được cấp vốn"} <= set(
        headers["Phân bổ vốn"]
    )
    assert len(list(wb["Mục tiêu"].iter_rows(min_row=2))) == len(result.plan.targets)
    first = next(wb["Phân bổ vốn"].iter_rows(min_row=2, values_only=True))
    assert first[headers["Phân bổ vốn"].index("Mã hạng mục")] == "road:V000"  # funded first
    names = [r[1] for r in wb["Xã 2025"].iter_rows(min_row=2, values_only=True)]
    assert names[0] == COMMUNES_2025_NAME
    readme = {(r[0], r[1]): r[2] for r in wb["Đọc tôi"].iter_rows(min_row=5, values_only=True)}
    assert readme["Xã 2025", "Mã xã (2025)"] == "commune_code_2025"
    wb.close()


def test_dashboard_layer_of_2025_communes(out, result):
    html = (out / "dashboard.html").read_text(encoding="utf-8")
    data = _layer_data(html, "communes_2025")
    props = [f["properties"] for f in data["features"]]
    assert [p["n"] for p in props] == [name for _, name, _ in MERGED_2025]
    assert props[0]["mem"] == ["Đắk Glei (23281)", "Đắk Pék (23284)"]
    assert props[0]["hh"] == result.plan.communes_2025["households"].iloc[0]
    assert (props[0]["ta"], props[0]["tb"]) == (1, 1)
    # hostile names reach the page only as escaped JSON text
    assert COMMUNES_2025_NAME not in html and "{{ 7*7 }}" not in html
    var = html[: html.index('GP.dataLayer("communes_2025"')].rsplit("var ", 1)[1].split(" ")[0]
    assert f"{var}.addTo(" not in html  # off at opening
    assert "Xã mới (2025)" in html


def test_plan_without_crosswalk_writes_no_2025_outputs(tmp_path):
    import pyogrio
    from openpyxl import load_workbook

    files = write_outputs(make_result(crosswalk=False), tmp_path / "old")
    names = {f.name for f in files}
    assert set(PLAN_FILES) <= names and not names & set(FILES_2025)
    assert not any((tmp_path / "old" / n).exists() for n in FILES_2025)
    gpkg = tmp_path / "old" / "rankings.gpkg"
    assert "communes_2025" not in [n for n, _ in pyogrio.list_layers(gpkg)]
    wb = load_workbook(tmp_path / "old" / "rankings.xlsx", read_only=True)
    assert "Xã 2025" not in wb.sheetnames and "Mục tiêu" in wb.sheetnames
    wb.close()
    html = (tmp_path / "old" / "dashboard.html").read_text(encoding="utf-8")
    assert 'GP.dataLayer("communes_2025"' not in html


def test_sites_gpkg_has_qgis_styles(out):
    import sqlite3

    con = sqlite3.connect(out / "resettlement_sites.gpkg")
    rows = con.execute(
        "SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles ORDER BY id"
    ).fetchall()
    con.close()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("sites", "sites_by_use", 1),
        ("candidate_sites", "candidate_sites_by_use", 1),
        ("moves", "moves_by_commune", 1),
    ]
    sites, candidates, moves = (r[3] for r in rows)
    # the web map's classes, as QGIS expressions over the layer's columns
    assert "CASE WHEN &quot;used_hh&quot; &gt;= &quot;capacity_hh&quot;" in sites
    assert sites.count("<category ") == 3 and "Đã sử dụng hết" in sites
    assert candidates.count("<category ") == 1 and "Chưa sử dụng" in candidates
    assert "SimpleLine" in moves and 'value="dash"' in moves
    assert "Di dời sang xã khác" in moves and "8,48,107,255" not in moves


def test_resettlement_png_draws_sites_and_moves(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geoplan.render.context import prepare
    from geoplan.render.static import _plan_layers

    fig, ax = plt.subplots()
    handles = _plan_layers(prepare(result, "vi"), ax)
    labels = [h.get_label() for h in handles]
    plt.close(fig)
    assert "Di dời trong xã" in labels and "Di dời sang xã khác" in labels
    assert any(label.startswith("Điểm tái định cư đề xuất: ") for label in labels)
    assert len(ax.collections) == 2  # the sites' polygons and the moves' lines
    fig, ax = plt.subplots()
    assert _plan_layers(prepare(make_result(plan=False), "vi"), ax) == []
    plt.close(fig)


def test_report_plan_sections(out):
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in (
        "id='resettlement'",
        "id='allocation'",
        "Tối ưu (MILP)",
        "Tham lam theo điểm",
        "Các điểm trong phạm vi đã được bố trí cho thôn cùng hoặc ưu tiên cao hơn",  # reason (vi)
        "Vốn NTP-2026/provincial 2026: đã dùng 1.700 / 2.000 triệu đồng",  # binding, rebuilt
        "40,0 %",  # gain over greedy
    ):
        assert text in html, text
    # data text from the plan is escaped
    assert XSS_NAME not in html and SCRIPT_NAME not in html
    assert "Đường <i>4 mùa</i>" not in html and "Đường &lt;i&gt;4 mùa&lt;/i&gt;" in html


def test_report_plan_sections_english(tmp_path):
    write_outputs(make_result(), tmp_path / "en", lang="en")
    html = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert "Budget allocation" in html and "Exact (MILP)" in html
    assert "budget NTP-2026/provincial 2026: 1,700 of 2,000 million VND used" in html
    assert "&lt;b&gt;larger&lt;/b&gt; than every reachable site" in html


def test_maps_show_sites_and_moves(out, result):
    for name in ("priority_resettlement.html", "hazard_overlay.html"):
        html = (out / name).read_text(encoding="utf-8")
        sites = _layer_data(html, "sites")
        assert [f["properties"]["n"] for f in sites["features"]] == ["S1", "S2"]
        assert {f["geometry"]["type"] for f in sites["features"]} == {"Polygon"}
        s2 = sites["features"][1]["properties"]
        assert s2["cap"] == 500 and s2["free"] == 500 - s2["used"] and len(s2["in"]) == 2
        moves = _layer_data(html, "moves")
        assert len(moves["features"]) == len(result.plan.moves)
        assert [f["properties"]["k"] for f in moves["features"]] == ["same", "other", "same"]
        assert XSS_NAME not in html and SCRIPT_NAME not in html
    # the unused candidates: on the resettlement map only (the hazard map stays light)
    html = (out / "priority_resettlement.html").read_text(encoding="utf-8")
    assert len(_layer_data(html, "candidate_sites")["features"]) == 1
    html = (out / "hazard_overlay.html").read_text(encoding="utf-8")
    assert 'GP.dataLayer("candidate_sites"' not in html
    # only the resettlement track's map carries the plan
    other = (out / "priority_investment.html").read_text(encoding="utf-8")
    assert 'GP.dataLayer("moves"' not in other


def test_dashboard_target_chart_and_gap_layer(out):
    html = (out / "dashboard.html").read_text(encoding="utf-8")
    assert html.count('class="gp-trow"') == 6
    assert html.count('class="gp-spark"') == 3  # T1, T5, T17 have yearly values
    gap = _layer_data(html, "target_gap")
    classes = {f["properties"]["n"]: f["properties"]["g"] for f in gap["features"]}
    # fixture criteria are 8, 10, ..., 18: gap to 15 is 7, 5, 3, 1, 0, 0
    assert classes["Đắk Glei"] == "3" and classes["Đắk Pék"] == "2"
    assert classes["Măng Cành"] == "0" and classes["Hiếu"] == "0"
    assert "Free migrants <stabilised>" not in html
    # status "behind" reads "behind schedule", not "not met"
    assert "Chậm tiến độ" in html


def test_without_plan_writes_everything_else(tmp_path):
    files = write_outputs(make_result(plan=False), tmp_path / "bare")
    names = {f.name for f in files}
    assert not names & set(PLAN_FILES + FILES_2025)
    assert not any((tmp_path / "bare" / n).exists() for n in PLAN_FILES + FILES_2025)
    for name in ("priority_resettlement.html", "report.html", "rankings.gpkg", "run.json"):
        assert name in names
    html = (tmp_path / "bare" / "report.html").read_text(encoding="utf-8")
    assert "id='resettlement'" not in html and "id='allocation'" not in html
    hazard = (tmp_path / "bare" / "hazard_overlay.html").read_text(encoding="utf-8")
    assert 'GP.dataLayer("moves"' not in hazard and 'GP.dataLayer("sites"' not in hazard


def test_not_applicable_status_reads_as_such_in_grey():
    frame = pd.DataFrame(
        [
            {"id": "T14", "label_vi": "Xã ĐBKK", "unit": "share", "value": np.nan,
             "target": 0.5, "status": "not_applicable", "direction": "min"},
            {"id": "T15", "label_vi": "Di cư", "unit": "share", "value": np.nan,
             "target": 1.0, "status": "not_computable", "direction": "min"},
        ]
    )  # fmt: skip
    table = targets_table(frame, "vi")
    assert "Không áp dụng" in table and "Không tính được" in table
    assert "not_applicable" not in table
    assert "Not applicable" in targets_table(frame, "en")
    chart = targets_chart(frame, "vi")
    assert chart.count('class="gp-tval na"') == 2  # grey, like missing data
    assert "Không áp dụng" in chart and "Thiếu dữ liệu / không áp dụng" in chart


def test_target_progress_and_sparkline():
    up = pd.Series({"value": 30.0, "target": 60.0, "direction": "min"})
    assert target_progress(up) == pytest.approx(0.5)
    down = pd.Series({"value": 3.0, "target": 0.0, "direction": "max", "value_2021": 6.0})
    assert target_progress(down) == pytest.approx(0.5)
    unknown = pd.Series({"value": 3.0, "target": 0.0, "direction": "max"})
    assert np.isnan(target_progress(unknown))
    assert sparkline([(2024, 1.0)], colour="#000") == ""
    svg = sparkline([(2021, 1.0), (2024, 2.0)], colour="#000")
    assert re.search(r'points="[\d., ]+"', svg) and "2021: 1" in svg
