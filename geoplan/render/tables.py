"""Files for planners: ``rankings.gpkg`` (styled for QGIS), ``rankings.csv``, ``rankings.xlsx``.

The XLSX is written for an office (translated headers with units, number formats,
words for codes, print settings, a "Read me" sheet) in openpyxl's write-only mode:
rows stream to disk, so memory does not grow with the number of villages.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.i18n import Lang, tr
from geoplan.render.allocation_order import allocation_table
from geoplan.render.cells import safe_cell, safe_frame
from geoplan.render.columns import ColumnInfo, column_info, display_value, other_language_column
from geoplan.render.context import RenderContext, communes_2025_frame, plan_frame
from geoplan.render.qgis_styles import (
    FIXED_DATE,
    Style,
    qml_categories,
    qml_categorized,
    qml_outline,
    write_styles,
)
from geoplan.render.xlsx_rows import start_rows, write_rows
from geoplan.render.zips import restamp_zip

__all__ = [
    "CSV_LOCALES",
    "Style",
    "office_columns",
    "office_workbook",
    "qml_categories",
    "qml_categorized",
    "sheet_name",
    "table_ready",
    "write_cell",
    "write_csv",
    "write_frame_csv",
    "write_gpkg",
    "write_layer",
    "write_office_sheet",
    "write_styles",
    "write_xlsx",
]

# CSV dialects: "c" keeps the contract (comma, decimal point); "vi" suits a Vietnamese-locale
# spreadsheet (semicolon, decimal comma)
CSV_LOCALES = {"c": (",", "."), "vi": (";", ",")}


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


def write_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Add one layer to a GeoPackage 1.2, in the frame's CRS, with fixed GDAL dates.

    GeoPackage 1.2 (not GDAL's default 1.4) so that GDAL 3.6 and QGIS 3.22, as in
    Debian 12, open the file without a "partially supported" warning; fixed dates
    keep the file byte-identical between runs.
    """
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        options: dict[str, Any] = {} if path.exists() else {"dataset_options": {"VERSION": "1.2"}}
        ready = gpd.GeoDataFrame(table_ready(gdf), geometry=gdf.geometry.name, crs=gdf.crs)
        ready.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", **options)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _rankings_styles(ctx: RenderContext, name: str, frame: gpd.GeoDataFrame) -> list[Style]:
    """Styles of a ``rankings.gpkg`` layer: one per track (first is default), communes outlined.

    Villages are coloured by priority class, labelled at large scales; communes of
    both structures default to labelled outlines (they lie under everything else),
    with the commune NTM priority class as a second style.
    """
    labels = {k: tr(f"class_{k}", ctx.lang) for k in range(1, 6)}
    labels[0] = tr("not_eligible", ctx.lang)
    if name == "villages":
        geometry = "point" if bool(frame.geom_type.eq("Point").all()) else "polygon"
        tracks = [t for t in ctx.tracks if f"{t}_class" in frame]
        return [
            (
                name,
                f"{name}_{track}",
                qml_categorized(
                    f"{track}_class",
                    geometry,
                    labels,
                    label_field="village_name",
                    label_min_scale=100_000,
                ),
                int(i == 0),
                ctx.track_title(track),
            )
            for i, track in enumerate(tracks)
        ]
    if name == "communes":
        styles: list[Style] = [
            (
                name,
                "communes_outline",
                qml_outline("#424242", label_field="commune_name"),
                1,
                tr("communes_outline", ctx.lang),
            )
        ]
        if "commune_ntm_class" in frame:
            qml = qml_categorized(
                "commune_ntm_class", "polygon", labels, label_field="commune_name"
            )
            styles.append((name, "communes_ntm_priority", qml, 0, tr("ntm_priority", ctx.lang)))
        return styles
    qml = qml_outline("#6a1b9a", width=0.6, dashed=True, label_field="commune_name_2025")
    return [(name, f"{name}_outline", qml, 1, tr("communes_2025", ctx.lang))]


