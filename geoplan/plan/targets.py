"""The resolution's quantitative targets T1-T19: registry and progress.

Each target is a :class:`TargetDef`: its indicator, the fields it needs, the
target value and year, and a function computing the indicator's yearly values
from the commune, village and district frames.  :func:`evaluate_targets`
turns those values into the current status, a linear trend, a projection to
the target year and a verdict (``achieved``, ``on_track``, ``behind``,
``not_computable`` naming the missing fields or ``not_applicable`` where the
target cannot apply to the unit, e.g. T14 for a commune that was not especially
difficult in 2021), for the province and per district.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd

from geoplan.config.plan import TargetsConfig

__all__ = [
    "TARGETS",
    "TargetData",
    "TargetDef",
    "TargetValue",
    "evaluate_targets",
    "funded_moves",
    "targets_by_commune",
    "targets_by_commune_2025",
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


def _wsum(values: pd.Series, weight: pd.Series) -> float:
    """``Σ weight × value`` (booleans count 1), NaN values left out."""
    x = values.to_numpy(dtype=float, na_value=np.nan)
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
    lacking = pd.Series(
        np.maximum(
            _num(v, "em_hh_no_residential_land").fillna(0),
            _num(v, "em_hh_no_production_land").fillna(0),
        ),
        index=v.index,
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

_C = "communes"
_V = "villages"
_D = "districts"

TARGETS: tuple[TargetDef, ...] = (
    TargetDef(
        "T1",
        "Số xã đạt chuẩn nông thôn mới",
        "Communes meeting the NTM standard",
        "NRD",
        "communes with ntm_status standard/advanced/model (count)",
        "count",
        60,
        2025,
        "min",
        "level",
        (f"{_C}.ntm_status",),
        False,
        _ntm_count(NTM_MET, True),
        per_commune=False,
    ),
    TargetDef(
        "T2",
        "Số xã đạt chuẩn NTM nâng cao",
        "Communes meeting the advanced NTM standard",
        "NRD",
        "communes with ntm_status advanced/model (count)",
        "count",
        20,
        2025,
        "min",
        "level",
        (f"{_C}.ntm_status",),
        False,
        _ntm_count(("advanced", "model"), False),
        per_commune=False,
    ),
    TargetDef(
        "T3",
        "Số xã đạt chuẩn NTM kiểu mẫu",
        "Communes meeting the model NTM standard",
        "NRD",
        "communes with ntm_status model (count)",
        "count",
        6,
        2025,
        "min",
        "level",
        (f"{_C}.ntm_status",),
        False,
        _ntm_count(("model",), False),
        per_commune=False,
    ),
    TargetDef(
        "T4",
        "Xã NTM có ít nhất 1 thôn đạt chuẩn khu dân cư NTM kiểu mẫu",
        "NTM communes with at least one model NTM village",
        "NRD",
        "share of NTM communes with a village flagged is_ntm_model_village",
        "share",
        1.0,
        2025,
        "min",
        "level",
        (f"{_C}.ntm_status", f"{_V}.is_ntm_model_village"),
        True,
        _t4,
    ),
    TargetDef(
        "T5",
        "Tỷ lệ xã đạt 15 tiêu chí trở lên",
        "Communes meeting 15 or more NTM criteria",
        "NRD",
        "share of communes with ntm_criteria >= 15 (yearly from ntm_criteria_YYYY)",
        "share",
        1.0,
        2025,
        "min",
        "level",
        (f"{_C}.ntm_criteria_met|ntm_criteria_YYYY",),
        True,
        _t5,
    ),
    TargetDef(
        "T6",
        "Mỗi xã đạt thêm 1-2 tiêu chí/năm",
        "Every commune gains 1-2 criteria a year",
        "NRD",
        "share of communes gaining >= 1 criterion a year on average (or at 19)",
        "share",
        1.0,
        2025,
        "min",
        "rate",
        (f"{_C}.ntm_criteria_YYYY",),
        True,
        _t6,
    ),
    TargetDef(
        "T7",
        "Tỷ lệ xã có hợp tác xã",
        "Communes with a cooperative",
        "NRD",
        "share of communes with has_cooperative",
        "share",
        1.0,
        2025,
        "min",
        "level",
        (f"{_C}.has_cooperative",),
        True,
        _t7,
    ),
    TargetDef(
        "T8",
        "Huyện, thành phố đạt chuẩn/hoàn thành NTM",
        "Districts meeting / completing NTM",
        "NRD",
        "districts with ntm_status standard/completed (count)",
        "count",
        5,
        2025,
        "min",
        "level",
        (f"{_D}.ntm_status",),
        False,
        _t8,
        per_commune=False,
    ),
    TargetDef(
        "T9",
        "Hộ DTTS có đất ở và đất sản xuất",
        "EM households with residential and production land",
        "EM",
        "1 - sum(max(em_hh_no_residential_land, em_hh_no_production_land)) / sum(em_households)",
        "share",
        1.0,
        2025,
        "min",
        "level",
        (
            f"{_V}.em_hh_no_residential_land",
            f"{_V}.em_hh_no_production_land",
            f"{_V}.em_households",
        ),
        True,
        _t9,
    ),
    TargetDef(
        "T10",
        "Hộ DTTS tham gia hợp tác xã",
        "EM households in cooperatives",
        "EM",
        "sum(em_households_in_coop) / sum(em_households)",
        "share",
        0.2,
        2025,
        "min",
        "level",
        (f"{_C}.em_households_in_coop", f"{_C}.em_households|{_V}.em_households"),
        True,
        _t10,
    ),
    TargetDef(
        "T11",
        "Bố trí, ổn định dân cư vùng ĐBKK, thiên tai sạt lở",
        "Population of difficult and landslide areas rearranged",
        "EM",
        "households at risk relocated or funded for relocation / households at risk "
        "(planned but unfunded moves in the note, not counted)",
        "share",
        0.95,
        2025,
        "min",
        "level",
        ("plan.assignment",),
        True,
        _t11,
    ),
    TargetDef(
        "T12",
        "Thôn có nhà rông được sửa chữa định kỳ",
        "Villages' communal houses repaired",
        "EM",
        "villages with communal_house_repaired / villages with has_communal_house",
        "share",
        1.0,
        2025,
        "min",
        "level",
        (f"{_V}.has_communal_house", f"{_V}.communal_house_repaired"),
        True,
        _t12,
    ),
    TargetDef(
        "T13",
        "Hộ DTTS dùng nước sinh hoạt hợp vệ sinh (2025)",
        "EM households with hygienic water (2025)",
        "EM",
        "sum(hygienic_water_households / households * em_households) / sum(em_households)",
        "share",
        0.9,
        2025,
        "min",
        "level",
        (f"{_V}.hygienic_water_households", f"{_V}.households", f"{_V}.em_households"),
        True,
        _water,
    ),
    TargetDef(
        "T14",
        "Xã ĐBKK thoát khỏi diện ĐBKK",
        "Especially difficult communes leaving that status",
        "EM",
        "communes was_especially_difficult_2021 and not is_especially_difficult / was_..._2021",
        "share",
        0.5,
        2025,
        "min",
        "level",
        (f"{_C}.was_especially_difficult_2021", f"{_C}.is_especially_difficult"),
        True,
        _t14,
    ),
    TargetDef(
        "T15",
        "Ổn định đời sống hộ di cư tự do",
        "Free-migrant households stabilised",
        "EM",
        "sum(free_migrant_hh_stabilised) / sum(free_migrant_households)",
        "share",
        1.0,
        2030,
        "min",
        "level",
        (f"{_V}.free_migrant_households", f"{_V}.free_migrant_hh_stabilised"),
        True,
        _t15,
    ),
    TargetDef(
        "T16",
        "Hộ DTTS dùng nước sinh hoạt hợp vệ sinh (2030)",
        "EM households with hygienic water (2030)",
        "EM",
        "as T13",
        "share",
        1.0,
        2030,
        "min",
        "level",
        (f"{_V}.hygienic_water_households", f"{_V}.households", f"{_V}.em_households"),
        True,
        _water,
    ),
    TargetDef(
        "T17",
        "Không còn xã, thôn ĐBKK",
        "No especially difficult communes or villages",
        "EM",
        "communes + villages with is_especially_difficult (count)",
        "count",
        0,
        2030,
        "max",
        "level",
        (
            f"{_C}.is_especially_difficult",
            f"{_C}.was_especially_difficult_2021",
            f"{_V}.is_especially_difficult",
        ),
        True,
        _t17,
    ),
    TargetDef(
        "T18",
        "Giảm tỷ lệ hộ nghèo đa chiều 3-4%/năm",
        "Poverty rate falls 3-4 points a year",
        "SPR",
        "mean yearly fall of the household-weighted poverty_rate_YYYY (points)",
        "points_per_year",
        3.0,
        2025,
        "min",
        "rate",
        (f"{_C}.poverty_rate_YYYY",),
        True,
        _poverty(False),
    ),
    TargetDef(
        "T19",
        "Huyện nghèo giảm tỷ lệ hộ nghèo 6-8%/năm",
        "Poor districts: poverty falls 6-8 points a year",
        "SPR",
        "as T18, communes of districts with is_poor_district",
        "points_per_year",
        6.0,
        2025,
        "min",
        "rate",
        (f"{_C}.poverty_rate_YYYY", f"{_D}.is_poor_district"),
        True,
        _poverty(True),
        per_commune=False,
    ),
)


# ----------------------------------------------------------------------------- evaluation


def _missing(t: TargetDef, data: TargetData) -> list[str]:
    frames = {_C: data.communes, _V: data.villages, _D: data.districts}
    missing: list[str] = []
    for need in t.fields:
        if need == "plan.assignment":
            if data.at_risk_households is None:
                missing.append("plan.assignment (resettlement sites)")
            continue
        alternatives = need.split("|")
        ok = False
        layer = need.split(".")[0]
        for alt in alternatives:
            lay, _, col = alt.rpartition(".")
            lay = lay or layer
            frame = frames[lay]
            if col.endswith("_YYYY"):
                ok = ok or len(_years(frame, col[: -len("_YYYY")])) > 0
            else:
                ok = ok or col in frame.columns
        if not ok:
            missing.append(need)
    return missing


def _verdict(t: TargetDef, value: float, projection: float, as_of: int) -> str:
    def meets(x: float) -> bool:
        return bool(x >= t.target - 1e-9) if t.direction == "min" else bool(x <= t.target + 1e-9)

    if meets(value):
        return "achieved"
    if t.kind == "rate" or t.horizon < as_of:
        return "behind"
    return "on_track" if np.isfinite(projection) and meets(projection) else "behind"


def _evaluate_one(t: TargetDef, data: TargetData, as_of: int, n_units: float) -> dict[str, Any]:
    missing = _missing(t, data)
    row: dict[str, Any] = {
        "value": np.nan,
        "numerator": np.nan,
        "denominator": np.nan,
        "baseline": np.nan,
        "baseline_year": pd.NA,
        "trend_per_year": np.nan,
        "projection": np.nan,
        "status": "not_computable",
        "missing": ", ".join(missing),
        "note": "",
        "series": {},
    }
    if missing:
        if not len(data.districts) and all(m.startswith(f"{_D}.") for m in missing):
            row["status"] = "not_applicable"
            row["note"] = NO_DISTRICT_NOTE
        return row
    res = t.compute(data)
    if not np.isfinite(res.value):
        row["note"] = res.note or "no data to compute from"
        if not res.applicable:
            row["status"] = "not_applicable"
        return row
    series = {y: v for y, v in sorted(res.series.items()) if np.isfinite(v)}
    slope = res.slope
    if slope is None and len(series) >= 2:
        ys = np.asarray(list(series), float)
        slope = float(np.polyfit(ys, np.asarray(list(series.values())), 1)[0])
    last_year = max(series) if series else as_of
    last = res.value
    if t.kind == "rate" or slope is None:
        projection = res.value
    else:
        projection = last + slope * max(t.horizon - last_year, 0)
    upper = 1.0 if t.unit == "share" else (n_units if t.unit == "count" else np.inf)
    if t.unit != "points_per_year":
        projection = float(np.clip(projection, 0.0, upper))
    row.update(
        value=float(res.value),
        numerator=float(res.numerator),
        denominator=float(res.denominator),
        baseline=float(series[min(series)]) if series else np.nan,
        baseline_year=min(series) if series else pd.NA,
        trend_per_year=np.nan if slope is None else float(slope),
        projection=float(projection),
        status=_verdict(t, res.value, projection, as_of),
        note=res.note,
        series=series,
    )
    return row


def _resolve(config: TargetsConfig | None) -> list[TargetDef]:
    out: list[TargetDef] = []
    for base in TARGETS:
        o = config.overrides.get(base.id) if config is not None else None
        if o is None:
            out.append(base)
        elif o.enabled:
            target = base.target if o.target is None else o.target
            horizon = base.horizon if o.horizon is None else o.horizon
            out.append(replace(base, target=target, horizon=horizon))
    return out


# ----------------------------------------------------------------------------- units


@dataclass
class _Unit:
    """One unit of aggregation: its key columns and member 2022 communes with weights."""

    keys: dict[str, Any]
    members: pd.Series | None  # 2022 commune_code -> weight; None = the whole province
    at_risk: float | None = None
    placed: float | None = None
    unfunded: float | None = None


class _Frames:
    """The three input frames with their codes as text, selected by unit."""

    def __init__(
        self, communes: pd.DataFrame, villages: pd.DataFrame, districts: pd.DataFrame
    ) -> None:
        self.communes = pd.DataFrame(communes).drop(columns="geometry", errors="ignore")
        self.villages = pd.DataFrame(villages).drop(columns="geometry", errors="ignore")
        self.districts = pd.DataFrame(districts).drop(columns="geometry", errors="ignore")
        self.c_code = self.communes["commune_code"].astype(str)
        self.v_code = (
            self.villages["commune_code"].astype(str)
            if "commune_code" in self.villages.columns
            else pd.Series("", index=self.villages.index, dtype=str)
        )
        self.c_district = (
            self.communes["district_code"].astype(str)
            if "district_code" in self.communes.columns
            else pd.Series("", index=self.communes.index, dtype=str)
        )
        self.d_code = (
            self.districts["district_code"].astype(str)
            if "district_code" in self.districts.columns
            else pd.Series("", index=self.districts.index, dtype=str)
        )
        # one pass over the (wide) frames: each commune's rows, picked up by units
        self._c_parts = dict(iter(self.communes.groupby(self.c_code, sort=False)))
        self._v_parts = dict(iter(self.villages.groupby(self.v_code, sort=False)))

    def _rows(self, parts: dict[Any, pd.DataFrame], codes: list[str], like: pd.DataFrame) -> Any:
        found = [parts[k] for k in codes if k in parts]
        if not found:
            return like.iloc[0:0]
        return found[0] if len(found) == 1 else pd.concat(found)

    def data(self, unit: _Unit) -> TargetData:
        """Return the unit's communes, villages and districts with their weights."""
        if unit.members is None:
            return TargetData(
                self.communes,
                self.villages,
                self.districts,
                unit.at_risk,
                unit.placed,
                unfunded_households=unit.unfunded,
            )
        weights = unit.members.astype(float)
        codes = sorted(str(k) for k in weights.index)
        communes = self._rows(self._c_parts, codes, self.communes)
        villages = self._rows(self._v_parts, codes, self.villages)
        d_in = self.d_code.isin(set(self.c_district[communes.index]))
        return TargetData(
            communes,
            villages,
            self.districts[d_in],
            unit.at_risk,
            unit.placed,
            commune_weight=self.c_code[communes.index].map(weights),
            village_weight=self.v_code[villages.index].map(weights),
            unfunded_households=unit.unfunded,
        )


