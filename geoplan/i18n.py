"""Labels in Vietnamese (default) and English, and locale-aware number formatting.

The labels live in one catalogue, ``labels.yaml`` in this package (:func:`catalogue`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Literal

from geoplan.config.labels import labels_file

__all__ = [
    "TRACKS",
    "Group",
    "Lang",
    "catalogue",
    "fmt_num",
    "fmt_pct",
    "has_label",
    "label",
    "strings",
    "tr",
]

Lang = Literal["vi", "en"]

TRACKS = ("resettlement", "infrastructure", "investment")

Group = Literal[
    "common",
    "report",
    "analysis",
    "review",
    "columns",
    "columns_communes",
    "columns_allocation",
    "column_tracks",
    "column_suffixes",
    "column_units",
    "column_values",
    "column_templates",
    "tables",
    "qgis",
    "reasons",
]


@cache
def catalogue() -> dict[str, dict[str, tuple[str, str]]]:
    """Return the label catalogue: group → key → (Vietnamese, English).

    Read once from ``labels.yaml`` in this package (validated by
    :mod:`geoplan.config.labels`), the one place the interface labels live.
    """
    return {
        group: {key: (label.vi, label.en) for key, label in labels.items()}
        for group, labels in labels_file().root.items()
    }


def has_label(key: str, group: Group = "common") -> bool:
    """Return whether the catalogue's ``group`` has the label ``key``."""
    return key in catalogue()[group]


def tr(key: str, lang: Lang, group: Group = "common") -> str:
    """Return the label ``key`` in ``lang`` (the key itself when unknown).

    Parameters
    ----------
    key
        The label's key in ``labels.yaml``.
    lang
        ``"vi"`` or ``"en"``.
    group
        The catalogue group looked in first; ``common`` is looked in next.
    """
    labels = catalogue()
    pair = labels[group].get(key) or labels["common"].get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


_RUNTIME_KEYS = (
    "legend",
    "layers_legend",
    "search_placeholder",
    "search_none",
    "kind_village",
    "kind_commune",
    "kind_district",
    "fullscreen",
    "yes",
    "no",
    "minutes",
)


def strings(lang: Lang) -> dict[str, str]:
    """Return the labels the map runtime (``geoplan.js``) needs, in ``lang``."""
    return {key: tr(key, lang) for key in _RUNTIME_KEYS}


def label(key: str, lang: Lang, group: Group = "common", /, **values: object) -> str:
    """Return a label of ``group`` with ``{placeholders}`` filled in (see :func:`tr`)."""
    return tr(key, lang, group).format(**values)


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_num(x: object, lang: Lang, digits: int = 0) -> str:
    """Format a number: ``1.234,5`` in Vietnamese, ``1,234.5`` in English.

    Parameters
    ----------
    x
        The value; anything that is not a finite number gives ``"–"``.
    lang
        ``"vi"`` or ``"en"``.
    digits
        Decimal places.

    Examples
    --------
    >>> fmt_num(1234.5, "vi", 1)
    '1.234,5'
    >>> fmt_num(1234.5, "en", 1)
    '1,234.5'
    """
    if not _finite(x):
        return "–"
    text = f"{float(x):,.{digits}f}"  # type: ignore[arg-type]
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(x: object, lang: Lang, digits: int = 1) -> str:
    """Format a fraction 0–1 as a percentage (``12,5 %`` in Vietnamese)."""
    if not _finite(x):
        return "–"
    return f"{fmt_num(100 * float(x), lang, digits)} %"  # type: ignore[arg-type]
