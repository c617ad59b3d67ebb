"""Suitability surface and candidate resettlement sites, on hand-checkable grids."""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from affine import Affine
from shapely.geometry import LineString, box

from geoplan.config.plan import SitesConfig
from geoplan.hazard.terrain import slope_degrees
from geoplan.plan.site_profile import terrain_rasters
from geoplan.plan.sites import find_sites


def _slope_native(dem: SimpleNamespace) -> np.ndarray:
    return terrain_rasters(dem, 30.0)["slope"].array


CRS = "EPSG:3405"
X0, Y0 = 500_000.0, 1_600_000.0


def communes(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "commune_code": [f"C{i + 1}" for i in range(len(boxes))],
            "commune_name": [f"Xã {i + 1}" for i in range(len(boxes))],
            "district_code": ["D1"] * len(boxes),
            "district_name": ["Huyện 1"] * len(boxes),
        },
        geometry=[box(*b) for b in boxes],
        crs=CRS,
    )


def flat_dem(bounds: tuple[float, float, float, float], cell: float = 50.0) -> SimpleNamespace:
    minx, miny, maxx, maxy = bounds
    w, h = int((maxx - minx) / cell), int((maxy - miny) / cell)
    return SimpleNamespace(
        array=np.full((h, w), 600.0), transform=Affine(cell, 0, minx, 0, -cell, maxy), crs=CRS
    )


def config(**kw: object) -> SitesConfig:
    base = {"max_road_distance_m": None, "exclude_forest": [], "min_area_ha": 6.0}
    base.update(kw)
    return SitesConfig(**base)


