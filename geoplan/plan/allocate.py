"""Budget allocation across programmes, sources and years (HiGHS MILP + greedy baseline).

Model
-----
A binary ``y[i, o, t]`` funds candidate ``i`` through funding option ``o``
(a programme and the shares of its sources) in year ``t``.

* once (P-NODUP): ``sum_{o,t} y[i,o,t] <= 1`` -- one need is funded once
  across programmes and years;
* relocate or upgrade in place, never both (P-NODUP): for every village with
  a relocation candidate ``r`` and each of its in-place candidates ``k``,
  ``sum y[r] + sum y[k] <= 1``;
* budgets: for every programme ``p``, source ``s`` and year ``t``,
  ``sum cost_i * share_{o,s} * y[i,o,t] <= B[p,s,t]``; with ``carry_over``
  a continuous ``c[p,s,t] >= 0`` moves what is left into the next year
  (``spend + c[t] <= B[t] + c[t-1]``);
* minimum shares: the cost funded in a district or commune is at least
  ``share`` times the total budget of the horizon (``basis: budget``) or
  times the total cost funded (``basis: spend``).

Objective: maximise ``sum benefit_i * (1 - discount)^(t - t0) * y[i,o,t]``;
the discount makes earlier funding worth more, which phases the plan.

Solved by HiGHS with a node limit scaled to the model (never a time limit):
the LP relaxation gives the bound and shadow prices, greedy-by-score and an
LP-rounding heuristic give starting plans, and the MILP starts from the better
of them.  The status says what was proven: ``optimal`` within 0.01%,
``feasible`` with the proven gap, or ``heuristic``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from geoplan.config.plan import AllocationConfig
from geoplan.errors import AllocationError
from geoplan.memory import release_freed_memory
from geoplan.plan._solver import MipResult, node_limit, solve_mip, status_text
from geoplan.plan.allocate_frames import allocation_frame, binding_sentences, budget_frame
from geoplan.plan.allocate_greedy import greedy_plan
from geoplan.plan.allocate_model import SHARE_COLUMN, Model, budget_table, build_model

__all__ = ["AllocationResult", "allocate_budget", "budget_table"]


@dataclass
class AllocationResult:
    """Result of :func:`allocate_budget`.

    Attributes
    ----------
    allocation
        One row per candidate: what is funded, when, by whom (see
        ``ALLOCATION_COLUMNS``), with the greedy choice beside it.
    budget_use
        One row per (programme, source, year): budget, spend by the optimum
        and by greedy, slack, LP shadow price, binding flag.
    summary
        Objective and benefit of both methods, gap, status, sizes, binding
        constraints (as sentences), minimum-share checks.
    """

    allocation: pd.DataFrame
    budget_use: pd.DataFrame
    summary: dict[str, Any]


def _solve(
    model: Model,
    config: AllocationConfig,
    rows: np.ndarray | None = None,
    *,
    start: np.ndarray | None = None,
) -> MipResult:
    """Solve the MILP (or the rows ``rows`` of it) with the deterministic node limit."""
    a, b = (model.a_ub, model.b_ub) if rows is None else (model.a_ub[rows], model.b_ub[rows])
    nv = len(model.var_cand)
    if len(model.c) == 0:
        # nothing can be funded: feasible unless a minimum share asks for money
        ok = bool(np.all(b >= -1e-9))
        return MipResult(
            np.zeros(0) if ok else None, 0.0, 0.0, 0.0, "optimal" if ok else "infeasible", 0
        )
    full_start = None
    if start is not None:
        full_start = np.concatenate([start.astype(float), _carry(model, start)])
    return solve_mip(
        model.c,
        a,
        np.full(len(b), -np.inf),
        b,
        lower=np.zeros(len(model.c)),
        upper=np.concatenate([np.ones(nv), np.full(model.n_carry, np.inf)]),
        integer=np.concatenate([np.ones(nv, bool), np.zeros(model.n_carry, bool)]),
        nodes=node_limit(len(model.c), work=config.node_work),
        rel_gap=config.mip_rel_gap,
        start=full_start,
    )


def _largest_variable(model: Model, x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: its total value in the relaxation ``x`` and its largest variable (or -1)."""
    value = np.bincount(model.var_cand, weights=x, minlength=n)
    prefer = np.full(n, -1)
    order = np.lexsort((-x, model.var_cand))  # each candidate's largest variable first
    head = order[np.r_[True, np.diff(model.var_cand[order]) > 0]] if len(order) else order
    positive = x[head] > 1e-6
    prefer[model.var_cand[head[positive]]] = head[positive]
    return value, prefer


