"""Susceptibility levels and zones: class breaks, levels, polygons, disagreement.

Turns the model's probability grid into levels 1-5 (:func:`classify` with
:func:`class_breaks`), polygons (:func:`vectorise`) and the polygons where the
official map and the model disagree by two levels or more (:func:`disagreement_zones`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features

from geoplan.classes import natural_break_cuts
from geoplan.errors import ModelError
from geoplan.hazard.factors import FactorStack
from geoplan.hazard.grid import to_pyproj

__all__ = [
    "LEVELS",
    "class_breaks",
    "classify",
    "disagreement_zones",
    "jenks_breaks",
    "matched_breaks",
    "official_levels",
    "vectorise",
]

LEVELS = (1, 2, 3, 4, 5)


def jenks_breaks(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Fisher-Jenks natural breaks: the ``k - 1`` cut points minimising within-class variance.

    Parameters
    ----------
    values
        1-D values (``NaN`` ignored); meant for a sample of a few thousand.
    k
        Number of classes.

    Returns
    -------
    numpy.ndarray
        Increasing cut points, length ``k - 1``; a value ``v`` is in class
        ``searchsorted(cuts, v, side="right")``.

    Raises
    ------
    ModelError
        With fewer than ``k`` distinct values.
    """
    v = np.asarray(values, dtype=np.float64)
    distinct = np.unique(v[~np.isnan(v)]).size
    if distinct < k:
        msg = f"natural breaks need at least {k} distinct values, got {distinct}"
        raise ModelError(msg)
    return natural_break_cuts(v, k)


def classify(probability: np.ndarray, breaks: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Return levels 1-5 (uint8) for probabilities, 0 where ``NaN``."""
    p = np.asarray(probability)
    levels = (np.searchsorted(np.asarray(breaks), p, side="right") + 1).astype(np.uint8)
    levels[np.isnan(p)] = 0
    return levels


def class_breaks(
    sample: np.ndarray, method: str, jenks_sample: int = 3000
) -> tuple[np.ndarray, str]:
    """Return the four cut points and the method used.

    Quantile cuts that coincide (a probability shared by over a fifth of the
    area, e.g. 0 for a random forest on stable plains) cannot make five
    classes; natural breaks over the distinct values are used instead.
    """
    if method == "quantiles":
        cuts = np.quantile(sample, [0.2, 0.4, 0.6, 0.8])
        if np.unique(cuts).size == cuts.size:
            return cuts, "quantiles"
    sub = sample[:jenks_sample] if sample.size > jenks_sample else sample
    return jenks_breaks(sub, 5), "natural_breaks"


def matched_breaks(probability: np.ndarray, official: np.ndarray) -> np.ndarray:
    """Cut points giving the model's levels the official map's class proportions.

    Comparing a quantile classification with an official one drawn on absolute
    thresholds would flag differences of scheme rather than of ranking; with
    matched proportions the disagreement shows where the two maps order the
    land differently.
    """
    counts = np.array([(official == lv).sum() for lv in LEVELS], dtype=float)
    cumulative = np.cumsum(counts)[:-1] / counts.sum()
    return np.asarray(np.quantile(probability.astype(np.float64), cumulative))


def vectorise(
    codes: np.ndarray,
    transform: Any,
    crs: Any,
    target_crs: Any,
    min_pixels: int,
    *,
    keep_outside: bool = True,
) -> gpd.GeoDataFrame:
    """Polygons of equal non-zero codes, small patches sieved into their neighbours."""
    raster = codes.astype(np.int32)
    if min_pixels > 1:
        # Small patches merge into their largest neighbour; with ``keep_outside`` the
        # outside (0) neither absorbs nor feeds them, so the study area keeps its shape.
        raster = features.sieve(
            raster, size=min_pixels, mask=(raster > 0) if keep_outside else None
        )
    values, geometry = _polygons(
        features.shapes(raster, mask=raster > 0, transform=transform, connectivity=4)
    )
    frame = gpd.GeoDataFrame({"code": values}, geometry=geometry, crs=to_pyproj(crs))
    if target_crs is not None:
        frame = frame.to_crs(target_crs)
    return frame


def _polygons(shapes: Iterable[tuple[dict[str, Any], float]]) -> tuple[np.ndarray, np.ndarray]:
    """Build the values and shapely polygons of GeoJSON-like shapes in one vectorised call.

    The shapes are consumed one at a time and their rings kept as coordinate arrays, so
    the GeoJSON of the whole grid (Python tuples, ~100 bytes a vertex) is never held.
    """
    values: list[int] = []
    rings: list[np.ndarray] = []
    ring_counts: list[int] = []
    for shape, value in shapes:
        values.append(int(value))
        coordinates = shape["coordinates"]
        ring_counts.append(len(coordinates))
        rings.extend(np.asarray(ring, dtype=np.float64).reshape(-1, 2) for ring in coordinates)
    codes = np.array(values, dtype=np.int32)
    if not rings:
        return codes, np.array([], dtype=object)
    ring_sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    offsets = (
        np.concatenate([[0], np.cumsum(ring_sizes)]),
        np.concatenate([[0], np.cumsum(ring_counts)]),
    )
    coords = np.concatenate(rings)
    del rings
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets)
    return codes, np.asarray(polygons)


def _empty_disagreement(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"official_level": pd.Series(dtype=int), "model_level": pd.Series(dtype=int)},
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


def official_levels(
    zones: gpd.GeoDataFrame, transform: Any, crs: Any, shape: tuple[int, int]
) -> np.ndarray:
    """Rasterise the official zones' levels on a grid (0 outside; higher levels drawn last)."""
    zones = zones.assign(level=pd.to_numeric(zones["level"], errors="coerce"))
    zones = zones[zones["level"].isin(LEVELS)].sort_values("level", kind="stable")
    zones = zones.to_crs(to_pyproj(crs))
    shapes = [(g, int(v)) for g, v in zip(zones.geometry, zones["level"], strict=True)
              if g is not None and not g.is_empty]  # fmt: skip
    if not shapes:
        return np.zeros(shape, dtype=np.uint8)
    return np.asarray(
        features.rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="uint8")
    )


def disagreement_zones(
    official: gpd.GeoDataFrame | None,
    stack: FactorStack,
    probability: np.ndarray,
    levels: np.ndarray,
    *,
    classes: str,
    target_crs: Any,
    min_pixels: int,
    cell_areas: np.ndarray,
) -> tuple[gpd.GeoDataFrame, float | None, np.ndarray | None]:
    """Polygons where official and model levels differ by two or more, area, matched cuts."""
    empty = _empty_disagreement(to_pyproj(target_crs))
    if official is None or len(official) == 0:
        return empty, None, None
    off = official_levels(official, stack.transform, stack.crs, stack.shape)
    both = (off > 0) & (levels > 0)
    compare = levels
    matched = None
    if classes == "matched" and both.any():
        matched = matched_breaks(probability[both], off[both])
        compare = classify(probability, matched)
    differ = both & (np.abs(off.astype(np.int16) - compare.astype(np.int16)) >= 2)
    area_km2 = round(float((differ * cell_areas[:, None]).sum() / 1e6), 3)
    if not differ.any():
        return empty, area_km2, matched
    codes = np.where(differ, off.astype(np.int32) * 10 + compare, 0)
    frame = vectorise(codes, stack.transform, stack.crs, target_crs, min_pixels, keep_outside=False)
    result = gpd.GeoDataFrame(
        {"official_level": frame["code"] // 10, "model_level": frame["code"] % 10},
        geometry=frame.geometry, crs=frame.crs,
    )  # fmt: skip
    return result, area_km2, matched
