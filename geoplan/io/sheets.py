"""Spreadsheet grids as offices write them: title rows, merged headers, totals rows.

A grid (list of rows of cells, from an XLSX sheet or a CSV) becomes a table:

* the header row is ``header_row`` (1-based, as Excel numbers rows) or, when
  omitted, detected: the first row that fills at least half the table's width
  with text. Title rows above it ("UBND TỈNH KON TUM", a date) are skipped and
  the report says which row was used;
* merged cells (XLSX) give their value to every cell they cover; a header whose
  cells are merged over several rows is read over those rows ("Số hộ" over
  "Nghèo" -> "Số hộ nghèo");
* a row that only numbers the columns ("1 2 3 ..." or "(1) (2) ...") just below
  the header is skipped;
* totals rows ("Tổng cộng", "Cộng", "Tổng số", "Toàn tỉnh") are skipped with a
  warning naming the row; blank rows are skipped.

Rows of the result are numbered from 0 at the first row below the header, so
skipped rows keep the numbers of the rows around them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from pathlib import Path

import pandas as pd

from geoplan.errors import Issue, LayerError

__all__ = ["Grid", "frame_from_grid", "read_xlsx_grid"]

Grid = list[list[object]]

_TOTALS = {
    "tổng cộng", "tổng", "tổng số", "cộng", "toàn tỉnh", "toàn huyện", "cộng toàn tỉnh",
    "tổng toàn tỉnh", "tổng cộng toàn tỉnh", "total", "grand total", "tong cong", "tong so",
}  # fmt: skip
_SUB_HEADER_TOTAL = {"tổng", "tổng số", "cộng", "total", "số lượng"}
_COLUMN_NUMBER = re.compile(r"\(?\d{1,3}\)?|\(?[a-z]\)?")
_SCAN_ROWS = 30


def _blank(v: object) -> bool:
    if isinstance(v, str):
        return not v.strip()
    return v is None or (isinstance(v, float) and math.isnan(v))


def _is_text(v: object) -> bool:
    if not isinstance(v, str) or not v.strip():
        return False
    try:
        float(v.strip().replace(",", "."))
    except ValueError:
        return True
    return False


def _norm(v: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(v)).lower().replace(":", " ").split())


def read_xlsx_grid(path: Path, sheet: str | None) -> tuple[Grid, str, dict[int, int]]:
    """Read a worksheet's values with merged cells filled in.

    Parameters
    ----------
    path
        The ``.xlsx``/``.xlsm`` file.
    sheet
        Sheet name (the first sheet when ``None``).

    Returns
    -------
    tuple of (Grid, str, dict)
        Rows of cell values, the sheet name read, and for each row where a
        vertically merged range starts, the last row it covers (0-based).

    Raises
    ------
    LayerError
        If the file cannot be opened or has no such sheet.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:
        msg = f"{path}: cannot read the spreadsheet ({exc})"
        raise LayerError(msg) from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            msg = f"{path}: no sheet '{sheet}'; the file has: {', '.join(wb.sheetnames)}"
            raise LayerError(msg)
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        name = ws.title
        rows: Grid = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    ranges = _merged_ranges(path, name)
    ncol = max((len(r) for r in rows), default=0)
    ncol = max([ncol, *(c1 for _, c0, _, c1 in ranges)])
    rows = [r + [None] * (ncol - len(r)) for r in rows]
    merged_down: dict[int, int] = {}
    for r0, c0, r1, c1 in ranges:  # 1-based, inclusive
        if r0 > len(rows):
            continue
        value = rows[r0 - 1][c0 - 1]
        for r in range(r0 - 1, min(r1, len(rows))):
            for c in range(c0 - 1, c1):
                rows[r][c] = value
        if r1 > r0:
            merged_down[r0 - 1] = max(merged_down.get(r0 - 1, r0 - 1), r1 - 1)
    return rows, name, merged_down


_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+\d+:[A-Za-z]+\d+)\"")


def _merged_ranges(path: Path, title: str) -> list[tuple[int, int, int, int]]:
    """Return a sheet's merged ranges as (min_row, min_col, max_row, max_col), 1-based.

    Read from the sheet's XML (openpyxl's fast read-only mode does not give
    them); when the package is laid out unusually, openpyxl's full mode is used.
    """
    import posixpath
    import xml.etree.ElementTree as ET
    import zipfile

    from openpyxl.utils import range_boundaries

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next(
                v
                for el in book.iter()
                if local(el.tag) == "sheet" and el.get("name") == title
                for k, v in el.attrib.items()
                if local(k) == "id"
            )
            target = next(el.get("Target", "") for el in rels if el.get("Id") == rid)
            member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            sheet_xml = z.read(posixpath.normpath(member))
        # a regex, not a parser: the sheet's XML holds every cell, mergeCells come last
        tail = sheet_xml[max(sheet_xml.rfind(b"</sheetData>"), 0) :]
        refs = [m.decode() for m in _MERGE_CELL.findall(tail)]
        out = []
        for ref in refs:
            c0, r0, c1, r1 = range_boundaries(ref)
            out.append((int(r0), int(c0), int(r1), int(c1)))
        return out
    except (KeyError, StopIteration, ET.ParseError, ValueError, TypeError, zipfile.BadZipFile):
        import openpyxl

        wb = openpyxl.load_workbook(path, data_only=True)
        try:
            return [
                (r.min_row, r.min_col, r.max_row, r.max_col) for r in wb[title].merged_cells.ranges
            ]
        finally:
            wb.close()