@dataclass(frozen=True)
class _Restricted:
    x: np.ndarray | None
    nodes: int


def _restricted(
    model: Model, config: AllocationConfig, support: np.ndarray, start: np.ndarray
) -> _Restricted:
    """Solve the MILP over the candidates the LP relaxation or ``start`` fund at all.

    Every other candidate stays unfunded, so the plan is feasible for the whole model; the
    restriction keeps the LP optimum, so its plan is usually within a few candidates of it.
    """
    nv = len(model.var_cand)
    keep_cand = np.zeros(int(model.var_cand.max()) + 1 if nv else 0, bool)
    keep_cand[model.var_cand[support | start]] = True
    cols = np.concatenate(
        [np.flatnonzero(keep_cand[model.var_cand]), nv + np.arange(model.n_carry)]
    )
    a = model.a_ub[:, cols]
    rows = np.flatnonzero((np.diff(a.indptr) > 0) | (model.b_ub < 0))
    n_sub = len(cols) - model.n_carry
    full_start = np.concatenate([start.astype(float), _carry(model, start)])
    res = solve_mip(
        model.c[cols],
        a[rows],
        np.full(len(rows), -np.inf),
        model.b_ub[rows],
        lower=np.zeros(len(cols)),
        upper=np.concatenate([np.ones(n_sub), np.full(model.n_carry, np.inf)]),
        integer=np.concatenate([np.ones(n_sub, bool), np.zeros(model.n_carry, bool)]),
        nodes=node_limit(len(cols), work=config.node_work),
        rel_gap=config.mip_rel_gap,
        start=full_start[cols],
    )
    if res.x is None:
        return _Restricted(None, res.nodes)
    x = np.zeros(nv, bool)
    x[cols[:n_sub]] = res.x[:n_sub] > 0.5
    return _Restricted(x, res.nodes)


def _carry(model: Model, sel: np.ndarray) -> np.ndarray:
    """Carry-over amounts that make a 0/1 plan feasible: what each line leaves unspent."""
    if not model.n_carry:
        return np.zeros(0)
    nl, nt = model.budget.shape
    spend = np.asarray(model.a_ub[model.budget_rows][:, : len(model.var_cand)] @ sel.astype(float))
    spend = spend.reshape(nl, nt)
    carry = np.zeros((nl, nt))
    for t in range(nt):
        before = carry[:, t - 1] if t else 0.0
        carry[:, t] = np.maximum(model.budget[:, t] + before - spend[:, t], 0.0)
    return carry.ravel()


def _diagnose_infeasible(model: Model, config: AllocationConfig) -> AllocationError:
    base = np.setdiff1d(np.arange(len(model.b_ub)), model.share_rows)
    culprits: list[str] = []
    for r in model.share_rows:
        res = _solve(model, config, np.concatenate([base, [r]]))
        if res.status == "infeasible":
            need = -model.b_ub[r]
            culprits.append(f"'{model.row_names[r]}' (needs {need:,.0f} {config.currency})")
    if culprits:
        text = "; ".join(culprits)
        msg = (
            f"budget allocation is infeasible: {text} cannot be met with the candidate "
            "interventions and budgets of that area; lower the share in "
            "plan.allocation.min_shares or add candidates"
        )
    else:
        listed = ", ".join(f"'{model.row_names[r]}'" for r in model.share_rows)
        msg = (
            f"budget allocation is infeasible: the minimum shares {listed} cannot all be met "
            "together; "
            "lower some of them in plan.allocation.min_shares"
        )
    return AllocationError(msg)


