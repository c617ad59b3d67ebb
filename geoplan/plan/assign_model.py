"""The site-assignment model: priority classes first, then travel, solved per component.

Binary ``x[v, s]`` sends village ``v`` (``hh_v`` households, priority class
``k_v``) to site ``s`` (capacity ``C_s``) over the candidate pairs:

* each village moves whole, at most once: ``sum_s x[v, s] <= 1``;
* capacity: ``sum_v hh_v x[v, s] <= C_s``.

Lexicographic objective: for the classes ``k = 1, 2, ...`` in turn maximise the
households of class ``k`` placed, ``H_k = sum_{k_v = k} hh_v x[v, s]``, holding
every earlier class at the value it reached (``H_j >= H_j*``); last, minimise
the household-weighted travel cost ``sum hh_v c[v, s] x[v, s]`` holding all of
them.  Villages that share no site do not interact, so each connected component
of the village-site graph is solved alone, warm-started from the greedy plan.
A final repair pass (:func:`enforce_priority`) guarantees the priority rule
even where a node limit stopped HiGHS before it proved a class optimal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array, vstack
from scipy.sparse.csgraph import connected_components

from geoplan.plan._solver import OPTIMAL_GAP, node_limit, solve_mip

__all__ = ["AssignmentSolve", "enforce_priority", "greedy_assignment", "solve_assignment"]


@dataclass
class AssignmentSolve:
    """What :func:`solve_assignment` did: components, solves, worst proven gap, repairs."""

    chosen: np.ndarray
    status: str
    gap: float | None
    components: int
    solves: int
    nodes: int
    heuristic_components: int = 0
    greedy: np.ndarray | None = None


def greedy_assignment(
    pair_v: np.ndarray, pair_s: np.ndarray, pair_c: np.ndarray, hh: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """Villages in priority order (their index order) each take their cheapest site with room.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the chosen pairs.
    """
    free = cap.astype("int64").copy()
    chosen = np.zeros(len(pair_v), bool)
    order = np.lexsort((pair_s, pair_c, pair_v))
    done = np.zeros(int(pair_v.max()) + 1 if len(pair_v) else 0, bool)
    for p in order:
        i, s = pair_v[p], pair_s[p]
        if not done[i] and free[s] >= hh[i]:
            free[s] -= hh[i]
            chosen[p] = True
            done[i] = True
    return chosen


def solve_assignment(
    pair_v: np.ndarray,
    pair_s: np.ndarray,
    pair_c: np.ndarray,
    *,
    hh: np.ndarray,
    cap: np.ndarray,
    tier: np.ndarray,
    work: float,
    rel_gap: float = OPTIMAL_GAP,
    max_exact_pairs: int = 2000,
) -> AssignmentSolve:
    """Solve the lexicographic assignment on the given pairs, one component at a time.

    Parameters
    ----------
    pair_v, pair_s, pair_c
        Village position, site position and cost of each candidate pair;
        villages are numbered in priority order.
    hh, cap
        Households per village, capacity per site.
    tier
        Priority class per village (lower is more urgent).
    work
        Node budget (nodes x variables) of each solve.
    rel_gap
        Gap at which the last (travel) stage may stop.
    max_exact_pairs
        Components with more pairs keep the greedy plan (status ``heuristic``).

    Returns
    -------
    AssignmentSolve
        Chosen pairs, status (``optimal`` / ``feasible`` / ``heuristic``), worst
        proven gap of the exact components (``None`` when none was solved).
    """
    npair = len(pair_v)
    greedy = greedy_assignment(pair_v, pair_s, pair_c, hh, cap)
    chosen = greedy.copy()
    if npair == 0:
        return AssignmentSolve(chosen, "optimal", 0.0, 0, 0, 0, greedy=greedy)
    nvil, nsite = int(pair_v.max()) + 1, int(pair_s.max()) + 1
    graph = coo_array((np.ones(npair), (pair_v, nvil + pair_s)), shape=(nvil + nsite, nvil + nsite))
    _, label = connected_components(graph, directed=False)
    comp = label[pair_v]
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    gaps: list[float] = []
    solves = nodes = heuristic = 0
    for idx in np.split(order, bounds):
        if len(idx) > max_exact_pairs:
            heuristic += 1
            continue
        sel, gap, n_solves, n_nodes = _solve_component(
            pair_v[idx], pair_s[idx], pair_c[idx], hh, cap, tier, chosen[idx], work, rel_gap
        )
        chosen[idx] = sel
        gaps.append(gap)
        solves += n_solves
        nodes += n_nodes
    worst = max(gaps) if gaps else None
    if heuristic:
        status = "heuristic"
    else:
        status = "optimal" if worst is not None and worst <= OPTIMAL_GAP else "feasible"
    return AssignmentSolve(
        chosen,
        status,
        worst,
        len(bounds) + 1,
        solves,
        nodes,
        heuristic_components=heuristic,
        greedy=greedy,
    )


def _solve_component(  # noqa: PLR0917
    pv: np.ndarray,
    ps: np.ndarray,
    pc: np.ndarray,
    hh: np.ndarray,
    cap: np.ndarray,
    tier: np.ndarray,
    start: np.ndarray,
    work: float,
    rel_gap: float,
) -> tuple[np.ndarray, float, int, int]:
    n = len(pv)
    vil, vpos = np.unique(pv, return_inverse=True)
    sit, spos = np.unique(ps, return_inverse=True)
    hh_pair = hh[pv].astype(float)
    tier_pair = tier[pv]
    rows = [
        coo_array((np.ones(n), (vpos, np.arange(n))), shape=(len(vil), n)),
        coo_array((hh_pair, (spos, np.arange(n))), shape=(len(sit), n)),
    ]
    lo = [np.full(len(vil), -np.inf), np.full(len(sit), -np.inf)]
    hi = [np.ones(len(vil)), cap[sit].astype(float)]
    x = start.astype(float)
    limit = node_limit(n, work=work)
    worst, solves, nodes = 0.0, 0, 0
    for k in np.unique(tier_pair):
        in_tier = tier_pair == k
        c = -hh_pair * in_tier
        total = float(hh[np.unique(pv[in_tier])].sum())
        # the objective is whole households: a gap below half a household proves it
        res = _solve(rows, lo, hi, c, x, limit, rel_gap=min(OPTIMAL_GAP, 0.5 / max(total, 1.0)))
        solves += 1
        nodes += max(res[2], 0)
        x = res[0]
        worst = max(worst, res[1] * (1.0 if total > 0 else 0.0))
        reached = float(hh_pair[in_tier] @ (x[in_tier] > 0.5))
        rows.append(coo_array(np.where(in_tier, hh_pair, 0.0)[None, :]))
        lo.append(np.array([reached - 0.5]))
        hi.append(np.array([np.inf]))
    res = _solve(rows, lo, hi, hh_pair * pc, x, limit, rel_gap=rel_gap)
    solves += 1
    nodes += max(res[2], 0)
    return res[0] > 0.5, max(worst, res[1]), solves, nodes


def _solve(  # noqa: PLR0917
    rows: list[coo_array],
    lo: list[np.ndarray],
    hi: list[np.ndarray],
    c: np.ndarray,
    start: np.ndarray,
    limit: int,
    *,
    rel_gap: float,
) -> tuple[np.ndarray, float, int]:
    n = len(c)
    if not np.any(c):
        return start, 0.0, 0
    res = solve_mip(
        c,
        vstack(rows, format="csr"),
        np.concatenate(lo),
        np.concatenate(hi),
        lower=np.zeros(n),
        upper=np.ones(n),
        integer=np.ones(n, bool),
        nodes=limit,
        rel_gap=rel_gap,
        start=start,
    )
    if res.x is None:
        return start, float("inf"), res.nodes
    x = np.round(res.x)
    # HiGHS returns its best plan, never worse than the start; guard the comparison anyway
    if float(c @ x) > float(c @ start) + 1e-9:
        return start, res.gap, res.nodes
    return x, res.gap, res.nodes


def enforce_priority(
    chosen: np.ndarray,
    pair_v: np.ndarray,
    pair_s: np.ndarray,
    pair_c: np.ndarray,
    *,
    hh: np.ndarray,
    cap: np.ndarray,
    tier: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Place unplaced villages where lower-class villages hold room they could use.

    For each unplaced village, most urgent first, look for a reachable site
    where it would fit if the villages of a *lower* priority class there
    left; if there is one, the lowest-priority of them leave (and take their
    cheapest other site with room, or become unplaced) until it fits.  Each
    step places more households of a higher class without removing any of
    that class or above, so the pass ends; after it no village is unplaced
    while a lower class holds a place it could have had.

    Parameters
    ----------
    chosen
        Boolean mask over the pairs (one per placed village).
    pair_v, pair_s, pair_c
        The pairs (all reachable fitting pairs, villages in priority order).
    hh, cap, tier
        Households per village, site capacities, priority class per village.

    Returns
    -------
    tuple
        The repaired mask and the number of villages it moved.
    """
    chosen = chosen.copy()
    if not len(pair_v):
        return chosen, 0
    seats = _Seats.of(chosen, pair_v, pair_s, pair_c, hh=hh, cap=cap, tier=tier)
    moved = 0
    while True:
        hopeful = seats.hopeful()
        if not len(hopeful):
            break
        changed = False
        for v in sorted(hopeful.tolist(), key=lambda i: (int(tier[i]), i)):
            if seats.site_of[v] >= 0:
                continue
            moves = seats.make_room_for(v)
            moved += moves
            changed = changed or moves > 0
        if not changed:
            break
    return chosen, moved


