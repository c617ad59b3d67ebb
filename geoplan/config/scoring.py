"""Scenario section ``scoring:``: the priority tracks, their criteria, weights and methods.

Every field has a default, so ``scoring: {}`` gives the three default tracks
built from the criteria catalogue (``geoplan criteria``), each weight citing
the resolution ids it implements (cited in ``scoring/criteria.yaml``).  A track can replace its
criteria, take its weights from AHP pairwise matrices (one per expert,
combined by the geometric mean), change normalisation, aggregation, missing
value rules, eligibility rules and class breaks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from geoplan.config._base import ScenarioModel
from geoplan.config.criteria import criterion_ids, rule_ids

__all__ = [
    "TRACKS",
    "AHPSpec",
    "CommuneRankingSpec",
    "CriterionSpec",
    "EligibilitySpec",
    "ScoringConfig",
    "StabilityConfig",
    "TrackSpec",
]

TRACKS: tuple[str, ...] = ("resettlement", "infrastructure", "investment")
TrackName = Literal["resettlement", "infrastructure", "investment"]
NormalizationName = Literal["minmax", "vector", "rank", "value"]
MissingRule = Literal["refuse", "zero", "median", "min", "max", "worst", "best"]
ClassScheme = Literal["natural_breaks", "quantiles", "equal_interval", "quotas"]
MethodName = Literal["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii"]


class CriterionSpec(ScenarioModel):
    """One criterion of a track, referring to the criteria catalogue by id."""

    id: str = Field(description="Criterion id from the catalogue (see `geoplan criteria`).")
    weight: float = Field(
        default=1.0,
        ge=0,
        description="Relative weight; normalised to sum 1 per track (ignored with AHP).",
    )
    cites: list[str] = Field(
        default_factory=list,
        description="Resolution ids (P-..., T...) this weight implements, added to the catalogue's "
        "citations.",
    )
    normalization: NormalizationName | None = Field(
        default=None, description="Override the track's normalisation for this criterion."
    )
    value_function: list[tuple[float, float]] | None = Field(
        default=None,
        description="(threshold, value 0-1) pairs for normalization 'value', "
        "e.g. [[15, 0], [120, 1]].",
    )
    missing: MissingRule | None = Field(
        default=None, description="Override the track's rule for filling missing values."
    )

    @model_validator(mode="after")
    def _value_function_given(self) -> CriterionSpec:
        if self.normalization == "value" and not self.value_function:
            msg = f"criterion {self.id!r}: normalization 'value' needs value_function points"
            raise ValueError(msg)
        if self.value_function:
            xs = [p[0] for p in self.value_function]
            if xs != sorted(xs) or any(not 0 <= p[1] <= 1 for p in self.value_function):
                msg = (
                    f"criterion {self.id!r}: value_function thresholds must increase and "
                    "values lie in [0, 1]"
                )
                raise ValueError(msg)
        return self


class AHPSpec(ScenarioModel):
    """Weights from pairwise comparisons (Saaty's AHP), one matrix per expert."""

    criteria: list[str] = Field(description="Criterion ids in the order of the matrix rows.")
    matrices: list[list[list[float]]] = Field(
        description="One square matrix per expert: a[i][j] = how much more important i is "
        'than j (Saaty 1-9 scale; fractions may be written "1/3").'
    )
    max_cr: float = Field(
        default=0.10, ge=0, description="Largest consistency ratio accepted (Saaty: 0.10)."
    )
    allow_inconsistent: bool = Field(
        default=False, description="Accept a consistency ratio above max_cr (it is still reported)."
    )
    random_index: Literal["saaty1980", "saaty2005"] = Field(
        default="saaty1980", description="Random-index table used for the consistency ratio."
    )

    @field_validator("matrices", mode="before")
    @classmethod
    def _fractions(cls, value: object) -> object:
        """Accept Saaty-scale fractions written as text, e.g. ``"1/3"``."""

        def parse(v: object) -> object:
            if isinstance(v, str) and "/" in v:
                num, _, den = v.partition("/")
                try:
                    return float(num) / float(den)
                except (ValueError, ZeroDivisionError):
                    return v
            return v

        if isinstance(value, list):
            return [
                [[parse(v) for v in row] if isinstance(row, list) else row for row in m]
                if isinstance(m, list)
                else m
                for m in value
            ]
        return value


class EligibilitySpec(ScenarioModel):
    """Which villages a track ranks: every rule of ``all`` and at least one of ``any``."""

    all: list[str] = Field(
        default_factory=lambda: ["has_households"], description="Rules that must all hold."
    )
    any: list[str] = Field(
        default_factory=list, description="At least one of these must hold (ignored when empty)."
    )


class TrackSpec(ScenarioModel):
    """One priority track (resettlement, infrastructure or investment)."""

    title_vi: str = Field(default="", description="Vietnamese title shown on maps and reports.")
    title_en: str = Field(default="", description="English title.")
    cites: list[str] = Field(
        default_factory=list, description="Resolution ids the track implements."
    )
    criteria: list[CriterionSpec] = Field(description="Criteria and their weights.")
    weights_from: Literal["direct", "ahp"] = Field(
        default="direct", description="'direct': the criteria weights; 'ahp': from the ahp block."
    )
    ahp: AHPSpec | None = Field(
        default=None, description="Pairwise matrices when weights_from is 'ahp'."
    )
    normalization: Literal["minmax", "vector", "rank"] = Field(
        default="minmax", description="How criteria are rescaled to 0-1 before aggregation."
    )
    method: MethodName = Field(
        default="weighted_sum",
        description="How normalised criteria are aggregated into a 0-1 score: weighted_sum, "
        "weighted_product, topsis (closeness), vikor (1 - Q, v = 0.5) or promethee_ii "
        "((1 + net flow) / 2; compares every pair, practical up to about 5,000 villages).",
    )
    missing: MissingRule = Field(
        default="refuse",
        description="Missing criterion values: 'refuse' (default: the run stops naming the "
        "villages) or a fill rule, zero, median, min, max, worst (least priority) or best; every "
        "filled value is reported and listed in the <track>_imputed column.",
    )
    eligibility: EligibilitySpec = Field(default_factory=EligibilitySpec)
    tie_break: list[str] = Field(
        default_factory=list,
        description="Indicator columns (larger first) that break score ties before village_id.",
    )
    classes: ClassScheme = Field(
        default="natural_breaks",
        description="How scores are cut into priority classes 1-5 (1 = highest).",
    )
    class_quotas: list[float] | None = Field(
        default=None,
        description="For classes 'quotas': share of ranked villages in class 1..5, summing to 1.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TrackSpec:
        ids = [c.id for c in self.criteria]
        if not ids:
            msg = "a track needs at least one criterion"
            raise ValueError(msg)
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            msg = f"criteria listed twice: {dup}"
            raise ValueError(msg)
        if self.weights_from == "ahp":
            if self.ahp is None:
                msg = "weights_from 'ahp' needs an ahp block (criteria and matrices)"
                raise ValueError(msg)
            if sorted(self.ahp.criteria) != sorted(ids):
                msg = (
                    f"ahp.criteria {self.ahp.criteria} must list exactly the track's criteria {ids}"
                )
                raise ValueError(msg)
            from geoplan.errors import ScoringError
            from geoplan.scoring.ahp import ahp_weights

            m = len(ids)
            for k, mat in enumerate(self.ahp.matrices):
                if len(mat) != m or any(len(row) != m for row in mat):
                    msg = f"ahp matrix {k + 1} must be {m} x {m} (one row and column per criterion)"
                    raise ValueError(msg)
            try:
                _, cr = ahp_weights(self.ahp.matrices, random_index=self.ahp.random_index)
            except ScoringError as exc:
                raise ValueError(str(exc)) from exc
            if cr > self.ahp.max_cr and not self.ahp.allow_inconsistent:
                msg = (
                    f"the AHP judgements are inconsistent: consistency ratio {cr:.3f} > "
                    f"{self.ahp.max_cr:.2f}; revise the comparisons or set "
                    "ahp.allow_inconsistent: true"
                )
                raise ValueError(msg)
        elif sum(c.weight for c in self.criteria) <= 0:
            msg = "at least one criterion weight must be positive"
            raise ValueError(msg)
        if self.classes == "quotas":
            q = self.class_quotas
            if not q or any(v < 0 for v in q) or abs(sum(q) - 1.0) > 1e-6:
                msg = "classes 'quotas' needs class_quotas: shares per class summing to 1"
                raise ValueError(msg)
        return self


class StabilityConfig(ScenarioModel):
    """Monte Carlo weight perturbation and one-at-a-time sweeps."""

    draws: int = Field(default=1000, ge=0, description="Weight draws; 0 disables the analysis.")
    concentration: float = Field(
        default=50.0,
        gt=0,
        description="Dirichlet concentration around the base weights (higher = tighter).",
    )
    top_n: int = Field(
        default=20, ge=1, description="Report each village's probability of being in the top N."
    )
    random_state: int = Field(default=7, description="Seed of the weight draws.")
    chunk_size: int = Field(
        default=64, ge=1, description="Weight draws processed together (memory bound)."
    )
    sweep_steps: int = Field(
        default=41, ge=3, description="Grid points (weights 0..1) of the one-at-a-time sweeps."
    )


class CommuneRankingSpec(ScenarioModel):
    """Commune ranking for the commune-based NTM programme (P-NTM)."""

    enabled: bool = Field(default=True, description="Rank communes.")
    cites: list[str] = Field(default_factory=lambda: ["P-NTM", "T1", "T5"])
    criteria: list[CriterionSpec] = Field(
        default_factory=lambda: [
            CriterionSpec(id="c_below_15", weight=0.20),
            CriterionSpec(id="c_ntm_gap", weight=0.15),
            CriterionSpec(id="c_not_ntm", weight=0.10),
            CriterionSpec(id="c_atk", weight=0.15),
            CriterionSpec(id="c_region_iii", weight=0.10),
            CriterionSpec(id="c_especially_difficult", weight=0.05),
            CriterionSpec(id="c_border", weight=0.05),
            CriterionSpec(id="c_poverty_rate", weight=0.10),
            CriterionSpec(id="c_no_cooperative", weight=0.05),
            CriterionSpec(id="c_infrastructure_priority1", weight=0.05),
        ],
        description="Commune-level criteria (level 'commune' in the catalogue).",
    )
    normalization: Literal["minmax", "vector", "rank"] = Field(default="minmax")
    method: MethodName = Field(default="weighted_sum")
    missing: MissingRule = Field(default="refuse")
    classes: ClassScheme = Field(default="natural_breaks")


def _c(cid: str, weight: float, *cites: str) -> CriterionSpec:
    return CriterionSpec(id=cid, weight=weight, cites=list(cites))


def default_tracks() -> dict[TrackName, TrackSpec]:
    """Return the default three tracks; every weight cites the resolution."""
    return {
        "resettlement": TrackSpec(
            title_vi="Sắp xếp, ổn định dân cư",
            title_en="Resettlement and population stabilisation",
            cites=["P-RESETTLE", "T11"],
            criteria=[
                _c("hh_exposed_high", 0.30, "P-RESETTLE", "T11"),
                _c("hh_exposed_very_high", 0.15, "P-RESETTLE", "T11"),
                _c("landslide_susceptibility", 0.10, "P-RESETTLE"),
                _c("protection_forest", 0.15, "P-RESETTLE"),
                _c("slope_mean", 0.10, "P-RESETTLE", "T11"),
                _c("border_belt", 0.05, "P-RESETTLE", "P-BORDER"),
                _c("em_no_residential_land", 0.10, "P-RESETTLE", "T9"),
                _c("especially_difficult_village", 0.05, "P-RESETTLE", "T17"),
            ],
            eligibility=EligibilitySpec(
                all=["has_households"], any=["landslide_exposed", "in_protection_forest"]
            ),
            tie_break=["hh_exposed_high", "households"],
        ),
        "infrastructure": TrackSpec(
            title_vi="Đầu tư hạ tầng tại chỗ",
            title_en="In-place infrastructure",
            cites=["P-NTM", "P-INFRA", "T5", "T13"],
            criteria=[
                _c("commune_below_15", 0.15, "P-NTM", "T5"),
                _c("commune_ntm_gap", 0.05, "P-NTM", "T6"),
                _c("commune_atk", 0.10, "P-NTM"),
                _c("commune_region_iii", 0.10, "P-INFRA"),
                _c("especially_difficult_village", 0.10, "P-INFRA", "T17"),
                _c("border_commune", 0.05, "P-INFRA", "P-BORDER"),
                _c("no_all_season_road", 0.15, "P-INFRA"),
                _c("no_grid_power", 0.10, "P-INFRA"),
                _c("water_gap", 0.10, "T13", "T16"),
                _c("travel_time_commune", 0.10, "P-INFRA"),
            ],
            tie_break=["households"],
        ),
        "investment": TrackSpec(
            title_vi="Đầu tư sinh kế, giảm nghèo",
            title_en="Investment and livelihoods",
            cites=["P-POOR", "P-PROD", "T9", "T10", "T18", "T19"],
            criteria=[
                _c("poverty_rate", 0.20, "P-POOR", "T18"),
                _c("near_poverty_rate", 0.10, "P-POOR", "T18"),
                _c("poor_households", 0.10, "P-POOR", "P-FOCUS"),
                _c("em_share", 0.10, "P-POOR", "P-PROD"),
                _c("disadvantaged_group", 0.10, "P-POOR"),
                _c("em_no_production_land", 0.15, "T9", "P-PROD"),
                _c("em_no_residential_land_share", 0.05, "T9"),
                _c("commune_no_cooperative", 0.10, "T7", "T10"),
                _c("poor_district", 0.05, "T19"),
                _c("commune_poverty_rate", 0.05, "T18"),
            ],
            eligibility=EligibilitySpec(
                all=["has_households"], any=["has_poor_households", "has_em_households"]
            ),
            tie_break=["poor_households", "households"],
        ),
    }


class ScoringConfig(ScenarioModel):
    """All tracks and the cross-track rules."""

    tracks: dict[TrackName, TrackSpec] = Field(
        default_factory=default_tracks, description="The priority tracks (default: all three)."
    )
    stability: StabilityConfig = Field(default_factory=StabilityConfig)
    resettled_also_infrastructure: bool = Field(
        default=False,
        description="P-NODUP: when false, a village chosen for resettlement is not ranked for "
        "in-place infrastructure.",
    )
    nodup_max_class: int = Field(
        default=1,
        ge=1,
        le=5,
        description="P-NODUP: resettlement classes 1..this count as 'chosen for resettlement'.",
    )
    steep_slope_deg: float = Field(
        default=25.0,
        gt=0,
        description="Mean slope (degrees) of the 'steep_slope' eligibility rule.",
    )
    disadvantaged_groups: list[str] | None = Field(
        default=None,
        description="Ethnic groups counted as most disadvantaged (default: the groups with "
        "very few people).",
    )
    top_n: int = Field(
        default=20,
        ge=1,
        description="Villages named in 'what would change it' sentences (the top N).",
    )
    communes: CommuneRankingSpec = Field(default_factory=CommuneRankingSpec)

    @field_validator("tracks")
    @classmethod
    def _known_ids(cls, tracks: dict[str, TrackSpec]) -> dict[str, TrackSpec]:
        known = set(criterion_ids(level="village"))
        rules = set(rule_ids())
        problems: list[str] = []
        for name, track in tracks.items():
            problems.extend(
                f"tracks.{name}: unknown criterion {c.id!r}"
                for c in track.criteria
                if c.id not in known
            )
            problems.extend(
                f"tracks.{name}.eligibility: unknown rule {r!r}"
                for r in [*track.eligibility.all, *track.eligibility.any]
                if r not in rules
            )
        if problems:
            msg = "; ".join(problems) + (
                f" (known criteria: {', '.join(sorted(known))}; rules: {', '.join(sorted(rules))})"
            )
            raise ValueError(msg)
        return tracks

    @field_validator("communes")
    @classmethod
    def _known_commune_ids(cls, spec: CommuneRankingSpec) -> CommuneRankingSpec:
        known = set(criterion_ids(level="commune"))
        bad = [c.id for c in spec.criteria if c.id not in known]
        if bad:
            msg = f"communes: unknown commune criteria {bad}; known: {', '.join(sorted(known))}"
            raise ValueError(msg)
        return spec
