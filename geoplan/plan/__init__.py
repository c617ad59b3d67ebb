"""From rankings to a plan: resettlement sites, budget allocation, targets, crosswalk.

:func:`make_plan` is the stage entry point; it returns a :class:`PlanOutcome`
of frames that :mod:`geoplan.render` writes (``resettlement_sites.gpkg``,
``allocation.csv``, ``targets.csv``, map layers and report sections).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.plan import PlanConfig
from geoplan.plan.allocate import AllocationResult, allocate_budget, budget_table
from geoplan.plan.assign import Assignment, assign_villages, at_risk_villages
from geoplan.plan.crosswalk import make_crosswalk, members_2022, plan_crosswalks, to_2025
from geoplan.plan.interventions import build_candidates
from geoplan.plan.reach import travel_surface
from geoplan.plan.relocation import fund_moves, move_costs, relocation_kind
from geoplan.plan.site_safety import compare_moves, safe_sites, safer_than_origin
from geoplan.plan.sites import find_sites
from geoplan.plan.target_progress import (
    evaluate_targets,
    targets_by_commune,
    targets_by_commune_2025,
)
from geoplan.plan.targets import TARGETS, funded_moves

if TYPE_CHECKING:
    from geoplan.indicators import Indicators
    from geoplan.io import Layers
    from geoplan.scenario import Scenario
    from geoplan.scoring import ScoringResult

__all__ = [
    "TARGETS",
    "PlanConfig",
    "PlanOutcome",
    "allocate_budget",
    "assign_villages",
    "budget_table",
    "build_candidates",
    "evaluate_targets",
    "find_sites",
    "make_crosswalk",
    "make_plan",
    "targets_by_commune",
    "targets_by_commune_2025",
    "to_2025",
]


@dataclass(frozen=True)
class PlanOutcome:
    """Everything the planning stage produced (frames only; nothing is written).

    Attributes
    ----------
    sites
        Candidate resettlement sites that meet every safety rule (polygons,
        scenario CRS): ``site_id``, ``commune_code``, ``commune_name``,
        ``district_code``, ``district_name``, ``area_ha``, ``capacity_hh``,
        ``used_hh``, ``free_hh``, ``slope_mean_deg``, ``road_dist_mean_m``,
        ``suitability`` (0-1), ``use``, the hazard profile
        (:data:`geoplan.plan.site_profile.PROFILE_COLUMNS`), ``verify_code``,
        ``verify_reason``.
    moves
        Lines village → site of the exact assignment: ``village_id``,
        ``village_name``, ``commune_code``, ``district_code``, ``site_id``,
        ``site_commune_code``, ``households``, ``distance_m`` (straight
        line), ``travel_min``, ``cost_min`` (travel plus penalties),
        ``same_commune``, ``same_district``, ``priority_class``,
        ``priority_rank``, ``method`` (``"milp"``), ``cost`` (relocation),
        ``funding_status`` (``funded`` / ``unfunded``), ``funded_year``
        (empty when unfunded), ``funding_missing`` and ``earliest_year``
        (for unfunded moves: least extra money and the year it would fund
        the move); and the origin / site hazard comparison
        (:func:`geoplan.plan.site_safety.compare_moves`).
    greedy_moves
        The greedy assignment, same columns, ``method == "greedy"``.
    unplaced
        At-risk villages not placed: ``village_id``, ``village_name``,
        ``commune_code``, ``households``, ``reason_code``, ``reason``.
    assignment_summary
        Counts and household-km of both assignment methods, solver status.
    allocation
        One row per candidate intervention: ``intervention_id``, ``kind``,
        labels, ``level``, ``village_id``, ``village_name``,
        ``commune_code``, ``district_code``, ``relocation``, ``in_place``,
        ``cost``, ``beneficiaries``, ``score``, ``benefit``, ``funded``,
        ``year``, ``programme``, ``source``, ``cost_<source>``,
        ``benefit_discounted``, ``method``, ``greedy_funded``,
        ``greedy_year``, ``greedy_programme``.
    budget_use
        Per programme, source and year: ``budget``, ``spend``,
        ``spend_greedy``, ``slack``, ``shadow_price``, ``binding``.
    allocation_summary
        Optimum vs greedy (objective, benefit, cost), gap, status, sizes,
        ``binding`` constraints as sentences.
    targets
        T1-T19 for the province (see :func:`evaluate_targets`).
    targets_by_district
        The same per district.
    targets_by_commune
        The commune-level targets (T4-T7, T9-T18) per 2022 commune: ``id``,
        ``commune_code``, ``commune_name``, ``district_code``,
        ``district_name`` and the columns of ``targets`` (see
        :func:`geoplan.plan.target_progress.targets_by_commune`).
    targets_by_commune_2025
        The same per merged 2025 commune (``commune_code_2025``,
        ``commune_name_2025``, ``communes_2022``), members weighted by
        ``area_share``; ``None`` without a crosswalk.
    crosswalk
        2022 ``commune_code`` → ``commune_code_2025`` with ``area_share``,
        or ``None``.
    site_screening
        Every candidate site with its profile, ``status`` (kept / rejected),
        ``reason_code``, ``reason``, ``verify_code``, ``verify_reason``.
    communes_2025
        Commune roll-ups re-aggregated to the 2025 communes (``None``
        without a crosswalk).
    summary
        Counts, notes (skipped rules and kinds) and timings.
    """

    sites: gpd.GeoDataFrame
    moves: gpd.GeoDataFrame
    greedy_moves: gpd.GeoDataFrame
    unplaced: pd.DataFrame
    assignment_summary: dict[str, Any]
    allocation: pd.DataFrame
    budget_use: pd.DataFrame
    allocation_summary: dict[str, Any]
    targets: pd.DataFrame
    targets_by_district: pd.DataFrame
    targets_by_commune: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets_by_commune_2025: pd.DataFrame | None = None
    crosswalk: pd.DataFrame | None = None
    communes_2025: pd.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    site_screening: gpd.GeoDataFrame | None = None


def _by_key(frame: pd.DataFrame, column: str, key: str = "district_code") -> dict[str, float]:
    if frame.empty or key not in frame.columns:
        return {}
    values = pd.to_numeric(frame[column], errors="coerce").fillna(0)
    keys = frame[key].astype("string").fillna("")  # no district: one blank key
    return {str(k): float(v) for k, v in values.groupby(keys).sum().items()}


def make_plan(
    indicators: Indicators,
    scoring: ScoringResult,
    scenario: Scenario,
    *,
    layers: Layers | None = None,
) -> PlanOutcome:
    """Turn the rankings into sites, moves, an allocation and target progress.

    Parameters
    ----------
    indicators
        :class:`geoplan.indicators.Indicators` (``villages``, ``communes``,
        ``districts``, optional ``susceptibility`` with a probability raster).
    scoring
        :class:`geoplan.scoring.ScoringResult` (``villages`` and ``communes``
        with ``<track>_score``, ``_eligible``, ``_rank``, ``_class``).
    scenario
        The :class:`geoplan.scenario.Scenario`; its ``plan`` section is used.
    layers
        :class:`geoplan.io.Layers` (``dem``, ``landslide_zones``, ``forest``,
        ``roads``, and optionally ``crosswalk`` / ``communes_2025``); without
        it the site rules that need a layer are skipped and named in
        ``summary["sites"]["rules_skipped"]``.

    Returns
    -------
    PlanOutcome
        Frames for the render stage.

    Raises
    ------
    AllocationError
        If minimum budget shares cannot be met (the message names the
        constraint).  Without a scored resettlement track no village is
        moved and ``summary["notes"]`` says so.
    """
    cfg: PlanConfig = scenario.plan
    timings: dict[str, float] = {}
    start = time.perf_counter()
    villages = scoring.villages
    communes = scoring.communes
    districts = getattr(indicators, "districts", None)
    if districts is None:
        codes: Any = communes.get("district_code", [])
        districts = pd.DataFrame({"district_code": sorted(set(pd.Series(codes, dtype=str)))})

    safe = safe_sites(
        communes, cfg.sites, layers=layers, model=getattr(indicators, "susceptibility", None)
    )
    sites, grid = safe.sites, safe.grid
    timings["sites"] = time.perf_counter() - start

    start = time.perf_counter()
    notes: list[str] = []
    if "resettlement_eligible" in villages.columns and "resettlement_class" in villages.columns:
        at_risk = at_risk_villages(villages, cfg.assignment)
    else:
        at_risk = villages.iloc[0:0]
        notes.append("no resettlement track scored: no village is assigned to a site")
    surface = (
        travel_surface(layers, scenario, communes, slope=grid.terrain.get("slope"))
        if len(at_risk) and len(sites)
        else None
    )
    assignment: Assignment = assign_villages(
        at_risk,
        sites,
        cfg.assignment,
        surface=surface,
        allowed=safer_than_origin(at_risk, sites, cfg.sites),
    )
    assignment.moves = compare_moves(assignment.moves, at_risk, sites, cfg.sites)
    if assignment.summary["reach_basis"] != "travel" and len(at_risk):
        notes.append(
            "no roads layer: site reach is straight-line at "
            f"{cfg.assignment.straight_line_kmh:g} km/h, not travel time"
        )
    timings["assignment"] = time.perf_counter() - start

    start = time.perf_counter()
    moves = assignment.moves
    found = relocation_kind(cfg.allocation)
    moves["cost"] = move_costs(moves, sites, found[1]) if found else np.nan
    moved = pd.DataFrame(moves[["village_id", "households", "cost"]])
    candidates, skipped_kinds = build_candidates(
        villages,
        communes,
        cfg.allocation.interventions,
        relocating=moved,
        in_place_allowed=frozenset(e.kind for e in cfg.allocation.in_place_exceptions),
    )
    if cfg.allocation.enabled and len(candidates):
        alloc = allocate_budget(candidates, cfg.allocation)
    else:
        empty = candidates.assign(funded=False)
        alloc = AllocationResult(
            empty, budget_table(cfg.allocation), {"method": "none", "candidates": len(candidates)}
        )
    moves = fund_moves(moves, alloc.allocation, alloc.budget_use, cfg.allocation)
    timings["allocation"] = time.perf_counter() - start

    start = time.perf_counter()
    risk_c: dict[str, float] = {}
    placed_c: dict[str, float] = {}
    unfunded_c: dict[str, float] = {}
    if cfg.targets.enabled:
        hh_col = cfg.assignment.households_field
        table = pd.DataFrame(moves)  # the moves with their funding, as a plain table
        paid = funded_moves(table, alloc.allocation)
        risk = _by_key(at_risk, hh_col) if hh_col in at_risk.columns else {}
        placed = _by_key(table[paid], "households")
        unfunded = _by_key(table[~paid], "households")
        targets, targets_d = evaluate_targets(
            communes,
            villages,
            districts,
            config=cfg.targets,
            at_risk_households=risk,
            placed_households=placed,
            unfunded_households=unfunded,
        )
        risk_c = _by_key(at_risk, hh_col, "commune_code") if hh_col in at_risk.columns else {}
        placed_c = _by_key(table[paid], "households", "commune_code")
        unfunded_c = _by_key(table[~paid], "households", "commune_code")
        targets_c = targets_by_commune(
            communes,
            villages,
            districts,
            config=cfg.targets,
            at_risk_households=risk_c,
            placed_households=placed_c,
            unfunded_households=unfunded_c,
        )
    else:
        targets, targets_d, targets_c = pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    timings["targets"] = time.perf_counter() - start

    start = time.perf_counter()
    # A user crosswalk table arrives joined onto the communes (`join:` by commune code),
    # so it shows up as a 2025-code column there; in the 2025 structure the view is the
    # planning communes themselves (plan_crosswalks).
    crosswalk, view = plan_crosswalks(communes, cfg.crosswalk, layers)
    communes_2025 = targets_2025 = None
    if view is not None:
        communes_2025 = _communes_2025(communes, alloc.allocation, view)
        if cfg.targets.enabled:
            targets_2025 = targets_by_commune_2025(
                communes,
                villages,
                districts,
                view,
                config=cfg.targets,
                at_risk_households=risk_c,
                placed_households=placed_c,
                unfunded_households=unfunded_c,
            )
        if view is not crosswalk and crosswalk is not None:
            members = members_2022(crosswalk)
            for frame in (communes_2025, targets_2025):
                if frame is not None and "communes_2022" in frame:
                    codes = frame["commune_code_2025"].astype(str)
                    frame["communes_2022"] = codes.map(members).fillna("")
    timings["crosswalk"] = time.perf_counter() - start

    summary = {
        "sites": {
            "count": len(sites),
            "capacity_hh": int(sites["capacity_hh"].sum()) if len(sites) else 0,
            "grid_m": cfg.sites.grid_m,
            "cells_excluded_by_rule": grid.excluded,
            "rules_skipped": grid.skipped,
            **safe.summary(),
        },
        "assignment": assignment.summary,
        "allocation": {k: v for k, v in alloc.summary.items() if k != "binding"},
        "interventions_skipped": skipped_kinds,
        "notes": notes,
        "targets": targets["status"].value_counts().sort_index().to_dict() if len(targets) else {},
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return PlanOutcome(
        sites=assignment.sites,
        moves=moves,
        greedy_moves=assignment.greedy_moves,
        unplaced=assignment.unplaced,
        assignment_summary=assignment.summary,
        allocation=alloc.allocation,
        budget_use=alloc.budget_use,
        allocation_summary=alloc.summary,
        targets=targets,
        targets_by_district=targets_d,
        targets_by_commune=targets_c,
        targets_by_commune_2025=targets_2025,
        crosswalk=crosswalk,
        communes_2025=communes_2025,
        summary=summary,
        site_screening=safe.screening,
    )


def _communes_2025(
    communes: pd.DataFrame, allocation: pd.DataFrame, crosswalk: pd.DataFrame
) -> pd.DataFrame:
    frame = pd.DataFrame(communes).drop(columns="geometry", errors="ignore").copy()
    frame["commune_code"] = frame["commune_code"].astype(str)
    if "funded" in allocation.columns and len(allocation):
        funded = allocation[allocation["funded"].astype(bool)]
        spend = funded.groupby(funded["commune_code"].astype(str))["cost"].sum()
        frame["funded_cost"] = frame["commune_code"].map(spend).fillna(0.0)
    sums = [
        c
        for c in (
            "villages",
            "households",
            "poor_households",
            "em_households",
            "hh_exposed_high",
            "villages_exposed_high",
            "funded_cost",
        )
        if c in frame.columns
    ]
    means = [c for c in frame.columns if c.endswith("_score")]
    return to_2025(
        frame,
        crosswalk,
        sums=sums,
        means=means,
        weight="households" if "households" in frame else None,
    )
