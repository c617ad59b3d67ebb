"""Scenario section: the landslide susceptibility model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from geoplan._base import ScenarioModel

__all__ = ["SusceptibilityConfig"]


class SusceptibilityConfig(ScenarioModel):
    """How to fit and apply the landslide susceptibility model."""

    enabled: bool = Field(default=True, description="Fit the model when a DEM and an inventory are given.")
    model: Literal["logistic", "random_forest", "gradient_boosting"] = Field(
        default="random_forest", description="scikit-learn estimator to fit."
    )
    block_size_m: float = Field(
        default=15000.0, gt=0, description="Side of the square blocks used for spatial cross-validation."
    )
    folds: int = Field(default=5, ge=2, description="Number of cross-validation folds.")
    absence_ratio: float = Field(default=3.0, gt=0, description="Absences sampled per presence.")
    absence_buffer_m: float = Field(
        default=500.0, ge=0, description="No absence is sampled within this distance of a recorded landslide."
    )
    classes: Literal["natural_breaks", "quantiles"] = Field(
        default="quantiles", description="How the probability map is cut into 5 levels."
    )
    random_state: int = Field(default=42, description="Seed for sampling and the estimator.")
