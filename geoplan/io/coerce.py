"""Coercion of source values to the canonical field types (see :mod:`geoplan.io.fields`).

Each converter returns the converted values and a mask of non-empty values
that could not be converted, so that every bad cell can be reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from geoplan.io.text import normalize_name

__all__ = [
    "coerce_bool",
    "coerce_code",
    "coerce_coordinate",
    "coerce_date",
    "coerce_enum",
    "coerce_number",
    "coerce_text",
]


def coerce_text(values: pd.Series) -> pd.Series:
    """Return stripped text (pandas ``str`` dtype), NaN for blanks.

    Parameters
    ----------
    values
        Source values.

    Returns
    -------
    pandas.Series
        Text Series.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        values = coerce_code(values)
    s = values.astype("str").str.strip()
    return s.mask(s == "")


def _per_unique(
    values: pd.Series, fn: Callable[[str], object], *, blank: object = None, dtype: str = "O"
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn`` once per distinct non-blank value; return (results, is_blank)."""
    codes, uniques = pd.factorize(coerce_text(values))
    mapped = np.array([fn(str(u)) for u in uniques] + [blank], dtype=dtype)
    return mapped[codes], codes < 0


def coerce_code(values: pd.Series, *, pad: int = 0) -> pd.Series:
    """Return codes as text (``23281.0`` -> ``"23281"``), NaN for blanks.

    Parameters
    ----------
    values
        Source values.
    pad
        Left-pad purely numeric codes with zeros to this width.

    Returns
    -------
    pandas.Series
        Text Series (pandas ``str`` dtype, NaN where blank).
    """
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.notna()
        whole = finite & (values == np.floor(values.fillna(0)))
        txt = values.astype(object).where(~finite, values.astype(str))
        txt = txt.where(~whole, values.where(whole, 0).astype("int64").astype(str))
        s = txt.where(finite, np.nan).astype("str")
    elif pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        s = values.astype("str")
    else:
        s = values.astype("str").str.strip()
        s = s.mask(s == "")
        s = s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    if pad:
        numeric = s.str.fullmatch(r"\d+").fillna(False).astype(bool)
        if numeric.any():
            s = s.where(~numeric, s.str.zfill(pad))
    return s


def coerce_number(values: pd.Series, *, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Convert numbers given as numbers or text (decimal comma, thousands dots).

    Parameters
    ----------
    values
        Source values.
    integer
        The field is a count: ``"1.234"`` and ``"1,234"`` are read as 1234.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        float64 values (NaN when blank or bad) and a mask of non-blank values
        that are not numbers.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64"), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype("float64")
        return out, pd.Series(False, index=values.index)
    s = coerce_text(values)
    txt = s.str.replace(r"[\s\u00a0'%]", "", regex=True)
    has_dot = txt.str.contains(".", regex=False).fillna(False).astype(bool)
    has_comma = txt.str.contains(",", regex=False).fillna(False).astype(bool)
    if has_comma.any():
        both = has_dot & has_comma
        last_comma = txt.str.rfind(",") > txt.str.rfind(".")
        # 1.234,5 -> 1234.5 ; 1,234.5 -> 1234.5
        txt = txt.where(~(both & last_comma), txt.str.replace(".", "", regex=False))
        txt = txt.where(~(both & ~last_comma), txt.str.replace(",", "", regex=False))
    if has_dot.any() or has_comma.any():
        # 1.234.567 -> thousands; 1,5 -> decimal comma
        thousands = txt.str.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}").fillna(False).astype(bool)
        if integer:
            more = txt.str.fullmatch(r"-?\d{1,3}([.,]\d{3})+").fillna(False).astype(bool)
            thousands |= more
            txt = txt.where(~thousands, txt.str.replace(",", "", regex=False))
        txt = txt.where(~thousands, txt.str.replace(".", "", regex=False))
        txt = txt.str.replace(",", ".", regex=False)
    out = pd.to_numeric(txt, errors="coerce").astype("float64")
    bad = s.notna() & out.isna()
    return out, bad


_DMS = re.compile(
    r"""^\s*(?P<h1>[NSEWBĐ])?\s*
    (?P<d>\d+(?:[.,]\d+)?)\s*[°º˚]\s*
    (?:(?P<m>\d+(?:[.,]\d+)?)\s*['′’‘]\s*)?
    (?:(?P<s>\d+(?:[.,]\d+)?)\s*(?:"|″|”|“|''|′′|’’)\s*)?
    (?P<h2>[NSEWBĐ])?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def _dms_value(text: str) -> float | None:
    m = _DMS.match(text)
    if m is None or (m["h1"] and m["h2"]):
        return None
    deg, mins, secs = (float((m[k] or "0").replace(",", ".")) for k in ("d", "m", "s"))
    if mins >= 60 or secs >= 60:
        return None
    value = deg + mins / 60 + secs / 3600
    hemi = (m["h1"] or m["h2"] or "").upper()
    return -value if hemi in ("S", "W") else value


def coerce_coordinate(values: pd.Series) -> tuple[pd.Series, pd.Series, int]:
    """Convert coordinates: numbers, decimal commas and degrees-minutes-seconds text.

    ``14°21'05"N``, ``107° 59′ 30″ E``, ``14°21,5'`` and ``14,3514`` are read;
    S and W are negative; B (Bắc) and Đ (Đông) are N and E.

    Parameters
    ----------
    values
        Source values.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series, int)
        float64 values (NaN when blank or bad), a mask of non-blank values that
        are not coordinates, and how many values were written in DMS.
    """
    num, bad = coerce_number(values)
    if not bad.any():
        return num, bad, 0
    dms = values[bad].astype(str).map(_dms_value)
    ok = dms.notna()
    num = num.copy()
    num.loc[dms.index[ok]] = dms[ok].astype("float64")
    bad = bad.copy()
    bad.loc[dms.index[ok]] = False
    return num, bad, int(ok.sum())


_TRUE = {"x", "co", "yes", "y", "true", "t", "1", "dung", "v", "ok", "dat", "10"}
_FALSE = {"khong", "no", "n", "false", "f", "0", "00", "sai", "chua", "k", ""}


def coerce_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert ``x``/``có``/``không``/yes/no/1/0 to booleans; blank is False.

    Parameters
    ----------
    values
        Source values.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        bool values and a mask of values that are not recognised.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).astype(bool), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        v = values.astype("float64")
        return (v.fillna(0) != 0), pd.Series(False, index=values.index)

    def state(text: str) -> int:
        key = normalize_name(text)  # "1.0" -> "10", "-1" -> "1", "-" -> ""
        if key in _TRUE:
            return 1
        if key in _FALSE:
            return 0
        return -1

    mapped, _ = _per_unique(values, state, blank=0, dtype="int8")
    true = mapped == 1
    bad = mapped == -1
    return pd.Series(true, index=values.index), pd.Series(bad, index=values.index)


def coerce_enum(
    values: pd.Series, vocab: dict[str, tuple[str, ...]]
) -> tuple[pd.Series, pd.Series]:
    """Map spellings onto canonical vocabulary values.

    Parameters
    ----------
    values
        Source values.
    vocab
        Canonical value -> accepted spellings.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        Canonical values (NaN when blank and ``""`` is not a spelling) and a
        mask of values that are not recognised.
    """
    table: dict[str, str] = {}
    for canon, spellings in vocab.items():
        for sp in (canon, *spellings):
            table[normalize_name(sp, compact=True)] = canon
    mapped, blank = _per_unique(values, lambda t: table.get(normalize_name(t)))
    bad = ~blank & pd.isna(mapped)
    if "" in table:
        mapped = np.where(blank, table[""], mapped)
    out = pd.Series(mapped, index=values.index, dtype=object)
    return out.where(out.notna(), np.nan).astype("str"), pd.Series(bad, index=values.index)


def coerce_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates (day first for text).

    Parameters
    ----------
    values
        Source values.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        datetime64 values and a mask of values that are not dates.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values, pd.Series(False, index=values.index)
    s = coerce_text(values)
    out = pd.to_datetime(s, errors="coerce", dayfirst=True, format="mixed")
    return out, s.notna() & out.isna()
