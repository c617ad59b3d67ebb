"""The demo-data generator: determinism and the invariants of layers/kontum-demo."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "layers" / "kontum-demo"
GPKG = DEMO / "kontum.gpkg"
FILES = ("kontum.gpkg", "dem.tif", "landslide_truth.tif", "landslide_truth.json")
LAYERS = {
    "province": 9216,
    "districts": 9216,
    "communes": 9216,
    "communes_2025": 9216,
    "villages": 9216,
    "landslide_zones": 9216,
    "landslide_inventory": 9216,
    "forest": 9216,
    "border": 9216,
    "roads": 4326,
    "rivers": 4326,
}
DISTRICT_COUNTS = {
    "608": 21,
    "610": 12,
    "611": 8,
    "612": 9,
    "613": 9,
    "614": 7,
    "615": 11,
    "616": 11,
    "617": 11,
    "618": 3,
}
BOX = (107.35, 13.90, 108.55, 15.42)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(GPKG, layer=name)


# --- determinism --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """Two fresh generations with the default seed."""
    from geoplan.demo.generate import DEFAULT_SEED, generate

    a = tmp_path_factory.mktemp("demo-a")
    b = tmp_path_factory.mktemp("demo-b")
    generate(a, DEFAULT_SEED)
    generate(b, DEFAULT_SEED)
    return a, b


@pytest.mark.slow
def test_same_seed_gives_identical_files(generated):
    a, b = generated
    for name in FILES:
        assert _sha(a / name) == _sha(b / name), name


@pytest.mark.slow
def test_committed_files_equal_a_fresh_generation(generated):
    a, _ = generated
    for name in FILES:
        assert _sha(a / name) == _sha(DEMO / name), (
            f"{name} differs from a fresh generation: run python -m geoplan.demo.generate"
        )


@pytest.mark.slow
def test_other_seed_differs():
    from geoplan.demo.admin import build_admin
    from geoplan.demo.terrain import build_terrain

    a, b = build_admin(2022), build_admin(7)
    assert list(a.communes["commune_code"]) == list(b.communes["commune_code"])
    assert not a.communes.geometry.geom_equals(b.communes.geometry).all()
    ta, tb = build_terrain(2022), build_terrain(7)
    assert ta.dem.shape == tb.dem.shape
    assert np.abs(ta.dem - tb.dem).mean() > 10.0


def test_gpkg_layers_and_crs():
    listed = dict(pyogrio.list_layers(GPKG))
    assert set(listed) == set(LAYERS)
    for name, epsg in LAYERS.items():
        assert _layer(name).crs.to_epsg() == epsg, name


def test_demo_folder_is_small():
    total = sum(p.stat().st_size for p in DEMO.iterdir() if p.is_file())
    assert total <= 10 * 1024 * 1024


def test_runtime_never_imports_vietnam_provinces():
    for path in (ROOT / "geoplan").rglob("*.py"):
        if "demo" in path.relative_to(ROOT / "geoplan").parts:
            continue
        assert "vietnam_provinces" not in path.read_text(encoding="utf-8"), path


# --- administrative units ------------------------------------------------------------------


def test_real_names_and_codes():
    import vietnam_provinces

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    kontum = next(p for p in data if int(p["code"]) == 62)
    real = {str(w["code"]) for d in kontum["districts"] for w in d["wards"]}
    communes = _layer("communes")
    assert len(communes) == 102
    assert set(communes["commune_code"]) == real
    assert communes["commune_code"].map(type).eq(str).all()
    assert communes.groupby("district_code").size().to_dict() == DISTRICT_COUNTS
    districts = _layer("districts")
    assert len(districts) == 10
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    assert names["610"] == "Đắk Glei" and names["608"] == "Kon Tum"
    assert not communes["commune_name"].str.match(r"^(Xã|Phường|Thị trấn|Huyện) ").any()
    assert set(communes["commune_type"]) == {"xa", "phuong", "thi_tran"}
    poor = set(districts.loc[districts["is_poor_district"], "district_code"])
    assert poor == {"613", "617", "618"}


def test_units_tile_exactly():
    communes = _layer("communes")
    districts = _layer("districts")
    province = _layer("province").geometry.iloc[0]
    assert communes.geometry.is_valid.all() and districts.geometry.is_valid.all()
    assert shapely.coverage_is_valid(communes.geometry.to_numpy())
    area = province.area
    assert abs(communes.area.sum() - area) < 1.0
    union = shapely.coverage_union_all(communes.geometry.to_numpy())
    assert union.symmetric_difference(province).area < 1.0
    for code, sub in communes.groupby("district_code"):
        d = districts.loc[districts["district_code"] == code].geometry.iloc[0]
        assert (
            shapely.coverage_union_all(sub.geometry.to_numpy()).symmetric_difference(d).area < 1.0
        )


def test_area_and_bounds():
    province = _layer("province")
    assert abs(province.area.iloc[0] / 1e6 - 9670.0) < 967.0
    w, s, e, n = province.to_crs(4326).total_bounds
    assert w >= BOX[0] - 0.01 and s >= BOX[1] - 0.01 and e <= BOX[2] + 0.01 and n <= BOX[3] + 0.01
    assert e - w > 0.9 and n - s > 1.2


def test_border_is_part_of_the_outline():
    border = _layer("border")
    assert set(border["country"]) == {"Laos", "Cambodia"}
    outline = _layer("province").geometry.iloc[0].boundary
    for geom in border.geometry:
        assert geom.length > 40_000
        assert outline.buffer(0.01).contains(geom)
    communes = _layer("communes")
    assert communes["is_border"].sum() >= 6
    by_name = dict(zip(communes["commune_name"], communes["is_border"], strict=False))
    assert by_name["Bờ Y"]


def test_communes_2025():
    merged = _layer("communes_2025")
    communes = _layer("communes")
    assert 35 <= len(merged) <= 45
    members = [m for row in merged["members"] for m in row.split(",")]
    assert sorted(members) == sorted(communes["commune_code"])
    assert merged["commune_code"].str.match(r"^M\d{3}$").all()
    assert abs(merged.area.sum() - communes.area.sum()) < 1.0


def test_commune_statistics():
    c = _layer("communes")
    years = (2021, 2022, 2023, 2024)
    assert c["ntm_criteria_met"].between(0, 19).all()
    assert (c["ntm_criteria_met"] == c["ntm_criteria_2024"]).all()
    for y in years:
        assert c[f"poverty_rate_{y}"].between(0, 1).all()
        assert c[f"near_poverty_rate_{y}"].between(0, 1).all()
    assert (c["poverty_rate_2021"] >= c["poverty_rate_2024"]).all()
    assert set(c["ntm_status"]) <= {"none", "standard", "advanced", "model"}
    assert 20 <= (c["ntm_status"] != "none").sum() <= 32
    assert set(c["region"]) == {"I", "II", "III"}
    wards = c[c["commune_type"] == "phuong"]
    assert (wards["region"] == "I").all()
    assert wards["poverty_rate_2024"].max() < c["poverty_rate_2024"].median()


# --- villages ----------------------------------------------------------------------------


def test_villages_inside_their_commune_and_consistent():
    v = _layer("villages")
    c = _layer("communes")
    assert 800 <= len(v) <= 920
    assert v["village_id"].is_unique
    joined = gpd.sjoin(v, c[["commune_code", "geometry"]], predicate="within")
    assert len(joined) == len(v)
    assert (joined["commune_code_left"] == joined["commune_code_right"]).all()
    hh = v["households"]
    for col in ("poor_households", "em_households", "hygienic_water_households"):
        assert (v[col] <= hh).all() and (v[col] >= 0).all()
    assert (v["poor_households"] + v["near_poor_households"] <= hh).all()
    assert (v["em_hh_no_production_land"] <= v["em_households"]).all()
    assert (v["em_hh_no_residential_land"] <= v["em_households"]).all()
    assert (~v["communal_house_repaired"] | v["has_communal_house"]).all()
    assert (v["population"] >= hh).all()
    per = v.groupby("commune_code").size()
    assert per.min() >= 4 and per.max() <= 16
    assert not v["all_season_road"].all() and v["all_season_road"].mean() > 0.8


def test_ethnic_groups_are_where_they_live():
    v = _layer("villages")
    c = _layer("communes")[["commune_code", "district_code"]]
    v = v.merge(c, on="commune_code")
    assert set(v.loc[v["main_ethnic_group"] == "Brâu", "district_code"]) <= {"611"}
    assert set(v.loc[v["main_ethnic_group"] == "Rơ Măm", "district_code"]) <= {"616"}
    assert set(v.loc[v["main_ethnic_group"] == "Giẻ Triêng", "district_code"]) <= {
        "610",
        "611",
        "612",
    }


def test_some_villages_in_forest_and_hazard():
    v = _layer("villages")
    forest = _layer("forest")
    zones = _layer("landslide_zones")
    strict = forest[forest["forest_type"].isin(["special_use", "protective"])]
    in_forest = gpd.sjoin(v, strict, predicate="within")
    assert len(in_forest) >= 24
    high = gpd.sjoin(v, zones[zones["level"] >= 4], predicate="within")
    assert len(high) >= 24
    names = set(forest["name"])
    assert {"Vườn quốc gia Chư Mom Ray", "Khu bảo tồn thiên nhiên Ngọc Linh"} <= names


# --- rasters and hazard -------------------------------------------------------------------


def test_dem():
    with rasterio.open(DEMO / "dem.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.dtypes[0] == "int16"
        assert src.profile["compress"].lower() == "deflate"
        assert src.profile["tiled"]
        assert abs(src.res[0] - 1 / 1200) < 1e-12
        assert "TIFFTAG_DATETIME" not in src.tags()
        z = src.read(1, masked=True)
    assert 2400 <= z.max() <= 2700
    assert 50 <= z.min() <= 400
    assert 400 <= float(np.ma.median(z)) <= 1000


def test_hazard_layers():
    zones = _layer("landslide_zones")
    assert sorted(zones["level"]) == [1, 2, 3, 4, 5]
    inv = _layer("landslide_inventory")
    assert 280 <= len(inv) <= 320
    assert inv["event_date"].str.match(r"^20(09|1\d|2[0-4])-\d{2}-\d{2}$").all()
    meta = json.loads((DEMO / "landslide_truth.json").read_text(encoding="utf-8"))
    assert meta["coefficients"]["slope_deg"] > 0
    with rasterio.open(DEMO / "landslide_truth.tif") as src, rasterio.open(DEMO / "dem.tif") as dem:
        assert src.transform == dem.transform and src.shape == dem.shape
        t = src.read(1)
        pts = inv.to_crs(4326)
        rows, cols = rasterio.transform.rowcol(src.transform, pts.geometry.x, pts.geometry.y)
    inside = t[t != 255].astype(float)
    at_events = t[np.asarray(rows), np.asarray(cols)].astype(float)
    assert at_events.mean() > 2.5 * inside.mean()


def test_roads_and_rivers():
    roads = _layer("roads")
    assert set(roads["road_class"]) == {"national", "provincial", "district", "commune", "track"}
    names = set(roads["name"].dropna())
    assert {"QL14", "QL24", "QL40", "QL40B"} <= names
    assert any(re.match(r"^ĐT\d{3}$", n) for n in names)
    rivers = _layer("rivers")
    assert {"Sê San", "Đăk Bla", "Pô Kô", "Đăk Psi", "Ia H'Drai"} <= set(rivers["name"])
