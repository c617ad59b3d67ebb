"""Landslide exposure of each village, and why the hazard review map flags it.

The one owner of the exposure rules: levels, shares and households per level
(:func:`landslide_columns`), the exposure class the hazard map colours villages by
(:func:`exposure_classes`) and the review flags ``hazard_flag``/``hazard_reason``
(:func:`hazard_reasons`, :func:`hazard_flags`), with the thresholds of the scenario's
``indicators`` section.  The hazard map shows the same reasons, in its language, from
:func:`hazard_reasons`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.hazard.result import SusceptibilityResult
from geoplan.indicators.overlay import (
    class_at_points,
    class_shares,
    disjoint_classes,
    nearest_distance,
)

if TYPE_CHECKING:
    from geoplan.config.indicators import IndicatorConfig

__all__ = [
    "LEVELS",
    "REASON_CODES",
    "HazardReason",
    "exposure_classes",
    "hazard_flags",
    "hazard_reasons",
    "landslide_columns",
]

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


@dataclass(frozen=True)
class HazardReason:
    """One reason a village is flagged for hazard review: a code and the values it cites.

    Attributes
    ----------
    code
        One of :data:`REASON_CODES`: ``in_high`` (the village point is in a high zone),
        ``share_high`` (enough of its area is high), ``near_high`` (a high zone is
        close), ``modelled_high`` (the model puts it in a high level).
    values
        The figures the reason cites: ``level``; ``share`` and ``high`` (the lowest
        high level); ``dist_m``; ``level`` and ``p`` (the modelled probability).
    """

    code: str
    values: Mapping[str, float]

    def text(self) -> str:
        """Return the reason in English, as the ``hazard_reason`` column writes it."""
        return REASON_TEXT[self.code].format(**self.values)


# The English sentence of each reason in the ``hazard_reason`` column (the maps show the
# same reasons in the context language, through the label catalogue's ``flag_<code>``).
REASON_TEXT = {
    "in_high": "inside a level-{level} landslide zone",
    "share_high": "{share:.0%} of its area in levels {high}-5",
    "near_high": "{dist_m:.0f} m from a high landslide zone",
    "modelled_high": "modelled susceptibility level {level} (p = {p:.2f})",
}
REASON_CODES = tuple(REASON_TEXT)


def hazard_reasons(
    frame: pd.DataFrame, config: IndicatorConfig, result: SusceptibilityResult | None
) -> pd.Series:
    """Return why each village is flagged for hazard review (the one rule of the flags).

    A village is flagged when its point is in a high zone, when at least
    ``hazard_flag_share`` of its area is high, when a high zone is within
    ``hazard_flag_distance_m``, or when the model puts it in a high level.

    Parameters
    ----------
    frame
        Villages with ``landslide_level``, ``landslide_share_high``,
        ``dist_high_landslide_m`` and, when the model ran, ``susceptibility``.
    config
        The scenario's ``indicators`` section (``high_landslide_level`` and the
        ``hazard_flag_*`` thresholds).
    result
        The susceptibility model (its levels), ``None`` when it did not run.

    Returns
    -------
    pandas.Series
        A tuple of :class:`HazardReason` per village (empty when not flagged), on
        ``frame``'s index, in the order of :data:`REASON_CODES`.
    """
    high = config.high_landslide_level
    level = frame["landslide_level"].fillna(0).to_numpy(dtype=float)
    share = frame["landslide_share_high"].to_numpy(dtype=float)
    dist = frame["dist_high_landslide_m"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        checks: list[tuple[str, np.ndarray, Callable[[int], dict[str, float]]]] = [
            ("in_high", level >= high, lambda i: {"level": int(level[i])}),
            ("share_high", share >= config.hazard_flag_share,
             lambda i: {"share": float(share[i]), "high": high}),
            ("near_high", (dist <= config.hazard_flag_distance_m) & (dist > 0),
             lambda i: {"dist_m": float(dist[i])}),
        ]  # fmt: skip
    if result is not None and "susceptibility" in frame:
        p = frame["susceptibility"].to_numpy(dtype=float)
        modelled = result.level_of(p)
        checks.append(
            ("modelled_high", modelled >= high,
             lambda i: {"level": int(modelled[i]), "p": float(p[i])})
        )  # fmt: skip
    reasons = [
        tuple(HazardReason(code, values(i)) for code, mask, values in checks if mask[i])
        for i in range(len(frame))
    ]
    return pd.Series(reasons, index=frame.index, dtype=object)


def hazard_flags(
    out: pd.DataFrame, config: IndicatorConfig, result: SusceptibilityResult | None
) -> None:
    """Add ``hazard_flag`` and ``hazard_reason``: whether and why (in English, ``;``-separated).

    The reasons are those of :func:`hazard_reasons`.
    """
    text = ["; ".join(r.text() for r in row) for row in hazard_reasons(out, config, result)]
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
