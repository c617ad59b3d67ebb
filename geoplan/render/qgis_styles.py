"""QGIS styles (QML) for geoplan's GeoPackages, stored in their ``layer_styles`` table.

QGIS opens a GeoPackage layer with its default style from ``layer_styles``; the
project file (``render/qgis.py``) embeds the same default styles, so one style per
layer is written once.  Polygon fills are translucent with thin outlines in their
own colour, so zones, site grids and communes never hide what lies beneath; field
aliases (the office headers of ``render/columns.py``) come with every style.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from geoplan.i18n import Lang
from geoplan.render.columns import column_info

__all__ = [
    "FIXED_DATE",
    "Style",
    "default_styles",
    "qml_categories",
    "qml_categorized",
    "qml_outline",
    "write_styles",
]

FIXED_DATE = "2000-01-01T00:00:00.000Z"
Style = tuple[str, str, str, int, str]  # layer, style name, QML, default (0/1), description
CLASS_COLOURS = {
    0: "#9e9e9e",
    1: "#a50f15",
    2: "#de2d26",
    3: "#fb6a4a",
    4: "#fcae91",
    5: "#fee5d9",
}
_FILL_ALPHA = 115  # of 255: translucent fills show the layers beneath
_QML_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
# which office sheet names a GeoPackage layer's fields (for the aliases)
_ALIAS_SHEET = {"villages": "villages", "communes": "communes", "communes_2025": "communes_2025"}


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    return ",".join(str(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)) + f",{alpha}"


def _options(opts: dict[str, str]) -> str:
    inner = "".join(
        f'<Option name="{k}" type="QString" value={quoteattr(v)}/>' for k, v in opts.items()
    )
    return f'<Option type="Map">{inner}</Option>'


def _symbol(kind: str, name: str, colour_hex: str, *, dashed: bool) -> str:
    if kind == "marker":
        cls = "SimpleMarker"
        opts = {
            "name": "circle",
            "color": _rgba(colour_hex),
            "outline_color": "35,35,35,255",
            "outline_width": "0.2",
            "size": "2.6",
        }
    elif kind == "line":
        cls = "SimpleLine"
        opts = {
            "line_color": _rgba(colour_hex),
            "line_width": "0.6",
            "line_style": "dash" if dashed else "solid",
            "capstyle": "round",
        }
    else:
        cls = "SimpleFill"
        opts = {
            "color": _rgba(colour_hex, _FILL_ALPHA),
            "style": "solid",
            "outline_color": _rgba(colour_hex, 200),
            "outline_width": "0.1",
            "outline_style": "solid",
        }
    return (
        f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{cls}" enabled="1" pass="0" locked="0">{_options(opts)}</layer></symbol>'
    )


def _document(renderer: str, labeling: str = "", *, max_scale_denominator: int = 0) -> str:
    scale = (
        f' hasScaleBasedVisibilityFlag="1" minScale="{max_scale_denominator}" maxScale="0"'
        if max_scale_denominator
        else ' hasScaleBasedVisibilityFlag="0"'
    )
    labels = ' labelsEnabled="1"' if labeling else ' labelsEnabled="0"'
    return (
        f'{_QML_HEAD}<qgis version="3.22.0" styleCategories="AllStyleCategories"{scale}{labels}>'
        f"{renderer}{labeling}</qgis>\n"
    )


def _labeling(field: str, *, size: float, min_scale: int = 0, polygon: bool) -> str:
    """Return simple labels on ``field``, shown only below 1:``min_scale`` when given."""
    scale = (
        f'<rendering scaleVisibility="1" scaleMin="0" scaleMax="{min_scale}" obstacle="1"/>'
        if min_scale
        else '<rendering scaleVisibility="0" obstacle="1"/>'
    )
    placement = 'placement="1"' if polygon else 'placement="0" dist="1.2"'
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} fontSize="{size}" fontFamily="Sans Serif"'
        ' textColor="35,35,35,255" isExpression="0" fontWeight="50" fontSizeUnit="Point">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255"'
        ' bufferOpacity="0.85" bufferSizeUnits="MM"/></text-style>'
        f"<placement {placement}/>{scale}</settings></labeling>"
    )


def qml_categories(
    attribute: str,
    geometry: str,
    categories: list[tuple[Any, str, str]],
    *,
    dashed: bool = False,
    label_field: str | None = None,
    label_min_scale: int = 0,
) -> str:
    """Return a QGIS categorised style (QML): one symbol per value.

    Parameters
    ----------
    attribute
        A column name or a QGIS expression giving the category value.
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    categories
        ``(value, legend label, "#rrggbb")`` in legend order.  Polygons get a
        translucent fill and a 0.1 mm outline in the same colour, so a grid of
        sites or zones never turns into a dark mesh.
    dashed
        Dashed lines (line layers).
    label_field
        Label features with this field.
    label_min_scale
        Show labels only at scales larger than 1:``label_min_scale`` (0: always).
    """
    kind = {"point": "marker", "line": "line"}.get(geometry, "fill")
    cats = "".join(
        f'<category value={quoteattr(str(value))} symbol="{i}" label={quoteattr(text)}'
        ' render="true"/>'
        for i, (value, text, _) in enumerate(categories)
    )
    syms = "".join(
        _symbol(kind, str(i), colour, dashed=dashed) for i, (_, _, colour) in enumerate(categories)
    )
    renderer = (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0"'
        ' enableorderby="0" forceraster="0">'
        f"<categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>"
    )
    labeling = (
        _labeling(
            label_field,
            size=7 if kind == "marker" else 8,
            min_scale=label_min_scale,
            polygon=kind == "fill",
        )
        if label_field
        else ""
    )
    return _document(renderer, labeling)


def qml_categorized(attribute: str, geometry: str, labels: dict[int, str], **kwargs: Any) -> str:
    """Return a QGIS style (QML) colouring features by priority class.

    Parameters
    ----------
    attribute
        The class column, e.g. ``resettlement_class``.
    geometry
        ``"point"`` or ``"polygon"``.
    labels
        Class value -> legend label.
    **kwargs
        Passed to :func:`qml_categories` (labels).
    """
    categories = [
        (value, text, CLASS_COLOURS.get(value, "#9e9e9e")) for value, text in labels.items()
    ]
    return qml_categories(attribute, geometry, categories, **kwargs)


def qml_outline(
    colour: str, *, width: float = 0.35, dashed: bool = False, label_field: str | None = None
) -> str:
    """Return a QGIS style (QML) drawing polygons as outlines only, labelled by a field."""
    opts = {
        "color": "0,0,0,0",
        "style": "no",
        "outline_color": _rgba(colour),
        "outline_width": str(width),
        "outline_style": "dash" if dashed else "solid",
    }
    renderer = (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        '<symbols><symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleFill" enabled="1" pass="0" locked="0">{_options(opts)}</layer>'
        "</symbol></symbols></renderer-v2>"
    )
    labeling = _labeling(label_field, size=8, polygon=True) if label_field else ""
    return _document(renderer, labeling)


def _aliases(table: str, columns: list[str], lang: Lang) -> str:
    sheet = _ALIAS_SHEET.get(table)
    items = []
    for i, col in enumerate(columns):
        info = column_info(col, lang, sheet=sheet)
        if info.header != col:
            items.append(
                f'<alias field={quoteattr(col)} index="{i}" name={quoteattr(info.header)}/>'
            )
    return f"<aliases>{''.join(items)}</aliases>" if items else ""


def _with_aliases(qml: str, aliases: str) -> str:
    if not aliases or "<aliases>" in qml:
        return qml
    return qml.replace("</qgis>", f"{aliases}</qgis>", 1)


def write_styles(path: Path, styles: list[Style], *, lang: Lang = "vi") -> Path:
    """Store QGIS styles in the GeoPackage's ``layer_styles`` table (QGIS reads them on open).

    Every style gets the layer's field aliases (office headers in ``lang``).

    Parameters
    ----------
    path
        An existing GeoPackage.
    styles
        ``(layer, style name, QML, use as default, description)``; at most one
        default per layer.
    lang
        Language of the field aliases.
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
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({_quote_ident(table)})")]
            full = _with_aliases(qml, _aliases(table, columns, lang))
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
                " f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, ?, ?, ?, '', ?, ?, '', NULL, ?)",
                (table, geom_cols.get(table, "geom"), style, full, default, desc, FIXED_DATE),
            )
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description,"
            " last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS styles', ?)",
            (FIXED_DATE,),
        )
        con.commit()
    finally:
        con.close()
    return path


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_styles(path: Path) -> dict[str, tuple[str, str]]:
    """Return ``layer -> (geometry column, default QML)`` from a GeoPackage's ``layer_styles``."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleQML FROM layer_styles "
            "WHERE useAsDefault ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:
        rows = []
    finally:
        con.close()
    return {table: (geom, qml) for table, geom, qml in rows}
