"""``project.qgz``: a QGIS project over the run's GeoPackages, with print layouts.

Written with the standard library (a ``.qgs`` XML document in a zip), so QGIS is
never needed to run geoplan.  The project lists every layer of ``rankings.gpkg``,
``resettlement_sites.gpkg`` and ``landslide_model.gpkg`` present in the output
folder, grouped and ordered for reading (points over lines over zones over
outlines), each with the default style stored in its GeoPackage (fills translucent,
labels, field aliases), by paths relative to the project so the folder can be
copied.  One A3 landscape print layout per priority track and one for the hazard
review carry a title, the map, a legend of the layout's layers, a scale bar, a
north arrow, a data note and the date of printing.
"""

from __future__ import annotations

import sqlite3
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from geoplan.i18n import Lang, tr
from geoplan.render.context import RenderContext
from geoplan.render.qgis_styles import default_styles

__all__ = ["PROJECT_FILE", "write_project"]

PROJECT_FILE = "project.qgz"
_PAGE_W, _PAGE_H = 420.0, 297.0  # A3 landscape, mm
_MAP_X, _MAP_Y, _MAP_W, _MAP_H = 10.0, 24.0, 300.0, 263.0
# layer-tree groups, top first; their names are `group_<key>` in the `qgis` group of labels.yaml
_GROUPS = ("priority", "admin", "plan", "hazard")
# resettlement_sites.gpkg layers, top first; any other layer follows, off at opening
_PLAN_ORDER = ("moves", "verify_sites", "sites", "rejected_sites", "candidate_sites")
_SHOWN_AT_OPENING = {"moves", "sites", "verify_sites"}
# a layer written without a style still gets a visible, translucent one
_FALLBACK_QML = (
    '<qgis version="3.22.0"><renderer-v2 type="singleSymbol" symbollevels="0"><symbols>'
    '<symbol type="fill" name="0" alpha="0.6"><layer class="SimpleFill" enabled="1">'
    '<Option type="Map"><Option name="color" type="QString" value="120,120,120,90"/>'
    '<Option name="outline_width" type="QString" value="0.1"/></Option></layer></symbol>'
    "</symbols></renderer-v2></qgis>"
)
_DATE = "[% format_date(now(), 'dd/MM/yyyy') %]"


@dataclass(frozen=True)
class _Layer:
    """One map layer of the project."""

    id: str
    name: str
    gpkg: str
    table: str
    geometry: str  # Point, LineString, Polygon, Multi...
    qml: str
    group: str
    visible: bool

    @property
    def source(self) -> str:
        return f"./{self.gpkg}|layername={self.table}"


def _uuid(name: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"geoplan:{name}")) + "}"


def _gpkg_tables(path: Path) -> dict[str, tuple[str, tuple[float, float, float, float]]]:
    """Return ``table -> (geometry type, extent)`` of a GeoPackage's feature tables."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT c.table_name, g.geometry_type_name, c.min_x, c.min_y, c.max_x, c.max_y "
            "FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features'"
        ).fetchall()
    finally:
        con.close()
    return {t: (g, (x0, y0, x1, y1)) for t, g, x0, y0, x1, y1 in rows}


def _wkb_type(geometry: str) -> tuple[str, str]:
    """Return QGIS's ``(geometry, wkbType)`` for a GeoPackage geometry type name."""
    g = geometry.upper()
    if "POINT" in g:
        return "Point", "MultiPoint" if g.startswith("MULTI") else "Point"
    if "LINE" in g:
        return "Line", "MultiLineString" if g.startswith("MULTI") else "LineString"
    return "Polygon", "MultiPolygon" if g.startswith("MULTI") else "Polygon"


def _qml_body(qml: str) -> str:
    """Return the children of a QML document's ``<qgis>`` element (renderer, labels, aliases)."""
    start = qml.index(">", qml.index("<qgis ")) + 1
    return qml[start : qml.rindex("</qgis>")]


