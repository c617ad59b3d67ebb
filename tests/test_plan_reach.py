"""Reach of sites: travel searches capped at the plan's travel limit."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine

from geoplan.indicators.travel import FrictionSurface, travel_minutes

CELL = 100.0
X0, Y1 = 500_000.0, 1_700_000.0


def rugged_surface(rows: int = 60, cols: int = 80, seed: int = 3) -> FrictionSurface:
    """Minutes per cell between 0.2 (a road) and 20 (a cliff), no two cells alike."""
    rng = np.random.default_rng(seed)
    minutes = np.exp(rng.uniform(np.log(0.2), np.log(20.0), size=(rows, cols)))
    return FrictionSurface(minutes, Affine(CELL, 0, X0, 0, -CELL, Y1), "EPSG:3405", CELL)


def cell_points(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return shapely.points(X0 + (cols + 0.5) * CELL, Y1 - (rows + 0.5) * CELL)


def test_a_capped_search_gives_the_full_minutes_within_the_limit_and_nan_beyond():
    surface = rugged_surface()
    rng = np.random.default_rng(11)
    origins = cell_points(np.array([5, 30, 55]), np.array([10, 40, 70]))
    targets = cell_points(rng.integers(0, 60, 90), rng.integers(0, 80, 90))
    groups = [np.arange(0, 30), np.arange(30, 60), np.arange(60, 90)]
    full = travel_minutes(surface, origins, groups, targets)
    assert np.isfinite(full).all()
    limit = float(np.sort(full)[len(full) // 2])  # a target exactly at the limit stays in
    capped = travel_minutes(surface, origins, groups, targets, max_minutes=limit)
    within = full <= limit
    assert 0 < within.sum() < len(full)
    assert np.array_equal(capped[within], full[within])  # bit for bit, not approximately
    assert np.isnan(capped[~within]).all()


def test_a_limit_beyond_every_target_changes_nothing():
    surface = rugged_surface(seed=8)
    origins = cell_points(np.array([20]), np.array([20]))
    targets = cell_points(np.arange(0, 60, 7), np.arange(0, 80, 9)[:9])
    groups = [np.arange(len(targets))]
    full = travel_minutes(surface, origins, groups, targets)
    capped = travel_minutes(surface, origins, groups, targets, max_minutes=float(full.max()) + 1)
    assert np.array_equal(capped, full)
