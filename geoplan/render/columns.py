"""What each output column is called for people: headers, units, number formats, values.

Shared by the office files (``rankings.xlsx``, the QGIS field aliases, the review
packs): a column's header in Vietnamese or English with its unit, the number format an
office program should show it in, and the words for its coded values.  The words are
labels of ``labels.yaml`` (groups ``columns``, ``columns_<sheet>``, ``column_*``); this
module keeps what is not text: each column's display kind, its number format and divisor.
CSV headers stay the canonical names (the contract); these labels never reach them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from geoplan.i18n import TRACKS, Group, Lang, label, tr

__all__ = [
    "ColumnInfo",
    "column_info",
    "display_value",
    "other_language_column",
]

# kind -> (Excel number format, unit key, value divisor)
_KINDS: dict[str, tuple[str, str | None, float]] = {
    "text": ("@", None, 1.0),
    "code": ("@", None, 1.0),
    "bool": ("@", None, 1.0),
    "int": ("#,##0", None, 1.0),
    "hh": ("#,##0", "hh", 1.0),
    "people": ("#,##0", "people", 1.0),
    "pct": ("0.0%", "pct", 1.0),
    "km": ("#,##0.00", "km", 1000.0),
    "m": ("#,##0", "m", 1.0),
    "min": ("#,##0", "min", 1.0),
    "deg": ("0.0", "deg", 1.0),
    "score": ("0.000", None, 1.0),
    "money": ("#,##0", "money", 1.0),
    "rank": ("#,##0", None, 1.0),
    "year": ("0", None, 1.0),
    "dec": ("#,##0.00", None, 1.0),
    "lonlat": ("0.000000", None, 1.0),
}
# column -> display kind; the headers are the `columns` group of labels.yaml
_BASE_KINDS: dict[str, str] = {
    "village_id": "code",
    "village_name": "text",
    "commune_code": "code",
    "commune_name": "text",
    "commune_type": "text",
    "district_code": "code",
    "district_name": "text",
    "households": "hh",
    "population": "people",
    "area_km2": "dec",
    "before_merger": "text",
    "poor_households": "hh",
    "near_poor_households": "hh",
    "em_households": "hh",
    "main_ethnic_group": "text",
    "is_especially_difficult": "bool",
    "hygienic_water_households": "hh",
    "has_communal_house": "bool",
    "communal_house_repaired": "bool",
    "has_grid_power": "bool",
    "all_season_road": "bool",
    "em_hh_no_residential_land": "hh",
    "em_hh_no_production_land": "hh",
    "poverty_rate": "pct",
    "near_poverty_rate": "pct",
    "em_share": "pct",
    "water_gap": "pct",
    "landslide_level": "int",
    "landslide_share_high": "pct",
    "hh_exposed_high": "hh",
    "dist_high_landslide_m": "km",
    "elev_mean_m": "m",
    "elev_min_m": "m",
    "elev_max_m": "m",
    "relief_m": "m",
    "slope_mean_deg": "deg",
    "slope_max_deg": "deg",
    "in_special_use_forest": "bool",
    "in_protective_forest": "bool",
    "in_production_forest": "bool",
    "share_special_use_forest": "pct",
    "share_protective_forest": "pct",
    "share_production_forest": "pct",
    "forest_name": "text",
    "dist_special_use_forest_m": "km",
    "dist_border_m": "km",
    "in_border_belt": "bool",
    "dist_road_m": "km",
    "dist_road_national_m": "km",
    "dist_road_provincial_m": "km",
    "dist_road_district_m": "km",
    "dist_road_commune_m": "km",
    "dist_road_track_m": "km",
    "travel_min_commune_centre": "min",
    "travel_min_district_centre": "min",
    "dist_river_m": "km",
    "susceptibility": "pct",
    "hazard_reason": "text",
    "hazard_flag": "bool",
    "landslide_exposure_class": "int",
    "district_is_poor": "bool",
    "ntm_criteria_met": "int",
    "ntm_criteria": "int",
    "ntm_status": "text",
    "ntm_year": "year",
    "region": "text",
    "is_atk": "bool",
    "was_especially_difficult_2021": "bool",
    "is_border": "bool",
    "has_cooperative": "bool",
    "em_households_in_coop": "hh",
    "villages": "int",
    "villages_exposed_high": "int",
    "lon": "lonlat",
    "lat": "lonlat",
    "commune_code_2025": "code",
    "commune_code_2022": "code",
    "commune_name_2025": "text",
    "communes_2022": "text",
    "area_share": "pct",
    "funded_cost": "money",
    "commune_ntm_score": "score",
    "commune_ntm_rank": "rank",
    "commune_ntm_class": "int",
    "commune_ntm_reason_vi": "text",
    "commune_ntm_reason": "text",
    "id": "code",
    "label_vi": "text",
    "label_en": "text",
    "programme": "text",
    "indicator": "text",
    "unit": "text",
    "baseline": "dec",
    "baseline_year": "year",
    "value": "dec",
    "numerator": "dec",
    "denominator": "dec",
    "as_of": "year",
    "target": "dec",
    "horizon": "year",
    "direction": "text",
    "trend_per_year": "dec",
    "projection": "dec",
    "status": "text",
    "gap": "dec",
    "missing": "text",
    "note": "text",
}
# the same name means something else in the commune sheet or the allocation table (headers in
# the `columns_<sheet>` groups of labels.yaml)
_SHEET_KINDS: dict[str, dict[str, str]] = {
    "communes": {
        "is_especially_difficult": "bool",
        "households": "hh",
        "poor_households": "hh",
        "em_households": "hh",
    },
    "allocation": {
        "intervention_id": "code",
        "kind": "text",
        "label_vi": "text",
        "label_en": "text",
        "level": "text",
        "relocation": "bool",
        "in_place": "bool",
        "cost": "money",
        "beneficiaries": "hh",
        "score": "score",
        "benefit": "dec",
        "funded": "bool",
        "year": "year",
        "programme": "text",
        "source": "text",
        "benefit_discounted": "dec",
        "method": "text",
        "greedy_funded": "bool",
        "greedy_year": "year",
        "greedy_programme": "text",
    },
}
_SHEET_GROUPS: dict[str, Group] = {
    "communes": "columns_communes",
    "allocation": "columns_allocation",
}
# track column suffix -> display kind (the words: `column_suffixes` in labels.yaml)
_TRACK_SUFFIX_KINDS: dict[str, str] = {
    "score": "score",
    "rank": "rank",
    "class": "int",
    "eligible": "bool",
    "reason_vi": "text",
    "reason": "text",
    "what_if_vi": "text",
    "what_if": "text",
    "rank_p05": "rank",
    "rank_p50": "rank",
    "rank_p95": "rank",
    "p_top": "pct",
    "imputed": "text",
    "priority1": "int",
    "priority1_households": "hh",
    "mean_score": "score",
    "best_rank": "rank",
}
_COMMUNE_FIELDS_IN_VILLAGES = {
    "commune_ntm_criteria_met": "ntm_criteria_met",
    "commune_is_atk": "is_atk",
    "commune_region": "region",
    "commune_is_border": "is_border",
    "commune_has_cooperative": "has_cooperative",
    "commune_poverty_rate": "poverty_rate",
}
# columns whose coded values are shown as words (`column_values` in labels.yaml: `column.code`)
_CODED_COLUMNS = {
    "ntm_status": ("none", "standard", "advanced", "model"),
    "commune_type": ("xa", "phuong", "thi_tran"),
    "status": ("achieved", "on_track", "behind", "not_computable", "not_applicable"),
    "direction": ("min", "max"),
    "unit": ("count", "share", "points_per_year"),
    "kind": ("road", "water", "communal_house", "grid", "resettlement", "production"),
    "level": ("village", "commune", "district"),
    "method": ("lp_and_fix", "milp", "greedy"),
    "source": ("central", "provincial", "district", "integrated"),
}


@dataclass(frozen=True)
class ColumnInfo:
    """How one column is shown to people.

    Attributes
    ----------
    name
        Canonical column name.
    label
        Header without unit, in the chosen language.
    unit
        Unit text (``"hộ"``, ``"%"``, ``"km"``...) or ``""``.
    kind
        Display kind: ``text``, ``code``, ``bool``, ``int``, ``hh``, ``pct``, ``km``,
        ``m``, ``min``, ``deg``, ``score``, ``money``, ``rank``, ``year``, ``dec``...
    number_format
        Excel number format.
    divisor
        Stored value / shown value (1000 for metres shown in km).
    """

    name: str
    label: str
    unit: str
    kind: str
    number_format: str
    divisor: float

    @property
    def header(self) -> str:
        """Header with its unit, e.g. ``"Số hộ (hộ)"``, ``"Đến biên giới (km)"``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@cache
