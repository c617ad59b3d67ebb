"""make_plan end to end on a small synthetic province; the plan block of a scenario."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from affine import Affine
from shapely.geometry import LineString, Point, box

from geoplan.config.plan import PlanConfig
from geoplan.plan import PlanOutcome, make_plan

CRS = "EPSG:3405"
X0, Y0 = 500_000.0, 1_600_000.0


def world():
    """Four 10 km communes in two districts: steep east edge, landslide corner, forest strip."""
    rows = []
    for i, (dc, cc) in enumerate([("D1", "C1"), ("D1", "C2"), ("D2", "C3"), ("D2", "C4")]):
        x0, y0 = X0 + (i % 2) * 10_000, Y0 + (i // 2) * 10_000
        rows.append(
            {
                "commune_code": cc,
                "commune_name": f"Xã {cc}",
                "district_code": dc,
                "district_name": f"Huyện {dc}",
                "ntm_status": ["standard", "none", "advanced", "none"][i],
                "ntm_year": [2022, np.nan, 2021, np.nan][i],
                "ntm_criteria_2021": [15, 10, 17, 12][i],
                "ntm_criteria_2024": [19, 14, 19, 16][i],
                "has_cooperative": [True, False, True, True][i],
                "poverty_rate_2021": [0.3, 0.5, 0.2, 0.4][i],
                "poverty_rate_2024": [0.2, 0.4, 0.1, 0.3][i],
                "is_especially_difficult": [False, True, False, False][i],
                "was_especially_difficult_2021": [True, True, False, True][i],
                "em_households_in_coop": [10, 5, 20, 0][i],
                "households": [300, 200, 250, 150][i],
                "em_households": [200, 150, 100, 100][i],
                "resettlement_score": 0.5,
                "infrastructure_score": 0.5,
                "investment_score": [0.9, 0.1, 0.5, 0.3][i],
                "geometry": box(x0, y0, x0 + 10_000, y0 + 10_000),
            }
        )
    communes = gpd.GeoDataFrame(rows, crs=CRS)
    rng = np.random.default_rng(3)
    vrows = []
    for k in range(24):
        g = communes.geometry.iloc[k % 4]
        x0, y0, _, _ = g.bounds
        at_risk = k < 10
        vrows.append(
            {
                "village_id": f"V{k:02d}",
                "village_name": f"Làng {k}",
                "commune_code": communes.commune_code.iloc[k % 4],
                "district_code": communes.district_code.iloc[k % 4],
                "households": int(rng.integers(20, 80)) if k != 9 else 5000,
                "poor_households": 10,
                "em_households": 15,
                "hygienic_water_households": 10,
                "has_communal_house": True,
                "communal_house_repaired": bool(k % 4),
                "em_hh_no_residential_land": 2,
                "em_hh_no_production_land": 3,
                "is_especially_difficult": k == 3,
                "all_season_road": bool(k % 2),
                "has_grid_power": bool(k % 3),
                "water_gap": float(rng.random()),
                "poverty_rate": float(rng.random() * 0.5),
                "resettlement_eligible": at_risk,
                "resettlement_class": (k % 2) + 1 if at_risk else 0,
                "resettlement_score": 1 - k / 30 if at_risk else np.nan,
                "resettlement_rank": k + 1 if at_risk else np.nan,
                "infrastructure_score": float(rng.random()),
                "investment_score": float(rng.random()),
                "geometry": Point(x0 + 1000 + rng.random() * 8000, y0 + 1000 + rng.random() * 8000),
            }
        )
    villages = gpd.GeoDataFrame(vrows, crs=CRS)
    districts = pd.DataFrame(
        {
            "district_code": ["D1", "D2"],
            "is_poor_district": [True, False],
            "ntm_status": ["none", "standard"],
        }
    )
    xx = np.arange(200)[None, :].repeat(200, axis=0).astype(float)
    arr = np.where(xx < 150, xx * 5.0, 750 + (xx - 150) * 60.0)
    dem = SimpleNamespace(array=arr, transform=Affine(100, 0, X0, 0, -100, Y0 + 20_000), crs=CRS)
    layers = SimpleNamespace(
        dem=dem,
        landslide_zones=gpd.GeoDataFrame(
            {"level": [5]}, geometry=[box(X0, Y0, X0 + 5000, Y0 + 5000)], crs=CRS
        ),
        forest=gpd.GeoDataFrame(
            {"forest_type": ["special_use"]},
            geometry=[box(X0, Y0 + 15_000, X0 + 10_000, Y0 + 20_000)],
            crs=CRS,
        ),
        roads=gpd.GeoDataFrame(
            {"road_class": ["national"]},
            geometry=[LineString([(X0, Y0 + 10_000), (X0 + 20_000, Y0 + 10_000)])],
            crs=CRS,
        ),
        communes_2025=gpd.GeoDataFrame(
            {
                "commune_code": ["M1", "M2"],
                "commune_name": ["Mới 1", "Mới 2"],
                "members": ["C1,C2", "C3,C4"],
            },
            geometry=[
                box(X0, Y0, X0 + 20_000, Y0 + 10_000),
                box(X0, Y0 + 10_000, X0 + 20_000, Y0 + 20_000),
            ],
            crs=CRS,
        ),
    )
    return communes, villages, districts, layers


def run(plan: PlanConfig | None = None) -> tuple[PlanOutcome, tuple]:
    communes, villages, districts, layers = world()
    before = (communes.copy(), villages.copy())
    out = make_plan(
        SimpleNamespace(villages=villages, communes=communes, districts=districts),
        SimpleNamespace(villages=villages, communes=communes),
        SimpleNamespace(plan=plan or PlanConfig()),
        layers=layers,
    )
    return out, (before, (communes, villages))


def test_every_at_risk_village_is_placed_or_explained_and_inputs_are_untouched():
    out, ((c0, v0), (c1, v1)) = run()
    pd.testing.assert_frame_equal(pd.DataFrame(c0), pd.DataFrame(c1))
    pd.testing.assert_frame_equal(pd.DataFrame(v0), pd.DataFrame(v1))
    at_risk = {f"V{k:02d}" for k in range(10)}
    placed, unplaced = set(out.moves["village_id"]), set(out.unplaced["village_id"])
    assert placed | unplaced == at_risk and not placed & unplaced
    assert out.unplaced.set_index("village_id").loc["V09", "reason_code"] == "too_large"
    assert out.moves.crs == CRS and (out.moves.geom_type == "LineString").all()
    assert out.sites.crs == CRS and len(out.sites) > 0
    used = out.moves.groupby("site_id")["households"].sum()
    sites = out.sites.set_index("site_id")
    assert (sites.loc[used.index, "used_hh"] == used).all()
    assert (sites["used_hh"] <= sites["capacity_hh"]).all()
    # no site touches the level-5 corner or the special-use forest
    assert not out.sites.intersects(box(X0 + 1, Y0 + 1, X0 + 4999, Y0 + 4999)).any()
    assert not out.sites.intersects(box(X0 + 1, Y0 + 15_001, X0 + 9999, Y0 + 19_999)).any()


def test_allocation_is_at_least_greedy_and_respects_nodup():
    out, _ = run()
    s = out.allocation_summary
    assert s["objective"] >= s["greedy_objective"] - 1e-9
    funded = out.allocation[out.allocation["funded"]]
    relocated = set(funded.loc[funded["relocation"], "village_id"])
    assert relocated and relocated <= set(out.moves["village_id"])
    assert not relocated & set(funded.loc[funded["in_place"], "village_id"])
    spend = out.budget_use.groupby(["programme", "source", "year"])[["budget", "spend"]].sum()
    assert (spend["spend"] <= spend["budget"] + 1e-6).all()
    assert set(out.allocation["kind"]) >= {"resettlement", "road", "grid", "water"}


def test_targets_crosswalk_and_summary():
    out, _ = run()
    assert list(out.targets["id"]) == [f"T{i}" for i in range(1, 20)]
    assert out.targets.set_index("id").loc["T11", "status"] in {"behind", "achieved"}
    assert set(out.targets_by_district["district_code"]) == {"D1", "D2"}
    assert out.crosswalk is not None and len(out.crosswalk) == 4
    assert set(out.communes_2025["commune_code_2025"]) == {"M1", "M2"}
    assert out.communes_2025["households"].sum() == pytest.approx(900)
    # this world has no rivers layer and no susceptibility model: their site rules are skipped
    assert set(out.summary["sites"]["rules_skipped"]) == {"river", "model_level"}
    assert set(out.summary["timings_s"]) == {
        "sites",
        "assignment",
        "allocation",
        "targets",
        "crosswalk",
    }


PLAN_YAML = """
plan:
  sites: {max_slope_deg: 12, max_landslide_level: 2, min_area_ha: 12.5}
  assignment: {max_class: 2, scope: district, max_distance_m: 15000}
  allocation:
    years: [2021, 2022, 2023, 2024, 2025]
    programmes:
      NTP-NRD: {label_en: New rural development, period: [2021, 2025]}
      NTP-SPR: {label_en: Sustainable poverty reduction, period: [2021, 2025]}
      NTP-EM: {label_en: Ethnic minorities, period: [2021, 2030]}
    budgets:
      - {programme: NTP-NRD, source: central, amount: 50000}
      - {programme: NTP-EM, source: central, amount: {2021: 10000, 2022: 20000}}
      - {programme: NTP-EM, source: provincial, amount: 5000}
      - {programme: NTP-SPR, source: integrated, amount: 3000}
    interventions:
      resettlement:
        relocation: true
        in_place: false
        track: resettlement
        unit_cost: 250
        cost_per: household
        funding: [{programme: NTP-EM, shares: {central: 0.9, provincial: 0.1}}]
      road:
        when: ["all_season_road == false"]
        unit_cost: 6000
        funding: [{programme: NTP-NRD}, {programme: NTP-EM}]
      production:
        when: ["poverty_rate > 0.2"]
        in_place: false
        track: investment
        unit_cost: 15
        cost_per: household
        beneficiaries: poor_households
        funding: [{programme: NTP-SPR, shares: {integrated: 1.0}}]
    min_shares:
      - {level: district, code: D1, share: 0.01}
  targets:
    overrides: {T1: {target: 3}}
