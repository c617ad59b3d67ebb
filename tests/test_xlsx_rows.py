"""write_rows writes the sheet XML xlsxwriter writes cell by cell, for awkward values too."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
import xlsxwriter

from geoplan.render import xlsx_rows
from geoplan.render.xlsx_rows import start_rows, write_rows

TEXTS = [
    "Đắk Tô",
    " leading space",
    "trailing\t",
    'a & b < c > d "quoted"',
    "ctrl \x01 char",
    "_x0041_ literal",
    "line\nbreak",
    "x" * 40_000,
]
NUMBERS = [0, -1, 2**40, 1.5, -0.25, 1e-9, 123456789.123456789, 1e300]


def _columns() -> list[list[object]]:
    n = 12
    texts = [TEXTS[i % len(TEXTS)] if i % 5 else None for i in range(n)]
    numbers = [NUMBERS[i % len(NUMBERS)] if i % 3 else None for i in range(n)]
    late = [None] * (n - 2) + [7, "late"]  # a format first used near the end
    return [texts, numbers, late, [None] * n]


def _sheet_xml(path, fast: bool) -> bytes:
    """Sheet and styles XML of a small table written by write_rows or cell by cell."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": datetime(2000, 1, 1)})
    ws = wb.add_worksheet("t")
    header = wb.add_format({"bold": True})
    formats = [wb.add_format({"num_format": f}) for f in ("@", "0.00", "0%", "#,##0")]
    ws.set_row(0, 30)
    for c in range(4):
        ws.write_string(0, c, f"h{c}", header)
    columns = _columns()
    if fast:
        start_rows(ws, 1)
        write_rows(ws, 1, [col[:5] for col in columns], formats)
        write_rows(ws, 6, [col[5:] for col in columns], formats)
    else:
        for r, row in enumerate(zip(*columns, strict=True), start=1):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    ws.write_string(r, c, value, formats[c])
                elif value is not None:
                    ws.write_number(r, c, value, formats[c])
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml") + z.read("xl/styles.xml")


@pytest.mark.parametrize("rows_at_once", [2, 512])
def test_write_rows_matches_xlsxwriter_cell_by_cell(tmp_path, monkeypatch, rows_at_once):
    monkeypatch.setattr(xlsx_rows, "_ROWS_AT_ONCE", rows_at_once)
    fast = _sheet_xml(tmp_path / "fast.xlsx", fast=True)
    assert b"inlineStr" in fast
    assert fast == _sheet_xml(tmp_path / "slow.xlsx", fast=False)


def test_rich_text_lookalike_is_escaped(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    fmt = wb.add_format()
    start_rows(ws, 0)
    write_rows(ws, 0, [["<r><t>x</t></r>"]], [fmt])
    wb.close()
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "&lt;r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r&gt;" in xml


def test_write_rows_needs_constant_memory(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError, match="constant-memory"):
        start_rows(ws, 1)
    wb.close()
