"""Spreadsheet cells cannot attack their readers: formulas neutralised, bidi controls removed."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from geoplan.render.cells import safe_cell, safe_cells, safe_frame, strip_bidi
from geoplan.render.tables import write_frame_csv

HOSTILE = [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil.example","bấm")', '\'=HYPERLINK("http://evil.example","bấm")'),
    ("+84 123", "'+84 123"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Đắk\u202eHà", "ĐắkHà"),
    ("\u2066=cmd\u2069", "'=cmd"),
    ("Thôn 1", "Thôn 1"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE, ids=[repr(t) for t, _ in HOSTILE])
def test_safe_cell(text, expected):
    assert safe_cell(text) == expected


@pytest.mark.parametrize("with_bidi", [True, False])
def test_safe_cells_is_safe_cell_of_each(with_bidi):
    texts = [t for t, _ in HOSTILE if with_bidi or strip_bidi(t) == t]
    values = [*texts, None, 3, float("nan"), pd.NA]
    expected = [safe_cell(v) for v in values]
    assert safe_cells(values)[: len(texts)] == expected[: len(texts)]
    rest = zip(safe_cells(values)[len(texts) :], values[len(texts) :], strict=True)
    assert all(a is b for a, b in rest)


@pytest.mark.parametrize("value", [-5, -2.5, 0, 1e6, True, None])
def test_numbers_stay_numbers(value):
    assert safe_cell(value) is value


def test_strip_bidi_removes_every_control():
    controls = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    assert strip_bidi(f"a{controls}b") == "ab"


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_name": ["=1+1", '=HYPERLINK("http://x","y")', "Plei\u202eKần"],
            "households": [10, -3, 7],
            "score": [0.5, -0.25, 1.0],
        }
    )


def test_csv_cells_are_text_and_numbers_are_numbers(tmp_path: Path):
    path = write_frame_csv(_hostile_frame(), tmp_path / "t.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "'=1+1" and rows[2][0].startswith("'=HYPERLINK")
    assert rows[3][0] == "PleiKần"
    assert rows[2][1] == "-3" and rows[2][2] == "-0.25"  # negative numbers untouched


def test_safe_frame_keeps_dtypes():
    out = safe_frame(_hostile_frame())
    assert out["households"].dtype.kind == "i" and out["score"].dtype.kind == "f"
    assert out["village_name"].iloc[0] == "'=1+1"


@pytest.mark.parametrize("dtype", [object, "string"])
def test_safe_frame_is_safe_cell_of_every_text_column(dtype):
    frame = _hostile_frame().assign(
        commune=pd.Series(["Đắk Hà", None, "Ngọc Hồi"], dtype=dtype),
        district=pd.Series(["Kon Plông", "-1", "=A1"], dtype=dtype),
        village_name=lambda f: f["village_name"].astype(dtype),
    )
    out = safe_frame(frame)
    assert list(out.columns) == list(frame.columns)
    for col in frame.columns:
        assert out[col].dtype == frame[col].dtype, col
        expected = [safe_cell(v) for v in frame[col].tolist()]
        assert out[col].tolist() == expected, col
    assert out["commune"].tolist()[0] == "Đắk Hà" and out["district"].tolist()[1:] == [
        "'-1",
        "'=A1",
    ]


def test_rankings_xlsx_has_no_formula(demo_outputs_hostile: Path):
    wb = load_workbook(demo_outputs_hostile / "rankings.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    texts = [c.value for row in wb["Thôn"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=1+1" in texts and "=1+1" not in texts


@pytest.fixture(scope="module")
def demo_outputs_hostile(tmp_path_factory) -> Path:
    """The synthetic result with formula names, written once."""
    from _render_fixtures import make_result

    from geoplan.render import write_outputs

    result = make_result()
    villages = result.scoring.villages
    name_col = "village_name"
    villages.loc[villages.index[0], name_col] = "=1+1"
    villages.loc[villages.index[1], name_col] = '=HYPERLINK("http://evil.example","x")'
    out = tmp_path_factory.mktemp("hostile") / "out"
    write_outputs(result, out)
    return out


def test_rankings_csv_neutralises_formula_names(demo_outputs_hostile: Path):
    with open(demo_outputs_hostile / "rankings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [r["village_name"] for r in rows]
    assert "'=1+1" in names and "=1+1" not in names
    assert all(not n.startswith(("=", "+", "-", "@")) for n in names)
