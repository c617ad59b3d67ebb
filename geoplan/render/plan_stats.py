"""Figures of the plan for the report and dashboard: move statistics, solver status, totals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from geoplan.i18n import Lang, fmt_pct, tr

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.plan import PlanOutcome

__all__ = ["assignment_stats", "moves_by_year", "numeric_column", "plan_status", "solver_status"]


def numeric_column(frame: pd.DataFrame, col: str) -> pd.Series:
    """Return ``frame[col]`` as numbers, 0 where blank or missing."""
    if col not in frame:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0)


def assignment_stats(moves: pd.DataFrame | None) -> dict[str, float]:
    """Villages and households placed, distances and same-commune moves of one assignment.

    Parameters
    ----------
    moves
        ``PlanOutcome.moves`` or ``greedy_moves`` (``None`` counts as no move).

    Returns
    -------
    dict
        ``villages``, ``households``, ``distance_km`` (sum over moves),
        ``mean_km`` (per village moved), ``household_km``, ``mean_hh_km``
        (household-weighted mean) and ``same_commune``.
    """
    if moves is None or moves.empty:
        return dict.fromkeys(
            (
                "villages",
                "households",
                "distance_km",
                "mean_km",
                "household_km",
                "mean_hh_km",
                "same_commune",
            ),
            0.0,
        )
    hh = numeric_column(moves, "households")
    dist = numeric_column(moves, "distance_m") / 1000
    hh_km = float((hh * dist).sum())
    same = moves["same_commune"].fillna(False).astype(bool).sum() if "same_commune" in moves else 0
    return {
        "villages": float(len(moves)),
        "households": float(hh.sum()),
        "distance_km": float(dist.sum()),
        "mean_km": float(dist.mean()),
        "household_km": hh_km,
        "mean_hh_km": hh_km / float(hh.sum()) if hh.sum() > 0 else float("nan"),
        "same_commune": float(same),
    }


def solver_status(summary: dict[str, Any], lang: Lang) -> str:
    """Return the solver status as it is: optimal, feasible with its proven gap, or heuristic.

    Parameters
    ----------
    summary
        ``assignment_summary["milp"]`` or ``allocation_summary`` (``status``,
        ``mip_gap``, optionally ``method``).
    lang
        Output language.

    Returns
    -------
    str
        Plain text (not escaped).
    """
    status = str(summary.get("status", "") or "")
    gap = summary.get("mip_gap")
    gap_text = fmt_pct(float(gap), lang, 2) if isinstance(gap, (int, float)) else "–"
    if status == "optimal":
        return tr("status_optimal", lang)
    if status == "feasible":
        return f"{tr('status_feasible', lang)} {gap_text}"
    if status == "heuristic":
        method = str(summary.get("method", "") or "")
        return f"{tr('status_heuristic', lang)} {method} ({tr('status_feasible', lang)} {gap_text})"
    return status or "–"


def moves_by_year(moves: pd.DataFrame | None) -> pd.DataFrame:
    """Return villages, households and cost of the moves per funded year, unfunded last.

    Parameters
    ----------
    moves
        ``PlanOutcome.moves`` with ``funding_status``, ``funded_year``, ``cost``.

    Returns
    -------
    DataFrame
        ``funding_status``, ``year`` (``<NA>`` for unfunded), ``villages``,
        ``households``, ``cost``.
    """
    cols = ["funding_status", "year", "villages", "households", "cost"]
    if moves is None or not len(moves) or "funding_status" not in moves:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(
        {
            "funding_status": moves["funding_status"].astype(str).to_numpy(),
            "year": pd.to_numeric(moves["funded_year"], errors="coerce").astype("Int64"),
            "households": numeric_column(moves, "households").to_numpy(),
            "cost": numeric_column(moves, "cost").to_numpy(),
        }
    )
    out = (
        frame.groupby(["funding_status", "year"], dropna=False, sort=True)
        .agg(
            villages=("households", "size"), households=("households", "sum"), cost=("cost", "sum")
        )
        .reset_index()
    )
    return out.sort_values(["funding_status", "year"], na_position="last").reset_index(drop=True)[
        cols
    ]


def plan_status(plan: PlanOutcome | None) -> dict[str, Any]:
    """Return the solver status of the assignment and the allocation, for ``run.json``.

    Parameters
    ----------
    plan
        ``PlanOutcome`` or ``None``.

    Returns
    -------
    dict
        ``{"assignment": {...}, "allocation": {...}}`` with ``status``
        (optimal / feasible / heuristic), ``mip_gap_pct`` and ``method``;
        empty without a plan.
    """
    if plan is None:
        return {}
    out: dict[str, Any] = {}
    milp = (plan.assignment_summary or {}).get("milp")
    alloc = plan.allocation_summary or {}
    for name, summary in (("assignment", milp), ("allocation", alloc)):
        if isinstance(summary, dict) and summary.get("status"):
            gap = summary.get("mip_gap")
            out[name] = {
                "status": summary["status"],
                "mip_gap_pct": round(100.0 * gap, 4) if isinstance(gap, (int, float)) else None,
                "method": summary.get("method", "milp"),
            }
    return out
