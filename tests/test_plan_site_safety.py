"""Site safety on hand-made sites: a rejection per rule, disagreement flags, the pair filter."""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from geoplan.config.plan import AssignmentConfig, SitesConfig
from geoplan.hazard.grid import GridRaster
from geoplan.plan.assign import assign_villages
from geoplan.plan.site_profile import site_profiles, terrain_rasters
from geoplan.plan.site_safety import (
    SITE_RULES,
    compare_moves,
    safer_than_origin,
    screen_sites,
    verify_flags,
)
from geoplan.plan.sites import find_sites

CRS = "EPSG:3405"
X0, Y0 = 500_000.0, 1_600_000.0
SITE = box(X0, Y0, X0 + 1000, Y0 + 1000)  # 100 ha


def sites(*geoms) -> gpd.GeoDataFrame:
    geoms = geoms or (SITE,)
    return gpd.GeoDataFrame(
        {"site_id": [f"S{i + 1:04d}" for i in range(len(geoms))]}, geometry=list(geoms), crs=CRS
    )


def raster(values: np.ndarray, cell: float = 20.0, x0: float = X0 - 500, y1: float = Y0 + 1500):
    return GridRaster(np.asarray(values, dtype=float), Affine(cell, 0, x0, 0, -cell, y1), CRS)


