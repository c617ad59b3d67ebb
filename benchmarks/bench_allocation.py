"""Benchmark the budget allocation MILP against the greedy-by-score peer.

Instance: N candidate interventions (default 10,000) of 6 kinds in villages of
10 districts, 5 programmes x 2 sources x 5 years of budgets (about 40% of the
total cost of all candidates), every kind payable by 2 or 3 programmes, one
relocation per at-risk village that excludes its in-place upgrades (P-NODUP).

Run: ``python benchmarks/bench_allocation.py [--n 10000] [--seed 1] [--carry-over]``.
Prints one JSON line: sizes, MILP time, gap, benefit, greedy benefit and time,
and the ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import pandas as pd

from geoplan.config.plan import (
    AllocationConfig,
    BudgetLine,
    FundingOption,
    InterventionSpec,
    ProgrammeSpec,
)
from geoplan.plan.allocate import _build, _greedy, allocate_budget

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
    n: int, seed: int, *, carry_over: bool = False
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
        time_limit_s=60.0,
        mip_rel_gap=0.005,
    )
    return cands, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--carry-over", action="store_true")
    parser.add_argument("--gap", type=float, default=0.005, help="mip_rel_gap")
    args = parser.parse_args()
    cands, config = make_instance(args.n, args.seed, carry_over=args.carry_over)
    config = config.model_copy(update={"mip_rel_gap": args.gap})

    start = time.perf_counter()
    model = _build(cands.reset_index(drop=True), config)
    t0 = time.perf_counter()
    _greedy(cands.reset_index(drop=True), model, config)
    greedy_s = time.perf_counter() - t0
    build_s = t0 - start

    start = time.perf_counter()
    result = allocate_budget(cands, config, duals=False)
    total_s = time.perf_counter() - start
    s = result.summary
    bound = s["dual_bound"]
    gap_to_bound = (
        (bound - s["objective"]) / bound if bound and np.isfinite(bound) else float("nan")
    )
    print(
        json.dumps(
            {
                "candidates": s["candidates"],
                "variables": s["variables"],
                "constraints": s["constraints"],
                "method": s["method"],
                "status": s["status"],
                "mip_rel_gap": args.gap,
                "mip_gap": s["mip_gap"],
                "gap_to_bound": round(gap_to_bound, 6),
                "solve_s": s["solve_s"],
                "allocate_total_s": round(total_s, 3),
                "build_s": round(build_s, 3),
                "greedy_s": round(greedy_s, 3),
                "objective": s["objective"],
                "greedy_objective": s["greedy_objective"],
                "benefit_ratio_over_greedy": round(s["objective"] / s["greedy_objective"], 4),
                "time_ratio_over_greedy": round(s["solve_s"] / max(greedy_s, 1e-9), 2),
                "carry_over": args.carry_over,
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