def allocate_budget(
    candidates: pd.DataFrame,
    config: AllocationConfig,
    *,
    duals: bool = True,
) -> AllocationResult:
    """Choose the interventions that maximise benefit within the yearly budgets.

    Parameters
    ----------
    candidates
        From :func:`geoplan.plan.interventions.build_candidates`
        (``intervention_id``, ``kind``, ``level``, ``village_id``,
        ``commune_code``, ``district_code``, ``relocation``, ``in_place``,
        ``cost``, ``score``, ``benefit``).
    config
        The scenario's ``plan.allocation`` section.
    duals
        Also solve the LP relaxation for shadow prices of the budgets.

    Returns
    -------
    AllocationResult
        The allocation table, budget use and a summary.

    Raises
    ------
    AllocationError
        If the minimum shares cannot be met; the message names them.
    """
    cands = candidates.reset_index(drop=True)
    _check_kinds_and_floors(cands, config)
    model = build_model(cands, config)
    nv = len(model.var_cand)
    release_freed_memory()  # what building the candidates and the model freed, before the LP

    # The LP relaxation gives an upper bound, shadow prices and a rounding heuristic; the
    # MILP (whole, or over the LP's support for a large model) then improves the best plan.
    lp_x, lp_bound, lp_prices = _relaxation(model)
    release_freed_memory()  # the LP solver's copies of a large model
    if lp_x is None:
        raise _diagnose_infeasible(model, config)
    search = _heuristic_plans(cands, model, config, lp_x[:nv], lp_bound)
    if search.whole:
        _improve_by_milp(search, model, config)
    else:
        _improve_on_lp_support(search, model, config, lp_x[:nv], len(cands))
    best = search.best
    if best is None:
        msg = (
            "budget allocation: HiGHS found no feasible plan within its node limit; "
            "raise plan.allocation.node_work"
        )
        raise AllocationError(msg)
    if not duals:
        lp_prices = np.full(len(model.b_ub), np.nan)

    x, g = search.plans[best], search.plans["greedy"]
    allocation = allocation_frame(cands, model, config, x, g=g, method=best)
    budget_use = budget_frame(model, config, x, g=g, prices=lp_prices, cands=cands)
    summary = _summary(cands, model, config, search, best=best, budget_use=budget_use)
    summary["binding"] = binding_sentences(model, config, budget_use, x, lp_prices)
    return AllocationResult(allocation, budget_use, summary)


def _check_kinds_and_floors(cands: pd.DataFrame, config: AllocationConfig) -> None:
    """Raise :class:`AllocationError` for unknown kinds or a level's floors over 100%."""
    unknown_kinds = sorted(set(cands["kind"]) - set(config.interventions))
    if unknown_kinds:
        msg = f"candidate kinds {unknown_kinds} are not in plan.allocation.interventions"
        raise AllocationError(msg)
    # Floors of one level share the same budget; floors of different levels overlap
    # (a district's money may also be resettlement money), so each level is checked alone.
    for level in SHARE_COLUMN:
        total = sum(
            ms.share for ms in config.min_shares if ms.basis == "budget" and ms.level == level
        )
        if total > 1 + 1e-9:
            msg = (
                f"minimum shares of the budget for level '{level}' add up to {total:.1%} > "
                "100%; lower them in plan.allocation.min_shares"
            )
            raise AllocationError(msg)


