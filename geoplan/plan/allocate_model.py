"""The budget-allocation MILP as matrices: variables, budgets, floors (see :mod:`allocate`)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    lines, budget = _budget_lines(config, years)
    funding = _funding(config, lines)
    columns = _variables(cands, config, funding, budget)
    c = _objective(cands, config, columns, years)

    rows = _Rows(columns.ncol)
    rows.add(*_once_rows(cands, columns))
    no_duplicate = _no_duplicate_rows(cands, columns)
    if no_duplicate is not None:
        rows.add(*no_duplicate)
    first = rows.add(
        _budget_block(cands, columns, funding.coef, len(years), config.carry_over),
        budget.ravel(),
        [f"budget {p}/{s} {y}" for (p, s) in lines for y in years],
    )
    budget_rows = first + np.arange(budget.size)
    share_rows = [rows.add(*row) for row in _share_rows(cands, config, columns, budget)]

    a_ub = csr_array(vstack(rows.blocks, format="csr"))
    return Model(
        columns.cand,
        columns.opt,
        columns.year,
        columns.n_carry,
        c,
        a_ub,
        np.concatenate(rows.b_ub),
        rows.names,
        budget_rows,
        share_rows,
        funding.options,
        lines,
        budget,
        funding.coef,
    )


def _budget_lines(
    config: AllocationConfig, years: list[int]
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Return the budget lines (programme, source) and their money, shape (lines, years)."""
    table = budget_table(config)
    lines = sorted({(p, s) for p, s in zip(table["programme"], table["source"], strict=True)})
    lpos = {ln: k for k, ln in enumerate(lines)}
    budget = np.zeros((len(lines), len(years)))
    for p, s, y, b in table.itertuples(index=False):
        budget[lpos[(p, s)], years.index(y)] = b
    return lines, budget


@dataclass
class _Funding:
    """The funding options of every kind, indexed globally, and the lines that pay them."""

    options: list[FundingOption]
    kind_options: dict[str, list[int]]  # option indices of each kind
    coef: np.ndarray  # (options, lines): share of option o paid from line l
    valid: np.ndarray  # False when an option needs a line that has no budget at all


def _funding(config: AllocationConfig, lines: list[tuple[str, str]]) -> _Funding:
    """Index the funding options of every kind and the share each line pays of them."""
    lpos = {ln: k for k, ln in enumerate(lines)}
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
    return _Funding(options, kind_opts, coef, opt_valid)


@dataclass
class _Columns:
    """The MILP's columns: one per (candidate, option, year), then the carry-overs."""

    cand: np.ndarray
    opt: np.ndarray
    year: np.ndarray
    n_carry: int  # one carry-over column per (line, year) when money carries over

    @property
    def nv(self) -> int:
        """Return the number of (candidate, option, year) columns."""
        return len(self.cand)

    @property
    def ncol(self) -> int:
        """Return the number of columns, carry-overs included."""
        return len(self.cand) + self.n_carry


def _variables(
    cands: pd.DataFrame, config: AllocationConfig, funding: _Funding, budget: np.ndarray
) -> _Columns:
    """Return the columns (candidate, option, year), pruned where a needed line has no money."""
    nl, nt = budget.shape
    coef = funding.coef
    cost = cands["cost"].to_numpy(dtype=float)
    kinds = cands["kind"].to_numpy()
    vc: list[np.ndarray] = []
    vo: list[np.ndarray] = []
    vy: list[np.ndarray] = []
    cum = np.cumsum(budget, axis=1)
    for kind, opts in funding.kind_options.items():
        idx = np.flatnonzero(kinds == kind)
        if not len(idx):
            continue
        for o in opts:
            if not funding.valid[o]:
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
    n_carry = nl * nt if config.carry_over else 0
    return _Columns(var_cand[order], var_opt[order], var_year[order], n_carry)


def _objective(
    cands: pd.DataFrame, config: AllocationConfig, columns: _Columns, years: list[int]
) -> np.ndarray:
    """Return the cost vector: minus the benefit, discounted to the first year."""
    benefit = cands["benefit"].to_numpy(dtype=float)
    factor = (1.0 - config.discount) ** (np.asarray(years, float) - years[0])
    return np.concatenate(
        [-benefit[columns.cand] * factor[columns.year], np.zeros(columns.n_carry)]
    )


@dataclass
class _Rows:
    """The constraint rows ``A x <= b`` as they are added, block by block, with names."""

    ncol: int
    blocks: list[csr_array] = field(default_factory=list)
    b_ub: list[np.ndarray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, block: csr_array, rhs: np.ndarray, names: list[str]) -> int:
        """Append a block of rows; return the index of its first row."""
        first = self.count
        self.blocks.append(block)
        self.b_ub.append(rhs)
        self.names += names
        self.count += len(rhs)
        return first


