"""The target registry as data: ``geoplan/plan/targets.yaml``, validated here.

Pydantic only; :mod:`geoplan.plan.targets` builds its ``TargetDef`` entries from
these, with the compute functions it registers by id.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field

from geoplan.config._base import ScenarioModel, packaged_yaml

__all__ = ["TargetEntry", "TargetFunctionRef", "TargetsFile", "targets_file"]

TARGETS_RESOURCE = ("plan", "targets.yaml")


class TargetFunctionRef(ScenarioModel):
    """A registered compute function by id, with the arguments of its factory."""

    fn: str
    args: tuple[bool | int | float | str | tuple[str, ...], ...] = ()


class TargetEntry(ScenarioModel):
    """One target of the resolution (see ``TargetDef`` for the meaning of each field)."""

    id: str = Field(pattern=r"^T[0-9]+$")
    label_vi: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    programme: Literal["NRD", "EM", "SPR"]
    indicator: str = Field(min_length=1)
    unit: Literal["count", "share", "points_per_year"]
    target: int | float
    horizon: int = Field(ge=2000, le=2100)
    direction: Literal["min", "max"]
    kind: Literal["level", "rate"]
    fields: tuple[str, ...]
    per_district: bool
    compute: TargetFunctionRef
    per_commune: bool = True


class TargetsFile(ScenarioModel):
    """The whole registry; ids are unique."""

    targets: tuple[TargetEntry, ...]

    def model_post_init(self, _context: object) -> None:
        """Reject a repeated id (a later entry would silently shadow the first)."""
        ids = [t.id for t in self.targets]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            msg = f"{'/'.join(TARGETS_RESOURCE)}: repeated target ids {repeated}"
            raise ValueError(msg)


@cache
def targets_file() -> TargetsFile:
    """Return the validated target registry shipped with geoplan (read once)."""
    return TargetsFile.model_validate(packaged_yaml(*TARGETS_RESOURCE))
