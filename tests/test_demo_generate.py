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


@pytest.mark.slow
def test_a_fresh_generation_equals_the_committed_files(tmp_path):
    """One fresh generation with the default seed, byte for byte the committed files.

    The committed files were generated in another process on another day, so this also
    shows the generator is deterministic for a seed (a second generation in this run
    would add nothing but a minute of CPU).
    """
    from geoplan.demo.generate import DEFAULT_SEED, generate

    generate(tmp_path, DEFAULT_SEED)
    for name in FILES:
        assert _sha(tmp_path / name) == _sha(DEMO / name), (
            f"{name} differs from a fresh generation: run python -m geoplan.demo.generate"
        )


@pytest.mark.slow
def test_other_seed_differs():
    from geoplan.demo.admin import build_admin
    from geoplan.demo.terrain import build_terrain

    # seed 2022 is the committed data (test_a_fresh_generation_equals_the_committed_files)
    committed = _layer("communes")
    b = build_admin(7)
    assert list(committed["commune_code"]) == list(b.communes["commune_code"])
    assert not committed.geometry.geom_equals(b.communes.geometry.to_crs(committed.crs)).all()
    with rasterio.open(DEMO / "dem.tif") as src:
        dem = src.read(1).astype(np.float64)
    tb = build_terrain(7)
    assert dem.shape == tb.dem.shape
    assert np.abs(dem - tb.dem).mean() > 10.0


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


def test_2022_communes_tile_each_real_2025_unit():
    communes = _layer("communes")
    districts = _layer("districts")
    units = _layer("communes_2025")
    assert communes.geometry.is_valid.all() and units.geometry.is_valid.all()
    by_code = communes.set_index("commune_code")
    for code, members, unit in zip(
        units["commune_code"], units["members"], units.geometry, strict=True
    ):
        parts = by_code.loc[members.split(",")].geometry.to_numpy()
        union = shapely.union_all(parts)
        # exact up to the 0.1 m coordinate grid
        assert union.symmetric_difference(unit).area < 1e-6 * unit.area + 200.0, code
        assert shapely.area(parts).sum() - union.area < 1.0, code
    for code, sub in communes.groupby("district_code"):
        d = districts.loc[districts["district_code"] == code].geometry.iloc[0]
        union = shapely.union_all(sub.geometry.to_numpy())
        assert union.symmetric_difference(d).area < 1e-6 * d.area + 200.0


def test_real_outline_and_units():
    province = _layer("province").geometry.iloc[0]
    units = _layer("communes_2025")
    union = shapely.union_all(units.geometry.to_numpy())
    # the outline fills the slivers the simplified source leaves between units (< 2 km²)
    assert union.symmetric_difference(province).area < 2.5e6
    assert units.area.sum() - union.area < 1000.0


def test_area_and_bounds():
    province = _layer("province")
    assert abs(province.area.iloc[0] / 1e6 - 9670.0) < 50.0
    w, s, e, n = province.to_crs(4326).total_bounds
    assert w >= BOX[0] - 0.03 and s >= BOX[1] - 0.01 and e <= BOX[2] + 0.01 and n <= BOX[3] + 0.01
    assert e - w > 0.9 and n - s > 1.2


def test_border_is_part_of_the_outline():
    border = _layer("border")
    assert set(border["country"]) == {"Laos", "Cambodia"}
    outline = _layer("province").geometry.iloc[0].boundary
    for geom in border.geometry:
        assert geom.length > 100_000
        assert outline.buffer(0.5).contains(geom)
    assert 270_000 < border.length.sum() < 295_000
    communes = _layer("communes")
    assert communes["is_border"].sum() >= 6
    by_name = dict(zip(communes["commune_name"], communes["is_border"], strict=False))
    assert by_name["Bờ Y"] and by_name["Mô Rai"]
    assert not by_name["Quang Trung"]


def test_communes_2025_are_the_real_units():
    real = gpd.read_file(ROOT / "geoplan" / "demo" / "data" / "kontum_2025_communes.geojson")
    merged = _layer("communes_2025")
    communes = _layer("communes")
    assert len(merged) == 40
    assert list(merged["commune_code"]) == sorted(real["commune_code_2025"])
    truth = real.set_index("commune_code_2025")
    mine = merged.set_index("commune_code")
    assert (mine["commune_name"] == truth["commune_name_2025"].reindex(mine.index)).all()
    assert (mine["population"] == truth["population"].reindex(mine.index)).all()
    assert dict(merged["commune_type"].value_counts()) == {"xa": 37, "phuong": 3}
    members = [m for row in merged["members"] for m in row.split(",")]
    assert sorted(members) == sorted(communes["commune_code"])