_RowBlock = tuple[csr_array, np.ndarray, list[str]]


def _once_rows(cands: pd.DataFrame, columns: _Columns) -> _RowBlock:
    """Return one row per candidate: funded at most once (one option, one year)."""
    ncand, nv = len(cands), columns.nv
    a_once = coo_array(
        (np.ones(nv), (columns.cand, np.arange(nv))), shape=(ncand, columns.ncol)
    ).tocsr()
    return a_once, np.ones(ncand), [f"once {i}" for i in cands["intervention_id"]]


def _no_duplicate_rows(cands: pd.DataFrame, columns: _Columns) -> _RowBlock | None:
    """Return one row per village that may relocate or upgrade in place, never both."""
    reloc = cands[cands["relocation"].astype(bool) & (cands["level"] == "village")]
    inplace = cands[cands["in_place"].astype(bool) & (cands["level"] == "village")]
    pairs = reloc.reset_index()[["index", "village_id"]].merge(
        inplace.reset_index()[["index", "village_id"]], on="village_id", suffixes=("_r", "_k")
    )
    if not len(pairs):
        return None
    ncand = len(cands)
    starts = np.searchsorted(columns.cand, np.arange(ncand))
    ends = np.searchsorted(columns.cand, np.arange(ncand), side="right")
    rr: list[np.ndarray] = []
    cc: list[np.ndarray] = []
    for q, (ir, ik) in enumerate(zip(pairs["index_r"], pairs["index_k"], strict=True)):
        cols = np.concatenate([np.arange(starts[ir], ends[ir]), np.arange(starts[ik], ends[ik])])
        rr.append(np.full(len(cols), q))
        cc.append(cols)
    r_all = np.concatenate(rr)
    block = coo_array(
        (np.ones(len(r_all)), (r_all, np.concatenate(cc))), shape=(len(pairs), columns.ncol)
    ).tocsr()
    names = [
        f"P-NODUP {a} / {b}"
        for a, b in zip(
            cands["intervention_id"].to_numpy()[pairs["index_r"]],
            cands["intervention_id"].to_numpy()[pairs["index_k"]],
            strict=True,
        )
    ]
    return block, np.ones(len(pairs)), names


def _budget_block(
    cands: pd.DataFrame, columns: _Columns, coef: np.ndarray, nt: int, carry_over: bool
) -> csr_array:
    """Return the budget rows, one per (line, year): spend (plus carry-over) within budget."""
    nl, nv = coef.shape[1], columns.nv
    cost = cands["cost"].to_numpy(dtype=float)
    vo_coef = coef[columns.opt]  # (nv, nl)
    vi, li = np.nonzero(vo_coef)
    vals = cost[columns.cand[vi]] * vo_coef[vi, li]
    brow = li * nt + columns.year[vi]
    rows_b = [brow]
    cols_b = [vi]
    data_b = [vals]
    if carry_over:
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
    return coo_array(
        (np.concatenate(data_b), (np.concatenate(rows_b), np.concatenate(cols_b))),
        shape=(nl * nt, columns.ncol),
    ).tocsr()


def _share_rows(
    cands: pd.DataFrame, config: AllocationConfig, columns: _Columns, budget: np.ndarray
) -> list[_RowBlock]:
    """Return one row per minimum share (the floors), written as ``-lhs <= -rhs``."""
    total_budget = float(budget.sum())
    n_carry = columns.n_carry
    var_cost = np.concatenate(
        [cands["cost"].to_numpy(dtype=float)[columns.cand], np.zeros(n_carry)]
    )
    found: list[_RowBlock] = []
    for ms in config.min_shares:
        col = SHARE_COLUMN[ms.level]
        in_area = np.concatenate(
            [cands[col].astype(str).to_numpy()[columns.cand] == ms.code, np.zeros(n_carry, bool)]
        )
        coefs = -var_cost * in_area
        rhs = -ms.share * total_budget
        if ms.basis == "spend":
            coefs = coefs + ms.share * var_cost
            rhs = 0.0
        nz = np.flatnonzero(coefs)
        block = coo_array(
            (coefs[nz], (np.zeros(len(nz), "int64"), nz)), shape=(1, columns.ncol)
        ).tocsr()
        name = f"minimum share {ms.level} {ms.code} {ms.share:.1%} of {ms.basis}"
        found.append((block, np.array([rhs]), [name]))
    return found
