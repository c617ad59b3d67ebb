"""Landslide exposure of each village, and why the hazard review map flags it.

The one owner of the exposure rules: levels, shares and households per level
(:func:`landslide_columns`), the exposure class the hazard map colours villages by
(:func:`exposure_classes`) and the review flags ``hazard_flag``/``hazard_reason``
(:func:`hazard_flags`), with the thresholds of the scenario's ``indicators`` section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.hazard import SusceptibilityResult
from geoplan.indicators.overlay import (
    class_at_points,
    class_shares,
    disjoint_classes,
    nearest_distance,
)

if TYPE_CHECKING:
    from geoplan.config.indicators import IndicatorConfig

__all__ = ["LEVELS", "exposure_classes", "hazard_flags", "landslide_columns"]

LEVELS = (1, 2, 3, 4, 5)


def landslide_columns(
    out: pd.DataFrame,
    areas: gpd.GeoSeries,
    *,
    points: np.ndarray,
    geoms: np.ndarray,
    zones: gpd.GeoDataFrame | None,
    households: pd.Series,
    config: IndicatorConfig,
) -> None:
    """Add the level at the village, the share of its area and its households per level.

    Also the distance to the nearest high zone; all NaN without a zones layer.
    """
    high = config.high_landslide_level
    if zones is None:
        out["landslide_level"] = np.nan
        for level in LEVELS:
            out[f"landslide_share_{level}"] = np.nan
        out["landslide_share_high"] = np.nan
        for level in LEVELS:
            out[f"hh_exposed_{level}"] = np.nan
        out["hh_exposed_high"] = np.nan
        out["dist_high_landslide_m"] = np.nan
        return
    zones = zones.assign(level=pd.to_numeric(zones["level"], errors="coerce"))
    zones = zones[zones["level"].isin(LEVELS)]
    level_at = class_at_points(points, zones, "level")
    out["landslide_level"] = np.nan_to_num(level_at, nan=0.0).astype(int)
    clean = disjoint_classes(zones, "level", sorted(LEVELS, reverse=True))
    shares = class_shares(areas, clean, "level", list(LEVELS))
    for level in LEVELS:
        out[f"landslide_share_{level}"] = shares[level].to_numpy()
    out["landslide_share_high"] = (
        shares[[lv for lv in LEVELS if lv >= high]].sum(axis=1, min_count=1).to_numpy()
    )
    for level in LEVELS:
        out[f"hh_exposed_{level}"] = (households * out[f"landslide_share_{level}"]).to_numpy()
    out["hh_exposed_high"] = (households * out["landslide_share_high"]).to_numpy()
    high_geoms = zones.geometry[zones["level"] >= high].to_numpy()
    out["dist_high_landslide_m"] = nearest_distance(geoms, high_geoms)


def hazard_flags(
    out: pd.DataFrame, config: IndicatorConfig, result: SusceptibilityResult | None
) -> None:
    """Add ``hazard_flag`` and ``hazard_reason``: why the hazard review map flags a village.

    A village is flagged when its point is in a high zone, when at least
    ``hazard_flag_share`` of its area is high, when a high zone is within
    ``hazard_flag_distance_m``, or when the model puts it in a high level.
    """
    high = config.high_landslide_level

    def say(mask: np.ndarray, template: str, *values: np.ndarray) -> list[str]:
        return [
            template.format(*(v[i] for v in values)) if mask[i] else "" for i in range(len(mask))
        ]

    level = out["landslide_level"].fillna(0).to_numpy(dtype=float)
    share = out["landslide_share_high"].to_numpy(dtype=float)
    dist = out["dist_high_landslide_m"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        parts = [
            say(level >= high, "inside a level-{:.0f} landslide zone", level),
            say(share >= config.hazard_flag_share, "{:.0%} of its area in levels "
                f"{high}-5", share),
            say((dist <= config.hazard_flag_distance_m) & (dist > 0),
                "{:.0f} m from a high landslide zone", dist),
        ]  # fmt: skip
    if result is not None:
        p = out["susceptibility"].to_numpy(dtype=float)
        modelled = result.level_of(p)
        parts.append(
            say(modelled >= high, "modelled susceptibility level {} (p = {:.2f})", modelled, p)
        )
    text = ["; ".join(r for r in row if r) for row in zip(*parts, strict=True)]
    out["hazard_reason"] = np.array(text, dtype=object)
    out["hazard_flag"] = out["hazard_reason"] != ""


def exposure_classes(out: pd.DataFrame, config: IndicatorConfig) -> None:
    """Add ``landslide_exposure_class``: 3 inside a high zone, 2 partly in one, 1 near one, else 0.

    Inside: the village point is in a level at or above ``high_landslide_level``; partly:
    some of its area or households are in such levels; near: a high zone within
    ``exposure_near_m``.  Unknown values count as not exposed.
    """
    level = out["landslide_level"].fillna(0).to_numpy(dtype=float)
    partly = (out["hh_exposed_high"].fillna(0).to_numpy(dtype=float) > 0) | (
        out["landslide_share_high"].fillna(0).to_numpy(dtype=float) > 0
    )
    dist = out["dist_high_landslide_m"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        near = dist <= config.exposure_near_m
    out["landslide_exposure_class"] = np.select(
        [level >= config.high_landslide_level, partly, near], [3, 2, 1], default=0
    ).astype(np.int64)