def _layers(ctx: RenderContext, folder: Path) -> tuple[list[_Layer], tuple[float, ...] | None]:
    """Collect the project's layers, top of the drawing order first, and the map extent."""
    lang = ctx.lang
    layers: list[_Layer] = []
    extent: tuple[float, ...] | None = None
    rankings = folder / "rankings.gpkg"
    if rankings.exists():
        tables = _gpkg_tables(rankings)
        con = sqlite3.connect(f"file:{rankings}?mode=ro", uri=True)
        try:
            village_styles = con.execute(
                "SELECT styleName, styleQML FROM layer_styles WHERE f_table_name = 'villages'"
                " ORDER BY id"
            ).fetchall()
        finally:
            con.close()
        defaults = default_styles(rankings)
        if "villages" in tables:
            for i, (style, qml) in enumerate(village_styles):
                track = style[len("villages_") :]
                layers.append(
                    _Layer(
                        f"villages_{track}",
                        f"{tr('villages', lang)} – {ctx.track_title(track)}",
                        "rankings.gpkg",
                        "villages",
                        tables["villages"][0],
                        qml,
                        "priority",
                        i == 0,
                    )
                )
        for table, visible in (("communes", True), ("communes_2025", False)):
            if table in tables and table in defaults:
                name = tr("communes_outline" if table == "communes" else table, lang)
                layers.append(
                    _Layer(
                        f"rankings_{table}",
                        name,
                        "rankings.gpkg",
                        table,
                        tables[table][0],
                        defaults[table][1],
                        "admin",
                        visible,
                    )
                )
        if "communes" in tables:
            extent = tables["communes"][1]
    for gpkg, group, order in (
        ("resettlement_sites.gpkg", "plan", _PLAN_ORDER),
        ("landslide_model.gpkg", "hazard", ("disagreement", "zones")),
    ):
        path = folder / gpkg
        if not path.exists():
            continue
        tables = _gpkg_tables(path)
        defaults = default_styles(path)
        known = [t for t in order if t in tables]
        for table in known + sorted(t for t in tables if t not in order):
            key = "model_zones" if table == "zones" else table
            layers.append(
                _Layer(
                    f"{Path(gpkg).stem}_{table}",
                    tr(key, lang),
                    gpkg,
                    table,
                    tables[table][0],
                    defaults.get(table, ("", _FALLBACK_QML))[1],
                    group,
                    table in _SHOWN_AT_OPENING,
                )
            )
    return layers, extent


def _srs(crs: str) -> str:
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    auth = parsed.to_authority()
    authid = f"{auth[0]}:{auth[1]}" if auth else ""
    return (
        f"<spatialrefsys><wkt>{escape(parsed.to_wkt())}</wkt><authid>{escape(authid)}</authid><description>{escape(parsed.name)}"
        "</description></spatialrefsys>"
    )


def _maplayer(layer: _Layer, srs: str) -> str:
    geometry, wkb = _wkb_type(layer.geometry)
    return (
        f'<maplayer type="vector" geometry="{geometry}" wkbType="{wkb}"'
        ' styleCategories="AllStyleCategories" readOnly="0"'
        f' labelsEnabled="{1 if "<labeling" in layer.qml else 0}"'
        ' hasScaleBasedVisibilityFlag="0" minScale="0" maxScale="0">'
        f"<id>{layer.id}</id><datasource>{escape(layer.source)}</datasource>"
        f"<layername>{escape(layer.name)}</layername><srs>{srs}</srs>"
        f'<provider encoding="UTF-8">ogr</provider>{_qml_body(layer.qml)}</maplayer>'
    )


def _tree_layer(layer: _Layer, *, checked: bool) -> str:
    state = "Qt::Checked" if checked else "Qt::Unchecked"
    return (
        f'<layer-tree-layer id="{layer.id}" name={quoteattr(layer.name)}'
        f' source={quoteattr(layer.source)} providerKey="ogr" checked="{state}" expanded="1"/>'
    )


