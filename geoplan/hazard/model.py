"""Landslide susceptibility: sampling, scikit-learn model, spatial CV, prediction.

Levels and zones from the predicted probability are in :mod:`geoplan.hazard.zones`; the
cross-validation (in a forked child beside the final fit) in :mod:`geoplan.hazard.validation`.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj
from rasterio.enums import Resampling

from geoplan.hazard.factors import FactorStack, start_factor_stack
from geoplan.hazard.fitting import model_runs
from geoplan.hazard.grid import (
    GridRaster,
    RasterLike,
    cell_area_m2,
    to_pyproj,
    warp_to_grid,
)
from geoplan.hazard.result import SusceptibilityResult
from geoplan.hazard.sampling import absence_cells, cell_xy, presence_cells, spatial_blocks
from geoplan.hazard.zones import LEVELS, class_breaks, classify, disagreement_zones, vectorise

if TYPE_CHECKING:
    from geoplan.io import Layers
    from geoplan.scenario import Scenario

__all__ = ["SusceptibilityResult", "fit_susceptibility", "spatial_blocks"]

logger = logging.getLogger(__name__)


def _mean(values: list[float | None]) -> float | None:
    good = [v for v in values if v is not None]
    return float(np.mean(good)) if good else None


def _truth_on_grid(truth: Any, stack: FactorStack, scale: float) -> np.ndarray:
    """Return the truth probability (a loaded raster layer) on the DEM grid."""
    values = np.asarray(truth.array, dtype=np.float32) / np.float32(scale)
    same = (
        values.shape == stack.shape
        and tuple(truth.transform) == tuple(stack.transform)
        and to_pyproj(truth.crs) == to_pyproj(stack.crs)
    )
    if same:
        return values
    return warp_to_grid(
        truth, stack.transform, stack.crs, stack.shape,
        resampling=Resampling.bilinear, values=values,
    )  # fmt: skip


class _Clock:
    """Record the seconds spent in each named stage."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self.last
        self.last = now


def _weighted_truth_auc(truth: np.ndarray, probability: np.ndarray) -> float | None:
    """Return the expected ROC-AUC against landslides drawn from the truth.

    Each cell is a positive with weight ``t`` and a negative with weight ``1 - t``.
    """
    t = np.clip(np.asarray(truth, dtype=np.float64), 0.0, 1.0)
    p = np.asarray(probability, dtype=np.float64)
    good = ~(np.isnan(t) | np.isnan(p))
    t, p = t[good], p[good]
    from geoplan.hazard.validation import auc

    return auc(
        np.concatenate([np.ones(t.size), np.zeros(t.size)]),
        np.concatenate([p, p]),
        np.concatenate([t, 1.0 - t]),
    )


@dataclass(frozen=True)
class _LevelMaps:
    """What the probability grid gives: levels, zones, disagreement and truth AUC."""

    valid: np.ndarray
    breaks: np.ndarray
    classes_used: str
    levels: np.ndarray
    class_area: dict[str, float]
    zones: gpd.GeoDataFrame
    disagreement: gpd.GeoDataFrame
    disagreement_km2: float | None
    matched_breaks: np.ndarray | None
    truth_auc: float | None


def _map_levels(
    layers: Any,
    stack: FactorStack,
    *,
    probability: np.ndarray,
    rng: np.random.Generator,
    cfg: Any,
    target_crs: Any,
    clock: _Clock,
) -> _LevelMaps:
    """Cut the probability into levels and zones; compare with the official zones and truth."""
    valid = np.flatnonzero(stack.mask.ravel())
    sample = probability.ravel()[rng.choice(valid, size=min(valid.size, 200000), replace=False)]
    breaks, classes_used = class_breaks(sample, cfg.classes)
    levels = classify(probability, breaks)
    areas_row = cell_area_m2(stack.transform, stack.crs, stack.shape[0])
    class_area = {
        str(lv): round(float(((levels == lv) * areas_row[:, None]).sum() / 1e6), 3) for lv in LEVELS
    }
    min_pixels = round(cfg.min_zone_area_m2 / float(np.mean(areas_row)))
    zones = vectorise(levels, stack.transform, stack.crs, target_crs, min_pixels)
    zones = zones.rename(columns={"code": "level"})
    zones["level"] = zones["level"].astype(int)
    official = getattr(layers, "landslide_zones", None)
    disagreement, disagreement_km2, matched = disagreement_zones(
        official, stack, probability, levels,
        classes=cfg.disagreement_classes, target_crs=target_crs, min_pixels=min_pixels,
        cell_areas=areas_row,
    )  # fmt: skip
    clock.lap("zones")
    truth_auc = None
    truth_layer = getattr(layers, "landslide_truth", None)
    if truth_layer is not None:
        truth = _truth_on_grid(truth_layer, stack, cfg.truth_scale)
        pick = rng.choice(valid, size=min(valid.size, 200000), replace=False)
        truth_auc = _weighted_truth_auc(truth.ravel()[pick], probability.ravel()[pick])
        clock.lap("truth")
    return _LevelMaps(
        valid, breaks, classes_used, levels, class_area, zones, disagreement,
        disagreement_km2, matched, truth_auc,
    )  # fmt: skip


