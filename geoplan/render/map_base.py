"""The map every product starts from: offline assets, base layers, outlines, controls.

Helpers shared by the product modules (``map_priority``, ``map_hazard``,
``map_plan``, ``map_dashboard``) live here too: value cleaning, style and legend
specs for ``GP.dataLayer`` and :func:`add_layer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from geoplan.i18n import Lang, fmt_num, strings, tr
from geoplan.render._geo import (
    Columns,
    PropertyColumns,
    bounds_latlon,
    clean_value,
    feature_collection,
    record_columns,
)
from geoplan.render.base_layers import VILLAGE_LABEL_ZOOM, add_offline_base
from geoplan.render.context import (
    RenderContext,
)
from geoplan.render.elements import Call, DataLayer, ImageLayer, TileLayer
from geoplan.render.map_compact import compact_points, use_compact_runtime, wants_compact
from geoplan.render.offline import deterministic_ids, make_offline
from geoplan.render.palette import CLASS_COLOURS, LEVEL_COLOURS, POVERTY_BREAKS, VILLAGE_OUTLINE
from geoplan.render.shared import once

__all__ = [
    "add_layer",
    "add_outlines",
    "admin_props",
    "as_int",
    "as_number",
    "as_points",
    "as_text",
    "base_map",
    "class_badge_items",
    "class_legend_items",
    "exposure_levels",
    "figure_of",
    "finish_map",
    "legend_of",
    "level_legend_items",
    "polygon_style",
    "poverty_colour",
    "poverty_legend_items",
    "save_map",
    "village_base_props",
    "village_style",
]


SECTION = dict[str, Any]


def as_number(value: Any) -> float | None:
    """Return a finite number as float, else ``None`` (NaN, text, booleans)."""
    v = clean_value(value)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def as_text(value: Any) -> str:
    """Return the value as text, ``""`` for missing values."""
    v = clean_value(value)
    return "" if v is None else str(v)


def as_int(value: Any, default: int = 0) -> int:
    """Return the value as int, ``default`` when it is not a number."""
    v = as_number(value)
    return int(v) if v is not None else default


def class_badge_items(lang: Lang) -> dict[str, list[str]]:
    """Return class -> [colour, label] for the popup badge (0: not eligible)."""
    items = {str(k): [CLASS_COLOURS[k], tr(f"class_{k}", lang)] for k in range(1, 6)}
    items["0"] = [CLASS_COLOURS[0], tr("not_eligible", lang)]
    return items


def class_legend_items(lang: Lang, shape: str = "halo") -> list[SECTION]:
    """Return the legend items of the five priority classes and "not eligible"."""
    items = [
        {"color": CLASS_COLOURS[k], "label": tr(f"class_{k}", lang), "shape": shape}
        for k in range(1, 6)
    ]
    items.append({"color": CLASS_COLOURS[0], "label": tr("not_eligible", lang), "shape": shape})
    return items


def level_legend_items(lang: Lang) -> list[SECTION]:
    """Return the legend items of the five landslide levels."""
    return [
        {"color": LEVEL_COLOURS[k], "label": f"{k} – {tr(f'level_{k}', lang)}", "opacity": 0.6}
        for k in range(1, 6)
    ]


def poverty_colour(rate: float | None) -> str:
    """Return the fill colour of a poverty rate (grey when unknown)."""
    if rate is None:
        return "#cccccc"
    for upper, colour in POVERTY_BREAKS:
        if rate < upper:
            return colour
    return POVERTY_BREAKS[-1][1]


def poverty_legend_items(lang: Lang, shape: str) -> list[SECTION]:
    """Return the legend items of the poverty classes."""
    lows = [0.0] + [u for u, _ in POVERTY_BREAKS[:-1]]
    items = []
    for i, (upper, colour) in enumerate(POVERTY_BREAKS):
        lo = fmt_num(100 * lows[i], lang)
        text = f"{lo}–{fmt_num(100 * upper, lang)} %" if upper <= 1 else f"≥ {lo} %"
        items.append({"color": colour, "label": text, "shape": shape})
    return items


def admin_props(cols: Columns) -> PropertyColumns:
    """Return the communes' names (else codes) as ``n`` and their districts' as ``d``."""
    return {"n": cols.first_text("commune_name", "commune_code"), "d": cols.text("district_name")}


def village_style(colors: dict[str, str]) -> SECTION:
    """Return the style of villages as points coloured by ``k`` and sized by households."""
    return {
        "type": "point",
        "by": "k",
        "colors": colors,
        "radiusBy": "hh",
        "rscale": 0.45,
        "rmin": 3.5,
        "rmax": 10,
        "stroke": VILLAGE_OUTLINE,
        "weight": 1,
    }


SIZE_KEY_HOUSEHOLDS = (25, 100, 250, 500)


def size_legend(style: SECTION, lang: Lang) -> SECTION:
    """Return the legend's circle-size key of a point style sized by households."""
    return {"title": tr("circle_size", lang), "values": list(SIZE_KEY_HOUSEHOLDS), "style": style}


