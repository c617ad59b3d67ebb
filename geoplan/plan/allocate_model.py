"""The budget-allocation MILP as matrices: variables, budgets, floors (see :mod:`allocate`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csr_array, vstack

from geoplan.config.plan import AllocationConfig, FundingOption

__all__ = ["SHARE_COLUMN", "Model", "budget_table", "build_model"]

# Candidate column that a minimum share's `level` selects on.
SHARE_COLUMN = {"district": "district_code", "commune": "commune_code", "kind": "kind"}


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
    grouped = frame.groupby(["programme", "source", "year"], as_index=False, sort=True)
    return pd.DataFrame(grouped["budget"].sum())


@dataclass
class Model:
    """The MILP of one allocation: columns (candidate, option, year), rows and budgets."""

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


def build_model(cands: pd.DataFrame, config: AllocationConfig) -> Model:
    """Build the allocation MILP of ``cands`` under ``config`` (see :mod:`allocate`)."""
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
        col = SHARE_COLUMN[ms.level]
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
    return Model(
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
