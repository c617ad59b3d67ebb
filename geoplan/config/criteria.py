"""The criteria catalogue as data: ``geoplan/scoring/criteria.yaml``, validated here.

Pydantic only, so that a scenario's criterion and rule ids are checked without
loading the scoring stage; :mod:`geoplan.scoring.catalogue` turns the entries into
:class:`~geoplan.scoring.catalogue.Criterion` and
:class:`~geoplan.scoring.catalogue.EligibilityRule` with their registered functions.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field

from geoplan.config._base import ScenarioModel, packaged_yaml

__all__ = [
    "CriteriaFile",
    "CriterionEntry",
    "FunctionRef",
    "RuleEntry",
    "criteria_file",
    "criterion_ids",
    "rule_ids",
]

CRITERIA_RESOURCE = ("scoring", "criteria.yaml")


class FunctionRef(ScenarioModel):
    """A registered function by id, with the arguments of its factory."""

    fn: str
    args: tuple[str | int | float, ...] = ()


class CriterionEntry(ScenarioModel):
    """One criterion: what it measures, which way it pushes, what it reads and cites."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_vi: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    unit: str
    direction: Literal["benefit", "cost"]
    indicator: str
    columns: tuple[str, ...] = Field(min_length=1)
    cites: tuple[str, ...]
    kind: Literal["count", "share", "flag", "number"] = "number"
    reason_en: str = ""
    reason_vi: str = ""
    level: Literal["village", "commune"] = "village"
    compute: FunctionRef | None = None


class RuleEntry(ScenarioModel):
    """One eligibility rule: a yes/no test and the words for a row that fails it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_en: str = Field(min_length=1)
    label_vi: str = Field(min_length=1)
    fails_en: str = Field(min_length=1)
    fails_vi: str = Field(min_length=1)
    cites: tuple[str, ...]
    test: FunctionRef


class CriteriaFile(ScenarioModel):
    """The whole catalogue file; ids are unique within each list."""

    criteria: tuple[CriterionEntry, ...]
    eligibility_rules: tuple[RuleEntry, ...]

    def model_post_init(self, _context: object) -> None:
        """Reject a repeated id (a later entry would silently shadow the first)."""
        for what, ids in (
            ("criterion", [c.id for c in self.criteria]),
            ("eligibility rule", [r.id for r in self.eligibility_rules]),
        ):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                msg = f"{'/'.join(CRITERIA_RESOURCE)}: repeated {what} ids {repeated}"
                raise ValueError(msg)


@cache
def criteria_file() -> CriteriaFile:
    """Return the validated catalogue shipped with geoplan (read once)."""
    return CriteriaFile.model_validate(packaged_yaml(*CRITERIA_RESOURCE))


def criterion_ids(level: Literal["village", "commune"] | None = None) -> list[str]:
    """Return the ids of the criteria (of one level, or all), in catalogue order."""
    return [c.id for c in criteria_file().criteria if level is None or c.level == level]


def rule_ids() -> list[str]:
    """Return the ids of the eligibility rules, in catalogue order."""
    return [r.id for r in criteria_file().eligibility_rules]