@dataclass(frozen=True)
class _TrainingSample:
    """Presence and absence cells with their factor values and spatial blocks."""

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    medians: np.ndarray
    presences: int
    absences: int


def _draw_sample(
    inventory: gpd.GeoDataFrame,
    stack: FactorStack,
    *,
    cfg: Any,
    target_crs: Any,
    rng: np.random.Generator,
) -> _TrainingSample:
    """Draw presences and seeded absences, read their factors and group them in blocks."""
    width = stack.shape[1]
    inv = inventory[~(inventory.geometry.isna() | inventory.geometry.is_empty)]
    to_metric = pyproj.Transformer.from_crs(
        to_pyproj(stack.crs), to_pyproj(target_crs), always_xy=True
    )
    cells_p = presence_cells(inv, stack, min_count=2 * cfg.folds)
    cells_a = absence_cells(
        stack, cells_p, inv.geometry.to_crs(to_pyproj(target_crs)).to_numpy(), to_metric,
        count=round(cfg.absence_ratio * cells_p.size), buffer_m=cfg.absence_buffer_m, rng=rng,
    )  # fmt: skip
    n_pres = cells_p.size
    cells = np.concatenate([cells_p, cells_a])
    y = np.concatenate([np.ones(n_pres, dtype=np.int8), np.zeros(cells_a.size, dtype=np.int8)])
    rows_s, cols_s = cells // width, cells % width
    x = stack.sample(rows_s, cols_s, cfg.window_rows)
    medians = np.nanmedian(x, axis=0)
    medians = np.where(np.isnan(medians), 0.0, medians).astype(np.float32)
    x = np.where(np.isnan(x), medians, x)
    sx, sy = to_metric.transform(*cell_xy(stack.transform, rows_s, cols_s))
    groups = spatial_blocks(np.asarray(sx), np.asarray(sy), cfg.block_size_m)
    return _TrainingSample(x, y, groups, medians, int(n_pres), int(cells_a.size))


def _model_card(
    cfg: Any,
    stack: FactorStack,
    sample: _TrainingSample,
    *,
    estimator: tuple[str, dict[str, float] | None],
    importances: np.ndarray,
    validation: dict[str, list[float | None]],
    mapped: _LevelMaps,
    timings: dict[str, float],
) -> dict[str, Any]:
    """Describe the fitted model: factors, importances, skill, classes and grid."""
    from geoplan.hazard.estimator import DEFAULTS

    height, width = stack.shape
    spatial_auc = _mean(validation["spatial"])
    random_auc = _mean(validation["random"])
    return {
        "model": cfg.model,
        "estimator": estimator[0],
        "parameters": {**DEFAULTS[cfg.model], **dict(cfg.params)},
        "random_state": cfg.random_state,
        "factors": list(stack.names),
        "factor_fill_values": {
            n: round(float(m), 6) for n, m in zip(stack.names, sample.medians, strict=True)
        },
        "importances": {
            n: round(float(v), 6) for n, v in zip(stack.names, importances, strict=True)
        },
        "importance_method": "permutation (mean ROC-AUC decrease over 3 repeats, training sample)",
        "native_importances": estimator[1],
        "presences": sample.presences,
        "absences": sample.absences,
        "absence_ratio": cfg.absence_ratio,
        "absence_buffer_m": cfg.absence_buffer_m,
        "block_size_m": cfg.block_size_m,
        "blocks": int(np.unique(sample.groups).size),
        "folds": len(validation["spatial"]),
        "spatial_cv_auc": spatial_auc,
        "spatial_cv_fold_aucs": validation["spatial"],
        "random_cv_auc": random_auc,
        "random_cv_fold_aucs": validation["random"],
        "cv_optimism": (
            round(random_auc - spatial_auc, 4)
            if random_auc is not None and spatial_auc is not None
            else None
        ),
        "classes": cfg.classes,
        "classes_used": mapped.classes_used,
        "class_breaks": [round(float(b), 6) for b in mapped.breaks],
        "class_areas_km2": mapped.class_area,
        "grid": {
            "crs": to_pyproj(stack.crs).to_string(),
            "shape": [height, width],
            "transform": [float(v) for v in tuple(stack.transform)[:6]],
            "cells_modelled": int(mapped.valid.size),
        },
        "disagreement_km2": mapped.disagreement_km2,
        "disagreement_classes": cfg.disagreement_classes,
        "disagreement_breaks": (
            [round(float(b), 6) for b in mapped.matched_breaks]
            if mapped.matched_breaks is not None
            else None
        ),
        "truth_auc": mapped.truth_auc,
        "truth_auc_method": (
            "ROC-AUC of the modelled probability with each cell weighted as a landslide by the "
            "true probability p and as stable by 1 - p (200,000 sampled cells)"
            if mapped.truth_auc is not None
            else None
        ),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }


