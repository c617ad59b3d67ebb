"""The criteria catalogue and the eligibility rules.

A :class:`Criterion` says what a criterion measures (labels in Vietnamese and
English, unit), which way it pushes priority (``direction``), which
indicator columns it reads (``columns``, computed by ``compute`` when it is
more than a plain column) and which sentences of the resolution it implements
(``cites``: ids of ``RESOLUTION.md``).  Scenarios pick criteria by id and give
them weights; they never write formulas.

An :class:`EligibilityRule` decides whether a village (or commune) is ranked
at all in a track; a village that fails gets a reason naming the rule.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

__all__ = [
    "DISADVANTAGED_GROUPS",
    "Criterion",
    "EligibilityRule",
    "RuleContext",
    "column",
    "criteria_catalogue",
    "eligibility_rules",
    "get_criterion",
    "get_rule",
]

Direction = Literal["benefit", "cost"]
Kind = Literal["count", "share", "flag", "number"]
Level = Literal["village", "commune"]

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


@dataclass(frozen=True)
class Criterion:
    """One entry of the criteria catalogue.

    Attributes
    ----------
    id
        Stable identifier used in scenarios and in ``<track>_contrib_<id>`` columns.
    label_vi, label_en
        Short labels (Vietnamese with diacritics, NFC; English).
    unit
        Unit of the raw value (``"households"``, ``"share"``, ``"0/1"``, ``"min"``...).
    direction
        ``"benefit"``: more of it means more priority; ``"cost"``: less priority.
    indicator
        What it reads, as a short expression over indicator columns.
    columns
        The indicator columns it reads.
    cites
        Resolution ids (P-..., T...) it implements.
    kind
        How values are written in reasons: count, share (0-1), flag (0/1), number.
    reason_en, reason_vi
        Phrase templates for reasons; ``{v}`` is the formatted value and
        ``{forest}`` the forest name (for forest criteria).
    level
        ``"village"`` or ``"commune"`` (commune ranking).
    compute
        Function ``(frame, context) -> Series``; ``None`` reads ``columns[0]``.
    """

    id: str
    label_vi: str
    label_en: str
    unit: str
    direction: Direction
    indicator: str
    columns: tuple[str, ...]
    cites: tuple[str, ...]
    kind: Kind = "number"
    reason_en: str = ""
    reason_vi: str = ""
    level: Level = "village"
    compute: Callable[[pd.DataFrame, RuleContext], pd.Series] | None = field(
        default=None, compare=False, repr=False
    )

    def values(self, frame: pd.DataFrame, context: RuleContext | None = None) -> pd.Series:
        """Return the raw criterion values for every row of ``frame`` (NaN when unknown)."""
        ctx = context or RuleContext()
        if self.compute is not None:
            return self.compute(frame, ctx).astype("float64")
        return column(frame, self.columns[0])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable description (for docs, reports and the CLI)."""
        return {
            "id": self.id,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "unit": self.unit,
            "direction": self.direction,
            "indicator": self.indicator,
            "columns": list(self.columns),
            "cites": list(self.cites),
            "level": self.level,
        }


# --- helpers for derived criteria -------------------------------------------------------------


