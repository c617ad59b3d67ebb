"""The greedy allocation heuristics: fund candidates in an order, each where it first fits.

:func:`greedy_plan` is the baseline (greedy-by-score), the LP-rounding heuristic (the
relaxation's whole variables first, then by benefit per cost) and the LP-order heuristic
of :mod:`geoplan.plan.allocate`.  The room left on the budget lines changes only when a
candidate is funded, so between two fundings every candidate is judged against the same
room: the candidates are tested a block at a time, and the first one in the order that
fits is funded, exactly as testing them one by one would (the same comparisons on the
same numbers).  On a national instance most candidates no longer fit once the money is
spent; testing them together is what keeps the heuristics in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoplan.config.plan import AllocationConfig
from geoplan.plan.allocate_model import SHARE_COLUMN, Model

__all__ = ["greedy_plan"]

_FIRST_BLOCK = 16  # candidates tested together after a funding; doubled while none fits
_LARGEST_BLOCK = 4096


@dataclass
class _Greedy:
    """The state of one greedy pass: spend per line and year, what is funded or blocked."""

    model: Model
    carry_over: bool
    cost: np.ndarray
    need: np.ndarray  # (variables, lines): what each variable takes from each line
    starts: np.ndarray  # first variable of each candidate
    ends: np.ndarray
    is_reloc: np.ndarray
    is_inplace: np.ndarray
    village_members: list[np.ndarray]  # candidates of each village (by village code)
    village_code: np.ndarray
    prefer: np.ndarray | None
    spend: np.ndarray = field(init=False)
    chosen: np.ndarray = field(init=False)
    done: np.ndarray = field(init=False)
    blocked: np.ndarray = field(init=False)  # would relocate an upgraded village or vice versa
    limit: np.ndarray = field(init=False)  # room + tolerance per line and year

    def __post_init__(self) -> None:
        self.spend = np.zeros_like(self.model.budget)
        self.chosen = np.zeros(len(self.model.var_cand), bool)
        self.done = np.zeros(len(self.cost), bool)
        self.blocked = np.zeros(len(self.cost), bool)
        self._update_room()

    def _update_room(self) -> None:
        budget = self.model.budget
        if self.carry_over:
            left = np.cumsum(budget, axis=1) - np.cumsum(self.spend, axis=1)
            room = np.minimum.accumulate(left[:, ::-1], axis=1)[:, ::-1]
        else:
            room = budget - self.spend
        self.limit = room + 1e-9

    def _mark(self, cands: np.ndarray) -> None:
        """Record ``cands`` as funded: block the other kind of move of their villages."""
        self.done[cands] = True
        for i in cands:
            if self.is_reloc[i] or self.is_inplace[i]:
                members = self.village_members[self.village_code[i]]
                if self.is_reloc[i]:
                    self.blocked[members[self.is_inplace[members]]] = True
                if self.is_inplace[i]:
                    self.blocked[members[self.is_reloc[members]]] = True

    def fix(self, fixed: np.ndarray) -> None:
        """Fund the variables ``fixed`` first, whatever the room."""
        model = self.model
        self.chosen |= fixed
        np.add.at(
            self.spend.T,
            model.var_year[fixed],
            self.cost[model.var_cand[fixed], None] * model.coef[model.var_opt[fixed]],
        )
        self._mark(np.unique(model.var_cand[fixed]))
        self._update_room()

    def _first_fit(self, block: np.ndarray) -> tuple[int, int] | None:
        """Return the first candidate of ``block`` that fits somewhere and its variable."""
        counts = self.ends[block] - self.starts[block]
        if not counts.sum():
            return None
        owner = np.repeat(np.arange(len(block)), counts)
        first = np.repeat(self.starts[block] - np.cumsum(counts) + counts, counts)
        variables = first + np.arange(len(owner))
        years = self.model.var_year[variables]
        fits: np.ndarray = np.all(self.need[variables] <= self.limit[:, years].T, axis=1)
        if not fits.any():
            return None
        at = int(owner[fits.argmax()])
        i = int(block[at])
        if self.prefer is not None and self.prefer[i] >= 0:
            preferred = int(self.prefer[i])
            if fits[(owner == at) & (variables == preferred)].any():
                return i, preferred
        return i, int(variables[fits.argmax()])

    def _fund(self, i: int, variable: int) -> None:
        year = self.model.var_year[variable]
        self.spend[:, year] += self.need[variable]
        self.chosen[variable] = True
        self._mark(np.array([i]))
        self._update_room()

    def scan(
        self,
        order: np.ndarray,
        eligible: np.ndarray,
        *,
        got: float = 0.0,
        floor: float | None = None,
    ) -> None:
        """Fund the ``eligible`` candidates in ``order`` where they fit.

        With ``floor``, stop as soon as ``got`` plus the cost funded (added in funding
        order) reaches it.
        """
        pos, size = 0, _FIRST_BLOCK
        while pos < len(order):
            if floor is not None and got >= floor:
                break
            positions = np.arange(pos, min(pos + size, len(order)))
            block = order[positions]
            keep = eligible[block] & ~self.done[block] & ~self.blocked[block]
            hit = self._first_fit(block[keep])
            if hit is None:
                pos += size
                size = min(2 * size, _LARGEST_BLOCK)
                continue
            i, variable = hit
            self._fund(i, variable)
            got += self.cost[i]
            pos = int(positions[keep][np.flatnonzero(block[keep] == i)[0]]) + 1
            size = _FIRST_BLOCK


def greedy_plan(
    cands: pd.DataFrame,
    model: Model,
    config: AllocationConfig,
    *,
    order: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
) -> np.ndarray:
    """Fund candidates in ``order``, each in the first year and option with room.

    The default order is greedy-by-score (score, then benefit, descending);
    ``fixed`` variables are funded first (the LP-rounding heuristic passes
    the variables at 1 in the relaxation and orders the rest by
    benefit / cost).  ``prefer`` gives, per candidate, a variable (option and
    year) to try first, ``-1`` for none (the LP-order heuristic passes the
    relaxation's largest variable of each candidate).  A candidate is never
    funded where it would relocate a village that is upgraded in place, or the
    reverse.  Floors on the budget (``min_shares`` with ``basis: budget``) are
    met first, each by its own candidates in the same order, so that the plan
    is one the scenario allows; then everything else in order.

    Returns
    -------
    numpy.ndarray
        Boolean per variable of ``model``: funded.
    """
    n = len(cands)
    if order is None:
        order = np.lexsort(
            (
                cands["intervention_id"].to_numpy(),
                -cands["benefit"].to_numpy(),
                -cands["score"].to_numpy(),
            )
        )
    state = _state(cands, model, config, prefer)
    if fixed is not None and fixed.any():
        state.fix(fixed)
    total_budget = float(model.budget.sum())
    for ms in config.min_shares:
        if ms.basis != "budget":
            continue
        in_group = cands[SHARE_COLUMN[ms.level]].astype(str).to_numpy() == ms.code
        got = float(state.cost[state.done & in_group].sum())
        state.scan(np.asarray(order), in_group, got=got, floor=ms.share * total_budget - 1e-9)
    state.scan(np.asarray(order), np.ones(n, bool))
    return state.chosen


def _state(
    cands: pd.DataFrame, model: Model, config: AllocationConfig, prefer: np.ndarray | None
) -> _Greedy:
    n = len(cands)
    cost = cands["cost"].to_numpy(dtype=float)
    village_code, _ = pd.factorize(cands["village_id"].astype(str).to_numpy())
    by_village = np.argsort(village_code, kind="stable")
    bounds = np.flatnonzero(np.diff(village_code[by_village])) + 1
    members: list[Any] = np.split(by_village, bounds) if n else []
    at_village = (cands["level"] == "village").to_numpy()
    return _Greedy(
        model=model,
        carry_over=bool(config.carry_over),
        cost=cost,
        need=cost[model.var_cand][:, None] * model.coef[model.var_opt],
        starts=np.searchsorted(model.var_cand, np.arange(n)),
        ends=np.searchsorted(model.var_cand, np.arange(n), side="right"),
        is_reloc=cands["relocation"].astype(bool).to_numpy() & at_village,
        is_inplace=cands["in_place"].astype(bool).to_numpy() & at_village,
        village_members=members,
        village_code=village_code,
        prefer=prefer,
    )