def _criterion_labels() -> dict[str, tuple[str, str]]:
    from geoplan.scoring import criteria_catalogue

    return {c.id: (c.label_vi, c.label_en) for c in criteria_catalogue()}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "vi" else pair[1]


def _value_word(column: str, code: str, lang: Lang) -> str:
    """Return the word for a coded value of ``column`` (the code itself when unknown)."""
    if code not in _CODED_COLUMNS.get(column, ()):
        return code
    return tr(f"{column}.{code}", lang, "column_values")


def _lookup(column: str, sheet: str | None, lang: Lang) -> tuple[str, str]:
    """Return ``(label, kind)`` for a column (the column name and ``text`` when unknown)."""
    sheet_kinds = _SHEET_KINDS.get(sheet or "", {})
    if column in sheet_kinds:
        return tr(column, lang, _SHEET_GROUPS[sheet or ""]), sheet_kinds[column]
    if column in _BASE_KINDS:
        return tr(column, lang, "columns"), _BASE_KINDS[column]
    if sheet == "allocation" and column.startswith("cost_"):
        source = _value_word("source", column[len("cost_") :], lang)
        return label("cost_by_source", lang, "column_templates", source=source), "money"
    if column in _COMMUNE_FIELDS_IN_VILLAGES:
        text, kind = _lookup(_COMMUNE_FIELDS_IN_VILLAGES[column], "communes", lang)
        return label("of_commune", lang, "column_templates", label=text), kind
    if column == "commune_is_especially_difficult":
        return _lookup("is_especially_difficult", "communes", lang)
    for prefix in ("commune_", ""):
        for track in (*TRACKS, "ntm"):
            stem = f"{prefix}{track}_"
            if not column.startswith(stem):
                continue
            rest = column[len(stem) :]
            word = tr(track, lang, "column_tracks")
            if rest.startswith("contrib_"):
                crit = _criterion_labels().get(rest[len("contrib_") :])
                what = _pick(crit, lang) if crit else rest[len("contrib_") :]
                text = label("contribution", lang, "column_templates", criterion=what, track=word)
                return text, "score"
            if prefix and rest == "eligible":
                return label("eligible_villages", lang, "column_templates", track=word), "int"
            if rest in _TRACK_SUFFIX_KINDS:
                suffix = tr(rest, lang, "column_suffixes")
                text = label("track_suffix", lang, "column_templates", suffix=suffix, track=word)
                return text, _TRACK_SUFFIX_KINDS[rest]
    for i in range(1, 6):
        if column == f"hh_exposed_{i}":
            return label("hh_exposed_level", lang, "column_templates", level=i), "hh"
        if column == f"landslide_share_{i}":
            return label("landslide_share_level", lang, "column_templates", level=i), "pct"
    for stem in ("near_poverty_rate_", "poverty_rate_", "ntm_criteria_", "value_"):
        year = column[len(stem) :]
        if column.startswith(stem) and year.isdigit():
            text, kind = _lookup(stem.rstrip("_"), sheet, lang)
            return f"{text} {year}", kind
    return column, "text"


