"""One issue per row: the helper every validation step uses to report rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from geoplan.errors import Issue

__all__ = ["MAX_ROWS_LISTED", "Severity", "row_issues", "row_label"]

Severity = Literal["error", "warning", "repair"]

#: At most this many rows are listed one by one per problem; the rest are counted.
MAX_ROWS_LISTED = 100


def row_issues(
    rows: Iterable[object],
    *,
    severity: Severity,
    message: str,
    file: str,
    layer: str | None,
    field: str | None,
    code: str,
    labels: pd.Series | None = None,
) -> list[Issue]:
    """Make one issue per row (capped at :data:`MAX_ROWS_LISTED`, then a count).

    Parameters
    ----------
    rows
        Row labels (0-based source feature index).
    severity, message, file, layer, field, code
        As for :class:`~geoplan.errors.Issue`; ``message`` may use
        ``{value}`` and ``{id}`` placeholders.
    labels
        Optional Series of identifiers (e.g. ``village_id``) by row, quoted
        in the message when given.

    Returns
    -------
    list of Issue
        The issues.
    """
    rows = list(rows)
    out: list[Issue] = []
    for row in rows[:MAX_ROWS_LISTED]:
        msg = message
        if labels is not None and row in labels.index:
            msg = f"[{labels.name} {labels.at[row]!s}] {message}"
        out.append(
            Issue(
                severity,
                msg,
                file=file,
                layer=layer,
                row=row_label(row),
                field=field,
                code=code,
            )
        )
    if len(rows) > MAX_ROWS_LISTED:
        rest = ", ".join(str(r) for r in rows[MAX_ROWS_LISTED : MAX_ROWS_LISTED + 20])
        out.append(
            Issue(
                severity,
                f"... and {len(rows) - MAX_ROWS_LISTED} more rows ({rest}, ...): {message}",
                file=file,
                layer=layer,
                field=field,
                code=code,
            )
        )
    return out


def row_label(value: object) -> int | str:
    """Return a row label as an ``int`` (source index) or text (an id)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    return str(value)