def test_lineage_holds_in_the_geometry():
    """The crosswalk derived from geometry alone is the real lineage."""
    from geoplan.config.plan import CrosswalkConfig
    from geoplan.plan.crosswalk import crosswalk_from_overlay

    merged = _layer("communes_2025")
    communes = _layer("communes")
    overlay = crosswalk_from_overlay(communes, merged.drop(columns="members"), CrosswalkConfig())
    assert overlay["commune_code"].is_unique and len(overlay) == 102
    lineage = {
        m: code
        for code, row in zip(merged["commune_code"], merged["members"], strict=True)
        for m in row.split(",")
    }
    assert dict(zip(overlay["commune_code"], overlay["commune_code_2025"], strict=True)) == lineage
    # spot checks against the published lineage (names repeated across former districts,
    # portal spellings)
    assert lineage["23504"] == "23504"  # Đăk Long of Đăk Hà -> Đăk Pxi
    assert lineage["23368"] == "23368"  # Đăk Long of Đắk Glei, not merged
    assert lineage["23500"] == "23500" and lineage["23425"] == "23425"  # the two Đăk Hà
    assert lineage["23458"] == "23455"  # Măng Buk (portal: Măng Bút)
    assert lineage["23395"] == "23377"  # Bờ Y (portal: Pờ Y)


def test_villages_hold_the_real_2025_population():
    v = _layer("villages")
    merged = _layer("communes_2025").set_index("commune_code")
    hh = v.groupby("commune_code_2025")["households"].sum().reindex(merged.index)
    pop = v.groupby("commune_code_2025")["population"].sum().reindex(merged.index)
    assert (merged["population"] / hh).between(4.1, 4.5).all()
    assert (abs(pop - merged["population"]) <= 0.01 * merged["population"]).all()


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
    units = _layer("communes_2025")[["commune_code", "geometry"]]
    joined = gpd.sjoin(v, units.rename(columns={"commune_code": "unit"}), predicate="within")
    assert len(joined) == len(v) and (joined["commune_code_2025"] == joined["unit"]).all()
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


# --- lineage matching ---------------------------------------------------------------------


def test_lineage_names_fold_and_parse():
    from geoplan.demo.lineage import fold, parse_members

    assert fold("Xã Ngọk Réo") == fold("Xã Ngok Réo") == fold("xa ngoc reo")
    assert fold("Đăk Plô") == fold("Đắk Blô") and fold("Pờ Y") == fold("Bờ Y")
    assert fold("Măng Bút") == fold("Măng Buk")
    members = parse_members("Phường Trần Hưng Đạo (thành phố Kon Tum), Lê Lợi, Nguyễn Trãi", "X")
    assert [m.kind for m in members] == ["phuong"] * 3  # types inherited from the first
    assert members[0].district == fold("Kon Tum") and members[1].district is None
    long = parse_members("Xã Đăk Long (thuộc huyện Đăk Hà), Xã Đăk Pxi", "Đăk Pxi")[0]
    assert long.district == fold("Đăk Hà") and long.kind == "xa"
    assert [m.name for m in parse_members("Không sáp nhập", "Mô Rai")] == [fold("Mô Rai")]


def test_an_unmatched_lineage_name_stops_the_generator():
    from geoplan.demo.admin import load_divisions
    from geoplan.demo.lineage import LineageError, match_lineage

    units = gpd.read_file(ROOT / "geoplan" / "demo" / "data" / "kontum_2025_communes.geojson")
    units.loc[units["commune_code_2025"] == "23317", "before_merger"] = (
        "Xã Kroong, Xã Nowhere, Xã Ngọk Bay"
    )
    with pytest.raises(LineageError) as info:
        match_lineage(units, load_divisions())
    text = str(info.value)
    assert "'Xã Nowhere' matches no 2022 commune" in text
    assert "23320" in text  # Vinh Quang is then left in no unit