def _layer_tree(layers: list[_Layer], lang: Lang) -> str:
    parts = []
    for key in _GROUPS:
        members = [lyr for lyr in layers if lyr.group == key]
        if not members:
            continue
        name = tr(f"group_{key}", lang, "qgis")
        inner = "".join(_tree_layer(lyr, checked=lyr.visible) for lyr in members)
        parts.append(
            f'<layer-tree-group name={quoteattr(name)} checked="Qt::Checked" expanded="1">'
            f"{inner}</layer-tree-group>"
        )
    return f"<layer-tree-group>{''.join(parts)}</layer-tree-group>"


def _fit_extent(extent: tuple[float, ...]) -> tuple[float, float, float, float]:
    """Grow the extent by 3 % and to the map frame's aspect ratio."""
    x0, y0, x1, y1 = extent
    w, h = (x1 - x0) * 1.06, (y1 - y0) * 1.06
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ratio = _MAP_W / _MAP_H
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


Box = tuple[float, float, float, float]  # x, y, width, height on the page, mm


def _item(kind: int, name: str, box: Box, attrs: str, body: str) -> str:
    x, y, w, h = box
    return (
        f'<LayoutItem type="{kind}" id={quoteattr(name)} uuid="{_uuid(name)}"'
        f' templateUuid="{_uuid(name)}" position="{x},{y},mm" positionOnPage="{x},{y},mm"'
        f' size="{w},{h},mm" referencePoint="0" frame="false" background="false"'
        f' visibility="1" opacity="1" zValue="1" {attrs}>{body}</LayoutItem>'
    )


def _label(name: str, text: str, box: Box, *, size: int, expression: bool = False) -> str:
    """Return a text item; ``[%`` in plain text is broken up so QGIS never evaluates it."""
    if not expression:
        text = text.replace("[%", "[ %")
    weight = 75 if size >= 16 else 50
    body = f'<LabelFont description="Sans Serif,{size},-1,5,{weight},0,0,0,0,0" style=""/>'
    attrs = (
        f'labelText={quoteattr(text)} htmlState="0" halign="1" valign="32" marginX="0" marginY="0"'
    )
    return _item(65641, name, box, attrs, body)


def _layout(
    name: str,
    title: str,
    members: list[_Layer],
    *,
    extent: tuple[float, ...],
    note: str,
    lang: Lang,
) -> str:
    map_id = f"{name}/map"
    x0, y0, x1, y1 = _fit_extent(extent)
    layer_set = "".join(
        f'<Layer source={quoteattr(lyr.source)} provider="ogr" name={quoteattr(lyr.name)}>'
        f"{lyr.id}</Layer>"
        for lyr in members
    )
    map_item = _item(
        65639,
        map_id,
        (_MAP_X, _MAP_Y, _MAP_W, _MAP_H),
        'keepLayerSet="true" drawCanvasItems="true" mapRotation="0" followPreset="false"'
        ' frame="true"',
        f'<Extent xmin="{x0}" ymin="{y0}" xmax="{x1}" ymax="{y1}"/>'
        f"<LayerSet>{layer_set}</LayerSet>",
    ).replace('frame="false" ', "", 1)
    legend_tree = "".join(_tree_layer(lyr, checked=True) for lyr in members)
    legend = _item(
        65642,
        f"{name}/legend",
        (318, _MAP_Y, 94, 150),
        f'map_uuid="{_uuid(map_id)}" title={quoteattr(tr("legend", lang))}'
        ' resizeToContents="1" legendFilterByMap="1" columnCount="1" symbolWidth="7"'
        ' symbolHeight="4"',
        f"<layer-tree-group>{legend_tree}</layer-tree-group>",
    )
    scalebar = _item(
        65646,
        f"{name}/scalebar",
        (318, 232, 90, 14),
        f'mapUuid="{_uuid(map_id)}" style="Single Box" unitType="km" unitLabel="km"'
        ' numMapUnitsPerScaleBarUnit="1000" numSegments="2" numSegmentsLeft="0"'
        ' segmentSizeMode="1" minBarWidth="30" maxBarWidth="70" numUnitsPerSegment="10"'
        ' height="3" alignment="0"',
        "",
    )
    north = _item(
        65640,
        f"{name}/north",
        (392, 200, 18, 24),
        f'file=":/images/north_arrows/layout_default_north_arrow.svg" mapUuid="{_uuid(map_id)}"'
        ' northMode="0" northOffset="0" resizeMode="0" mode="2" anchorPoint="0"',
        "",
    )
    items = [
        _label(f"{name}/title", title, (10, 6, 400, 14), size=20),
        map_item,
        legend,
        scalebar,
        north,
        _label(f"{name}/note", note, (318, 250, 94, 30), size=8),
        _label(
            f"{name}/date",
            f"{tr('printed_on', lang, 'qgis')} {_DATE}",
            (318, 282, 94, 8),
            size=8,
            expression=True,
        ),
    ]
    page = (
        '<PageCollection><LayoutItem type="65638" size="420,297,mm" position="0,0,mm"'
        ' positionOnPage="0,0,mm" background="true" frame="false" visibility="1"'
        f' uuid="{_uuid(name + "/page")}"/></PageCollection>'
    )
    return (
        f'<Layout name={quoteattr(title)} units="mm" printResolution="300" worldFileMap="">'
        f"{page}{''.join(items)}</Layout>"
    )


