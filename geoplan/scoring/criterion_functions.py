"""The functions behind the criteria and eligibility rules, registered by id.

``criteria.yaml`` names them (``compute: {fn: ratio, args: [num, den]}``); each
registered entry is a factory that takes the YAML ``args`` and returns a function
``(frame, context) -> Series``.  Criteria that read one indicator column as it
is need no function.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COMPUTE_FUNCTIONS",
    "DISADVANTAGED_GROUPS",
    "TEST_FUNCTIONS",
    "RowFunction",
    "RuleContext",
    "column",
]

#: Ethnic minorities with very few people (dân tộc thiểu số rất ít người), the
#: "most disadvantaged groups" of P-POOR.  In Kon Tum: Brâu and Rơ Măm.
DISADVANTAGED_GROUPS: tuple[str, ...] = (
    "Brâu",
    "Rơ Măm",
    "Ơ Đu",
    "Pu Péo",
    "Si La",
    "Cống",
    "Bố Y",
    "Cờ Lao",
    "Mảng",
    "Lô Lô",
    "Chứt",
    "Lự",
    "Pà Thẻn",
    "La Ha",
)


@dataclass(frozen=True)
class RuleContext:
    """Parameters that criteria and rules read from the scenario."""

    high_landslide_level: int = 4
    steep_slope_deg: float = 25.0
    disadvantaged_groups: tuple[str, ...] = DISADVANTAGED_GROUPS


RowFunction = Callable[[pd.DataFrame, RuleContext], pd.Series]


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a column as float (booleans as 0/1); all-NaN when it is absent."""
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    s = frame[name]
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        mapped = s.map(
            lambda v: (
                {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}.get(str(v).strip().lower(), v)
                if isinstance(v, str)
                else v
            )
        )
        return pd.to_numeric(mapped, errors="coerce").astype("float64")
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.astype("float64")
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _nfc_fold(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


def _without_args(function: RowFunction) -> Callable[[], RowFunction]:
    def factory() -> RowFunction:
        return function

    return factory


# --- criterion values ---------------------------------------------------------------------------


def _flag_any(*names: str) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        cols = [column(frame, n) for n in names]
        stacked = pd.concat(cols, axis=1)
        known = stacked.notna().any(axis=1)
        return (stacked.fillna(0) > 0).any(axis=1).astype("float64").where(known)

    return compute


def _not(name: str) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        s = column(frame, name)
        return (1.0 - (s > 0).astype("float64")).where(s.notna())

    return compute


def _ratio(num: str, den: str) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        n = column(frame, num)
        d = column(frame, den)
        out = (n / d.where(d > 0)).clip(0.0, 1.0)
        return out.where(~((d == 0) & n.notna()), 0.0)

    return compute


def _sum(*names: str) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        cols = pd.concat([column(frame, n) for n in names], axis=1)
        return cols.sum(axis=1, min_count=1)

    return compute


def _sum_share(*names: str) -> RowFunction:
    total = _sum(*names)

    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return total(frame, ctx).clip(0.0, 1.0)

    return compute


def _below(name: str, threshold: float) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        s = column(frame, name)
        return (s < threshold).astype("float64").where(s.notna())

    return compute


def _gap(name: str, total: float) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return (total - column(frame, name)).clip(lower=0.0)

    return compute


def _equals(name: str, value: str) -> RowFunction:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        if name not in frame.columns:
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        s = frame[name]
        known = s.notna() & (s.astype(str).str.strip() != "")
        hit = s.astype(str).str.strip().str.upper() == value.upper()
        return hit.astype("float64").where(known)

    return compute


def _disadvantaged(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    if "main_ethnic_group" not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    groups = {_nfc_fold(g) for g in ctx.disadvantaged_groups}
    s = frame["main_ethnic_group"]
    known = s.notna() & (s.astype(str).str.strip() != "")
    return s.map(lambda v: 1.0 if _nfc_fold(v) in groups else 0.0).astype("float64").where(known)


def _unrepaired_communal_house(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    has = column(frame, "has_communal_house")
    repaired = column(frame, "communal_house_repaired")
    return ((has > 0) & ~(repaired > 0)).astype("float64").where(has.notna())


def _latest_poverty_rate(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    cols = sorted(c for c in frame.columns if str(c).startswith("poverty_rate_"))
    if "poverty_rate" in frame.columns:
        cols = [*cols, "poverty_rate"]
    if not cols:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    # the latest year that is known, per row
    stacked = pd.concat([column(frame, c) for c in cols], axis=1)
    return stacked.ffill(axis=1).iloc[:, -1]


#: Factories of criterion values by the id ``criteria.yaml`` gives in ``compute.fn``.
COMPUTE_FUNCTIONS: dict[str, Callable[..., RowFunction]] = {
    "flag_any": _flag_any,
    "not": _not,
    "ratio": _ratio,
    "sum_share": _sum_share,
    "below": _below,
    "gap": _gap,
    "equals": _equals,
    "disadvantaged": _without_args(_disadvantaged),
    "unrepaired_communal_house": _without_args(_unrepaired_communal_house),
    "latest_poverty_rate": _without_args(_latest_poverty_rate),
}


# --- eligibility tests --------------------------------------------------------------------------


def _gt0(*names: str) -> RowFunction:
    def test(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return pd.concat([column(frame, n).fillna(0) > 0 for n in names], axis=1).any(axis=1)

    return test


def _exposed(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    hh = column(frame, "hh_exposed_high").fillna(0) > 0
    level = column(frame, "landslide_level").fillna(0) >= ctx.high_landslide_level
    return hh | level


def _steep(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    return column(frame, "slope_mean_deg").fillna(0) >= ctx.steep_slope_deg


#: Factories of eligibility tests by the id ``criteria.yaml`` gives in ``test.fn``.
TEST_FUNCTIONS: dict[str, Callable[..., RowFunction]] = {
    "gt0": _gt0,
    "exposed": _without_args(_exposed),
    "steep": _without_args(_steep),
}
