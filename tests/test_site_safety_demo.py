"""Site safety on the demo: invariants of the plan, its files, maps and report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geoplan.plan.site_safety import SITE_RULES

LEVELS = (1, 2, 3, 4, 5)


def _share_at_or_above(frame: pd.DataFrame, prefix: str, level: int) -> pd.Series:
    return frame[[f"{prefix}{lv}" for lv in LEVELS if lv >= level]].sum(axis=1)


@pytest.fixture(scope="module")
def plan(demo_result):
    return demo_result.plan


@pytest.fixture(scope="module")
def limits(demo_result):
    return demo_result.scenario.plan.sites


def test_no_site_in_use_exceeds_the_scenario_limits(plan, limits):
    used = plan.sites[plan.sites["used_hh"] > 0]
    assert len(used), "the demo plan places no village"
    # the demo has every layer: the profile is known, so every limit is really checked
    profile = used[["landslide_share_3", "model_share_4", "slope_mean_deg", "slope_p90_deg",
                    "dist_river_m", "dist_steep_m", "protected_forest_share"]]  # fmt: skip
    assert profile.notna().all().all()
    for level, share in limits.max_official_share.items():
        assert (_share_at_or_above(used, "landslide_share_", level) <= share + 1e-9).all()
    for level, share in limits.max_model_share.items():
        assert (_share_at_or_above(used, "model_share_", level) <= share + 1e-9).all()
    assert (used["slope_mean_deg"] <= limits.max_site_slope_mean_deg).all()
    assert (used["slope_p90_deg"] <= limits.max_site_slope_p90_deg).all()
    assert (used["protected_forest_share"] <= limits.max_forest_share + 1e-9).all()
    assert (used["dist_river_m"] >= limits.min_river_distance_m).all()
    assert (used["dist_steep_m"] >= limits.min_steep_distance_m).all()


def test_every_move_improves_on_its_origin(demo_result, plan, limits):
    villages = demo_result.indicators.villages.set_index("village_id")
    sites = plan.sites.set_index("site_id")
    moves = plan.moves
    assert len(moves)
    origin = villages.loc[moves["village_id"]]
    site = sites.loc[moves["site_id"]]
    # the origin's official level: its point, or the highest level present on its area
    area_level = np.zeros(len(origin))
    for level in LEVELS:
        area_level = np.where(origin[f"landslide_share_{level}"] > 1e-3, level, area_level)
    origin_level = np.maximum(origin["landslide_level"].to_numpy(float), area_level)
    site_level = site["official_level"].to_numpy(float)
    assert set(limits.compare_with_origin) == {"official_level", "model_probability", "slope"}
    assert ((site_level < origin_level) | ((site_level == 0) & (origin_level == 0))).all()
    assert (site["susceptibility"].to_numpy() < origin["susceptibility"].to_numpy()).all()
    assert (site["slope_mean_deg"].to_numpy() < origin["slope_mean_deg"].to_numpy()).all()
    assert moves["safer_than_origin"].all()
    assert np.allclose(moves["origin_official_level"], origin_level)
    assert ((moves["official_level_drop"] > 0) | (origin_level == 0)).all()


def test_every_rejected_candidate_keeps_its_reason(plan):
    screening = plan.site_screening
    rejected = screening[screening["status"] == "rejected"]
    kept = screening[screening["status"] == "kept"]
    assert len(rejected) and len(kept)
    assert (rejected["reason"].str.len() > 0).all()
    for codes in rejected["reason_code"]:
        assert codes and set(codes.split(",")) <= set(SITE_RULES)
    assert (kept["reason_code"] == "").all()
    # the sites offered to the assignment are exactly the kept candidates
    assert sorted(plan.sites["site_id"]) == sorted(kept["site_id"])
    by_rule = pd.Series(rejected["reason_code"].str.split(",").explode()).value_counts()
    assert by_rule.to_dict() == plan.summary["sites"]["rejected_by_rule"]


def test_disagreeing_sites_are_flagged_not_silent(plan):
    screening = plan.site_screening
    flagged = screening[screening["verify_code"] != ""]
    model_high = _share_at_or_above(screening, "model_share_", 4)
    official_high = _share_at_or_above(screening, "landslide_share_", 4)
    expect = ((screening["official_level"] <= 2) & (model_high > 0.01)) | (
        (official_high > 0.01) & (screening["model_level"] <= 2)
    )
    assert set(flagged.index) == set(screening.index[expect])
    assert (flagged["verify_reason"].str.len() > 0).all()


def test_site_files_carry_profiles_reasons_and_the_verify_list(demo_outputs, plan):
    gpkg = demo_outputs / "resettlement_sites.gpkg"
    layers = dict(pyogrio.list_layers(gpkg))
    assert {"sites", "rejected_sites"} <= set(layers)
    sites = pyogrio.read_dataframe(gpkg, layer="sites")
    assert {"official_level", "model_share_4", "slope_p90_deg", "dist_river_m",
            "protected_forest_share", "verify_code"} <= set(sites.columns)  # fmt: skip
    rejected = pyogrio.read_dataframe(gpkg, layer="rejected_sites")
    assert (rejected["reason"].str.len() > 0).all()
    moves = pd.read_csv(demo_outputs / "resettlement_moves.csv", encoding="utf-8-sig")
    compared = [
        f"{end}_{hazard}"
        for hazard in ("official_level", "susceptibility", "slope_deg")
        for end in ("origin", "site")
    ] + ["official_level_drop", "model_probability_drop", "slope_drop", "safer_than_origin"]
    assert set(compared) <= set(moves.columns)
    drop = moves["origin_slope_deg"] - moves["site_slope_deg"]
    assert np.allclose(drop, moves["slope_drop"], atol=0.011)
    n_flagged = int((plan.site_screening["verify_code"] != "").sum())
    verify_csv = demo_outputs / "resettlement_sites_to_verify.csv"
    assert verify_csv.exists() == (n_flagged > 0)
    if n_flagged:
        listed = pd.read_csv(verify_csv, encoding="utf-8-sig")
        assert len(listed) == n_flagged == len(pyogrio.read_dataframe(gpkg, layer="verify_sites"))
        assert listed["lon"].between(100, 115).all() and listed["lat"].between(8, 24).all()


def test_report_compares_every_listed_move(demo_outputs, plan):
    html = (demo_outputs / "report.html").read_text(encoding="utf-8")
    assert "id='site-safety'" in html
    section = html[html.index("id='site-safety'") :]
    for site_id in plan.moves["site_id"].head(100):
        assert site_id in section
    # one arrow per compared hazard and move: origin → destination
    assert section.count(" → ") >= 3 * min(len(plan.moves), 100)


def test_site_and_move_popups_show_the_hazard_profile(demo_outputs, plan):
    html = (demo_outputs / "hazard_overlay.html").read_text(encoding="utf-8")
    for key in ('"ol"', '"mh"', '"s9"', '"dr"', '"ds"', '"fs"'):
        assert key in html
    # each move's popup reads "origin → site" for the official level
    first = plan.moves.iloc[0]
    level = f'"hl":"{first["origin_official_level"]:.0f} → {first["site_official_level"]:.0f}"'
    assert level in html
