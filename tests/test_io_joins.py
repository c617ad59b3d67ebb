"""Joins: the `on:` key as YAML reads it, compound keys, names, required fields after joins."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geoplan.check import check_paths
from geoplan.errors import LayerValidationError
from geoplan.io import load_layers
from geoplan.scenario import load_scenario

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

X0, Y0 = 540_000.0, 1_580_000.0
COMMUNES = [  # code, name, district code, district name
    ("23281", "Xã Đăk Long", "610", "Huyện Đăk Hà"),
    ("23284", "Xã Ngọc Wang", "610", "Huyện Đăk Hà"),
    ("23287", "Xã Đăk Long", "611", "Huyện Kon Plông"),
    ("23290", "Thị trấn Plei Kần", "612", "Huyện Ngọc Hồi"),
]


def _communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ma_xa": [c[0] for c in COMMUNES],
            "ten_xa": [c[1] for c in COMMUNES],
            "ma_huyen": [c[2] for c in COMMUNES],
            "ten_huyen": [c[3] for c in COMMUNES],
        },
        geometry=[shapely.box(X0 + i * 1e3, Y0, X0 + (i + 1) * 1e3, Y0 + 1e3) for i in range(4)],
        crs=9216,
    )


def _villages(**cols) -> gpd.GeoDataFrame:
    data = {"ma_thon": ["V1", "V2", "V3", "V4"], "ma_xa": [c[0] for c in COMMUNES], **cols}
    pts = [shapely.Point(X0 + 500 + i * 1e3, Y0 + 500) for i in range(4)]
    return gpd.GeoDataFrame(data, geometry=pts, crs=9216)


def _write(tmp: Path, layers_yaml: str, villages: gpd.GeoDataFrame | None = None) -> Path:
    pyogrio.write_dataframe(_communes(), tmp / "data.gpkg", layer="xa")
    v = villages if villages is not None else _villages(so_ho=[10, 20, 30, 40])
    pyogrio.write_dataframe(v, tmp / "data.gpkg", layer="thon")
    text = "name: t\ncrs: EPSG:3405\nscoring: {}\nlayers:\n" + layers_yaml
    (tmp / "s.yaml").write_text(text, encoding="utf-8")
    return tmp / "s.yaml"


def test_bare_on_key_as_the_docs_write_it(tmp_path: Path):
    pd.DataFrame(
        {"ma_xa": ["23281", "23284", "23287", "23290"], "so_tieu_chi": [12, 19, 15, 9]}
    ).to_excel(tmp_path / "ntm.xlsx", sheet_name="Xa", index=False)
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n    join:\n"
        '      - {path: ntm.xlsx, sheet: "Xa", on: ma_xa}\n'
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    scenario = load_scenario(sc)
    assert scenario.layers.communes.join[0].on == "ma_xa"
    layers = load_layers(scenario)
    assert layers.communes["ntm_criteria_met"].tolist() == [12, 19, 15, 9]


def test_required_field_brought_by_a_join_is_not_missing(tmp_path: Path):
    pd.DataFrame({"ma_thon": ["V1", "V2", "V3", "V4"], "tong_so_ho": [5, 6, 7, 8]}).to_csv(
        tmp_path / "ho.csv", index=False
    )
    sc = _write(
        tmp_path,
        "  communes: {path: data.gpkg, layer: xa}\n"
        "  villages:\n    path: data.gpkg\n    layer: thon\n    join: [{path: ho.csv}]\n",
        villages=_villages(),
    )
    layers = load_layers(load_scenario(sc))
    assert layers.villages["households"].tolist() == [5, 6, 7, 8]
    assert not [i for i in layers.report.issues if i.code == "missing-field"]


def test_required_field_missing_everywhere_is_one_error(tmp_path: Path):
    pd.DataFrame({"ma_thon": ["V1", "V2"], "ho_ngheo": [1, 2]}).to_csv(
        tmp_path / "ho.csv", index=False
    )
    sc = _write(
        tmp_path,
        "  communes: {path: data.gpkg, layer: xa}\n"
        "  villages:\n    path: data.gpkg\n    layer: thon\n    join: [{path: ho.csv}]\n",
        villages=_villages(),
    )
    report = check_paths([sc])
    missing = [i for i in report.errors if i.code == "missing-field"]
    assert [(i.layer, i.field) for i in missing] == [("villages", "households")]


def test_one_column_mapped_to_two_fields_is_a_copy(tmp_path: Path):
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n"
        "    fields: {district_code: ten_huyen, district_name: ten_huyen}\n"
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    report = check_paths([sc])
    assert not [i for i in report.issues if i.code == "internal-error"]
    layers = load_layers(load_scenario(sc))
    assert layers.communes["district_code"].tolist() == layers.communes["district_name"].tolist()
    assert layers.communes["district_name"].iloc[0] == "Huyện Đăk Hà"


def test_compound_key_district_and_name(tmp_path: Path):
    pd.DataFrame(
        {
            "Huyện": ["Đắk Hà", "Kon Plông", "ĐĂK HÀ", "Ngọc Hồi"],
            "Tên xã": ["Đắk Long", "xã Đăk Long", "Ngọk Wang", "PLEI KẦN"],
            "ty_le_ngheo_2024": ["12,5", "30", "8", "4"],
        }
    ).to_csv(tmp_path / "ngheo.csv", index=False)
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n    join:\n"
        "      - path: ngheo.csv\n        on: [district_name, commune_name]\n"
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    layers = load_layers(load_scenario(sc))
    assert layers.communes["poverty_rate_2024"].tolist() == pytest.approx([0.125, 0.08, 0.30, 0.04])
    assert not [i for i in layers.report.warnings if i.code.startswith("join-")]


def test_name_repeated_across_districts_is_an_error_listing_candidates(tmp_path: Path):
    pd.DataFrame({"Tên xã": ["Đăk Long", "Plei Kần"], "khu_vuc": ["III", "I"]}).to_csv(
        tmp_path / "kv.csv", index=False
    )
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n"
        "    join: [{path: kv.csv, on: commune_name}]\n"
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    with pytest.raises(LayerValidationError) as info:
        load_layers(load_scenario(sc))
    (err,) = [i for i in info.value.issues if i.code == "ambiguous-join"]
    assert err.row == 0 and "Huyện Đăk Hà" in err.message and "Huyện Kon Plông" in err.message
    assert "district_name" in err.message


def test_unknown_on_key_is_a_clear_error(tmp_path: Path):
    pd.DataFrame({"ma_xa": ["23281"], "khu_vuc": ["I"]}).to_csv(tmp_path / "kv.csv", index=False)
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n    join: [{path: kv.csv, on: so_nha}]\n"
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    report = check_paths([sc])
    assert [i.code for i in report.errors] == ["bad-join"]
    assert "so_nha" in report.errors[0].message


def test_check_finds_every_join_problem_at_once(tmp_path: Path):
    pd.DataFrame({"Tên xã": ["Đăk Long"], "khu_vuc": ["III"]}).to_csv(
        tmp_path / "kv.csv", index=False
    )
    pd.DataFrame({"ma_thon": ["V1", "V1"], "ho_ngheo": [1, 2]}).to_csv(
        tmp_path / "ho.csv", index=False
    )
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n"
        "    fields: {district_code: ten_huyen, district_name: ten_huyen}\n"
        "    join: [{path: kv.csv, on: commune_name}, {path: missing.xlsx}]\n"
        "  villages:\n    path: data.gpkg\n    layer: thon\n    join: [{path: ho.csv}]\n",
        villages=_villages(),
    )
    report = check_paths([sc])
    codes = {(i.layer, i.code) for i in report.errors}
    assert {
        ("communes", "unreadable"),
        ("villages", "missing-field"),
    } <= codes
    assert {i.code for i in report.errors} >= {"ambiguous-join", "duplicate-code", "unreadable"}
    assert "internal-error" not in {i.code for i in report.issues}


def test_check_and_run_report_every_office_file_problem_together(tmp_path: Path, runner):
    from geoplan.cli import cli

    pd.DataFrame({"Tên xã": ["Đăk Long"], "khu_vuc": ["III"]}).to_csv(
        tmp_path / "kv.csv", index=False
    )
    (tmp_path / "ngheo.csv").write_bytes(b"ma_xa,ghi_chu\r\n23281,H\xe1\r\n")  # Há or Hỏ?
    (tmp_path / "thon.csv").write_text("1,2,3\n4,5,6\n", encoding="utf-8")  # no header row
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n"
        "    fields: {district_code: ten_huyen, district_name: ten_huyen}\n"
        "    join: [{path: kv.csv, on: commune_name}, {path: ngheo.csv}]\n"
        "  villages: {path: thon.csv, crs: vn2000-tm3:kontum}\n",
    )
    report = check_paths([sc])
    codes = {i.code for i in report.errors}
    assert {"ambiguous-join", "encoding-ambiguous", "unreadable"} <= codes
    unreadable = next(i for i in report.errors if i.code == "unreadable")
    assert unreadable.layer == "villages" and "header_row" in unreadable.message
    result = runner.invoke(cli, ["run", str(sc), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "internal error" not in result.output.lower()
    assert "header_row" in result.output and "encoding:" in result.output
    assert not (tmp_path / "out").exists()


def test_unmatched_name_names_the_closest(tmp_path: Path):
    pd.DataFrame({"Tên xã": ["Ngọc Wanng", "Zzz"], "khu_vuc": ["III", "I"]}).to_csv(
        tmp_path / "kv.csv", index=False
    )
    sc = _write(
        tmp_path,
        "  communes:\n    path: data.gpkg\n    layer: xa\n"
        "    join: [{path: kv.csv, on: commune_name}]\n"
        "  villages: {path: data.gpkg, layer: thon}\n",
    )
    report = check_paths([sc])
    unmatched = {i.row: i.message for i in report.warnings if i.code == "join-unmatched"}
    assert "closest: 'Xã Ngọc Wang'" in unmatched[0]
    assert "closest" not in unmatched[1]
