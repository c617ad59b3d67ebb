"""Progress towards the targets T1-T19, for the province and per district or commune.

:func:`evaluate_targets` turns each target's values (:mod:`geoplan.plan.targets`)
into the current status, a linear trend, a projection to the target year and a
verdict (``achieved``, ``on_track``, ``behind``, ``not_computable`` naming the
missing fields or ``not_applicable`` where the target cannot apply to the unit,
e.g. T14 for a commune that was not especially difficult in 2021), for the
province and per district; :func:`targets_by_commune` and
:func:`targets_by_commune_2025` do the same per 2022 and per merged 2025 commune.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from geoplan.config.plan import TargetsConfig
from geoplan.plan.target_data import (
    DEFAULT_AS_OF,
    FrameColumns,
    Rows,
    TargetData,
    UnitRows,
    _as_of,
    _cw,
    _vw,
    _years,
)
from geoplan.plan.targets import NO_DISTRICT_NOTE, TARGETS, TargetDef

__all__ = ["evaluate_targets", "targets_by_commune", "targets_by_commune_2025"]

_C = "communes"
_V = "villages"
_D = "districts"


# ----------------------------------------------------------------------------- evaluation


def _missing(t: TargetDef, data: TargetData) -> list[str]:
    frames = {_C: data.c, _V: data.v, _D: data.d}
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
        if not len(data.d) and all(m.startswith("districts.") for m in missing):
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
        # each column is converted once for all units (FrameColumns); a unit is positions
        self._columns = UnitRows(
            Rows(FrameColumns(self.communes)),
            Rows(FrameColumns(self.villages)),
            Rows(FrameColumns(self.districts)),
        )
        self._c_at = self.communes.groupby(self.c_code.to_numpy(), sort=False).indices
        self._v_at = self.villages.groupby(self.v_code.to_numpy(), sort=False).indices
        self._c_codes = self.c_code.to_numpy(dtype=object)
        self._v_codes = self.v_code.to_numpy(dtype=object)
        self._c_districts = self.c_district.to_numpy(dtype=object)
        self._d_codes = self.d_code.to_numpy(dtype=object)

    @staticmethod
    def _positions(at: Mapping[Any, Any], codes: list[str]) -> np.ndarray:
        found = [at[k] for k in codes if k in at]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)

    def data(self, unit: _Unit) -> TargetData:
        """Return the unit's communes, villages and districts with their weights."""
        if unit.members is None:
            return TargetData(
                at_risk_households=unit.at_risk,
                placed_households=unit.placed,
                unfunded_households=unit.unfunded,
                rows=self._columns,
            )
        weights = unit.members.astype(float).to_dict()
        codes = sorted(str(k) for k in weights)
        c_at = self._positions(self._c_at, codes)
        v_at = self._positions(self._v_at, codes)
        districts = set(self._c_districts[c_at])
        d_at = np.flatnonzero(np.fromiter((d in districts for d in self._d_codes), bool))
        return TargetData(
            at_risk_households=unit.at_risk,
            placed_households=unit.placed,
            commune_weight=np.array([weights.get(k, np.nan) for k in self._c_codes[c_at]], float),
            village_weight=np.array([weights.get(k, np.nan) for k in self._v_codes[v_at]], float),
            unfunded_households=unit.unfunded,
            rows=UnitRows(
                Rows(self._columns.communes.source, c_at),
                Rows(self._columns.villages.source, v_at),
                Rows(self._columns.districts.source, d_at),
            ),
        )


def _weighted_total(mapping: Mapping[str, float] | None, members: pd.Series) -> float | None:
    if mapping is None:
        return None
    return float(sum(w * mapping.get(str(code), 0.0) for code, w in members.items()))


def _unit_rows(
    defs: list[TargetDef], data: TargetData, unit: _Unit, *, level: str
) -> list[dict[str, Any]]:
    """Evaluate the targets that apply at ``level`` for one unit (one row each)."""
    as_of = _as_of(data) if len(data.c) else DEFAULT_AS_OF
    n_communes = float(_cw(data).sum())
    rows = []
    for t in defs:
        if level in ("commune", "commune_2025") and not t.per_commune:
            continue
        n_units = {
            "T8": float(len(data.d)),
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