def test_landslide_zone_removes_half_of_the_commune_and_capacity_is_floor_of_area():
    c = communes((X0, Y0, X0 + 2000, Y0 + 2000))
    zones = gpd.GeoDataFrame(
        {"level": [5, 1]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=CRS,
    )
    layers = SimpleNamespace(dem=flat_dem((X0, Y0, X0 + 2000, Y0 + 2000)), landslide_zones=zones)
    sites, grid = find_sites(c, config(), layers=layers)
    # the level-5 zone covers exactly the 4 western columns of 250 m cells
    assert len(sites) == 1
    site = sites.iloc[0]
    assert site["commune_code"] == "C1"
    assert site["area_ha"] == pytest.approx(4 * 8 * 6.25)
    assert site.geometry.area == pytest.approx(4 * 8 * 250 * 250)
    assert site["capacity_hh"] == math.floor(200 * 10_000 / (400 + 5000)) == 370
    assert site["used_hh"] == 0
    assert grid.excluded["landslide"] == 4 * 8
    assert grid.excluded["slope"] == 0
    assert "forest" not in grid.skipped  # no forest rule asked for


def test_forest_road_distance_and_missing_layers_are_reported():
    c = communes((X0, Y0, X0 + 4000, Y0 + 1000))
    forest = gpd.GeoDataFrame(
        {"forest_type": ["special_use", "production"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=CRS,
    )
    road = gpd.GeoDataFrame(
        {"road_class": ["commune"]},
        geometry=[LineString([(X0 + 3875, Y0), (X0 + 3875, Y0 + 1000)])],
        crs=CRS,
    )
    cfg = config(exclude_forest=["special_use"], max_road_distance_m=1000.0, block_m=100_000.0)
    sites, grid = find_sites(c, cfg, layers=SimpleNamespace(forest=forest, roads=road))
    # forest removes columns 0-3; the road is on column 15, cells more than 1000 m
    # (4 cells) away are columns 0-10 -> columns 11-15 remain (5 x 4 cells)
    assert len(sites) == 1
    assert sites.iloc[0]["area_ha"] == pytest.approx(20 * 6.25)
    assert set(grid.skipped) == {"slope", "landslide", "river", "model_level"}
    assert grid.excluded["forest"] == 16
    assert sites.iloc[0]["road_dist_mean_m"] == pytest.approx(250 * np.mean([4, 3, 2, 1, 0]))


def test_large_patches_are_cut_into_blocks_and_small_ones_dropped():
    c = communes((X0, Y0, X0 + 4000, Y0 + 2000), (X0 + 4000, Y0, X0 + 4250, Y0 + 250))
    sites, _ = find_sites(c, config(block_m=2000.0), layers=None)
    # the first commune is two 2 km blocks; the second is one 6.25 ha cell, > 6 ha
    assert sites["area_ha"].tolist() == pytest.approx([400.0, 400.0, 6.25])
    assert sites["commune_code"].tolist() == ["C1", "C1", "C2"]
    assert sites["site_id"].tolist() == ["S0001", "S0002", "S0003"]
    small, _ = find_sites(c, config(block_m=2000.0, min_area_ha=7.0), layers=None)
    assert small["commune_code"].tolist() == ["C1", "C1"]


def test_site_never_crosses_a_commune_boundary():
    c = communes((X0, Y0, X0 + 1000, Y0 + 1000), (X0 + 1000, Y0, X0 + 2000, Y0 + 1000))
    sites, _ = find_sites(c, config(block_m=10_000.0), layers=None)
    assert len(sites) == 2
    for site, commune in zip(sites.geometry, c.geometry, strict=True):
        assert commune.buffer(1e-6).contains(site)


def test_slope_of_a_geographic_dem_uses_metres():
    # a plane rising 100 m per 0.001 degree of latitude: ~110.6 m on the ellipsoid at 14.5 N
    rows = np.arange(20, dtype=float)[:, None]
    arr = np.repeat(-rows * 100.0, 20, axis=1)
    dem = SimpleNamespace(
        array=arr, transform=Affine(0.001, 0, 107.5, 0, -0.001, 14.5), crs="EPSG:4326"
    )
    slope = _slope_native(dem)
    geod = pyproj.Geod(ellps="WGS84")
    lat = 14.5 - (rows[:, 0] + 0.5) * 0.001
    north = np.array([geod.inv(107.5, y - 0.0005, 107.5, y + 0.0005)[2] for y in lat])
    expected = np.degrees(np.arctan(100 / north))[:, None]
    assert np.allclose(slope, np.broadcast_to(expected, slope.shape), atol=1e-4)
    assert 41.5 < slope.mean() < 42.5  # not the slope of 100 m per 0.001 degree taken as metres


def test_plan_slope_is_the_hazard_slope_in_a_metric_and_a_degree_crs():
    rows, cols = np.mgrid[0:30, 0:40]
    z = 0.2 * (30 - rows) * 30.0 + 0.05 * cols * 30.0
    metric = SimpleNamespace(array=z, transform=Affine(30, 0, X0, 0, -30, Y0), crs=CRS)
    expected = math.degrees(math.atan(math.hypot(0.2, 0.05)))
    assert np.allclose(_slope_native(metric), expected, atol=1e-4)
    assert np.array_equal(_slope_native(metric), slope_degrees(z, metric.transform, CRS))
    degree = SimpleNamespace(
        array=z[None], transform=Affine(0.001, 0, 107.5, 0, -0.001, 14.5), crs="EPSG:4326"
    )
    assert np.array_equal(_slope_native(degree), slope_degrees(z, degree.transform, "EPSG:4326"))


def test_steep_cells_are_excluded_with_a_dem_in_degrees():
    c = communes((X0, Y0, X0 + 4000, Y0 + 2000))
    geo = c.to_crs("EPSG:4326").total_bounds
    minx, miny, maxx, maxy = geo[0] - 0.01, geo[1] - 0.01, geo[2] + 0.01, geo[3] + 0.01
    res = 0.0005
    w, h = int((maxx - minx) / res), int((maxy - miny) / res)
    lon = minx + (np.arange(w) + 0.5) * res
    split = c.to_crs("EPSG:4326").geometry.iloc[0].centroid.x
    # east of the split the ground rises 100 m per cell (~54 m): ~60 degrees
    arr = np.repeat(np.where(lon > split, (lon - split) / res * 100.0, 0.0)[None, :], h, axis=0)
    dem = SimpleNamespace(array=arr, transform=Affine(res, 0, minx, 0, -res, maxy), crs="EPSG:4326")
    sites, grid = find_sites(c, config(block_m=100_000.0), layers=SimpleNamespace(dem=dem))
    assert len(sites) == 1
    west = box(X0, Y0, X0 + 2000, Y0 + 2000)
    assert sites.geometry.iloc[0].intersection(west).area / west.area > 0.85
    assert sites.geometry.iloc[0].difference(west.buffer(300)).is_empty
    assert grid.excluded["slope"] > 50


def test_same_terrain_in_metres_and_degrees_gives_the_same_site_slopes():
    c = communes((X0, Y0, X0 + 4000, Y0 + 2000))

    def height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # flat west half; the east half rises 0.3 m per metre eastwards (16.7 degrees)
        return np.where(x > X0 + 2000, (x - X0 - 2000) * 0.3, 0.0) + 0.0 * y

    cell = 25.0
    xs = X0 - 500 + (np.arange(200) + 0.5) * cell
    ys = Y0 + 2500 - (np.arange(120) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    metric = SimpleNamespace(
        array=height(gx, gy), transform=Affine(cell, 0, X0 - 500, 0, -cell, Y0 + 2500), crs=CRS
    )
    geo = c.to_crs("EPSG:4326").total_bounds
    res = 0.0002
    minx, maxy = geo[0] - 0.005, geo[3] + 0.005
    w, h = int((geo[2] + 0.005 - minx) / res), int((maxy - geo[1] + 0.005) / res)
    lon, lat = np.meshgrid(minx + (np.arange(w) + 0.5) * res, maxy - (np.arange(h) + 0.5) * res)
    px, py = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat)
    degree = SimpleNamespace(
        array=height(px, py), transform=Affine(res, 0, minx, 0, -res, maxy), crs="EPSG:4326"
    )
    cfg = config(block_m=100_000.0, max_slope_deg=10.0)
    _, g_metric = find_sites(c, cfg, layers=SimpleNamespace(dem=metric))
    _, g_degree = find_sites(c, cfg, layers=SimpleNamespace(dem=degree))
    east = (slice(1, 7), slice(10, 15))  # 250 m cells well inside the tilted half
    expected = math.degrees(math.atan(0.3))
    assert np.allclose(g_metric.slope_deg[east], expected, atol=0.05)
    assert np.allclose(g_degree.slope_deg[east], expected, atol=0.3)
    assert g_metric.excluded["slope"] == g_degree.excluded["slope"] == 8 * 8
