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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd

from geoplan.config.targets import targets_file

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
DEFAULT_AS_OF = 2024


@dataclass
class TargetData:
    """The frames a target is computed from: one unit of aggregation.

    A unit is the province, a district, a 2022 commune or a merged 2025
    commune.  It holds the 2022 communes that make it up (and their villages
    and districts), each with a weight: 1 for a whole commune, its
    ``area_share`` for a commune split between 2025 communes.  Every compute
    function sums ``weight × value`` over communes or villages, so counts are
    split by share and shares are ratios of weighted sums.

    Attributes
    ----------
    communes, villages, districts
        Frames with the canonical fields (and indicator columns).
    at_risk_households, placed_households
        Households of the villages that must move and of those relocated or
        funded for relocation (T11); ``None`` when no assignment ran.
    unfunded_households
        Households the plan places at a site whose move is not funded: shown
        beside T11, never counted in it.
    commune_weight, village_weight
        Weight of each row of ``communes`` / ``villages`` (same index);
        ``None`` means 1 for every row.
    """

    communes: pd.DataFrame
    villages: pd.DataFrame
    districts: pd.DataFrame
    at_risk_households: float | None = None
    placed_households: float | None = None
    commune_weight: pd.Series | None = None
    village_weight: pd.Series | None = None
    unfunded_households: float | None = None


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


def _years(frame: pd.DataFrame, prefix: str) -> list[int]:
    return list(_years_of(tuple(str(c) for c in frame.columns), prefix))


@lru_cache(maxsize=256)
def _years_of(columns: tuple[str, ...], prefix: str) -> tuple[int, ...]:
    pat = re.compile(rf"^{prefix}_(\d{{4}})$")
    return tuple(sorted(int(m.group(1)) for c in columns if (m := pat.match(c))))


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(frame[col], errors="coerce")


