"""Terrain statistics, metric cell sizes, zonal weighting and travel time, on hand-made grids."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine
from rasterio.enums import Resampling

from geoplan.config.hazard import SusceptibilityConfig
from geoplan.config.indicators import IndicatorConfig
from geoplan.hazard.grid import GridRaster, cell_size_m, warp_to_grid
from geoplan.hazard.terrain import hillshade, horn_gradient, slope_degrees
from geoplan.indicators import compute_indicators
from geoplan.indicators.travel import friction_surface, tobler_factor, travel_minutes
from geoplan.indicators.zonal import zonal_stats

CRS = "EPSG:32648"
X0, Y0 = 500_000.0, 1_500_000.0


def scenario(**kw: object) -> SimpleNamespace:
    return SimpleNamespace(
        crs=CRS,
        source=None,
        indicators=IndicatorConfig(**kw),
        susceptibility=SusceptibilityConfig(enabled=False),
    )


def layers_with(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, **kw: object
) -> SimpleNamespace:
    base = {
        "communes": communes, "villages": villages, "districts": None, "province": None,
        "landslide_zones": None, "landslide_inventory": None, "forest": None, "border": None,
        "roads": None, "rivers": None, "dem": None, "rainfall": None, "report": None,
    }  # fmt: skip
    base.update(kw)
    return SimpleNamespace(**base)


def one_commune(extent: shapely.Polygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"commune_code": ["1"], "commune_name": ["X"], "district_code": ["9"],
         "district_name": ["H"]},
        geometry=[extent], crs=CRS,
    )  # fmt: skip


# ---------------------------------------------------------------- cell sizes and slope


def test_cell_size_in_degrees_matches_geodesic_distances() -> None:
    transform = Affine(3 / 3600, 0, 107.5, 0, -3 / 3600, 15.0)
    dx, dy = cell_size_m(transform, "EPSG:4326", 1440)
    geod = pyproj.Geod(ellps="WGS84")
    for row in (0, 700, 1439):
        lat = 15.0 - (row + 0.5) * 3 / 3600
        _, _, east = geod.inv(107.5, lat, 107.5 + 3 / 3600, lat)
        _, _, north = geod.inv(107.5, lat - 1.5 / 3600, 107.5, lat + 1.5 / 3600)
        assert dx[row] == pytest.approx(east, rel=1e-6)
        assert dy[row] == pytest.approx(north, rel=1e-6)
    metric_dx, metric_dy = cell_size_m(Affine(30, 0, 0, 0, -25, 0), CRS, 3)
    assert metric_dx.tolist() == [30.0] * 3
    assert metric_dy.tolist() == [25.0] * 3


def test_warp_to_grid_averages_blocks_and_leaves_uncovered_cells_nan() -> None:
    values = np.arange(16, dtype=np.float64).reshape(4, 4)
    values[0, 0] = np.nan
    source = GridRaster(values, Affine(10, 0, X0, 0, -10, Y0), CRS)
    target = Affine(20, 0, X0, 0, -20, Y0)
    out = warp_to_grid(source, target, CRS, (3, 2), resampling=Resampling.average)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0], [np.mean([1, 4, 5]), np.mean([2, 3, 6, 7])])
    np.testing.assert_allclose(out[1], [np.mean([8, 9, 12, 13]), np.mean([10, 11, 14, 15])])
    assert np.isnan(out[2]).all()  # below the source grid
    doubled = warp_to_grid(
        source, target, CRS, (2, 2), resampling=Resampling.average, values=2 * values,
        dtype=np.float64,
    )  # fmt: skip
    assert doubled.dtype == np.float64
    np.testing.assert_allclose(doubled, 2 * out[:2])


def test_slope_of_inclined_plane_in_metric_crs() -> None:
    rows, cols = np.mgrid[0:40, 0:50]
    z = 0.25 * (40 - rows) * 30.0 + 0.1 * cols * 30.0  # rises north and east
    slope = slope_degrees(z, Affine(30, 0, X0, 0, -30, Y0), CRS)
    expected = np.degrees(np.arctan(np.hypot(0.25, 0.1)))
    np.testing.assert_allclose(slope, expected, atol=1e-4)


def test_hillshade_of_planes_by_hand() -> None:
    # a plane of gradient g facing azimuth a, lit from 315° at 45°:
    # cos(45°) cos(atan g) + sin(45°) sin(atan g) cos(315° - a), worked out here by hand
    transform = Affine(30, 0, X0, 0, -30, Y0)
    rows, cols = np.mgrid[0:20, 0:20]
    flat = hillshade(np.full((20, 20), 500.0), transform, CRS)
    np.testing.assert_allclose(flat, np.sqrt(0.5), atol=1e-12)
    g = 0.5
    towards_nw = 500.0 + g * 30.0 * (cols + rows) / np.sqrt(2)  # rises to the south-east
    towards_se = 500.0 - g * 30.0 * (cols + rows) / np.sqrt(2)  # rises to the north-west
    lit = hillshade(towards_nw, transform, CRS)
    shaded = hillshade(towards_se, transform, CRS)
    cos_s, sin_s = 1 / np.sqrt(1 + g**2), g / np.sqrt(1 + g**2)
    np.testing.assert_allclose(lit, np.sqrt(0.5) * (cos_s + sin_s), atol=1e-9)
    np.testing.assert_allclose(shaded, np.sqrt(0.5) * (cos_s - sin_s), atol=1e-9)
    hole = towards_nw.copy()
    hole[10, 10] = np.nan
    assert np.isnan(hillshade(hole, transform, CRS)[9:12, 9:12]).all()


def test_hillshade_in_place_equals_the_formula_on_the_whole_grid() -> None:
    # the block-wise, in-place hillshade gives the bits of the plain whole-grid expression
    rng = np.random.default_rng(3)
    dem = np.cumsum(np.cumsum(rng.normal(0, 4, (41, 29)), axis=0), axis=1) + 800.0
    dem[5, 7] = dem[40, 0] = np.nan
    transform = Affine(30, 0, X0, 0, -30, Y0)
    east, north = horn_gradient(dem, transform, CRS, block_pixels=None)
    slope, aspect = np.arctan(np.hypot(east, north)), np.arctan2(-east, -north)
    azimuth, altitude = np.radians(300.0), np.radians(35.0)
    expected = np.sin(altitude) * np.cos(slope) + np.cos(altitude) * np.sin(slope) * np.cos(
        azimuth - aspect
    )
    expected = np.clip(expected, 0.0, 1.0)
    expected[np.isnan(dem)] = np.nan
    shade = hillshade(dem, transform, CRS, azimuth_deg=300.0, altitude_deg=35.0, block_pixels=60)
    assert shade.tobytes() == expected.tobytes()


@pytest.mark.parametrize("direction", ["north", "east"])
def test_slope_of_inclined_plane_in_degree_crs(direction: str) -> None:
    transform = Affine(3 / 3600, 0, 107.9, 0, -3 / 3600, 14.6)
    height, width = 120, 150
    dx, dy = cell_size_m(transform, "EPSG:4326", height)
    grade = np.tan(np.radians(20.0))
    if direction == "north":
        north_m = np.cumsum(dy[::-1])[::-1]  # metres above the bottom row
        z = grade * np.broadcast_to(north_m[:, None], (height, width))
    else:
        z = grade * dx[:, None] * np.arange(width)[None, :]
    slope = slope_degrees(np.ascontiguousarray(z), transform, "EPSG:4326")
    np.testing.assert_allclose(slope, 20.0, atol=0.01)
    # Treating degrees as metres would give a vertical wall instead.
    wrong = np.degrees(np.arctan(grade * dy.mean() / (3 / 3600)))
    assert wrong > 89.0


def _plane_dem_4326(slope_deg: float) -> GridRaster:
    transform = Affine(1 / 3600, 0, 107.98, 0, -1 / 3600, 14.52)
    height, width = 180, 180
    _, dy = cell_size_m(transform, "EPSG:4326", height)
    north_m = np.cumsum(dy[::-1])[::-1]
    z = 500.0 + np.tan(np.radians(slope_deg)) * np.broadcast_to(north_m[:, None], (height, width))
    return GridRaster(np.ascontiguousarray(z), transform, "EPSG:4326")


def test_village_slope_on_a_degree_dem_equals_the_plane_slope() -> None:
    dem = _plane_dem_4326(15.0)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_utm.transform(108.005, 14.495)
    villages = gpd.GeoDataFrame(
        {"village_id": ["v"], "commune_code": ["1"], "households": [10]},
        geometry=[shapely.Point(x, y)],
        crs=CRS,
    )
    out = compute_indicators(
        layers_with(villages, one_commune(shapely.Point(x, y).buffer(3000)), dem=dem),
        scenario(village_buffer_m=500),
    ).villages.iloc[0]
    assert out["slope_mean_deg"] == pytest.approx(15.0, abs=0.01)
    assert out["slope_max_deg"] == pytest.approx(15.0, abs=0.01)
    # A 1 km wide disc on a 15 degree plane spans ~1000 * tan(15) m of height.
    assert out["relief_m"] == pytest.approx(1000 * np.tan(np.radians(15.0)), rel=0.05)
    assert out["elev_min_m"] < out["elev_mean_m"] < out["elev_max_m"]


def test_village_slope_on_a_metric_dem() -> None:
    _, cols = np.mgrid[0:100, 0:100]
    # Elevation at cell centres x = X0 + 20 c + 10: z = 100 + 0.5 (x - X0).
    dem = GridRaster(100.0 + 0.5 * (cols * 20.0 + 10), Affine(20, 0, X0, 0, -20, Y0 + 2000), CRS)
    villages = gpd.GeoDataFrame(
        {"village_id": ["v"], "commune_code": ["1"], "households": [10]},
        geometry=[shapely.Point(X0 + 1000, Y0 + 1000)],
        crs=CRS,
    )
    out = compute_indicators(
        layers_with(villages, one_commune(shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)), dem=dem),
        scenario(village_buffer_m=300),
    ).villages.iloc[0]
    assert out["slope_mean_deg"] == pytest.approx(np.degrees(np.arctan(0.5)), abs=1e-4)
    # Plane value at the disc's centre: 100 + 0.5 * 1000 (area-weighted mean of a plane).
    assert out["elev_mean_m"] == pytest.approx(600.0, abs=0.5)


def test_zonal_mean_is_area_weighted() -> None:
    values = np.array([[10.0, 0.0], [np.nan, 4.0]])
    raster = GridRaster(values, Affine(1, 0, 0, 0, -1, 2), CRS)
    zones = gpd.GeoSeries(
        [
            shapely.box(0.5, 1, 2, 2),  # half of the 10 cell, all of the 0 cell
            shapely.box(0, 0, 1, 1),  # only the nodata cell
            shapely.box(1, 0, 2, 1.25),  # all of the 4 cell, a quarter of the 0 cell
        ],
        crs=CRS,
    )
    stats = zonal_stats(zones, {"v": raster}, ("mean", "max"))
    assert stats.loc[0, "v_mean"] == pytest.approx((0.5 * 10 + 1.0 * 0) / 1.5)
    assert np.isnan(stats.loc[1, "v_mean"])
    assert stats.loc[2, "v_mean"] == pytest.approx((1.0 * 4 + 0.25 * 0) / 1.25)
    assert stats.loc[2, "v_max"] == 4.0


def test_zonal_stats_reprojects_polygons_to_the_raster() -> None:
    dem = _plane_dem_4326(0.0)  # flat at 500 m, in degrees
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_utm.transform(108.0, 14.5)
    stats = zonal_stats(gpd.GeoSeries([shapely.Point(x, y).buffer(200)], crs=CRS), {"e": dem})
    assert stats.loc[0, "e_mean"] == pytest.approx(500.0)


# ---------------------------------------------------------------- travel time


def test_tobler_factor_is_one_on_the_flat_and_falls_with_slope() -> None:
    f = tobler_factor(np.array([0.0, 10.0, 30.0]))
    assert f[0] == pytest.approx(1.0)
    assert 1.0 > f[1] > f[2] > 0


@pytest.mark.parametrize(
    ("dcol", "drow", "metres"),
    [(50, 0, 5000.0), (0, 30, 3000.0), (30, 30, 30 * np.sqrt(2) * 100)],
)
def test_travel_time_on_uniform_friction_is_distance_over_speed(
    dcol: int, drow: int, metres: float
) -> None:
    surface = friction_surface(
        (X0, Y0, X0 + 10_000, Y0 + 10_000), CRS, resolution=100.0, speeds_kmh={"offroad": 3.0}
    )
    assert np.allclose(surface.minutes, 100.0 / 50.0)  # 3 km/h = 50 m/min
    # Cell centres: the grid starts one cell left of and above the bounds.
    cx = X0 - 100 + 100 * 20.5
    cy = Y0 + 10_000 + 100 - 100 * 20.5
    origin = shapely.Point(cx, cy)
    target = shapely.Point(cx + 100 * dcol, cy - 100 * drow)
    minutes = travel_minutes(
        surface, np.array([origin]), [np.array([0])], np.array([target], dtype=object)
    )
    assert minutes[0] == pytest.approx(metres / 50.0)


def test_travel_columns_use_the_most_populous_village_as_centre_and_roads_speed_up() -> None:
    extent = shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    # Friction cells (250 m) are centred on X0 + 125 + 250 k and Y0 + 10_125 - 250 r.
    villages = gpd.GeoDataFrame(
        {"village_id": ["centre", "east"], "commune_code": ["1", "1"], "households": [300, 20]},
        geometry=[shapely.Point(X0 + 1125, Y0 + 5125), shapely.Point(X0 + 5125, Y0 + 5125)],
        crs=CRS,
    )
    offroad = compute_indicators(layers_with(villages, one_commune(extent)), scenario())
    t = offroad.villages.set_index("village_id")["travel_min_commune_centre"]
    assert t["centre"] == 0.0
    assert t["east"] == pytest.approx(4000 / 50.0)  # 3 km/h off road
    assert offroad.villages["travel_min_district_centre"].tolist() == t.tolist()

    road = gpd.GeoDataFrame(
        {"road_class": ["national"]},
        geometry=[shapely.LineString([(X0, Y0 + 5125), (X0 + 10_000, Y0 + 5125)])],
        crs=CRS,
    )
    on_road = compute_indicators(layers_with(villages, one_commune(extent), roads=road), scenario())
    t_road = on_road.villages.set_index("village_id")["travel_min_commune_centre"]
    assert t_road["east"] == pytest.approx(4000 / (50_000 / 60))  # 50 km/h on the national road
