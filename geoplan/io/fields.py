"""Canonical layers and fields: aliases, types, vocabularies and coercion.

Every canonical field has a type:

``code``
    Text identifier; numbers read as ``23281.0`` become ``"23281"``; GSO
    commune codes are left-padded to 5 digits, district codes to 3.
``text``
    NFC text.
``int`` / ``float``
    Numbers; text such as ``"1,5"`` (decimal comma) or ``"1.234"``
    (thousands) is converted. Counts become ``int64`` when complete, else
    ``float64`` with NaN for missing values.
``rate``
    Fraction 0-1; a column whose values run to 100 is taken as percent and
    divided by 100 (counted as a repair).
``bool``
    ``x``, ``có``, ``yes``, ``true``, ``1`` -> True; blank, ``không``, ``no``,
    ``false``, ``0`` -> False.
``enum``
    One of a vocabulary; Vietnamese and English spellings are recognised.
``date``
    Parsed with ``pandas.to_datetime`` (day first).

The converters live in :mod:`geoplan.io.coerce`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from geoplan.io.text import normalize_name

__all__ = ["KINDS", "FieldDef", "KindDef", "match_columns"]

FieldType = Literal["code", "text", "int", "float", "rate", "bool", "enum", "date"]
GeomFamily = Literal["point", "line", "polygon", "any"]


@dataclass(frozen=True)
class FieldDef:
    """One canonical field.

    Parameters
    ----------
    name
        Canonical name.
    type
        Kind of value (see the module docstring).
    aliases
        Other column names recognised (compared with :func:`normalize_name`).
    required
        Missing column is an error.
    vocab
        For ``enum``: canonical value -> spellings.
    lo, hi
        Allowed range for numbers (inclusive).
    default
        Value used when the column is absent (optional fields only).
    pad
        Width to left-pad numeric codes with zeros.
    """

    name: str
    type: FieldType
    aliases: tuple[str, ...] = ()
    required: bool = False
    vocab: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lo: float | None = None
    hi: float | None = None
    default: object = None
    pad: int = 0
    as_int: bool = False


@dataclass(frozen=True)
class KindDef:
    """One canonical layer kind: its geometry family and fields."""

    name: str
    geometry: GeomFamily
    fields: tuple[FieldDef, ...]
    key: str | None = None

    def get(self, name: str) -> FieldDef | None:
        """Return the field called ``name``, if any."""
        for f in self.fields:
            if f.name == name:
                return f
        return None


_NTM_STATUS = {
    "none": ("none", "chua dat", "chưa đạt", "khong", "no", "0", ""),
    "standard": ("standard", "dat chuan", "đạt chuẩn", "ntm", "dat", "đạt", "1", "basic"),
    "advanced": ("advanced", "nang cao", "nâng cao", "ntm nang cao", "dat chuan nang cao", "2"),
    "model": ("model", "kieu mau", "kiểu mẫu", "ntm kieu mau", "dat chuan kieu mau", "3"),
}
_DISTRICT_NTM = {
    "none": ("none", "chua dat", "khong", "no", "0", ""),
    "standard": ("standard", "dat chuan", "dat", "1"),
    "completed": ("completed", "hoan thanh", "hoan thanh nhiem vu", "2"),
}
_COMMUNE_TYPE = {
    "xa": ("xa", "xã", "x", "commune", "rural"),
    "phuong": ("phuong", "phường", "p", "ward"),
    "thi_tran": ("thi_tran", "thị trấn", "thi tran", "tt", "town"),
}
_REGION = {
    "I": ("i", "1", "khu vuc i", "kv i", "kvi", "region i"),
    "II": ("ii", "2", "khu vuc ii", "kv ii", "kvii", "region ii"),
    "III": ("iii", "3", "khu vuc iii", "kv iii", "kviii", "region iii"),
}
_FOREST = {
    "special_use": ("special_use", "special use", "dac dung", "rung dac dung", "dd", "rdd", "suf"),
    "protective": ("protective", "protection", "phong ho", "rung phong ho", "ph", "rph"),
    "production": ("production", "san xuat", "rung san xuat", "sx", "rsx"),
}
_ROAD = {
    "national": ("national", "quoc lo", "ql", "trunk", "motorway", "primary", "cao toc"),
    "provincial": ("provincial", "tinh lo", "duong tinh", "dt", "tl", "secondary"),
    "district": ("district", "huyen lo", "duong huyen", "dh", "hl", "tertiary"),
    "commune": ("commune", "duong xa", "xa lo", "dx", "xa", "unclassified", "residential"),
    "track": ("track", "duong mon", "mon", "duong dat", "path", "lien thon", "duong thon", ""),
}
_LEVEL = {
    "1": ("1", "very low", "rat thap", "i"),
    "2": ("2", "low", "thap", "ii"),
    "3": ("3", "medium", "moderate", "trung binh", "iii"),
    "4": ("4", "high", "cao", "iv"),
    "5": ("5", "very high", "rat cao", "v"),
}


def _f(name: str, type_: FieldType, *aliases: str, **kw: object) -> FieldDef:
    return FieldDef(name, type_, tuple(aliases), **kw)  # type: ignore[arg-type]


def _yearly(
    prefix: str, type_: FieldType, aliases: tuple[str, ...], **kw: object
) -> list[FieldDef]:
    return [
        _f(
            f"{prefix}_{y}",
            type_,
            *(f"{a}_{y}" for a in aliases),
            *(f"{a}{y}" for a in aliases),
            **kw,
        )
        for y in range(2021, 2025)
    ]


_COMMUNES = KindDef(
    "communes",
    "polygon",
    (
        _f(
            "commune_code",
            "code",
            "ma_xa",
            "maxa",
            "ma_dvhc",
            "ma_dvhc_xa",
            "xa_code",
            "code",
            "commune_id",
            "commune",
            "id_xa",
            "ma",
            pad=5,
            required=True,
        ),
        _f(
            "commune_name",
            "text",
            "ten_xa",
            "tenxa",
            "ten",
            "name",
            "xa",
            "ten_dvhc",
            required=True,
        ),
        _f(
            "district_code",
            "code",
            "ma_huyen",
            "mahuyen",
            "ma_dvhc_huyen",
            "huyen_code",
            "district_id",
            pad=3,
            required=True,
        ),
        _f("district_name", "text", "ten_huyen", "tenhuyen", "huyen", "district"),
        _f(
            "commune_type",
            "enum",
            "loai_xa",
            "loai_dvhc",
            "cap_dvhc",
            "unit_type",
            "loai",
            vocab=_COMMUNE_TYPE,
        ),
        _f(
            "ntm_criteria_met",
            "int",
            "so_tieu_chi",
            "tieu_chi",
            "so_tc",
            "tieu_chi_ntm",
            "so_tieu_chi_dat",
            "criteria_met",
            lo=0,
            hi=19,
        ),
        *_yearly("ntm_criteria", "int", ("so_tieu_chi", "tieu_chi", "so_tc"), lo=0, hi=19),
        _f(
            "ntm_status",
            "enum",
            "trang_thai_ntm",
            "ntm",
            "muc_ntm",
            vocab=_NTM_STATUS,
            default="none",
        ),
        _f("ntm_year", "int", "nam_dat_chuan", "nam_ntm", "nam_dat_ntm", lo=2000, hi=2100),
        _f("region", "enum", "khu_vuc", "kv", "vung", vocab=_REGION),
        _f("is_atk", "bool", "atk", "xa_atk", "an_toan_khu"),
        _f(
            "is_especially_difficult",
            "bool",
            "dbkk",
            "xa_dbkk",
            "dac_biet_kho_khan",
            "xa_dac_biet_kho_khan",
        ),
        _f("was_especially_difficult_2021", "bool", "dbkk_2021", "xa_dbkk_2021"),
        _f("is_border", "bool", "bien_gioi", "xa_bien_gioi", "border"),
        _f("has_cooperative", "bool", "htx", "co_htx", "hop_tac_xa", "cooperative"),
        *_yearly("poverty_rate", "rate", ("ty_le_ngheo", "tl_ngheo", "tyle_ngheo"), lo=0, hi=1),
        *_yearly("near_poverty_rate", "rate", ("ty_le_can_ngheo", "tl_can_ngheo"), lo=0, hi=1),
        _f("em_households_in_coop", "int", "ho_dtts_htx", "so_ho_dtts_htx", lo=0),
    ),
    key="commune_code",
)

_DISTRICTS = KindDef(
    "districts",
    "polygon",
    (
        _f(
            "district_code",
            "code",
            "ma_huyen",
            "mahuyen",
            "ma_dvhc",
            "code",
            "district_id",
            "ma",
            pad=3,
            required=True,
        ),
        _f("district_name", "text", "ten_huyen", "tenhuyen", "ten", "name", "huyen"),
        _f("is_poor_district", "bool", "huyen_ngheo", "poor_district", "ngheo"),
        _f("ntm_status", "enum", "trang_thai_ntm", "ntm", vocab=_DISTRICT_NTM, default="none"),
    ),
    key="district_code",
)

_PROVINCE = KindDef(
    "province",
    "polygon",
    (
        _f("province_code", "code", "ma_tinh", "matinh", "code", "ma", pad=2),
        _f("province_name", "text", "ten_tinh", "tentinh", "ten", "name", "tinh"),
    ),
)

_VILLAGES = KindDef(
    "villages",
    "point",
    (
        _f(
            "village_id",
            "code",
            "ma_thon",
            "mathon",
            "village_code",
            "ma_thon_lang",
            "id",
            "ma",
            "code",
            required=True,
        ),
        _f(
            "village_name",
            "text",
            "ten_thon",
            "tenthon",
            "ten",
            "name",
            "thon",
            "ten_thon_lang",
            "thon_lang",
        ),
        _f(
            "commune_code",
            "code",
            "ma_xa",
            "maxa",
            "ma_dvhc_xa",
            "commune_id",
            "xa_code",
            pad=5,
            required=True,
        ),
        _f(
            "households",
            "int",
            "so_ho",
            "soho",
            "tong_so_ho",
            "tong_ho",
            "hh",
            "ho",
            lo=0,
            required=True,
        ),
        _f(
            "population",
            "int",
            "nhan_khau",
            "dan_so",
            "so_khau",
            "so_nhan_khau",
            "danso",
            "so_dan",
            "pop",
            lo=0,
        ),
        _f("poor_households", "int", "ho_ngheo", "so_ho_ngheo", "hongheo", "poor_hh", lo=0),
        _f(
            "near_poor_households",
            "int",
            "ho_can_ngheo",
            "so_ho_can_ngheo",
            "hocanngheo",
            "near_poor_hh",
            lo=0,
        ),
        _f("em_households", "int", "ho_dtts", "so_ho_dtts", "ho_dan_toc_thieu_so", "em_hh", lo=0),
        _f(
            "main_ethnic_group",
            "text",
            "dan_toc",
            "dan_toc_chinh",
            "dantoc",
            "ethnic_group",
            "ethnicity",
        ),
        _f(
            "is_especially_difficult",
            "bool",
            "dbkk",
            "thon_dbkk",
            "dac_biet_kho_khan",
            "thon_dac_biet_kho_khan",
        ),
        _f(
            "hygienic_water_households",
            "int",
            "ho_nuoc_hvs",
            "nuoc_hop_ve_sinh",
            "ho_nuoc_sach",
            "so_ho_nuoc_sach",
            "ho_dung_nuoc_hvs",
            lo=0,
        ),
        _f("has_communal_house", "bool", "nha_van_hoa", "co_nha_van_hoa", "nvh", "nha_rong"),
        _f("communal_house_repaired", "bool", "nvh_sua_chua", "nha_van_hoa_da_sua"),
        _f("has_grid_power", "bool", "dien_luoi", "co_dien", "co_dien_luoi", "dien"),
        _f("all_season_road", "bool", "duong_4_mua", "duong_bon_mua", "duong_o_to"),
        _f("em_hh_no_residential_land", "int", "ho_dtts_thieu_dat_o", "thieu_dat_o", lo=0),
        _f(
            "em_hh_no_production_land",
            "int",
            "ho_dtts_thieu_dat_sx",
            "thieu_dat_san_xuat",
            "thieu_dat_sx",
            lo=0,
        ),
    ),
    key="village_id",
)

_LANDSLIDE_ZONES = KindDef(
    "landslide_zones",
    "polygon",
    (
        _f(
            "level",
            "enum",
            "cap_do",
            "muc_do",
            "capdo",
            "mucdo",
            "cap",
            "nguy_co",
            "muc_nguy_co",
            "cap_nguy_co",
            "risk_level",
            "hazard_level",
            "class",
            vocab=_LEVEL,
            required=True,
            as_int=True,
        ),
    ),
)
_LANDSLIDE_INVENTORY = KindDef(
    "landslide_inventory",
    "point",
    (_f("event_date", "date", "ngay", "ngay_xay_ra", "thoi_gian", "date", "ngay_sat_lo"),),
)
_FOREST_KIND = KindDef(
    "forest",
    "polygon",
    (
        _f(
            "forest_type",
            "enum",
            "loai_rung",
            "chuc_nang",
            "loai",
            "type",
            "ldlr",
            "phan_loai",
            vocab=_FOREST,
            required=True,
        ),
        _f("name", "text", "ten", "ten_rung", "ten_khu"),
    ),
)
_BORDER = KindDef(
    "border",
    "line",
    (_f("country", "text", "quoc_gia", "nuoc", "nuoc_lang_gieng"),),
)
_ROADS = KindDef(
    "roads",
    "line",
    (
        _f(
            "road_class",
            "enum",
            "loai_duong",
            "cap_duong",
            "class",
            "fclass",
            "highway",
            "cap",
            "loai",
            vocab=_ROAD,
            default="track",
        ),
        _f("name", "text", "ten", "ten_duong"),
    ),
)
_RIVERS = KindDef("rivers", "line", (_f("name", "text", "ten", "ten_song", "ten_suoi"),))
#: The communes and wards of the two-tier structure (since 1 July 2025): the commune
#: fields, no district, plus the 2022 members and the population.
_COMMUNES_2025 = KindDef(
    "communes_2025",
    "polygon",
    (
        *(
            replace(f, required=False) if f.name in ("district_code", "commune_name") else f
            for f in _COMMUNES.fields
        ),
        _f("members", "text", "xa_cu", "ma_xa_cu", "thanh_phan", "sap_nhap_tu"),
        _f("population", "int", "dan_so", "danso", "so_dan", lo=0),
    ),
    key="commune_code",
)

#: The canonical vector layer kinds by name.
KINDS: dict[str, KindDef] = {
    k.name: k
    for k in (
        _COMMUNES, _DISTRICTS, _PROVINCE, _VILLAGES, _LANDSLIDE_ZONES, _LANDSLIDE_INVENTORY,
        _FOREST_KIND, _BORDER, _ROADS, _RIVERS, _COMMUNES_2025,
    )
}  # fmt: skip


def _col_key(name: str) -> str:
    return normalize_name(name, compact=True)


def match_columns(
    columns: list[str], kind: KindDef, mapping: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map source columns onto canonical fields.

    Explicit ``mapping`` entries win; then a column already named like the
    field; then aliases in their listed order. Matching ignores case,
    accents, spaces and underscores.

    Parameters
    ----------
    columns
        Source column names.
    kind
        The layer kind.
    mapping
        Canonical field -> source column given by the user.

    Returns
    -------
    tuple of (dict, list)
        Canonical field -> source column, and the names of mapping entries
        whose source column does not exist.
    """
    mapping = mapping or {}
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(_col_key(c), c)
    used: set[str] = set()
    out: dict[str, str] = {}
    missing: list[str] = []
    for canon, src in mapping.items():
        col = src if src in columns else by_key.get(_col_key(src))
        if col is None:
            missing.append(canon)
            continue
        out[canon] = col
        used.add(col)
    for f in kind.fields:
        if f.name in out:
            continue
        col = by_key.get(_col_key(f.name))
        if col is not None and col not in used:
            out[f.name] = col
            used.add(col)
    for f in kind.fields:
        if f.name in out:
            continue
        for alias in f.aliases:
            col = by_key.get(_col_key(alias))
            if col is not None and col not in used:
                out[f.name] = col
                used.add(col)
                break
    _match_truncated(columns, kind, out, used)
    return out, missing


def _match_truncated(
    columns: list[str], kind: KindDef, out: dict[str, str], used: set[str]
) -> None:
    """Match DBF names cut to 10 characters (``commune_co``) when the cut is unambiguous."""
    for c in columns:
        if c in used or len(c) != 10:
            continue
        low = c.lower()
        hits = [
            f.name
            for f in kind.fields
            if f.name not in out
            and any(n.lower().startswith(low) for n in (f.name, *f.aliases) if len(n) > 10)
        ]
        owners = {h for h in hits}
        clash = any(f.name.lower().startswith(low) for f in kind.fields if f.name in out)
        if len(owners) == 1 and not clash:
            out[hits[0]] = c
            used.add(c)
