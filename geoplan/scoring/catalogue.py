"""The criteria catalogue and the eligibility rules.

A :class:`Criterion` says what a criterion measures (labels in Vietnamese and
English, unit), which way it pushes priority (``direction``), which
indicator columns it reads (``columns``, computed by ``compute`` when it is
more than a plain column) and which sentences of the resolution it implements
(``cites``: ids of ``RESOLUTION.md``).  Scenarios pick criteria by id and give
them weights; they never write formulas.

An :class:`EligibilityRule` decides whether a village (or commune) is ranked
at all in a track; a village that fails gets a reason naming the rule.

Both are data: ``criteria.yaml`` beside this module, validated by
:mod:`geoplan.config.criteria`; the functions it names are registered by id in
:mod:`geoplan.scoring.criterion_functions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeVar

import pandas as pd

from geoplan.config.criteria import FunctionRef, criteria_file
from geoplan.scoring.criterion_functions import (
    COMPUTE_FUNCTIONS,
    DISADVANTAGED_GROUPS,
    TEST_FUNCTIONS,
    RowFunction,
    RuleContext,
    column,
)

__all__ = [
    "DISADVANTAGED_GROUPS",
    "Criterion",
    "EligibilityRule",
    "RuleContext",
    "column",
    "criteria_catalogue",
    "eligibility_rules",
    "get_criterion",
    "get_rule",
]

Direction = Literal["benefit", "cost"]
Kind = Literal["count", "share", "flag", "number"]
Level = Literal["village", "commune"]


@dataclass(frozen=True)
class Criterion:
    """One entry of the criteria catalogue.

    Attributes
    ----------
    id
        Stable identifier used in scenarios and in ``<track>_contrib_<id>`` columns.
    label_vi, label_en
        Short labels (Vietnamese with diacritics, NFC; English).
    unit
        Unit of the raw value (``"households"``, ``"share"``, ``"0/1"``, ``"min"``...).
    direction
        ``"benefit"``: more of it means more priority; ``"cost"``: less priority.
    indicator
        What it reads, as a short expression over indicator columns.
    columns
        The indicator columns it reads.
    cites
        Resolution ids (P-..., T...) it implements.
    kind
        How values are written in reasons: count, share (0-1), flag (0/1), number.
    reason_en, reason_vi
        Phrase templates for reasons; ``{v}`` is the formatted value and
        ``{forest}`` the forest name (for forest criteria).
    level
        ``"village"`` or ``"commune"`` (commune ranking).
    compute
        Function ``(frame, context) -> Series``; ``None`` reads ``columns[0]``.
    """

    id: str
    label_vi: str
    label_en: str
    unit: str
    direction: Direction
    indicator: str
    columns: tuple[str, ...]
    cites: tuple[str, ...]
    kind: Kind = "number"
    reason_en: str = ""
    reason_vi: str = ""
    level: Level = "village"
    compute: Callable[[pd.DataFrame, RuleContext], pd.Series] | None = field(
        default=None, compare=False, repr=False
    )

    def values(self, frame: pd.DataFrame, context: RuleContext | None = None) -> pd.Series:
        """Return the raw criterion values for every row of ``frame`` (NaN when unknown)."""
        ctx = context or RuleContext()
        if self.compute is not None:
            return self.compute(frame, ctx).astype("float64")
        return column(frame, self.columns[0])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable description (for docs, reports and the CLI)."""
        return {
            "id": self.id,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "unit": self.unit,
            "direction": self.direction,
            "indicator": self.indicator,
            "columns": list(self.columns),
            "cites": list(self.cites),
            "level": self.level,
        }


@dataclass(frozen=True)
class EligibilityRule:
    """A yes/no condition a row must meet to be ranked in a track.

    ``fails_en`` / ``fails_vi`` describe a row that does *not* meet it; they
    are joined into the row's reason.
    """

    id: str
    label_en: str
    label_vi: str
    fails_en: str
    fails_vi: str
    cites: tuple[str, ...]
    test: Callable[[pd.DataFrame, RuleContext], pd.Series] = field(compare=False, repr=False)

    def evaluate(self, frame: pd.DataFrame, context: RuleContext | None = None) -> pd.Series:
        """Return a boolean Series (unknown values count as not met)."""
        return self.test(frame, context or RuleContext()).fillna(False).astype(bool)


def _function(ref: FunctionRef, registry: Mapping[str, Callable[..., RowFunction]]) -> RowFunction:
    """Return the registered function ``ref.fn`` made with ``ref.args``."""
    try:
        factory = registry[ref.fn]
    except KeyError:
        msg = f"criteria.yaml: unknown function {ref.fn!r}; known: {', '.join(sorted(registry))}"
        raise KeyError(msg) from None
    return factory(*ref.args)


@cache
def _catalogue() -> tuple[Criterion, ...]:
    return tuple(
        Criterion(
            **entry.model_dump(exclude={"compute"}),
            compute=None if entry.compute is None else _function(entry.compute, COMPUTE_FUNCTIONS),
        )
        for entry in criteria_file().criteria
    )


@cache
def _rules() -> tuple[EligibilityRule, ...]:
    return tuple(
        EligibilityRule(
            **entry.model_dump(exclude={"test"}), test=_function(entry.test, TEST_FUNCTIONS)
        )
        for entry in criteria_file().eligibility_rules
    )


def criteria_catalogue(*, level: Level | None = None) -> list[Criterion]:
    """Return the criteria catalogue (in a stable order).

    Parameters
    ----------
    level
        Only ``"village"`` or only ``"commune"`` criteria; default all.

    Returns
    -------
    list of Criterion
        The catalogue entries.
    """
    return [c for c in _catalogue() if level is None or c.level == level]


def get_criterion(criterion_id: str) -> Criterion:
    """Return the catalogue entry with this id.

    Raises
    ------
    KeyError
        If there is none (the message lists the known ids).
    """
    return _by_id(_catalogue(), criterion_id, "criterion", "criteria")


def eligibility_rules() -> list[EligibilityRule]:
    """Return every eligibility rule (ids are used in scenario ``eligibility`` blocks)."""
    return list(_rules())


def get_rule(rule_id: str) -> EligibilityRule:
    """Return the eligibility rule with this id.

    Raises
    ------
    KeyError
        If there is none (the message lists the known ids).
    """
    return _by_id(_rules(), rule_id, "eligibility rule", "rules")


def known_ids(items: Sequence[Criterion] | Sequence[EligibilityRule]) -> list[str]:
    """Return the ids of catalogue items (helper for error messages)."""
    return [i.id for i in items]


_Item = TypeVar("_Item", Criterion, EligibilityRule)


def _by_id(items: Sequence[_Item], item_id: str, what: str, known_what: str) -> _Item:
    """Return the item with this id, else a KeyError listing the known ids."""
    for item in items:
        if item.id == item_id:
            return item
    known = ", ".join(known_ids(items))
    msg = f"unknown {what} {item_id!r}; known {known_what}: {known}"
    raise KeyError(msg)
