"""HTML through Jinja2 templates with autoescaping on: escaping is the default, not a discipline.

Templates live in ``geoplan/render/templates``.  Text from data is passed as plain
``str`` and escaped by Jinja; only markup geoplan built itself (a chart, a table made
by :func:`html_table`) is passed as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from geoplan.i18n import Lang, fmt_num, fmt_pct

__all__ = ["Cell", "Markup", "html_table", "num_cell", "pct_cell", "render_template", "text_cell"]


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("geoplan.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render_template(name: str, **values: Any) -> Markup:
    """Render ``templates/<name>`` with ``values`` (every ``str`` escaped)."""
    return Markup(_env().get_template(name).render(**values))


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, and for numbers the value a sortable table sorts by."""

    text: str | Markup
    value: float | None = None
    numeric: bool = False


def text_cell(value: Any) -> Cell:
    """Return a text cell (``–`` for a missing value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell("–")
    return Cell(str(value))


def _finite(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def num_cell(value: Any, lang: Lang, digits: int = 0) -> Cell:
    """Return a number cell in the language's format (1.234,5 or 1,234.5)."""
    return Cell(fmt_num(value, lang, digits), _finite(value), True)


def pct_cell(value: Any, lang: Lang, digits: int = 1) -> Cell:
    """Return a share as a percentage cell, sorted by its value."""
    return Cell(fmt_pct(value, lang, digits), _finite(value), True)


def html_table(
    head: list[str],
    rows: list[list[Cell]],
    *,
    total: list[Cell] | None = None,
    sortable: bool = True,
    css: str = "",
) -> Markup:
    """Return a table (in a horizontally scrolling box) from escaped cells.

    Parameters
    ----------
    head
        Column titles.
    rows
        One list of cells per row.
    total
        A last row that stays last when the table is sorted.
    sortable
        Let the reader sort by a click on a column title (``GP.sortTables``).
    css
        Extra classes of the ``<table>``.
    """
    return render_template(
        "table.html", head=head, rows=rows, total=total, sortable=sortable, css=css
    )