def exposure_levels(lang: Lang) -> SECTION:
    """Return the popup's bars of households exposed per landslide level (``lvl``)."""
    return {
        "key": "lvl",
        "title": tr("hh_exposed_by_level", lang),
        "labels": [f"{tr('level', lang)} {i}" for i in range(1, 6)],
        "colors": [LEVEL_COLOURS[i] for i in range(1, 6)],
    }


def polygon_style(
    *,
    stroke: str,
    weight: float,
    opacity: float,
    by: str | None = None,
    colors: dict[str, str] | None = None,
    fill: str | None = None,
) -> SECTION:
    """Return a polygon style spec for ``GP.dataLayer`` (keys in the runtime's order).

    Parameters
    ----------
    stroke, weight, opacity
        Outline colour, outline width and fill opacity.
    by, colors
        Property that picks the fill colour and its colour per value (none: one fill).
    fill
        Fill colour of features without a (known) ``by`` value.
    """
    style: SECTION = {"type": "polygon"}
    if by is not None:
        style.update({"by": by, "colors": colors})
    if fill is not None:
        style["fill"] = fill
    style.update({"stroke": stroke, "weight": weight, "fillOpacity": opacity})
    return style


def add_layer(
    m: folium.Map,
    key: str,
    title: str,
    data: dict[str, Any],
    spec: SECTION,
    *,
    legend_items: list[SECTION] | None = None,
    show: bool = True,
    legend_title: str | None = None,
) -> None:
    """Add a data layer to the map and, with ``legend_items``, its legend section.

    Parameters
    ----------
    m
        The map (from :func:`base_map`).
    key, title
        Layer id (also the legend section's ``layer``) and its name in the layer control.
    data, spec
        GeoJSON feature collection and its style/popup/tooltip/search spec.
    legend_items
        The legend section's items; none: no legend section.
    show
        Whether the layer is on at opening.
    legend_title
        The legend section's title when it differs from ``title``.
    """
    if wants_compact(data, spec):
        use_compact_runtime(m)
        if spec.get("search", {}).get("kind") == "village":
            # at this density the base's village names would be thousands of markers: the
            # layer writes the names of the points in view on its canvas instead
            labels = {"key": spec["search"]["label"], "minZoom": VILLAGE_LABEL_ZOOM}
            spec = {**spec, "labels": labels}
        data = compact_points(data)
    DataLayer(key, title, data, spec, show=show).add_to(m)
    if legend_items is not None:
        section: SECTION = {"layer": key, "title": legend_title or title, "items": legend_items}
        style = spec.get("style", {})
        if style.get("type") == "point" and style.get("radiusBy") == "hh":
            section["sizes"] = size_legend(style, lang_of(m))
        legend_of(m).append(section)


