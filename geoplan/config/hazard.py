"""Scenario section: the landslide susceptibility model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from geoplan.config._base import ScenarioModel

__all__ = ["SusceptibilityConfig"]


class SusceptibilityConfig(ScenarioModel):
    """How to fit and apply the landslide susceptibility model."""

    enabled: bool = Field(
        default=True, description="Fit the model when a DEM and an inventory are given."
    )
    model: Literal["logistic", "random_forest", "gradient_boosting"] = Field(
        default="random_forest", description="scikit-learn estimator to fit."
    )
    block_size_m: float = Field(
        default=15000.0,
        gt=0,
        description="Side of the square blocks used for spatial cross-validation.",
    )
    folds: int = Field(default=5, ge=2, description="Number of cross-validation folds.")
    absence_ratio: float = Field(default=3.0, gt=0, description="Absences sampled per presence.")
    absence_buffer_m: float = Field(
        default=500.0,
        ge=0,
        description="No absence is sampled within this distance of a recorded landslide.",
    )
    classes: Literal["natural_breaks", "quantiles"] = Field(
        default="quantiles", description="How the probability map is cut into 5 levels."
    )
    random_state: int = Field(default=42, description="Seed for sampling and the estimator.")
    factors: list[
        Literal[
            "slope", "aspect_sin", "aspect_cos", "plan_curvature", "profile_curvature",
            "relief", "twi", "dist_river", "dist_road", "forest", "rainfall",
        ]
    ] | None = Field(
        default=None,
        description=(
            "Conditioning factors to use; default: every factor whose layer is given "
            "('forest' adds one 0/1 factor per forest type)."
        ),
    )  # fmt: skip
    params: dict[str, int | float | str | bool | None] = Field(
        default_factory=dict,
        description=(
            "Hyper-parameters passed to the estimator, overriding geoplan's defaults "
            "(e.g. n_estimators, min_samples_leaf, C, learning_rate)."
        ),
    )
    relief_radius_m: float = Field(
        default=150.0, gt=0, description="Radius of the window for local relief (max - min)."
    )
    min_zone_area_m2: float = Field(
        default=100000.0,
        ge=0,
        description=(
            "Patches of a level smaller than this are merged into their neighbours before "
            "vectorising."
        ),
    )
    disagreement_classes: Literal["matched", "model"] = Field(
        default="matched",
        description=(
            "Model levels compared with the official zones: 'matched' re-cuts the probability "
            "so each level covers the same share of land as in the official map (compares "
            "rankings); 'model' uses the model's own levels."
        ),
    )
    n_jobs: int | None = Field(
        default=-1,
        description=(
            "OpenMP threads of gradient boosting (-1: all cores); the random forest is fitted "
            "on one thread and applied on two. The results do not depend on it."
        ),
    )
    window_rows: int = Field(
        default=256, ge=8, description="Raster rows per prediction window (bounds memory use)."
    )
    truth_scale: float = Field(
        default=250.0,
        gt=0,
        description=(
            "Divide the 'landslide_truth' layer (synthetic data only) by this to get a "
            "probability; the demo stores p*250 as uint8."
        ),
    )
