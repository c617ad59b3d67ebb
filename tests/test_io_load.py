"""load_layers and check_paths on scenarios built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import yaml
from _paths import DEMO_SCENARIO
from rasterio.transform import from_origin

from geoplan.check import check_paths
from geoplan.errors import LayerValidationError
from geoplan.io import Layers, load_layers
from geoplan.scenario import load_scenario

pytestmark = [
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning"),
]

X0, Y0 = 540_000.0, 1_580_000.0


def _communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ma_xa": ["23281", "23284", "23287", "23290"],
            "ten_xa": ["Đắk Hà", "Ngọc Hồi", "Kon Plông", "Sa Thầy"],
            "ma_huyen": ["610", "610", "611", "611"],
            "ten_huyen": ["Đắk Hà", "Đắk Hà", "Kon Plông", "Kon Plông"],
        },
        geometry=[shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(4)],
        crs=9216,
    )


def _villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ma_thon": ["V1", "V2", "V3", "V4"],
            "ma_xa": ["23281", "23284", "23287", "23287"],
            "so_ho": [100, 80, 60, 40],
        },
        # V4 states commune 23287 but lies in 23290
        geometry=[shapely.Point(X0 + 500 + i * 1000, Y0 + 500) for i in range(4)],
        crs=9216,
    )


def _scenario(tmp: Path, layers: dict, **extra) -> Path:
    doc = {"name": "t", "crs": "EPSG:3405", "layers": layers, "scoring": {}, **extra}
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "data.gpkg"
    pyogrio.write_dataframe(_communes(), path, layer="xa")
    pyogrio.write_dataframe(_villages(), path, layer="thon")
    return path


def test_village_outside_its_commune_is_an_error_by_default(tmp_path: Path, gpkg: Path):
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": gpkg.name, "layer": "xa"},
                "villages": {"path": gpkg.name, "layer": "thon"},
            },
        )
    )
    with pytest.raises(LayerValidationError) as info:
        load_layers(sc)
    errors = [i for i in info.value.issues if i.severity == "error"]
    assert [(i.code, i.row, i.field) for i in errors] == [("village-outside-commune", 3, "ma_xa")]


def test_load_layers_reprojects_dissolves_and_flags(tmp_path: Path, gpkg: Path):
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": gpkg.name, "layer": "xa"},
                "villages": {
                    "path": gpkg.name,
                    "layer": "thon",
                    "downgrade": ["village-outside-commune"],
                },
            },
        )
    )
    layers = load_layers(sc)
    assert isinstance(layers, Layers)
    for gdf in (layers.communes, layers.villages, layers.districts, layers.province):
        assert gdf.crs.to_epsg() == 3405
    assert list(layers.villages["village_id"]) == ["V1", "V2", "V3", "V4"]
    assert list(layers.villages.index) == [0, 1, 2, 3]
    assert sorted(layers.districts["district_code"]) == ["610", "611"]
    assert list(layers.districts.sort_values("district_code")["district_name"]) == [
        "Đắk Hà",
        "Kon Plông",
    ]
    assert len(layers.province) == 1
    assert layers.province.area.iloc[0] == pytest.approx(layers.communes.area.sum(), rel=1e-6)
    flagged = [i for i in layers.report.warnings if i.code == "village-outside-commune"]
    assert [i.row for i in flagged] == [3]
    assert "23290" in flagged[0].message and flagged[0].field == "ma_xa"
    assert layers.villages["commune_code"].iloc[3] == "23287"  # only flagged
    assert layers.dem is None and layers.roads is None


def test_assign_commune_spatially(tmp_path: Path, gpkg: Path):
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": gpkg.name, "layer": "xa"},
                "villages": {"path": gpkg.name, "layer": "thon", "assign_commune_spatially": True},
            },
        )
    )
    layers = load_layers(sc)
    assert list(layers.villages["commune_code"]) == ["23281", "23284", "23287", "23290"]
    assert layers.villages["commune_code_source"].iloc[3] == "23287"
    assert layers.report.summary("villages").repairs["commune-assigned-spatially"] == 1


def test_errors_of_every_layer_raised_together(tmp_path: Path):
    path = tmp_path / "data.gpkg"
    c = _communes()
    c.loc[1, "ma_xa"] = "23281"  # duplicate code
    pyogrio.write_dataframe(c, path, layer="xa")
    v = _villages()
    v.loc[0, "ma_xa"] = "99999"  # unknown commune
    v.loc[2, "so_ho"] = -5
    pyogrio.write_dataframe(v, path, layer="thon")
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": path.name, "layer": "xa"},
                "villages": {"path": path.name, "layer": "thon"},
                "roads": {"path": "missing.gpkg"},
            },
        )
    )
    with pytest.raises(LayerValidationError) as info:
        load_layers(sc)
    errors = {(i.layer, i.code, i.row) for i in info.value.issues if i.severity == "error"}
    assert ("communes", "duplicate-code", 1) in errors
    assert ("villages", "out-of-range", 2) in errors
    assert ("villages", "unknown-commune", 0) in errors
    assert any(code == "unreadable" and layer == "roads" for layer, code, _ in errors)


def test_per_layer_crs_kontum_and_quangngai(tmp_path: Path):
    # one province (2025) mixing old Kon Tum data on 107°30' and Quảng Ngãi data on 108°00'
    c = _communes()
    c_qn = c.to_crs(5898).set_crs(None, allow_override=True)
    a, b = tmp_path / "xa_kontum.shp", tmp_path / "thon_qn.shp"
    pyogrio.write_dataframe(c.set_crs(None, allow_override=True), a)
    v = _villages().to_crs(5898).set_crs(None, allow_override=True)
    pyogrio.write_dataframe(v, b)
    assert abs(c_qn.total_bounds[0] - c.total_bounds[0]) > 10_000
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": a.name, "crs": "vn2000-tm3:kontum"},
                "villages": {
                    "path": b.name,
                    "crs": "vn2000-tm3:108",
                    "downgrade": ["village-outside-commune"],
                },
            },
        )
    )
    layers = load_layers(sc)
    assert not [i for i in layers.report.warnings if i.code == "outside-communes"]
    joined = gpd.sjoin(layers.villages, layers.communes, predicate="within")
    assert len(joined) == 4


def test_join_tables_csv_and_xlsx(tmp_path: Path, gpkg: Path):
    pd.DataFrame(
        {"Mã xã": ["23281", "23284", "23287", "23290"], "Số tiêu chí": ["12", "19", "15", "9"]}
    ).to_csv(tmp_path / "ntm.csv", index=False, encoding="utf-8")
    pd.DataFrame({"ma_thon": ["V1", "V2", "V3", "V9"], "ho_ngheo": [10, 20, 30, 1]}).to_excel(
        tmp_path / "ho.xlsx", index=False, sheet_name="2024"
    )
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {"path": gpkg.name, "layer": "xa", "join": [{"path": "ntm.csv"}]},
                "villages": {
                    "path": gpkg.name,
                    "layer": "thon",
                    "downgrade": ["village-outside-commune"],
                    "join": [{"path": "ho.xlsx", "sheet": "2024"}],
                },
            },
        )
    )
    layers = load_layers(sc)
    assert list(layers.communes["ntm_criteria_met"]) == [12, 19, 15, 9]
    got = layers.villages["poor_households"]
    assert got.iloc[:3].tolist() == [10, 20, 30] and np.isnan(got.iloc[3])
    codes = {i.code for i in layers.report.warnings}
    assert {"join-unmatched", "join-missing"} <= codes


def test_join_by_name_ignores_accents_case_and_d_variants(tmp_path: Path, gpkg: Path):
    pd.DataFrame(
        {
            "Tên xã": ["XÃ \u00d0ẮK HÀ", "ngoc hoi", "Kon Plong", "Sa Thay"],
            "Khu vực": ["III", "II", "I", "III"],
        }
    ).to_csv(tmp_path / "kv.csv", index=False)
    sc = load_scenario(
        _scenario(
            tmp_path,
            {
                "communes": {
                    "path": gpkg.name,
                    "layer": "xa",
                    "join": [{"path": "kv.csv", "on": "commune_name"}],
                },
                "villages": {
                    "path": gpkg.name,
                    "layer": "thon",
                    "downgrade": ["village-outside-commune"],
                },
            },
        )
    )
    layers = load_layers(sc)
    assert list(layers.communes["region"]) == ["III", "II", "I", "III"]
    assert layers.communes["commune_name"].iloc[0] == "Đắk Hà"  # the layer's spelling is kept
    assert not [i for i in layers.report.warnings if i.code.startswith("join-")]


def test_check_paths_scenario_and_bare_files(tmp_path: Path, gpkg: Path):
    sc = _scenario(
        tmp_path,
        {
            "communes": {"path": gpkg.name, "layer": "xa"},
            "villages": {
                "path": gpkg.name,
                "layer": "thon",
                "downgrade": ["village-outside-commune"],
            },
        },
    )
    report = check_paths([sc])
    assert report.exit_code() == 0
    assert report.exit_code(strict=True) == 1  # the village outside its commune
    assert [s.name for s in report.layers] == ["communes", "villages"]
    bare = check_paths([gpkg], strict=True)
    # a bare file's kind is guessed (from the layer names here) and the guess is shown
    assert sorted(s.name for s in bare.layers) == ["communes (guessed)", "villages (guessed)"]
    text = bare.to_text()
    assert "communes" in text and "EPSG:9216" in text and "OK" in text
    d = json.loads(report.to_json())
    assert d["counts"]["error"] == 0 and d["layers"][0]["features"] == 4
    bad = tmp_path / "bad.gpkg"
    v = _villages()
    v.loc[1, "so_ho"] = 10**6
    v["ho_ngheo"] = [1, 10**7, 1, 1]
    pyogrio.write_dataframe(v, bad, layer="villages")
    rep = check_paths([bad, tmp_path / "nope.shp", tmp_path / "broken.yaml"])
    assert rep.exit_code() == 2
    codes = {i.code for i in rep.errors}
    assert {"impossible-value", "not-found", "scenario"} <= codes
    issue = next(i for i in rep.errors if i.code == "impossible-value")
    assert (issue.file, issue.layer, issue.row, issue.field) == (
        str(bad),
        "villages",
        1,
        "ho_ngheo",
    )


def test_check_paths_raster(tmp_path: Path):
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=3,
        width=3,
        count=1,
        dtype="float32",
        transform=from_origin(107.9, 14.4, 0.01, 0.01),
        crs="EPSG:4326",
    ) as dst:
        dst.write(np.ones((1, 3, 3), dtype="float32"))
    rep = check_paths([path])
    assert rep.exit_code(strict=True) == 0
    assert rep.layers[0].source_crs == "EPSG:4326"


def test_demo_scenario_checks_clean():
    report = check_paths([DEMO_SCENARIO], strict=True)
    assert report.exit_code() == 0, report.to_text()
    names = {s.name for s in report.layers}
    assert {"communes", "villages", "dem", "roads"} <= names
