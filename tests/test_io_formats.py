"""Every supported format reads to the same layer; demo round trips across CRSs."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
from _paths import DEMO_LAYERS
from rasterio.transform import from_origin

from geoplan.io import read_layer, read_raster
from geoplan.io.readers import list_layers, read_vector

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

X0, Y0 = 540_000.0, 1_580_000.0
NAMES = ["Kon Gu", "Đăk Ui", "Plei Kần"]


def villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ma_thon": ["V1", "V2", "V3"],
            "ten_thon": NAMES,
            "ma_xa": ["23281", "23284", "23287"],
            "so_ho": [100, 80, 60],
        },
        geometry=[shapely.Point(X0 + 500 + i * 1000, Y0 + 500) for i in range(3)],
        crs=9216,
    )


def _check(gdf: gpd.GeoDataFrame, crs: int = 9216, tol: float = 0.01) -> None:
    assert list(gdf["village_id"]) == ["V1", "V2", "V3"]
    assert list(gdf["village_name"]) == NAMES
    assert list(gdf["households"]) == [100, 80, 60]
    pts = gdf.to_crs(crs).geometry
    ref = villages().to_crs(crs).geometry
    assert np.allclose(pts.x, ref.x, atol=tol) and np.allclose(pts.y, ref.y, atol=tol)


@pytest.mark.parametrize(
    ("suffix", "driver", "layer"),
    [
        (".gpkg", "GPKG", "villages"),
        (".shp", "ESRI Shapefile", None),
        (".geojson", "GeoJSON", None),
        (".fgb", "FlatGeobuf", None),
    ],
)
def test_ogr_formats(tmp_path: Path, suffix, driver, layer):
    path = tmp_path / f"thon{suffix}"
    gdf = villages() if driver != "GeoJSON" else villages().to_crs(4326)
    # FlatGeobuf's spatial index would reorder the features; the input order is kept
    opts = {"SPATIAL_INDEX": "NO"} if driver == "FlatGeobuf" else {}
    pyogrio.write_dataframe(gdf, path, driver=driver, layer=layer, layer_options=opts)
    _check(read_layer(path, kind="villages"))


def test_geoparquet(tmp_path: Path):
    path = tmp_path / "thon.parquet"
    villages().to_parquet(path)
    _check(read_layer(path, kind="villages"))


def test_kml_and_kmz(tmp_path: Path):
    kml = tmp_path / "thon.kml"
    pyogrio.write_dataframe(villages().to_crs(4326), kml, driver="KML", layer="villages")
    out = read_layer(kml, kind="villages")
    _check(out, tol=0.05)  # KML stores degrees as text
    kmz = tmp_path / "thon.kmz"
    pyogrio.write_dataframe(villages().to_crs(4326), kmz, driver="LIBKML", layer="villages")
    assert zipfile.is_zipfile(kmz)
    assert list_layers(kmz) == list_layers(kml)
    _check(read_layer(kmz, kind="villages"), tol=0.05)


def _lon_lat_csv(path: Path, *, swapped: bool = False) -> Path:
    wgs = villages().to_crs(4326)
    lon, lat = (wgs.geometry.y, wgs.geometry.x) if swapped else (wgs.geometry.x, wgs.geometry.y)
    pd.DataFrame(wgs.drop(columns="geometry")).assign(lon=lon, lat=lat).to_csv(path, index=False)
    return path


def test_csv_lon_lat_and_xlsx_xy(tmp_path: Path):
    g = villages()
    df = pd.DataFrame(g.drop(columns="geometry"))
    csv = _lon_lat_csv(tmp_path / "thon.csv")
    _check(read_layer(csv, kind="villages", crs="EPSG:4326"))
    xlsx = tmp_path / "thon.xlsx"
    df.assign(x=g.geometry.x, y=g.geometry.y).to_excel(xlsx, index=False, sheet_name="thon")
    _check(read_layer(xlsx, layer="thon", kind="villages", crs="vn2000-tm3:kontum"))


def test_csv_lon_lat_given_the_other_way_round_is_swapped_with_a_warning(tmp_path: Path):
    csv = _lon_lat_csv(tmp_path / "thon.csv", swapped=True)
    _check(read_layer(csv, kind="villages", crs="EPSG:4326"))
    raw = read_vector(csv, kind="villages", crs=pyproj.CRS("EPSG:4326"))
    swapped = [i for i in raw.issues if i.code == "xy-swapped"]
    assert len(swapped) == 1 and "latitude and longitude" in swapped[0].message
    assert swapped[0].severity == "warning" and raw.repairs["xy-swapped"] == 1


def test_csv_semicolon_decimal_comma_cp1258(tmp_path: Path):
    from geoplan.io.text import encode_cp1258

    g = villages()
    lines = ["ma_thon;ten_thon;ma_xa;so_ho;X;Y"]
    for row, p in zip(g.itertuples(), g.geometry, strict=True):
        x = f"{p.x:.3f}".replace(".", ",")
        y = f"{p.y:.3f}".replace(".", ",")
        lines.append(f"{row.ma_thon};{row.ten_thon};{row.ma_xa};{row.so_ho};{x};{y}")
    path = tmp_path / "thon.csv"
    path.write_bytes(encode_cp1258("\n".join(lines) + "\n"))
    _check(read_layer(path, kind="villages", crs="EPSG:9216"))


def test_geotiff_and_cog(tmp_path: Path):
    arr = np.array([[1.0, 2.0], [-9999.0, 4.0]], dtype="float32")
    profile = {
        "driver": "GTiff", "height": 2, "width": 2, "count": 1, "dtype": "float32",
        "transform": from_origin(107.9, 14.4, 0.01, 0.01), "crs": "EPSG:4326", "nodata": -9999,
    }  # fmt: skip
    tif = tmp_path / "dem.tif"
    with rasterio.open(tif, "w", **profile) as dst:
        dst.write(arr, 1)
    cog = tmp_path / "dem_cog.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(cog, "w", **{**profile, "driver": "COG"}) as dst:
            dst.write(arr, 1)
    for path in (tif, cog):
        r = read_raster(path)
        assert r.array.dtype == np.float64
        assert np.isnan(r.array[1, 0])
        assert r.array[1, 1] == 4.0
        assert r.crs.to_epsg() == 4326
        assert r.nodata == -9999
        assert r.bounds == pytest.approx((107.9, 14.38, 107.92, 14.4))


# --------------------------------------------------------------------------------------
# round trips with the demo layers


def _demo(layer: str) -> gpd.GeoDataFrame:
    return read_layer(DEMO_LAYERS / "kontum.gpkg", layer=layer, kind=layer)


def _max_offset(a: gpd.GeoSeries, b: gpd.GeoSeries) -> float:
    """Largest vertex displacement between two aligned series (same CRS).

    Geometries are normalised first: Shapefiles store outer rings clockwise.
    """
    ca = shapely.get_coordinates(shapely.normalize(a.to_numpy()))
    cb = shapely.get_coordinates(shapely.normalize(b.to_numpy()))
    assert ca.shape == cb.shape
    return float(np.abs(ca - cb).max())


def test_demo_round_trip_shapefile_9216_geojson_4326_csv_xy(tmp_path: Path):
    villages_ = _demo("villages")
    communes = _demo("communes")
    assert villages_.crs.to_epsg() == 9216

    # Shapefile in EPSG:9216
    shp = tmp_path / "xa.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # DBF names cut to 10 characters
        pyogrio.write_dataframe(communes, shp, encoding="UTF-8")
    back = read_layer(shp, kind="communes")
    assert list(back["commune_name"]) == list(communes["commune_name"])
    assert _max_offset(back.geometry, communes.geometry) < 0.01

    # GeoJSON in EPSG:4326 (RFC 7946), compared in EPSG:9216
    gj = tmp_path / "thon.geojson"
    pyogrio.write_dataframe(villages_.to_crs(4326), gj, driver="GeoJSON")
    back = read_layer(gj, kind="villages")
    assert back.crs.to_epsg() == 4326
    assert _max_offset(back.to_crs(9216).geometry, villages_.geometry) < 0.01

    # CSV with VN-2000 X/Y
    csv = tmp_path / "thon.csv"
    pd.DataFrame(villages_.drop(columns="geometry")).assign(
        x=villages_.geometry.x.round(3), y=villages_.geometry.y.round(3)
    ).to_csv(csv, index=False)
    back = read_layer(csv, kind="villages", crs="vn2000-tm3:kontum")
    assert list(back["village_id"]) == list(villages_["village_id"])
    assert _max_offset(back.geometry, villages_.geometry) < 0.01
    pd.testing.assert_series_equal(back["households"], villages_["households"])


def test_control_point_lands_within_one_metre(tmp_path: Path):
    # Kon Tum town: a point given in VN-2000 TM-3 107°30'; its WGS 84 position from the
    # published 7-parameter VN-2000 -> WGS 84 shift written out by hand.
    x, y = 549_000.0, 1_588_000.0
    hand = pyproj.CRS(
        "+proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+towgs84=-191.90441,-39.30318,-111.45032,-0.00928836,0.01975479,-0.00427372,"
        "0.252906278 +units=m +no_defs"
    )
    lon, lat = pyproj.Transformer.from_crs(hand, 4326, always_xy=True).transform(x, y)
    path = tmp_path / "moc.csv"
    path.write_text(f"ma_thon,ma_xa,so_ho,x,y\nCP,23281,1,{x},{y}\n", encoding="utf-8")
    pt = read_layer(path, kind="villages", crs="vn2000-tm3:kontum").to_crs(4326).geometry.iloc[0]
    geod = pyproj.Geod(ellps="WGS84")
    assert geod.inv(pt.x, pt.y, lon, lat)[2] < 1.0
    # the same numbers read as if they were WGS 84 UTM/TM without the shift are ~200 m off
    wrong = pyproj.Transformer.from_crs(
        "+proj=tmerc +lon_0=107.5 +k=0.9999 +x_0=500000 +ellps=WGS84 +towgs84=0,0,0",
        4326,
        always_xy=True,
    ).transform(x, y)
    assert geod.inv(pt.x, pt.y, *wrong)[2] > 150


def test_demo_gpkg_copy_reads_every_layer(tmp_path: Path):
    path = tmp_path / "kontum.gpkg"
    shutil.copy(DEMO_LAYERS / "kontum.gpkg", path)
    for layer in ("communes", "villages", "landslide_zones", "forest", "roads", "rivers", "border"):
        gdf = read_layer(path, layer=layer, kind=layer)
        assert len(gdf) > 0 and gdf.crs is not None
        assert shapely.is_valid(gdf.geometry).all()
