"""The label catalogue as data: ``geoplan/labels.yaml``, validated here.

Pydantic only, like the criteria and target files; :mod:`geoplan.i18n` reads
the labels through :func:`labels_file`.
"""

from __future__ import annotations

from functools import cache

from pydantic import RootModel

from geoplan.config._base import ScenarioModel, packaged_yaml

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
    return LabelsFile.model_validate(packaged_yaml(*LABELS_RESOURCE))
