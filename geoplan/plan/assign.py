"""Assign at-risk villages to resettlement sites, most urgent priority class first.

Every village moves whole to one site and the households sent to a site never
exceed its capacity.  Reach is travel time over the friction surface
(:mod:`geoplan.plan.reach`); the model (:mod:`geoplan.plan.assign_model`)
places as many households of priority class 1 as possible, then of class 2,
and so on, and only then minimises household-weighted travel.  A greedy
assignment in priority order is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.config.plan import AssignmentConfig
from geoplan.errors import AllocationError
from geoplan.indicators.travel import FrictionSurface
from geoplan.plan.assign_model import AssignmentSolve, enforce_priority, solve_assignment
from geoplan.plan.reach import (
    PairFilter,
    Pairs,
    candidate_pairs,
    households,
    representative_points,
    text_column,
)

__all__ = ["Assignment", "assign_villages", "at_risk_villages", "priority_tier"]

MOVE_COLUMNS = [
    "village_id",
    "village_name",
    "commune_code",
    "district_code",
    "site_id",
    "site_commune_code",
    "households",
    "distance_m",
    "travel_min",
    "cost_min",
    "same_commune",
    "same_district",
    "priority_class",
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
    score = pd.to_numeric(
        villages.get("resettlement_score", pd.Series(1.0, index=villages.index)), errors="coerce"
    ).fillna(0.0)
    mask = eligible & (klass >= 1) & (klass <= config.max_class) & (score >= config.min_score)
    chosen = villages[mask]
    if "resettlement_rank" in chosen.columns:
        rank = pd.to_numeric(chosen["resettlement_rank"], errors="coerce")
        chosen = chosen.assign(_r=rank.fillna(np.inf)).sort_values(
            ["_r", "village_id"], kind="stable"
        )
        chosen = chosen.drop(columns="_r")
    return chosen


def priority_tier(villages: pd.DataFrame) -> np.ndarray:
    """Return each village's priority class (``resettlement_class``; 1 when absent or blank)."""
    if "resettlement_class" not in villages.columns:
        return np.ones(len(villages), "int64")
    klass = pd.to_numeric(villages["resettlement_class"], errors="coerce")
    return klass.fillna(1).clip(lower=1).astype("int64").to_numpy()


def _empty_moves(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in MOVE_COLUMNS[:-1]}, geometry=[], crs=crs)


def assign_villages(
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    config: AssignmentConfig,
    *,
    surface: FrictionSurface | None = None,
    pair_filter: PairFilter | None = None,
    allowed: np.ndarray | None = None,
) -> Assignment:
    """Assign every at-risk village to a site, or say truly and specifically why not.

    Parameters
    ----------
    villages
        The villages that move (e.g. from :func:`at_risk_villages`), in
        priority order, scenario CRS, with ``village_id``, ``commune_code``,
        ``district_code``, ``resettlement_class`` (priority; 1 when absent)
        and the households column named by ``config.households_field``.
    sites
        Candidate sites from :func:`geoplan.plan.sites.find_sites`.
    config
        The scenario's ``plan.assignment`` section.
    surface
        Friction surface for travel times (see
        :func:`geoplan.plan.reach.travel_surface`); without it the reach is
        the straight line at ``config.straight_line_kmh``.
    pair_filter
        Optional rule on village-site pairs (see :func:`candidate_pairs`).
    allowed
        Optional boolean ``(len(villages), len(sites))``: the pairs that may be
        used at all (e.g. :func:`geoplan.plan.site_safety.safer_than_origin`);
        applied as a pair filter.

    Returns
    -------
    Assignment
        Exact and greedy moves, the unplaced villages with reasons, the sites
        with their use.
    """
    crs = sites.crs if sites.crs is not None else villages.crs
    v = villages.reset_index(drop=True)
    if config.households_field not in v.columns and len(v):
        msg = (
            f"villages: households field '{config.households_field}' missing; "
            "set plan.assignment.households_field"
        )
        raise AllocationError(msg)
    hh = households(v, config)
    cap = sites["capacity_hh"].to_numpy(dtype="int64")
    tier = priority_tier(v)
    if allowed is not None:
        pair_filter = _matrix_filter(allowed, pair_filter)
    pairs = candidate_pairs(v, sites, config, surface=surface, pair_filter=pair_filter)
    chosen = _choose_pairs(pairs, hh, cap, tier, config)
    x = chosen.exact
    moves = _MoveTable.of(v, sites, pairs, hh, tier, crs=crs)

    used = np.bincount(pairs.site[x], weights=hh[pairs.village[x]], minlength=len(sites))
    used = used.astype("int64")
    unplaced = _unplaced(v, hh, tier, pairs, x, free=cap - used, config=config)
    out_sites = sites.copy()
    out_sites["used_hh"] = used
    out_sites["free_hh"] = cap - used
    summary = {
        "villages_at_risk": len(v),
        "households_at_risk": int(hh.sum()),
        "sites": len(sites),
        "site_capacity_hh": int(cap.sum()),
        "candidate_pairs": len(pairs.village),
        "model_pairs": int(chosen.in_model.sum()),
        "reach_basis": pairs.basis,
        "milp": {**moves.totals(x), **chosen.solver_summary()},
        "greedy": moves.totals(chosen.greedy),
        "unplaced": len(unplaced),
        "unplaced_by_reason": unplaced["reason_code"].value_counts().sort_index().to_dict(),
    }
    return Assignment(
        moves.lines(x, "milp"), moves.lines(chosen.greedy, "greedy"), unplaced, out_sites, summary
    )