def base_map(ctx: RenderContext, subtitle: str, *, width: str = "100%") -> folium.Map:
    """Create the map with offline assets, runtime, base layers and hillshade.

    Parameters
    ----------
    ctx
        Prepared render inputs.
    subtitle
        The map's own title line under the scenario title.
    width
        CSS width of the map element (the dashboard keeps room for its side panel).
    """
    bounds = (
        once(ctx, "bounds", lambda: bounds_latlon(ctx.communes_web))
        if len(ctx.communes_web)
        else [[14.0, 107.3], [15.5, 108.6]]
    )
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=centre,
        zoom_start=9,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        width=width,
        zoom_snap=0.25,
    )
    make_offline(m)
    figure_of(m).html.add_child(folium.Element(f'<div hidden id="gp-lang">{ctx.lang}</div>'))
    Call("init", {"lang": ctx.lang, "strings": strings(ctx.lang)}, raw_first="__MAP__").add_to(m)
    add_offline_base(m, ctx)
    TileLayer(
        "base_osm",
        tr("base_osm", ctx.lang),
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
    ).add_to(m)
    TileLayer(
        "base_sat",
        tr("base_sat", ctx.lang),
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Imagery © Esri",
    ).add_to(m)
    m._gp_bounds = bounds  # type: ignore[attr-defined]
    m._gp_legend = []  # type: ignore[attr-defined]
    m._gp_subtitle = subtitle  # type: ignore[attr-defined]
    m._gp_lang = ctx.lang  # type: ignore[attr-defined]
    if ctx.hillshade is not None:
        ImageLayer(
            "hillshade",
            tr("hillshade", ctx.lang),
            ctx.hillshade.url,
            ctx.hillshade.bounds,
            pane="gpHillshade",
        ).add_to(m)
        legend_of(m).append(
            {
                "layer": "hillshade",
                "title": tr("hillshade", ctx.lang),
                "gradient": ["#ffffff", "#8a8a8a", "#303030"],
                "ends": [tr("hill_lit", ctx.lang), tr("hill_shadow", ctx.lang)],
            }
        )
    return m


def figure_of(m: folium.Map) -> Figure:
    """Return the map's root figure."""
    return cast(Figure, m.get_root())


def lang_of(m: folium.Map) -> Lang:
    """Return the language the map was made in."""
    return m._gp_lang  # type: ignore[attr-defined]


def legend_of(m: folium.Map) -> list[SECTION]:
    """Return the map's legend sections (appended by :func:`add_layer`)."""
    return m._gp_legend  # type: ignore[attr-defined]


def finish_map(m: folium.Map, ctx: RenderContext, *, title: bool = True) -> folium.Map:
    """Add title, search, fullscreen, coordinates, legend and layer control; fit the view."""
    if title:
        Call(
            "title",
            {
                "title": ctx.title,
                "subtitle": m._gp_subtitle,  # type: ignore[attr-defined]
                "synthetic": tr("synthetic", ctx.lang) if ctx.synthetic else "",
            },
        ).add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    Call("search").add_to(m)
    Call("fullscreen").add_to(m)
    Call("coords").add_to(m)
    Call("legend", list(reversed(legend_of(m)))).add_to(m)
    Call("finish", m._gp_bounds).add_to(m)  # type: ignore[attr-defined]
    return m


def save_map(m: folium.Map, path: Path) -> Path:
    """Render ``m`` to a self-contained HTML file with deterministic element ids."""
    html = m.get_root().render()
    html = html.replace("<html>", f'<html lang="{_lang_of(html)}">', 1)
    path.write_text(deterministic_ids(html), encoding="utf-8")
    return path


def _lang_of(html: str) -> str:
    return "en" if '<div hidden id="gp-lang">en</div>' in html else "vi"


