"""The validation report: every issue found while loading, plus a summary per layer."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from geoplan.errors import Issue

__all__ = ["LayerSummary", "ValidationReport"]


@dataclass
class LayerSummary:
    """What was read from one layer.

    Parameters
    ----------
    name
        Canonical layer name (``"villages"``) or, for bare files, the guessed
        kind or the source layer name.
    file
        The file read.
    layer
        The layer (or sheet) inside the file, when there is one.
    features
        Number of features read from the source (before any were dropped).
    kept
        Number of features handed on after validation.
    source_crs
        The CRS of the source as text (``"EPSG:9216"``), or ``None``.
    crs
        The CRS of the returned frame (after any reprojection).
    encoding
        The text encoding used for the attributes (``"utf-8"``, ``"tcvn3"``...).
    geometry_type
        The geometry types found, e.g. ``"Point"`` or ``"Polygon, MultiPolygon"``.
    repairs
        Number of repairs per kind (``{"invalid-geometry": 2}``).
    fields
        Canonical field -> source column actually used.
    """

    name: str
    file: str
    layer: str | None = None
    features: int = 0
    kept: int = 0
    source_crs: str | None = None
    crs: str | None = None
    encoding: str | None = None
    geometry_type: str | None = None
    repairs: dict[str, int] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    def count_repair(self, code: str, n: int = 1) -> None:
        """Add ``n`` repairs of kind ``code``."""
        if n:
            self.repairs[code] = self.repairs.get(code, 0) + int(n)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dictionary."""
        return {
            "name": self.name,
            "file": self.file,
            "layer": self.layer,
            "features": self.features,
            "kept": self.kept,
            "source_crs": self.source_crs,
            "crs": self.crs,
            "encoding": self.encoding,
            "geometry_type": self.geometry_type,
            "repairs": dict(sorted(self.repairs.items())),
            "fields": dict(sorted(self.fields.items())),
        }


@dataclass
class ValidationReport:
    """Every finding of a load or check, in the order found.

    Parameters
    ----------
    issues
        Errors, warnings and repairs (:class:`geoplan.errors.Issue`).
    layers
        One summary per layer read.
    strict
        Default for :meth:`exit_code`: treat warnings as failures.
    """

    issues: list[Issue] = field(default_factory=list)
    layers: list[LayerSummary] = field(default_factory=list)
    strict: bool = False

    # -- building -----------------------------------------------------------------
    def add(self, issue: Issue) -> None:
        """Append one issue."""
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Append several issues."""
        self.issues.extend(issues)

    def merge(self, other: ValidationReport) -> None:
        """Append the issues and layer summaries of ``other``."""
        self.issues.extend(other.issues)
        self.layers.extend(other.layers)

    # -- reading ------------------------------------------------------------------
    @property
    def errors(self) -> list[Issue]:
        """The issues of severity ``"error"``."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues of severity ``"warning"``."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def repairs(self) -> list[Issue]:
        """The issues of severity ``"repair"``."""
        return [i for i in self.issues if i.severity == "repair"]

    @property
    def ok(self) -> bool:
        """``True`` when there is no error."""
        return not self.errors

    def summary(self, name: str) -> LayerSummary | None:
        """Return the summary of the layer called ``name`` (last one read), if any."""
        for s in reversed(self.layers):
            if s.name == name:
                return s
        return None

    def exit_code(self, *, strict: bool | None = None) -> int:
        """Return the exit code of ``geoplan check``.

        Parameters
        ----------
        strict
            Treat warnings as failures; defaults to the report's ``strict``.

        Returns
        -------
        int
            2 when there are errors, 1 when there are warnings and ``strict``,
            else 0.
        """
        strict = self.strict if strict is None else strict
        if self.errors:
            return 2
        if strict and self.warnings:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-serialisable dictionary."""
        counts = Counter(i.severity for i in self.issues)
        return {
            "ok": self.ok,
            "counts": {k: counts.get(k, 0) for k in ("error", "warning", "repair")},
            "layers": [s.to_dict() for s in self.layers],
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as JSON text (UTF-8 characters kept as such)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=str)

    def to_text(self, *, max_per_layer: int = 200) -> str:
        """Return a readable report: per layer its summary, then its issues.

        Parameters
        ----------
        max_per_layer
            Cap on the issues printed per layer (the JSON has all of them).

        Returns
        -------
        str
            Several lines of text, ending with a one-line verdict.
        """
        lines: list[str] = []
        seen: set[int] = set()
        for s in self.layers:
            where = s.file + (f" (layer '{s.layer}')" if s.layer else "")
            lines.append(f"{s.name}: {where}")
            detail = f"  {s.features} features"
            if s.kept != s.features:
                detail += f", {s.kept} kept"
            if s.geometry_type:
                detail += f", {s.geometry_type}"
            detail += f", CRS {s.source_crs or 'none'}"
            if s.crs and s.crs != s.source_crs:
                detail += f" -> {s.crs}"
            if s.encoding:
                detail += f", text {s.encoding}"
            lines.append(detail)
            if s.repairs:
                rep = ", ".join(f"{k} {v}" for k, v in sorted(s.repairs.items()))
                lines.append(f"  repairs: {rep}")
            mine = [
                (n, i)
                for n, i in enumerate(self.issues)
                if n not in seen and i.file == s.file and i.layer in (s.layer, s.name)
            ]
            for _, i in mine[:max_per_layer]:
                lines.append(f"  {i.severity}: {_short(i)}")
            if len(mine) > max_per_layer:
                lines.append(f"  ... {len(mine) - max_per_layer} more (see --json)")
            seen.update(n for n, _ in mine)
        rest = [i for n, i in enumerate(self.issues) if n not in seen]
        if rest:
            lines.append("general:")
            lines.extend(f"  {i.severity}: {i}" for i in rest[: max_per_layer * 5])
        n_err, n_warn, n_rep = len(self.errors), len(self.warnings), len(self.repairs)
        verdict = "OK" if not n_err else "FAILED"
        lines.append(f"{verdict}: {n_err} error(s), {n_warn} warning(s), {n_rep} repair(s)")
        return "\n".join(lines)


def _short(issue: Issue) -> str:
    parts: list[str] = []
    if issue.row is not None:
        parts.append(f"row {issue.row}")
    if issue.field:
        parts.append(f"field '{issue.field}'")
    where = ", ".join(parts)
    return f"{where}: {issue.message}" if where else issue.message