def _note(ctx: RenderContext, crs: str) -> str:
    from geoplan import __version__

    lines = [
        ctx.title,
        f"{tr('generated_by', ctx.lang)} {__version__}; {crs}",
    ]
    if ctx.synthetic:
        lines.append(tr("synthetic", ctx.lang))
    return "\n".join(lines)


def write_project(ctx: RenderContext, folder: Path) -> Path | None:
    """Write ``project.qgz`` over the GeoPackages already written in ``folder``.

    Parameters
    ----------
    ctx
        Render inputs (language, tracks, title, scenario CRS).
    folder
        The output folder holding ``rankings.gpkg`` and, when written,
        ``resettlement_sites.gpkg`` and ``landslide_model.gpkg``.

    Returns
    -------
    Path or None
        The project file, or ``None`` (nothing written) without ``rankings.gpkg``.
    """
    layers, extent = _layers(ctx, folder)
    if not layers or extent is None:
        return None
    crs = str(ctx.result.scenario.crs or "EPSG:3405")
    srs = _srs(crs)
    lang = ctx.lang
    note = _note(ctx, crs)
    admin = [lyr for lyr in layers if lyr.id == "rankings_communes"]
    plan = [lyr for lyr in layers if lyr.group == "plan" and lyr.visible]
    layouts = []
    for lyr in layers:
        if lyr.group != "priority":
            continue
        track = lyr.id[len("villages_") :]
        members = [lyr, *(plan if track == "resettlement" else []), *admin]
        title = f"{tr('priority_map', lang)}: {ctx.track_title(track)}"
        layouts.append(
            _layout(f"priority_{track}", title, members, extent=extent, note=note, lang=lang)
        )
    hazard = [lyr for lyr in layers if lyr.group == "hazard"]
    if hazard:
        first_villages = [lyr for lyr in layers if lyr.group == "priority"][:1]
        members = [*first_villages, *plan, *hazard, *admin]
        layouts.append(
            _layout(
                "hazard", tr("hazard_title", lang), members, extent=extent, note=note, lang=lang
            )
        )
    qgs = (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.22.0" projectname={quoteattr(ctx.title)}>'
        f'<homePath path=""/><title>{escape(ctx.title)}</title>'
        f"<projectCrs>{srs}</projectCrs>"
        f"{_layer_tree(layers, lang)}"
        f"<projectlayers>{''.join(_maplayer(lyr, srs) for lyr in layers)}</projectlayers>"
        f"<layerorder>{''.join(f'<layer id={quoteattr(lyr.id)}/>' for lyr in layers)}</layerorder>"
        f"<Layouts>{''.join(layouts)}</Layouts>"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
        "</qgis>\n"
    )
    path = folder / PROJECT_FILE
    info = zipfile.ZipInfo("project.qgs", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, qgs.encode("utf-8"))
    return path
