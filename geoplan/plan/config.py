"""Scenario section: resettlement sites, budgets and targets."""

from __future__ import annotations

from pydantic import Field

from geoplan._base import ScenarioModel

__all__ = ["PlanConfig"]


class PlanConfig(ScenarioModel):
    """Turning rankings into a plan (filled in by the planning stage)."""

    enabled: bool = Field(default=True, description="Run site selection, budget allocation and targets.")
