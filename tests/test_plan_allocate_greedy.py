"""The block-tested greedy funds exactly what the one-candidate-at-a-time greedy funded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.config.plan import (
    AllocationConfig,
    BudgetLine,
    FundingOption,
    InterventionSpec,
    MinShare,
    ProgrammeSpec,
)
from geoplan.plan.allocate_greedy import greedy_plan
from geoplan.plan.allocate_model import SHARE_COLUMN, Model, build_model


def reference_greedy(
    cands: pd.DataFrame,
    model: Model,
    config: AllocationConfig,
    *,
    order: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
) -> np.ndarray:
    """The greedy as it was before block testing: one candidate at a time (the reference)."""
    budget = model.budget.copy()
    cum_budget = np.cumsum(budget, axis=1)
    spend = np.zeros_like(budget)
    chosen = np.zeros(len(model.var_cand), bool)
    starts = np.searchsorted(model.var_cand, np.arange(len(cands)))
    ends = np.searchsorted(model.var_cand, np.arange(len(cands)), side="right")
    if order is None:
        order = np.lexsort(
            (
                cands["intervention_id"].to_numpy(),
                -cands["benefit"].to_numpy(),
                -cands["score"].to_numpy(),
            )
        )
    cost = cands["cost"].to_numpy(dtype=float)
    village = cands["village_id"].astype(str).to_numpy()
    is_reloc = (
        cands["relocation"].astype(bool).to_numpy() & (cands["level"] == "village").to_numpy()
    )
    is_inplace = (
        cands["in_place"].astype(bool).to_numpy() & (cands["level"] == "village").to_numpy()
    )
    relocated: set[str] = set()
    upgraded: set[str] = set()
    done = np.zeros(len(cands), bool)
    if fixed is not None and fixed.any():
        chosen |= fixed
        np.add.at(
            spend.T,
            model.var_year[fixed],
            cost[model.var_cand[fixed], None] * model.coef[model.var_opt[fixed]],
        )
        done[model.var_cand[fixed]] = True
        relocated |= set(village[model.var_cand[fixed]][is_reloc[model.var_cand[fixed]]])
        upgraded |= set(village[model.var_cand[fixed]][is_inplace[model.var_cand[fixed]]])

    def fund(i: int) -> bool:
        if (is_inplace[i] and village[i] in relocated) or (is_reloc[i] and village[i] in upgraded):
            return False
        tried = np.arange(starts[i], ends[i])
        if prefer is not None and prefer[i] >= 0:
            tried = np.concatenate([[prefer[i]], tried])
        # Nothing is spent until one fits, so every option and year is checked at once
        # against the same room; the first that fits (in the order tried) is funded.
        years = model.var_year[tried]
        need = cost[i] * model.coef[model.var_opt[tried]]  # (tried, lines)
        if config.carry_over:
            left = cum_budget - np.cumsum(spend, axis=1)
            room = np.minimum.accumulate(left[:, ::-1], axis=1)[:, ::-1][:, years]
        else:
            room = budget[:, years] - spend[:, years]
        fits = (need <= room.T + 1e-9).all(axis=1)
        if not fits.any():
            return False
        k = int(fits.argmax())
        spend[:, years[k]] += need[k]
        chosen[tried[k]] = True
        done[i] = True
        if is_reloc[i]:
            relocated.add(village[i])
        if is_inplace[i]:
            upgraded.add(village[i])
        return True

    # Floors on the budget are met first, each by its own candidates in the same order,
    # so that the baseline is a plan the scenario allows; then everything else in order.
    total_budget = float(budget.sum())
    for ms in config.min_shares:
        if ms.basis != "budget":
            continue
        in_group = cands[SHARE_COLUMN[ms.level]].astype(str).to_numpy() == ms.code
        got = float(cost[done & in_group].sum())
        for i in order:
            if got >= ms.share * total_budget - 1e-9:
                break
            if in_group[i] and not done[i] and fund(i):
                got += cost[i]
    for i in order:
        if not done[i]:
            fund(i)
    return chosen


def instance(seed: int) -> tuple[pd.DataFrame, AllocationConfig]:
    """Random candidates (ties in cost and score, shared villages, co-financing), budgets."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 90))
    kinds = rng.choice(["relocate", "road", "water", "school"], n)
    villages = rng.choice([f"V{k}" for k in range(max(2, n // 3))], n)
    frame = pd.DataFrame(
        {
            "intervention_id": [
                f"{k}:{v}:{i}" for i, (k, v) in enumerate(zip(kinds, villages, strict=True))
            ],
            "kind": kinds,
            "village_id": villages,
            "district_code": rng.choice(["1", "2"], n),
            "cost": rng.integers(1, 12, n).astype(float) * rng.choice([1.0, 2.5], n),
            "score": rng.integers(1, 6, n) / 5.0,
        }
    )
    frame["benefit"] = frame["score"] * rng.integers(1, 40, n)
    frame["level"] = np.where(kinds == "school", "commune", "village")
    frame["commune_code"] = "C" + frame["district_code"]
    frame["relocation"] = frame["kind"] == "relocate"
    frame["in_place"] = frame["kind"].isin(["road", "water"])
    years = [2026, 2027, 2028]
    amounts = rng.integers(0, 25, size=(3, 3)).astype(float)
    budgets = [
        BudgetLine(programme=p, source=s, amount=dict(zip(years, amounts[k].tolist(), strict=True)))
        for k, (p, s) in enumerate((("A", "central"), ("A", "provincial"), ("B", "central")))
    ]
    shared = {"central": 0.7, "provincial": 0.3}
    kinds_spec = {
        "relocate": InterventionSpec(
            unit_cost=1.0,
            relocation=True,
            in_place=False,
            funding=[FundingOption(programme="A", shares=shared), FundingOption(programme="B")],
        ),
        "road": InterventionSpec(unit_cost=1.0, funding=[FundingOption(programme="A")]),
        "water": InterventionSpec(
            unit_cost=1.0, funding=[FundingOption(programme="B"), FundingOption(programme="A")]
        ),
        "school": InterventionSpec(
            unit_cost=1.0, level="commune", funding=[FundingOption(programme="A", shares=shared)]
        ),
    }
    floors = []
    if rng.random() < 0.6:
        share = float(rng.choice([0.05, 0.1, 0.2, 0.3]))
        floors.append(MinShare(level="kind", code="relocate", share=share, basis="budget"))
    if rng.random() < 0.3:
        floors.append(MinShare(level="district", code="2", share=0.1, basis="budget"))
    cfg = AllocationConfig(
        years=years,
        programmes={"A": ProgrammeSpec(), "B": ProgrammeSpec()},
        budgets=budgets,
        interventions=kinds_spec,
        min_shares=floors,
        carry_over=bool(rng.random() < 0.5),
        discount=0.03,
    )
    return frame, cfg


@pytest.mark.parametrize("seed", range(40))
def test_block_greedy_equals_the_one_by_one_greedy(seed):
    frame, cfg = instance(seed)
    model = build_model(frame, cfg)
    nv = len(model.var_cand)
    rng = np.random.default_rng(1000 + seed)
    expected = reference_greedy(frame, model, cfg)
    np.testing.assert_array_equal(greedy_plan(frame, model, cfg), expected)
    # the LP-rounding call: some whole variables fixed, the rest by benefit per cost
    fixed = np.zeros(nv, bool)
    if nv:
        heads = np.unique(model.var_cand, return_index=True)[1]
        fixed[rng.choice(heads, size=len(heads) // 5, replace=False)] = True
    ratio = frame["benefit"].to_numpy() / frame["cost"].to_numpy()
    order = np.argsort(-ratio, kind="stable")
    np.testing.assert_array_equal(
        greedy_plan(frame, model, cfg, order=order, fixed=fixed),
        reference_greedy(frame, model, cfg, order=order, fixed=fixed),
    )
    # the LP-order call: a preferred variable (option and year) for some candidates
    prefer = np.full(len(frame), -1)
    for i in range(len(frame)):
        own = np.flatnonzero(model.var_cand == i)
        if len(own) and rng.random() < 0.7:
            prefer[i] = rng.choice(own)
    order = rng.permutation(len(frame))
    np.testing.assert_array_equal(
        greedy_plan(frame, model, cfg, order=order, prefer=prefer),
        reference_greedy(frame, model, cfg, order=order, prefer=prefer),
    )
    assert expected.any()  # the instances are not all empty: the comparison means something


def test_the_instances_exercise_floors_carry_over_and_conflicts():
    found = {"floor": 0, "carry": 0, "blocked": 0}
    for seed in range(40):
        frame, cfg = instance(seed)
        found["floor"] += bool(cfg.min_shares)
        found["carry"] += cfg.carry_over
        model = build_model(frame, cfg)
        funded = frame.iloc[np.unique(model.var_cand[reference_greedy(frame, model, cfg)])]
        moved = set(funded.loc[funded["relocation"], "village_id"])
        candidates_blocked = frame["in_place"] & frame["village_id"].isin(moved)
        found["blocked"] += bool(candidates_blocked.any())
    assert min(found.values()) >= 5, found
