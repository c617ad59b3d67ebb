"""Base class for the typed scenario models."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

# Largest magnitude any scenario number may have.  Amounts are in million VND (a
# province's yearly budget is < 1e8), counts and weights far smaller; 1e12 leaves
# room for any real value while keeping sums, products and squares finite.
MAX_MAGNITUDE = 1e12


def packaged_yaml(*parts: str) -> Any:
    """Return the parsed YAML file ``parts`` shipped inside the geoplan package.

    Parsed by libyaml when PyYAML has it (the label catalogue parses in 14 ms instead of
    100 ms); the pure-Python loader gives the same values.  Scenario files, whose errors
    point at lines, keep the pure-Python loader (:mod:`geoplan.scenario`).
    """
    text = resources.files("geoplan").joinpath(*parts).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _first_out_of_range(value: Any, path: str) -> tuple[str, Any] | None:
    """Return ``(path, value)`` of the first number that is not finite or too large."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return path, value
        if abs(value) > MAX_MAGNITUDE:
            return path, value
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _first_out_of_range(item, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _first_out_of_range(item, f"{path}.{key}")
            if found:
                return found
    return None


class ScenarioModel(BaseModel):
    """Frozen pydantic model that rejects unknown keys and numbers that cannot be right.

    Every section of a scenario derives from it, so a misspelt key in the
    YAML is an error that names the key instead of being silently ignored,
    and every number (weights, budgets, thresholds, counts, in lists and
    mappings too) must be finite and at most :data:`MAX_MAGNITUDE` in size:
    ``.inf``, ``.nan`` or ``1e308`` are refused at validation, by field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _numbers_in_range(self) -> ScenarioModel:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                continue  # validated by its own model
            found = _first_out_of_range(value, name)
            if found is not None:
                where, number = found
                msg = (
                    f"{where} = {number!r}: every number in a scenario must be finite and "
                    f"at most {MAX_MAGNITUDE:g} in size"
                )
                raise ValueError(msg)
        return self
