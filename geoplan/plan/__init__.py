"""From rankings to a plan: resettlement sites, budget allocation, targets, crosswalk.

:func:`make_plan` is the stage entry point; it returns a :class:`PlanOutcome`
of frames that :mod:`geoplan.render` writes (``resettlement_sites.gpkg``,
``allocation.csv``, ``targets.csv``, map layers and report sections).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.allocation import AllocationConfig
from geoplan.config.plan import PlanConfig
from geoplan.memory import release_freed_memory
from geoplan.plan.allocate import AllocationResult, allocate_budget, budget_table
from geoplan.plan.assign import Assignment, assign_villages, at_risk_villages
from geoplan.plan.crosswalk import make_crosswalk, members_2022, plan_crosswalks, to_2025
from geoplan.plan.interventions import build_candidates
from geoplan.plan.reach import travel_surface
from geoplan.plan.relocation import fund_moves, move_costs, relocation_kind
from geoplan.plan.site_safety import SafeSites, compare_moves, safe_sites, safer_than_origin
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
    notes: list[str] = []
    units = _Units(scoring.villages, scoring.communes, _districts(indicators, scoring.communes))

    with _timed(timings, "sites"):
        safe = safe_sites(
            units.communes,
            cfg.sites,
            layers=layers,
            model=getattr(indicators, "susceptibility", None),
        )
    release_freed_memory()

    with _timed(timings, "assignment"):
        at_risk, assignment = _assign(units, safe, scenario, layers, notes)
    safe.grid.terrain.clear()  # the DEM-sized rasters are read: free them before the budget
    release_freed_memory()

    with _timed(timings, "allocation"):
        moves = assignment.moves
        moves["cost"] = _relocation_costs(moves, safe.sites, cfg.allocation)
        candidates, skipped_kinds = _candidates(units, moves, cfg.allocation)
        alloc = _allocation(candidates, cfg.allocation)
        moves = fund_moves(moves, alloc.allocation, alloc.budget_use, cfg.allocation)

    release_freed_memory()
    with _timed(timings, "targets"):
        targets = _targets(units, at_risk, moves, alloc, cfg)

    with _timed(timings, "crosswalk"):
        view_2025 = _view_2025(units, alloc, targets, cfg, layers)

    summary = {
        "sites": _sites_summary(safe, cfg.sites.grid_m),
        "assignment": assignment.summary,
        "allocation": {k: v for k, v in alloc.summary.items() if k != "binding"},
        "interventions_skipped": skipped_kinds,
        "notes": notes,
        "targets": _status_counts(targets.province),
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
        targets=targets.province,
        targets_by_district=targets.by_district,
        targets_by_commune=targets.by_commune,
        targets_by_commune_2025=view_2025.targets,
        crosswalk=view_2025.crosswalk,
        communes_2025=view_2025.communes,
        summary=summary,
        site_screening=safe.screening,
    )


def _sites_summary(safe: SafeSites, grid_m: float) -> dict[str, Any]:
    """Return the sites' counts, capacity and rule tallies for ``summary["sites"]``."""
    sites = safe.sites
    return {
        "count": len(sites),
        "capacity_hh": int(sites["capacity_hh"].sum()) if len(sites) else 0,
        "grid_m": grid_m,
        "cells_excluded_by_rule": safe.grid.excluded,
        "rules_skipped": safe.grid.skipped,
        **safe.summary(),
    }


def _status_counts(targets: pd.DataFrame) -> dict[Any, int]:
    """How many targets have each status (for the summary)."""
    return targets["status"].value_counts().sort_index().to_dict() if len(targets) else {}


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Record the wall time of the ``with`` block as ``timings[step]`` (for the summary only)."""
    start = time.perf_counter()
    yield
    timings[step] = time.perf_counter() - start


@dataclass(frozen=True)
class _Units:
    """The scored villages and communes, and the districts, that every step reads."""

    villages: pd.DataFrame
    communes: pd.DataFrame
    districts: pd.DataFrame


def _districts(indicators: Indicators, communes: pd.DataFrame) -> pd.DataFrame:
    """Return the indicators' districts, or bare district codes taken from the communes."""
    districts = getattr(indicators, "districts", None)
    if districts is None:
        codes: Any = communes.get("district_code", [])
        districts = pd.DataFrame({"district_code": sorted(set(pd.Series(codes, dtype=str)))})
    return districts


