"""A corpus of bad or awkward inputs, each generated here with its expected outcome.

Every case writes a small file into ``tmp_path`` and states what must happen:
an error naming file, layer, row and field; or a documented repair (counted in
the layer summary) with the repaired value checked.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geoplan.errors import LayerError, LayerValidationError
from geoplan.io import check_layer, read_layer, read_raster
from geoplan.io.text import encode_cp1258, encode_tcvn3, encode_vni

# rasterio's writer multiplies Affine objects with `*` (affine>=3.1 pending deprecation)
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

NAMES = ["Đắk Hà", "Ngọc Hồi", "Kon Plông"]
X0, Y0 = 540_000.0, 1_580_000.0  # Kon Tum in EPSG:9216


def _squares(n: int = 3) -> list[shapely.Polygon]:
    return [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(n)]


def _points(n: int = 3) -> list[shapely.Point]:
    return [shapely.Point(X0 + 500 + i * 1000, Y0 + 500) for i in range(n)]


def communes(**over) -> gpd.GeoDataFrame:
    data = {
        "ma_xa": ["23281", "23284", "23287"],
        "ten_xa": NAMES,
        "ma_huyen": ["610", "610", "611"],
    }
    data.update(over.pop("data", {}))
    geoms = over.pop("geometry", _squares())
    return gpd.GeoDataFrame(data, geometry=geoms, crs=over.pop("crs", 9216))


def villages(**over) -> gpd.GeoDataFrame:
    data = {
        "ma_thon": ["V1", "V2", "V3"],
        "ten_thon": ["Kon Gu", "Đăk Ui", "Plei Kần"],
        "ma_xa": ["23281", "23284", "23287"],
        "so_ho": [100, 80, 60],
        "ho_ngheo": [10, 20, 30],
    }
    data.update(over.pop("data", {}))
    geoms = over.pop("geometry", _points())
    return gpd.GeoDataFrame(data, geometry=geoms, crs=over.pop("crs", 9216))


def write(gdf: gpd.GeoDataFrame, path: Path, **kw) -> Path:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        pyogrio.write_dataframe(gdf, path, **kw)
    return path


def legacy_shapefile(tmp: Path, encoder: Callable[[str], bytes], *, cpg: str | None = None) -> Path:
    """Write a shapefile whose DBF holds ``encoder``'s bytes, with no (or the given) .cpg."""
    gdf = communes()
    gdf["ten_xa"] = [encoder(n).decode("latin-1") for n in NAMES]
    path = write(gdf, tmp / "xa.shp", encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg:
        path.with_suffix(".cpg").write_text(cpg)
    return path


@dataclass
class Case:
    """One corpus entry: how to build it and what must come out."""

    id: str
    build: Callable[[Path], tuple[Path, dict]]
    outcome: str  # "error", "repair", "warning", "ok", "layer-error"
    code: str = ""
    row: int | None = None
    field: str | None = None
    check: Callable[[gpd.GeoDataFrame], None] | None = None


def _names_ok(gdf: gpd.GeoDataFrame) -> None:
    assert list(gdf["commune_name"]) == NAMES
    assert all(unicodedata.is_normalized("NFC", n) for n in gdf["commune_name"])


# --- builders ---------------------------------------------------------------------------


def b_tcvn3(tmp):
    return legacy_shapefile(tmp, encode_tcvn3), {"kind": "communes"}


def b_vni(tmp):
    return legacy_shapefile(tmp, encode_vni), {"kind": "communes"}


def b_cp1258(tmp):
    return legacy_shapefile(tmp, encode_cp1258), {"kind": "communes"}


def b_tcvn3_stated(tmp):
    return legacy_shapefile(tmp, encode_tcvn3), {"kind": "communes", "encoding": "ABC"}


def b_cpg_utf8(tmp):
    return write(communes(), tmp / "xa.shp", encoding="UTF-8"), {"kind": "communes"}


def b_cpg_1258(tmp):
    return legacy_shapefile(tmp, encode_cp1258, cpg="CP1258"), {"kind": "communes"}


def b_mojibake_fixable(tmp):
    gdf = communes(
        data={
            "ten_xa": [
                n.encode("utf-8").decode("cp1252", "replace")
                if False
                else n.encode("utf-8").decode("latin-1")
                for n in NAMES
            ]
        }
    )
    return write(gdf, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_mojibake_broken(tmp):
    names = list(NAMES)
    names[2] = "Kon PlÃ´ng\ufffd\ufffd Ã"  # lossy: cannot be decoded back
    return write(communes(data={"ten_xa": names}), tmp / "xa.gpkg", layer="communes"), {
        "kind": "communes"
    }


def b_nfd(tmp):
    gdf = communes(data={"ten_xa": [unicodedata.normalize("NFD", n) for n in NAMES]})
    return write(gdf, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_no_crs_tm3(tmp):
    return write(communes(crs=None), tmp / "xa.shp"), {"kind": "communes"}


def b_no_crs_degrees(tmp):
    g = communes().to_crs(4326).set_crs(None, allow_override=True)
    return write(g, tmp / "xa.shp"), {"kind": "communes"}


def b_no_crs_stated(tmp):
    return write(communes(crs=None), tmp / "xa.shp"), {
        "kind": "communes",
        "crs": "vn2000-tm3:kontum",
    }


def b_unknown_datum(tmp):
    # a TM-3 107°30' .prj on an unnamed datum, as some desktop tools export VN-2000
    crs = pyproj.CRS(
        "+proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m"
    )
    path = write(communes(crs=None), tmp / "xa.shp")
    path.with_suffix(".prj").write_text(crs.to_wkt("WKT1_ESRI"))
    return path, {"kind": "communes"}


def b_crs_override(tmp):
    return write(communes(), tmp / "xa.gpkg", layer="communes"), {
        "kind": "communes",
        "crs": "EPSG:5898",
    }


def b_bowtie(tmp):
    geoms = _squares()
    geoms[1] = shapely.Polygon(
        [(X0 + 1000, Y0), (X0 + 2000, Y0 + 1000), (X0 + 2000, Y0), (X0 + 1000, Y0 + 1000)]
    )
    return write(communes(geometry=geoms), tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_sliver(tmp):
    g = gpd.GeoDataFrame(
        {"loai_rung": ["phòng hộ", "đặc dụng"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 10, Y0 + 10),
            shapely.Polygon([(X0, Y0), (X0 + 5, Y0), (X0 + 10, Y0), (X0, Y0)]),
        ],
        crs=9216,
    )
    return write(g, tmp / "rung.gpkg", layer="forest"), {"kind": "forest"}


def b_null_forest(tmp):
    g = gpd.GeoDataFrame(
        {"loai_rung": ["phòng hộ", "sản xuất"]},
        geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10), None],
        crs=9216,
    )
    return write(g, tmp / "rung.gpkg", layer="forest"), {"kind": "forest"}


def b_empty_village(tmp):
    geoms = _points()
    geoms[1] = shapely.Point()
    return write(villages(geometry=geoms), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages"
    }


def b_z(tmp):
    geoms = [shapely.Point(p.x, p.y, 700.0) for p in _points()]
    return write(villages(geometry=geoms), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages"
    }


def b_multipoint(tmp):
    geoms = [shapely.MultiPoint([p]) for p in _points()]
    return write(villages(geometry=geoms), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages"
    }


def b_village_polygons(tmp):
    return write(villages(geometry=_squares()), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages"
    }


def b_lines_as_communes(tmp):
    geoms = _squares()
    geoms[0] = shapely.LineString([(X0, Y0), (X0 + 10, Y0 + 10)])
    return write(
        communes(geometry=geoms), tmp / "xa.gpkg", layer="communes", geometry_type="Unknown"
    ), {"kind": "communes"}


def b_duplicate_feature(tmp):
    g = pd.concat([villages(), villages().iloc[[1]]], ignore_index=True)
    return write(gpd.GeoDataFrame(g, crs=9216), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages"
    }


def b_vietnamese_columns(tmp):
    g = villages(data={"Số hộ": [100, 80, 60], "Dân tộc": ["Xơ Đăng", "Ba Na", "Gia Rai"]})
    g = g.drop(columns=["so_ho"])
    return write(g, tmp / "thon.gpkg", layer="villages"), {"kind": "villages"}


def b_mapping_missing_column(tmp):
    return write(villages(), tmp / "thon.gpkg", layer="villages"), {
        "kind": "villages",
        "fields": {"households": "tong_ho_2024"},
    }


def b_missing_required(tmp):
    g = villages().drop(columns=["so_ho"])
    return write(g, tmp / "thon.gpkg", layer="villages"), {"kind": "villages"}


def b_decimal_comma(tmp):
    g = communes(data={"ty_le_ngheo_2024": ["0,125", "0,3", ""]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_booleans(tmp):
    g = communes(data={"xa_atk": ["x", "Có", ""], "xa_dbkk": ["không", "có", "X"]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_bad_boolean(tmp):
    g = communes(data={"xa_atk": ["x", "maybe", ""]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_percent_rates(tmp):
    g = communes(data={"ty_le_ngheo_2024": [12.5, 30.0, 4.0]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_rate_above_100(tmp):
    g = communes(data={"ty_le_ngheo_2024": [12.5, 130.0, 4.0]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_poor_above_households(tmp):
    g = villages(data={"ho_ngheo": [10, 95, 61]})
    return write(g, tmp / "thon.gpkg", layer="villages"), {"kind": "villages"}


def b_criteria_above_19(tmp):
    g = communes(data={"so_tieu_chi": [12, 19, 20]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_duplicate_commune_code(tmp):
    g = communes(data={"ma_xa": ["23281", "23284", "23284"]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_duplicate_village_id(tmp):
    g = villages(data={"ma_thon": ["V1", "V2", "V1"]})
    return write(g, tmp / "thon.gpkg", layer="villages"), {"kind": "villages"}


def b_numeric_codes(tmp):
    g = communes(data={"ma_xa": [23281.0, 1.0, 23287.0], "ma_huyen": [610, 610, 611]})
    return write(g, tmp / "xa.gpkg", layer="communes"), {"kind": "communes"}


def b_level_text(tmp):
    g = gpd.GeoDataFrame({"Cấp độ": ["Rất cao", "thấp", "3"]}, geometry=_squares(), crs=9216)
    return write(g, tmp / "satlo.gpkg", layer="landslide_zones"), {"kind": "landslide_zones"}


def b_forest_unknown(tmp):
    g = gpd.GeoDataFrame({"loai_rung": ["Phòng hộ", "abc", "SX"]}, geometry=_squares(), crs=9216)
    return write(g, tmp / "rung.gpkg", layer="forest"), {"kind": "forest"}


def b_roads_no_class(tmp):
    g = gpd.GeoDataFrame(
        {"ten": ["QL14"]}, geometry=[shapely.LineString([(X0, Y0), (X0 + 9, Y0)])], crs=9216
    )
    return write(g, tmp / "duong.gpkg", layer="roads"), {"kind": "roads"}


def b_xlsx_swapped_xy(tmp):
    df = pd.DataFrame(
        {
            "ma_thon": ["V1", "V2"],
            "ma_xa": ["23281", "23284"],
            "so_ho": [10, 20],
            "X": [Y0 + 500, Y0 + 500],
            "Y": [X0 + 500, X0 + 1500],
        }
    )
    path = tmp / "thon.xlsx"
    df.to_excel(path, index=False)
    return path, {"kind": "villages", "crs": "vn2000-tm3:kontum"}


def b_csv_latlon_no_crs(tmp):
    path = tmp / "thon.csv"
    path.write_text(
        "ma_thon;ma_xa;so_ho;vi_do;kinh_do\nV1;23281;10;14,35;107,99\n", encoding="utf-8"
    )
    return path, {"kind": "villages"}


def b_csv_xy_no_crs(tmp):
    path = tmp / "thon.csv"
    path.write_text(f"ma_thon,ma_xa,so_ho,x,y\nV1,23281,10,{X0},{Y0}\n", encoding="utf-8")
    return path, {"kind": "villages"}


def b_csv_bad_coordinate(tmp):
    path = tmp / "thon.csv"
    path.write_text(
        "ma_thon,ma_xa,so_ho,lon,lat\nV1,23281,10,107.9,14.3\nV2,23281,5,abc,14.3\n",
        encoding="utf-8",
    )
    return path, {"kind": "villages", "crs": "EPSG:4326"}


def b_csv_tcvn3(tmp):
    path = tmp / "thon.csv"
    body = "ma_thon,ma_xa,so_ho,ten_thon,lon,lat\nV1,23281,10,§¾k Hµ,107.9,14.3\n"
    path.write_bytes(body.encode("latin-1"))
    return path, {"kind": "villages", "crs": "EPSG:4326"}


def b_missing_file(tmp):
    return tmp / "nothing.gpkg", {"kind": "communes"}


def b_two_layers_unnamed(tmp):
    path = write(communes(), tmp / "data.gpkg", layer="a")
    write(villages(), path, layer="b")
    return path, {}


def b_unknown_layer(tmp):
    return write(communes(), tmp / "xa.gpkg", layer="communes"), {"layer": "xa_2025"}


def b_garbage(tmp):
    path = tmp / "xa.gpkg"
    path.write_bytes(b"not a geopackage at all" * 20)
    return path, {}


def b_households_text(tmp):
    g = villages(data={"so_ho": ["1.234", "80", "60,0"], "ho_ngheo": [10, 20, 30]})
    return write(g, tmp / "thon.gpkg", layer="villages"), {"kind": "villages"}


# --- checks -----------------------------------------------------------------------------


def c_bowtie(g):
    assert shapely.is_valid(g.geometry).all()
    assert g.geometry.iloc[1].geom_type in ("Polygon", "MultiPolygon")
    assert g.geometry.iloc[1].area == pytest.approx(500_000)


def c_booleans(g):
    assert list(g["is_atk"]) == [True, True, False]
    assert list(g["is_especially_difficult"]) == [False, True, True]


CASES = [
    Case("tcvn3-dbf-no-cpg", b_tcvn3, "repair", "encoding-detected", check=_names_ok),
    Case("vni-dbf-no-cpg", b_vni, "repair", "encoding-detected", check=_names_ok),
    Case("cp1258-dbf-no-cpg", b_cp1258, "repair", "encoding-detected", check=_names_ok),
    Case("tcvn3-dbf-stated", b_tcvn3_stated, "ok", check=_names_ok),
    Case("utf8-cpg", b_cpg_utf8, "ok", check=_names_ok),
    Case("cp1258-cpg", b_cpg_1258, "ok", check=_names_ok),
    Case(
        "mojibake-utf8-as-latin1",
        b_mojibake_fixable,
        "repair",
        "mojibake-repaired",
        check=_names_ok,
    ),
    Case("mojibake-lossy", b_mojibake_broken, "error", "mojibake", row=2, field="ten_xa"),
    Case("nfd-text", b_nfd, "repair", "text-nfc", check=_names_ok),
    Case("no-crs-tm3", b_no_crs_tm3, "error", "no-crs"),
    Case("no-crs-degrees", b_no_crs_degrees, "error", "no-crs"),
    Case(
        "no-crs-stated",
        b_no_crs_stated,
        "ok",
        check=lambda g: g.crs.to_epsg() == 9216 or pytest.fail("crs"),
    ),
    Case("tm3-unknown-datum", b_unknown_datum, "warning", "crs-datum-unknown"),
    Case(
        "crs-overridden",
        b_crs_override,
        "warning",
        "crs-overridden",
        check=lambda g: g.crs.to_epsg() == 5898 or pytest.fail("crs"),
    ),
    Case("bowtie-polygon", b_bowtie, "repair", "invalid-geometry-repaired", check=c_bowtie),
    Case(
        "collapsed-polygon",
        b_sliver,
        "warning",
        "invalid-geometry",
        check=lambda g: len(g) == 1 or pytest.fail("sliver kept"),
    ),
    Case(
        "null-forest-geometry",
        b_null_forest,
        "warning",
        "empty-geometry",
        row=1,
        check=lambda g: len(g) == 1 or pytest.fail("null kept"),
    ),
    Case("empty-village-geometry", b_empty_village, "error", "empty-geometry", row=1),
    Case(
        "z-coordinates",
        b_z,
        "repair",
        "z-dropped",
        check=lambda g: (not shapely.has_z(g.geometry).any()) or pytest.fail("z"),
    ),
    Case(
        "single-multipoint",
        b_multipoint,
        "repair",
        "multipoint-to-point",
        check=lambda g: (g.geom_type == "Point").all() or pytest.fail("type"),
    ),
    Case(
        "village-polygons",
        b_village_polygons,
        "repair",
        "polygon-to-point",
        check=lambda g: (g.geom_type == "Point").all() or pytest.fail("type"),
    ),
    Case("line-in-communes", b_lines_as_communes, "error", "wrong-geometry-type", row=0),
    Case(
        "duplicate-feature",
        b_duplicate_feature,
        "warning",
        "duplicate-feature",
        row=3,
        check=lambda g: len(g) == 3 or pytest.fail("dup kept"),
    ),
    Case(
        "vietnamese-column-names",
        b_vietnamese_columns,
        "ok",
        check=lambda g: (
            (
                list(g["households"]) == [100, 80, 60]
                and next(iter(g["main_ethnic_group"])) == "Xơ Đăng"
            )
            or pytest.fail("cols")
        ),
    ),
    Case(
        "mapping-to-missing-column",
        b_mapping_missing_column,
        "error",
        "missing-column",
        field="tong_ho_2024",
    ),
    Case(
        "missing-required-field", b_missing_required, "error", "missing-field", field="households"
    ),
    Case(
        "decimal-comma",
        b_decimal_comma,
        "repair",
        "decimal-comma",
        check=lambda g: g["poverty_rate_2024"].iloc[0] == 0.125 or pytest.fail("comma"),
    ),
    Case("booleans-x-co-khong", b_booleans, "ok", check=c_booleans),
    Case("bad-boolean", b_bad_boolean, "error", "bad-value", row=1, field="xa_atk"),
    Case(
        "rates-in-percent",
        b_percent_rates,
        "repair",
        "percent-to-fraction",
        check=lambda g: g["poverty_rate_2024"].tolist() == [0.125, 0.3, 0.04] or pytest.fail("pct"),
    ),
    Case(
        "rate-above-100", b_rate_above_100, "error", "out-of-range", row=1, field="ty_le_ngheo_2024"
    ),
    Case(
        "poor-above-households",
        b_poor_above_households,
        "error",
        "impossible-value",
        row=1,
        field="ho_ngheo",
    ),
    Case(
        "criteria-above-19",
        b_criteria_above_19,
        "error",
        "out-of-range",
        row=2,
        field="so_tieu_chi",
    ),
    Case(
        "duplicate-commune-code",
        b_duplicate_commune_code,
        "error",
        "duplicate-code",
        row=2,
        field="ma_xa",
    ),
    Case(
        "duplicate-village-id",
        b_duplicate_village_id,
        "error",
        "duplicate-code",
        row=2,
        field="ma_thon",
    ),
    Case(
        "numeric-codes",
        b_numeric_codes,
        "ok",
        check=lambda g: (
            (
                list(g["commune_code"]) == ["23281", "00001", "23287"]
                and list(g["district_code"]) == ["610", "610", "611"]
            )
            or pytest.fail("codes")
        ),
    ),
    Case(
        "landslide-level-text",
        b_level_text,
        "ok",
        check=lambda g: list(g["level"]) == [5, 2, 3] or pytest.fail("level"),
    ),
    Case("forest-type-unknown", b_forest_unknown, "error", "bad-value", row=1, field="loai_rung"),
    Case(
        "roads-without-class",
        b_roads_no_class,
        "ok",
        check=lambda g: list(g["road_class"]) == ["track"] or pytest.fail("class"),
    ),
    Case(
        "xlsx-vn-xy-swapped",
        b_xlsx_swapped_xy,
        "warning",
        "xy-swapped",
        check=lambda g: g.geometry.iloc[1].x == X0 + 1500 or pytest.fail("swap"),
    ),
    Case(
        "csv-latlon-no-crs",
        b_csv_latlon_no_crs,
        "warning",
        "assumed-crs",
        check=lambda g: (
            (g.crs.to_epsg() == 4326 and g.geometry.iloc[0].x == 107.99) or pytest.fail("latlon")
        ),
    ),
    Case("csv-xy-no-crs", b_csv_xy_no_crs, "error", "no-crs"),
    Case("csv-bad-coordinate", b_csv_bad_coordinate, "error", "bad-coordinate", row=1, field="lon"),
    Case(
        "csv-tcvn3",
        b_csv_tcvn3,
        "repair",
        "encoding-detected",
        check=lambda g: list(g["village_name"]) == ["Đắk Hà"] or pytest.fail("name"),
    ),
    Case(
        "households-as-text",
        b_households_text,
        "ok",
        check=lambda g: list(g["households"]) == [1234, 80, 60] or pytest.fail("hh"),
    ),
    Case("missing-file", b_missing_file, "layer-error", "not found"),
    Case("two-layers-unnamed", b_two_layers_unnamed, "layer-error", "say which one"),
    Case("unknown-layer", b_unknown_layer, "layer-error", "no layer 'xa_2025'"),
    Case("garbage-file", b_garbage, "layer-error", "cannot open"),
]


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus(case: Case, tmp_path: Path):
    path, kwargs = case.build(tmp_path)
    if case.outcome == "layer-error":
        with pytest.raises(LayerError, match=case.code):
            read_layer(path, **kwargs)
        return
    _gdf, report = check_layer(path, **kwargs)
    codes = {i.code for i in report.issues}
    if case.outcome == "ok":
        assert not report.errors, report.to_text()
    else:
        matches = [i for i in report.issues if i.code == case.code]
        counted = report.layers[0].repairs.get(case.code, 0) if report.layers else 0
        if case.outcome == "repair":
            # every repair is counted in the layer summary
            assert counted or any(i.severity == "repair" for i in matches), report.to_text()
            assert counted, f"repair {case.code} not counted: {report.layers[0].repairs}"
        else:
            assert matches, f"expected {case.code}, got {sorted(codes)}\n{report.to_text()}"
            assert any(i.severity == case.outcome for i in matches), report.to_text()
        assert all(i.file == str(path) for i in matches)
        if case.row is not None:
            assert any(i.row == case.row for i in matches), report.to_text()
        if case.field is not None:
            assert any(i.field == case.field for i in matches), report.to_text()
    if case.outcome == "error":
        with pytest.raises(LayerValidationError) as info:
            read_layer(path, **kwargs)
        assert str(path) in str(info.value)
        assert any(i.code == case.code for i in info.value.issues)
        return
    assert not report.errors, report.to_text()
    out = read_layer(path, **kwargs)
    assert list(out.index) == list(range(len(out)))
    if case.check is not None:
        case.check(out)


def test_every_problem_is_reported_at_once(tmp_path: Path):
    g = villages(
        data={"so_ho": [100, "x", 60], "ho_ngheo": [10, 20, 70], "ma_thon": ["V1", "V1", "V3"]}
    )
    path = write(g, tmp_path / "thon.gpkg", layer="villages")
    with pytest.raises(LayerValidationError) as info:
        read_layer(path, kind="villages")
    codes = sorted({i.code for i in info.value.issues if i.severity == "error"})
    assert codes == ["bad-value", "duplicate-code", "impossible-value"]
    text = str(info.value)
    assert "row 1" in text and "so_ho" in text and "row 2" in text and "ho_ngheo" in text


def test_raster_without_crs_is_refused(tmp_path: Path):
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        transform=from_origin(X0, Y0, 30, 30),
    ) as dst:
        dst.write(np.ones((1, 2, 2), dtype="float32"))
    with pytest.raises(LayerError, match="no CRS"):
        read_raster(path)
    r = read_raster(path, crs="vn2000-tm3:kontum")
    assert r.crs.to_epsg() == 9216


def test_raster_all_nodata_is_refused(tmp_path: Path):
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        transform=from_origin(X0, Y0, 30, 30),
        crs="EPSG:9216",
        nodata=-9999,
    ) as dst:
        dst.write(np.full((1, 2, 2), -9999, dtype="float32"))
    with pytest.raises(LayerError, match="nodata"):
        read_raster(path)


def test_duplicate_codes_point_at_each_other(tmp_path: Path):
    path, kwargs = b_duplicate_commune_code(tmp_path)
    _, report = check_layer(path, layer="communes", **kwargs)
    messages = {i.row: i.message for i in report.issues if i.code == "duplicate-code"}
    assert set(messages) == {1, 2}
    assert "also at row 2" in messages[1]
    assert "also at row 1" in messages[2]