"""


def test_a_2021_2025_three_programme_plan_block_runs():
    plan = PlanConfig.model_validate(yaml.safe_load(PLAN_YAML)["plan"])
    out, _ = run(plan)
    funded = out.allocation[out.allocation["funded"]]
    assert set(funded["programme"]) <= {"NTP-NRD", "NTP-EM", "NTP-SPR"}
    assert funded["year"].between(2021, 2025).all()
    d1 = funded.loc[funded["district_code"] == "D1", "cost"].sum()
    assert d1 >= 0.01 * out.allocation_summary["total_budget"]
    assert out.targets.set_index("id").loc["T1", "target"] == 3


def test_unknown_plan_keys_are_rejected():
    with pytest.raises(ValueError, match="extra"):
        PlanConfig.model_validate({"allocation": {"budget": []}})


def test_without_a_resettlement_track_nothing_moves_but_the_rest_runs():
    communes, villages, districts, layers = world()
    villages = villages.drop(columns=["resettlement_eligible", "resettlement_class"])
    out = make_plan(
        SimpleNamespace(villages=villages, communes=communes, districts=districts),
        SimpleNamespace(villages=villages, communes=communes),
        SimpleNamespace(plan=PlanConfig()),
        layers=layers,
    )
    assert out.moves.empty and out.unplaced.empty
    assert "no resettlement track" in out.summary["notes"][0]
    assert out.allocation["funded"].any()
    assert "resettlement" in out.summary["interventions_skipped"]
