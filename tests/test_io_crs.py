"""VN-2000 spellings, the datum shift, CRS guessing and identification."""

from __future__ import annotations

import pyproj
import pytest

from geoplan.errors import ScenarioError
from geoplan.io.crs import guess_crs, identify_vn2000, is_metric, resolve_crs

# The EPSG VN-2000 -> WGS 84 (2) parameters written out by hand (PROJ's +towgs84 uses the
# position-vector convention; EPSG states them coordinate-frame, so the result differs by
# well under a metre).  This is an independent definition to compare pyproj's pipeline with.
TOWGS84 = "-191.90441,-39.30318,-111.45032,-0.00928836,0.01975479,-0.00427372,0.252906278"
HAND_TM3_KONTUM = (
    "+proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    f"+towgs84={TOWGS84} +units=m +no_defs"
)
NO_SHIFT_TM3_KONTUM = (
    "+proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
)
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.mark.parametrize(
    ("text", "epsg"),
    [
        ("EPSG:9216", 9216),
        ("epsg:3405", 3405),
        (9216, 9216),
        ("vn2000", 4756),
        ("VN-2000", 4756),
        ("vn2000-utm:48", 3405),
        ("vn2000-utm:49", 3406),
        ("vn2000-tm3:kontum", 9216),
        ("vn2000-tm3:Kon Tum", 9216),
        ("vn2000-tm3:quangngai", 5898),
        ("vn2000-tm3:Quảng Ngãi", 5898),
        ("vn2000-tm3:107.5", 9216),
        ("vn2000-tm3:107-30", 9216),
        ("vn2000-tm3:107°30'", 9216),
        ("vn2000-tm3:108", 5898),
        ("vn2000-tm3:gialai", 9218),
        ("vn2000-tm3:107.75", 5899),
    ],
)
def test_resolve_crs_spellings(text, epsg):
    assert resolve_crs(text).to_epsg() == epsg


@pytest.mark.parametrize(
    "text", ["vn2000-tm3:atlantis", "vn2000-tm3:107.4", "vn2000-utm:50", "bogus"]
)
def test_resolve_crs_rejects_with_help(text):
    with pytest.raises(ScenarioError, match="vn2000"):
        resolve_crs(text)


def test_tm3_zone_parameters():
    crs = resolve_crs("vn2000-tm3:kontum")
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 107.5
    assert params["Scale factor at natural origin"] == pytest.approx(0.9999)
    assert params["False easting"] == 500000
    assert "2000" in crs.datum.name
    assert is_metric(crs)
    assert not is_metric(resolve_crs("vn2000"))


def _to_wgs84(crs, x, y):
    t = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return t.transform(x, y)


@pytest.mark.parametrize(("x", "y"), [(549_000.0, 1_588_000.0), (450_000.0, 1_650_000.0)])
def test_datum_shift_is_applied(x, y):
    lon, lat = _to_wgs84(resolve_crs("vn2000-tm3:kontum"), x, y)
    lon_h, lat_h = _to_wgs84(pyproj.CRS(HAND_TM3_KONTUM), x, y)
    lon_0, lat_0 = _to_wgs84(pyproj.CRS(NO_SHIFT_TM3_KONTUM), x, y)
    # the control point from the hand-written parameters lands within 1 m
    assert GEOD.inv(lon, lat, lon_h, lat_h)[2] < 1.0
    # ignoring the datum shift is about 200 m off in Kon Tum
    assert 150 < GEOD.inv(lon, lat, lon_0, lat_0)[2] < 300


def test_geographic_vn2000_shift_matches_projected():
    lon, lat = _to_wgs84(resolve_crs("vn2000-tm3:kontum"), 549_000.0, 1_588_000.0)
    to_geo = pyproj.Transformer.from_crs(9216, 4756, always_xy=True)
    glon, glat = to_geo.transform(549_000.0, 1_588_000.0)
    lon2, lat2 = _to_wgs84(resolve_crs("vn2000"), glon, glat)
    assert GEOD.inv(lon, lat, lon2, lat2)[2] < 0.01


def test_per_layer_crs_kontum_and_quangngai_agree():
    # the same WGS 84 point written in the two provincial zones comes back to one place
    lon, lat = 108.0, 14.5
    pts = {}
    for spelling in ("vn2000-tm3:kontum", "vn2000-tm3:quangngai"):
        crs = resolve_crs(spelling)
        x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
        pts[spelling] = (x, y, *_to_wgs84(crs, x, y))
    a, b = pts.values()
    assert abs(a[0] - b[0]) > 50_000  # different false-easting meridians
    assert GEOD.inv(a[2], a[3], b[2], b[3])[2] < 0.01


@pytest.mark.parametrize(
    ("bounds", "needle"),
    [
        ((107.5, 14.2, 108.2, 15.0), "EPSG:4326"),
        ((420_000, 1_550_000, 600_000, 1_700_000), "9216"),
        ((780_000, 1_550_000, 880_000, 1_700_000), "3405"),
        ((1e7, 1e7, 2e7, 2e7), "do not match"),
    ],
)
def test_guess_crs(bounds, needle):
    assert needle in guess_crs(bounds)


def test_identify_vn2000_without_epsg():
    wkt_like = (
        "+proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+units=m +no_defs"
    )
    official, warning = identify_vn2000(pyproj.CRS(wkt_like))
    assert official is None
    assert warning is not None and "200 m" in warning and "EPSG:9216" in warning
    # a TM-3 on a VN-2000 named datum (as ESRI .prj files write it) is identified
    esri = pyproj.CRS(resolve_crs("EPSG:9216").to_wkt("WKT1_ESRI"))
    assert esri.to_epsg() is None or esri.to_epsg() == 9216
    official, warning = identify_vn2000(esri)
    assert warning is None
    if esri.to_epsg() != 9216:
        assert official is not None and official.to_epsg() == 9216
    # real WGS 84 UTM is left alone
    assert identify_vn2000(pyproj.CRS.from_epsg(32648)) == (None, None)
