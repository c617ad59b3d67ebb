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
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog
from scipy.sparse import coo_array, csr_array, vstack

from geoplan.config.plan import AllocationConfig, FundingOption
from geoplan.errors import AllocationError
from geoplan.plan._solver import solve_milp

__all__ = ["AllocationResult", "allocate_budget", "budget_table"]

# Candidate column that a minimum share's `level` selects on.
_SHARE_COLUMN = {"district": "district_code", "commune": "commune_code", "kind": "kind"}


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


def _period_ok(config: AllocationConfig, programme: str, year: int) -> bool:
    spec = config.programmes[programme]
    return spec.period is None or spec.period[0] <= year <= spec.period[1]


def budget_table(config: AllocationConfig) -> pd.DataFrame:
    """Return the yearly budget per (programme, source) as a long table.

    Parameters
    ----------
    config
        The scenario's ``plan.allocation`` section.

    Returns
    -------
    pandas.DataFrame
        ``programme``, ``source``, ``year``, ``budget``; a programme's budget
        is 0 outside its period.  Repeated lines add up.
    """
    rows = []
    for line in config.budgets:
        for year in config.years:
            amount = line.for_year(year) if _period_ok(config, line.programme, year) else 0.0
            rows.append((line.programme, line.source, year, amount))
    frame = pd.DataFrame(rows, columns=["programme", "source", "year", "budget"])
    return frame.groupby(["programme", "source", "year"], as_index=False, sort=True)["budget"].sum()


@dataclass
class _Model:
    var_cand: np.ndarray
    var_opt: np.ndarray
    var_year: np.ndarray
    n_carry: int
    c: np.ndarray
    a_ub: csr_array
    b_ub: np.ndarray
    row_names: list[str]
    budget_rows: np.ndarray  # row index of each budget (line, year), -1 when absent
    share_rows: list[int]
    options: list[FundingOption]
    lines: list[tuple[str, str]]
    budget: np.ndarray  # (lines, years)
    coef: np.ndarray  # (options, lines): share of option o paid from line l


