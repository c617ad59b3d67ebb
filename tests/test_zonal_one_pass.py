"""Zonal summaries in one pass: class fractions and per-raster operations, same numbers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from geoplan.hazard.grid import GridRaster
from geoplan.indicators.zonal import zonal_fractions, zonal_stats

CRS = "EPSG:32648"
TRANSFORM = Affine(10.0, 0, 500_000.0, 0, -10.0, 1_500_400.0)


def class_raster(seed: int = 5, shape: tuple[int, int] = (40, 40)) -> GridRaster:
    """Classes 1-5, and 0 (no class) over the west quarter."""
    levels = np.random.default_rng(seed).integers(1, 6, size=shape).astype(np.uint8)
    levels[:, :10] = 0
    return GridRaster(levels, TRANSFORM, CRS)


def zones() -> gpd.GeoSeries:
    x0, y1 = 500_000.0, 1_500_400.0
    return gpd.GeoSeries(
        [
            shapely.box(x0 + 33, y1 - 377, x0 + 291, y1 - 12).buffer(7),  # mixed, cut cells
            shapely.box(x0 + 3, y1 - 200, x0 + 61, y1 - 80),  # partly in the no-class strip
            shapely.box(x0 + 5, y1 - 300, x0 + 95, y1 - 100),  # only no-class cells
            shapely.Polygon(),  # empty
            shapely.box(x0 + 100, y1 - 121, x0 + 121, y1 - 100),  # about one cell
        ],
        crs=CRS,
    )


def test_class_fractions_equal_the_mean_of_each_class_indicator_bit_for_bit():
    raster = class_raster()
    areas = zones()
    levels = raster.array
    expected = {}
    for level in range(1, 6):  # the former way: one 0/1 raster per class, NaN outside
        indicator = np.where(levels == 0, np.nan, (levels == level).astype(np.float64))
        stats = zonal_stats(areas, {"x": GridRaster(indicator, TRANSFORM, CRS)}, ("mean",))
        expected[level] = stats["x_mean"].to_numpy()
    shares = zonal_fractions(areas, raster, [1, 2, 3, 4, 5], unknown=0)
    assert list(shares.columns) == [1, 2, 3, 4, 5]
    for level in range(1, 6):
        np.testing.assert_array_equal(shares[level].to_numpy(), expected[level])
    assert shares.loc[0].sum() == pytest.approx(1.0)
    assert shares.loc[2].isna().all() and shares.loc[3].isna().all()  # nothing known / empty


def test_a_class_absent_from_a_zone_has_share_zero_and_unlisted_classes_are_left_out():
    levels = np.zeros((40, 40), np.uint8)
    levels[:, 20:] = 2
    levels[:20, 20:] = 4
    shares = zonal_fractions(zones(), GridRaster(levels, TRANSFORM, CRS), [1, 2, 3])
    first = shares.loc[0]
    assert first[1] == 0.0 and first[3] == 0.0
    assert 0 < first[2] < 1  # the class-4 cells count as known, but are not reported


def test_operations_per_raster_in_one_pass_equal_separate_calls():
    rng = np.random.default_rng(2)
    slope = GridRaster(rng.uniform(0, 40, (40, 40)), TRANSFORM, CRS)
    distance = GridRaster(rng.uniform(0, 500, (40, 40)).astype(np.float32), TRANSFORM, CRS)
    areas = zones()
    together = zonal_stats(
        areas,
        {"s": slope, "d": distance},
        {"s": ("mean", "quantile(q=0.9)"), "d": ("min",)},
    )
    assert list(together.columns) == ["s_mean", "s_quantile_90", "d_min"]
    alone_s = zonal_stats(areas, {"s": slope}, ("mean", "quantile(q=0.9)"))
    alone_d = zonal_stats(areas, {"d": distance}, ("min",))
    np.testing.assert_array_equal(together[alone_s.columns].to_numpy(), alone_s.to_numpy())
    np.testing.assert_array_equal(together["d_min"].to_numpy(), alone_d["d_min"].to_numpy())
    assert together.loc[3].isna().all()  # the empty zone
