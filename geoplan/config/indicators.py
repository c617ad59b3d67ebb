"""Scenario section: parameters of the overlay indicators."""

from __future__ import annotations

from pydantic import Field

from geoplan.config._base import ScenarioModel

__all__ = ["IndicatorConfig"]


class IndicatorConfig(ScenarioModel):
    """Parameters for per-village and per-commune indicators."""

    village_buffer_m: float = Field(
        default=500.0,
        gt=0,
        description=(
            "Radius of the area around a village point used for shares and terrain statistics."
        ),
    )
    high_landslide_level: int = Field(
        default=4,
        ge=1,
        le=5,
        description="Lowest landslide level counted as 'high' (4 = high, 5 = very high).",
    )
    border_belt_m: float = Field(
        default=5000.0, gt=0, description="Width of the border belt measured from the border line."
    )
    speeds_kmh: dict[str, float] = Field(
        default_factory=lambda: {
            "national": 50.0,
            "provincial": 40.0,
            "district": 30.0,
            "commune": 20.0,
            "track": 10.0,
            "offroad": 3.0,
        },
        description="Travel speed per road class and off road (km/h) for the friction surface.",
    )
    friction_resolution_m: float = Field(
        default=250.0, gt=0, description="Cell size of the travel-time friction surface."
    )
    landcover_speed_factor: dict[str, float] = Field(
        default_factory=lambda: {"special_use": 0.6, "protective": 0.7, "production": 0.85},
        description=(
            "Multiplier of the off-road speed inside each forest type (1 = no effect); "
            "off-road speed is also reduced on slopes by Tobler's hiking function."
        ),
    )
    centre_road_max_m: float = Field(
        default=500.0,
        ge=0,
        description=(
            "Commune and district centres are the village with most households among those "
            "within this distance of a road (among all villages when none is)."
        ),
    )
    max_walk_slope_deg: float = Field(
        default=20.0,
        gt=0,
        le=90,
        description=(
            "Off-road walking follows paths that zig-zag up steep ground: slopes above this "
            "are walked at this gradient in Tobler's hiking function."
        ),
    )
    border_commune_tolerance_m: float = Field(
        default=1000.0,
        ge=0,
        description=(
            "A commune whose polygon lies within this distance of the border line is a border "
            "commune (used only where the communes layer gives no is_border value)."
        ),
    )
    hazard_flag_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description=(
            "Flag a village for hazard review when at least this share of its area is "
            "high/very-high."
        ),
    )
    hazard_flag_distance_m: float = Field(
        default=200.0,
        ge=0,
        description="Flag a village for hazard review when a high/very-high zone is this close.",
    )
    exposure_near_m: float = Field(
        default=1000.0,
        ge=0,
        description=(
            "A village outside every high/very-high zone but this close to one is in landslide "
            "exposure class 1 ('near'; the hazard map's colours)."
        ),
    )
