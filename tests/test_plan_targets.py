"""Targets T1-T19 on small hand-computed frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.config.plan import TargetOverride, TargetsConfig
from geoplan.plan.target_progress import evaluate_targets
from geoplan.plan.targets import TARGETS


def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    communes = pd.DataFrame(
        {
            "commune_code": ["1", "2", "3", "4"],
            "district_code": ["A", "A", "B", "B"],
            "ntm_status": ["standard", "none", "advanced", "model"],
            "ntm_year": [2022, np.nan, 2021, 2023],
            "ntm_criteria_2021": [14, 10, 19, 17],
            "ntm_criteria_2022": [19, 10, 19, 18],
            "ntm_criteria_2023": [19, 11, 19, 19],
            "ntm_criteria_2024": [19, 13, 19, 19],
            "has_cooperative": [True, False, True, True],
            "households": [100, 100, 200, 100],
            "em_households": [50, 50, 100, 50],
            "em_households_in_coop": [10, 0, 40, 0],
            "poverty_rate_2021": [0.30, 0.50, 0.20, 0.10],
            "poverty_rate_2024": [0.18, 0.35, 0.08, 0.04],
            "is_especially_difficult": [False, True, False, False],
            "was_especially_difficult_2021": [True, True, False, False],
        }
    )
    villages = pd.DataFrame(
        {
            "village_id": ["v1", "v2", "v3", "v4"],
            "commune_code": ["1", "2", "3", "4"],
            "district_code": ["A", "A", "B", "B"],
            "households": [100, 100, 200, 100],
            "em_households": [50, 50, 100, 50],
            "hygienic_water_households": [100, 50, 200, 0],
            "has_communal_house": [True, True, False, True],
            "communal_house_repaired": [True, False, False, True],
            "em_hh_no_residential_land": [5, 0, 10, 0],
            "em_hh_no_production_land": [2, 10, 10, 0],
            "is_especially_difficult": [False, True, True, False],
        }
    )
    districts = pd.DataFrame(
        {
            "district_code": ["A", "B"],
            "is_poor_district": [True, False],
            "ntm_status": ["none", "standard"],
        }
    )
    return communes, villages, districts


def run(**kw):
    c, v, d = frames()
    prov, by_d = evaluate_targets(c, v, d, **kw)
    return prov.set_index("id"), by_d


def test_registry_has_the_nineteen_targets():
    assert [t.id for t in TARGETS] == [f"T{i}" for i in range(1, 20)]
    prov, _ = run()
    assert list(prov.index) == [f"T{i}" for i in range(1, 20)]


def test_ntm_counts_series_and_projection():
    prov, _ = run()
    t1 = prov.loc["T1"]
    # NTM communes by year from ntm_year: 2021: 1, 2022: 2, 2023: 3, 2024: 3
    assert t1["value"] == 3
    assert [t1["value_2021"], t1["value_2022"], t1["value_2023"], t1["value_2024"]] == [1, 2, 3, 3]
    assert t1["baseline"] == 1 and t1["baseline_year"] == 2021
    assert t1["trend_per_year"] == pytest.approx(0.7)  # least squares over 2021-2024
    # projection 3 + 0.7 = 3.7, clipped to the 4 communes; target 60: behind
    assert t1["projection"] == pytest.approx(3.7)
    assert t1["status"] == "behind"
    assert prov.loc["T2", "value"] == 2 and prov.loc["T3", "value"] == 1


def test_shares_and_statuses():
    prov, _ = run()
    # T5: >= 15 criteria: 2021: 2/4, 2022: 3/4, 2023: 3/4, 2024: 3/4
    assert prov.loc["T5", "value"] == pytest.approx(0.75)
    assert prov.loc["T5", "value_2021"] == pytest.approx(0.5)
    # T6: pace over 2021-2024 >= 1/yr or at 19: c1 yes (19), c2 (3/3 = 1) yes, c3 yes, c4 yes
    assert prov.loc["T6", "value"] == pytest.approx(1.0)
    assert prov.loc["T6", "status"] == "achieved"
    assert prov.loc["T7", "value"] == pytest.approx(0.75)
    # T8: districts standard/completed: 1 of target 5
    assert prov.loc["T8", "value"] == 1
    # T9: lacking = max(5,2) + max(0,10) + max(10,10) + 0 = 25 of 250 EM households
    assert prov.loc["T9", "value"] == pytest.approx(1 - 25 / 250)
    # T10: 50 / 250 = 0.2, target 20%: achieved
    assert prov.loc["T10", "value"] == pytest.approx(0.2)
    assert prov.loc["T10", "status"] == "achieved"
    # T12: of the 3 villages with a communal house, 2 repaired
    assert prov.loc["T12", "value"] == pytest.approx(2 / 3)
    # T13: water rate x EM: 50*1 + 50*0.5 + 100*1 + 50*0 = 175 of 250
    assert prov.loc["T13", "value"] == pytest.approx(0.7)
    assert prov.loc["T16", "value"] == pytest.approx(0.7)
    # T14: 2 communes were especially difficult in 2021, one left: 50% -> achieved
    assert prov.loc["T14", "value"] == pytest.approx(0.5)
    assert prov.loc["T14", "status"] == "achieved"
    # T17: 1 commune + 2 villages remain; communes fell 2 -> 1 over 3 years
    assert prov.loc["T17", "value"] == 3
    assert prov.loc["T17", "trend_per_year"] == pytest.approx(-1 / 3)
    assert prov.loc["T17", "direction"] == "max"


def test_poverty_pace_province_and_poor_districts():
    prov, _ = run()
    # household-weighted: 2021 (30+50+40+10)/500 = 26%; 2024 (18+35+16+4)/500 = 14.6%
    assert prov.loc["T18", "value"] == pytest.approx((26.0 - 14.6) / 3)
    assert prov.loc["T18", "status"] == "achieved"
    # poor district A: 2021 40%, 2024 26.5%: 4.5 points a year < 6
    assert prov.loc["T19", "value"] == pytest.approx((40.0 - 26.5) / 3)
    assert prov.loc["T19", "status"] == "behind"


def test_missing_fields_are_named_and_not_computable():
    prov, _ = run()
    assert prov.loc["T4", "status"] == "not_computable"
    assert "villages.is_ntm_model_village" in prov.loc["T4", "missing"]
    assert prov.loc["T15", "status"] == "not_computable"
    assert "free_migrant_households" in prov.loc["T15", "missing"]
    assert prov.loc["T11", "status"] == "not_computable"
    c, v, d = frames()
    prov2, _ = evaluate_targets(c.drop(columns="has_cooperative"), v, d)
    assert prov2.set_index("id").loc["T7", "missing"] == "communes.has_cooperative"


def test_t11_uses_the_resettlement_plan():
    prov, by_d = run(
        at_risk_households={"A": 100.0, "B": 50.0}, placed_households={"A": 100.0, "B": 40.0}
    )
    assert prov.loc["T11", "value"] == pytest.approx(140 / 150)
    assert prov.loc["T11", "status"] == "behind"  # 93% < 95% "basically"
    a = by_d[(by_d["id"] == "T11") & (by_d["district_code"] == "A")].iloc[0]
    assert a["value"] == 1.0 and a["status"] == "achieved"


def test_by_district_and_overrides():
    prov, by_d = run(
        config=TargetsConfig(
            overrides={"T1": TargetOverride(target=3), "T3": TargetOverride(enabled=False)}
        )
    )
    assert prov.loc["T1", "target"] == 3 and prov.loc["T1", "status"] == "achieved"
    assert "T3" not in prov.index
    t1 = by_d[by_d["id"] == "T1"].set_index("district_code")
    assert t1.loc["A", "value"] == 1 and t1.loc["B", "value"] == 2
    assert (t1["status"] == "no_target").all() and t1["target"].isna().all()
    t7 = by_d[by_d["id"] == "T7"].set_index("district_code")
    assert t7.loc["A", "value"] == 0.5 and t7.loc["A", "status"] == "behind"
    assert t7.loc["B", "value"] == 1.0 and t7.loc["B", "status"] == "achieved"
    # gap is signed so that > 0 means short of the target
    assert prov.loc["T7", "gap"] == pytest.approx(0.25)


def test_on_track_when_the_trend_reaches_the_target():
    c, v, d = frames()
    c["has_cooperative"] = [True, True, True, False]
    # T5 rising 0.5 -> 0.75; with target 0.9 by 2025 a linear trend of +0.075/yr misses,
    # with 0.8 it makes it
    prov, _ = evaluate_targets(
        c, v, d, config=TargetsConfig(overrides={"T5": TargetOverride(target=0.8)})
    )
    t5 = prov.set_index("id").loc["T5"]
    assert t5["trend_per_year"] == pytest.approx(0.075)
    assert t5["projection"] == pytest.approx(0.825)
    assert t5["status"] == "on_track"