def _weighted_total(mapping: Mapping[str, float] | None, members: pd.Series) -> float | None:
    if mapping is None:
        return None
    return float(sum(w * mapping.get(str(code), 0.0) for code, w in members.items()))


def _unit_rows(
    defs: list[TargetDef], data: TargetData, unit: _Unit, *, level: str
) -> list[dict[str, Any]]:
    """Evaluate the targets that apply at ``level`` for one unit (one row each)."""
    as_of = _as_of(data) if len(data.communes) else DEFAULT_AS_OF
    n_communes = float(_cw(data).sum())
    rows = []
    for t in defs:
        if level in ("commune", "commune_2025") and not t.per_commune:
            continue
        n_units = {
            "T8": float(len(data.districts)),
            "T17": n_communes + float(_vw(data).sum()),
        }.get(t.id, n_communes)
        r = _evaluate_one(t, data, as_of, n_units)
        has_target = level != "district" or t.per_district
        target = t.target if has_target else np.nan
        no_value = r["status"] in ("not_computable", "not_applicable")
        status = r["status"] if has_target or no_value else "no_target"
        gap = (target - r["value"]) if t.direction == "min" else (r["value"] - target)
        series = r.pop("series")
        rows.append(
            {
                "id": t.id,
                **unit.keys,
                "label_vi": t.label_vi,
                "label_en": t.label_en,
                "programme": t.programme,
                "indicator": t.indicator,
                "unit": t.unit,
                "baseline": r["baseline"],
                "baseline_year": r["baseline_year"],
                "value": r["value"],
                "numerator": r["numerator"],
                "denominator": r["denominator"],
                "as_of": as_of,
                "target": target,
                "horizon": t.horizon,
                "direction": t.direction,
                "trend_per_year": r["trend_per_year"],
                "projection": r["projection"],
                "status": status,
                "gap": gap,
                "missing": r["missing"],
                "note": r["note"],
                **{f"value_{y}": v for y, v in series.items()},
            }
        )
    return rows


