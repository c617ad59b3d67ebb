"""Exceptions and warnings raised by geoplan.

Every error derives from :class:`GeoplanError` and also from the builtin it
resembles, so callers may catch either.  Messages name the file, layer, row
and field involved and say how to fix the problem; the CLI prints them as one
line (or a short list) and never a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AllocationError",
    "GeoplanError",
    "GeoplanWarning",
    "IndicatorError",
    "Issue",
    "LayerError",
    "LayerValidationError",
    "ModelError",
    "ScenarioError",
    "ScoringError",
]


@dataclass(frozen=True)
class Issue:
    """One finding about an input: an error, a warning or a repair.

    Parameters
    ----------
    severity
        ``"error"`` stops the run, ``"warning"`` is reported, ``"repair"``
        records something geoplan fixed (and counts it in the report).
    message
        Human-readable sentence saying what is wrong and how to fix it.
    file, layer, row, field
        Where the problem is; ``None`` when not applicable.  ``row`` is the
        0-based feature index in the source, or the source's id value.
    code
        Short machine-readable kind, e.g. ``"missing-field"``.
    """

    severity: Literal["error", "warning", "repair"]
    message: str
    file: str | None = None
    layer: str | None = None
    row: int | str | None = None
    field: str | None = None
    code: str = ""

    def location(self) -> str:
        """Return ``file, layer 'x', row 3, field 'y'`` for the parts that are known."""
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.layer:
            parts.append(f"layer '{self.layer}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-serialisable dictionary."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "layer": self.layer,
            "row": self.row,
            "field": self.field,
        }


class GeoplanError(Exception):
    """Root of every error geoplan raises on purpose."""


class ScenarioError(GeoplanError, ValueError):
    """The scenario file is missing, malformed or inconsistent."""


class LayerError(GeoplanError, OSError):
    """An input layer cannot be found, opened or read."""


class LayerValidationError(GeoplanError, ValueError):
    """One or more input layers failed validation.

    Parameters
    ----------
    issues
        Every issue found (all of them, not just the first); the message
        lists the errors.
    """

    def __init__(self, issues: Sequence[Issue], header: str | None = None) -> None:
        self.issues = list(issues)
        errors = [i for i in self.issues if i.severity == "error"] or self.issues
        head = header or f"{len(errors)} problem(s) in the input layers"
        lines = [head + ":"] + [f"  - {i}" for i in errors[:50]]
        if len(errors) > 50:
            lines.append(f"  ... and {len(errors) - 50} more (use `geoplan check --json`)")
        super().__init__("\n".join(lines))


class IndicatorError(GeoplanError, ValueError):
    """An indicator cannot be computed from the given layers."""


class ModelError(GeoplanError, ValueError):
    """The landslide susceptibility model cannot be fitted or applied."""


class ScoringError(GeoplanError, ValueError):
    """Weights, criteria or scoring methods are inconsistent."""


class AllocationError(GeoplanError, ValueError):
    """A budget or resettlement problem is infeasible or ill-posed."""


class GeoplanWarning(UserWarning):
    """A soft problem that does not stop the run."""