def _factor_stack_loading_estimators(
    dem: RasterLike,
    layers: Any,
    *,
    area: gpd.GeoDataFrame,
    factors: Sequence[str] | None,
    relief_radius_m: float,
) -> FactorStack:
    """Build the factor stack, loading scikit-learn while a child computes the wetness index."""
    with start_factor_stack(
        dem, layers, area=area, factors=factors, relief_radius_m=relief_radius_m
    ) as finish_stack:
        for module in ("estimator", "predict", "validation"):  # their imports load scikit-learn
            importlib.import_module(f"geoplan.hazard.{module}")
        return finish_stack()


def fit_susceptibility(
    layers: Layers, scenario: Scenario, *, factors: list[str] | None = None
) -> SusceptibilityResult | None:
    """Fit, validate and apply the landslide susceptibility model.

    Presences are the inventory points (one per DEM cell); absences are cells
    drawn at random (seeded) inside the study area, farther than
    ``absence_buffer_m`` from every recorded landslide.  Skill is measured by
    spatial block cross-validation (blocks of ``block_size_m``, folds via
    :class:`~sklearn.model_selection.GroupKFold`) and, for comparison, by
    random stratified K-fold.  The final model is fitted on all samples and
    applied to the DEM grid in row windows.

    Parameters
    ----------
    layers
        A :class:`geoplan.io.Layers`; needs ``dem`` and ``landslide_inventory``.
    scenario
        The scenario; uses ``scenario.susceptibility`` and ``scenario.crs``.
    factors
        Override of ``scenario.susceptibility.factors``.

    Returns
    -------
    SusceptibilityResult or None
        ``None`` when the model is disabled or the DEM or inventory is missing.

    Raises
    ------
    ModelError
        When there are too few landslides inside the DEM or a setting is invalid.
    """
    cfg = scenario.susceptibility
    dem: RasterLike | None = getattr(layers, "dem", None)
    inventory: gpd.GeoDataFrame | None = getattr(layers, "landslide_inventory", None)
    if not model_runs(layers, scenario) or dem is None or inventory is None:
        return None
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    target_crs = getattr(scenario, "crs", None) or inventory.crs
    area = getattr(layers, "province", None)
    if area is None or len(area) == 0:
        area = layers.communes
    stack = _factor_stack_loading_estimators(
        dem, layers, area=area, factors=factors if factors is not None else cfg.factors,
        relief_radius_m=cfg.relief_radius_m,
    )  # fmt: skip
    clock.lap("factors")
    from geoplan.hazard.estimator import cv_splits, describe_estimator, fit_final, make_estimator
    from geoplan.hazard.predict import predict_grid
    from geoplan.hazard.validation import start_validation

    rng = np.random.default_rng(cfg.random_state)
    sample = _draw_sample(inventory, stack, cfg=cfg, target_crs=target_crs, rng=rng)
    x, y = sample.x, sample.y
    clock.lap("sampling")

    # The forests are fitted one at a time on one thread: the sample is small, and scikit-learn's
    # joblib wrapper resets the process-wide warning filters in each task, which is not
    # thread-safe. The grid is predicted on two threads (predict_grid); OpenMP estimators get
    # the threads n_jobs allows. No result depends on a thread count.
    threads = cfg.n_jobs if cfg.n_jobs is not None and cfg.n_jobs > 0 else None
    estimator = make_estimator(
        cfg.model, params=dict(cfg.params), random_state=cfg.random_state, n_jobs=1
    )
    splits = cv_splits(x, y, sample.groups, folds=cfg.folds, seed=cfg.random_state)
    model = fit_final(estimator, x, y, threads)
    clock.lap("fit")
    # The permutation importances and the cross-validation (for the model card only) run in
    # a forked child while this process predicts and maps: see geoplan.hazard.validation.
    with start_validation(
        estimator, model, (x, y), splits, threads=threads, random_state=cfg.random_state
    ) as validating:
        clock.lap("cross_validation_start" if validating.forked else "cross_validation")
        probability = predict_grid(stack, model, sample.medians, cfg.window_rows)
        clock.lap("prediction")
        mapped = _map_levels(
            layers, stack, probability=probability, rng=rng, cfg=cfg, target_crs=target_crs,
            clock=clock,
        )  # fmt: skip
        stack.release_layers()  # before the result is pickled to the main process
        validation = validating.result()
        if validating.forked:
            clock.lap("cross_validation_wait")
    timings.update(validation.timings)
    card = _model_card(
        cfg, stack, sample, estimator=describe_estimator(model, stack.names),
        importances=validation.importances,
        validation=validation.aucs, mapped=mapped, timings=timings,
    )  # fmt: skip
    return SusceptibilityResult(
        model_card=card,
        probability=GridRaster(probability, stack.transform, stack.crs),
        levels=GridRaster(mapped.levels, stack.transform, stack.crs),
        zones=mapped.zones,
        disagreement=mapped.disagreement,
        breaks=tuple(float(b) for b in mapped.breaks),
        factor_names=tuple(stack.names),
    )
