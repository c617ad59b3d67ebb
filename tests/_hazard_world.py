"""A synthetic world whose true landslide probability is known, for the hazard tests.

No scikit-learn here: a fresh process builds it to check that the main process of a run
never imports it (tests/test_hazard_fitting.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from scipy import ndimage

from geoplan.config.hazard import SusceptibilityConfig
from geoplan.config.indicators import IndicatorConfig
from geoplan.hazard.grid import GridRaster
from geoplan.hazard.terrain import slope_degrees

CRS = "EPSG:32648"
X0, Y0 = 500_000.0, 1_500_000.0
RES = 30.0
SIZE = 300  # 9 km x 9 km


def _truth(z: np.ndarray, transform: Affine) -> np.ndarray:
    slope = slope_degrees(z, transform, CRS)
    # Landslides concentrate on the steepest fifth of the land.
    return 1.0 / (1.0 + np.exp(-(slope - np.quantile(slope, 0.8)) / 1.5))


def make_world() -> SimpleNamespace:
    """Return a 9 km square world: DEM, true probability, landslides drawn from it, layers."""
    rng = np.random.default_rng(7)
    transform = Affine(RES, 0, X0, 0, -RES, Y0 + SIZE * RES)
    z = ndimage.gaussian_filter(rng.normal(size=(SIZE, SIZE)), 6)
    z = 300 + 1200 * (z - z.min()) / (z.max() - z.min())
    z[:, :60] = 300 + 0.01 * np.arange(60)[None, :] * RES  # a gentle plain in the west
    truth = _truth(z, transform)
    cells = rng.choice(truth.size, size=250, replace=False, p=(truth / truth.sum()).ravel())
    rows, cols = cells // SIZE, cells % SIZE
    inventory = gpd.GeoDataFrame(
        {"event_date": ["2023-08-01"] * cells.size},
        geometry=shapely.points(X0 + (cols + 0.5) * RES, Y0 + SIZE * RES - (rows + 0.5) * RES),
        crs=CRS,
    )
    area = shapely.box(X0 + 150, Y0 + 150, X0 + SIZE * RES - 150, Y0 + SIZE * RES - 150)
    communes = gpd.GeoDataFrame({"commune_code": ["1"]}, geometry=[area], crs=CRS)
    return SimpleNamespace(
        dem=GridRaster(z, transform, CRS),
        truth=truth,
        layers=SimpleNamespace(
            communes=communes,
            villages=None,
            districts=None,
            province=None,
            landslide_zones=gpd.GeoDataFrame(
                {"level": [5, 1]},
                # Official "very high" on the plain, "very low" on the steepest land.
                geometry=[shapely.box(X0, Y0, X0 + 1500, Y0 + SIZE * RES), area],
                crs=CRS,
            ),
            landslide_inventory=inventory,
            forest=gpd.GeoDataFrame(
                {"forest_type": ["protective"], "name": ["P"]},
                geometry=[shapely.box(X0 + 4000, Y0, X0 + 9000, Y0 + 4000)],
                crs=CRS,
            ),
            border=None,
            roads=gpd.GeoDataFrame(
                {"road_class": ["district"]},
                geometry=[shapely.LineString([(X0, Y0 + 4500), (X0 + 9000, Y0 + 4500)])],
                crs=CRS,
            ),
            rivers=gpd.GeoDataFrame(
                {"name": ["r"]},
                geometry=[shapely.LineString([(X0 + 4500, Y0), (X0 + 4500, Y0 + 9000)])],
                crs=CRS,
            ),
            dem=GridRaster(z, transform, CRS),
            rainfall=None,
            report=None,
        ),
    )


def scenario(**kw: object) -> SimpleNamespace:
    """Return a scenario for the world, the model's settings overridden by ``kw``."""
    settings: dict[str, object] = {
        "block_size_m": 2000.0,
        "params": {"n_estimators": 60},
        "n_jobs": 1,
        "min_zone_area_m2": 9000.0,
        "absence_buffer_m": 150.0,
    }
    settings.update(kw)
    return SimpleNamespace(
        crs=CRS,
        source=None,
        indicators=IndicatorConfig(),
        susceptibility=SusceptibilityConfig(**settings),
    )


def with_villages(world: SimpleNamespace) -> SimpleNamespace:
    """Return the world's layers with two villages: on the steepest land and on the plain."""
    truth = world.truth
    steep = np.unravel_index(np.argmax(ndimage.uniform_filter(truth, 25)), truth.shape)
    flat = (SIZE // 2, 20)  # on the plain
    xy = [(X0 + (c + 0.5) * RES, Y0 + SIZE * RES - (r + 0.5) * RES) for r, c in (steep, flat)]
    villages = gpd.GeoDataFrame(
        {"village_id": ["steep", "flat"], "commune_code": ["1", "1"], "households": [50, 50]},
        geometry=shapely.points(xy),
        crs=CRS,
    )
    return SimpleNamespace(**{**vars(world.layers), "villages": villages})