def _build(cands: pd.DataFrame, config: AllocationConfig) -> _Model:
    years = list(config.years)
    nt = len(years)
    table = budget_table(config)
    lines = sorted({(p, s) for p, s in zip(table["programme"], table["source"], strict=True)})
    lpos = {ln: k for k, ln in enumerate(lines)}
    budget = np.zeros((len(lines), nt))
    for p, s, y, b in table.itertuples(index=False):
        budget[lpos[(p, s)], years.index(y)] = b

    # funding options, indexed globally; coef[o, l] = share paid by line l
    options: list[FundingOption] = []
    kind_opts: dict[str, list[int]] = {}
    for kind in sorted(config.interventions):
        kind_opts[kind] = []
        for opt in config.interventions[kind].funding:
            kind_opts[kind].append(len(options))
            options.append(opt)
    coef = np.zeros((len(options), len(lines)))
    opt_valid = np.ones(len(options), bool)
    for o, opt in enumerate(options):
        for src, share in opt.shares.items():
            if share <= 0:
                continue
            if (opt.programme, src) not in lpos:
                opt_valid[o] = False
                continue
            coef[o, lpos[(opt.programme, src)]] = share

    # variables: (candidate, option, year), pruned where a needed line has no money
    cost = cands["cost"].to_numpy(dtype=float)
    kinds = cands["kind"].to_numpy()
    vc: list[np.ndarray] = []
    vo: list[np.ndarray] = []
    vy: list[np.ndarray] = []
    cum = np.cumsum(budget, axis=1)
    for kind, opts in kind_opts.items():
        idx = np.flatnonzero(kinds == kind)
        if not len(idx):
            continue
        for o in opts:
            if not opt_valid[o]:
                continue
            used = coef[o] > 0
            for t in range(nt):
                # with carry-over, money of earlier years is available too
                avail = cum[used, t] if config.carry_over else budget[used, t]
                ok = np.all(
                    cost[idx, None] * coef[o, used][None, :] <= avail[None, :] + 1e-9, axis=1
                )
                sel = idx[ok]
                vc.append(sel)
                vo.append(np.full(len(sel), o))
                vy.append(np.full(len(sel), t))
    var_cand = np.concatenate(vc) if vc else np.zeros(0, "int64")
    var_opt = np.concatenate(vo) if vo else np.zeros(0, "int64")
    var_year = np.concatenate(vy) if vy else np.zeros(0, "int64")
    order = np.lexsort((var_year, var_opt, var_cand))
    var_cand, var_opt, var_year = var_cand[order], var_opt[order], var_year[order]
    nv = len(var_cand)
    nl = len(lines)
    n_carry = nl * nt if config.carry_over else 0
    ncol = nv + n_carry

    benefit = cands["benefit"].to_numpy(dtype=float)
    t0 = years[0]
    factor = (1.0 - config.discount) ** (np.asarray(years, float) - t0)
    c = np.concatenate([-benefit[var_cand] * factor[var_year], np.zeros(n_carry)])

    blocks: list[csr_array] = []
    b_ub: list[np.ndarray] = []
    names: list[str] = []
    row = 0

    # once per candidate
    ncand = len(cands)
    a_once = coo_array((np.ones(nv), (var_cand, np.arange(nv))), shape=(ncand, ncol)).tocsr()
    blocks.append(a_once)
    b_ub.append(np.ones(ncand))
    names += [f"once {i}" for i in cands["intervention_id"]]
    row += ncand

    # relocate or upgrade in place, never both
    reloc = cands[cands["relocation"].astype(bool) & (cands["level"] == "village")]
    inplace = cands[cands["in_place"].astype(bool) & (cands["level"] == "village")]
    pairs = reloc.reset_index()[["index", "village_id"]].merge(
        inplace.reset_index()[["index", "village_id"]], on="village_id", suffixes=("_r", "_k")
    )
    if len(pairs):
        starts = np.searchsorted(var_cand, np.arange(ncand))
        ends = np.searchsorted(var_cand, np.arange(ncand), side="right")
        rr: list[np.ndarray] = []
        cc: list[np.ndarray] = []
        for q, (ir, ik) in enumerate(zip(pairs["index_r"], pairs["index_k"], strict=True)):
            cols = np.concatenate(
                [np.arange(starts[ir], ends[ir]), np.arange(starts[ik], ends[ik])]
            )
            rr.append(np.full(len(cols), q))
            cc.append(cols)
        r_all = np.concatenate(rr)
        blocks.append(
            coo_array(
                (np.ones(len(r_all)), (r_all, np.concatenate(cc))), shape=(len(pairs), ncol)
            ).tocsr()
        )
        b_ub.append(np.ones(len(pairs)))
        names += [
            f"P-NODUP {a} / {b}"
            for a, b in zip(
                cands["intervention_id"].to_numpy()[pairs["index_r"]],
                cands["intervention_id"].to_numpy()[pairs["index_k"]],
                strict=True,
            )
        ]
        row += len(pairs)

    # budgets per (line, year)
    vo_coef = coef[var_opt]  # (nv, nl)
    vi, li = np.nonzero(vo_coef)
    vals = cost[var_cand[vi]] * vo_coef[vi, li]
    brow = li * nt + var_year[vi]
    rows_b = [brow]
    cols_b = [vi]
    data_b = [vals]
    if config.carry_over:
        # spend[l,t] + c[l,t] - c[l,t-1] <= B[l,t]
        for l_ in range(nl):
            for t in range(nt):
                rows_b.append(np.array([l_ * nt + t]))
                cols_b.append(np.array([nv + l_ * nt + t]))
                data_b.append(np.array([1.0]))
                if t:
                    rows_b.append(np.array([l_ * nt + t]))
                    cols_b.append(np.array([nv + l_ * nt + t - 1]))
                    data_b.append(np.array([-1.0]))
    a_b = coo_array(
        (np.concatenate(data_b), (np.concatenate(rows_b), np.concatenate(cols_b))),
        shape=(nl * nt, ncol),
    ).tocsr()
    blocks.append(a_b)
    b_ub.append(budget.ravel())
    budget_rows = row + np.arange(nl * nt)
    names += [f"budget {p}/{s} {y}" for (p, s) in lines for y in years]
    row += nl * nt

    # minimum shares, written as -lhs <= -rhs
    share_rows: list[int] = []
    total_budget = float(budget.sum())
    var_cost = np.concatenate([cost[var_cand], np.zeros(n_carry)])
    for ms in config.min_shares:
        col = _SHARE_COLUMN[ms.level]
        in_area = np.concatenate(
            [cands[col].astype(str).to_numpy()[var_cand] == ms.code, np.zeros(n_carry, bool)]
        )
        coefs = -var_cost * in_area
        rhs = -ms.share * total_budget
        if ms.basis == "spend":
            coefs = coefs + ms.share * var_cost
            rhs = 0.0
        nz = np.flatnonzero(coefs)
        blocks.append(
            coo_array((coefs[nz], (np.zeros(len(nz), "int64"), nz)), shape=(1, ncol)).tocsr()
        )
        b_ub.append(np.array([rhs]))
        names.append(f"minimum share {ms.level} {ms.code} {ms.share:.1%} of {ms.basis}")
        share_rows.append(row)
        row += 1

    a_ub = csr_array(vstack(blocks, format="csr"))
    return _Model(
        var_cand,
        var_opt,
        var_year,
        n_carry,
        c,
        a_ub,
        np.concatenate(b_ub),
        names,
        budget_rows,
        share_rows,
        options,
        lines,
        budget,
        coef,
    )