def add_outlines(m: folium.Map, ctx: RenderContext) -> None:
    """Commune, district and province outlines (not clickable; districts are searchable).

    Their features are made once per context (:func:`geoplan.render.shared.once`):
    every map has the same.
    """
    lang = ctx.lang
    if len(ctx.communes_web):
        data = once(ctx, "outline_communes", lambda: feature_collection(ctx.communes_web))
        _add_outline(
            m, data, "communes_outline", lang=lang, stroke="#6d6d6d", weight=0.6, item="commune"
        )
    if ctx.districts_web is not None and len(ctx.districts_web):
        extra = {
            "popup": {
                "title": "n",
                "rows": [
                    [tr("communes_n", lang), "nc", "int"],
                    [tr("villages_n", lang), "nv", "int"],
                    [tr("households", lang), "hh", "int"],
                    [tr("poverty_rate", lang), "pov", "pct"],
                ],
            },
            "search": {"label": "n", "kind": "district"},
        }
        _add_outline(
            m,
            once(ctx, "outline_districts", lambda: _district_features(ctx)),
            "districts",
            lang=lang,
            stroke="#37474f",
            weight=1.8,
            item="district",
            extra=extra,
        )
    if ctx.province_web is not None and len(ctx.province_web):
        province = ctx.province_web
        data = once(ctx, "outline_province", lambda: feature_collection(province))
        _add_outline(m, data, "province", lang=lang, stroke="#111111", weight=3, item="province")


def _district_features(ctx: RenderContext) -> dict[str, Any]:
    """Return the districts' features with their names and totals (communes, villages...)."""
    summary = _district_summary(ctx)

    def props(cols: Columns) -> PropertyColumns:
        rows = [summary.get(code, {}) for code in cols.text("district_code")]
        return {"n": cols.first_text("district_name", "district_code"), **record_columns(rows)}

    return feature_collection(cast(gpd.GeoDataFrame, ctx.districts_web), props)


def _add_outline(
    m: folium.Map,
    data: dict[str, Any],
    key: str,
    *,
    lang: Lang,
    stroke: str,
    weight: float,
    item: str,
    extra: SECTION | None = None,
) -> None:
    """Add one unfilled, non-interactive outline layer with a line in the legend.

    Parameters
    ----------
    m
        The map.
    data
        The polygons' features (:func:`feature_collection`).
    key
        Layer id; its translation is the layer's title.
    lang
        Language of the labels.
    stroke, weight
        Outline colour and width.
    item
        Translation key of the legend line's label.
    extra
        Further spec entries after the style (popup, search).
    """
    style = {
        "type": "polygon",
        "stroke": stroke,
        "weight": weight,
        "noFill": True,
        "interactive": False,
    }
    items = [{"color": stroke, "label": tr(item, lang), "shape": "line"}]
    add_layer(m, key, tr(key, lang), data, {"style": style, **(extra or {})}, legend_items=items)


def _district_summary(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    v = ctx.villages
    if "district_code" not in v:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for code, grp in v.groupby(v["district_code"].astype(str), sort=True):
        hh = pd.to_numeric(grp.get("households"), errors="coerce") if "households" in grp else None
        poor = (
            pd.to_numeric(grp.get("poor_households"), errors="coerce")
            if "poor_households" in grp
            else None
        )
        total = float(hh.sum()) if hh is not None else float("nan")
        out[str(code)] = {
            "nc": int(grp["commune_code"].nunique()) if "commune_code" in grp else None,
            "nv": len(grp),
            "hh": clean_value(total),
            "pov": clean_value(float(poor.sum()) / total)
            if poor is not None and total > 0
            else None,
        }
    return out


def village_base_props(cols: Columns) -> PropertyColumns:
    """Return the properties every village feature has: id, name, commune, district, households."""
    return {
        "id": cols.text("village_id"),
        "n": cols.first_text("village_name", "village_id"),
        "c": cols.text("commune_name"),
        "d": cols.text("district_name"),
        "hh": cols.clean("households"),
    }


def as_points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Villages as points (representative points of polygons)."""
    if len(gdf) and not (gdf.geom_type == "Point").all():
        gdf = gdf.copy()
        gdf.geometry = gdf.geometry.representative_point()
    return gdf
