"""Scenario section ``plan:``: resettlement sites, budget allocation, targets, crosswalk.

The defaults describe the Kon Tum demo (2026-2030, the merged National Target
Programme funded from central and provincial sources); every number is a
planning assumption that a real scenario should restate.  Amounts are in
million VND.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from geoplan.config._base import ScenarioModel

__all__ = [
    "AllocationConfig",
    "AssignmentConfig",
    "BudgetLine",
    "CrosswalkConfig",
    "FundingOption",
    "InterventionSpec",
    "MinShare",
    "PlanConfig",
    "ProgrammeSpec",
    "SitesConfig",
    "TargetOverride",
    "TargetsConfig",
]

Track = Literal["resettlement", "infrastructure", "investment"]
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
        description="Farthest straight-line distance from a village to its site.",
    )
    scope: Literal["commune", "district", "province"] = Field(
        default="district",
        description="Sites must lie in the same commune / district, or anywhere.",
    )
    other_commune_penalty_m: float = Field(
        default=3000.0,
        ge=0,
        description="Added to the distance of a site outside the village's own commune (m).",
    )
    other_district_penalty_m: float = Field(
        default=10000.0,
        ge=0,
        description="Added to the distance of a site outside the village's district.",
    )
    nearest_sites: int = Field(
        default=40,
        ge=1,
        description="Candidate sites kept per village (the nearest ones) in the MILP.",
    )
    time_limit_s: float = Field(
        default=5.0, gt=0, description="HiGHS time limit for the assignment (all stages)."
    )


class FundingOption(ScenarioModel):
    """One way to pay for an intervention: a programme and the shares of its sources."""

    programme: str = Field(description="Programme id (a key of plan.allocation.programmes).")
    shares: dict[str, float] = Field(
        default_factory=lambda: {"central": 1.0},
        description="Source -> share of the cost, summing to 1 (e.g. central 0.8, provincial 0.2).",
    )

    @field_validator("shares")
    @classmethod
    def _shares_sum_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or any(v < 0 for v in value.values()) or abs(sum(value.values()) - 1.0) > 1e-6:
            msg = f"shares {value} must be non-negative and sum to 1"
            raise ValueError(msg)
        return value


class InterventionSpec(ScenarioModel):
    """One kind of intervention and where it is needed."""

    label_vi: str = Field(default="", description="Vietnamese label.")
    label_en: str = Field(default="", description="English label.")
    level: Literal["village", "commune"] = Field(
        default="village", description="Unit that receives it."
    )
    when: list[str] = Field(
        default_factory=list,
        description=(
            "Conditions (ANDed) on the unit's columns, each 'field op value' with op one of "
            "== != < <= > >=, e.g. 'all_season_road == false'. 'relocate' units are the placed "
            "at-risk villages whatever is written here."
        ),
    )
    relocation: bool = Field(
        default=False,
        description="This is the resettlement intervention (needs a site from the assignment).",
    )
    in_place: bool = Field(
        default=True,
        description="An upgrade in place; P-NODUP: never funded together with relocation.",
    )
    track: Track = Field(
        default="infrastructure", description="Whose priority score weighs the benefit."
    )
    unit_cost: float = Field(gt=0, description="Cost per unit or per household (million VND).")
    cost_per: Literal["unit", "household"] = Field(
        default="unit", description="What unit_cost is per."
    )
    beneficiaries: str = Field(
        default="households", description="Column counting the households that benefit."
    )
    benefit: Literal["score_x_beneficiaries", "beneficiaries", "score"] = Field(
        default="score_x_beneficiaries", description="How the benefit is computed."
    )
    benefit_weight: float = Field(default=1.0, ge=0, description="Multiplier to trade off kinds.")
    funding: list[FundingOption] = Field(
        min_length=1,
        description="Programmes (and their source shares) that may pay; one is chosen.",
    )


class ProgrammeSpec(ScenarioModel):
    """A National Target Programme."""

    label_vi: str = Field(default="", description="Vietnamese name.")
    label_en: str = Field(default="", description="English name.")
    period: tuple[int, int] | None = Field(default=None, description="First and last year it runs.")


class BudgetLine(ScenarioModel):
    """A yearly budget of one programme from one source."""

    programme: str = Field(description="Programme id.")
    source: str = Field(description="Funding source: central, provincial, integrated...")
    amount: float | dict[int, float] = Field(
        description="Amount per year (million VND): one number for every year, or year -> amount."
    )

    def for_year(self, year: int) -> float:
        """Return the amount available in ``year`` (0 when not listed)."""
        if isinstance(self.amount, dict):
            return float(self.amount.get(year, 0.0))
        return float(self.amount)


class MinShare(ScenarioModel):
    """A floor on what one district, one commune or one kind of intervention receives."""

    level: Literal["district", "commune", "kind"] = Field(
        description=(
            "What the floor applies to: an administrative unit, or a kind of intervention "
            "(e.g. 'resettlement', to honour T11 when cheaper needs would otherwise win)."
        )
    )
    code: str = Field(description="district_code, commune_code or the intervention kind.")
    cites: list[str] = Field(
        default_factory=list, description="Resolution ids (P-..., T...) this floor implements."
    )
    share: float = Field(gt=0, le=1, description="Minimum share.")
    basis: Literal["budget", "spend"] = Field(
        default="budget",
        description="Share of the total budget over the horizon, or of what is actually funded.",
    )


def _default_programmes() -> dict[str, ProgrammeSpec]:
    return {
        "NTP-NRD": ProgrammeSpec(
            label_vi="CTMTQG xây dựng nông thôn mới",
            label_en="NTP New rural development",
            period=(2021, 2025),
        ),
        "NTP-SPR": ProgrammeSpec(
            label_vi="CTMTQG giảm nghèo bền vững",
            label_en="NTP Sustainable poverty reduction",
            period=(2021, 2025),
        ),
        "NTP-EM": ProgrammeSpec(
            label_vi="CTMTQG phát triển KT-XH vùng đồng bào DTTS và miền núi",
            label_en="NTP Ethnic-minority and mountainous areas",
            period=(2021, 2030),
        ),
        "NTP-2026": ProgrammeSpec(
            label_vi="CTMTQG hợp nhất giai đoạn 2026-2035",
            label_en="Merged NTP 2026-2035",
            period=(2026, 2035),
        ),
    }


def _default_budgets() -> list[BudgetLine]:
    return [
        BudgetLine(programme="NTP-2026", source="central", amount=180000.0),
        BudgetLine(programme="NTP-2026", source="provincial", amount=20000.0),
        BudgetLine(programme="NTP-2026", source="integrated", amount=30000.0),
    ]


def _merged(**shares: float) -> list[FundingOption]:
    return [FundingOption(programme="NTP-2026", shares=shares)]


def _default_interventions() -> dict[str, InterventionSpec]:
    return {
        "resettlement": InterventionSpec(
            label_vi="Bố trí, sắp xếp ổn định dân cư",
            label_en="Resettlement",
            relocation=True,
            in_place=False,
            track="resettlement",
            unit_cost=250.0,
            cost_per="household",
            funding=_merged(central=0.9, provincial=0.1),
        ),
        "road": InterventionSpec(
            label_vi="Đường giao thông kết nối",
            label_en="All-season road",
            when=["all_season_road == false"],
            unit_cost=6000.0,
            funding=_merged(central=0.8, provincial=0.2),
        ),
        "grid": InterventionSpec(
            label_vi="Điện lưới",
            label_en="Grid power",
            when=["has_grid_power == false"],
            unit_cost=2500.0,
            funding=_merged(central=0.8, provincial=0.2),
        ),
        "water": InterventionSpec(
            label_vi="Nước sinh hoạt hợp vệ sinh",
            label_en="Hygienic water",
            when=["water_gap > 0.2"],
            unit_cost=12.0,
            cost_per="household",
            beneficiaries="households",
            funding=_merged(central=0.7, integrated=0.3),
        ),
        "communal_house": InterventionSpec(
            label_vi="Sửa chữa nhà rông",
            label_en="Communal-house repair",
            when=["has_communal_house == true", "communal_house_repaired == false"],
            unit_cost=800.0,
            funding=_merged(integrated=1.0),
        ),
        "production": InterventionSpec(
            label_vi="Hỗ trợ phát triển sản xuất",
            label_en="Production support",
            track="investment",
            when=["poverty_rate > 0.2"],
            in_place=False,
            unit_cost=15.0,
            cost_per="household",
            beneficiaries="poor_households",
            funding=_merged(central=0.6, integrated=0.4),
        ),
    }


class AllocationConfig(ScenarioModel):
    """Programmes, yearly budgets and candidate interventions."""

    enabled: bool = Field(default=True, description="Run the budget allocation.")
    years: list[int] = Field(
        default_factory=lambda: [2026, 2027, 2028, 2029, 2030],
        min_length=1,
        description="Years to phase over.",
    )
    currency: str = Field(default="million VND", description="Unit of every amount.")
    programmes: dict[str, ProgrammeSpec] = Field(default_factory=_default_programmes)
    budgets: list[BudgetLine] = Field(default_factory=_default_budgets, min_length=1)
    interventions: dict[str, InterventionSpec] = Field(default_factory=_default_interventions)
    min_shares: list[MinShare] = Field(
        default_factory=list, description="Floors per district or commune."
    )
    carry_over: bool = Field(
        default=False,
        description="Unspent budget of a year may be spent in later years of the same line.",
    )
    discount: float = Field(
        default=0.03,
        ge=0,
        lt=1,
        description="Yearly time preference: a benefit in year t counts (1 - discount)^(t - t0).",
    )
    time_limit_s: float = Field(default=30.0, gt=0, description="HiGHS time limit.")
    mip_rel_gap: float = Field(
        default=0.005, gt=0, lt=1, description="Relative optimality gap to stop at (0.005 = 0.5%)."
    )

    @field_validator("years")
    @classmethod
    def _sorted_unique(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _known_programmes(self) -> AllocationConfig:
        problems: list[str] = []
        for i, line in enumerate(self.budgets):
            if line.programme not in self.programmes:
                problems.append(f"budgets[{i}].programme {line.programme!r}")
        for kind, spec in self.interventions.items():
            for j, option in enumerate(spec.funding):
                if option.programme not in self.programmes:
                    problems.append(
                        f"interventions.{kind}.funding[{j}].programme {option.programme!r}"
                    )
        if problems:
            msg = (
                "unknown programme(s): "
                + ", ".join(problems)
                + "; declare them under plan.allocation.programmes "
                + f"(known: {sorted(self.programmes)})"
            )
            raise ValueError(msg)
        return self


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
