"""Scenario section: the priority tracks and how they are scored."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from geoplan._base import ScenarioModel

__all__ = ["CriterionSpec", "ScoringConfig", "StabilityConfig", "TrackSpec"]


class CriterionSpec(ScenarioModel):
    """One criterion of a track, referring to the criteria catalogue by id."""

    id: str = Field(description="Criterion id from the catalogue (see `geoplan criteria`).")
    weight: float = Field(default=1.0, ge=0, description="Relative weight; normalised to sum 1 per track.")
    cites: list[str] = Field(
        default_factory=list,
        description="Resolution ids (P-..., T...) this weight implements; defaults to the catalogue's.",
    )


class TrackSpec(ScenarioModel):
    """One priority track (resettlement, infrastructure or investment)."""

    title_vi: str = Field(default="", description="Vietnamese title shown on maps and reports.")
    title_en: str = Field(default="", description="English title.")
    cites: list[str] = Field(default_factory=list, description="Resolution ids the track implements.")
    criteria: list[CriterionSpec] = Field(description="Criteria and their weights.")
    normalization: Literal["minmax", "vector", "rank"] = Field(
        default="minmax", description="How criteria are rescaled before aggregation."
    )
    method: Literal["weighted_sum", "weighted_product", "topsis"] = Field(
        default="weighted_sum", description="How normalised criteria are aggregated into a score."
    )
    eligibility: list[str] = Field(
        default_factory=list,
        description="Rules a village must meet to be ranked, as criterion-catalogue rule ids.",
    )
    classes: Literal["quantiles", "natural_breaks", "equal_interval"] = Field(
        default="natural_breaks", description="How scores are cut into priority classes 1-5 (1 = highest)."
    )


class StabilityConfig(ScenarioModel):
    """Monte Carlo weight perturbation for rank intervals."""

    draws: int = Field(default=1000, ge=0, description="Weight draws; 0 disables the analysis.")
    concentration: float = Field(
        default=50.0, gt=0, description="Dirichlet concentration around the base weights (higher = tighter)."
    )
    top_n: int = Field(default=20, ge=1, description="Report each village's probability of being in the top N.")
    random_state: int = Field(default=7, description="Seed.")


class ScoringConfig(ScenarioModel):
    """All tracks and the cross-track rules."""

    tracks: dict[Literal["resettlement", "infrastructure", "investment"], TrackSpec] = Field(
        description="The three priority tracks."
    )
    stability: StabilityConfig = Field(default_factory=StabilityConfig)
    resettled_also_infrastructure: bool = Field(
        default=False,
        description="P-NODUP: when false, a village chosen for resettlement is not ranked for in-place infrastructure.",
    )