def grid_xy(cell: float = 20.0, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates of the ``raster`` grid (2 km square around the site)."""
    xs = X0 - 500 + (np.arange(n) + 0.5) * cell
    ys = Y0 + 1500 - (np.arange(n) + 0.5) * cell
    return np.meshgrid(xs, ys)


def model_with(levels: np.ndarray) -> SimpleNamespace:
    probability = np.array([0.0, 0.01, 0.05, 0.1, 0.3, 0.6])[levels]
    return SimpleNamespace(probability=raster(probability), levels=raster(levels))


def judge(frame=None, *, layers=None, model=None, dem=None, **config):
    frame = sites() if frame is None else frame
    cfg = SitesConfig(**config)
    terrain = terrain_rasters(dem, cfg.steep_slope_deg) if dem is not None else None
    profile = site_profiles(
        frame, layers=layers, model=model, terrain=terrain, protected_forest=cfg.exclude_forest
    )
    return profile, screen_sites(profile, cfg), verify_flags(profile, cfg)


def only_rule(screen: pd.DataFrame, code: str) -> None:
    assert screen["status"].tolist() == ["rejected"]
    assert screen["reason_code"].iloc[0] == code
    assert code in SITE_RULES


def test_official_zone_share_rejects_a_site_and_a_lower_level_does_not():
    zones = gpd.GeoDataFrame(
        {"level": [3, 2]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 1000), box(X0 + 100, Y0, X0 + 1000, Y0 + 1000)],
        crs=CRS,
    )
    profile, screen, _ = judge(layers=SimpleNamespace(landslide_zones=zones))
    assert profile["landslide_share_3"].iloc[0] == pytest.approx(0.1)
    assert profile["official_level"].iloc[0] == 3
    only_rule(screen, "official_level")
    assert "10.0% of the site in official landslide levels 3-5" in screen["reason"].iloc[0]
    # the same ground is fine when the scenario tolerates 15% in levels 3-5
    tolerant = {3: 0.15}
    _, screen, _ = judge(layers=SimpleNamespace(landslide_zones=zones), max_official_share=tolerant)
    assert screen["status"].tolist() == ["kept"]


def test_modelled_level_share_over_five_percent_rejects_the_site():
    x, _ = grid_xy()
    levels = np.where(x < X0 + 100, 5, 2)  # the western 10% of the site is level 5
    profile, screen, _ = judge(model=model_with(levels))
    assert profile["model_share_5"].iloc[0] == pytest.approx(0.1)
    assert profile["model_level"].iloc[0] == 5
    only_rule(screen, "model_level")
    levels = np.where(x < X0 + 40, 4, 2)  # 4%: within the default 5% tolerance
    profile, screen, _ = judge(model=model_with(levels))
    assert profile["model_share_4"].iloc[0] == pytest.approx(0.04)
    assert screen["status"].tolist() == ["kept"]


def test_mean_slope_over_the_limit_rejects_the_site():
    x, _ = grid_xy()
    dem = raster((x - X0) * math.tan(math.radians(20)))  # a 20 degree plane
    profile, screen, _ = judge(dem=dem)
    assert profile["slope_mean_deg"].iloc[0] == pytest.approx(20.0, abs=0.01)
    only_rule(screen, "slope_mean")
    assert "mean slope 20.0° (limit 15°)" in screen["reason"].iloc[0]


def test_steep_tenth_of_a_gentle_site_breaks_the_90th_percentile_rule():
    x, _ = grid_xy()
    # flat, except a 35 degree ramp over the eastern 20% of the site
    ramp = np.clip(x - (X0 + 800), 0, 200) * math.tan(math.radians(35))
    profile, screen, _ = judge(dem=raster(ramp), min_steep_distance_m=None)
    assert profile["slope_mean_deg"].iloc[0] < 15
    assert profile["slope_p90_deg"].iloc[0] > 25
    only_rule(screen, "slope_p90")


def test_site_near_a_river_is_rejected():
    river = gpd.GeoDataFrame(
        {"name": ["Đăk Bla"]},
        geometry=[LineString([(X0 + 1050, Y0 - 500), (X0 + 1050, Y0 + 1500)])],
        crs=CRS,
    )
    profile, screen, _ = judge(layers=SimpleNamespace(rivers=river))
    assert profile["dist_river_m"].iloc[0] == pytest.approx(50.0)
    only_rule(screen, "near_river")
    assert "50 m from a river" in screen["reason"].iloc[0]
    _, screen, _ = judge(layers=SimpleNamespace(rivers=river), min_river_distance_m=40.0)
    assert screen["status"].tolist() == ["kept"]


def test_site_at_the_foot_of_a_steep_slope_is_rejected():
    x, _ = grid_xy()
    # flat site; 60 m east of it the ground rises at 45 degrees
    cliff = np.clip(x - (X0 + 1060), 0, None)
    profile, screen, _ = judge(dem=raster(cliff))
    assert profile["slope_mean_deg"].iloc[0] < 1
    # the first cell at least 30 degrees steep is centred 80 m from the site's last cell
    assert profile["dist_steep_m"].iloc[0] == pytest.approx(80.0)
    only_rule(screen, "near_steep_slope")


def test_protective_forest_beyond_the_tolerance_rejects_production_forest_does_not():
    forest = gpd.GeoDataFrame(
        {"forest_type": ["protective", "production"]},
        geometry=[box(X0, Y0, X0 + 50, Y0 + 1000), box(X0 + 50, Y0, X0 + 600, Y0 + 1000)],
        crs=CRS,
    )
    profile, screen, _ = judge(layers=SimpleNamespace(forest=forest))
    assert profile["protected_forest_share"].iloc[0] == pytest.approx(0.05)
    only_rule(screen, "protected_forest")
    _, screen, _ = judge(layers=SimpleNamespace(forest=forest), max_forest_share=0.06)
    assert screen["status"].tolist() == ["kept"]


def test_missing_layers_judge_nothing():
    profile, screen, flags = judge()
    assert profile.drop(columns=["official_level", "model_level"]).isna().all().all()
    assert screen["status"].tolist() == ["kept"]
    assert flags["verify_code"].tolist() == [""]


def test_model_and_official_map_disagree_both_ways():
    x, _ = grid_xy()
    low_zone = gpd.GeoDataFrame({"level": [1]}, geometry=[SITE.buffer(500)], crs=CRS)
    # the map says level 1 everywhere; the model puts 4% of the site in level 4
    levels = np.where(x < X0 + 40, 4, 2)
    _, screen, flags = judge(layers=SimpleNamespace(landslide_zones=low_zone),
                             model=model_with(levels))  # fmt: skip
    assert screen["status"].tolist() == ["kept"]  # within the 5% tolerance, but...
    assert flags["verify_code"].tolist() == ["model_higher"]
    assert "4.0% of the site in modelled levels 4-5" in flags["verify_reason"].iloc[0]
    # the reverse: the map puts 30% of the site in level 5, the model says level 1-2
    high_zone = gpd.GeoDataFrame(
        {"level": [5, 1]},
        geometry=[box(X0, Y0, X0 + 300, Y0 + 1000), box(X0 + 300, Y0, X0 + 1000, Y0 + 1000)],
        crs=CRS,
    )
    _, screen, flags = judge(layers=SimpleNamespace(landslide_zones=high_zone),
                             model=model_with(np.where(x < X0, 1, 2)))  # fmt: skip
    only_rule(screen, "official_level")  # rejected by the map, but flagged, not silently
    assert flags["verify_code"].tolist() == ["official_higher"]
    # agreement: both say low
    _, _, flags = judge(layers=SimpleNamespace(landslide_zones=low_zone),
                        model=model_with(np.full_like(levels, 2)))  # fmt: skip
    assert flags["verify_code"].tolist() == [""]


def villages(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "village_id": [f"V{i + 1}" for i in range(n)],
        "village_name": [f"Làng {i + 1}" for i in range(n)],
        "commune_code": ["C1"] * n,
        "district_code": ["D1"] * n,
        "households": [10] * n,
        "landslide_level": [0] * n,
        **{f"landslide_share_{lv}": [0.0] * n for lv in range(1, 6)},
    }
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=[Point(X0, Y0)] * n, crs=CRS)


def profiled_sites(levels, probability, slope) -> gpd.GeoDataFrame:
    n = len(levels)
    frame = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i + 1:04d}" for i in range(n)],
            "commune_code": ["C1"] * n,
            "district_code": ["D1"] * n,
            "capacity_hh": [100] * n,
            "official_level": levels,
            "susceptibility": probability,
            "slope_mean_deg": slope,
            **{f"model_share_{lv}": [0.0] * n for lv in range(1, 6)},
        },
        geometry=[box(X0 + 1000 * i, Y0, X0 + 1000 * i + 10, Y0 + 10) for i in range(n)],
        crs=CRS,
    )
    return frame


def test_safer_than_origin_on_every_named_hazard():
    v = villages(landslide_level=[4, 0], landslide_share_2=[0.0, 0.0],
                 susceptibility=[0.30, 0.05], slope_mean_deg=[30.0, 10.0])  # fmt: skip
    s = profiled_sites([1, 2, 1, 1, 0], [0.01, 0.01, 0.40, 0.01, 0.01], [8.0, 8.0, 8.0, 31.0, 5.0])
    allowed = safer_than_origin(v, s, SitesConfig())
    # village 1 (level 4, p 0.30, 30°): sites 1, 2 and 5 are lower on all three
    assert allowed[0].tolist() == [True, True, False, False, True]
    # village 2 (outside every zone, p 0.05, 10°): only a site outside every zone too
    assert allowed[1].tolist() == [False, False, False, False, True]
    # naming only the slope lets village 1 use site 3 (more susceptible, but flatter)
    only_slope = safer_than_origin(v, s, SitesConfig(compare_with_origin=["slope"]))
    assert only_slope[0].tolist() == [True, True, True, False, True]


def test_origin_level_comes_from_its_area_as_well_as_its_point():
    v = villages(landslide_level=[2], landslide_share_4=[0.2],
                 susceptibility=[0.3], slope_mean_deg=[30.0])  # fmt: skip
    s = profiled_sites([3], [0.01], [8.0])
    assert safer_than_origin(v, s, SitesConfig()).tolist() == [[True]]


def test_assignment_names_villages_without_a_safer_site():
    v = villages(landslide_level=[4, 2], susceptibility=[0.3, 0.3], slope_mean_deg=[30.0, 30.0])
    s = profiled_sites([2], [0.01], [8.0])
    cfg = AssignmentConfig(scope="province")
    result = assign_villages(v, s, cfg, allowed=safer_than_origin(v, s, SitesConfig()))
    assert result.moves["village_id"].tolist() == ["V1"]
    assert result.unplaced["village_id"].tolist() == ["V2"]
    assert result.unplaced["reason_code"].tolist() == ["no_safer_site"]
    moves = compare_moves(result.moves, v, s, SitesConfig())
    row = moves.iloc[0]
    assert (row["origin_official_level"], row["site_official_level"]) == (4, 2)
    assert row["official_level_drop"] == 2
    assert row["model_probability_drop"] == pytest.approx(0.29)
    assert row["slope_drop"] == pytest.approx(22.0)
    assert bool(row["safer_than_origin"])
    assert list(moves.columns)[-1] == "geometry"


def test_grid_keeps_sites_off_river_corridors_and_modelled_high_ground():
    communes = gpd.GeoDataFrame(
        {"commune_code": ["C1"], "district_code": ["D1"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 1000)],
        crs=CRS,
    )
    river = gpd.GeoDataFrame(
        geometry=[LineString([(X0 + 1000, Y0 - 100), (X0 + 1000, Y0 + 1100)])], crs=CRS
    )
    cfg = SitesConfig(max_road_distance_m=None, exclude_forest=[], min_area_ha=6.0,
                      block_m=100_000.0)  # fmt: skip
    found, grid = find_sites(communes, cfg, layers=SimpleNamespace(rivers=river))
    assert grid.excluded["river"] > 0
    assert len(found) == 2  # the corridor splits the commune
    assert (found.distance(river.geometry.iloc[0]) >= 100).all()
    # modelled level 4 over the western half: only the eastern half stays
    cell = 50.0
    cols = np.arange(int(2400 / cell))
    levels = np.repeat(np.where(X0 - 200 + (cols + 0.5) * cell < X0 + 1000, 4, 1)[None, :],
                       int(1400 / cell), axis=0)  # fmt: skip
    model = GridRaster(levels, Affine(cell, 0, X0 - 200, 0, -cell, Y0 + 1200), CRS)
    found, grid = find_sites(communes, cfg, model_levels=model)
    assert grid.excluded["model_level"] == 4 * 4
    assert found.total_bounds[0] == pytest.approx(X0 + 1000)