def _solve(
    model: _Model,
    config: AllocationConfig,
    rows: np.ndarray | None = None,
    *,
    time_limit: float | None = None,
) -> Any:
    a, b = (model.a_ub, model.b_ub) if rows is None else (model.a_ub[rows], model.b_ub[rows])
    nv = len(model.var_cand)
    if len(model.c) == 0:
        # nothing can be funded: feasible unless a minimum share asks for money
        ok = bool(np.all(b >= -1e-9))
        return SimpleNamespace(
            status=0 if ok else 2,
            x=np.zeros(0) if ok else None,
            mip_gap=0.0,
            mip_dual_bound=0.0,
            message="no variable",
        )
    integrality = np.concatenate([np.ones(nv), np.zeros(model.n_carry)])
    upper = np.concatenate([np.ones(nv), np.full(model.n_carry, np.inf)])
    return solve_milp(
        model.c,
        constraints=[LinearConstraint(a, -np.inf, b)],
        integrality=integrality,
        bounds=Bounds(np.zeros(len(model.c)), upper),
        options={
            "time_limit": config.time_limit_s if time_limit is None else time_limit,
            "mip_rel_gap": config.mip_rel_gap,
        },
    )


def _diagnose_infeasible(model: _Model, config: AllocationConfig) -> AllocationError:
    base = np.setdiff1d(np.arange(len(model.b_ub)), model.share_rows)
    culprits: list[str] = []
    for r in model.share_rows:
        res = _solve(model, config, np.concatenate([base, [r]]))
        if res.status == 2:
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