@dataclass
class _Search:
    """The plans found so far, the values of those that meet the floors, the best one.

    ``bound`` is the best proven upper bound of the objective; ``whole`` says
    whether the model is small enough for the MILP over all its variables.
    """

    plans: dict[str, np.ndarray]
    values: dict[str, float]
    best: str | None
    bound: float
    whole: bool
    nodes: int = 0

    def unproven(self, rel_gap: float) -> bool:
        """Return whether no plan is known yet within ``rel_gap`` of the bound."""
        return self.best is None or _gap(self.values[self.best], self.bound) > rel_gap

    def offer(self, name: str, sel: np.ndarray, value: float) -> None:
        """Record the plan ``name``; it becomes the best unless it is worse than the best."""
        self.plans[name] = sel
        self.values[name] = value
        if self.best is None or value >= self.values[self.best] - 1e-9:
            self.best = name


def _heuristic_plans(
    cands: pd.DataFrame, model: Model, config: AllocationConfig, lp_x: np.ndarray, lp_bound: float
) -> _Search:
    """Return the greedy, LP-rounding (and, for a large model, LP-order) plans."""
    nv = len(model.var_cand)
    plans: dict[str, np.ndarray] = {"greedy": greedy_plan(cands, model, config)}
    fixed = lp_x > 1.0 - 1e-6
    ratio = cands["benefit"].to_numpy(dtype=float) / cands["cost"].to_numpy(dtype=float)
    plans["lp_rounding"] = greedy_plan(
        cands, model, config, order=np.argsort(-ratio, kind="stable"), fixed=fixed
    )
    whole = nv <= config.max_milp_variables
    if not whole:
        # a large model: a plan in the LP's order (floors first, each candidate in its LP
        # year where there is room) starts the MILP over the LP's support
        lp_value, prefer = _largest_variable(model, lp_x, len(cands))
        plans["lp_order"] = greedy_plan(
            cands,
            model,
            config,
            order=np.lexsort((np.arange(len(cands)), -ratio, -np.round(lp_value, 6))),
            prefer=prefer,
        )
    feasible = {k: v for k, v in plans.items() if _shares_met(model, v)}
    values = {k: float(-model.c[:nv][v].sum()) for k, v in feasible.items()}
    best = max(values, key=lambda k: values[k]) if values else None
    return _Search(plans, values, best, lp_bound, whole)


def _improve_on_lp_support(
    search: _Search, model: Model, config: AllocationConfig, lp_x: np.ndarray, ncand: int
) -> None:
    """Solve the MILP restricted to the candidates the LP (or the best plan) funds at all.

    Its plan is feasible for the whole model and certified against the whole LP bound.
    """
    if not search.unproven(config.mip_rel_gap):
        return
    nv = len(model.var_cand)
    if search.best is None:
        msg = (
            f"budget allocation: no heuristic plan meets the minimum shares and the model "
            f"({nv:,} variables) is above plan.allocation.max_milp_variables "
            f"({config.max_milp_variables:,}); raise it or lower the minimum shares"
        )
        raise AllocationError(msg)
    sub = _restricted(model, config, lp_x > 1e-6, search.plans[search.best])
    search.nodes += sub.nodes
    if sub.x is not None:
        search.offer("milp", sub.x, float(-model.c[:nv][sub.x].sum()))


def _improve_by_milp(search: _Search, model: Model, config: AllocationConfig) -> None:
    """Solve the whole MILP from the best plan, unless the LP bound already proves it.

    A plan proven within the scenario's gap keeps its heuristic name in the status,
    with the proven gap.
    """
    if not search.unproven(config.mip_rel_gap):
        return
    nv = len(model.var_cand)
    start = search.plans[search.best] if search.best is not None else None
    res = _solve(model, config, start=start)
    if res.status == "infeasible":
        raise _diagnose_infeasible(model, config)
    search.nodes += res.nodes
    if res.x is not None:
        milp = res.x[:nv] > 0.5
        search.offer("milp", milp, float(-model.c[:nv][milp].sum()))
    if np.isfinite(res.bound):
        search.bound = min(search.bound, -float(res.bound))