def _assign(
    units: _Units,
    safe: SafeSites,
    scenario: Scenario,
    layers: Layers | None,
    notes: list[str],
) -> tuple[pd.DataFrame, Assignment]:
    """Assign the at-risk villages to the safe sites; return them and the assignment.

    Appends to ``notes`` when no resettlement track was scored or reach is straight-line.
    """
    cfg = scenario.plan
    villages, sites = units.villages, safe.sites
    if "resettlement_eligible" in villages.columns and "resettlement_class" in villages.columns:
        at_risk = at_risk_villages(villages, cfg.assignment)
    else:
        at_risk = villages.iloc[0:0]
        notes.append("no resettlement track scored: no village is assigned to a site")
    surface = (
        travel_surface(layers, scenario, units.communes, slope=safe.grid.terrain.get("slope"))
        if len(at_risk) and len(sites)
        else None
    )
    assignment = assign_villages(
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
    return at_risk, assignment


def _relocation_costs(moves: pd.DataFrame, sites: pd.DataFrame, config: AllocationConfig) -> Any:
    """Return the cost of each move under the first relocation kind, or NaN without one."""
    found = relocation_kind(config)
    return move_costs(moves, sites, found[1]) if found else np.nan


def _candidates(
    units: _Units, moves: pd.DataFrame, config: AllocationConfig
) -> tuple[pd.DataFrame, Any]:
    """Return the candidate interventions (relocations priced from ``moves``), skipped kinds."""
    moved = pd.DataFrame(moves[["village_id", "households", "cost"]])
    return build_candidates(
        units.villages,
        units.communes,
        config.interventions,
        relocating=moved,
        in_place_allowed=frozenset(e.kind for e in config.in_place_exceptions),
    )


def _allocation(candidates: pd.DataFrame, config: AllocationConfig) -> AllocationResult:
    """Allocate the budget to the candidates, or fund nothing when allocation is off or empty."""
    if config.enabled and len(candidates):
        return allocate_budget(candidates, config)
    empty = candidates.assign(funded=False)
    return AllocationResult(
        empty, budget_table(config), {"method": "none", "candidates": len(candidates)}
    )


@dataclass(frozen=True)
class _Targets:
    """Target progress at each level, and the commune household tallies behind it."""

    province: pd.DataFrame
    by_district: pd.DataFrame
    by_commune: pd.DataFrame
    commune_households: dict[str, dict[str, float]]


def _households(
    at_risk: pd.DataFrame, moves: pd.DataFrame, paid: pd.Series, households_field: str, key: str
) -> dict[str, dict[str, float]]:
    """At-risk, placed (funded) and unfunded households per ``key``, as target keywords."""
    return {
        "at_risk_households": _by_key(at_risk, households_field, key)
        if households_field in at_risk.columns
        else {},
        "placed_households": _by_key(moves[paid], "households", key),
        "unfunded_households": _by_key(moves[~paid], "households", key),
    }


def _targets(
    units: _Units,
    at_risk: pd.DataFrame,
    moves: pd.DataFrame,
    alloc: AllocationResult,
    cfg: PlanConfig,
) -> _Targets:
    """Evaluate the targets for the province, each district and each commune."""
    if not cfg.targets.enabled:
        return _Targets(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    hh_col = cfg.assignment.households_field
    table = pd.DataFrame(moves)  # the moves with their funding, as a plain table
    paid = funded_moves(table, alloc.allocation)
    by_district = _households(at_risk, table, paid, hh_col, "district_code")
    targets, targets_d = evaluate_targets(
        units.communes, units.villages, units.districts, config=cfg.targets, **by_district
    )
    by_commune = _households(at_risk, table, paid, hh_col, "commune_code")
    targets_c = targets_by_commune(
        units.communes, units.villages, units.districts, config=cfg.targets, **by_commune
    )
    return _Targets(targets, targets_d, targets_c, by_commune)


@dataclass(frozen=True)
class _View2025:
    """The 2025 crosswalk, and the commune roll-ups and targets re-aggregated to it."""

    crosswalk: pd.DataFrame | None = None
    communes: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None


def _view_2025(
    units: _Units,
    alloc: AllocationResult,
    targets: _Targets,
    cfg: PlanConfig,
    layers: Layers | None,
) -> _View2025:
    """Re-aggregate the commune roll-ups and targets to the merged 2025 communes."""
    # A user crosswalk table arrives joined onto the communes (`join:` by commune code),
    # so it shows up as a 2025-code column there; in the 2025 structure the view is the
    # planning communes themselves (plan_crosswalks).
    crosswalk, view = plan_crosswalks(units.communes, cfg.crosswalk, layers)
    if view is None:
        return _View2025(crosswalk)
    communes_2025 = _communes_2025(units.communes, alloc.allocation, view)
    targets_2025 = None
    if cfg.targets.enabled:
        targets_2025 = targets_by_commune_2025(
            units.communes,
            units.villages,
            units.districts,
            view,
            config=cfg.targets,
            **targets.commune_households,
        )
    if view is not crosswalk and crosswalk is not None:
        members = members_2022(crosswalk)
        for frame in (communes_2025, targets_2025):
            if frame is not None and "communes_2022" in frame:
                codes = frame["commune_code_2025"].astype(str)
                frame["communes_2022"] = codes.map(members).fillna("")
    return _View2025(crosswalk, communes_2025, targets_2025)


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