@dataclass
class _Seats:
    """Who sits at which site during :func:`enforce_priority`, and the room left.

    ``chosen`` is the pair mask being repaired, updated in place.
    """

    chosen: np.ndarray
    pair_v: np.ndarray
    pair_s: np.ndarray
    hh: np.ndarray
    tier: np.ndarray
    site_of: np.ndarray  # site of each village, -1 when unplaced
    pair_of: np.ndarray  # chosen pair of each village, -1 when unplaced
    free: np.ndarray  # households' room left at each site
    pairs_of: dict[int, np.ndarray]  # each village's pairs, cheapest first
    occupants: dict[int, set[int]]  # the villages at each site
    levels: np.ndarray  # the priority classes, most urgent first
    tier_idx: np.ndarray  # each village's position in ``levels``

    @classmethod
    def of(
        cls,
        chosen: np.ndarray,
        pair_v: np.ndarray,
        pair_s: np.ndarray,
        pair_c: np.ndarray,
        *,
        hh: np.ndarray,
        cap: np.ndarray,
        tier: np.ndarray,
    ) -> _Seats:
        """Seat the villages of the pairs ``chosen``."""
        nvil = int(pair_v.max()) + 1
        site_of = np.full(nvil, -1)
        pair_of = np.full(nvil, -1)
        site_of[pair_v[chosen]] = pair_s[chosen]
        pair_of[pair_v[chosen]] = np.flatnonzero(chosen)
        free = cap.astype("int64") - np.bincount(
            pair_s[chosen], weights=hh[pair_v[chosen]], minlength=len(cap)
        ).astype("int64")
        by_village = np.split(
            np.lexsort((pair_s, pair_c, pair_v)), np.flatnonzero(np.diff(np.sort(pair_v))) + 1
        )
        pairs_of = {int(pair_v[g[0]]): g for g in by_village}
        occupants: dict[int, set[int]] = {}
        for placed in np.flatnonzero(site_of >= 0).tolist():
            occupants.setdefault(int(site_of[placed]), set()).add(placed)
        levels, tier_idx = np.unique(tier, return_inverse=True)
        return cls(
            chosen,
            pair_v,
            pair_s,
            hh,
            tier,
            site_of,
            pair_of,
            free,
            pairs_of,
            occupants,
            levels,
            tier_idx,
        )

    def hopeful(self) -> np.ndarray:
        """Return the unplaced villages with a pair where room and lower classes would hold them."""
        pair_v, pair_s, hh, site_of = self.pair_v, self.pair_s, self.hh, self.site_of
        levels, tier_idx = self.levels, self.tier_idx
        at_site = np.flatnonzero(site_of >= 0)
        lower_hh = np.zeros((len(self.free), len(levels)))
        for k in range(len(levels)):
            out = at_site[tier_idx[at_site] > k]
            lower_hh[:, k] = np.bincount(site_of[out], weights=hh[out], minlength=len(self.free))
        ok = (site_of[pair_v] < 0) & (
            self.free[pair_s] + lower_hh[pair_s, tier_idx[pair_v]] >= hh[pair_v]
        )
        return np.unique(pair_v[ok])

    def make_room_for(self, v: int) -> int:
        """Seat ``v`` at its first site where lower classes leave room; return the moves made.

        The lowest-priority occupants leave until ``v`` fits, each to its cheapest other
        site with room (or unplaced); 0 when no site of ``v`` can be freed.
        """
        hh, tier = self.hh, self.tier
        for p in self.pairs_of[v]:
            s = self.pair_s[p]
            lower: list[int] = [u for u in self.occupants.get(int(s), ()) if tier[u] > tier[v]]
            if self.free[s] + sum(int(hh[u]) for u in lower) < hh[v]:
                continue
            moved = 0
            for u in sorted(lower, key=lambda i: (-int(tier[i]), -i)):
                if self.free[s] >= hh[v]:
                    break
                self.leave(u)
                moved += 1
                for q in self.pairs_of[u]:
                    if self.pair_s[q] != s and self.free[self.pair_s[q]] >= hh[u]:
                        self.take(u, int(q))
                        break
            self.take(int(v), int(p))
            return moved + 1
        return 0

    def leave(self, u: int) -> None:
        """Unseat village ``u``."""
        self.occupants[int(self.site_of[u])].discard(u)
        self.free[self.site_of[u]] += self.hh[u]
        self.chosen[self.pair_of[u]] = False
        self.site_of[u] = self.pair_of[u] = -1

    def take(self, u: int, p: int) -> None:
        """Seat village ``u`` by its pair ``p``."""
        s = self.pair_s[p]
        self.free[s] -= self.hh[u]
        self.chosen[p] = True
        self.site_of[u], self.pair_of[u] = s, p
        self.occupants.setdefault(int(s), set()).add(u)
