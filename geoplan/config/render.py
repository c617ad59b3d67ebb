"""Scenario section: which outputs to write and how."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from geoplan.config._base import ScenarioModel

__all__ = ["OutputConfig"]


class OutputConfig(ScenarioModel):
    """Output options."""

    lang: Literal["vi", "en"] = Field(default="vi", description="Language of maps and reports.")
    top_n: int = Field(default=20, ge=1, description="Villages listed per track in the report.")
