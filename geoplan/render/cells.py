"""One sanitiser for every cell geoplan writes to a CSV or XLSX file (and text in HTML).

Spreadsheets run a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula: a village named
``=HYPERLINK("http://...")`` would become a live link.  Following OWASP's advice
on CSV injection, such text is written with a leading single quote, so it
shows as the same text and never runs; numbers stay numbers.  Bidirectional
control characters (U+202A-U+202E, U+2066-U+2069), which can make a name read
backwards, are removed from every text.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "BIDI_CONTROLS",
    "FORMULA_STARTS",
    "safe_cell",
    "safe_cells",
    "safe_frame",
    "strip_bidi",
]

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def strip_bidi(text: str) -> str:
    """Return ``text`` without bidirectional control characters."""
    return _BIDI.sub("", text)


def safe_cell(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet cell: text neutralised, anything else unchanged.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    object
        For text: bidi controls removed and, when it starts with ``= + - @``,
        tab or carriage return, a leading ``'``.  Other values are returned as is.
    """
    if not isinstance(value, str):
        return value
    text = strip_bidi(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell and column name passed through :func:`safe_cell`.

    Numeric, boolean and date columns are left untouched (numbers stay numbers).
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            values = series.tolist()
            safe = safe_cells(values)
            if any(a is not b for a, b in zip(safe, values, strict=True)):  # else: as it was
                cells = pd.Series(safe, index=series.index, dtype=object)
                out[col] = cells.astype(series.dtype)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def safe_cells(values: list[Any]) -> list[Any]:
    """Return ``[safe_cell(v) for v in values]``, checking the whole list for bidi controls once.

    A value that needs no change is returned as the same object.
    """
    texts = [v for v in values if isinstance(v, str)]
    if _BIDI.search("".join(texts)):
        return [safe_cell(v) for v in values]
    return ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values]
