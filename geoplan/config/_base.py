"""Base class for the typed scenario models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ScenarioModel(BaseModel):
    """Frozen pydantic model that rejects unknown keys.

    Every section of a scenario derives from it, so a misspelt key in the
    YAML is an error that names the key instead of being silently ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
