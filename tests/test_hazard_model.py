"""Landslide susceptibility model on a synthetic world whose true probability is known."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from _hazard_world import CRS, RES, SIZE, X0, Y0, make_world, scenario, with_villages
from affine import Affine
from scipy import ndimage

from geoplan.errors import ModelError
from geoplan.hazard import SusceptibilityResult, fit_susceptibility
from geoplan.hazard.grid import GridRaster
from geoplan.hazard.model import spatial_blocks
from geoplan.hazard.terrain import flow_accumulation, slope_degrees, wetness_index
from geoplan.hazard.zones import classify, jenks_breaks
from geoplan.io import read_raster


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    return make_world()


@pytest.fixture(scope="module")
def fitted(world: SimpleNamespace) -> SusceptibilityResult:
    result = fit_susceptibility(world.layers, scenario())
    assert result is not None
    return result


def test_model_card_has_the_promised_fields_and_is_json(fitted: SusceptibilityResult) -> None:
    card = fitted.model_card
    for key in (
        "factors", "importances", "spatial_cv_auc", "spatial_cv_fold_aucs", "random_cv_auc",
        "random_cv_fold_aucs", "class_areas_km2", "class_breaks", "parameters", "random_state",
        "presences", "absences", "block_size_m", "truth_auc", "model",
    ):  # fmt: skip
        assert key in card, key
    json.dumps(card, allow_nan=False)
    assert card["random_state"] == 42
    assert card["parameters"]["n_estimators"] == 60
    assert len(card["spatial_cv_fold_aucs"]) == card["folds"] == 5
    assert card["presences"] <= 250
    assert card["absences"] == round(3 * card["presences"])
    assert set(card["importances"]) == set(card["factors"])
    assert "slope" in card["factors"]
    assert {"forest_protective", "dist_river", "dist_road", "twi"} <= set(card["factors"])
    assert "rainfall" not in card["factors"]  # no rainfall layer
    assert card["truth_auc"] is None  # no truth raster named


def test_spatial_cv_recovers_the_known_slope_signal(fitted: SusceptibilityResult) -> None:
    card = fitted.model_card
    assert card["spatial_cv_auc"] > 0.8
    assert card["random_cv_auc"] > 0.8
    assert all(a is None or 0.0 <= a <= 1.0 for a in card["spatial_cv_fold_aucs"])
    # Slope (or relief, its neighbourhood twin) is the top factor.
    top = max(card["importances"], key=card["importances"].get)
    assert top in {"slope", "relief"}


def test_probability_levels_and_zones(world: SimpleNamespace, fitted: SusceptibilityResult) -> None:
    p = fitted.probability.array
    assert p.dtype == np.float32
    assert p.shape == world.dem.array.shape
    assert fitted.probability.transform == world.dem.transform
    assert np.isnan(p[0, 0])  # outside the study area (150 m inset)
    inside = ~np.isnan(p)
    assert inside.sum() > 0.9 * p.size
    assert ((p[inside] >= 0) & (p[inside] <= 1)).all()
    levels = fitted.levels.array
    assert set(np.unique(levels[inside])) == {1, 2, 3, 4, 5}
    assert (levels[~inside] == 0).all()
    # Quantile classes: five near-equal areas summing to the modelled area.
    areas = fitted.model_card["class_areas_km2"]
    total = inside.sum() * RES * RES / 1e6
    assert sum(areas.values()) == pytest.approx(total, rel=1e-6)
    assert min(areas.values()) > 0.15 * total
    assert fitted.zones.crs == CRS
    assert set(fitted.zones["level"]) <= {1, 2, 3, 4, 5}
    assert len(fitted.zones) > 5
    # Where the model says very high, the true probability is far above where it says very low.
    truth = world.truth
    assert truth[levels == 5].mean() > 3 * truth[levels == 1].mean()


def test_disagreement_marks_official_levels_two_classes_off(fitted: SusceptibilityResult) -> None:
    dis = fitted.disagreement
    assert {"official_level", "model_level"} <= set(dis.columns)
    assert len(dis) > 0
    assert dis.crs == CRS
    assert ((dis["official_level"] - dis["model_level"]).abs() >= 2).all()
    # The plain is officially level 5 but modelled low.
    plain = dis[dis["official_level"] == 5]
    assert len(plain) > 0
    assert plain["model_level"].max() <= 3
    assert fitted.model_card["disagreement_km2"] > 0


def test_same_seed_same_result(world: SimpleNamespace, fitted: SusceptibilityResult) -> None:
    again = fit_susceptibility(world.layers, scenario())
    assert again is not None
    np.testing.assert_array_equal(again.probability.array, fitted.probability.array)
    strip = {k: v for k, v in fitted.model_card.items() if k != "timings_s"}
    assert {k: v for k, v in again.model_card.items() if k != "timings_s"} == strip


def test_prediction_windows_do_not_change_the_result(
    world: SimpleNamespace, fitted: SusceptibilityResult
) -> None:
    small = fit_susceptibility(world.layers, scenario(window_rows=16))
    assert small is not None
    np.testing.assert_allclose(small.probability.array, fitted.probability.array, atol=1e-6)


def test_truth_auc_from_the_truth_layer(world: SimpleNamespace, tmp_path: Path) -> None:
    # The truth raster as the demo writes it: uint8 = round(p * 250), 255 = nodata,
    # loaded the way the pipeline loads every raster layer.
    values = np.round(world.truth * 250).astype(np.uint8)
    values[:5, :5] = 255
    with rasterio.open(
        tmp_path / "truth.tif", "w", driver="GTiff", width=SIZE, height=SIZE, count=1,
        dtype="uint8", crs=CRS, transform=world.dem.transform, nodata=255,
    ) as dst:  # fmt: skip
        dst.write(values, 1)
    layers = SimpleNamespace(
        **vars(world.layers), landslide_truth=read_raster(tmp_path / "truth.tif")
    )
    result = fit_susceptibility(layers, scenario())
    assert result is not None
    card = result.model_card
    assert card["truth_auc"] > 0.8
    assert "weighted" in card["truth_auc_method"]
    # A weighted AUC is a proper AUC: never above 1.
    assert card["truth_auc"] < 1.0


@pytest.mark.parametrize("model", ["logistic", "gradient_boosting"])
def test_other_estimators(world: SimpleNamespace, model: str) -> None:
    result = fit_susceptibility(
        world.layers,
        scenario(
            model=model,
            params={"max_iter": 60} if model == "gradient_boosting" else {},
            classes="natural_breaks",
        ),
        factors=["slope", "relief", "twi", "dist_river"],
    )
    assert result is not None
    card = result.model_card
    assert card["factors"] == ["slope", "relief", "twi", "dist_river"]
    assert card["model"] == model
    assert card["classes"] == "natural_breaks"
    assert card["spatial_cv_auc"] > 0.75
    assert card["native_importances"] is None or set(card["native_importances"]) == set(
        card["factors"]
    )


def test_disabled_or_missing_inputs_give_none(world: SimpleNamespace) -> None:
    assert fit_susceptibility(world.layers, scenario(enabled=False)) is None
    no_inventory = SimpleNamespace(**{**vars(world.layers), "landslide_inventory": None})
    assert fit_susceptibility(no_inventory, scenario()) is None
    no_dem = SimpleNamespace(**{**vars(world.layers), "dem": None})
    assert fit_susceptibility(no_dem, scenario()) is None


def test_bad_factor_requests_raise(world: SimpleNamespace) -> None:
    with pytest.raises(ModelError, match="unknown factor"):
        fit_susceptibility(world.layers, scenario(), factors=["slope", "geology"])
    with pytest.raises(ModelError, match="rainfall"):
        fit_susceptibility(world.layers, scenario(), factors=["slope", "rainfall"])
    with pytest.raises(ModelError, match="n_trees"):
        fit_susceptibility(world.layers, scenario(params={"n_trees": 3}))


def test_too_few_landslides_raise(world: SimpleNamespace) -> None:
    few = SimpleNamespace(
        **{**vars(world.layers), "landslide_inventory": world.layers.landslide_inventory.iloc[:3]}
    )
    with pytest.raises(ModelError, match="at least 10"):
        fit_susceptibility(few, scenario())


# ---------------------------------------------------------------- building blocks


def test_jenks_breaks_split_clear_clusters() -> None:
    values = np.concatenate([np.full(10, v) + np.linspace(0, 0.1, 10) for v in (0, 1, 2, 5, 9)])
    cuts = jenks_breaks(values, 5)
    assert len(cuts) == 4
    assert (cuts > [0.1, 1.1, 2.1, 5.1]).all()
    assert (cuts < [1.0, 2.0, 5.0, 9.0]).all()
    np.testing.assert_array_equal(
        classify(np.array([0.05, 1.05, 2.05, 5.05, 9.05, np.nan]), cuts), [1, 2, 3, 4, 5, 0]
    )


def test_spatial_blocks_group_points_by_square() -> None:
    ids = spatial_blocks(
        np.array([10.0, 990.0, 1010.0, 10.0]), np.array([5.0, 5.0, 5.0, 1500.0]), 1000
    )
    assert ids[0] == ids[1]
    assert len({ids[0], ids[2], ids[3]}) == 3


def test_flow_accumulation_on_a_south_facing_plane() -> None:
    rows = np.arange(6)[:, None]
    z = np.broadcast_to((10.0 - rows) * 5.0, (6, 4)).copy()  # falls to the south
    acc = flow_accumulation(z, Affine(10, 0, 0, 0, -10, 60), CRS)
    # Every cell drains straight south: row r collects r + 1 cells of 100 m2.
    np.testing.assert_allclose(acc, np.broadcast_to((rows + 1) * 100.0, (6, 4)))
    twi = wetness_index(z, Affine(10, 0, 0, 0, -10, 60), CRS)
    assert (np.diff(twi, axis=0) > 0).all()  # wetter downslope


def test_flow_accumulation_skips_nodata() -> None:
    z = np.array([[3.0, 3.0], [np.nan, 2.0], [1.0, 1.0]])
    acc = flow_accumulation(z, Affine(1, 0, 0, 0, -1, 3), CRS)
    assert np.isnan(acc[1, 0])
    assert acc[2].sum() == pytest.approx(5.0)  # the five valid cells end in the bottom row


# ---------------------------------------------------------------- with the indicators


def test_compute_indicators_puts_the_model_on_villages(world: SimpleNamespace) -> None:
    from geoplan.indicators import compute_indicators

    layers = with_villages(world)
    out = compute_indicators(layers, scenario())
    assert out.susceptibility is not None
    v = out.villages.set_index("village_id")
    assert v.loc["steep", "susceptibility"] > 2 * v.loc["flat", "susceptibility"]
    assert 0 <= v.loc["flat", "susceptibility"] <= 1
    assert "modelled susceptibility level" in v.loc["steep", "hazard_reason"]
    assert "modelled" not in v.loc["flat", "hazard_reason"]


def test_model_on_a_dem_in_degrees() -> None:
    rng = np.random.default_rng(3)
    transform = Affine(1 / 1200, 0, 107.9, 0, -1 / 1200, 14.6)  # 3 arc-seconds, ~90 m
    n = 160
    z = ndimage.gaussian_filter(rng.normal(size=(n, n)), 4)
    z = 400 + 1500 * (z - z.min()) / (z.max() - z.min())
    slope = slope_degrees(z, transform, "EPSG:4326")
    truth = 1.0 / (1.0 + np.exp(-(slope - np.quantile(slope, 0.8)) / 1.5))
    cells = rng.choice(truth.size, size=150, replace=False, p=(truth / truth.sum()).ravel())
    lon = 107.9 + (cells % n + 0.5) / 1200
    lat = 14.6 - (cells // n + 0.5) / 1200
    inventory = gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs="EPSG:4326").to_crs(CRS)
    area = gpd.GeoDataFrame(
        {"commune_code": ["1"]},
        geometry=[shapely.box(107.9, 14.6 - n / 1200, 107.9 + n / 1200, 14.6)],
        crs="EPSG:4326",
    ).to_crs(CRS)
    river = gpd.GeoDataFrame(
        {"name": ["r"]},
        geometry=[shapely.LineString([(107.95, 14.45), (107.95, 14.6)])],
        crs="EPSG:4326",
    ).to_crs(CRS)
    layers = SimpleNamespace(
        communes=area, villages=None, districts=None, province=None, landslide_zones=None,
        landslide_inventory=inventory, forest=None, border=None, roads=None, rivers=river,
        dem=GridRaster(z, transform, "EPSG:4326"), rainfall=None, report=None,
    )  # fmt: skip
    result = fit_susceptibility(layers, scenario(absence_buffer_m=200.0, block_size_m=3000.0))
    assert result is not None
    card = result.model_card
    assert card["factors"][-1] == "dist_river"
    assert card["spatial_cv_auc"] > 0.75
    assert result.probability.array.shape == (n, n)
    assert result.zones.crs == CRS
    # Class areas are in km2 from per-row metric cell sizes: about 14.4 km x 14.7 km in all.
    total = sum(card["class_areas_km2"].values())
    assert 150 < total < 230
    assert len(result.disagreement) == 0  # no official zones


def test_random_folds_flatter_a_model_on_clustered_landslides(world: SimpleNamespace) -> None:
    # Landslides in six tight clusters unrelated to terrain; a vertical river and a horizontal
    # road make (dist_river, dist_road) a stand-in for location.  Random folds put members of
    # every cluster on both sides and reward memorising places; spatial blocks do not.
    rng = np.random.default_rng(5)
    centres = rng.uniform(1500, SIZE * RES - 1500, size=(6, 2))
    pts = np.concatenate([c + rng.normal(0, 150, size=(40, 2)) for c in centres])
    inventory = gpd.GeoDataFrame(geometry=shapely.points(pts + np.array([X0, Y0])), crs=CRS)
    road = gpd.GeoDataFrame(
        {"road_class": ["district"]},
        geometry=[shapely.LineString([(X0, Y0 + 100), (X0 + SIZE * RES, Y0 + 100)])],
        crs=CRS,
    )
    river = gpd.GeoDataFrame(
        {"name": ["r"]},
        geometry=[shapely.LineString([(X0 + 100, Y0), (X0 + 100, Y0 + SIZE * RES)])],
        crs=CRS,
    )
    layers = SimpleNamespace(
        **{**vars(world.layers), "landslide_inventory": inventory, "roads": road, "rivers": river}
    )
    result = fit_susceptibility(
        layers, scenario(block_size_m=2500.0), factors=["slope", "dist_river", "dist_road"]
    )
    assert result is not None
    card = result.model_card
    assert card["random_cv_auc"] > 0.85
    assert card["random_cv_auc"] - card["spatial_cv_auc"] > 0.1
    assert card["cv_optimism"] == pytest.approx(
        card["random_cv_auc"] - card["spatial_cv_auc"], abs=1e-4
    )


def test_rainfall_factor_on_its_own_grid(world: SimpleNamespace) -> None:
    # A coarse rainfall raster in degrees (the DEM is in UTM), wetter to the east.
    rain = GridRaster(
        np.tile(np.linspace(1800, 2600, 20), (20, 1)),
        Affine(0.005, 0, 104.99, 0, -0.005, 13.66),
        "EPSG:4326",
    )
    covered = gpd.GeoSeries([shapely.box(*rain.bounds)], crs="EPSG:4326").to_crs(CRS)
    assert covered.contains(world.layers.communes.geometry.iloc[0]).all()
    layers = SimpleNamespace(**{**vars(world.layers), "rainfall": rain})
    result = fit_susceptibility(layers, scenario(), factors=["slope", "rainfall"])
    assert result is not None
    card = result.model_card
    assert card["factors"] == ["slope", "rainfall"]
    assert 1800 < card["factor_fill_values"]["rainfall"] < 2600


def test_n_jobs_does_not_change_the_result(
    world: SimpleNamespace, fitted: SusceptibilityResult
) -> None:
    threaded = fit_susceptibility(world.layers, scenario(n_jobs=2, window_rows=32))
    assert threaded is not None
    np.testing.assert_array_equal(threaded.probability.array, fitted.probability.array)
    np.testing.assert_array_equal(threaded.levels.array, fitted.levels.array)
    strip = {k: v for k, v in fitted.model_card.items() if k != "timings_s"}
    assert {k: v for k, v in threaded.model_card.items() if k != "timings_s"} == strip


def test_forest_probability_tree_by_tree_equals_scikit_learn() -> None:
    from geoplan.hazard.estimator import make_estimator
    from geoplan.hazard.predict import positive_probability

    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=400) > 0).astype(int)
    forest = make_estimator("random_forest", random_state=1, n_jobs=1).fit(x, y)
    new = rng.normal(size=(1000, 6)).astype(np.float32)
    expected = forest.predict_proba(new)[:, 1]
    got = positive_probability(forest, new.T.copy().T)  # a column-major view, as the windows give
    np.testing.assert_array_equal(got, expected)
    logistic = make_estimator("logistic").fit(x, y)
    np.testing.assert_array_equal(
        positive_probability(logistic, new), logistic.predict_proba(new)[:, 1]
    )


def test_distance_raster_equals_scipy_whole_grid_transform() -> None:
    # the distances are computed window by window from scipy's nearest-cell indices;
    # they must be scipy's whole-grid distances, bit for bit
    from rasterio import features
    from scipy import ndimage

    from geoplan.hazard.factors import _distance_raster
    from geoplan.hazard.grid import cell_size_m
    from geoplan.hazard.terrain import DISTANCE_ROWS

    shape = (2 * DISTANCE_ROWS + 37, 90)
    transform = Affine(0.0003, 0, 107.5, 0, -0.0003, 14.9)
    line = shapely.LineString([(107.503, 14.89), (107.52, 14.86), (107.51, 14.75)])
    lines = gpd.GeoDataFrame(geometry=[line], crs="EPSG:4326")
    got = _distance_raster(lines, transform, "EPSG:4326", shape)
    burned = features.rasterize([(line, 1)], out_shape=shape, transform=transform,
                                all_touched=True, dtype="uint8")  # fmt: skip
    dx, dy = cell_size_m(transform, "EPSG:4326", shape[0])
    expected = ndimage.distance_transform_edt(
        burned == 0, sampling=(float(np.mean(dy)), float(np.mean(dx)))
    ).astype(np.float32)
    assert got.dtype == np.float32 and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("seed", [0, 1])
def test_windowed_distance_is_scipys_float64_distance(seed) -> None:
    # the plan's distance to steep ground uses the same windowed distances in float64
    from scipy import ndimage

    from geoplan.hazard.terrain import DISTANCE_ROWS, distance_m

    rng = np.random.default_rng(seed)
    free = rng.random((DISTANCE_ROWS + 61, 47)) > 0.002
    sampling = (31.7, 29.3)
    got = distance_m(free, sampling)
    expected = ndimage.distance_transform_edt(free, sampling=sampling)
    assert got.dtype == np.float64 and got.tobytes() == expected.tobytes()


def test_grid_prediction_does_not_depend_on_windows_or_threads(monkeypatch) -> None:
    # each window is predicted on its own thread; any window size, with threads or
    # without, gives the same probability grid bit for bit
    import geoplan.hazard.predict as predict_mod
    from geoplan.hazard.estimator import make_estimator
    from geoplan.hazard.factors import FactorStack

    rng = np.random.default_rng(5)
    dem = rng.normal(500, 50, size=(70, 40)).cumsum(axis=0)
    mask = rng.random(dem.shape) > 0.2
    stack = FactorStack(
        dem=dem, transform=Affine(30, 0, 0, 0, -30, 0), crs="EPSG:32648", mask=mask,
        names=["slope", "relief", "noise"], relief_px=3,
        global_layers={"noise": rng.random(dem.shape).astype(np.float32)},
    )  # fmt: skip
    x = stack.window(0, 70)[:, mask].T
    y = (x[:, 0] > np.median(x[:, 0])).astype(int)
    forest = make_estimator("random_forest", random_state=2, n_jobs=1).fit(x, y)
    fill = np.zeros(3, dtype=np.float32)
    whole = predict_mod.predict_grid(stack, forest, fill, window_rows=70 * 8)
    for rows in (8, 24, 200):
        got = predict_mod.predict_grid(stack, forest, fill, window_rows=rows)
        assert got.tobytes() == whole.tobytes()
    monkeypatch.setattr(predict_mod, "ordered_map", lambda f, items: [f(i) for i in items])
    serial = predict_mod.predict_grid(stack, forest, fill, window_rows=24)
    assert serial.tobytes() == whole.tobytes()
    assert np.isnan(whole[~mask]).all() and np.isfinite(whole[mask]).all()
