"""Files for planners: ``rankings.gpkg`` (styled for QGIS), ``rankings.csv``, ``rankings.xlsx``."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.render.allocation_order import allocation_table
from geoplan.render.cells import safe_cell, safe_frame
from geoplan.render.context import RenderContext, communes_2025_frame, plan_frame
from geoplan.render.i18n import TRACKS, tr

__all__ = [
    "qml_categories",
    "qml_categorized",
    "table_ready",
    "vi_header",
    "write_csv",
    "write_frame_csv",
    "write_gpkg",
    "write_layer",
    "write_styles",
    "write_xlsx",
]

_FIXED_DATE = "2000-01-01T00:00:00.000Z"
Style = tuple[str, str, str, int, str]  # layer, style name, QML, default (0/1), description
_CLASS_COLOURS = {
    0: "#9e9e9e",
    1: "#a50f15",
    2: "#de2d26",
    3: "#fb6a4a",
    4: "#fcae91",
    5: "#fee5d9",
}

_VI_HEADERS = {
    "village_id": "Mã thôn",
    "village_name": "Tên thôn",
    "commune_code": "Mã xã",
    "commune_name": "Tên xã",
    "district_code": "Mã huyện",
    "district_name": "Tên huyện",
    "households": "Số hộ",
    "population": "Dân số",
    "poor_households": "Số hộ nghèo",
    "near_poor_households": "Số hộ cận nghèo",
    "em_households": "Số hộ DTTS",
    "main_ethnic_group": "Dân tộc chính",
    "is_especially_difficult": "Thôn ĐBKK",
    "hygienic_water_households": "Số hộ dùng nước hợp vệ sinh",
    "has_communal_house": "Có nhà rông",
    "communal_house_repaired": "Nhà rông được sửa chữa",
    "has_grid_power": "Có điện lưới",
    "all_season_road": "Đường đi được 4 mùa",
    "em_hh_no_residential_land": "Hộ DTTS thiếu đất ở",
    "em_hh_no_production_land": "Hộ DTTS thiếu đất sản xuất",
    "poverty_rate": "Tỷ lệ hộ nghèo",
    "near_poverty_rate": "Tỷ lệ hộ cận nghèo",
    "em_share": "Tỷ lệ hộ DTTS",
    "water_gap": "Tỷ lệ hộ chưa có nước hợp vệ sinh",
    "landslide_level": "Cấp sạt lở tại điểm dân cư",
    "landslide_share_high": "Tỷ lệ diện tích trong vùng sạt lở cao",
    "hh_exposed_high": "Số hộ trong vùng sạt lở cao",
    "dist_high_landslide_m": "Khoảng cách đến vùng sạt lở cao (m)",
    "elev_mean_m": "Độ cao trung bình (m)",
    "slope_mean_deg": "Độ dốc trung bình (độ)",
    "slope_max_deg": "Độ dốc lớn nhất (độ)",
    "in_special_use_forest": "Trong rừng đặc dụng",
    "in_protective_forest": "Trong rừng phòng hộ",
    "in_production_forest": "Trong rừng sản xuất",
    "forest_name": "Tên khu rừng",
    "dist_special_use_forest_m": "Khoảng cách đến rừng đặc dụng (m)",
    "dist_border_m": "Khoảng cách đến biên giới (m)",
    "in_border_belt": "Trong vành đai biên giới",
    "dist_road_m": "Khoảng cách đến đường (m)",
    "travel_min_commune_centre": "Thời gian đến trung tâm xã (phút)",
    "travel_min_district_centre": "Thời gian đến trung tâm huyện (phút)",
    "dist_river_m": "Khoảng cách đến sông suối (m)",
    "susceptibility": "Xác suất sạt lở (mô hình)",
    "ntm_criteria_met": "Số tiêu chí NTM đạt",
    "ntm_status": "Mức đạt chuẩn NTM",
    "ntm_year": "Năm đạt chuẩn NTM",
    "region": "Khu vực",
    "is_atk": "Xã ATK",
    "is_border": "Xã biên giới",
    "has_cooperative": "Có hợp tác xã",
    "villages": "Số thôn",
    "villages_exposed_high": "Số thôn trong vùng sạt lở cao",
    "lon": "Kinh độ (WGS 84)",
    "lat": "Vĩ độ (WGS 84)",
    # 2025 communes and the crosswalk
    "commune_code_2025": "Mã xã (2025)",
    "commune_name_2025": "Tên xã (2025)",
    "communes_2022": "Các xã cũ (2022)",
    "area_share": "Tỷ lệ diện tích",
    "funded_cost": "Kinh phí được cấp vốn",
    "commune_ntm_score": "Điểm ưu tiên NTM cấp xã",
    # targets (T1–T19)
    "id": "Mã mục tiêu",
    "label_vi": "Mục tiêu",
    "label_en": "Mục tiêu (tiếng Anh)",
    "programme": "Chương trình",
    "indicator": "Chỉ tiêu (cách tính)",
    "unit": "Đơn vị",
    "baseline": "Giá trị cơ sở",
    "baseline_year": "Năm cơ sở",
    "value": "Hiện trạng",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "as_of": "Năm số liệu",
    "target": "Chỉ tiêu cần đạt",
    "horizon": "Năm đích",
    "direction": "Chiều (min: không thấp hơn; max: không cao hơn)",
    "trend_per_year": "Xu hướng mỗi năm",
    "projection": "Dự báo đến năm đích",
    "status": "Tình trạng",
    "gap": "Còn thiếu so với chỉ tiêu",
    "missing": "Trường dữ liệu còn thiếu",
    "note": "Ghi chú",
}
# the same column means something else in the allocation table
_ALLOCATION_HEADERS = {
    "intervention_id": "Mã hạng mục",
    "kind": "Loại hạng mục",
    "label_vi": "Hạng mục",
    "label_en": "Hạng mục (tiếng Anh)",
    "level": "Cấp thực hiện",
    "relocation": "Di dời",
    "in_place": "Tại chỗ",
    "cost": "Kinh phí",
    "beneficiaries": "Số hộ hưởng lợi",
    "score": "Điểm ưu tiên",
    "benefit": "Lợi ích",
    "funded": "Được cấp vốn",
    "year": "Năm",
    "programme": "Chương trình",
    "source": "Nguồn vốn",
    "benefit_discounted": "Lợi ích có chiết khấu",
    "method": "Phương pháp",
    "greedy_funded": "Được cấp vốn (tham lam)",
    "greedy_year": "Năm (tham lam)",
    "greedy_programme": "Chương trình (tham lam)",
}
_TRACK_VI = {"resettlement": "tái định cư", "infrastructure": "hạ tầng", "investment": "đầu tư"}
_SUFFIX_VI = {
    "score": "Điểm",
    "rank": "Thứ hạng",
    "class": "Cấp ưu tiên",
    "eligible": "Thuộc diện xét",
    "reason": "Lý do (tiếng Anh)",
    "reason_vi": "Lý do",
    "rank_p05": "Thứ hạng P5",
    "rank_p95": "Thứ hạng P95",
    "p_top": "Xác suất trong nhóm đầu",
}


def vi_header(column: str, *, sheet: str | None = None) -> str:
    """Return the Vietnamese header of a column (the column name when unknown).

    Parameters
    ----------
    column
        Canonical column name.
    sheet
        ``"allocation"`` for the allocation table, where ``label_vi``, ``cost``... name
        an intervention's fields.
    """
    if sheet == "allocation":
        if column in _ALLOCATION_HEADERS:
            return _ALLOCATION_HEADERS[column]
        if column.startswith("cost_"):
            return f"Kinh phí – nguồn {column[len('cost_') :]}"
    if column in _VI_HEADERS:
        return _VI_HEADERS[column]
    if column.startswith("commune_") and column.endswith("_mean_score"):
        track = column[len("commune_") : -len("_mean_score")]
        if track in _TRACK_VI:
            return f"Điểm trung bình – {_TRACK_VI[track]}"
    if column.startswith("value_") and column[len("value_") :].isdigit():
        return f"Giá trị {column[len('value_') :]}"
    for track in TRACKS:
        prefix = f"{track}_"
        if column.startswith(prefix):
            rest = column[len(prefix) :]
            if rest.startswith("contrib_"):
                return f"Đóng góp {rest[len('contrib_') :]} – {_TRACK_VI[track]}"
            if rest in _SUFFIX_VI:
                return f"{_SUFFIX_VI[rest]} – {_TRACK_VI[track]}"
    for i in range(1, 6):
        if column == f"hh_exposed_{i}":
            return f"Số hộ phơi nhiễm sạt lở cấp {i}"
        if column == f"landslide_share_{i}":
            return f"Tỷ lệ diện tích sạt lở cấp {i}"
    if column.startswith("poverty_rate_"):
        return f"Tỷ lệ hộ nghèo {column.rsplit('_', 1)[-1]}"
    if column.startswith("ntm_criteria_"):
        return f"Số tiêu chí NTM {column.rsplit('_', 1)[-1]}"
    return column


def table_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Make columns writable by GDAL and Excel: nested values to text, mixed objects typed."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry" or out[col].dtype != object:
            continue
        values = out[col].dropna()
        if len(values) and values.map(lambda x: isinstance(x, (bool, np.bool_))).all():
            out[col] = out[col].astype("boolean")
        elif len(values) and values.map(lambda x: isinstance(x, (int, float, np.number))).all():
            out[col] = pd.to_numeric(out[col], errors="coerce")
        else:
            out[col] = out[col].map(
                lambda x: None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
            )
    return out


def _rgba(hex_colour: str) -> str:
    return ",".join(str(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"


def qml_categorized(attribute: str, geometry: str, labels: dict[int, str]) -> str:
    """Return a QGIS style (QML) colouring features by priority class.

    Parameters
    ----------
    attribute
        The class column, e.g. ``resettlement_class``.
    geometry
        ``"point"`` or ``"polygon"``.
    labels
        Class value -> legend label.
    """
    categories = [
        (value, text, _CLASS_COLOURS.get(value, "#9e9e9e")) for value, text in labels.items()
    ]
    return qml_categories(attribute, geometry, categories)


def qml_categories(
    attribute: str,
    geometry: str,
    categories: list[tuple[Any, str, str]],
    *,
    outline: str | None = None,
    dashed: bool = False,
) -> str:
    """Return a QGIS categorised style (QML): one symbol per value.

    Parameters
    ----------
    attribute
        A column name or a QGIS expression giving the category value.
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    categories
        ``(value, legend label, "#rrggbb")`` in legend order.
    outline
        Polygon outline colour (default grey); ignored for points and lines.
    dashed
        Dashed lines (line layers).
    """
    kind = {"point": "marker", "line": "line"}.get(geometry, "fill")
    cats, syms = [], []
    for i, (value, text, colour_hex) in enumerate(categories):
        cats.append(
            f'<category value={quoteattr(str(value))} symbol="{i}" label={quoteattr(text)}'
            ' render="true"/>'
        )
        colour = _rgba(colour_hex)
        if kind == "marker":
            opts = {
                "name": "circle",
                "color": colour,
                "outline_color": "35,35,35,255",
                "outline_width": "0.2",
                "size": "2.6",
            }
            cls = "SimpleMarker"
        elif kind == "line":
            opts = {
                "line_color": colour,
                "line_width": "0.6",
                "line_style": "dash" if dashed else "solid",
                "capstyle": "round",
            }
            cls = "SimpleLine"
        else:
            opts = {
                "color": colour,
                "style": "solid",
                "outline_color": _rgba(outline) if outline else "80,80,80,255",
                "outline_width": "0.26",
                "outline_style": "solid",
            }
            cls = "SimpleFill"
        options = "".join(
            f'<Option name="{k}" type="QString" value="{v}"/>' for k, v in opts.items()
        )
        syms.append(
            f'<symbol type="{kind}" name="{i}" alpha="{0.75 if kind == "fill" else 1}"'
            ' clip_to_extent="1" '
            f'force_rhr="0"><layer class="{cls}" enabled="1" pass="0" locked="0"><Option'
            f' type="Map">{options}'
            "</Option></layer></symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28.0" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0" '
        'enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols>"
        "</renderer-v2></qgis>\n"
    )


def write_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Add one layer to a GeoPackage, in the frame's CRS, with fixed GDAL dates (reproducible)."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    try:
        table_ready(gdf).to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_gpkg(ctx: RenderContext, path: Path) -> Path:
    """Write layers ``villages`` and ``communes`` with QGIS styles in ``layer_styles``.

    One style per track and layer; the resettlement style (or the first track's)
    is the default, so QGIS opens the layers coloured by priority class.
    """
    layers = {"villages": ctx.villages, "communes": ctx.communes}
    styles: list[Style] = []
    merged = communes_2025_frame(ctx.result)
    if isinstance(merged, gpd.GeoDataFrame) and len(merged):
        layers["communes_2025"] = merged
    for name, frame in layers.items():
        if frame.empty:
            continue
        write_layer(frame, path, name)
        geometry = "point" if (frame.geom_type == "Point").all() else "polygon"
        tracks = [t for t in ctx.tracks if f"{t}_class" in frame]
        for i, track in enumerate(tracks):
            labels = {k: tr(f"class_{k}", ctx.lang) for k in range(1, 6)}
            labels[0] = tr("not_eligible", ctx.lang)
            qml = qml_categorized(f"{track}_class", geometry, labels)
            styles.append((name, f"{name}_{track}", qml, int(i == 0), ctx.track_title(track)))
    return write_styles(path, styles)


def write_styles(path: Path, styles: list[Style]) -> Path:
    """Store QGIS styles in the GeoPackage's ``layer_styles`` table (QGIS reads them on open).

    Parameters
    ----------
    path
        An existing GeoPackage.
    styles
        ``(layer, style name, QML, use as default, description)``; at most one
        default per layer.
    """
    if not styles:
        return path
    con = sqlite3.connect(path)
    try:
        geom_cols = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time"
            " DATETIME)"
        )
        for table, style, qml, default, desc in styles:
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
                " f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, ?, ?, ?, '', ?, ?, '', NULL, ?)",
                (table, geom_cols.get(table, "geom"), style, qml, default, desc, _FIXED_DATE),
            )
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description,"
            " last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS styles', ?)",
            (_FIXED_DATE,),
        )
        con.commit()
    finally:
        con.close()
    return path


def _with_lonlat(ctx: RenderContext) -> pd.DataFrame:
    v = ctx.villages
    if v.empty:
        return pd.DataFrame(v.drop(columns="geometry", errors="ignore"))
    pts = v.geometry.representative_point().to_crs("EPSG:4326")
    frame = pd.DataFrame(v.drop(columns="geometry"))
    frame["lon"] = pts.x.round(6).to_numpy()
    frame["lat"] = pts.y.round(6).to_numpy()
    return table_ready(frame)


def write_frame_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV the way every geoplan CSV is written.

    UTF-8 with a byte-order mark (Excel then shows Vietnamese diacritics), LF line
    ends, no index, geometry dropped, mixed columns made writable.
    """
    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    safe_frame(table_ready(plain)).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    return path


def write_csv(ctx: RenderContext, path: Path) -> Path:
    """Write the village table: canonical names, WGS 84 lon/lat, UTF-8 with BOM (for Excel)."""
    return write_frame_csv(_with_lonlat(ctx), path)


def write_xlsx(ctx: RenderContext, path: Path) -> Path:
    """Write villages and communes with Vietnamese headers and a sheet mapping headers to names."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheets = {
        "Thôn": _with_lonlat(ctx),
        "Xã": table_ready(pd.DataFrame(ctx.communes.drop(columns="geometry", errors="ignore"))),
    }
    sheets.update(_plan_sheets(ctx))
    first = True
    glossary: dict[str, str] = {}
    for title, frame in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        kind = "allocation" if title == "Phan_bo" else None
        headers = [vi_header(c, sheet=kind) for c in frame.columns]
        glossary.update(zip(headers, frame.columns, strict=True))
        ws.append([safe_cell(h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([safe_cell(_cell(v)) for v in row])
        ws.freeze_panes = "C2"
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(h) + 2))
    ws = wb.create_sheet("Chú thích")
    ws.append(["Tiêu đề cột", "Tên trường (column)"])
    for h, c in sorted(glossary.items(), key=lambda kv: str(kv[1])):
        ws.append([safe_cell(h), safe_cell(str(c))])
    from datetime import datetime

    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)
    _normalise_zip(path)
    return path


def _plan_sheets(ctx: RenderContext) -> dict[str, pd.DataFrame]:
    """Sheets from the plan, each when its frame exists.

    ``Xa_2025`` (roll-ups per merged 2025 commune), ``Muc_tieu`` (targets T1–T19 for
    the province) and ``Phan_bo`` (every candidate intervention, funded first).
    """
    sheets: dict[str, pd.DataFrame] = {}
    merged = communes_2025_frame(ctx.result)
    if merged is not None and len(merged):
        sheets["Xa_2025"] = table_ready(
            pd.DataFrame(merged.drop(columns="geometry", errors="ignore"))
        )
    targets = plan_frame(ctx.result, "targets")
    if targets is not None:
        sheets["Muc_tieu"] = table_ready(pd.DataFrame(targets))
    allocation = plan_frame(ctx.result, "allocation")
    if allocation is not None:
        sheets["Phan_bo"] = table_ready(allocation_table(allocation))
    return sheets


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    return value


def _normalise_zip(path: Path) -> None:
    """Rewrite a zip with fixed timestamps so identical content gives identical bytes."""
    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, raw in items:
            content = raw
            if name == "docProps/core.xml":
                # openpyxl stamps the save time; a fixed date keeps the file reproducible
                stamp = rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*"
                content = re.sub(stamp, rb"\g<1>2000-01-01T00:00:00Z", raw)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, content)
