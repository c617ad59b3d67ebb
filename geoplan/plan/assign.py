"""Assign at-risk villages to resettlement sites.

A generalised assignment problem: every village moves whole to one site and
the households sent to a site never exceed its capacity.  Goals, in order:
place as many households as possible, then minimise the household-weighted
cost (straight-line distance plus a penalty for leaving the own commune or
district).  Solved exactly with HiGHS
(``scipy.optimize.milp``, one solve per goal level) on the ``nearest_sites``
cheapest candidate sites of each village; a greedy assignment in priority
order is reported beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geoplan.config.plan import AssignmentConfig
from geoplan.errors import AllocationError
from geoplan.plan._solver import solve_milp

__all__ = ["Assignment", "assign_villages", "at_risk_villages"]

MOVE_COLUMNS = [
    "village_id",
    "village_name",
    "commune_code",
    "district_code",
    "site_id",
    "site_commune_code",
    "households",
    "distance_m",
    "cost_m",
    "same_commune",
    "same_district",
    "priority_rank",
    "method",
    "geometry",
]


@dataclass
class Assignment:
    """Result of :func:`assign_villages`.

    Attributes
    ----------
    moves
        Lines village → site for the exact (MILP) assignment.
    greedy_moves
        The same for the greedy assignment (``method == "greedy"``).
    unplaced
        ``village_id``, ``village_name``, ``households``, ``reason``,
        ``reason_code`` for each at-risk village the MILP could not place.
    sites
        The input sites with ``used_hh`` and ``free_hh`` filled in.
    summary
        Counts, totals and solver status for both methods.
    """

    moves: gpd.GeoDataFrame
    greedy_moves: gpd.GeoDataFrame
    unplaced: pd.DataFrame
    sites: gpd.GeoDataFrame
    summary: dict[str, Any]


def at_risk_villages(villages: pd.DataFrame, config: AssignmentConfig) -> pd.DataFrame:
    """Return the villages that must move: resettlement-eligible, class ≤ ``max_class``.

    Parameters
    ----------
    villages
        Scored villages with ``resettlement_eligible``, ``resettlement_class``
        and ``resettlement_score``.
    config
        The scenario's ``plan.assignment`` section.

    Returns
    -------
    pandas.DataFrame
        The selected rows, in priority order (``resettlement_rank``).
    """
    missing = [
        c for c in ("resettlement_eligible", "resettlement_class") if c not in villages.columns
    ]
    if missing:
        msg = (
            f"villages: field(s) {missing} missing; the resettlement track must be scored "
            "before sites can be assigned (add it under scoring.tracks)"
        )
        raise AllocationError(msg)
    eligible = villages["resettlement_eligible"].fillna(False).astype(bool)
    klass = pd.to_numeric(villages["resettlement_class"], errors="coerce").fillna(0)
    score = pd.to_numeric(villages.get("resettlement_score", 1.0), errors="coerce").fillna(0.0)
    mask = eligible & (klass >= 1) & (klass <= config.max_class) & (score >= config.min_score)
    chosen = villages[mask]
    if "resettlement_rank" in chosen.columns:
        rank = pd.to_numeric(chosen["resettlement_rank"], errors="coerce")
        chosen = chosen.assign(_r=rank.fillna(np.inf)).sort_values(
            ["_r", "village_id"], kind="stable"
        )
        chosen = chosen.drop(columns="_r")
    return chosen


def _points(geoms: gpd.GeoSeries) -> np.ndarray:
    pts = shapely.point_on_surface(np.asarray(geoms.values, dtype=object))
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def _empty_moves(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in MOVE_COLUMNS[:-1]}, geometry=[], crs=crs)


def assign_villages(
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    config: AssignmentConfig,
    *,
    allowed: np.ndarray | None = None,
) -> Assignment:
    """Assign every at-risk village to a site, or say why it cannot be placed.

    Parameters
    ----------
    villages
        The villages that move (e.g. from :func:`at_risk_villages`), scenario
        CRS, with ``village_id``, ``commune_code``, ``district_code`` and the
        households column named by ``config.households_field``.
    sites
        Candidate sites from :func:`geoplan.plan.sites.find_sites`.
    config
        The scenario's ``plan.assignment`` section.
    allowed
        Optional boolean ``(len(villages), len(sites))``: the pairs that may be
        used at all (e.g. :func:`geoplan.plan.site_safety.safer_than_origin`).

    Returns
    -------
    Assignment
        Exact and greedy moves, the unplaced villages with reasons, the sites
        with their use.
    """
    crs = sites.crs if sites.crs is not None else villages.crs
    v = villages.reset_index(drop=True)
    nv, ns = len(v), len(sites)
    hh_col = config.households_field
    if hh_col not in v.columns and nv:
        msg = f"villages: households field '{hh_col}' missing; set plan.assignment.households_field"
        raise AllocationError(msg)
    hh = (
        pd.to_numeric(v[hh_col], errors="coerce").fillna(0).round().astype("int64").to_numpy()
        if nv
        else np.zeros(0, "int64")
    )
    cap = sites["capacity_hh"].to_numpy(dtype="int64")
    vid = v["village_id"].astype(str).to_numpy() if nv else np.zeros(0, dtype=object)
    vcom = v.get("commune_code", pd.Series([""] * nv)).astype(str).to_numpy()
    # no district (2025 structure): one blank district, so scope "district" is the province
    vdis = v.get("district_code", pd.Series([""] * nv)).astype("string").fillna("").to_numpy()
    scom = sites["commune_code"].astype(str).to_numpy()
    sdis = sites.get("district_code", pd.Series([""] * ns)).astype("string").fillna("").to_numpy()

    # candidate pairs: in scope, within reach, village fits the empty site
    reasons: dict[int, tuple[str, str]] = {}
    pv: list[np.ndarray] = []
    ps: list[np.ndarray] = []
    pd_: list[np.ndarray] = []
    pc: list[np.ndarray] = []
    vxy = _points(v.geometry) if nv else np.zeros((0, 2))
    sxy = _points(sites.geometry) if ns else np.zeros((0, 2))
    for i in range(nv):
        if hh[i] <= 0:
            reasons[i] = ("no_households", f"no households recorded in '{hh_col}'")
            continue
        if ns == 0:
            reasons[i] = (
                "no_sites",
                "no site meets the suitability rules anywhere (see plan.sites)",
            )
            continue
        dist = np.hypot(sxy[:, 0] - vxy[i, 0], sxy[:, 1] - vxy[i, 1])
        same_c = scom == vcom[i]
        same_d = sdis == vdis[i]
        in_scope = {"commune": same_c, "district": same_d, "province": np.ones(ns, bool)}[
            config.scope
        ]
        reach = in_scope & (dist <= config.max_distance_m)
        if not reach.any():
            reasons[i] = (
                "out_of_reach",
                f"no suitable site within {config.max_distance_m / 1000:g} km "
                f"in the same {config.scope}",
            )
            continue
        if allowed is not None:
            reach &= allowed[i]
            if not reach.any():
                reasons[i] = ("no_safer_site", "no reachable site is safer than the village")
                continue
        fits = reach & (cap >= hh[i])
        if not fits.any():
            reasons[i] = (
                "too_large",
                f"village ({hh[i]} households) is larger than every reachable site "
                f"(largest holds {int(cap[reach].max())})",
            )
            continue
        cost = (
            dist
            + np.where(same_c, 0.0, config.other_commune_penalty_m)
            + np.where(same_d, 0.0, config.other_district_penalty_m)
        )
        cand = np.flatnonzero(fits)
        cand = cand[np.lexsort((cand, cost[cand]))][: config.nearest_sites]
        pv.append(np.full(len(cand), i))
        ps.append(cand)
        pd_.append(dist[cand])
        pc.append(cost[cand])

    pair_v = np.concatenate(pv) if pv else np.zeros(0, "int64")
    pair_s = np.concatenate(ps) if ps else np.zeros(0, "int64")
    pair_d = np.concatenate(pd_) if pd_ else np.zeros(0)
    pair_c = np.concatenate(pc) if pc else np.zeros(0)

    x, status, gap = _solve_exact(
        pair_v, pair_s, pair_c, hh=hh, cap=cap, ns=ns, time_limit=config.time_limit_s
    )
    greedy = _solve_greedy(pair_v, pair_s, pair_c, hh, cap)

    def build(sel: np.ndarray, method: str) -> gpd.GeoDataFrame:
        if not sel.any():
            return _empty_moves(crs)
        iv, isite = pair_v[sel], pair_s[sel]
        lines = shapely.linestrings(np.stack([vxy[iv], sxy[isite]], axis=1))
        rank = pd.to_numeric(
            v.get("resettlement_rank", pd.Series([np.nan] * nv)), errors="coerce"
        ).to_numpy()
        frame = gpd.GeoDataFrame(
            {
                "village_id": vid[iv],
                "village_name": v.get("village_name", pd.Series([""] * nv))
                .astype(str)
                .to_numpy()[iv],
                "commune_code": vcom[iv],
                "district_code": vdis[iv],
                "site_id": sites["site_id"].to_numpy()[isite],
                "site_commune_code": scom[isite],
                "households": hh[iv],
                "distance_m": np.round(pair_d[sel], 1),
                "cost_m": np.round(pair_c[sel], 1),
                "same_commune": scom[isite] == vcom[iv],
                "same_district": sdis[isite] == vdis[iv],
                "priority_rank": rank[iv],
                "method": method,
            },
            geometry=lines,
            crs=crs,
        )
        return frame.sort_values(["priority_rank", "village_id"], kind="stable").reset_index(
            drop=True
        )

    moves = build(x, "milp")
    gmoves = build(greedy, "greedy")

    placed = set(pair_v[x].tolist())
    full_reason = (
        "sites_full",
        "every reachable site is taken by villages that are closer or fit better",
    )
    rows = []
    for i in range(nv):
        if i in placed:
            continue
        code, text = reasons.get(i, full_reason)
        rows.append(
            {
                "village_id": vid[i],
                "village_name": str(v["village_name"].iloc[i])
                if "village_name" in v.columns
                else "",
                "commune_code": vcom[i],
                "households": int(hh[i]),
                "reason_code": code,
                "reason": text,
            }
        )
    unplaced = pd.DataFrame(
        rows,
        columns=[
            "village_id",
            "village_name",
            "commune_code",
            "households",
            "reason_code",
            "reason",
        ],
    )

    used = (
        np.bincount(pair_s[x], weights=hh[pair_v[x]], minlength=ns).astype("int64")
        if ns
        else np.zeros(0, "int64")
    )
    out_sites = sites.copy()
    out_sites["used_hh"] = used
    out_sites["free_hh"] = cap - used

    def totals(sel: np.ndarray) -> dict[str, Any]:
        return {
            "villages_placed": int(sel.sum()),
            "households_placed": int(hh[pair_v[sel]].sum()),
            "household_km": round(float((hh[pair_v[sel]] * pair_d[sel]).sum()) / 1000.0, 3),
            "objective_household_km": round(
                float((hh[pair_v[sel]] * pair_c[sel]).sum()) / 1000.0, 3
            ),
            "same_commune": int((scom[pair_s[sel]] == vcom[pair_v[sel]]).sum()),
        }

    summary = {
        "villages_at_risk": nv,
        "households_at_risk": int(hh.sum()),
        "sites": ns,
        "site_capacity_hh": int(cap.sum()),
        "candidate_pairs": len(pair_v),
        "milp": {**totals(x), "status": status, "mip_gap": gap},
        "greedy": totals(greedy),
        "unplaced": len(unplaced),
        "unplaced_by_reason": unplaced["reason_code"].value_counts().sort_index().to_dict(),
    }
    return Assignment(moves, gmoves, unplaced, out_sites, summary)


def _solve_exact(
    pair_v: np.ndarray,
    pair_s: np.ndarray,
    pair_c: np.ndarray,
    *,
    hh: np.ndarray,
    cap: np.ndarray,
    ns: int,
    time_limit: float,
) -> tuple[np.ndarray, str, float]:
    """Solve the assignment exactly, one connected group of villages and sites at a time.

    Villages that share no candidate site (directly or through other
    villages) do not interact, so each connected component of the
    village-site graph is an independent, much smaller MILP.
    """
    npair = len(pair_v)
    if npair == 0:
        return np.zeros(0, bool), "empty", 0.0
    nvil = int(pair_v.max()) + 1
    graph = coo_array((np.ones(npair), (pair_v, nvil + pair_s)), shape=(nvil + ns, nvil + ns))
    _, label = connected_components(graph, directed=False)
    comp = label[pair_v]
    chosen = np.zeros(npair, bool)
    statuses: list[str] = []
    gaps: list[float] = []
    deadline = time.perf_counter() + time_limit
    for k in np.unique(comp):
        idx = np.flatnonzero(comp == k)
        left = max(deadline - time.perf_counter(), 0.5)
        sel, status, gap = _solve_component(
            pair_v[idx], pair_s[idx], pair_c[idx], hh=hh, cap=cap, time_limit=left
        )
        chosen[idx] = sel
        statuses.append(status)
        gaps.append(gap)
    status = "optimal" if all(s == "optimal" for s in statuses) else "time_limit"
    return chosen, status, max(gaps)


def _solve_component(
    pair_v: np.ndarray,
    pair_s: np.ndarray,
    pair_c: np.ndarray,
    *,
    hh: np.ndarray,
    cap: np.ndarray,
    time_limit: float,
) -> tuple[np.ndarray, str, float]:
    npair = len(pair_v)
    villages, vpos = np.unique(pair_v, return_inverse=True)
    sites, spos = np.unique(pair_s, return_inverse=True)
    nvv, nss = len(villages), len(sites)
    n = npair + nvv
    hh_pair = hh[pair_v].astype(float)
    # each village: sum_s x + u = 1
    r1 = np.concatenate([vpos, np.arange(nvv)])
    c1 = np.concatenate([np.arange(npair), npair + np.arange(nvv)])
    a1 = coo_array((np.ones(len(r1)), (r1, c1)), shape=(nvv, n)).tocsr()
    # each site: sum_v hh x <= cap
    a2 = coo_array((hh_pair, (spos, np.arange(npair))), shape=(nss, n)).tocsr()
    cons = [LinearConstraint(a1, 1.0, 1.0), LinearConstraint(a2, -np.inf, cap[sites].astype(float))]
    total = float(hh[villages].sum())
    integrality = np.ones(n)

    # stage 1: place as many households as possible; the objective is integral, so
    # a relative gap below half a household over the total proves optimality
    c_place = np.concatenate([np.zeros(npair), hh[villages].astype(float)])
    opts = {"time_limit": time_limit / 2.0, "mip_rel_gap": min(1e-4, 0.5 / max(total, 1.0))}
    first = solve_milp(
        c_place, constraints=cons, integrality=integrality, bounds=Bounds(0, 1), options=opts
    )
    if first.x is None:
        msg = (
            f"resettlement assignment: HiGHS found no solution ({first.message}); "
            "raise plan.assignment.time_limit_s"
        )
        raise AllocationError(msg)
    # stage 2: keep that many households placed, minimise household-km (plus penalties)
    lost = float(c_place @ np.round(first.x))
    keep = LinearConstraint(coo_array(c_place[None, :]).tocsr(), -np.inf, lost + 0.5)
    c = np.concatenate([hh_pair * pair_c / 1000.0, np.zeros(nvv)])
    opts["mip_rel_gap"] = 1e-6
    res = solve_milp(
        c, constraints=[*cons, keep], integrality=integrality, bounds=Bounds(0, 1), options=opts
    )
    best = res if res.x is not None else first
    status = "optimal" if first.status == 0 and res.status == 0 else "time_limit"
    gap = float(getattr(best, "mip_gap", 0.0) or 0.0)
    return best.x[:npair] > 0.5, status, gap


def _solve_greedy(
    pair_v: np.ndarray, pair_s: np.ndarray, pair_c: np.ndarray, hh: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """Villages in priority order (input order) each take their cheapest site with room."""
    free = cap.astype("int64").copy()
    chosen = np.zeros(len(pair_v), bool)
    order = np.lexsort((pair_c, pair_v))
    start = 0
    while start < len(order):
        i = pair_v[order[start]]
        end = start
        while end < len(order) and pair_v[order[end]] == i:
            end += 1
        for p in order[start:end]:
            if free[pair_s[p]] >= hh[i]:
                free[pair_s[p]] -= hh[i]
                chosen[p] = True
                break
        start = end
    return chosen