@dataclass(frozen=True)
class _Chosen:
    """The pairs chosen by the exact model (priority enforced) and by greedy."""

    exact: np.ndarray  # boolean per pair
    greedy: np.ndarray  # boolean per pair
    in_model: np.ndarray  # the pairs the model saw (each village's nearest sites)
    solved: AssignmentSolve
    repaired: int

    def solver_summary(self) -> dict[str, Any]:
        """Return the solver's status, method, gap and work for ``summary["milp"]``."""
        solved = self.solved
        return {
            "status": solved.status,
            "method": "greedy+repair" if solved.heuristic_components else "milp",
            "mip_gap": None if solved.gap is None else round(solved.gap, 6),
            "heuristic_components": solved.heuristic_components,
            "components": solved.components,
            "solves": solved.solves,
            "nodes": solved.nodes,
            "priority_repairs": self.repaired,
        }


def _choose_pairs(
    pairs: Pairs, hh: np.ndarray, cap: np.ndarray, tier: np.ndarray, config: AssignmentConfig
) -> _Chosen:
    """Solve the assignment over each village's nearest sites, then enforce priority."""
    first = np.searchsorted(pairs.village, pairs.village, side="left")
    in_model = (np.arange(len(pairs.village)) - first) < config.nearest_sites
    model = pairs.take(in_model)
    solved = solve_assignment(
        model.village,
        model.site,
        model.cost,
        hh=hh,
        cap=cap,
        tier=tier,
        work=config.node_work,
        rel_gap=config.mip_rel_gap,
        max_exact_pairs=config.max_exact_pairs,
    )
    x = np.zeros(len(pairs.village), bool)
    x[np.flatnonzero(in_model)[solved.chosen]] = True
    x, repaired = enforce_priority(
        x, pairs.village, pairs.site, pairs.cost, hh=hh, cap=cap, tier=tier
    )
    greedy = np.zeros(len(pairs.village), bool)
    greedy[np.flatnonzero(in_model)] = solved.greedy
    return _Chosen(x, greedy, in_model, solved, repaired)


