"""The resolution's quantitative targets T1-T19: registry and compute functions.

Each target is a :class:`TargetDef`: its indicator, the fields it needs, the
target value and year, and a function computing the indicator's yearly values
from the commune, village and district frames.  The registry is data
(``targets.yaml`` beside this module, validated by :mod:`geoplan.config.targets`);
the compute functions are here, registered by id in :data:`TARGET_FUNCTIONS`.
:mod:`geoplan.plan.target_progress` turns their values into status, trend,
projection and verdict per unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd

from geoplan.config.targets import targets_file
from geoplan.plan.target_data import (
    DEFAULT_AS_OF,
    TargetData,
    _as_of,
    _cw,
    _share,
    _urban_only,
    _vw,
    _wsum,
    _years,
)

__all__ = [
    "NO_DISTRICT_NOTE",
    "TARGETS",
    "TARGET_FUNCTIONS",
    "TargetData",
    "TargetDef",
    "TargetValue",
    "funded_moves",
]

NTM_MET = ("standard", "advanced", "model")


@dataclass
class TargetValue:
    """What a target's compute function returns.

    Attributes
    ----------
    value
        The indicator now (latest year).
    series
        Year -> value, for the trend (may be empty).
    slope
        Trend per year when the series cannot give it (else ``None``).
    note
        Caveat shown beside the value (proxy used, planned not achieved...).
    numerator, denominator
        For a share: the weighted sums it is the ratio of (e.g. EM households
        with hygienic water, EM households); for a count: the count and NaN;
        NaN for a yearly pace.  Summing them over units that partition the
        province gives the province's.
    applicable
        ``False`` when the target cannot apply to the unit (the value is NaN and
        ``note`` says why): reported as ``not_applicable``, not ``not_computable``.
    """

    value: float
    series: dict[int, float] = field(default_factory=dict)
    slope: float | None = None
    note: str = ""
    numerator: float = float("nan")
    denominator: float = float("nan")
    applicable: bool = True


@dataclass(frozen=True)
class TargetDef:
    """One target of the resolution.

    Attributes
    ----------
    id, label_vi, label_en, programme
        ``T1``..``T19``, labels and programme (NRD, EM, SPR).
    indicator
        How the value is computed, in words (with the unit).
    unit
        ``count``, ``share`` (0-1) or ``points_per_year``.
    target, horizon
        Target value and the year it is due.
    direction
        ``min``: the value must reach at least the target; ``max``: at most.
    kind
        ``level`` (a stock reached by the horizon) or ``rate`` (a yearly pace).
    fields
        ``layer.field`` needed; missing ones make the target not computable.
    per_district
        Whether the same target applies to each district.
    compute
        ``TargetData -> TargetValue``.
    per_commune
        Whether the same target applies to each commune (2022 and merged
        2025); ``False`` for targets that count communes or districts
        against a provincial number (T1-T3, T8) or concern poor districts
        (T19).
    """

    id: str
    label_vi: str
    label_en: str
    programme: str
    indicator: str
    unit: Literal["count", "share", "points_per_year"]
    target: float
    horizon: int
    direction: Literal["min", "max"]
    kind: Literal["level", "rate"]
    fields: tuple[str, ...]
    per_district: bool
    compute: Callable[[TargetData], TargetValue]
    per_commune: bool = True


# ----------------------------------------------------------------------------- helpers


def _criteria_by_year(d: TargetData) -> dict[int, np.ndarray]:
    c = d.c
    out = {y: c.num(f"ntm_criteria_{y}") for y in _years(c, "ntm_criteria")}
    if c.has("ntm_criteria_met"):
        latest = max(out) + 1 if out else DEFAULT_AS_OF
        if not out or not c.same_numbers("ntm_criteria_met", f"ntm_criteria_{max(out)}"):
            out[latest] = c.num("ntm_criteria_met")
    return out


def _ratio(
    num: float,
    den: float,
    *,
    series: dict[int, float] | None = None,
    note: str = "",
    empty: str,
    applies: bool = True,
) -> TargetValue:
    """Return a share's value from weighted sums.

    ``empty`` is the note when ``den`` is 0; ``applies=False`` then marks the
    target as not applicable to the unit (its denominator is known to be empty).
    """
    if not den > 0:
        return TargetValue(float("nan"), series or {}, note=empty, applicable=applies)
    return TargetValue(num / den, series or {}, note=note, numerator=num, denominator=den)


URBAN_NOTE = (
    "wards (phường) and towns (thị trấn) are outside the new rural development programme: "
    "the target counts rural communes (xã) only"
)
NO_DISTRICT_NOTE = "no districts: the two-tier structure of 2025 has none"


def funded_moves(moves: pd.DataFrame, allocation: pd.DataFrame) -> pd.Series:
    """Return which planned moves are funded (T11 counts only these).

    ``funding_status`` on the moves (``funded``/``unfunded``) wins; without it a
    move is funded when the allocation funds a resettlement for its village.

    Parameters
    ----------
    moves
        ``PlanOutcome.moves`` (``village_id``, optional ``funding_status``).
    allocation
        The allocation (``kind``, ``village_id``, ``funded``).

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``moves``.
    """
    if "funding_status" in moves.columns:
        status = moves["funding_status"].astype("string").str.strip().str.lower()
        return (status == "funded").fillna(False).astype(bool)
    if not len(allocation) or not {"kind", "village_id", "funded"} <= set(allocation.columns):
        return pd.Series(False, index=moves.index)
    paid = allocation[
        (allocation["kind"].astype(str) == "resettlement") & allocation["funded"].astype(bool)
    ]
    ids = set(paid["village_id"].astype(str))
    return moves["village_id"].astype(str).isin(ids)


# ----------------------------------------------------------------------------- computations


def _ntm_count(levels: tuple[str, ...], with_years: bool) -> Callable[[TargetData], TargetValue]:
    def compute(d: TargetData) -> TargetValue:
        if _urban_only(d):
            return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
        w = _cw(d) * d.c.rural()
        met = d.c.text_in("ntm_status", levels)
        value = _wsum(met, w)
        series: dict[int, float] = {}
        if with_years and d.c.has("ntm_year"):
            year = d.c.num("ntm_year")
            for y in range(2021, _as_of(d) + 1):
                series[y] = _wsum((year <= y) & met, w)
        return TargetValue(value, series, numerator=value)

    return compute


def _t4(d: TargetData) -> TargetValue:
    c, v = d.c, d.v
    if _urban_only(d):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * c.rural()
    ntm = c.text_in("ntm_status", NTM_MET)
    model = set(v.text("commune_code")[v.flag("is_ntm_model_village")])
    with_model = ntm & np.fromiter((code in model for code in c.text("commune_code")), bool, len(c))
    return _ratio(
        _wsum(with_model, w),
        _wsum(ntm, w),
        empty="no commune meets the NTM standard: the target does not apply",
        applies=not c.known("ntm_status"),
    )


def _t5(d: TargetData) -> TargetValue:
    if _urban_only(d):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * d.c.rural()
    den = float(w.sum())
    if not den > 0:
        return TargetValue(float("nan"), note="no commune")
    met = {y: _wsum(s >= 15, w) for y, s in _criteria_by_year(d).items()}
    if not met:
        return TargetValue(float("nan"), note="no criteria counts")
    series = {y: m / den for y, m in met.items()}
    return _ratio(met[max(met)], den, series=series, empty="no commune")


def _t6(d: TargetData) -> TargetValue:
    if _urban_only(d):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * d.c.rural()
    by_year = _criteria_by_year(d)
    years = sorted(by_year)
    den = float(w.sum())
    series: dict[int, float] = {}
    for a, b in pairwise(years):
        gained = (by_year[b] - by_year[a] >= 1) | (by_year[b] >= 19)
        series[b] = _share(_wsum(gained, w), den)
    if len(years) < 2:
        return TargetValue(float("nan"), series, note="needs criteria counts for two years or more")
    first, last = by_year[years[0]], by_year[years[-1]]
    pace = (last - first) / (years[-1] - years[0])
    ok = ~np.isnan(pace)
    mean_pace = _share(_wsum(pace, w), float(w[ok].sum()))
    return _ratio(
        _wsum((pace >= 1) | (last >= 19), w),
        den,
        series=series,
        note=f"share of communes; mean gain {mean_pace:.2f} criteria a year",
        empty="no commune",
    )


def _t7(d: TargetData) -> TargetValue:
    w = _cw(d)
    return _ratio(_wsum(d.c.flag("has_cooperative"), w), float(w.sum()), empty="no commune")


def _t8(d: TargetData) -> TargetValue:
    if not len(d.d):
        return TargetValue(float("nan"), note=NO_DISTRICT_NOTE, applicable=False)
    value = float(d.d.text_in("ntm_status", ("standard", "completed")).sum())
    return TargetValue(value, numerator=value)


def _t9(d: TargetData) -> TargetValue:
    v, w = d.v, _vw(d)
    lacking = np.maximum(v.num0("em_hh_no_residential_land"), v.num0("em_hh_no_production_land"))
    em = _wsum(v.num0("em_households"), w)
    res = _ratio(
        em - _wsum(lacking, w),
        em,
        note="households lacking either kind of land counted once (upper bound)",
        empty="no ethnic-minority households",
    )
    if em > 0:  # computed as 1 - lacking share, as documented
        res.value = 1.0 - _wsum(lacking, w) / em
    return res


def _t10(d: TargetData) -> TargetValue:
    c = d.c
    em = _wsum(c.num0("em_households"), _cw(d)) if c.has("em_households") else 0.0
    if em <= 0 and d.v.has("em_households"):
        em = _wsum(d.v.num0("em_households"), _vw(d))
    coop = _wsum(c.num0("em_households_in_coop"), _cw(d))
    return _ratio(coop, em, empty="no ethnic-minority households")


def _t11(d: TargetData) -> TargetValue:
    if d.at_risk_households is None or d.placed_households is None:
        return TargetValue(float("nan"), note="no resettlement assignment ran")
    unfunded = d.unfunded_households or 0.0
    beside = (
        f"; {unfunded:,.0f} more households planned at a site but not funded (not counted)"
        if unfunded > 0
        else ""
    )
    if d.at_risk_households <= 0:
        return TargetValue(1.0, note="no village at risk", numerator=0.0, denominator=0.0)
    return _ratio(
        d.placed_households,
        d.at_risk_households,
        note=f"households relocated or funded for relocation{beside}",
        empty="no village at risk",
    )


def _t12(d: TargetData) -> TargetValue:
    v, w = d.v, _vw(d)
    has = v.flag("has_communal_house")
    return _ratio(
        _wsum(has & v.flag("communal_house_repaired"), w),
        _wsum(has, w),
        empty="no village with a communal house: the target does not apply",
        applies=not v.known("has_communal_house", flag=True),
    )


def _water(d: TargetData) -> TargetValue:
    v, w = d.v, _vw(d)
    hh = v.num("households")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.clip(v.num("hygienic_water_households") / np.where(hh > 0, hh, np.nan), 0, 1)
    em = v.num0("em_households")
    ok = ~np.isnan(rate)
    return _ratio(
        _wsum(rate[ok] * em[ok], w[ok]),
        _wsum(em[ok], w[ok]),
        note="village water rate applied to its ethnic-minority households (proxy)",
        empty="no ethnic-minority households in villages with a household count",
    )


def _t14(d: TargetData) -> TargetValue:
    c, w = d.c, _cw(d)
    was = c.flag("was_especially_difficult_2021")
    left = was & ~c.flag("is_especially_difficult")
    res = _ratio(
        _wsum(left, w),
        _wsum(was, w),
        empty="no commune was especially difficult in 2021: the target does not apply",
        applies=not c.known("was_especially_difficult_2021", flag=True),
    )
    if np.isfinite(res.value):
        res.series = {2021: 0.0, _as_of(d): res.value}
    return res


def _t15(d: TargetData) -> TargetValue:
    v, w = d.v, _vw(d)
    return _ratio(
        _wsum(v.num0("free_migrant_hh_stabilised"), w),
        _wsum(v.num0("free_migrant_households"), w),
        empty="no free-migrant households: the target does not apply",
        applies=not v.known("free_migrant_households"),
    )


def _t17(d: TargetData) -> TargetValue:
    c, cw = d.c, _cw(d)
    now_c = _wsum(c.flag("is_especially_difficult"), cw)
    was_c = _wsum(c.flag("was_especially_difficult_2021"), cw)
    now_v = _wsum(d.v.flag("is_especially_difficult"), _vw(d))
    years = max(_as_of(d) - 2021, 1)
    return TargetValue(
        now_c + now_v,
        {},
        slope=(now_c - was_c) / years,
        note=f"{now_c:g} communes + {now_v:g} villages; trend from the communes since 2021",
        numerator=now_c + now_v,
    )


def _poverty(poor_only: bool) -> Callable[[TargetData], TargetValue]:
    def compute(d: TargetData) -> TargetValue:
        c, cw = d.c, _cw(d)
        keep = np.ones(len(c), dtype=bool)
        if poor_only:
            poor = set(d.d.text("district_code")[d.d.flag("is_poor_district")])
            codes = c.text("district_code")
            keep = np.fromiter((code in poor for code in codes), bool, len(codes))
            cw = cw[keep]
            if not len(cw):
                return TargetValue(float("nan"), note="no poor district")
        years = _years(c, "poverty_rate")
        # poor households / households, both summed (rates are never averaged unweighted)
        w = cw * c.num0("households")[keep] if c.has("households") else cw
        if w.sum() <= 0:
            w = cw
        rate = {}
        for y in years:
            r = c.num(f"poverty_rate_{y}")[keep]
            ok = ~np.isnan(r)
            rate[y] = 100.0 * _share(_wsum(r[ok], w[ok]), float(w[ok].sum()))
        series = {b: rate[a] - rate[b] for a, b in pairwise(years)}
        if len(years) < 2:
            return TargetValue(
                float("nan"), series, note="needs poverty rates for two years or more"
            )
        value = (rate[years[0]] - rate[years[-1]]) / (years[-1] - years[0])
        return TargetValue(
            value,
            series,
            note=(
                f"rate {rate[years[0]]:.1f}% in {years[0]} → {rate[years[-1]]:.1f}% in {years[-1]}"
            ),
        )

    return compute


# ----------------------------------------------------------------------------- registry

#: The compute functions of ``targets.yaml`` by id (``compute.fn``): each entry is a
#: factory taking the entry's ``compute.args`` and returning ``TargetData -> TargetValue``.
TARGET_FUNCTIONS: dict[str, Callable[..., Callable[[TargetData], TargetValue]]] = {
    "ntm_count": lambda levels, with_years: _ntm_count(tuple(levels), with_years),
    "poverty": _poverty,
    "t4": lambda: _t4,
    "t5": lambda: _t5,
    "t6": lambda: _t6,
    "t7": lambda: _t7,
    "t8": lambda: _t8,
    "t9": lambda: _t9,
    "t10": lambda: _t10,
    "t11": lambda: _t11,
    "t12": lambda: _t12,
    "water": lambda: _water,
    "t14": lambda: _t14,
    "t15": lambda: _t15,
    "t17": lambda: _t17,
}


def _target_defs() -> tuple[TargetDef, ...]:
    """Build the registry from ``targets.yaml`` with the compute functions registered above."""
    defs = []
    for entry in targets_file().targets:
        ref = entry.compute
        if ref.fn not in TARGET_FUNCTIONS:
            known = ", ".join(sorted(TARGET_FUNCTIONS))
            msg = f"targets.yaml, {entry.id}: unknown compute function {ref.fn!r}; known: {known}"
            raise KeyError(msg)
        defs.append(
            TargetDef(
                **entry.model_dump(exclude={"compute"}),
                compute=TARGET_FUNCTIONS[ref.fn](*ref.args),
            )
        )
    return tuple(defs)


TARGETS: tuple[TargetDef, ...] = _target_defs()