def write_gpkg(ctx: RenderContext, path: Path) -> Path:
    """Write layers ``villages``, ``communes`` (and ``communes_2025``) with QGIS styles.

    Every layer has a default style in ``layer_styles`` (see :func:`_rankings_styles`)
    with field aliases in ``ctx.lang``.
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
        styles += _rankings_styles(ctx, name, frame)
    return write_styles(path, styles, lang=ctx.lang)


def _with_lonlat(ctx: RenderContext) -> pd.DataFrame:
    v = ctx.villages
    if v.empty:
        return pd.DataFrame(v.drop(columns="geometry", errors="ignore"))
    pts = v.geometry.representative_point().to_crs("EPSG:4326")
    frame = pd.DataFrame(v.drop(columns="geometry"))
    frame["lon"] = pts.x.round(6).to_numpy()
    frame["lat"] = pts.y.round(6).to_numpy()
    return table_ready(frame)


def write_frame_csv(frame: pd.DataFrame, path: Path, *, locale: str = "c") -> Path:
    """Write a table as CSV the way every geoplan CSV is written.

    UTF-8 with a byte-order mark (Excel then shows Vietnamese diacritics), LF line
    ends, no index, geometry dropped, mixed columns made writable, headers the
    canonical column names.

    Parameters
    ----------
    frame
        The table.
    path
        Output file.
    locale
        ``"c"`` (comma separator, decimal point: the contract) or ``"vi"``
        (semicolon, decimal comma, for spreadsheets in a Vietnamese locale).
    """
    if locale not in CSV_LOCALES:
        from geoplan.errors import GeoplanError

        msg = f"CSV locale {locale!r} is not supported: use one of {sorted(CSV_LOCALES)}"
        raise GeoplanError(msg)
    sep, decimal = CSV_LOCALES[locale]
    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    safe_frame(table_ready(plain)).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\n", sep=sep, decimal=decimal
    )
    return path


def write_csv(ctx: RenderContext, path: Path) -> Path:
    """Write the village table: canonical names, WGS 84 lon/lat, UTF-8 with BOM (for Excel)."""
    return write_frame_csv(_with_lonlat(ctx), path, locale=ctx.csv_locale)


# the read-me sheet's header row; the words are `readme_<key>` in the `tables` group of labels.yaml
_README_HEAD = ("head_sheet", "head_header", "head_field", "head_unit", "head_shown")
# display kinds the read-me sheet explains (`kind_note_<kind>` in the `tables` group)
_KIND_NOTES = ("pct", "km", "bool", "score", "rank", "money")


def sheet_name(key: str, lang: Lang) -> str:
    """Return the name of a ``rankings.xlsx`` sheet (``villages`` -> ``Thôn`` / ``Villages``)."""
    return tr(f"sheet_{key}", lang, "tables")


def office_columns(frame: pd.DataFrame, lang: Lang, sheet: str) -> list[ColumnInfo]:
    """Return the columns an office file shows, without the other language's texts."""
    return [
        column_info(str(c), lang, sheet=sheet)
        for c in frame.columns
        if c != "geometry" and not other_language_column(str(c), lang)
    ]


def office_workbook(path: Path) -> Any:
    """Return an xlsxwriter workbook in constant-memory mode that never guesses types.

    Rows are flushed to disk one at a time, so memory does not grow with the table;
    texts are always written as texts (never as formulas, numbers or links).
    """
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"created": datetime(2000, 1, 1)})  # reproducible bytes
    return wb