def _flag_any(*names: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        cols = [column(frame, n) for n in names]
        stacked = pd.concat(cols, axis=1)
        known = stacked.notna().any(axis=1)
        return (stacked.fillna(0) > 0).any(axis=1).astype("float64").where(known)

    return compute


def _not(name: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        s = column(frame, name)
        return (1.0 - (s > 0).astype("float64")).where(s.notna())

    return compute


def _ratio(num: str, den: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        n = column(frame, num)
        d = column(frame, den)
        out = (n / d.where(d > 0)).clip(0.0, 1.0)
        return out.where(~((d == 0) & n.notna()), 0.0)

    return compute


def _sum(*names: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        cols = pd.concat([column(frame, n) for n in names], axis=1)
        return cols.sum(axis=1, min_count=1)

    return compute


def _below(name: str, threshold: float) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        s = column(frame, name)
        return (s < threshold).astype("float64").where(s.notna())

    return compute


def _gap(name: str, total: float) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def compute(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return (total - column(frame, name)).clip(lower=0.0)

    return compute


def _equals(name: str, value: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
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


_CATALOGUE: tuple[Criterion, ...] = (
    # ---- resettlement (P-RESETTLE, T11) -------------------------------------------------------
    Criterion(
        "hh_exposed_high",
        "Số hộ trong vùng sạt lở cao và rất cao",
        "Households in high and very-high landslide zones",
        "households",
        "benefit",
        "hh_exposed_high",
        ("hh_exposed_high",),
        ("P-RESETTLE", "T11"),
        "count",
        "{v} households in high or very-high landslide zones",
        "{v} hộ trong vùng nguy cơ sạt lở cao và rất cao",
    ),
    Criterion(
        "hh_exposed_very_high",
        "Số hộ trong vùng sạt lở rất cao",
        "Households in very-high landslide zones",
        "households",
        "benefit",
        "hh_exposed_5",
        ("hh_exposed_5",),
        ("P-RESETTLE", "T11"),
        "count",
        "{v} households in a very-high landslide zone",
        "{v} hộ trong vùng nguy cơ sạt lở rất cao",
    ),
    Criterion(
        "landslide_share_high",
        "Tỷ lệ diện tích thôn trong vùng sạt lở cao",
        "Share of the village area in high landslide zones",
        "share",
        "benefit",
        "landslide_share_high",
        ("landslide_share_high",),
        ("P-RESETTLE", "T11"),
        "share",
        "{v} of the village area in high or very-high landslide zones",
        "{v} diện tích thôn nằm trong vùng nguy cơ sạt lở cao và rất cao",
    ),
    Criterion(
        "landslide_level",
        "Cấp nguy cơ sạt lở tại thôn",
        "Landslide level at the village",
        "level 0-5",
        "benefit",
        "landslide_level",
        ("landslide_level",),
        ("P-RESETTLE", "T11"),
        "number",
        "landslide level {v} at the village centre",
        "cấp nguy cơ sạt lở {v} tại trung tâm thôn",
    ),
    Criterion(
        "landslide_susceptibility",
        "Xác suất sạt lở (mô hình)",
        "Modelled landslide probability",
        "probability",
        "benefit",
        "susceptibility",
        ("susceptibility",),
        ("P-RESETTLE", "T11"),
        "share",
        "a modelled landslide probability of {v}",
        "xác suất sạt lở theo mô hình là {v}",
    ),
    Criterion(
        "dist_high_landslide",
        "Khoảng cách đến vùng sạt lở cao",
        "Distance to the nearest high landslide zone",
        "m",
        "cost",
        "dist_high_landslide_m",
        ("dist_high_landslide_m",),
        ("P-RESETTLE", "T11"),
        "number",
        "{v} m from a high landslide zone",
        "cách vùng nguy cơ sạt lở cao {v} m",
    ),
    Criterion(
        "protection_forest",
        "Thôn nằm trong rừng đặc dụng hoặc phòng hộ",
        "Village inside special-use or protective forest",
        "0/1",
        "benefit",
        "in_special_use_forest or in_protective_forest",
        ("in_special_use_forest", "in_protective_forest"),
        ("P-RESETTLE",),
        "flag",
        "inside {forest}",
        "nằm trong {forest}",
        compute=_flag_any("in_special_use_forest", "in_protective_forest"),
    ),
    Criterion(
        "protection_forest_share",
        "Tỷ lệ diện tích thôn trong rừng đặc dụng, phòng hộ",
        "Share of the village area in special-use or protective forest",
        "share",
        "benefit",
        "share_special_use_forest + share_protective_forest",
        ("share_special_use_forest", "share_protective_forest"),
        ("P-RESETTLE",),
        "share",
        "{v} of the village area in special-use or protective forest",
        "{v} diện tích thôn trong rừng đặc dụng, phòng hộ",
        compute=lambda f, c: _sum("share_special_use_forest", "share_protective_forest")(f, c).clip(
            0.0, 1.0
        ),
    ),
    Criterion(
        "slope_mean",
        "Độ dốc bình quân",
        "Mean slope",
        "degrees",
        "benefit",
        "slope_mean_deg",
        ("slope_mean_deg",),
        ("P-RESETTLE", "T11"),
        "number",
        "a mean slope of {v}°",
        "độ dốc bình quân {v}°",
    ),
    Criterion(
        "border_belt",
        "Thôn trong vành đai biên giới",
        "Village in the border belt",
        "0/1",
        "benefit",
        "in_border_belt",
        ("in_border_belt",),
        ("P-RESETTLE", "P-BORDER"),
        "flag",
        "in the border belt",
        "thuộc vành đai biên giới",
    ),
    Criterion(
        "em_no_residential_land",
        "Hộ DTTS thiếu đất ở",
        "Ethnic-minority households without residential land",
        "households",
        "benefit",
        "em_hh_no_residential_land",
        ("em_hh_no_residential_land",),
        ("P-RESETTLE", "T9"),
        "count",
        "{v} ethnic-minority households without residential land",
        "{v} hộ đồng bào DTTS chưa có đất ở",
    ),
    # ---- infrastructure (P-NTM, P-INFRA, T5, T13) ---------------------------------------------
    Criterion(
        "commune_below_15",
        "Xã đạt dưới 15 tiêu chí NTM",
        "Commune meets fewer than 15 NTM criteria",
        "0/1",
        "benefit",
        "commune_ntm_criteria_met < 15",
        ("commune_ntm_criteria_met",),
        ("P-NTM", "T5"),
        "flag",
        "its commune meets fewer than 15 of the 19 NTM criteria",
        "xã đạt dưới 15/19 tiêu chí nông thôn mới",
        compute=_below("commune_ntm_criteria_met", 15),
    ),
    Criterion(
        "commune_ntm_gap",
        "Số tiêu chí NTM xã còn thiếu",
        "NTM criteria the commune still lacks",
        "criteria",
        "benefit",
        "19 - commune_ntm_criteria_met",
        ("commune_ntm_criteria_met",),
        ("P-NTM", "T1", "T6"),
        "count",
        "its commune lacks {v} of the 19 NTM criteria",
        "xã còn thiếu {v}/19 tiêu chí nông thôn mới",
        compute=_gap("commune_ntm_criteria_met", 19.0),
    ),
    Criterion(
        "commune_atk",
        "Xã an toàn khu (ATK)",
        "Safe-zone (ATK) commune",
        "0/1",
        "benefit",
        "commune_is_atk",
        ("commune_is_atk",),
        ("P-NTM",),
        "flag",
        "a safe-zone (ATK) commune",
        "thuộc xã an toàn khu (ATK)",
    ),
    Criterion(
        "commune_region_iii",
        "Xã khu vực III",
        "Region-III commune",
        "0/1",
        "benefit",
        "commune_region == 'III'",
        ("commune_region",),
        ("P-INFRA", "T14"),
        "flag",
        "a region-III commune",
        "thuộc xã khu vực III",
        compute=_equals("commune_region", "III"),
    ),
    Criterion(
        "especially_difficult_village",
        "Thôn đặc biệt khó khăn",
        "Especially difficult village",
        "0/1",
        "benefit",
        "is_especially_difficult",
        ("is_especially_difficult",),
        ("P-INFRA", "T17"),
        "flag",
        "an especially difficult village",
        "là thôn đặc biệt khó khăn",
    ),
    Criterion(
        "border_commune",
        "Xã biên giới",
        "Border commune",
        "0/1",
        "benefit",
        "commune_is_border",
        ("commune_is_border",),
        ("P-INFRA", "P-BORDER"),
        "flag",
        "a border commune",
        "thuộc xã biên giới",
    ),
    Criterion(
        "no_all_season_road",
        "Chưa có đường giao thông đi lại được quanh năm",
        "No all-season road",
        "0/1",
        "benefit",
        "not all_season_road",
        ("all_season_road",),
        ("P-INFRA",),
        "flag",
        "no all-season road",
        "chưa có đường đi lại được quanh năm",
        compute=_not("all_season_road"),
    ),
    Criterion(
        "no_grid_power",
        "Chưa có điện lưới quốc gia",
        "No grid power",
        "0/1",
        "benefit",
        "not has_grid_power",
        ("has_grid_power",),
        ("P-INFRA",),
        "flag",
        "no grid power",
        "chưa có điện lưới quốc gia",
        compute=_not("has_grid_power"),
    ),
    Criterion(
        "water_gap",
        "Tỷ lệ hộ chưa có nước sinh hoạt hợp vệ sinh",
        "Share of households without hygienic water",
        "share",
        "benefit",
        "water_gap",
        ("water_gap",),
        ("T13", "T16", "P-SOCIAL"),
        "share",
        "{v} of households without hygienic water",
        "{v} số hộ chưa có nước sinh hoạt hợp vệ sinh",
    ),
    Criterion(
        "travel_time_commune",
        "Thời gian đi đến trung tâm xã",
        "Travel time to the commune centre",
        "min",
        "benefit",
        "travel_min_commune_centre",
        ("travel_min_commune_centre",),
        ("P-INFRA",),
        "number",
        "{v} minutes from the commune centre",
        "cách trung tâm xã {v} phút đi lại",
    ),
    Criterion(
        "travel_time_district",
        "Thời gian đi đến trung tâm huyện",
        "Travel time to the district centre",
        "min",
        "benefit",
        "travel_min_district_centre",
        ("travel_min_district_centre",),
        ("P-INFRA",),
        "number",
        "{v} minutes from the district centre",
        "cách trung tâm huyện {v} phút đi lại",
    ),
    Criterion(
        "dist_road",
        "Khoảng cách đến đường giao thông",
        "Distance to the nearest road",
        "m",
        "benefit",
        "dist_road_m",
        ("dist_road_m",),
        ("P-INFRA",),
        "number",
        "{v} m from the nearest road",
        "cách đường giao thông gần nhất {v} m",
    ),
    Criterion(
        "communal_house_unrepaired",
        "Nhà rông chưa được sửa chữa",
        "Communal house (nhà rông) not yet repaired",
        "0/1",
        "benefit",
        "has_communal_house and not communal_house_repaired",
        ("has_communal_house", "communal_house_repaired"),
        ("T12", "P-SOCIAL"),
        "flag",
        "a communal house (nhà rông) awaiting repair",
        "nhà rông chưa được sửa chữa",
        compute=_unrepaired_communal_house,
    ),
    Criterion(
        "households",
        "Số hộ",
        "Households",
        "households",
        "benefit",
        "households",
        ("households",),
        ("P-FOCUS",),
        "count",
        "{v} households",
        "{v} hộ dân",
    ),
    # ---- investment and livelihood (P-POOR, P-PROD, T9, T10, T18, T19) ------------------------
    Criterion(
        "poverty_rate",
        "Tỷ lệ hộ nghèo",
        "Poverty rate",
        "share",
        "benefit",
        "poverty_rate",
        ("poverty_rate",),
        ("P-POOR", "T18"),
        "share",
        "a poverty rate of {v}",
        "tỷ lệ hộ nghèo {v}",
    ),
    Criterion(
        "near_poverty_rate",
        "Tỷ lệ hộ cận nghèo",
        "Near-poverty rate",
        "share",
        "benefit",
        "near_poverty_rate",
        ("near_poverty_rate",),
        ("P-POOR", "T18"),
        "share",
        "a near-poverty rate of {v}",
        "tỷ lệ hộ cận nghèo {v}",
    ),
    Criterion(
        "poor_households",
        "Số hộ nghèo",
        "Poor households",
        "households",
        "benefit",
        "poor_households",
        ("poor_households",),
        ("P-POOR", "T18", "P-FOCUS"),
        "count",
        "{v} poor households",
        "{v} hộ nghèo",
    ),
    Criterion(
        "em_share",
        "Tỷ lệ hộ đồng bào DTTS",
        "Ethnic-minority share of households",
        "share",
        "benefit",
        "em_share",
        ("em_share",),
        ("P-POOR", "P-PROD"),
        "share",
        "{v} ethnic-minority households",
        "{v} số hộ là đồng bào DTTS",
    ),
    Criterion(
        "disadvantaged_group",
        "Nhóm DTTS rất ít người, còn nhiều khó khăn",
        "Most disadvantaged ethnic group",
        "0/1",
        "benefit",
        "main_ethnic_group in the scenario's disadvantaged_groups",
        ("main_ethnic_group",),
        ("P-POOR",),
        "flag",
        "mainly of a most disadvantaged ethnic group",
        "chủ yếu là đồng bào DTTS rất ít người",
        compute=_disadvantaged,
    ),
    Criterion(
        "em_no_production_land",
        "Tỷ lệ hộ DTTS thiếu đất sản xuất",
        "Share of ethnic-minority households without production land",
        "share",
        "benefit",
        "em_hh_no_production_land / em_households",
        ("em_hh_no_production_land", "em_households"),
        ("T9", "P-PROD"),
        "share",
        "{v} of ethnic-minority households without production land",
        "{v} số hộ DTTS thiếu đất sản xuất",
        compute=_ratio("em_hh_no_production_land", "em_households"),
    ),
    Criterion(
        "em_no_residential_land_share",
        "Tỷ lệ hộ DTTS thiếu đất ở",
        "Share of ethnic-minority households without residential land",
        "share",
        "benefit",
        "em_hh_no_residential_land / em_households",
        ("em_hh_no_residential_land", "em_households"),
        ("T9",),
        "share",
        "{v} of ethnic-minority households without residential land",
        "{v} số hộ DTTS chưa có đất ở",
        compute=_ratio("em_hh_no_residential_land", "em_households"),
    ),
    Criterion(
        "commune_no_cooperative",
        "Xã chưa có hợp tác xã",
        "Commune without a cooperative",
        "0/1",
        "benefit",
        "not commune_has_cooperative",
        ("commune_has_cooperative",),
        ("T7", "T10", "P-PROD"),
        "flag",
        "its commune has no cooperative",
        "xã chưa có hợp tác xã",
        compute=_not("commune_has_cooperative"),
    ),
    Criterion(
        "commune_poverty_rate",
        "Tỷ lệ hộ nghèo của xã",
        "Commune poverty rate",
        "share",
        "benefit",
        "commune_poverty_rate",
        ("commune_poverty_rate",),
        ("P-POOR", "T18"),
        "share",
        "a commune poverty rate of {v}",
        "tỷ lệ hộ nghèo của xã {v}",
    ),
    Criterion(
        "poor_district",
        "Thuộc huyện nghèo",
        "In a poor district",
        "0/1",
        "benefit",
        "district_is_poor (from districts.is_poor_district)",
        ("district_is_poor",),
        ("T19", "P-INFRA"),
        "flag",
        "in a poor district",
        "thuộc huyện nghèo",
    ),
    # ---- commune ranking for the commune-based NTM programme (level = commune) ----------------
    Criterion(
        "c_below_15",
        "Xã đạt dưới 15 tiêu chí NTM",
        "Meets fewer than 15 NTM criteria",
        "0/1",
        "benefit",
        "ntm_criteria_met < 15",
        ("ntm_criteria_met",),
        ("P-NTM", "T5"),
        "flag",
        "meets fewer than 15 of the 19 NTM criteria",
        "đạt dưới 15/19 tiêu chí nông thôn mới",
        level="commune",
        compute=_below("ntm_criteria_met", 15),
    ),
    Criterion(
        "c_ntm_gap",
        "Số tiêu chí NTM còn thiếu",
        "NTM criteria still lacking",
        "criteria",
        "benefit",
        "19 - ntm_criteria_met",
        ("ntm_criteria_met",),
        ("P-NTM", "T1", "T6"),
        "count",
        "lacks {v} of the 19 NTM criteria",
        "còn thiếu {v}/19 tiêu chí nông thôn mới",
        level="commune",
        compute=_gap("ntm_criteria_met", 19.0),
    ),
    Criterion(
        "c_not_ntm",
        "Xã chưa đạt chuẩn NTM",
        "Not yet an NTM commune",
        "0/1",
        "benefit",
        "ntm_status == 'none'",
        ("ntm_status",),
        ("P-NTM", "T1"),
        "flag",
        "not yet an NTM commune",
        "chưa đạt chuẩn nông thôn mới",
        level="commune",
        compute=_equals("ntm_status", "none"),
    ),
    Criterion(
        "c_atk",
        "Xã an toàn khu (ATK)",
        "Safe-zone (ATK) commune",
        "0/1",
        "benefit",
        "is_atk",
        ("is_atk",),
        ("P-NTM",),
        "flag",
        "a safe-zone (ATK) commune",
        "là xã an toàn khu (ATK)",
        level="commune",
    ),
    Criterion(
        "c_region_iii",
        "Xã khu vực III",
        "Region-III commune",
        "0/1",
        "benefit",
        "region == 'III'",
        ("region",),
        ("P-INFRA", "T14"),
        "flag",
        "a region-III commune",
        "là xã khu vực III",
        level="commune",
        compute=_equals("region", "III"),
    ),
    Criterion(
        "c_especially_difficult",
        "Xã đặc biệt khó khăn",
        "Especially difficult commune",
        "0/1",
        "benefit",
        "is_especially_difficult",
        ("is_especially_difficult",),
        ("P-INFRA", "T14", "T17"),
        "flag",
        "an especially difficult commune",
        "là xã đặc biệt khó khăn",
        level="commune",
    ),
    Criterion(
        "c_border",
        "Xã biên giới",
        "Border commune",
        "0/1",
        "benefit",
        "is_border",
        ("is_border",),
        ("P-INFRA", "P-BORDER"),
        "flag",
        "a border commune",
        "là xã biên giới",
        level="commune",
    ),
    Criterion(
        "c_poverty_rate",
        "Tỷ lệ hộ nghèo (năm gần nhất)",
        "Poverty rate (latest year)",
        "share",
        "benefit",
        "latest poverty_rate_YYYY",
        ("poverty_rate_2024",),
        ("P-POOR", "T18"),
        "share",
        "a poverty rate of {v}",
        "tỷ lệ hộ nghèo {v}",
        level="commune",
        compute=_latest_poverty_rate,
    ),
    Criterion(
        "c_no_cooperative",
        "Xã chưa có hợp tác xã",
        "No cooperative",
        "0/1",
        "benefit",
        "not has_cooperative",
        ("has_cooperative",),
        ("T7", "P-PROD"),
        "flag",
        "no cooperative yet",
        "chưa có hợp tác xã",
        level="commune",
        compute=_not("has_cooperative"),
    ),
    Criterion(
        "c_infrastructure_priority1",
        "Số thôn ưu tiên 1 về hạ tầng",
        "Villages of infrastructure priority 1",
        "villages",
        "benefit",
        "commune_infrastructure_priority1 (from the village ranking)",
        ("commune_infrastructure_priority1",),
        ("P-INFRA", "P-FOCUS"),
        "count",
        "{v} villages of infrastructure priority 1",
        "{v} thôn ưu tiên 1 về hạ tầng",
        level="commune",
    ),
    Criterion(
        "c_hh_exposed_high",
        "Số hộ trong vùng sạt lở cao",
        "Households in high landslide zones",
        "households",
        "benefit",
        "hh_exposed_high",
        ("hh_exposed_high",),
        ("P-RESETTLE", "T11"),
        "count",
        "{v} households in high landslide zones",
        "{v} hộ trong vùng nguy cơ sạt lở cao",
        level="commune",
    ),
)


def criteria_catalogue(*, level: Level | None = None) -> list[Criterion]:
    """Return the criteria catalogue (in a stable order).

    Parameters
    ----------
    level
        Only ``"village"`` or only ``"commune"`` criteria; default all.

    Returns
    -------
    list of Criterion
        The catalogue entries.
    """
    return [c for c in _CATALOGUE if level is None or c.level == level]


def get_criterion(criterion_id: str) -> Criterion:
    """Return the catalogue entry with this id.

    Raises
    ------
    KeyError
        If there is none (the message lists the known ids).
    """
    return _by_id(_CATALOGUE, criterion_id, "criterion", "criteria")


# --- eligibility rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityRule:
    """A yes/no condition a row must meet to be ranked in a track.

    ``fails_en`` / ``fails_vi`` describe a row that does *not* meet it; they
    are joined into the row's reason.
    """

    id: str
    label_en: str
    label_vi: str
    fails_en: str
    fails_vi: str
    cites: tuple[str, ...]
    test: Callable[[pd.DataFrame, RuleContext], pd.Series] = field(compare=False, repr=False)

    def evaluate(self, frame: pd.DataFrame, context: RuleContext | None = None) -> pd.Series:
        """Return a boolean Series (unknown values count as not met)."""
        return self.test(frame, context or RuleContext()).fillna(False).astype(bool)


def _gt0(*names: str) -> Callable[[pd.DataFrame, RuleContext], pd.Series]:
    def test(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
        return pd.concat([column(frame, n).fillna(0) > 0 for n in names], axis=1).any(axis=1)

    return test


def _exposed(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    hh = column(frame, "hh_exposed_high").fillna(0) > 0
    level = column(frame, "landslide_level").fillna(0) >= ctx.high_landslide_level
    return hh | level


def _steep(frame: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    return column(frame, "slope_mean_deg").fillna(0) >= ctx.steep_slope_deg


_RULES: tuple[EligibilityRule, ...] = (
    EligibilityRule(
        "has_households",
        "has households",
        "có hộ dân sinh sống",
        "no households recorded",
        "không có hộ dân",
        ("P-FOCUS",),
        _gt0("households"),
    ),
    EligibilityRule(
        "landslide_exposed",
        "households in high/very-high landslide zones or village centre in such a zone",
        "có hộ trong vùng sạt lở cao/rất cao hoặc trung tâm thôn nằm trong vùng đó",
        "no households in high or very-high landslide zones",
        "không có hộ nào trong vùng nguy cơ sạt lở cao và rất cao",
        ("P-RESETTLE", "T11"),
        _exposed,
    ),
    EligibilityRule(
        "in_protection_forest",
        "inside special-use or protective forest",
        "nằm trong rừng đặc dụng hoặc phòng hộ",
        "not inside special-use or protective forest",
        "không nằm trong rừng đặc dụng, phòng hộ",
        ("P-RESETTLE",),
        _gt0("in_special_use_forest", "in_protective_forest"),
    ),
    EligibilityRule(
        "steep_slope",
        "mean slope at or above the scenario's steep_slope_deg",
        "độ dốc bình quân từ ngưỡng dốc của kịch bản trở lên",
        "not on steep ground",
        "không nằm trên địa hình dốc",
        ("P-RESETTLE", "T11"),
        _steep,
    ),
    EligibilityRule(
        "in_border_belt",
        "in the border belt",
        "thuộc vành đai biên giới",
        "not in the border belt",
        "không thuộc vành đai biên giới",
        ("P-BORDER", "P-RESETTLE"),
        _gt0("in_border_belt"),
    ),
    EligibilityRule(
        "has_poor_households",
        "has poor or near-poor households",
        "có hộ nghèo hoặc cận nghèo",
        "no poor or near-poor households",
        "không có hộ nghèo, cận nghèo",
        ("P-POOR",),
        _gt0("poor_households", "near_poor_households"),
    ),
    EligibilityRule(
        "has_em_households",
        "has ethnic-minority households",
        "có hộ đồng bào DTTS",
        "no ethnic-minority households",
        "không có hộ đồng bào DTTS",
        ("P-POOR", "P-PROD"),
        _gt0("em_households"),
    ),
    EligibilityRule(
        "especially_difficult",
        "especially difficult village",
        "là thôn đặc biệt khó khăn",
        "not an especially difficult village",
        "không phải thôn đặc biệt khó khăn",
        ("P-INFRA", "T17"),
        _gt0("is_especially_difficult"),
    ),
)


def eligibility_rules() -> list[EligibilityRule]:
    """Return every eligibility rule (ids are used in scenario ``eligibility`` blocks)."""
    return list(_RULES)


def get_rule(rule_id: str) -> EligibilityRule:
    """Return the eligibility rule with this id.

    Raises
    ------
    KeyError
        If there is none (the message lists the known ids).
    """
    return _by_id(_RULES, rule_id, "eligibility rule", "rules")


def known_ids(items: Sequence[Criterion] | Sequence[EligibilityRule]) -> list[str]:
    """Return the ids of catalogue items (helper for error messages)."""
    return [i.id for i in items]


_Item = TypeVar("_Item", Criterion, EligibilityRule)


def _by_id(items: Sequence[_Item], item_id: str, what: str, known_what: str) -> _Item:
    """Return the item with this id, else a KeyError listing the known ids."""
    for item in items:
        if item.id == item_id:
            return item
    known = ", ".join(known_ids(items))
    msg = f"unknown {what} {item_id!r}; known {known_what}: {known}"
    raise KeyError(msg)
