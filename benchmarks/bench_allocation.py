"""Benchmark the joint plan (assignment + allocation) against the greedy peers.

``--mode joint`` (default): the allocation of N candidate interventions
(default 10,000) over 5 programmes x 5 years as the joint plan builds it: one
relocation row per moving village and no in-place row for a village that moves.
``--mode scale``: the priority-first assignment of 100,000 villages to 5,000
sites (straight-line reach, as without a friction surface): pairs, components,
the MILP on the small components, greedy + priority repair on the large ones.

Instance: N candidate interventions (default 10,000) of 6 kinds in villages of
10 districts, 5 programmes x 2 sources x 5 years of budgets (about 40% of the
total cost of all candidates), every kind payable by 2 or 3 programmes, one
relocation per at-risk village that excludes its in-place upgrades (P-NODUP).

Run: ``python benchmarks/bench_allocation.py [--mode joint|scale] [--n 10000] [--seed 1]``.
Prints one JSON line: sizes, MILP time, gap, benefit, greedy benefit and time,
and the ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.plan import (
    AllocationConfig,
    AssignmentConfig,
    BudgetLine,
    FundingOption,
    InterventionSpec,
    ProgrammeSpec,
)
from geoplan.plan.allocate import allocate_budget
from geoplan.plan.allocate_greedy import greedy_plan
from geoplan.plan.allocate_model import build_model
from geoplan.plan.assign import assign_villages

PROGRAMMES = ["P1", "P2", "P3", "P4", "P5"]
YEARS = [2026, 2027, 2028, 2029, 2030]
KINDS = {
    # kind: (mean cost, cost per, relocation, in_place, programmes)
    "resettlement": (8000.0, True, False, ["P1", "P3"]),
    "road": (6000.0, False, True, ["P1", "P2", "P4"]),
    "grid": (2500.0, False, True, ["P2", "P4"]),
    "water": (900.0, False, True, ["P3", "P5"]),
    "communal_house": (800.0, False, True, ["P3", "P5", "P1"]),
    "production": (1500.0, False, False, ["P4", "P5"]),
}


def make_instance(
    n: int, seed: int, *, carry_over: bool = False, joint: bool = True
) -> tuple[pd.DataFrame, AllocationConfig]:
    rng = np.random.default_rng(seed)
    n_villages = max(1, n // 4)
    village = rng.integers(0, n_villages, n)
    kind = rng.choice(list(KINDS), n, p=[0.05, 0.25, 0.2, 0.2, 0.15, 0.15])
    # one need per (village, kind): drop duplicates deterministically
    frame = (
        pd.DataFrame({"village": village, "kind": kind}).drop_duplicates().reset_index(drop=True)
    )
    while len(frame) < n:
        extra = pd.DataFrame(
            {"village": rng.integers(0, n_villages * 2, n), "kind": rng.choice(list(KINDS), n)}
        )
        frame = pd.concat([frame, extra]).drop_duplicates().reset_index(drop=True)
    frame = frame.iloc[:n]
    if joint:
        # one plan: a village that moves gets no in-place money at its old site; other
        # villages' needs fill the instance back up to n candidates
        movers = set(frame.loc[frame["kind"] == "resettlement", "village"])
        in_place = frame["kind"].map({k: v[2] for k, v in KINDS.items()}).astype(bool)
        keep = frame[~(in_place & frame["village"].isin(movers))]
        extra = pd.DataFrame(
            {"village": n_villages * 2 + np.arange(n), "kind": rng.choice(["road", "water"], n)}
        )
        frame = pd.concat([keep, extra]).iloc[:n].reset_index(drop=True)
    mean = frame["kind"].map({k: v[0] for k, v in KINDS.items()}).to_numpy()
    cost = np.round(mean * rng.lognormal(0.0, 0.5, n), 1)
    score = rng.random(n)
    households = rng.integers(20, 200, n)
    vid = "V" + frame["village"].astype(str).str.zfill(6)
    cands = pd.DataFrame(
        {
            "intervention_id": frame["kind"] + ":" + vid,
            "kind": frame["kind"],
            "level": "village",
            "village_id": vid,
            "commune_code": "C" + (frame["village"] // 8).astype(str),
            "district_code": "D" + (frame["village"] % 10).astype(str),
            "relocation": frame["kind"] == "resettlement",
            "in_place": frame["kind"].map({k: v[2] for k, v in KINDS.items()}),
            "cost": cost,
            "beneficiaries": households,
            "score": score,
            "benefit": score * households,
        }
    )
    total = float(cost.sum())
    per_line = 0.40 * total / (len(PROGRAMMES) * 2 * len(YEARS))
    budgets = [
        BudgetLine(programme=p, source=s, amount=per_line * f)
        for p in PROGRAMMES
        for s, f in (("central", 1.5), ("provincial", 0.5))
    ]
    interventions = {
        k: InterventionSpec(
            unit_cost=1.0,
            relocation=v[1],
            in_place=v[2],
            funding=[
                FundingOption(programme=p, shares={"central": 0.8, "provincial": 0.2}) for p in v[3]
            ],
        )
        for k, v in KINDS.items()
    }
    config = AllocationConfig(
        years=YEARS,
        programmes={p: ProgrammeSpec() for p in PROGRAMMES},
        budgets=budgets,
        interventions=interventions,
        carry_over=carry_over,
        mip_rel_gap=0.005,
    )
    return cands, config


def scale_instance(n_villages: int, n_sites: int, seed: int) -> tuple[gpd.GeoDataFrame, ...]:
    """Villages and sites scattered over a 200 x 150 km province, 10 districts."""
    rng = np.random.default_rng(seed)
    vx, vy = rng.uniform(0, 200_000, n_villages), rng.uniform(0, 150_000, n_villages)
    sx, sy = rng.uniform(0, 200_000, n_sites), rng.uniform(0, 150_000, n_sites)
    villages = gpd.GeoDataFrame(
        {
            "village_id": [f"V{i:06d}" for i in range(n_villages)],
            "commune_code": [
                f"C{int(x // 10_000)}-{int(y // 10_000)}" for x, y in zip(vx, vy, strict=True)
            ],
            "district_code": [f"D{int(x // 40_000)}" for x in vx],
            "households": rng.integers(20, 200, n_villages),
            "resettlement_class": rng.integers(1, 4, n_villages),
            "resettlement_rank": np.arange(1, n_villages + 1),
        },
        geometry=gpd.points_from_xy(vx, vy),
        crs="EPSG:3405",
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:05d}" for i in range(n_sites)],
            "commune_code": [
                f"C{int(x // 10_000)}-{int(y // 10_000)}" for x, y in zip(sx, sy, strict=True)
            ],
            "district_code": [f"D{int(x // 40_000)}" for x in sx],
            "capacity_hh": rng.integers(100, 3000, n_sites),
        },
        geometry=gpd.points_from_xy(sx, sy).buffer(50),
        crs="EPSG:3405",
    )
    return villages, sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["joint", "scale"], default="joint")
    parser.add_argument("--n", type=int, default=10_000, help="candidates (joint) or villages")
    parser.add_argument("--sites", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--carry-over", action="store_true")
    parser.add_argument("--gap", type=float, default=0.005, help="mip_rel_gap")
    args = parser.parse_args()
    out: dict[str, object] = {
        "mode": args.mode,
        "machine": platform.processor() or platform.machine(),
    }
    start = time.perf_counter()
    if args.mode == "scale":
        villages, sites = scale_instance(args.n, args.sites, args.seed)
        config = AssignmentConfig(
            max_distance_m=15_000.0, max_travel_min=240.0, straight_line_kmh=4.0
        )
        t0 = time.perf_counter()
        assignment = assign_villages(villages, sites, config)
        s = assignment.summary
        out.update(
            villages=args.n,
            sites=args.sites,
            pairs=s["candidate_pairs"],
            model_pairs=s["model_pairs"],
            components=s["milp"]["components"],
            solves=s["milp"]["solves"],
            status=s["milp"]["status"],
            gap=s["milp"]["mip_gap"],
            repairs=s["milp"]["priority_repairs"],
            placed_hh=s["milp"]["households_placed"],
            greedy_placed_hh=s["greedy"]["households_placed"],
            placed_by_class=s["milp"]["households_placed_by_class"],
            greedy_by_class=s["greedy"]["households_placed_by_class"],
            assignment_s=round(time.perf_counter() - t0, 2),
        )
    else:
        cands, config = make_instance(args.n, args.seed, carry_over=args.carry_over)
        config = config.model_copy(update={"mip_rel_gap": args.gap})
        model = build_model(cands.reset_index(drop=True), config)
        t0 = time.perf_counter()
        greedy_plan(cands.reset_index(drop=True), model, config)
        greedy_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = allocate_budget(cands, config, duals=False)
        total_s = time.perf_counter() - t0
        s = result.summary
        out.update(
            candidates=args.n,
            programmes=len(PROGRAMMES),
            years=len(YEARS),
            variables=s["variables"],
            constraints=s["constraints"],
            method=s["method"],
            status=s["status"],
            gap_pct=round(100 * s["mip_gap"], 4),
            nodes=s["nodes"],
            node_limit=s["node_limit"],
            solve_s=round(total_s, 2),
            greedy_s=round(greedy_s, 3),
            time_ratio_vs_greedy=round(total_s / max(greedy_s, 1e-9), 1),
            benefit_ratio_vs_greedy=round(s["objective"] / s["greedy_objective"], 4),
        )
    out["total_s"] = round(time.perf_counter() - start, 2)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    out["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
