"""Scenario section ``plan.allocation``: programmes, yearly budgets, candidate interventions.

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
    "BudgetLine",
    "FundingOption",
    "InPlaceException",
    "InterventionSpec",
    "MinShare",
    "ProgrammeSpec",
]

Track = Literal["resettlement", "infrastructure", "investment"]


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
    site_preparation_cost: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Relocation only: preparing one site (levelling, water, power; million VND), "
            "shared by the villages moving there in proportion to their households."
        ),
    )
    access_road_cost_per_km: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Relocation only: access road per km from the site to the nearest road (the site's "
            "road_dist_mean_m; million VND), shared like the site preparation."
        ),
    )
    funding: list[FundingOption] = Field(
        min_length=1,
        description="Programmes (and their source shares) that may pay; one is chosen.",
    )


class InPlaceException(ScenarioModel):
    """An in-place need a village that is to move may still be funded for (e.g. emergency works)."""

    kind: str = Field(description="Intervention kind (a key of plan.allocation.interventions).")
    cites: list[str] = Field(
        min_length=1, description="Resolution ids or documents that allow it (required)."
    )
    note: str = Field(default="", description="Why (shown in the report).")


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
            site_preparation_cost=3000.0,
            access_road_cost_per_km=4000.0,
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
    in_place_exceptions: list[InPlaceException] = Field(
        default_factory=list,
        description=(
            "In-place kinds that villages assigned to a site may still receive at their old "
            "site, each with a citation; every other village-level need of a moving village "
            "is left out of the allocation."
        ),
    )
    node_work: float = Field(
        default=1.2e6,
        gt=0,
        description=(
            "Solver effort: branch-and-bound nodes x variables (the node limit shrinks as the "
            "model grows). Never a time limit, so a busy machine gives the same plan."
        ),
    )
    max_milp_variables: int = Field(
        default=100_000,
        ge=1,
        description=(
            "Largest model (variables: candidates x funding options x years) solved as one "
            "MILP; a larger one is solved over the candidates its LP relaxation funds at all, "
            "from a plan in the LP's order, with the gap proven against the whole LP bound "
            "(allocation_summary milp_scope says which)."
        ),
    )
    mip_rel_gap: float = Field(
        default=0.005,
        gt=0,
        lt=1,
        description=(
            "Relative gap at which HiGHS may stop (0.005 = 0.5%); the plan is called optimal "
            "only within 0.01%, otherwise feasible with its proven gap."
        ),
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
        for j, exc in enumerate(self.in_place_exceptions):
            if exc.kind not in self.interventions:
                problems.append(f"in_place_exceptions[{j}].kind {exc.kind!r} (not an intervention)")
        if problems:
            msg = (
                "unknown programme(s) or kind(s): "
                + ", ".join(problems)
                + "; declare them under plan.allocation.programmes "
                + f"(known: {sorted(self.programmes)})"
            )
            raise ValueError(msg)
        return self