def column_info(column: str, lang: Lang, *, sheet: str | None = None) -> ColumnInfo:
    """Return how ``column`` is headed and formatted in office files.

    Parameters
    ----------
    column
        Canonical column name.
    lang
        ``"vi"`` or ``"en"``.
    sheet
        ``"villages"``, ``"communes"``, ``"communes_2025"``, ``"targets"`` or
        ``"allocation"``: the same name can mean something else per table
        (``is_especially_difficult`` of a commune is not a village's).
    """
    text, kind = _lookup(column, sheet, lang)
    if sheet == "communes_2025" and column == "commune_ntm_score":
        kind = "score"
    number_format, unit_key, divisor = _KINDS.get(kind, _KINDS["text"])
    unit = tr(unit_key, lang, "column_units") if unit_key else ""
    return ColumnInfo(column, text, unit, kind, number_format, divisor)


def other_language_column(column: str, lang: Lang) -> bool:
    """Whether ``column`` is a text duplicated in the other language (left out of office files)."""
    if lang == "vi":
        return column == "label_en" or column.endswith(("_reason", "_what_if"))
    return column == "label_vi" or column.endswith(("_reason_vi", "_what_if_vi"))


def display_value(info: ColumnInfo, value: Any, lang: Lang) -> Any:
    """Return ``value`` as an office file shows it: words for codes, ``Có``/``Không``, km.

    Missing values (``None``, NaN, ``pd.NA``) give ``None``; numbers stay numbers.
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if info.kind == "bool":
        if isinstance(value, str):
            return value
        return tr("yes" if bool(value) else "no", lang)
    if isinstance(value, str):
        coded = info.name
        if coded not in _CODED_COLUMNS and info.name.endswith("source"):
            coded = "source"
        if coded not in _CODED_COLUMNS:
            return value
        return " + ".join(_value_word(coded, part, lang) for part in value.split("+"))
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return tr("yes" if value else "no", lang)
    if info.divisor != 1.0 and isinstance(value, (int, float)):
        return value / info.divisor
    return value
