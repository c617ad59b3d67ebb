"""Overlay indicators against hand-computed fixtures (shares, levels, distances, forest, border)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoplan.config.hazard import SusceptibilityConfig
from geoplan.config.indicators import IndicatorConfig
from geoplan.indicators import Indicators, compute_indicators
from geoplan.indicators.overlay import class_shares, disjoint_classes, nearest_distance

CRS = "EPSG:32648"
X0, Y0 = 500_000.0, 1_500_000.0


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def make_layers(**overrides: object) -> SimpleNamespace:
    communes = gpd.GeoDataFrame(
        {
            "commune_code": ["101", "102"],
            "commune_name": ["Xa Mot", "Xa Hai"],
            "district_code": ["10", "10"],
            "district_name": ["Huyen", "Huyen"],
            "ntm_criteria_met": [12, 15],
            "is_atk": [True, False],
            "region": ["III", "I"],
            "is_especially_difficult": [True, False],
            "has_cooperative": [False, True],
            "poverty_rate_2023": [0.30, 0.10],
            "poverty_rate_2024": [0.25, np.nan],
        },
        geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["a", "b", "c", "d"],
            "commune_code": ["101", "101", "101", "102"],
            "households": [100, 40, 60, 80],
            "poor_households": [20, 10, 0, 8],
            "near_poor_households": [10, 0, 6, 8],
            "em_households": [50, 40, 0, 0],
            "hygienic_water_households": [80, 40, 30, 0],
        },
        geometry=[
            box(1000, 1000, 2000, 2000),  # square village, half inside the level-4 zone
            pt(5000, 8000),  # 1,000 m below the road, 1,000 m left of the river
            pt(7000, 3000),  # point village, its disc half inside the level-5 zone
            pt(15000, 5000),
        ],
        crs=CRS,
    )
    zones = gpd.GeoDataFrame(
        {"level": [4, 5, 2]},
        geometry=[box(1500, 0, 4000, 5000), box(7000, 0, 9000, 6000), box(12000, 0, 20000, 10000)],
        crs=CRS,
    )
    layers = SimpleNamespace(
        communes=communes,
        villages=villages,
        districts=None,
        province=None,
        landslide_zones=zones,
        landslide_inventory=None,
        forest=gpd.GeoDataFrame(
            {
                "forest_type": ["special_use", "protective"],
                "name": ["Chu Mom Ray", "Phong ho A"],
            },
            geometry=[box(0, 0, 1500, 10_000), box(14_000, 4000, 16_000, 6000)],
            crs=CRS,
        ),
        border=gpd.GeoDataFrame(
            {"country": ["Laos"]}, geometry=[line((-500, 0), (-500, 10_000))], crs=CRS
        ),
        roads=gpd.GeoDataFrame(
            {"road_class": ["national", "track"]},
            geometry=[line((0, 9000), (20_000, 9000)), line((15_000, 0), (15_000, 4000))],
            crs=CRS,
        ),
        rivers=gpd.GeoDataFrame(
            {"name": ["Dak Bla"]}, geometry=[line((6000, 0), (6000, 10_000))], crs=CRS
        ),
        dem=None,
        rainfall=None,
        report=None,
    )
    for key, value in overrides.items():
        setattr(layers, key, value)
    return layers


def make_scenario(**indicator_kw: object) -> SimpleNamespace:
    return SimpleNamespace(
        crs=CRS,
        source=None,
        indicators=IndicatorConfig(**indicator_kw),
        susceptibility=SusceptibilityConfig(enabled=False),
    )


@pytest.fixture
def result() -> Indicators:
    return compute_indicators(make_layers(), make_scenario(village_buffer_m=500))


def test_square_village_half_inside_zone_has_share_half(result: Indicators) -> None:
    a = result.villages.set_index("village_id").loc["a"]
    assert a["landslide_share_4"] == pytest.approx(0.5, abs=1e-12)
    assert a["landslide_share_high"] == pytest.approx(0.5, abs=1e-12)
    assert a["landslide_share_1"] == 0.0
    assert a["hh_exposed_4"] == pytest.approx(50.0)
    assert a["hh_exposed_high"] == pytest.approx(50.0)
    # The square's representative point (its centre) lies in the zone.
    assert a["landslide_level"] == 4
    assert a["dist_high_landslide_m"] == 0.0


def test_point_village_disc_half_inside_zone(result: Indicators) -> None:
    c = result.villages.set_index("village_id").loc["c"]
    assert c["landslide_share_5"] == pytest.approx(0.5, abs=1e-9)
    assert c["hh_exposed_5"] == pytest.approx(30.0, abs=1e-6)
    assert c["landslide_level"] == 5  # on the zone's edge counts as inside
    assert bool(c["hazard_flag"])
    assert "level-5" in c["hazard_reason"]


def test_point_1000_m_from_a_line(result: Indicators) -> None:
    b = result.villages.set_index("village_id").loc["b"]
    assert b["dist_road_m"] == pytest.approx(1000.0)
    assert b["dist_road_national_m"] == pytest.approx(1000.0)
    assert b["dist_river_m"] == pytest.approx(1000.0)
    assert b["dist_border_m"] == pytest.approx(5500.0)
    assert not b["in_border_belt"]  # belt 5,000 m by default
    assert b["landslide_level"] == 0
    assert b["landslide_share_high"] == 0.0
    # Nearest high zone: the level-5 box's corner (7000, 6000), not the level-4 one (4000, 5000).
    assert b["dist_high_landslide_m"] == pytest.approx(np.hypot(2000, 2000))
    # No track road near: distance to the track segment's top end (15000, 4000).
    assert b["dist_road_track_m"] == pytest.approx(np.hypot(10_000, 4000))
    assert np.isnan(b["dist_road_provincial_m"])


def test_forest_membership_share_name_and_distance(result: Indicators) -> None:
    v = result.villages.set_index("village_id")
    # Village a (x 1000-2000) is half in the special-use forest (x < 1500).
    assert v.loc["a", "share_special_use_forest"] == pytest.approx(0.5)
    assert v.loc["a", "in_special_use_forest"]  # its centre (1500, 1500) is on the edge: inside
    assert v.loc["a", "dist_special_use_forest_m"] == 0.0
    assert v.loc["d", "in_protective_forest"]
    assert v.loc["d", "forest_name"] == "Phong ho A"
    assert v.loc["d", "share_protective_forest"] == pytest.approx(1.0)
    assert v.loc["b", "forest_name"] == ""
    assert v.loc["b", "dist_special_use_forest_m"] == pytest.approx(3500.0)


def test_household_ratios_and_commune_copies(result: Indicators) -> None:
    v = result.villages.set_index("village_id")
    assert v.loc["a", "poverty_rate"] == pytest.approx(0.2)
    assert v.loc["a", "near_poverty_rate"] == pytest.approx(0.1)
    assert v.loc["a", "em_share"] == pytest.approx(0.5)
    assert v.loc["a", "water_gap"] == pytest.approx(0.2)
    assert v.loc["a", "commune_name"] == "Xa Mot"
    assert v.loc["a", "district_code"] == "10"
    assert v.loc["a", "commune_ntm_criteria_met"] == 12
    assert v.loc["a", "commune_region"] == "III"
    # Latest non-null year: 2024 for commune 101, 2023 for commune 102.
    assert v.loc["a", "commune_poverty_rate"] == pytest.approx(0.25)
    assert v.loc["d", "commune_poverty_rate"] == pytest.approx(0.10)


def test_border_commune_derived_from_line(result: Indicators) -> None:
    communes = result.communes.set_index("commune_code")
    assert communes.loc["101", "is_border"]  # 500 m from the border line
    assert not communes.loc["102", "is_border"]
    v = result.villages.set_index("village_id")
    assert v.loc["a", "commune_is_border"]
    assert not v.loc["d", "commune_is_border"]
    assert v.loc["a", "in_border_belt"]  # 1,500 m from the border


def test_given_is_border_is_kept() -> None:
    layers = make_layers()
    layers.communes = layers.communes.assign(is_border=[False, True])
    out = compute_indicators(layers, make_scenario())
    assert out.communes["is_border"].tolist() == [False, True]


def test_commune_and_district_rollups(result: Indicators) -> None:
    communes = result.communes.set_index("commune_code")
    assert communes.loc["101", "villages"] == 3
    assert communes.loc["101", "households"] == 200
    assert communes.loc["101", "poor_households"] == 30
    assert communes.loc["101", "hh_exposed_high"] == pytest.approx(50.0 + 30.0)
    assert communes.loc["101", "villages_exposed_high"] == 2
    assert communes.loc["102", "hh_exposed_high"] == 0.0
    district = result.districts.set_index("district_code").loc["10"]
    assert district["villages"] == 4
    assert district["households"] == 280
    assert district["is_border"]


def test_columns_of_the_contract_are_present(result: Indicators) -> None:
    expected = {
        "commune_name", "district_code", "district_name", "poverty_rate", "near_poverty_rate",
        "em_share", "water_gap", "landslide_level", "landslide_share_high", "hh_exposed_high",
        "dist_high_landslide_m", "elev_mean_m", "elev_min_m", "elev_max_m", "relief_m",
        "slope_mean_deg", "slope_max_deg", "in_special_use_forest", "in_protective_forest",
        "in_production_forest", "share_special_use_forest", "share_protective_forest",
        "share_production_forest", "forest_name", "dist_special_use_forest_m", "dist_border_m",
        "in_border_belt", "dist_road_m", "travel_min_commune_centre",
        "travel_min_district_centre", "dist_river_m", "susceptibility",
        "commune_ntm_criteria_met", "commune_is_atk", "commune_region", "commune_is_border",
        "commune_is_especially_difficult", "commune_has_cooperative", "commune_poverty_rate",
    }  # fmt: skip
    expected |= {f"landslide_share_{k}" for k in range(1, 6)}
    expected |= {f"hh_exposed_{k}" for k in range(1, 6)}
    expected |= {
        f"dist_road_{c}_m" for c in ("national", "provincial", "district", "commune", "track")
    }
    assert expected <= set(result.villages.columns)
    rollup = {"villages", "households", "poor_households", "em_households", "hh_exposed_high",
              "villages_exposed_high", "is_border", "slope_mean_deg"}  # fmt: skip
    assert rollup <= set(result.communes.columns)
    assert rollup <= set(result.districts.columns)
    assert result.villages.crs == CRS


def test_absent_layers_give_nan_and_false_without_crash() -> None:
    layers = make_layers(
        landslide_zones=None, forest=None, border=None, roads=None, rivers=None, dem=None
    )
    out = compute_indicators(layers, make_scenario())
    v = out.villages
    for column in ("landslide_level", "landslide_share_3", "hh_exposed_high", "dist_road_m",
                   "dist_border_m", "dist_river_m", "slope_mean_deg", "susceptibility",
                   "share_protective_forest", "dist_special_use_forest_m"):  # fmt: skip
        assert v[column].isna().all(), column
    for column in ("in_special_use_forest", "in_border_belt", "commune_is_border"):
        assert v[column].dtype == bool
        assert not v[column].any(), column
    assert (v["forest_name"] == "").all()
    # Travel time still works off road (flat, no DEM), and is finite.
    assert np.isfinite(v["travel_min_commune_centre"]).all()
    assert out.susceptibility is None


def test_order_kept_and_inputs_not_mutated() -> None:
    layers = make_layers()
    reversed_villages = layers.villages.iloc[::-1].reset_index(drop=True)
    layers.villages = reversed_villages
    before = reversed_villages.copy()
    communes_before = layers.communes.copy()
    out = compute_indicators(layers, make_scenario())
    assert out.villages["village_id"].tolist() == ["d", "c", "b", "a"]
    assert_geodataframe_equal(layers.villages, before)
    assert_geodataframe_equal(layers.communes, communes_before)
    assert out.villages is not layers.villages


def test_overlapping_zones_higher_level_wins() -> None:
    areas = gpd.GeoSeries([box(0, 0, 100, 100)], crs=CRS)
    zones = gpd.GeoDataFrame(
        {"level": [2, 5, 5]},
        geometry=[box(0, 0, 100, 100), box(50, 0, 100, 100), box(75, 0, 100, 100)],
        crs=CRS,
    )
    clean = disjoint_classes(zones, "level", [5, 4, 3, 2, 1])
    shares = class_shares(areas, clean, "level", [1, 2, 3, 4, 5])
    assert shares.loc[0, 5] == pytest.approx(0.5)
    assert shares.loc[0, 2] == pytest.approx(0.5)
    assert shares.loc[0].sum() == pytest.approx(1.0)


def test_nearest_distance_handles_missing_geometry() -> None:
    geoms = np.array([pt(0, 0), None], dtype=object)
    targets = np.array([line((0, 1000), (10, 1000))], dtype=object)
    dist = nearest_distance(geoms, targets)
    assert dist[0] == pytest.approx(1000.0)
    assert np.isnan(dist[1])
    assert np.isnan(nearest_distance(geoms, np.array([], dtype=object))).all()


def test_hazard_flag_threshold_from_scenario() -> None:
    strict = compute_indicators(make_layers(), make_scenario(hazard_flag_share=0.6))
    v = strict.villages.set_index("village_id")
    # Village a is 50 % high: flagged through its level at the centre, not the share.
    assert "% of its area" not in v.loc["a", "hazard_reason"]
    assert isinstance(strict.villages["hazard_reason"], pd.Series)


def test_minimal_columns_do_not_crash() -> None:
    layers = make_layers()
    layers.communes = layers.communes[["commune_code", "geometry"]]
    layers.villages = layers.villages[["village_id", "commune_code", "geometry"]]
    out = compute_indicators(layers, make_scenario())
    v = out.villages
    assert len(v) == 4
    assert v["poverty_rate"].isna().all()
    assert v["hh_exposed_high"].isna().all()  # no households: exposure unknown
    assert v["landslide_share_high"].notna().all()
    assert v["commune_name"].isna().all()
    assert out.communes["villages"].tolist() == [3, 1]
    assert out.communes["households"].isna().all()
    assert len(out.districts) == 0


def _wiggly_polygon(rng: np.random.Generator, cx: float, cy: float, n: int) -> object:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 3)
    radii = 6_000 + sum(
        900 * np.sin(k * angles + p) for k, p in zip((2, 5, 11), phase, strict=True)
    )
    return shapely.Polygon(np.c_[cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


def test_class_shares_on_grid_pieces_match_whole_polygon_overlay() -> None:
    from geoplan.indicators.overlay import class_shares, cut_to_grid, disjoint_classes

    rng = np.random.default_rng(7)
    polys = [_wiggly_polygon(rng, x, y, 2_000) for x, y in [(0, 0), (6_000, 2_000), (-5_000, 0)]]
    zones = gpd.GeoDataFrame({"level": [5, 4, 3]}, geometry=polys, crs="EPSG:3405")
    clean = disjoint_classes(zones, "level", [5, 4, 3])
    pts = shapely.points(rng.uniform(-14_000, 15_000, (400, 2)))
    areas = gpd.GeoSeries(shapely.buffer(pts, 500), crs="EPSG:3405")
    shares = class_shares(areas, clean, "level", [3, 4, 5])
    # Reference: each disc against the whole (uncut) union of each class.
    for level in (3, 4, 5):
        whole = shapely.union_all(clean.geometry[clean["level"] == level].to_numpy())
        expected = shapely.area(shapely.intersection(areas.to_numpy(), whole)) / shapely.area(
            areas.to_numpy()
        )
        np.testing.assert_allclose(shares[level].to_numpy(), expected, atol=1e-9)
    pieces, src = cut_to_grid(clean.geometry.to_numpy(), 2_000)
    assert len(pieces) > len(clean)
    np.testing.assert_allclose(
        np.bincount(src, weights=shapely.area(pieces)), shapely.area(clean.geometry.to_numpy())
    )
    assert shapely.get_num_coordinates(pieces).max() < 2_000


def test_exposure_classes_by_hand() -> None:
    from geoplan.config.indicators import IndicatorConfig
    from geoplan.indicators.exposure import exposure_classes

    out = pd.DataFrame(
        {
            "landslide_level": [5, 4, 2, 0, 0, 0, np.nan],
            "hh_exposed_high": [0.0, 3.0, 1.5, 0.0, 0.0, np.nan, np.nan],
            "landslide_share_high": [0.0, 0.2, 0.0, 0.1, 0.0, np.nan, np.nan],
            "dist_high_landslide_m": [0.0, 0.0, 0.0, 0.0, 999.0, 1500.0, np.nan],
        }
    )
    exposure_classes(out, IndicatorConfig(high_landslide_level=4, exposure_near_m=1000.0))
    assert out["landslide_exposure_class"].tolist() == [3, 3, 2, 2, 1, 0, 0]
    exposure_classes(out, IndicatorConfig(high_landslide_level=5, exposure_near_m=1600.0))
    assert out["landslide_exposure_class"].tolist() == [3, 2, 2, 2, 1, 1, 0]


def test_nearest_distance_by_pieces_equals_whole_geometry_distance() -> None:
    rng = np.random.default_rng(11)
    point = shapely.Point
    zigzag = shapely.LineString([(k * 150.0, 400.0 * (k % 2)) for k in range(200)])
    ring = _wiggly_polygon(rng, 10_000, 12_000, 720)
    hole = shapely.Polygon(ring.exterior, [shapely.buffer(point(10_000, 12_000), 600).exterior])
    multi = shapely.MultiPolygon(
        [shapely.box(-9_000, -9_000, -8_000, -8_000), shapely.box(-7_000, -9_000, -6_500, -8_500)]
    )
    targets = np.array([zigzag, hole, multi, point(40_000, 40_000)], dtype=object)
    probes = list(shapely.points(rng.uniform(-12_000, 45_000, (300, 2))))
    probes += [
        point(10_000, 12_000),  # in the hole
        point(10_000, 12_700),  # in the polygon, near the hole
        point(*ring.exterior.coords[5]),  # on the outline
        point(-8_500, -8_500),  # in the multipolygon
        shapely.buffer(point(15_000, 300), 200),  # a village area across the zigzag
        shapely.buffer(point(10_000, 12_000), 100),  # an area inside the hole
    ]
    geoms = np.array(probes, dtype=object)
    got = nearest_distance(geoms, targets)
    expected = shapely.distance(geoms[:, None], targets[None, :]).min(axis=1)
    np.testing.assert_array_equal(got, expected)
    assert got[300] > 0
    assert got[301] == got[302] == got[303] == got[304] == 0
    assert got[305] > 0


def test_class_at_points_takes_the_highest_level_containing_each_point() -> None:
    from geoplan.indicators.overlay import class_at_points

    rng = np.random.default_rng(5)
    zones = gpd.GeoDataFrame(
        {"level": [2, 5, 3]},
        geometry=[
            _wiggly_polygon(rng, 0, 0, 2_000),
            shapely.box(-500, -500, 500, 500),
            shapely.box(20_000, 0, 21_000, 1_000),
        ],
        crs=CRS,
    )
    points = shapely.points(rng.uniform(-9_000, 22_000, (500, 2)))
    got = class_at_points(points, zones, "level")
    shapes = zones.geometry.to_numpy()
    inside = shapely.intersects(shapes[None, :], points[:, None])
    levels = np.where(inside, zones["level"].to_numpy()[None, :], -1).max(axis=1)
    np.testing.assert_array_equal(got, np.where(levels < 0, np.nan, levels.astype(float)))
    assert np.isfinite(got).sum() > 20


@pytest.mark.parametrize(
    ("second", "overlapping"),
    [
        (shapely.box(1, 0, 2, 1), False),  # shares an edge
        (shapely.box(1, 1, 2, 2), False),  # shares a corner
        (shapely.box(3, 3, 4, 4), False),  # apart
        (shapely.box(0.5, 0, 1.5, 1), True),  # overlaps
        (shapely.box(0.2, 0.2, 0.4, 0.4), True),  # inside the first
        (shapely.box(-1, -1, 2, 2), True),  # contains the first
        (shapely.box(0, 0, 1, 1), True),  # a duplicate
    ],
)
def test_overlap_check_agrees_with_the_predicates(second, overlapping: bool) -> None:
    from geoplan.indicators.overlay import _any_overlap

    first = shapely.box(0, 0, 1, 1)
    third = shapely.box(10, 10, 11, 11)  # far from both
    geoms = np.array([first, third, second], dtype=object)
    tree = shapely.STRtree(geoms)
    by_predicates = any(
        bool((left != right).any())
        for left, right in (tree.query(geoms, predicate=p) for p in ("overlaps", "contains"))
    )
    assert by_predicates == overlapping
    assert _any_overlap(geoms) == overlapping
