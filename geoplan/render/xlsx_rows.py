"""Table rows written straight into an xlsxwriter constant-memory sheet, as its own XML.

xlsxwriter spends about 5 µs on each cell (argument checks, a cell tuple, a format
lookup, an XML call); ``rankings.xlsx`` at 86,000 villages has some 12 million cells.
:func:`write_rows` writes the ``<row>`` and ``<c>`` elements of a block of rows in one
go, exactly as xlsxwriter writes them in constant-memory mode (inline strings, the same
escapes, number text and format indexes in the same order), into the sheet's row file,
and leaves everything else of the workbook (header, formats, layout) to xlsxwriter.
``tests/test_output_hashes.py`` holds ``rankings.xlsx`` to the bytes xlsxwriter writes
cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import (
    _preserve_whitespace,
    _utf16_len,
    _utf16_truncate,
    xl_col_to_name,
)
from xlsxwriter.worksheet import Worksheet

__all__ = ["start_rows", "write_rows"]


def start_rows(ws: Worksheet, first_row: int) -> None:
    """Flush the rows written so far cell by cell, before :func:`write_rows` from ``first_row``.

    xlsxwriter keeps the current row until a later one is written; this writes it out
    (with its format indexes assigned first, as a later cell would).
    """
    if not ws.constant_memory:
        msg = "write_rows needs a constant-memory workbook"
        raise ValueError(msg)
    if first_row > ws.previous_row:
        ws._write_single_row(first_row)


def write_rows(
    ws: Worksheet, first_row: int, columns: Sequence[list[Any]], formats: Sequence[Any]
) -> None:
    """Write rows of cells from ``first_row`` on, one list of values per column.

    Parameters
    ----------
    ws
        A constant-memory sheet, after :func:`start_rows` and earlier blocks.
    first_row
        Zero-based index of the block's first row.
    columns
        The values of each column from ``first_row`` on: ``None`` (no cell), a
        number (int or finite float) or a text (already made safe for a cell).
    formats
        The xlsxwriter format of each column's cells.
    """
    if not columns or not columns[0]:
        return
    n = len(columns[0])
    if first_row + n > ws.xls_rowmax:
        msg = f"a sheet holds at most {ws.xls_rowmax} rows, not {first_row + n}"
        raise ValueError(msg)
    texts: list[dict[str, str]] = [{} for _ in columns]  # each column's texts, escaped once
    for lo in range(0, n, _ROWS_AT_ONCE):
        hi = min(n, lo + _ROWS_AT_ONCE)
        _write_block(ws, first_row + lo, [col[lo:hi] for col in columns], formats, texts)


_ROWS_AT_ONCE = 512  # rows whose XML is held at a time (a few MB at 130 columns)


def _write_block(
    ws: Worksheet,
    first_row: int,
    columns: Sequence[list[Any]],
    formats: Sequence[Any],
    texts: list[dict[str, str]],
) -> None:
    n = len(columns[0])
    firsts = [next((i for i, v in enumerate(col) if v is not None), n) for col in columns]
    for c in sorted(range(len(columns)), key=lambda c: (firsts[c], c)):
        if firsts[c] < n:
            formats[c]._get_xf_index()  # xf indexes are numbered in the order of first use
    cells = [
        _column_cells(col, xl_col_to_name(c), fmt._get_xf_index(), first_row, texts=texts[c], ws=ws)
        if firsts[c] < n
        else [None] * n  # an index is given to a format only once a cell uses it
        for c, (col, fmt) in enumerate(zip(columns, formats, strict=True))
    ]
    out = []
    written_rows = []
    for r, row in enumerate(zip(*cells, strict=True), start=first_row):
        written = [cell for cell in row if cell is not None]
        if written:
            out.append(f'<row r="{r + 1}">{"".join(written)}</row>')
            written_rows.append(r)
    if not written_rows:
        return
    ws.fh.write("".join(out))
    ws.previous_row = written_rows[-1] + 1
    lo, hi = written_rows[0], written_rows[-1]
    ws.dim_rowmin = lo if ws.dim_rowmin is None else min(ws.dim_rowmin, lo)
    ws.dim_rowmax = hi if ws.dim_rowmax is None else max(ws.dim_rowmax, hi)
    used = [c for c, f in enumerate(firsts) if f < n]
    ws.dim_colmin = used[0] if ws.dim_colmin is None else min(ws.dim_colmin, used[0])
    ws.dim_colmax = used[-1] if ws.dim_colmax is None else max(ws.dim_colmax, used[-1])


def _column_cells(
    values: list[Any], name: str, xf: int, first_row: int, *, texts: dict[str, str], ws: Worksheet
) -> list[str | None]:
    """Return each value's ``<c>`` element (``None`` for no cell), as xlsxwriter writes it."""
    out: list[str | None] = []
    append = out.append
    for r, v in enumerate(values, start=first_row + 1):
        kind = type(v)
        if v is None:
            append(None)
        elif kind is not float and kind is not int and isinstance(v, str):
            body = texts.get(v)
            if body is None:
                body = texts[v] = _inline_text(v, ws.xls_strmax)
            append(f'<c r="{name}{r}" s="{xf}" t="inlineStr">{body}</c>')
        else:
            append(f'<c r="{name}{r}" s="{xf}"><v>{v:.16G}</v></c>')
    return out


def _inline_text(text: str, strmax: int) -> str:
    """Return the ``<is>`` element of an inline string, as xlsxwriter writes it.

    Unlike xlsxwriter, a text that looks like rich-text XML (``<r>...</r>``) is escaped
    like any other: it is data, never markup.
    """
    if len(text) > strmax // 2 and _utf16_len(text) > strmax:
        text = _utf16_truncate(text, strmax)
    text = Worksheet._escape_control_characters(text)
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{preserve}>{escaped}</t></is>"