def _evaluate_units(
    frames: _Frames, units: list[_Unit], *, level: str, config: TargetsConfig | None
) -> pd.DataFrame:
    defs = _resolve(config)
    rows = [r for unit in units for r in _unit_rows(defs, frames.data(unit), unit, level=level)]
    return _order_columns(pd.DataFrame(rows))


def evaluate_targets(
    communes: pd.DataFrame,
    villages: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    config: TargetsConfig | None = None,
    at_risk_households: Mapping[str, float] | None = None,
    placed_households: Mapping[str, float] | None = None,
    unfunded_households: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every target for the province and for each district.

    Parameters
    ----------
    communes, villages, districts
        Frames with the canonical fields; communes carry ``district_code``
        and villages ``commune_code``.
    config
        The scenario's ``plan.targets`` section (overrides, disabled targets).
    at_risk_households, placed_households
        District code -> households of at-risk villages and of those placed
        by the resettlement plan (T11); ``None`` when no assignment ran.

    Returns
    -------
    province : pandas.DataFrame
        One row per target: ``id``, labels, ``programme``, ``indicator``,
        ``unit``, ``baseline``, ``baseline_year``, ``value``, ``numerator``,
        ``denominator``, ``as_of``, ``target``, ``horizon``, ``direction``,
        ``trend_per_year``, ``projection``, ``status``, ``gap`` (target -
        value, signed so that > 0 means short), ``missing``, ``note`` and
        ``value_<year>`` columns.
    by_district : pandas.DataFrame
        The same per ``district_code`` (``target`` is NaN and ``status``
        ``no_target`` where the target is provincial only, e.g. T1).
    """
    frames = _Frames(communes, villages, districts)

    def total(mapping: Mapping[str, float] | None, keys: list[str]) -> float | None:
        if mapping is None or placed_households is None or at_risk_households is None:
            return None
        return float(sum(mapping.get(k, 0.0) for k in keys))

    everything = list(at_risk_households) if at_risk_households is not None else []
    province = _evaluate_units(
        frames,
        [
            _Unit(
                {},
                None,
                total(at_risk_households, everything),
                total(placed_households, everything),
                total(unfunded_households, everything),
            )
        ],
        level="province",
        config=config,
    )
    units = []
    for code in sorted(set(frames.c_district)) if "district_code" in frames.communes else []:
        members = pd.Series(1.0, index=sorted(set(frames.c_code[frames.c_district == code])))
        units.append(
            _Unit(
                {"district_code": code},
                members,
                total(at_risk_households, [code]),
                total(placed_households, [code]),
                total(unfunded_households, [code]),
            )
        )
    by_district = _evaluate_units(frames, units, level="district", config=config)
    return province, by_district


def targets_by_commune(
    communes: pd.DataFrame,
    villages: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    config: TargetsConfig | None = None,
    at_risk_households: Mapping[str, float] | None = None,
    placed_households: Mapping[str, float] | None = None,
    unfunded_households: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Evaluate the commune-level targets for each 2022 commune.

    The same registry and computation as :func:`evaluate_targets`, with the
    commune as the unit.  Targets that count communes or districts against a
    provincial number (T1-T3, T8) or concern poor districts (T19) are left
    out (``TargetDef.per_commune``).  A commune-level share such as T5 or T7
    is 0 or 1 for one commune.

    Parameters
    ----------
    communes, villages, districts
        As for :func:`evaluate_targets`.
    config
        The scenario's ``plan.targets`` section.
    at_risk_households, placed_households
        2022 commune code -> households of at-risk villages and of those
        placed by the resettlement plan (T11); ``None`` when no assignment
        ran.

    Returns
    -------
    pandas.DataFrame
        One row per commune × target, communes sorted by code: ``id``,
        ``commune_code``, ``commune_name``, ``district_code``,
        ``district_name``, then the columns of :func:`evaluate_targets`.
    """
    frames = _Frames(communes, villages, districts)
    c = frames.communes
    names = c["commune_name"].astype(str) if "commune_name" in c else pd.Series("", index=c.index)
    dnames = (
        c["district_name"].astype(str) if "district_name" in c else pd.Series("", index=c.index)
    )
    units = []
    for i in sorted(c.index, key=lambda j: frames.c_code[j]):
        code = frames.c_code[i]
        members = pd.Series({code: 1.0})
        units.append(
            _Unit(
                {
                    "commune_code": code,
                    "commune_name": names[i],
                    "district_code": frames.c_district[i],
                    "district_name": dnames[i],
                },
                members,
                _weighted_total(at_risk_households, members),
                _weighted_total(placed_households, members),
                _weighted_total(unfunded_households, members),
            )
        )
    return _evaluate_units(frames, units, level="commune", config=config)


def targets_by_commune_2025(
    communes: pd.DataFrame,
    villages: pd.DataFrame,
    districts: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    config: TargetsConfig | None = None,
    at_risk_households: Mapping[str, float] | None = None,
    placed_households: Mapping[str, float] | None = None,
    unfunded_households: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Evaluate the commune-level targets for each merged 2025 commune.

    Each 2025 commune is the unit made of its 2022 member communes, each
    weighted by its ``area_share`` in the crosswalk (1 for a whole commune).
    Counts (households, villages, communes) are summed with those weights;
    shares are the ratio of the summed numerators and denominators (never a
    mean of rates); a commune-level yes/no (T5, T6, T7, T14) becomes the
    weighted share of member communes, so a target of 100% means "all
    members".

    Parameters
    ----------
    communes, villages, districts
        As for :func:`evaluate_targets`.
    crosswalk
        From :func:`geoplan.plan.crosswalk.make_crosswalk`: ``commune_code``,
        ``commune_code_2025``, ``commune_name_2025``, ``area_share``.
    config
        The scenario's ``plan.targets`` section.
    at_risk_households, placed_households
        2022 commune code -> households (T11), split by ``area_share``.

    Returns
    -------
    pandas.DataFrame
        One row per 2025 commune × target, sorted by code: ``id``,
        ``commune_code_2025``, ``commune_name_2025``, ``communes_2022``
        (member codes, comma-separated), then the columns of
        :func:`evaluate_targets`.
    """
    frames = _Frames(communes, villages, districts)
    cw = pd.DataFrame(crosswalk).assign(
        commune_code=lambda f: f["commune_code"].astype(str),
        commune_code_2025=lambda f: f["commune_code_2025"].astype(str),
    )
    cw = cw[cw["commune_code"].isin(set(frames.c_code))]
    units = []
    for code, group in cw.groupby("commune_code_2025", sort=True):
        share = pd.to_numeric(group["area_share"], errors="coerce").fillna(1.0)
        members = pd.Series(share.to_numpy(), index=group["commune_code"].to_numpy())
        members = members.groupby(level=0).sum()
        units.append(
            _Unit(
                {
                    "commune_code_2025": str(code),
                    "commune_name_2025": str(group["commune_name_2025"].iloc[0]),
                    "communes_2022": ",".join(sorted(members.index)),
                },
                members,
                _weighted_total(at_risk_households, members),
                _weighted_total(placed_households, members),
                _weighted_total(unfunded_households, members),
            )
        )
    return _evaluate_units(frames, units, level="commune_2025", config=config)


def _order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    years = sorted(c for c in frame.columns if str(c).startswith("value_"))
    head = [c for c in frame.columns if not str(c).startswith("value_")]
    out = frame[head + years].copy()
    out["baseline_year"] = out["baseline_year"].astype("Int64")
    return out
