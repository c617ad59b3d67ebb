"""The data a target is computed from: one unit's rows, with its columns converted once.

A unit (the province, a district, a 2022 commune or a merged 2025 commune) is a
:class:`TargetData`: the rows of the communes, villages and districts frames that
make it up, and a weight per row.  The compute functions of
:mod:`geoplan.plan.targets` read its columns through :class:`Rows`, which take the
unit's positions out of columns converted once per frame (:class:`FrameColumns`):
numbers, yes/no flags, lower-case text.  The hundreds of units of the commune
views thus cost numpy indexing, not a pandas conversion per unit and column; the
values, and the order they are summed in, are those of the unit's own rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FrameColumns", "Rows", "TargetData", "UnitRows"]

DEFAULT_AS_OF = 2024

_FLAG_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _years(frame: pd.DataFrame | Rows, prefix: str) -> list[int]:
    """Return the years of the ``<prefix>_<YYYY>`` columns of a frame (or a unit's rows)."""
    if isinstance(frame, Rows):
        return list(frame.source.years(prefix))
    return list(_years_of(tuple(str(c) for c in frame.columns), prefix))


@lru_cache(maxsize=256)
def _years_of(columns: tuple[str, ...], prefix: str) -> tuple[int, ...]:
    pat = re.compile(rf"^{prefix}_(\d{{4}})$")
    return tuple(sorted(int(m.group(1)) for c in columns if (m := pat.match(c))))


def _is_text(s: pd.Series) -> bool:
    return bool(s.dtype == object or pd.api.types.is_string_dtype(s))


class FrameColumns:
    """One frame's columns, each converted on first use and kept for every unit.

    Parameters
    ----------
    frame
        The communes, villages or districts frame (all rows).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._memo: dict[tuple[Hashable, ...], Any] = {}

    def _get(self, key: tuple[Hashable, ...], make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def years(self, prefix: str) -> tuple[int, ...]:
        """Return the years of the frame's ``<prefix>_<YYYY>`` columns, in order."""
        result: tuple[int, ...] = self._get(
            ("years", prefix),
            lambda: _years_of(tuple(str(c) for c in self.frame.columns), prefix),
        )
        return result

    def numbers(self, col: str) -> tuple[np.ndarray, Any]:
        """Return ``col`` as floats (NaN where not a number) and its numeric dtype."""

        def make() -> tuple[np.ndarray, Any]:
            s = pd.to_numeric(self.frame[col], errors="coerce")
            return np.ascontiguousarray(s.to_numpy(dtype=float, na_value=np.nan)), s.dtype

        result: tuple[np.ndarray, Any] = self._get(("num", col), make)
        return result

    def flag(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """Return a yes/no column as (value, known): blank or unreadable values are unknown."""

        def make() -> tuple[np.ndarray, np.ndarray]:
            s = self.frame[col]
            if _is_text(s):
                s = s.astype(str).str.strip().str.lower().map(_FLAG_WORDS)
            b = s.astype("boolean")
            known = b.notna().to_numpy(dtype=bool)
            return b.fillna(False).astype(bool).to_numpy(), known

        result: tuple[np.ndarray, np.ndarray] = self._get(("flag", col), make)
        return result

    def filled(self, col: str) -> np.ndarray:
        """Return where ``col`` is filled in (not NA, and not blank text)."""

        def make() -> np.ndarray:
            s = self.frame[col]
            known = s.notna()
            if _is_text(s):
                known &= s.astype(str).str.strip() != ""
            return known.to_numpy(dtype=bool)

        result: np.ndarray = self._get(("filled", col), make)
        return result

    def text(self, col: str) -> np.ndarray:
        """Return ``col`` as text (``str`` of each value)."""
        result: np.ndarray = self._get(
            ("text", col), lambda: self.frame[col].astype(str).to_numpy(dtype=object)
        )
        return result

    def text_in(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        """Return where the lower-case text of ``col`` is one of ``values``."""
        result: np.ndarray = self._get(
            ("in", col, values),
            lambda: self.frame[col].astype(str).str.lower().isin(values).to_numpy(dtype=bool),
        )
        return result

    def text_kind(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        """Return where ``col``, stripped and lower-case, is blank, missing or in ``values``."""

        def make() -> np.ndarray:
            kind = self.frame[col].astype("string").str.strip().str.lower()
            return (kind.isna() | kind.isin(values) | (kind == "")).astype(bool).to_numpy()

        result: np.ndarray = self._get(("kind", col, values), make)
        return result


@dataclass(frozen=True)
class Rows:
    """The rows of one unit in a frame's converted columns.

    Attributes
    ----------
    source
        The frame's :class:`FrameColumns`.
    positions
        Positions of the unit's rows in the frame, in the unit's order; ``None``
        for every row.
    """

    source: FrameColumns
    positions: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.source.frame) if self.positions is None else len(self.positions)

    @property
    def columns(self) -> pd.Index:
        """The frame's columns."""
        return self.source.frame.columns

    @property
    def frame(self) -> pd.DataFrame:
        """The unit's rows of the frame (made on each call)."""
        frame = self.source.frame
        return frame if self.positions is None else frame.iloc[self.positions]

    def has(self, col: str) -> bool:
        """Return whether the frame has ``col``."""
        return col in self.source.frame.columns

    def _take(self, values: np.ndarray) -> np.ndarray:
        return values if self.positions is None else values[self.positions]

    def num(self, col: str) -> np.ndarray:
        """Return ``col`` as floats, NaN where it is not a number."""
        return self._take(self.source.numbers(col)[0])

    def num0(self, col: str) -> np.ndarray:
        """Return ``col`` as floats, 0 where it is not a number."""
        x = self.num(col)
        return np.where(np.isnan(x), 0.0, x)

    def flag(self, col: str) -> np.ndarray:
        """Return a yes/no column, unknown values as no."""
        return self._take(self.source.flag(col)[0])

    def known(self, col: str, *, flag: bool = False) -> bool:
        """Return whether the unit has rows and ``col`` is filled in on every one.

        A target is ``not_applicable`` to a unit only when the fields saying so are
        known; a blank field leaves it ``not_computable`` (missing data).
        """
        if not len(self):
            return False
        known = self.source.flag(col)[1] if flag else self.source.filled(col)
        return bool(self._take(known).all())

    def text(self, col: str) -> np.ndarray:
        """Return ``col`` as text."""
        return self._take(self.source.text(col))

    def text_in(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        """Return where the lower-case text of ``col`` is one of ``values``."""
        return self._take(self.source.text_in(col, values))

    def same_numbers(self, a: str, b: str) -> bool:
        """Return whether columns ``a`` and ``b`` hold the same numbers (NaN equal to NaN)."""
        (x, x_type), (y, y_type) = self.source.numbers(a), self.source.numbers(b)
        return x_type == y_type and np.array_equal(self._take(x), self._take(y), equal_nan=True)

    def rural(self) -> np.ndarray:
        """Return which communes are rural (``commune_type`` xã); all when the type is unknown."""
        if not self.has("commune_type"):
            return np.ones(len(self), dtype=bool)
        return self._take(self.source.text_kind("commune_type", RURAL_TYPES))


#: Unit types of the NTM programme: rural communes only; wards and towns are urban.
RURAL_TYPES = ("xa",)


@dataclass(frozen=True)
class UnitRows:
    """Where a unit's rows are in the three frames' converted columns."""

    communes: Rows
    villages: Rows
    districts: Rows


class TargetData:
    """The frames a target is computed from: one unit of aggregation.

    A unit is the province, a district, a 2022 commune or a merged 2025
    commune.  It holds the 2022 communes that make it up (and their villages
    and districts), each with a weight: 1 for a whole commune, its
    ``area_share`` for a commune split between 2025 communes.  Every compute
    function sums ``weight × value`` over communes or villages, so counts are
    split by share and shares are ratios of weighted sums.

    Parameters
    ----------
    communes, villages, districts
        Frames with the canonical fields (and indicator columns); ``None``
        when ``rows`` gives them.
    at_risk_households, placed_households
        Households of the villages that must move and of those relocated or
        funded for relocation (T11); ``None`` when no assignment ran.
    commune_weight, village_weight
        Weight of each row of ``communes`` / ``villages`` (same order);
        ``None`` means 1 for every row.
    unfunded_households
        Households the plan places at a site whose move is not funded: shown
        beside T11, never counted in it.
    rows
        The unit's rows in columns converted once for all units
        (:class:`UnitRows`); the frames are then taken from it when read.
    """

    def __init__(
        self,
        communes: pd.DataFrame | None = None,
        villages: pd.DataFrame | None = None,
        districts: pd.DataFrame | None = None,
        *,
        at_risk_households: float | None = None,
        placed_households: float | None = None,
        commune_weight: pd.Series | np.ndarray | None = None,
        village_weight: pd.Series | np.ndarray | None = None,
        unfunded_households: float | None = None,
        rows: UnitRows | None = None,
    ) -> None:
        if rows is None:
            if communes is None or villages is None or districts is None:
                msg = "TargetData needs the three frames or their rows"
                raise ValueError(msg)
            rows = UnitRows(
                Rows(FrameColumns(communes)),
                Rows(FrameColumns(villages)),
                Rows(FrameColumns(districts)),
            )
        self.rows = rows
        self.at_risk_households = at_risk_households
        self.placed_households = placed_households
        self.commune_weight = commune_weight
        self.village_weight = village_weight
        self.unfunded_households = unfunded_households

    @property
    def c(self) -> Rows:
        """The unit's commune rows."""
        return self.rows.communes

    @property
    def v(self) -> Rows:
        """The unit's village rows."""
        return self.rows.villages

    @property
    def d(self) -> Rows:
        """The unit's district rows."""
        return self.rows.districts

    @property
    def communes(self) -> pd.DataFrame:
        """The unit's communes."""
        return self.c.frame

    @property
    def villages(self) -> pd.DataFrame:
        """The unit's villages."""
        return self.v.frame

    @property
    def districts(self) -> pd.DataFrame:
        """The unit's districts."""
        return self.d.frame


def _weights(weight: pd.Series | np.ndarray | None, n: int) -> np.ndarray:
    if weight is None:
        return np.ones(n)
    if isinstance(weight, pd.Series):
        return weight.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(weight, dtype=float)


def _cw(d: TargetData) -> np.ndarray:
    """Weight of each commune row (1 unless the unit holds part of a commune)."""
    return _weights(d.commune_weight, len(d.c))


def _vw(d: TargetData) -> np.ndarray:
    """Weight of each village row (its commune's weight)."""
    return _weights(d.village_weight, len(d.v))


def _wsum(values: pd.Series | np.ndarray, weight: np.ndarray) -> float:
    """``Σ weight × value`` (booleans count 1), NaN values left out."""
    x = np.asarray(values, dtype=float)
    ok = ~np.isnan(x)
    return float((x[ok] * weight[ok]).sum())


def _share(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")


def _urban_only(d: TargetData) -> bool:
    """Return whether every commune of the unit is known to be a ward or a town."""
    c = d.c
    if not c.has("commune_type"):
        return False
    return bool(len(c)) and c.known("commune_type") and not c.rural().any()


def _as_of(d: TargetData) -> int:
    years = _years(d.c, "ntm_criteria") + _years(d.c, "poverty_rate")
    return max(years) if years else DEFAULT_AS_OF