def _greedy(
    cands: pd.DataFrame,
    model: _Model,
    config: AllocationConfig,
    *,
    order: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """Fund candidates in ``order``, each in the first year and option with room.

    The default order is greedy-by-score (score, then benefit, descending);
    ``fixed`` variables are funded first (the LP-rounding heuristic passes
    the variables at 1 in the relaxation and orders the rest by
    benefit / cost).
    """
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
        for v in range(starts[i], ends[i]):
            o, t = model.var_opt[v], model.var_year[v]
            need = cost[i] * model.coef[o]
            if config.carry_over:
                room = (cum_budget - np.cumsum(spend, axis=1))[:, t:].min(axis=1)
            else:
                room = budget[:, t] - spend[:, t]
            if np.all(need <= room + 1e-9):
                spend[:, t] += need
                chosen[v] = True
                done[i] = True
                if is_reloc[i]:
                    relocated.add(village[i])
                if is_inplace[i]:
                    upgraded.add(village[i])
                return True
        return False

    # Floors on the budget are met first, each by its own candidates in the same order,
    # so that the baseline is a plan the scenario allows; then everything else in order.
    total_budget = float(budget.sum())
    for ms in config.min_shares:
        if ms.basis != "budget":
            continue
        in_group = cands[_SHARE_COLUMN[ms.level]].astype(str).to_numpy() == ms.code
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
    years = list(config.years)
    unknown_kinds = sorted(set(cands["kind"]) - set(config.interventions))
    if unknown_kinds:
        msg = f"candidate kinds {unknown_kinds} are not in plan.allocation.interventions"
        raise AllocationError(msg)
    # Floors of one level share the same budget; floors of different levels overlap
    # (a district's money may also be resettlement money), so each level is checked alone.
    for level in _SHARE_COLUMN:
        total = sum(
            ms.share for ms in config.min_shares if ms.basis == "budget" and ms.level == level
        )
        if total > 1 + 1e-9:
            msg = (
                f"minimum shares of the budget for level '{level}' add up to {total:.1%} > "
                "100%; lower them in plan.allocation.min_shares"
            )
            raise AllocationError(msg)
    start = time.perf_counter()
    model = _build(cands, config)
    build_s = time.perf_counter() - start
    nv = len(model.var_cand)

    start = time.perf_counter()
    # 1. LP relaxation: an upper bound, shadow prices, and a rounding heuristic
    lp_x, lp_bound, lp_prices, reduced = _relaxation(model)
    if lp_x is None:
        raise _diagnose_infeasible(model, config)
    g = _greedy(cands, model, config)
    plans: dict[str, np.ndarray] = {"greedy": g}
    fixed = lp_x[:nv] > 1.0 - 1e-6
    ratio = cands["benefit"].to_numpy(dtype=float) / cands["cost"].to_numpy(dtype=float)
    plans["lp_rounding"] = _greedy(
        cands, model, config, order=np.argsort(-ratio, kind="stable"), fixed=fixed
    )
    feasible = {k: v for k, v in plans.items() if _shares_met(model, v)}
    values = {k: float(-model.c[:nv][v].sum()) for k, v in feasible.items()}
    best = max(values, key=lambda k: values[k]) if values else None
    bound = lp_bound
    status = "optimal"
    if nv and (best is None or _gap(values[best], bound) > config.mip_rel_gap):
        fix = _restricted(model, config, lp_x, reduced)
        if fix.x is not None:
            plans["lp_and_fix"] = fix.x[:nv] > 0.5
            values["lp_and_fix"] = float(-model.c[:nv][plans["lp_and_fix"]].sum())
            if best is None or values["lp_and_fix"] > values[best]:
                best = "lp_and_fix"

    # 2. the MILP, unless a heuristic plan is already proven within the gap by the LP bound
    if best is None or _gap(values[best], bound) > config.mip_rel_gap:
        left = config.time_limit_s - (time.perf_counter() - start)
        res = _solve(model, config, time_limit=max(left, 1.0))
        if res.status == 2:
            raise _diagnose_infeasible(model, config)
        if res.x is not None:
            plans["milp"] = res.x[:nv] > 0.5
            values["milp"] = float(-model.c[:nv][plans["milp"]].sum())
            if best is None or values["milp"] >= values[best] - 1e-9:
                best = "milp"
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            bound = min(bound, -float(dual))
        if best is None:
            msg = (
                f"budget allocation: HiGHS found no feasible plan within {config.time_limit_s:g} s "
                f"({res.message}); raise plan.allocation.time_limit_s"
            )
            raise AllocationError(msg)
        status = "optimal" if res.status == 0 else "time_limit"
    solve_s = time.perf_counter() - start
    x = plans[best]
    obj = values[best]
    obj_greedy = float(-model.c[:nv][g].sum())
    share_ok_greedy = _shares_met(model, g)
    gap = _gap(obj, bound)
    if gap <= config.mip_rel_gap + 1e-12:
        status = "optimal"
    if not duals:
        lp_prices = np.full(len(model.b_ub), np.nan)

    allocation = _allocation_frame(cands, model, config, x, g=g, method=best)
    budget_use = _budget_frame(model, config, x, g=g, prices=lp_prices, cands=cands)
    binding = _binding(model, config, budget_use, x, lp_prices)
    benefit = cands["benefit"].to_numpy(dtype=float)
    funded_m = np.zeros(len(cands), bool)
    funded_m[model.var_cand[x]] = True
    funded_g = np.zeros(len(cands), bool)
    funded_g[model.var_cand[g]] = True
    summary: dict[str, Any] = {
        "method": best,
        "status": status,
        "mip_gap": round(gap, 6),
        "dual_bound": round(bound, 6),
        "objective": round(obj, 6),
        "benefit": round(float(benefit[funded_m].sum()), 6),
        "cost": round(float(cands["cost"].to_numpy()[funded_m].sum()), 3),
        "funded": int(funded_m.sum()),
        "greedy_objective": round(obj_greedy, 6),
        "greedy_benefit": round(float(benefit[funded_g].sum()), 6),
        "greedy_cost": round(float(cands["cost"].to_numpy()[funded_g].sum()), 3),
        "greedy_funded": int(funded_g.sum()),
        "greedy_meets_min_shares": share_ok_greedy,
        "gain_over_greedy_pct": round(100.0 * (obj - obj_greedy) / obj_greedy, 3)
        if obj_greedy > 0
        else None,
        "candidates": len(cands),
        "variables": len(model.c),
        "constraints": len(model.b_ub),
        "build_s": round(build_s, 3),
        "solve_s": round(solve_s, 3),
        "total_budget": float(model.budget.sum()),
        "years": years,
        "currency": config.currency,
        "carry_over": config.carry_over,
        "unspent": round(float(model.budget.sum() - budget_use["spend"].sum()), 3),
        "binding": binding,
    }
    return AllocationResult(allocation, budget_use, summary)


def _gap(value: float, bound: float) -> float:
    """Relative gap of a plan's value to an upper bound (0 when both are 0)."""
    if bound <= 0:
        return 0.0
    return max(bound - value, 0.0) / bound


def _relaxation(model: _Model) -> tuple[np.ndarray | None, float, np.ndarray, np.ndarray]:
    """Solve the LP relaxation.

    Returns its solution (``None`` when infeasible), bound, the shadow price
    of every row and the absolute reduced cost of every column.
    """
    prices = np.full(len(model.b_ub), np.nan)
    if len(model.c) == 0:
        ok = bool(np.all(model.b_ub >= -1e-9))
        return (np.zeros(0) if ok else None), 0.0, prices, np.zeros(0)
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
        return None, 0.0, prices, np.zeros(0)
    if lp.status != 0:
        msg = f"budget allocation: the LP relaxation failed ({lp.message})"
        raise AllocationError(msg)
    prices = -np.asarray(lp.ineqlin.marginals)
    reduced = np.abs(np.asarray(lp.lower.marginals) + np.asarray(lp.upper.marginals))
    return np.asarray(lp.x), -float(lp.fun), prices, reduced


def _restricted(
    model: _Model, config: AllocationConfig, lp_x: np.ndarray, reduced: np.ndarray
) -> Any:
    """Solve the MILP with most variables fixed at their LP value (an LP-and-fix heuristic).

    Free: the fractional variables and the ``free`` variables of smallest
    reduced cost (the ones the LP was nearly indifferent about).
    """
    nv = len(model.var_cand)
    x = lp_x[:nv]
    free = (x > 1e-6) & (x < 1.0 - 1e-6)
    k = min(nv, max(1000, nv // 4))
    free[np.argsort(reduced[:nv], kind="stable")[:k]] = True
    # free every year and option of a candidate once one of its variables is free
    cand_free = np.zeros(int(model.var_cand.max()) + 1, bool)
    cand_free[model.var_cand[free]] = True
    free = cand_free[model.var_cand]
    lower = np.concatenate([np.where(free, 0.0, np.round(x)), np.zeros(model.n_carry)])
    upper = np.concatenate([np.where(free, 1.0, np.round(x)), np.full(model.n_carry, np.inf)])
    integrality = np.concatenate([np.ones(nv), np.zeros(model.n_carry)])
    return solve_milp(
        model.c,
        constraints=[LinearConstraint(model.a_ub, -np.inf, model.b_ub)],
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"time_limit": config.time_limit_s / 4.0, "mip_rel_gap": config.mip_rel_gap / 2.0},
    )


def _shares_met(model: _Model, sel: np.ndarray) -> bool:
    if not model.share_rows:
        return True
    xfull = np.concatenate([sel.astype(float), np.zeros(model.n_carry)])
    lhs = model.a_ub[model.share_rows] @ xfull
    return bool(np.all(lhs <= model.b_ub[model.share_rows] + 1e-6))


def _option_text(opt: FundingOption) -> str:
    return "+".join(s for s, v in sorted(opt.shares.items()) if v > 0)


def _allocation_frame(
    cands: pd.DataFrame,
    model: _Model,
    config: AllocationConfig,
    x: np.ndarray,
    *,
    g: np.ndarray,
    method: str,
) -> pd.DataFrame:
    years = np.asarray(config.years)
    out = cands.copy()
    n = len(out)
    sources = sorted({s for _, s in model.lines})

    def pick(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        opt = np.full(n, -1)
        yr = np.full(n, -1)
        opt[model.var_cand[sel]] = model.var_opt[sel]
        yr[model.var_cand[sel]] = model.var_year[sel]
        return opt, yr, opt >= 0

    opt, yr, funded = pick(x)
    gopt, gyr, gfunded = pick(g)
    out["funded"] = funded
    out["year"] = pd.array(np.where(funded, years[np.maximum(yr, 0)], 0), dtype="Int64")
    out.loc[~funded, "year"] = pd.NA
    out["programme"] = [model.options[o].programme if o >= 0 else "" for o in opt]
    out["source"] = [_option_text(model.options[o]) if o >= 0 else "" for o in opt]
    for s in sources:
        share = np.array([model.options[o].shares.get(s, 0.0) if o >= 0 else 0.0 for o in opt])
        out[f"cost_{s}"] = np.round(out["cost"].to_numpy() * share, 3)
    factor = (1.0 - config.discount) ** (years[np.maximum(yr, 0)] - years[0])
    out["benefit_discounted"] = np.where(funded, out["benefit"].to_numpy() * factor, 0.0)
    out["method"] = method
    out["greedy_funded"] = gfunded
    out["greedy_year"] = pd.array(np.where(gfunded, years[np.maximum(gyr, 0)], 0), dtype="Int64")
    out.loc[~gfunded, "greedy_year"] = pd.NA
    out["greedy_programme"] = [model.options[o].programme if o >= 0 else "" for o in gopt]
    out = out.assign(_f=~out["funded"], _y=out["year"].fillna(9999))
    out = out.sort_values(
        ["_f", "_y", "score", "intervention_id"], ascending=[True, True, False, True], kind="stable"
    )
    return out.drop(columns=["_f", "_y"]).reset_index(drop=True)


def _budget_frame(
    model: _Model,
    config: AllocationConfig,
    x: np.ndarray,
    *,
    g: np.ndarray,
    prices: np.ndarray,
    cands: pd.DataFrame,
) -> pd.DataFrame:
    nt = len(config.years)
    cost = cands["cost"].to_numpy(dtype=float)

    def spend(sel: np.ndarray) -> np.ndarray:
        s = np.zeros((len(model.lines), nt))
        vo = model.var_opt[sel]
        amounts = cost[model.var_cand[sel], None] * model.coef[vo]
        for k in range(len(model.lines)):
            s[k] = np.bincount(model.var_year[sel], weights=amounts[:, k], minlength=nt)
        return s

    sm, sg = spend(x), spend(g)
    rows = []
    for k, (p, s) in enumerate(model.lines):
        for t, year in enumerate(config.years):
            r = model.budget_rows[k * nt + t]
            rows.append(
                {
                    "programme": p,
                    "source": s,
                    "year": year,
                    "budget": model.budget[k, t],
                    "spend": round(sm[k, t], 3),
                    "spend_greedy": round(sg[k, t], 3),
                    "slack": round(model.budget[k, t] - sm[k, t], 3),
                    "shadow_price": float(prices[r]) if np.isfinite(prices[r]) else np.nan,
                }
            )
    frame = pd.DataFrame(rows)
    frame["binding"] = frame["shadow_price"].fillna(0.0) > 1e-9
    return frame


def _binding(
    model: _Model,
    config: AllocationConfig,
    budget_use: pd.DataFrame,
    x: np.ndarray,
    prices: np.ndarray,
) -> list[str]:
    out: list[str] = []
    for row in budget_use[budget_use["binding"]].itertuples(index=False):
        out.append(
            f"budget {row.programme}/{row.source} {row.year}: {row.spend:,.0f} of "
            f"{row.budget:,.0f} {config.currency} used; one more {config.currency} "
            f"adds {row.shadow_price:.4g} benefit"
        )
    xfull = np.concatenate([x.astype(float), np.zeros(model.n_carry)])
    for r in model.share_rows:
        lhs = float(np.asarray(model.a_ub[[r]] @ xfull).ravel()[0])
        price = prices[r] if np.isfinite(prices[r]) else 0.0
        if price > 1e-9 or abs(lhs - model.b_ub[r]) <= 1e-6 * max(1.0, abs(model.b_ub[r])):
            out.append(
                f"{model.row_names[r]}: binding (LP shadow price {price:.4g}); "
                "the floor moves money away from higher benefits elsewhere"
            )
    return out