def _width(rows: Grid) -> int:
    return max((sum(not _blank(v) for v in r) for r in rows), default=0)


def _detect_header(rows: Grid) -> int | None:
    width = _width(rows)
    for i, row in enumerate(rows[:_SCAN_ROWS]):
        filled = [v for v in row if not _blank(v)]
        texts = sum(_is_text(v) for v in filled)
        distinct = len({_norm(v) for v in filled})
        wide = len(filled) >= 0.5 * width
        # the usual table: names on the first row, some may be years ("2021", "2022")
        names_first = texts >= 1 and distinct == len(filled) and (len(filled) >= 2 or width == 1)
        if i == 0 and wide and names_first:
            return 0
        if texts >= 2 and distinct >= 2 and texts >= 0.6 * len(filled) and wide:
            return i
    return None


def _header_names(rows: Grid, top: int, bottom: int) -> list[str]:
    ncol = max(len(r) for r in rows[top : bottom + 1])
    names: list[str] = []
    for c in range(ncol):
        parts: list[str] = []
        for r in range(top, bottom + 1):
            v = rows[r][c] if c < len(rows[r]) else None
            if _blank(v):
                continue
            text = " ".join(str(v).split())
            if r > top and _norm(text) in _SUB_HEADER_TOTAL:
                continue
            if not parts or _norm(parts[-1]) != _norm(text):
                parts.append(text)
        names.append(" ".join(parts) if parts else f"column_{c + 1}")
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}.{k}")
    return out


def _is_column_numbers(row: list[object]) -> bool:
    filled = [str(v).strip().lower() for v in row if not _blank(v)]
    if len(filled) < 2 or not all(_COLUMN_NUMBER.fullmatch(v) for v in filled):
        return False
    digits = [int(re.sub(r"\D", "", v)) for v in filled if re.search(r"\d", v)]
    return len(digits) >= 2 and digits == sorted(set(digits))


def _cell(v: object) -> object:
    if isinstance(v, str):
        v = unicodedata.normalize("NFC", v).strip()
        return v or None
    if isinstance(v, (dt.datetime, dt.date)):
        return v
    return v


def frame_from_grid(
    rows: Grid,
    *,
    header_row: int | None,
    file: str,
    sheet: str | None,
    merged_down: dict[int, int] | None = None,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Turn a grid into a table: find the header, skip titles, column numbers and totals.

    Parameters
    ----------
    rows
        Cell values by row (merged cells already filled).
    header_row
        1-based row of the column names, or ``None`` to detect it.
    file, sheet
        For messages.
    merged_down
        Row -> last row of a vertically merged range starting there (a
        header merged over several rows is read over all of them).

    Returns
    -------
    tuple of (pandas.DataFrame, list of Issue)
        Object columns named from the header; index = 0-based row below the
        header. Findings: the header row used, skipped totals rows.

    Raises
    ------
    LayerError
        If no header row can be found or ``header_row`` is past the end.
    """
    issues: list[Issue] = []
    where = {"file": file, "layer": sheet}
    rows = [list(r) for r in rows]
    if not any(not _blank(v) for r in rows for v in r):
        msg = f"{file}{f', sheet {sheet!r}' if sheet else ''}: the table is empty"
        raise LayerError(msg)
    if header_row is not None:
        if header_row > len(rows):
            msg = f"{file}: `header_row: {header_row}` is past the last row ({len(rows)})"
            raise LayerError(msg)
        top = header_row - 1
    else:
        found = _detect_header(rows)
        if found is None:
            msg = (
                f"{file}{f', sheet {sheet!r}' if sheet else ''}: cannot tell which row holds the "
                "column names; state it with `header_row:` (1 = the first row)"
            )
            raise LayerError(msg)
        top = found
        if top > 0:
            titles = [
                " ".join(str(next(v for v in r if not _blank(v))).split())
                for r in rows[:top]
                if any(not _blank(v) for v in r)
            ][:3]
            issues.append(
                Issue(
                    "warning",
                    f"column names read from row {top + 1}; the {top} row(s) above are taken "
                    f"as titles ({'; '.join(repr(t) for t in titles)}). Set `header_row:` if "
                    "another row holds the column names",
                    code="header-row-detected",
                    **where,
                )
            )
    bottom = max(top, (merged_down or {}).get(top, top))
    names = _header_names(rows, top, bottom)
    first = bottom + 1
    data: list[list[object]] = []
    index: list[int] = []
    for i, row in enumerate(rows[first:]):
        if all(_blank(v) for v in row):
            continue
        if i == 0 and _is_column_numbers(row):
            continue
        label = next((str(v) for v in row[:4] if _is_text(v)), None)
        if label is not None and _norm(label) in _TOTALS:
            issues.append(
                Issue(
                    "warning",
                    f"totals row ({' '.join(label.split())!r}) skipped",
                    row=i,
                    code="totals-row-skipped",
                    **where,
                )
            )
            continue
        cells = [_cell(v) for v in row[: len(names)]]
        data.append(cells + [None] * (len(names) - len(cells)))
        index.append(i)
    df = pd.DataFrame(data, columns=names, index=pd.Index(index), dtype=object)
    return df, issues
