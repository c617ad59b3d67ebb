"""The label catalogue as data: ``geoplan/labels.yaml``, validated here.

Pydantic only, like the criteria and target files; :mod:`geoplan.i18n` reads
the labels through :func:`labels_file`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import RootModel

from geoplan.config._base import ScenarioModel

__all__ = ["LABELS_RESOURCE", "Label", "LabelsFile", "labels_file"]

LABELS_RESOURCE = ("labels.yaml",)


class Label(ScenarioModel):
    """One interface label in Vietnamese and English (both required, no other key)."""

    vi: str
    en: str


class LabelsFile(RootModel[dict[str, dict[str, Label]]]):
    """The catalogue: group → key → :class:`Label`."""


@cache
def labels_file() -> LabelsFile:
    """Return the validated label catalogue shipped with geoplan (read once)."""
    text = resources.files("geoplan").joinpath(*LABELS_RESOURCE).read_text(encoding="utf-8")
    return LabelsFile.model_validate(yaml.safe_load(text))
