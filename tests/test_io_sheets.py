"""Spreadsheets as offices keep them: title rows, merged headers, totals, DMS coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geoplan.errors import LayerError
from geoplan.io import check_layer
from geoplan.io.coerce import coerce_coordinate
from geoplan.io.readers import read_table

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def _office_workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Thon"
    ws["A1"] = "UBND TỈNH KON TUM"
    ws.merge_cells("A1:G1")
    ws["A2"] = "DANH SÁCH THÔN, LÀNG NĂM 2024"
    ws.merge_cells("A2:G2")
    ws["A3"] = "Kon Tum, ngày 15 tháng 3 năm 2024"
    for col, name in zip("ABCFG", ["STT", "Mã thôn", "Mã xã", "Vĩ độ", "Kinh độ"], strict=True):
        ws[f"{col}4"] = name
        ws.merge_cells(f"{col}4:{col}5")
    ws["D4"] = "Số hộ"
    ws.merge_cells("D4:E4")
    ws["D5"] = "Tổng số"
    ws["E5"] = "Nghèo"
    for i, col in enumerate("ABCDEFG", start=1):
        ws[f"{col}6"] = f"({i})"
    rows = [
        (1, "V1", "23281", 120, 30, "14°21'05\"N", "107°59'30\"E"),
        (2, "V2", "23281", "1.050", 12, "14° 21′ 30″ N", "107° 59′ 45″ E"),
        (3, "V3", 23284, 80, 8, "14,3514", "107,9917"),
        ("Tổng cộng", None, None, 1250, 50, None, None),
    ]
    for r, row in enumerate(rows, start=7):
        for col, value in zip("ABCDEFG", row, strict=True):
            ws[f"{col}{r}"] = value
    wb.save(path)


def test_office_workbook_reads_as_villages(tmp_path: Path):
    path = tmp_path / "thon.xlsx"
    _office_workbook(path)
    gdf, report = check_layer(path, kind="villages")
    assert gdf["village_id"].tolist() == ["V1", "V2", "V3"]
    assert gdf["commune_code"].tolist() == ["23281", "23281", "23284"]
    assert gdf["households"].tolist() == [120, 1050, 80]
    assert gdf["poor_households"].tolist() == [30, 12, 8]
    lat = 14 + 21 / 60 + 5 / 3600
    lon = 107 + 59 / 60 + 30 / 3600
    assert gdf.geometry.y.iloc[0] == pytest.approx(lat)
    assert gdf.geometry.x.iloc[0] == pytest.approx(lon)
    assert gdf.geometry.y.iloc[2] == pytest.approx(14.3514)
    codes = [i.code for i in report.issues]
    header = next(i for i in report.issues if i.code == "header-row-detected")
    assert "row 4" in header.message and "UBND TỈNH KON TUM" in header.message
    totals = next(i for i in report.issues if i.code == "totals-row-skipped")
    assert "Tổng cộng" in totals.message
    assert "dms-coordinates" in codes
    assert not report.errors, report.to_text()


def test_header_row_stated(tmp_path: Path):
    path = tmp_path / "thon.xlsx"
    _office_workbook(path)
    df, _, issues = read_table(path, header_row=4)
    assert list(df.columns)[:5] == ["STT", "Mã thôn", "Mã xã", "Số hộ", "Số hộ Nghèo"]
    assert "header-row-detected" not in {i.code for i in issues}
    with pytest.raises(LayerError, match="header_row: 40"):
        read_table(path, header_row=40)


def test_csv_title_rows_and_totals(tmp_path: Path):
    path = tmp_path / "ngheo.csv"
    path.write_text(
        "BÁO CÁO HỘ NGHÈO NĂM 2024;;\n"
        ";;\n"
        "Mã xã;Tên xã;Tỷ lệ nghèo 2024\n"
        "23281;Đắk Hà;12,5\n"
        "23284;Ngọc Hồi;3,25\n"
        "Cộng;;8,1\n",
        encoding="utf-8",
    )
    df, _, issues = read_table(path)
    assert df["Tên xã"].tolist() == ["Đắk Hà", "Ngọc Hồi"]
    assert [i.code for i in issues] == ["header-row-detected", "totals-row-skipped"]
    assert "row 3" in issues[0].message


def test_no_header_row_asks_for_header_row(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("1,2\n3,4\n", encoding="utf-8")
    with pytest.raises(LayerError, match="header_row"):
        read_table(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14°21'05\"N", 14 + 21 / 60 + 5 / 3600),
        ("14°21′05″N", 14 + 21 / 60 + 5 / 3600),
        ("N 14° 21' 05.5\"", 14 + 21 / 60 + 5.5 / 3600),
        ("107°59'30\"E", 107 + 59 / 60 + 30 / 3600),
        ("107°59,5'", 107 + 59.5 / 60),
        ("14°21'05\"S", -(14 + 21 / 60 + 5 / 3600)),
        ("14,3514", 14.3514),
        ("1.587.234,56", 1_587_234.56),
    ],
)
def test_coordinates_in_dms_and_comma_decimals(text, expected):
    values, bad, _ = coerce_coordinate(pd.Series([text], dtype=object))
    assert not bad.iloc[0]
    assert values.iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("text", ["14°75'00\"N", "14°21'05\"N E", "north"])
def test_bad_coordinates_are_flagged(text):
    values, bad, _ = coerce_coordinate(pd.Series([text], dtype=object))
    assert bad.iloc[0] and np.isnan(values.iloc[0])


def test_first_row_header_with_year_columns(tmp_path: Path):
    path = tmp_path / "ngheo.csv"
    path.write_text("ma_xa,2022,2023,2024\n23281,12,11,9\n", encoding="utf-8")
    df, _, issues = read_table(path)
    assert list(df.columns) == ["ma_xa", "2022", "2023", "2024"]
    assert df["2024"].tolist() == ["9"] and not issues


def test_empty_table_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(LayerError, match="empty"):
        read_table(path)


def test_merged_ranges_read_from_the_sheet_xml(tmp_path: Path, monkeypatch):
    from geoplan.io import sheets

    path = tmp_path / "thon.xlsx"
    _office_workbook(path)
    wb = openpyxl.load_workbook(path)
    want = sorted(
        (r.min_row, r.min_col, r.max_row, r.max_col) for r in wb.active.merged_cells.ranges
    )
    # the fast path must not fall back on openpyxl's full mode
    monkeypatch.setattr(openpyxl, "load_workbook", None)
    assert sorted(sheets._merged_ranges(path, "Thon")) == want