@dataclass(frozen=True)
class _MoveTable:
    """What a move line reads of its village and its site, for any choice of pairs."""

    pairs: Pairs
    crs: Any
    hh: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    village_ids: np.ndarray
    village_names: np.ndarray
    village_communes: np.ndarray
    village_districts: np.ndarray
    village_xy: np.ndarray
    site_ids: np.ndarray
    site_communes: np.ndarray
    site_districts: np.ndarray
    site_xy: np.ndarray

    @classmethod
    def of(
        cls,
        v: pd.DataFrame,
        sites: gpd.GeoDataFrame,
        pairs: Pairs,
        hh: np.ndarray,
        tier: np.ndarray,
        *,
        crs: Any,
    ) -> _MoveTable:
        """Read the villages' and sites' columns once."""
        rank = pd.to_numeric(
            v.get("resettlement_rank", pd.Series([np.nan] * len(v))), errors="coerce"
        ).to_numpy()
        return cls(
            pairs,
            crs,
            hh,
            tier,
            rank,
            village_ids=text_column(v, "village_id"),
            village_names=text_column(v, "village_name"),
            village_communes=text_column(v, "commune_code"),
            village_districts=text_column(v, "district_code"),
            village_xy=representative_points(v.geometry) if len(v) else np.zeros((0, 2)),
            site_ids=sites["site_id"].astype(str).to_numpy(),
            site_communes=text_column(sites, "commune_code"),
            site_districts=text_column(sites, "district_code"),
            site_xy=representative_points(sites.geometry) if len(sites) else np.zeros((0, 2)),
        )

    def lines(self, sel: np.ndarray, method: str) -> gpd.GeoDataFrame:
        """Return the lines village → site of the pairs ``sel``, in priority order."""
        if not sel.any():
            return _empty_moves(self.crs)
        pairs = self.pairs
        iv, isite = pairs.village[sel], pairs.site[sel]
        vcom, scom = self.village_communes[iv], self.site_communes[isite]
        frame = gpd.GeoDataFrame(
            {
                "village_id": self.village_ids[iv],
                "village_name": self.village_names[iv],
                "commune_code": vcom,
                "district_code": self.village_districts[iv],
                "site_id": self.site_ids[isite],
                "site_commune_code": scom,
                "households": self.hh[iv],
                "distance_m": np.round(pairs.distance_m[sel], 1),
                "travel_min": np.round(pairs.travel_min[sel], 1),
                "cost_min": np.round(pairs.cost[sel], 1),
                "same_commune": scom == vcom,
                "same_district": self.site_districts[isite] == self.village_districts[iv],
                "priority_class": self.tier[iv],
                "priority_rank": self.rank[iv],
                "method": method,
            },
            geometry=shapely.linestrings(
                np.stack([self.village_xy[iv], self.site_xy[isite]], axis=1)
            ),
            crs=self.crs,
        )
        return frame.sort_values(
            ["priority_class", "priority_rank", "village_id"], kind="stable"
        ).reset_index(drop=True)

    def totals(self, sel: np.ndarray) -> dict[str, Any]:
        """Return the villages, households, distance and travel placed by the pairs ``sel``."""
        pairs, tier = self.pairs, self.tier
        iv, isite = pairs.village[sel], pairs.site[sel]
        placed_hh = self.hh[iv]
        return {
            "villages_placed": int(sel.sum()),
            "households_placed": int(placed_hh.sum()),
            "households_placed_by_class": {
                int(k): int(placed_hh[tier[iv] == k].sum()) for k in np.unique(tier)
            },
            "household_km": round(float((placed_hh * pairs.distance_m[sel]).sum()) / 1000.0, 3),
            "household_travel_h": round(float((placed_hh * pairs.travel_min[sel]).sum()) / 60.0, 3),
            "same_commune": int((self.site_communes[isite] == self.village_communes[iv]).sum()),
        }


def _matrix_filter(allowed: np.ndarray, then: PairFilter | None) -> PairFilter:
    """Return a pair filter reading a (villages x sites) mask, and ``then`` after it."""

    def keep(pairs: pd.DataFrame) -> np.ndarray:
        mask = allowed[pairs["village_index"].to_numpy(), pairs["site_index"].to_numpy()]
        if then is not None:
            mask = mask & np.asarray(then(pairs), bool)
        return np.asarray(mask, bool)

    return keep


UNPLACED_COLUMNS = [
    "village_id",
    "village_name",
    "commune_code",
    "households",
    "priority_class",
    "reason_code",
    "reason",
]


def _unplaced(
    v: pd.DataFrame,
    hh: np.ndarray,
    tier: np.ndarray,
    pairs: Any,
    x: np.ndarray,
    *,
    free: np.ndarray,
    config: AssignmentConfig,
) -> pd.DataFrame:
    placed = np.zeros(len(v), bool)
    placed[pairs.village[x]] = True
    first = np.searchsorted(pairs.village, np.arange(len(v)))
    last = np.searchsorted(pairs.village, np.arange(len(v)), side="right")
    ids, names, communes = (
        text_column(v, c) for c in ("village_id", "village_name", "commune_code")
    )
    rows = []
    for i in np.flatnonzero(~placed):
        if i in pairs.reasons:
            code, text = pairs.reasons[i]
        else:
            own = pairs.site[first[i] : last[i]]
            code = "sites_full"
            text = (
                f"all {len(own)} reachable sites large enough for its {hh[i]} households are "
                f"filled by villages of the same or a higher priority class (class <= {tier[i]}); "
                f"the most room left at any of them is {int(free[own].max())} households"
            )
        rows.append(
            {
                "village_id": ids[i],
                "village_name": names[i],
                "commune_code": communes[i],
                "households": int(hh[i]),
                "priority_class": int(tier[i]),
                "reason_code": code,
                "reason": text,
            }
        )
    return pd.DataFrame(rows, columns=UNPLACED_COLUMNS)
