"""The plan's coherence invariants on a synthetic province of several connected groups.

Three districts far apart (their villages and sites form separate groups), run twice: with the
default solver limits, and with limits so small that neither MILP can finish (the assignment
falls back to greedy + priority repair, the allocation MILP stops at its node limit).  Both plans
must be coherent (every funded move is funded in the allocation in its year, no site over its
capacity, no moving village with in-place money) and state what was proven.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geoplan.config.allocation import AllocationConfig, MinShare
from geoplan.config.plan import AssignmentConfig, PlanConfig
from geoplan.plan import PlanOutcome, make_plan

CRS = "EPSG:3405"
X0, Y0 = 500_000.0, 1_600_000.0
# three districts 100 km apart, two 8 km communes each: sites never reach another district
DISTRICTS = {"D1": 0.0, "D2": 100_000.0, "D3": 200_000.0}


def province() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    communes, villages = [], []
    for d, (dc, dx) in enumerate(DISTRICTS.items()):
        for c in range(2):
            code = f"C{d}{c}"
            x0, y0 = X0 + dx + c * 8_000, Y0
            communes.append(
                {
                    "commune_code": code,
                    "commune_name": f"Xã {code}",
                    "district_code": dc,
                    "district_name": f"Huyện {dc}",
                    "households": 400,
                    "resettlement_score": 0.5,
                    "infrastructure_score": 0.5,
                    "investment_score": 0.5,
                    "geometry": box(x0, y0, x0 + 8_000, y0 + 8_000),
                }
            )
            for k in range(8):
                at_risk = k < 5
                villages.append(
                    {
                        "village_id": f"V{d}{c}{k}",
                        "village_name": f"Làng {d}{c}{k}",
                        "commune_code": code,
                        "district_code": dc,
                        "households": int(rng.integers(40, 160)),
                        "poor_households": 10,
                        "em_households": 20,
                        "all_season_road": bool(k % 2),
                        "has_grid_power": bool(k % 3),
                        "water_gap": float(rng.random()),
                        "resettlement_eligible": at_risk,
                        "resettlement_class": (k % 3) + 1 if at_risk else 0,
                        "resettlement_score": 1 - k / 10 if at_risk else np.nan,
                        "resettlement_rank": d * 100 + c * 10 + k + 1 if at_risk else np.nan,
                        "infrastructure_score": float(rng.random()),
                        "investment_score": float(rng.random()),
                        "geometry": Point(
                            x0 + 500 + rng.random() * 7_000, y0 + 500 + rng.random() * 7_000
                        ),
                    }
                )
    districts = pd.DataFrame({"district_code": list(DISTRICTS), "is_poor_district": True})
    return (
        gpd.GeoDataFrame(communes, crs=CRS),
        gpd.GeoDataFrame(villages, crs=CRS),
        districts,
    )


def plan(config: PlanConfig) -> PlanOutcome:
    communes, villages, districts = province()
    return make_plan(
        SimpleNamespace(villages=villages, communes=communes, districts=districts),
        SimpleNamespace(villages=villages, communes=communes),
        SimpleNamespace(plan=config),
    )


def coherence_violations(out: PlanOutcome) -> list[str]:
    """Every way the moves, the sites and the money can disagree, as sentences."""
    found = []
    alloc = out.allocation
    funded = alloc[alloc["funded"].astype(bool)]
    paid_year = funded[funded["relocation"].astype(bool)].set_index("village_id")["year"]
    for move in out.moves.itertuples():
        if move.funding_status == "funded":
            if move.village_id not in paid_year.index:
                found.append(f"{move.village_id} funded but not in the allocation")
            elif int(paid_year[move.village_id]) != int(move.funded_year):
                found.append(f"{move.village_id} funded in {move.funded_year}, paid another year")
        elif move.village_id in paid_year.index:
            found.append(f"{move.village_id} paid in the allocation but its move is unfunded")
    not_moving = set(paid_year.index) - set(out.moves["village_id"])
    found += [f"{v} paid to move but has no site" for v in sorted(not_moving)]
    used = out.moves.groupby("site_id")["households"].sum()
    cap = out.sites.set_index("site_id")["capacity_hh"]
    found += [f"site {s} over capacity" for s in used.index if used[s] > cap[s]]
    in_place = set(funded.loc[funded["in_place"].astype(bool), "village_id"])
    found += [f"{v} moves and gets in-place money" for v in sorted(in_place & set(used.index))]
    found += [
        f"{v} moves and gets in-place money"
        for v in sorted(in_place & set(out.moves["village_id"]))
    ]
    spend = out.budget_use.groupby(["programme", "source", "year"])[["budget", "spend"]].sum()
    if (spend["spend"] > spend["budget"] + 1e-6).any():
        found.append("a budget line is overspent")
    return found


@pytest.fixture(scope="module")
def default_plan() -> PlanOutcome:
    return plan(PlanConfig(assignment=AssignmentConfig(scope="district")))


@pytest.fixture(scope="module")
def starved_plan() -> PlanOutcome:
    return plan(
        PlanConfig(
            assignment=AssignmentConfig(scope="district", max_exact_pairs=1, node_work=1.0),
            allocation=AllocationConfig(node_work=1.0, mip_rel_gap=1e-6),
        )
    )


@pytest.fixture(scope="module")
def support_plan() -> PlanOutcome:
    # a resettlement floor, and every model counted as large: the MILP over the LP's support
    floor = MinShare(level="kind", code="resettlement", share=0.05, cites=["T11"])
    return plan(
        PlanConfig(
            assignment=AssignmentConfig(scope="district"),
            allocation=AllocationConfig(min_shares=[floor], max_milp_variables=1),
        )
    )


def test_the_province_splits_into_several_groups_solved_exactly(default_plan):
    s = default_plan.assignment_summary
    assert s["milp"]["components"] >= len(DISTRICTS)
    assert s["milp"]["heuristic_components"] == 0
    assert s["milp"]["status"] in {"optimal", "feasible"}
    assert len(default_plan.moves) > 0
    assert coherence_violations(default_plan) == []


def test_without_room_to_solve_the_plan_is_greedy_coherent_and_says_so(default_plan, starved_plan):
    s = starved_plan.assignment_summary["milp"]
    assert s["status"] == "heuristic" and s["method"] == "greedy+repair"
    assert s["heuristic_components"] == s["components"] >= len(DISTRICTS)
    assert len(starved_plan.moves) > 0
    assert coherence_violations(starved_plan) == []
    # the exact plan never places fewer class-1 households than the fallback
    exact = default_plan.assignment_summary["milp"]["households_placed_by_class"]
    fallback = s["households_placed_by_class"]
    assert exact.get(1, 0) >= fallback.get(1, 0)


def test_an_allocation_stopped_by_its_node_limit_states_a_proven_gap(starved_plan):
    a = starved_plan.allocation_summary
    assert a["status"] in {"optimal", "feasible", "heuristic"}
    assert 0.0 <= a["mip_gap"] < 1.0
    # the gap is certified: the plan's objective is within it of the dual bound
    assert a["objective"] >= a["dual_bound"] * (1 - a["mip_gap"] - 1e-6) - 1e-6
    assert a["objective"] <= a["dual_bound"] + 1e-6
    assert a["objective"] >= a["greedy_objective"] - 1e-9
    if a["status"] == "optimal":
        assert a["mip_gap"] <= 1e-4


def test_a_large_allocation_is_solved_over_the_lp_support_coherently(default_plan, support_plan):
    a = support_plan.allocation_summary
    assert a["milp_scope"] == "lp_support"
    assert default_plan.allocation_summary["milp_scope"] == "whole"
    assert coherence_violations(support_plan) == []
    assert a["status"] in {"optimal", "feasible", "heuristic"}
    assert a["objective"] >= a["dual_bound"] * (1 - a["mip_gap"] - 1e-6) - 1e-6
    assert a["objective"] >= a["greedy_objective"] - 1e-9
    funded = support_plan.allocation[support_plan.allocation["funded"].astype(bool)]
    resettlement = funded.loc[funded["kind"] == "resettlement", "cost"].sum()
    assert resettlement >= 0.05 * a["total_budget"] - 1e-6


def test_run_json_states_what_the_demo_plan_proved(demo_result):
    status = demo_result.run_info["plan_status"]
    alloc = demo_result.plan.allocation_summary
    assert status["allocation"]["status"] == alloc["status"]
    assert status["allocation"]["mip_gap"] == alloc["mip_gap"]
    assert status["allocation"]["milp_scope"] in {"whole", "lp_support"}
    assert status["assignment"]["status"] in {"optimal", "feasible", "heuristic"}
    if status["allocation"]["status"] == "optimal":
        assert status["allocation"]["mip_gap"] <= 1e-4