def _funded_totals(cands: pd.DataFrame, model: Model, sel: np.ndarray) -> dict[str, Any]:
    """Return the objective, benefit, cost and count of what the plan ``sel`` funds."""
    funded = np.zeros(len(cands), bool)
    funded[model.var_cand[sel]] = True
    return {
        "objective": round(float(-model.c[: len(model.var_cand)][sel].sum()), 6),
        "benefit": round(float(cands["benefit"].to_numpy(dtype=float)[funded].sum()), 6),
        "cost": round(float(cands["cost"].to_numpy()[funded].sum()), 3),
        "funded": int(funded.sum()),
    }


def _summary(
    cands: pd.DataFrame,
    model: Model,
    config: AllocationConfig,
    search: _Search,
    *,
    best: str,
    budget_use: pd.DataFrame,
) -> dict[str, Any]:
    """Return the allocation summary (the plan ``best`` vs greedy, gap, status, sizes)."""
    nv = len(model.var_cand)
    obj = search.values[best]
    g = search.plans["greedy"]
    obj_greedy = float(-model.c[:nv][g].sum())
    gap = _gap(obj, search.bound)
    greedy = _funded_totals(cands, model, g)
    return {
        "method": best,
        "status": status_text(gap, best),
        "mip_gap": round(gap, 6),
        "dual_bound": round(search.bound, 6),
        **_funded_totals(cands, model, search.plans[best]),
        **{f"greedy_{key}": value for key, value in greedy.items()},
        "greedy_meets_min_shares": _shares_met(model, g),
        "gain_over_greedy_pct": round(100.0 * (obj - obj_greedy) / obj_greedy, 3)
        if obj_greedy > 0
        else None,
        "candidates": len(cands),
        "variables": len(model.c),
        "constraints": len(model.b_ub),
        "nodes": search.nodes,
        "milp_scope": "whole" if search.whole else "lp_support",
        "node_limit": node_limit(len(model.c), work=config.node_work),
        "total_budget": float(model.budget.sum()),
        "years": list(config.years),
        "currency": config.currency,
        "carry_over": config.carry_over,
        "unspent": round(float(model.budget.sum() - budget_use["spend"].sum()), 3),
    }


def _gap(value: float, bound: float) -> float:
    """Relative gap of a plan's value to an upper bound (0 when both are 0)."""
    if bound <= 0:
        return 0.0
    return max(bound - value, 0.0) / bound


def _relaxation(model: Model) -> tuple[np.ndarray | None, float, np.ndarray]:
    """Solve the LP relaxation.

    Returns its solution (``None`` when infeasible), bound and the shadow
    price of every row.
    """
    prices = np.full(len(model.b_ub), np.nan)
    if len(model.c) == 0:
        ok = bool(np.all(model.b_ub >= -1e-9))
        return (np.zeros(0) if ok else None), 0.0, prices
    nv = len(model.var_cand)
    upper = np.concatenate([np.ones(nv), np.full(model.n_carry, np.inf)])
    lp = linprog(
        model.c,
        A_ub=model.a_ub,
        b_ub=model.b_ub,
        bounds=np.column_stack([np.zeros(len(model.c)), upper]),
        method="highs",
    )
    if lp.status == 2:
        return None, 0.0, prices
    if lp.status != 0:
        msg = f"budget allocation: the LP relaxation failed ({lp.message})"
        raise AllocationError(msg)
    prices = -np.asarray(lp.ineqlin.marginals)
    return np.asarray(lp.x), -float(lp.fun), prices


def _shares_met(model: Model, sel: np.ndarray) -> bool:
    if not model.share_rows:
        return True
    xfull = np.concatenate([sel.astype(float), np.zeros(model.n_carry)])
    lhs = model.a_ub[model.share_rows] @ xfull
    return bool(np.all(lhs <= model.b_ub[model.share_rows] + 1e-6))
