"""Rasters processed block by block equal the whole-array computation, cell for cell."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from geoplan.hazard.grid import GridRaster
from geoplan.hazard.terrain import (
    TerrainWindows,
    hillshade,
    horn_gradient,
    slope_degrees,
    terrain_window,
)
from geoplan.indicators.zonal import zonal_stats
from geoplan.io.raster import RasterWindows, read_raster

CRS = "EPSG:3405"
TRANSFORM = Affine(30.0, 0.0, 500_000.0, 0.0, -30.0, 1_600_000.0)
SHAPE = (37, 23)  # odd sizes: blocks never divide the grid evenly


@pytest.fixture(scope="module")
def dem() -> np.ndarray:
    """Rough terrain with nodata holes, one of them on the border."""
    rng = np.random.default_rng(7)
    rows, cols = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    surface = 800 + 40 * np.sin(rows / 4.0) * np.cos(cols / 3.0) + rng.normal(0, 6, SHAPE)
    surface[10:12, 5:7] = np.nan
    surface[0, 15] = np.nan
    return surface


@pytest.fixture(scope="module")
def dem_file(dem, tmp_path_factory):
    path = tmp_path_factory.mktemp("dem") / "dem.tif"
    values = np.where(np.isnan(dem), -9999.0, dem).astype("float32")
    profile = {
        "driver": "GTiff", "width": SHAPE[1], "height": SHAPE[0], "count": 1,
        "dtype": "float32", "crs": CRS, "transform": TRANSFORM, "nodata": -9999.0,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as out:
        out.write(values, 1)
    return path


BLOCKS = [1, SHAPE[1], 2 * SHAPE[1] + 5, 5 * SHAPE[1]]  # one cell, one row, 2 rows and a bit


@pytest.mark.parametrize("block_pixels", BLOCKS)
def test_slope_and_gradient_by_block_equal_the_whole_grid(dem, block_pixels):
    whole = slope_degrees(dem, TRANSFORM, CRS, block_pixels=None)
    assert np.isfinite(whole).sum() > 0.8 * whole.size
    np.testing.assert_array_equal(
        slope_degrees(dem, TRANSFORM, CRS, block_pixels=block_pixels), whole
    )
    east, north = horn_gradient(dem, TRANSFORM, CRS, block_pixels=None)
    east_b, north_b = horn_gradient(dem, TRANSFORM, CRS, block_pixels=block_pixels)
    np.testing.assert_array_equal(east_b, east)
    np.testing.assert_array_equal(north_b, north)
    np.testing.assert_array_equal(
        hillshade(dem, TRANSFORM, CRS, block_pixels=block_pixels),
        hillshade(dem, TRANSFORM, CRS, block_pixels=None),
    )


def test_horn_gradient_of_a_plane_is_its_slope_up_to_the_edges():
    rows, cols = np.mgrid[0:9, 0:7]
    plane = 100.0 + 0.5 * 30.0 * cols - 0.25 * 30.0 * rows  # z = 0.5 x + 0.25 y (north is up)
    east, north = horn_gradient(plane, TRANSFORM, CRS, block_pixels=7)
    np.testing.assert_allclose(east, 0.5, rtol=1e-12)
    np.testing.assert_allclose(north, 0.25, rtol=1e-12)


@pytest.mark.parametrize("factor", ["slope", "aspect_sin", "aspect_cos", "profile_curvature"])
def test_terrain_windows_equal_the_whole_grid_at_every_window(dem, factor):
    whole = terrain_window(dem, TRANSFORM, CRS, 0, SHAPE[0], factors=(factor,))[factor]
    windows = TerrainWindows(dem, TRANSFORM, CRS, factor)
    for r0, r1, c0, c1 in [
        (0, 1, 0, 1),
        (0, 5, 3, 9),
        (30, 37, 17, 23),
        (9, 13, 4, 8),
        (36, 37, 0, 23),
    ]:
        np.testing.assert_array_equal(windows[r0:r1, c0:c1], whole[r0:r1, c0:c1])


def test_a_file_read_by_window_equals_the_whole_read(dem, dem_file):
    whole = read_raster(dem_file, block_pixels=None)
    np.testing.assert_array_equal(whole.array, dem.astype("float32").astype("float64"))
    np.testing.assert_array_equal(read_raster(dem_file, block_pixels=3).array, whole.array)
    windows = RasterWindows(dem_file)
    assert windows.shape == SHAPE
    np.testing.assert_array_equal(windows[4:9, 20:23], whole.array[4:9, 20:23])
    np.testing.assert_array_equal(
        slope_degrees(windows, TRANSFORM, CRS, block_pixels=SHAPE[1]),
        slope_degrees(whole.array, TRANSFORM, CRS, block_pixels=None),
    )


def _zones() -> gpd.GeoSeries:
    """Discs inside, across block edges, over the nodata hole and over the grid's border."""
    x0, y0 = TRANSFORM.c, TRANSFORM.f
    centres = [(100, -100), (345, -300), (180, -330), (690, -1110), (10, -560), (400, -1000)]
    discs = [shapely.Point(x0 + dx, y0 + dy).buffer(r) for (dx, dy), r in zip(
        centres, [60, 200, 80, 90, 150, 20], strict=True
    )]  # fmt: skip
    return gpd.GeoSeries(discs, crs=CRS)


@pytest.mark.parametrize("block_pixels", [4, 60, None])
def test_zonal_statistics_by_window_equal_the_whole_array(dem, dem_file, block_pixels):
    zones = _zones()
    slope = slope_degrees(dem, TRANSFORM, CRS, block_pixels=None)
    whole = zonal_stats(
        zones,
        {"elev": GridRaster(dem, TRANSFORM, CRS), "slope": GridRaster(slope, TRANSFORM, CRS)},
        ("mean", "min", "max"),
    )
    assert whole.notna().all().all()
    windows = RasterWindows(dem_file)
    by_window = zonal_stats(
        zones,
        {
            "elev": GridRaster(windows, TRANSFORM, CRS),  # type: ignore[arg-type]
            "slope": GridRaster(TerrainWindows(windows, TRANSFORM, CRS, "slope"), TRANSFORM, CRS),  # type: ignore[arg-type]
        },
        ("mean", "min", "max"),
        block_pixels=block_pixels,
    )
    expected = whole.copy()
    float32_dem = dem.astype("float32").astype("float64")  # the file stores float32
    expected[["elev_mean", "elev_min", "elev_max"]] = zonal_stats(
        zones, {"elev": GridRaster(float32_dem, TRANSFORM, CRS)}, ("mean", "min", "max")
    ).to_numpy()
    slope32 = slope_degrees(float32_dem, TRANSFORM, CRS, block_pixels=None)
    expected[["slope_mean", "slope_min", "slope_max"]] = zonal_stats(
        zones, {"slope": GridRaster(slope32, TRANSFORM, CRS)}, ("mean", "min", "max")
    ).to_numpy()
    np.testing.assert_array_equal(by_window.to_numpy(), expected.to_numpy())
