"""What each output column is called for people: headers, units, number formats, values.

One catalogue for the office files (``rankings.xlsx``, the QGIS field aliases, the
review packs): a column's header in Vietnamese or English with its unit, the number
format an office program should show it in, and the words for its coded values.
CSV headers stay the canonical names (the contract); these labels never reach them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from geoplan.render.i18n import TRACKS, Lang, tr

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
_UNITS = {
    "hh": ("hộ", "hh"),
    "people": ("người", "people"),
    "pct": ("%", "%"),
    "km": ("km", "km"),
    "m": ("m", "m"),
    "min": ("phút", "min"),
    "deg": ("độ", "°"),
    "money": ("triệu đồng", "million VND"),
}

# name -> (Vietnamese, English, kind)
_BASE: dict[str, tuple[str, str, str]] = {
    "village_id": ("Mã thôn", "Village code", "code"),
    "village_name": ("Tên thôn", "Village", "text"),
    "commune_code": ("Mã xã", "Commune code", "code"),
    "commune_name": ("Tên xã", "Commune", "text"),
    "commune_type": ("Loại đơn vị", "Unit type", "text"),
    "district_code": ("Mã huyện", "District code", "code"),
    "district_name": ("Tên huyện", "District", "text"),
    "households": ("Số hộ", "Households", "hh"),
    "population": ("Dân số", "Population", "people"),
    "area_km2": ("Diện tích (km²)", "Area (km²)", "dec"),
    "before_merger": ("Các đơn vị trước sáp nhập", "Units merged into it (2025)", "text"),
    "poor_households": ("Số hộ nghèo", "Poor households", "hh"),
    "near_poor_households": ("Số hộ cận nghèo", "Near-poor households", "hh"),
    "em_households": ("Số hộ DTTS", "Ethnic-minority households", "hh"),
    "main_ethnic_group": ("Dân tộc chính", "Main ethnic group", "text"),
    "is_especially_difficult": ("Thôn ĐBKK", "Especially difficult village", "bool"),
    "hygienic_water_households": (
        "Hộ dùng nước hợp vệ sinh",
        "Households with hygienic water",
        "hh",
    ),
    "has_communal_house": ("Có nhà rông", "Has a communal house", "bool"),
    "communal_house_repaired": ("Nhà rông được sửa chữa", "Communal house repaired", "bool"),
    "has_grid_power": ("Có điện lưới", "Grid power", "bool"),
    "all_season_road": ("Đường đi được 4 mùa", "All-season road", "bool"),
    "em_hh_no_residential_land": (
        "Hộ DTTS thiếu đất ở",
        "EM households without residential land",
        "hh",
    ),
    "em_hh_no_production_land": (
        "Hộ DTTS thiếu đất sản xuất",
        "EM households without production land",
        "hh",
    ),
    "poverty_rate": ("Tỷ lệ hộ nghèo", "Poverty rate", "pct"),
    "near_poverty_rate": ("Tỷ lệ hộ cận nghèo", "Near-poverty rate", "pct"),
    "em_share": ("Tỷ lệ hộ DTTS", "Ethnic-minority share", "pct"),
    "water_gap": ("Tỷ lệ hộ chưa có nước hợp vệ sinh", "Share without hygienic water", "pct"),
    "landslide_level": ("Cấp sạt lở tại điểm dân cư", "Landslide level at the settlement", "int"),
    "landslide_share_high": (
        "Diện tích trong vùng sạt lở cao",
        "Area in high landslide zones",
        "pct",
    ),
    "hh_exposed_high": ("Hộ trong vùng sạt lở cao", "Households in high landslide zones", "hh"),
    "dist_high_landslide_m": ("Đến vùng sạt lở cao", "To a high landslide zone", "km"),
    "elev_mean_m": ("Độ cao trung bình", "Mean elevation", "m"),
    "elev_min_m": ("Độ cao thấp nhất", "Lowest elevation", "m"),
    "elev_max_m": ("Độ cao cao nhất", "Highest elevation", "m"),
    "relief_m": ("Chênh cao", "Relief", "m"),
    "slope_mean_deg": ("Độ dốc trung bình", "Mean slope", "deg"),
    "slope_max_deg": ("Độ dốc lớn nhất", "Steepest slope", "deg"),
    "in_special_use_forest": ("Trong rừng đặc dụng", "In special-use forest", "bool"),
    "in_protective_forest": ("Trong rừng phòng hộ", "In protective forest", "bool"),
    "in_production_forest": ("Trong rừng sản xuất", "In production forest", "bool"),
    "share_special_use_forest": ("Diện tích rừng đặc dụng", "Special-use forest area", "pct"),
    "share_protective_forest": ("Diện tích rừng phòng hộ", "Protective forest area", "pct"),
    "share_production_forest": ("Diện tích rừng sản xuất", "Production forest area", "pct"),
    "forest_name": ("Tên khu rừng", "Forest", "text"),
    "dist_special_use_forest_m": ("Đến rừng đặc dụng", "To special-use forest", "km"),
    "dist_border_m": ("Đến biên giới", "To the border", "km"),
    "in_border_belt": ("Trong vành đai biên giới", "In the border belt", "bool"),
    "dist_road_m": ("Đến đường gần nhất", "To the nearest road", "km"),
    "dist_road_national_m": ("Đến quốc lộ", "To a national road", "km"),
    "dist_road_provincial_m": ("Đến tỉnh lộ", "To a provincial road", "km"),
    "dist_road_district_m": ("Đến đường huyện", "To a district road", "km"),
    "dist_road_commune_m": ("Đến đường xã", "To a commune road", "km"),
    "dist_road_track_m": ("Đến đường mòn", "To a track", "km"),
    "travel_min_commune_centre": (
        "Thời gian đến trung tâm xã",
        "Travel to the commune centre",
        "min",
    ),
    "travel_min_district_centre": (
        "Thời gian đến trung tâm huyện",
        "Travel to the district centre",
        "min",
    ),
    "dist_river_m": ("Đến sông suối", "To a river", "km"),
    "susceptibility": ("Xác suất sạt lở (mô hình)", "Landslide probability (model)", "pct"),
    "hazard_reason": ("Lý do cần rà soát nguy cơ", "Why flagged for hazard review", "text"),
    "hazard_flag": ("Cần rà soát nguy cơ", "Flagged for hazard review", "bool"),
    "landslide_exposure_class": (
        "Mức phơi nhiễm sạt lở (0-3)",
        "Landslide exposure class (0-3)",
        "int",
    ),
    "district_is_poor": ("Huyện nghèo", "Poor district", "bool"),
    "ntm_criteria_met": ("Số tiêu chí NTM đạt", "NTM criteria met", "int"),
    "ntm_criteria": ("Số tiêu chí NTM đạt", "NTM criteria met", "int"),
    "ntm_status": ("Mức đạt chuẩn NTM", "New rural status", "text"),
    "ntm_year": ("Năm đạt chuẩn NTM", "Year NTM reached", "year"),
    "region": ("Khu vực", "Region", "text"),
    "is_atk": ("Xã ATK", "Safe-zone (ATK) commune", "bool"),
    "was_especially_difficult_2021": ("Xã ĐBKK năm 2021", "Especially difficult in 2021", "bool"),
    "is_border": ("Xã biên giới", "Border commune", "bool"),
    "has_cooperative": ("Có hợp tác xã", "Has a cooperative", "bool"),
    "em_households_in_coop": ("Hộ DTTS trong hợp tác xã", "EM households in a cooperative", "hh"),
    "villages": ("Số thôn", "Villages", "int"),
    "villages_exposed_high": ("Số thôn trong vùng sạt lở cao", "Villages in high zones", "int"),
    "lon": ("Kinh độ (WGS 84)", "Longitude (WGS 84)", "lonlat"),
    "lat": ("Vĩ độ (WGS 84)", "Latitude (WGS 84)", "lonlat"),
    "commune_code_2025": ("Mã xã (2025)", "Commune code (2025)", "code"),
    "commune_code_2022": (
        "Mã xã trước sáp nhập (2022)",
        "Commune code before the merger (2022)",
        "code",
    ),
    "commune_name_2025": ("Tên xã (2025)", "Commune (2025)", "text"),
    "communes_2022": ("Các xã cũ (2022)", "Former communes (2022)", "text"),
    "area_share": ("Tỷ lệ diện tích", "Area share", "pct"),
    "funded_cost": ("Kinh phí được cấp", "Funded cost", "money"),
    "commune_ntm_score": ("Điểm ưu tiên NTM cấp xã", "Commune NTM priority score", "score"),
    "commune_ntm_rank": ("Thứ hạng NTM cấp xã", "Commune NTM rank", "rank"),
    "commune_ntm_class": ("Cấp ưu tiên NTM cấp xã", "Commune NTM priority class", "int"),
    "commune_ntm_reason_vi": ("Lý do ưu tiên NTM", "NTM priority reason (Vietnamese)", "text"),
    "commune_ntm_reason": ("Lý do ưu tiên NTM (tiếng Anh)", "NTM priority reason", "text"),
    # targets (T1–T19)
    "id": ("Mã mục tiêu", "Target", "code"),
    "label_vi": ("Mục tiêu", "Target (Vietnamese)", "text"),
    "label_en": ("Mục tiêu (tiếng Anh)", "Target", "text"),
    "programme": ("Chương trình", "Programme", "text"),
    "indicator": ("Chỉ tiêu (cách tính)", "Measure (how computed)", "text"),
    "unit": ("Đơn vị", "Unit", "text"),
    "baseline": ("Giá trị cơ sở", "Baseline", "dec"),
    "baseline_year": ("Năm cơ sở", "Baseline year", "year"),
    "value": ("Hiện trạng", "Current value", "dec"),
    "numerator": ("Tử số", "Numerator", "dec"),
    "denominator": ("Mẫu số", "Denominator", "dec"),
    "as_of": ("Năm số liệu", "Data year", "year"),
    "target": ("Chỉ tiêu cần đạt", "Target value", "dec"),
    "horizon": ("Năm đích", "Target year", "year"),
    "direction": ("Chiều", "Direction", "text"),
    "trend_per_year": ("Xu hướng mỗi năm", "Trend per year", "dec"),
    "projection": ("Dự báo đến năm đích", "Projection to the target year", "dec"),
    "status": ("Tình trạng", "Status", "text"),
    "gap": ("Còn thiếu so với chỉ tiêu", "Gap to the target", "dec"),
    "missing": ("Trường dữ liệu còn thiếu", "Missing fields", "text"),
    "note": ("Ghi chú", "Note", "text"),
}
# the same name means something else in the commune sheet or the allocation table
_SHEET_OVERRIDES: dict[str, dict[str, tuple[str, str, str]]] = {
    "communes": {
        "is_especially_difficult": ("Xã ĐBKK", "Especially difficult commune", "bool"),
        "households": ("Số hộ", "Households", "hh"),
        "poor_households": ("Số hộ nghèo", "Poor households", "hh"),
        "em_households": ("Số hộ DTTS", "Ethnic-minority households", "hh"),
    },
    "allocation": {
        "intervention_id": ("Mã hạng mục", "Intervention code", "code"),
        "kind": ("Loại hạng mục", "Kind", "text"),
        "label_vi": ("Hạng mục", "Intervention (Vietnamese)", "text"),
        "label_en": ("Hạng mục (tiếng Anh)", "Intervention", "text"),
        "level": ("Cấp thực hiện", "Level", "text"),
        "relocation": ("Di dời", "Relocation", "bool"),
        "in_place": ("Tại chỗ", "In place", "bool"),
        "cost": ("Kinh phí", "Cost", "money"),
        "beneficiaries": ("Số hộ hưởng lợi", "Beneficiary households", "hh"),
        "score": ("Điểm ưu tiên", "Priority score", "score"),
        "benefit": ("Lợi ích", "Benefit", "dec"),
        "funded": ("Được cấp vốn", "Funded", "bool"),
        "year": ("Năm", "Year", "year"),
        "programme": ("Chương trình", "Programme", "text"),
        "source": ("Nguồn vốn", "Source", "text"),
        "benefit_discounted": ("Lợi ích có chiết khấu", "Discounted benefit", "dec"),
        "method": ("Phương pháp", "Method", "text"),
        "greedy_funded": ("Được cấp vốn (tham lam)", "Funded (greedy)", "bool"),
        "greedy_year": ("Năm (tham lam)", "Year (greedy)", "year"),
        "greedy_programme": ("Chương trình (tham lam)", "Programme (greedy)", "text"),
    },
}
_TRACK_WORD = {
    "resettlement": ("tái định cư", "resettlement"),
    "infrastructure": ("hạ tầng", "infrastructure"),
    "investment": ("đầu tư", "investment"),
}
# track column suffix -> (Vietnamese, English, kind)
_TRACK_SUFFIX: dict[str, tuple[str, str, str]] = {
    "score": ("Điểm", "Score", "score"),
    "rank": ("Thứ hạng", "Rank", "rank"),
    "class": ("Cấp ưu tiên", "Priority class", "int"),
    "eligible": ("Thuộc diện xét", "Eligible", "bool"),
    "reason_vi": ("Lý do", "Reason (Vietnamese)", "text"),
    "reason": ("Lý do (tiếng Anh)", "Reason", "text"),
    "what_if_vi": (
        "Điều kiện thay đổi thứ hạng",
        "What would change the rank (Vietnamese)",
        "text",
    ),
    "what_if": ("Điều kiện thay đổi thứ hạng (tiếng Anh)", "What would change the rank", "text"),
    "rank_p05": ("Thứ hạng P5", "Rank P5", "rank"),
    "rank_p50": ("Thứ hạng P50", "Rank P50", "rank"),
    "rank_p95": ("Thứ hạng P95", "Rank P95", "rank"),
    "p_top": ("Xác suất trong nhóm đầu", "Probability of the top group", "pct"),
    "imputed": ("Giá trị được điền thay", "Values filled in (imputed)", "text"),
    "priority1": ("Số thôn ưu tiên cấp 1", "Priority-1 villages", "int"),
    "priority1_households": ("Số hộ ở thôn cấp 1", "Households in priority-1 villages", "hh"),
    "mean_score": ("Điểm trung bình", "Mean score", "score"),
    "best_rank": ("Thứ hạng cao nhất", "Best rank", "rank"),
}
_COMMUNE_FIELDS_IN_VILLAGES = {
    "commune_ntm_criteria_met": "ntm_criteria_met",
    "commune_is_atk": "is_atk",
    "commune_region": "region",
    "commune_is_border": "is_border",
    "commune_has_cooperative": "has_cooperative",
    "commune_poverty_rate": "poverty_rate",
}
# coded values -> (Vietnamese, English), per column
_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "ntm_status": {
        "none": ("Chưa đạt", "Not yet"),
        "standard": ("Đạt chuẩn", "Standard"),
        "advanced": ("Nâng cao", "Advanced"),
        "model": ("Kiểu mẫu", "Model"),
    },
    "commune_type": {
        "xa": ("Xã", "Commune"),
        "phuong": ("Phường", "Ward"),
        "thi_tran": ("Thị trấn", "Township"),
    },
    "status": {
        "achieved": ("Đạt", "Achieved"),
        "on_track": ("Đúng tiến độ", "On track"),
        "behind": ("Chậm tiến độ", "Behind schedule"),
        "not_computable": ("Không tính được", "Not computable"),
        "not_applicable": ("Không áp dụng", "Not applicable"),
    },
    "direction": {
        "min": ("Không thấp hơn", "At least"),
        "max": ("Không cao hơn", "At most"),
    },
    "unit": {
        "count": ("Số lượng", "Count"),
        "share": ("Tỷ lệ", "Share"),
        "points_per_year": ("Điểm mỗi năm", "Points a year"),
    },
    "kind": {
        "road": ("Đường giao thông", "Road"),
        "water": ("Nước sinh hoạt", "Water"),
        "communal_house": ("Nhà rông", "Communal house"),
        "grid": ("Điện lưới", "Grid power"),
        "resettlement": ("Tái định cư", "Resettlement"),
        "production": ("Phát triển sản xuất", "Production"),
    },
    "level": {
        "village": ("Thôn", "Village"),
        "commune": ("Xã", "Commune"),
        "district": ("Huyện", "District"),
    },
    "method": {
        "lp_and_fix": ("Quy hoạch tuyến tính rồi cố định", "LP and fix"),
        "milp": ("Tối ưu nguyên (MILP)", "Exact (MILP)"),
        "greedy": ("Tham lam", "Greedy"),
    },
    "source": {
        "central": ("Trung ương", "Central"),
        "provincial": ("Tỉnh", "Provincial"),
        "district": ("Huyện", "District"),
        "integrated": ("Lồng ghép", "Integrated"),
    },
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


def _lookup(column: str, sheet: str | None, lang: Lang) -> tuple[str, str]:
    """Return ``(label, kind)`` for a column (the column name and ``text`` when unknown)."""
    entry = _SHEET_OVERRIDES.get(sheet or "", {}).get(column) or _BASE.get(column)
    if entry is not None:
        return _pick(entry[:2], lang), entry[2]
    if sheet == "allocation" and column.startswith("cost_"):
        src = column[len("cost_") :]
        words = _VALUES["source"].get(src, (src, src))
        return (f"Kinh phí – {words[0]}" if lang == "vi" else f"Cost – {words[1]}"), "money"
    if column in _COMMUNE_FIELDS_IN_VILLAGES:
        label, kind = _lookup(_COMMUNE_FIELDS_IN_VILLAGES[column], "communes", lang)
        return (f"{label} (xã)" if lang == "vi" else f"{label} (commune)"), kind
    if column == "commune_is_especially_difficult":
        return _lookup("is_especially_difficult", "communes", lang)
    for prefix in ("commune_", ""):
        for track in (*TRACKS, "ntm"):
            stem = f"{prefix}{track}_"
            if not column.startswith(stem):
                continue
            rest = column[len(stem) :]
            word = _pick(_TRACK_WORD.get(track, ("NTM", "NTM")), lang)
            if rest.startswith("contrib_"):
                crit = _criterion_labels().get(rest[len("contrib_") :])
                what = _pick(crit, lang) if crit else rest[len("contrib_") :]
                head = "Đóng góp" if lang == "vi" else "Contribution"
                return f"{head}: {what} – {word}", "score"
            if prefix and rest == "eligible":
                head = "Số thôn thuộc diện xét" if lang == "vi" else "Eligible villages"
                return f"{head} – {word}", "int"
            if rest in _TRACK_SUFFIX:
                vi, en, kind = _TRACK_SUFFIX[rest]
                return f"{_pick((vi, en), lang)} – {word}", kind
    for i in range(1, 6):
        if column == f"hh_exposed_{i}":
            return (
                f"Hộ phơi nhiễm sạt lở cấp {i}" if lang == "vi" else f"Households at level {i}"
            ), "hh"
        if column == f"landslide_share_{i}":
            return (f"Diện tích sạt lở cấp {i}" if lang == "vi" else f"Area at level {i}"), "pct"
    for stem in ("near_poverty_rate_", "poverty_rate_", "ntm_criteria_", "value_"):
        year = column[len(stem) :]
        if column.startswith(stem) and year.isdigit():
            label, kind = _lookup(stem.rstrip("_"), sheet, lang)
            return f"{label} {year}", kind
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
    label, kind = _lookup(column, sheet, lang)
    if sheet == "communes_2025" and column == "commune_ntm_score":
        kind = "score"
    number_format, unit_key, divisor = _KINDS.get(kind, _KINDS["text"])
    unit = _pick(_UNITS[unit_key], lang) if unit_key else ""
    return ColumnInfo(column, label, unit, kind, number_format, divisor)


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
        words = _VALUES.get(info.name)
        if words is None and info.name.endswith("source"):
            words = _VALUES["source"]
        if words is None:
            return value
        if "+" in value:
            return " + ".join(_pick(words.get(p, (p, p)), lang) for p in value.split("+"))
        return _pick(words[value], lang) if value in words else value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return tr("yes" if value else "no", lang)
    if info.divisor != 1.0 and isinstance(value, (int, float)):
        return value / info.divisor
    return value
