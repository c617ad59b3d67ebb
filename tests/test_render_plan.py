"""Planning outputs of write_outputs: files, round-trips, report sections, map layers."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _render_fixtures import SCRIPT_NAME, XSS_NAME, make_result

from geoplan.render import write_outputs
from geoplan.render.dashboard import sparkline, target_progress

PLAN_FILES = [
    "resettlement_sites.gpkg",
    "resettlement_moves.csv",
    "resettlement_unplaced.csv",
    "allocation.csv",
    "targets.csv",
    "targets_by_district.csv",
]


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
    assert set(PLAN_FILES) <= names
    for name in PLAN_FILES:
        if name.endswith(".csv"):
            # UTF-8 with BOM, like rankings.csv, so Excel shows the diacritics
            assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name


def test_sites_gpkg_layers_round_trip(out, result):
    import pyogrio

    path = out / "resettlement_sites.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == ["sites", "candidate_sites", "moves"]
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


def test_report_plan_sections(out):
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in (
        "id='resettlement'",
        "id='allocation'",
        "Tối ưu (MILP)",
        "Tham lam theo điểm",
        "Các điểm trong phạm vi đã được bố trí cho thôn khác",  # reason, in Vietnamese
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


def test_without_plan_writes_everything_else(tmp_path):
    files = write_outputs(make_result(plan=False), tmp_path / "bare")
    names = {f.name for f in files}
    assert not names & set(PLAN_FILES)
    assert not any((tmp_path / "bare" / n).exists() for n in PLAN_FILES)
    for name in ("priority_resettlement.html", "report.html", "rankings.gpkg", "run.json"):
        assert name in names
    html = (tmp_path / "bare" / "report.html").read_text(encoding="utf-8")
    assert "id='resettlement'" not in html and "id='allocation'" not in html
    hazard = (tmp_path / "bare" / "hazard_overlay.html").read_text(encoding="utf-8")
    assert 'GP.dataLayer("moves"' not in hazard and 'GP.dataLayer("sites"' not in hazard


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
