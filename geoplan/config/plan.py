"""Scenario section ``plan:``: resettlement sites, budget allocation, targets, crosswalk.

The defaults describe the Kon Tum demo (2026-2030, the merged National Target
Programme funded from central and provincial sources); every number is a
planning assumption that a real scenario should restate.  Amounts are in
million VND.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from geoplan.config._base import ScenarioModel
from geoplan.config.allocation import (
    AllocationConfig,
    BudgetLine,
    FundingOption,
    InPlaceException,
    InterventionSpec,
    MinShare,
    ProgrammeSpec,
)

__all__ = [
    "AllocationConfig",
    "AssignmentConfig",
    "BudgetLine",
    "CrosswalkConfig",
    "FundingOption",
    "InPlaceException",
    "InterventionSpec",
    "MinShare",
    "PlanConfig",
    "ProgrammeSpec",
    "SitesConfig",
    "TargetOverride",
    "TargetsConfig",
]

Hazard = Literal["official_level", "model_probability", "slope"]


def _all_hazards() -> list[Hazard]:
    return ["official_level", "model_probability", "slope"]


class SitesConfig(ScenarioModel):
    """Rules for the suitability surface of destination (resettlement) sites."""

    grid_m: float = Field(default=250.0, gt=0, description="Cell size of the suitability grid (m).")
    max_slope_deg: float = Field(
        default=20.0,
        gt=0,
        le=90,
        description="Steepest mean cell slope allowed for a site (degrees).",
    )
    max_landslide_level: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Highest landslide zoning level allowed on a site (0 = outside every zone).",
    )
    max_susceptibility: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Highest modelled landslide probability allowed "
            "(when the susceptibility raster exists)."
        ),
    )
    exclude_forest: list[str] = Field(
        default_factory=lambda: ["special_use", "protective"],
        description="forest_type values a site must lie outside of.",
    )
    max_road_distance_m: float | None = Field(
        default=5000.0,
        gt=0,
        description="Farthest a site cell may be from any road (None: no limit).",
    )
    min_area_ha: float = Field(
        default=10.0, gt=0, description="Smallest site (connected suitable patch) in hectares."
    )
    block_m: float = Field(
        default=2000.0,
        gt=0,
        description="Large patches are cut along a square grid of this side (compact sites).",
    )
    residential_m2_per_hh: float = Field(
        default=400.0, gt=0, description="Residential land per household (m²), T9."
    )
    production_m2_per_hh: float = Field(
        default=5000.0, ge=0, description="Production land per household (m²), T9."
    )
    site_use: str = Field(
        default="residential+production", description="Land use written on each site."
    )
    # Site safety: each candidate site is profiled on the DEM / model / vector layers and
    # rejected, with a reason per rule, when it breaks one of these (docs/plan.md).
    max_official_share: dict[int, float] = Field(
        default_factory=lambda: {3: 0.0},
        description=(
            "Official landslide level -> largest share of a site allowed in zones of that level "
            "or above (P-RESETTLE, T11: people leave landslide areas, they are not moved into one)."
        ),
    )
    max_model_share: dict[int, float] = Field(
        default_factory=lambda: {4: 0.05},
        description=(
            "Modelled susceptibility level -> largest share of a site allowed in that level or "
            "above (P-RESETTLE, T11); default: at most 5% of a site in levels 4-5."
        ),
    )
    max_site_slope_mean_deg: float | None = Field(
        default=15.0,
        gt=0,
        le=90,
        description=(
            "Steepest mean slope of a whole site on the DEM's own grid (P-RESETTLE, T9: "
            "residential land and production land that can be built on and farmed)."
        ),
    )
    max_site_slope_p90_deg: float | None = Field(
        default=25.0,
        gt=0,
        le=90,
        description="Largest 90th-percentile slope of a site on the DEM grid (P-RESETTLE, T9).",
    )
    min_river_distance_m: float | None = Field(
        default=100.0,
        ge=0,
        description=(
            "Nearest a site may come to a river (flash floods; P-RESETTLE: areas hit by natural "
            "disasters, T11). None: no limit."
        ),
    )
    steep_slope_deg: float = Field(
        default=30.0,
        gt=0,
        le=90,
        description="DEM cells at least this steep are steep ground (for min_steep_distance_m).",
    )
    min_steep_distance_m: float | None = Field(
        default=100.0,
        ge=0,
        description=(
            "Nearest a site may come to steep ground, i.e. the foot (and top) of a steep slope "
            "where slides start and run out (P-RESETTLE, T11). None: no limit."
        ),
    )
    max_forest_share: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description=(
            "Largest share of a site in the exclude_forest types (P-RESETTLE moves people out of "
            "special-use and protective forest; P-SOCIAL protects it); the tolerance absorbs "
            "boundary mismatch between the forest map and the site grid."
        ),
    )
    compare_with_origin: list[Hazard] = Field(
        default_factory=_all_hazards,
        description=(
            "Hazards on which a destination must be safer than the village it receives "
            "(P-RESETTLE, T11: a move must reduce the risk)."
        ),
    )
    verify_share: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description=(
            "A site is flagged for field verification when the model puts more than this share "
            "of it in level 4-5 while the official map says level 2 or less, or the reverse."
        ),
    )

    @field_validator("max_official_share", "max_model_share")
    @classmethod
    def _level_shares(cls, value: dict[int, float]) -> dict[int, float]:
        bad = {k: v for k, v in value.items() if not (1 <= k <= 5 and 0.0 <= v <= 1.0)}
        if bad:
            msg = f"{bad}: keys must be levels 1-5 and values shares in [0, 1]"
            raise ValueError(msg)
        return dict(sorted(value.items()))


class AssignmentConfig(ScenarioModel):
    """Which villages move and how they are assigned to sites."""

    max_class: int = Field(
        default=2,
        ge=1,
        le=5,
        description="Eligible villages with a resettlement class at most this (1 = highest) move.",
    )
    min_score: float = Field(
        default=0.0, ge=0, le=1, description="...and whose resettlement score is at least this."
    )
    households_field: str = Field(
        default="households",
        description="Village column with the households that move (the whole village).",
    )
    max_distance_m: float = Field(
        default=25000.0,
        gt=0,
        description=(
            "Straight-line search radius from a village to candidate sites (m); only a cheap "
            "pre-filter, reach itself is max_travel_min."
        ),
    )
    max_travel_min: float = Field(
        default=180.0,
        gt=0,
        description=(
            "Longest travel time (minutes, over the indicators' friction surface of roads, "
            "slope and forest) from a village to its site."
        ),
    )
    straight_line_kmh: float = Field(
        default=4.0,
        gt=0,
        description=(
            "Speed used for reach only when no friction surface can be built (no roads layer); "
            "the plan then says its reach is straight-line."
        ),
    )
    scope: Literal["commune", "district", "province"] = Field(
        default="district",
        description="Sites must lie in the same commune / district, or anywhere.",
    )
    other_commune_penalty_min: float = Field(
        default=30.0,
        ge=0,
        description="Added to the travel time of a site outside the village's own commune (min).",
    )
    other_district_penalty_min: float = Field(
        default=120.0,
        ge=0,
        description="Added to the travel time of a site outside the village's district (min).",
    )
    nearest_sites: int = Field(
        default=40,
        ge=1,
        description=(
            "Candidate sites per village (the cheapest) in the MILP; the priority repair "
            "pass and the unplaced reasons look at every reachable site."
        ),
    )
    node_work: float = Field(
        default=1.0e5,
        gt=0,
        description=(
            "Solver effort: branch-and-bound nodes x variables per solve (the node limit "
            "shrinks as a component grows). Never a time limit, so a busy machine gives the "
            "same plan."
        ),
    )
    mip_rel_gap: float = Field(
        default=0.005,
        gt=0,
        lt=1,
        description=(
            "Relative gap at which the last stage (travel) may stop; the priority stages are "
            "solved to 0.01% or their node limit. The status says what was proven."
        ),
    )
    max_exact_pairs: int = Field(
        default=2000,
        ge=1,
        description=(
            "A connected group of villages and sites with more candidate pairs than this is "
            "assigned by the greedy-in-priority-order heuristic and the priority repair, and "
            "the status says 'heuristic'."
        ),
    )


class TargetOverride(ScenarioModel):
    """Change one resolution target (e.g. for the 2026-2035 programme)."""

    target: float | None = Field(default=None, description="Target value (in the target's unit).")
    horizon: int | None = Field(default=None, description="Year by which it is due.")
    enabled: bool = Field(default=True, description="Report this target.")


class TargetsConfig(ScenarioModel):
    """Progress against T1-T19."""

    enabled: bool = Field(default=True, description="Evaluate the targets.")
    overrides: dict[str, TargetOverride] = Field(
        default_factory=dict, description="Target id (T1...T19) -> changed target or horizon."
    )
    resettled_share_basically: float = Field(
        default=0.95, gt=0, le=1, description="T11/T17 'basically': this share counts as done."
    )

    @field_validator("overrides")
    @classmethod
    def _known_ids(cls, value: dict[str, TargetOverride]) -> dict[str, TargetOverride]:
        bad = [k for k in value if k not in {f"T{i}" for i in range(1, 20)}]
        if bad:
            msg = f"unknown target id(s) {bad}; use T1 ... T19"
            raise ValueError(msg)
        return value


class CrosswalkConfig(ScenarioModel):
    """From the 2022 communes to the merged 2025 communes."""

    method: Literal["auto", "table", "overlay", "none"] = Field(
        default="auto",
        description=(
            "table: a 2025-code column on the communes (join a CSV/XLSX table keyed by "
            "commune code with `join:`); overlay: the 'communes_2025' layer (its 'members' "
            "column, else the area overlap); auto: whichever is given."
        ),
    )
    code_2022_field: str = Field(
        default="commune_code", description="Column with the 2022 commune code."
    )
    code_2025_field: str = Field(
        default="commune_code_2025", description="Column with the 2025 code."
    )
    name_2025_field: str = Field(
        default="commune_name_2025", description="Column with the 2025 name (optional)."
    )
    share_field: str = Field(
        default="area_share",
        description="Column with the share of the 2022 commune in the 2025 one (optional).",
    )
    members_field: str = Field(
        default="members",
        description=(
            "Column of the 'communes_2025' layer listing its 2022 commune codes (comma-separated); "
            "when present it is used instead of the area overlap."
        ),
    )
    min_share: float = Field(
        default=0.01,
        ge=0,
        lt=1,
        description="Overlay slivers below this share of the 2022 commune are dropped.",
    )


class PlanConfig(ScenarioModel):
    """Turning rankings into a plan: sites, budgets, targets and the 2025 crosswalk."""

    enabled: bool = Field(
        default=True, description="Run site selection, budget allocation and targets."
    )
    sites: SitesConfig = Field(default_factory=SitesConfig)
    assignment: AssignmentConfig = Field(default_factory=AssignmentConfig)
    allocation: AllocationConfig = Field(default_factory=AllocationConfig)
    targets: TargetsConfig = Field(default_factory=TargetsConfig)
    crosswalk: CrosswalkConfig = Field(default_factory=CrosswalkConfig)