def _flag(frame: pd.DataFrame, col: str) -> pd.Series:
    """Return a yes/no column as nullable booleans (blank or unreadable values are NA)."""
    s = frame[col]
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        s = (
            s.astype(str)
            .str.strip()
            .str.lower()
            .map({"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False})
        )
    return s.astype("boolean")


def _bool(frame: pd.DataFrame, col: str) -> pd.Series:
    return _flag(frame, col).fillna(False).astype(bool)


def _known(frame: pd.DataFrame, col: str, *, flag: bool = False) -> bool:
    """Return whether ``frame`` has rows and ``col`` is filled in on every one.

    A target is ``not_applicable`` to a unit only when the fields saying so are
    known; a blank field leaves it ``not_computable`` (missing data).
    """
    if not len(frame):
        return False
    s = _flag(frame, col) if flag else frame[col]
    known = s.notna()
    if not flag and (s.dtype == object or pd.api.types.is_string_dtype(s)):
        known &= s.astype(str).str.strip() != ""
    return bool(known.all())


def _share(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")


def _cw(d: TargetData) -> pd.Series:
    """Weight of each commune row (1 unless the unit holds part of a commune)."""
    if d.commune_weight is None:
        return pd.Series(1.0, index=d.communes.index)
    return d.commune_weight.astype(float)


def _vw(d: TargetData) -> pd.Series:
    """Weight of each village row (its commune's weight)."""
    if d.village_weight is None:
        return pd.Series(1.0, index=d.villages.index)
    return d.village_weight.astype(float)


def _wsum(values: pd.Series | np.ndarray, weight: pd.Series) -> float:
    """``Σ weight × value`` (booleans count 1), NaN values left out."""
    x = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    w = weight.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(x)
    return float((x[ok] * w[ok]).sum())


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


#: Unit types of the NTM programme: rural communes only; wards and towns are urban.
RURAL_TYPES = ("xa",)
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


def _rural(c: pd.DataFrame) -> pd.Series:
    """Return which communes are rural (``commune_type`` xã); all when the type is unknown."""
    if "commune_type" not in c.columns:
        return pd.Series(True, index=c.index)
    kind = c["commune_type"].astype("string").str.strip().str.lower()
    return (kind.isna() | kind.isin(RURAL_TYPES) | (kind == "")).astype(bool)


def _urban_only(c: pd.DataFrame) -> bool:
    """Return whether every commune of the unit is known to be a ward or a town."""
    if "commune_type" not in c.columns:
        return False
    return bool(len(c)) and _known(c, "commune_type") and not _rural(c).any()


def _criteria_by_year(c: pd.DataFrame) -> dict[int, pd.Series]:
    out = {y: _num(c, f"ntm_criteria_{y}") for y in _years(c, "ntm_criteria")}
    if "ntm_criteria_met" in c.columns:
        latest = max(out) + 1 if out else DEFAULT_AS_OF
        if not out or not _num(c, "ntm_criteria_met").equals(out[max(out)]):
            out[latest] = _num(c, "ntm_criteria_met")
    return out


# ----------------------------------------------------------------------------- computations


def _ntm_count(levels: tuple[str, ...], with_years: bool) -> Callable[[TargetData], TargetValue]:
    def compute(d: TargetData) -> TargetValue:
        if _urban_only(d.communes):
            return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
        w = _cw(d) * _rural(d.communes)
        status = d.communes["ntm_status"].astype(str).str.lower()
        value = _wsum(status.isin(levels), w)
        series: dict[int, float] = {}
        if with_years and "ntm_year" in d.communes.columns:
            year = _num(d.communes, "ntm_year")
            for y in range(2021, _as_of(d) + 1):
                series[y] = _wsum((year <= y) & status.isin(levels), w)
        return TargetValue(value, series, numerator=value)

    return compute


def _t4(d: TargetData) -> TargetValue:
    c, v = d.communes, d.villages
    if _urban_only(c):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * _rural(c)
    ntm = c["ntm_status"].astype(str).str.lower().isin(NTM_MET)
    model = set(v[_bool(v, "is_ntm_model_village")]["commune_code"].astype(str))
    with_model = ntm & c["commune_code"].astype(str).isin(model)
    return _ratio(
        _wsum(with_model, w),
        _wsum(ntm, w),
        empty="no commune meets the NTM standard: the target does not apply",
        applies=not _known(c, "ntm_status"),
    )


def _t5(d: TargetData) -> TargetValue:
    if _urban_only(d.communes):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * _rural(d.communes)
    den = float(w.sum())
    if not den > 0:
        return TargetValue(float("nan"), note="no commune")
    met = {y: _wsum(s >= 15, w) for y, s in _criteria_by_year(d.communes).items()}
    if not met:
        return TargetValue(float("nan"), note="no criteria counts")
    series = {y: m / den for y, m in met.items()}
    return _ratio(met[max(met)], den, series=series, empty="no commune")


def _t6(d: TargetData) -> TargetValue:
    if _urban_only(d.communes):
        return TargetValue(float("nan"), note=URBAN_NOTE, applicable=False)
    w = _cw(d) * _rural(d.communes)
    by_year = _criteria_by_year(d.communes)
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
    ok = pace.notna()
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
    return _ratio(
        _wsum(_bool(d.communes, "has_cooperative"), w), float(w.sum()), empty="no commune"
    )


def _t8(d: TargetData) -> TargetValue:
    if not len(d.districts):
        return TargetValue(float("nan"), note=NO_DISTRICT_NOTE, applicable=False)
    status = d.districts["ntm_status"].astype(str).str.lower()
    value = float(status.isin(("standard", "completed")).sum())
    return TargetValue(value, numerator=value)


def _t9(d: TargetData) -> TargetValue:
    v, w = d.villages, _vw(d)
    lacking = np.maximum(
        _num(v, "em_hh_no_residential_land").fillna(0),
        _num(v, "em_hh_no_production_land").fillna(0),
    )
    em = _wsum(_num(v, "em_households").fillna(0), w)
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
    c = d.communes
    em = _wsum(_num(c, "em_households").fillna(0), _cw(d)) if "em_households" in c.columns else 0.0
    if em <= 0 and "em_households" in d.villages.columns:
        em = _wsum(_num(d.villages, "em_households").fillna(0), _vw(d))
    coop = _wsum(_num(c, "em_households_in_coop").fillna(0), _cw(d))
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
    v, w = d.villages, _vw(d)
    has = _bool(v, "has_communal_house")
    return _ratio(
        _wsum(has & _bool(v, "communal_house_repaired"), w),
        _wsum(has, w),
        empty="no village with a communal house: the target does not apply",
        applies=not _known(v, "has_communal_house", flag=True),
    )


def _water(d: TargetData) -> TargetValue:
    v, w = d.villages, _vw(d)
    hh = _num(v, "households")
    rate = (_num(v, "hygienic_water_households") / hh.where(hh > 0)).clip(0, 1)
    em = _num(v, "em_households").fillna(0)
    ok = rate.notna()
    return _ratio(
        _wsum(rate[ok] * em[ok], w[ok]),
        _wsum(em[ok], w[ok]),
        note="village water rate applied to its ethnic-minority households (proxy)",
        empty="no ethnic-minority households in villages with a household count",
    )


def _t14(d: TargetData) -> TargetValue:
    c, w = d.communes, _cw(d)
    was = _bool(c, "was_especially_difficult_2021")
    left = was & ~_bool(c, "is_especially_difficult")
    res = _ratio(
        _wsum(left, w),
        _wsum(was, w),
        empty="no commune was especially difficult in 2021: the target does not apply",
        applies=not _known(c, "was_especially_difficult_2021", flag=True),
    )
    if np.isfinite(res.value):
        res.series = {2021: 0.0, _as_of(d): res.value}
    return res


def _t15(d: TargetData) -> TargetValue:
    v, w = d.villages, _vw(d)
    return _ratio(
        _wsum(_num(v, "free_migrant_hh_stabilised").fillna(0), w),
        _wsum(_num(v, "free_migrant_households").fillna(0), w),
        empty="no free-migrant households: the target does not apply",
        applies=not _known(v, "free_migrant_households"),
    )


def _t17(d: TargetData) -> TargetValue:
    c, v, cw = d.communes, d.villages, _cw(d)
    now_c = _wsum(_bool(c, "is_especially_difficult"), cw)
    was_c = _wsum(_bool(c, "was_especially_difficult_2021"), cw)
    now_v = _wsum(_bool(v, "is_especially_difficult"), _vw(d))
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
        c, cw = d.communes, _cw(d)
        if poor_only:
            poor = d.districts[_bool(d.districts, "is_poor_district")]["district_code"].astype(str)
            keep = c["district_code"].astype(str).isin(set(poor))
            c, cw = c[keep], cw[keep]
            if not len(c):
                return TargetValue(float("nan"), note="no poor district")
        years = _years(c, "poverty_rate")
        # poor households / households, both summed (rates are never averaged unweighted)
        w = cw * _num(c, "households").fillna(0) if "households" in c.columns else cw
        if w.sum() <= 0:
            w = cw
        rate = {}
        for y in years:
            r = _num(c, f"poverty_rate_{y}")
            ok = r.notna()
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


def _as_of(d: TargetData) -> int:
    years = _years(d.communes, "ntm_criteria") + _years(d.communes, "poverty_rate")
    return max(years) if years else DEFAULT_AS_OF


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