def write_cell(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one value by its type: number, text or blank (never a guessed formula).

    Text goes through :func:`~geoplan.render.cells.safe_cell`, so a name such as
    ``=HYPERLINK(...)`` stays inert even once copied into a formula-reading tool.
    """
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, safe_cell(str(value)), fmt)


def write_office_sheet(
    wb: Any,
    title: str,
    frame: pd.DataFrame,
    columns: list[ColumnInfo],
    lang: Lang,
    *,
    freeze_cols: int = 2,
) -> Any:
    """Stream one table into a constant-memory workbook, laid out for an office.

    Translated headers with units, number formats, words for coded values and
    booleans, frozen header and first columns, autofilter, column widths, and
    A4 landscape printing fitted to the page width with the header repeated.

    Returns
    -------
    xlsxwriter.worksheet.Worksheet
        The sheet, for callers that add to it.
    """
    ws = wb.add_worksheet(title)
    header_fmt = wb.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE4EE", "border": 1}
    )
    formats = {}
    for i, info in enumerate(columns):
        if info.number_format not in formats:
            formats[info.number_format] = wb.add_format({"num_format": info.number_format})
        width = 24 if info.kind == "text" else 13
        ws.set_column(i, i, min(45, max(width, len(info.header) * 0.8)))
    ws.freeze_panes(1, freeze_cols)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_row(0, 45)
    for i, info in enumerate(columns):
        ws.write_string(0, i, info.header, header_fmt)
    positions = [cast(int, frame.columns.get_loc(info.name)) for info in columns]
    cell_formats = [formats[info.number_format] for info in columns]
    shown = [_ShownColumn(info, lang) for info in columns]
    start_rows(ws, 1)
    for start in range(0, len(frame), _BLOCK_ROWS):
        block = frame.iloc[start : start + _BLOCK_ROWS]
        # the same cells write_cell writes, decided once per column block
        cells = [
            col.cells(cast(pd.Series, block.iloc[:, pos]))
            for col, pos in zip(shown, positions, strict=True)
        ]
        write_rows(ws, start + 1, cells, cell_formats)
    return ws


_BLOCK_ROWS = 4096  # rows converted at a time: memory stays bounded at any table size
_MEMO_LIMIT = 8192  # distinct texts remembered per column


class _ShownColumn:
    """How one column's values are shown in an office sheet, computed a block at a time.

    Each value becomes what :func:`write_cell` would write for
    ``display_value(info, value, lang)``: ``None`` (nothing), a number, or a text
    passed through :func:`~geoplan.render.cells.safe_cell`.  Plain numeric columns
    are converted in one array operation; other values once per distinct value.
    """

    def __init__(self, info: ColumnInfo, lang: Lang) -> None:
        self.info = info
        self.lang = lang
        self.memo: dict[Any, Any] = {}

    def cells(self, values: pd.Series) -> list[Any]:
        """Return the shown values of one block of the column."""
        dtype = values.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "fi" and self.info.kind != "bool":
            array = values.to_numpy()
            if self.info.divisor != 1.0:
                array = array / self.info.divisor
            out = array.tolist()
            if dtype.kind == "f":
                for i in np.flatnonzero(~np.isfinite(array)).tolist():
                    out[i] = None
            return out
        plain = values.tolist()
        memo = self.memo
        try:  # values seen before straight from the memo, without a call
            return [memo[v] if v in memo else self._shown(v) for v in plain]
        except TypeError:  # an unhashable value: one at a time
            return [self._shown(v) for v in plain]

    def _shown(self, value: Any) -> Any:
        try:
            return self.memo[value]
        except KeyError:
            pass
        except TypeError:  # unhashable: not remembered
            return self._convert(value)
        shown = self._convert(value)
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo.clear()
        self.memo[value] = shown
        return shown

    def _convert(self, value: Any) -> Any:
        shown = display_value(self.info, _cell(value), self.lang)
        if shown is None or (isinstance(shown, (int, float)) and not isinstance(shown, bool)):
            return shown
        return safe_cell(str(shown))


def _readme_rows(
    sheets: dict[str, tuple[str, list[ColumnInfo]]], lang: Lang
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for title, columns in sheets.values():
        for info in columns:
            note = tr(f"kind_note_{info.kind}", lang, "tables") if info.kind in _KIND_NOTES else ""
            rows.append((title, info.header, info.name, info.unit, note))
    return rows


def write_xlsx(ctx: RenderContext, path: Path) -> Path:
    """Write ``rankings.xlsx`` for an office, streaming rows (constant memory).

    Sheets (Vietnamese / English names): ``Thôn`` / ``Villages``, ``Xã`` /
    ``Communes`` and, each when its frame exists, ``Xã 2025``, ``Mục tiêu`` (targets
    T1–T19), ``Phân bổ vốn`` (allocation); the last sheet ``Đọc tôi`` / ``Read me``
    explains every column (header, field name, unit, how it is shown).  Headers and
    coded values are in ``ctx.lang``; texts written in the other language are left out.
    """
    lang = ctx.lang
    frames: dict[str, pd.DataFrame] = {
        "villages": _with_lonlat(ctx),
        "communes": table_ready(
            pd.DataFrame(ctx.communes.drop(columns="geometry", errors="ignore"))
        ),
    }
    frames.update(_plan_sheets(ctx))
    wb = office_workbook(path)
    shown: dict[str, tuple[str, list[ColumnInfo]]] = {}
    for key, frame in frames.items():
        columns = office_columns(frame, lang, key)
        title = sheet_name(key, lang)
        freeze = 2 if key in ("villages", "communes", "communes_2025") else 1
        write_office_sheet(wb, title, frame, columns, lang, freeze_cols=freeze)
        shown[key] = (title, columns)
    ws = wb.add_worksheet(sheet_name("readme", lang))
    for col, width in enumerate((16, 48, 40, 12, 44)):
        ws.set_column(col, col, width)
    bold = wb.add_format({"bold": True})
    ws.write_string(0, 0, ctx.title, wb.add_format({"bold": True, "font_size": 14}))
    ws.write_string(1, 0, tr("readme_intro", lang, "tables"))
    for col, key in enumerate(_README_HEAD):
        ws.write_string(3, col, tr(f"readme_{key}", lang, "tables"), bold)
    for r, row in enumerate(_readme_rows(shown, lang), start=4):
        for col, text in enumerate(row):
            ws.write_string(r, col, text)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3)
    wb.close()
    _normalise_zip(path)
    return path


def _plan_sheets(ctx: RenderContext) -> dict[str, pd.DataFrame]:
    """Sheets from the plan, each when its frame exists.

    ``communes_2025`` (roll-ups per merged 2025 commune), ``targets`` (targets T1–T19
    for the province) and ``allocation`` (every candidate intervention, funded first).
    """
    sheets: dict[str, pd.DataFrame] = {}
    merged = communes_2025_frame(ctx.result)
    if merged is not None and len(merged):
        sheets["communes_2025"] = table_ready(
            pd.DataFrame(merged.drop(columns="geometry", errors="ignore"))
        )
    targets = plan_frame(ctx.result, "targets")
    if targets is not None:
        sheets["targets"] = table_ready(pd.DataFrame(targets))
    allocation = plan_frame(ctx.result, "allocation")
    if allocation is not None:
        sheets["allocation"] = table_ready(allocation_table(allocation))
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

    def fixed_dates(raw: bytes) -> bytes:
        # a library may stamp the save time; a fixed date keeps the file reproducible
        stamp = rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*"
        return re.sub(stamp, rb"\g<1>2000-01-01T00:00:00Z", raw)

    restamp_zip(path, {"docProps/core.xml": fixed_dates})
