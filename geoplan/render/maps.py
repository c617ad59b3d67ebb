"""The interactive maps: one small function per layer type, assembled into folium maps.

Every map is self-contained (see :mod:`geoplan.render.offline`), has a layer
control, a legend section for every layer, a scale bar, a WGS 84 / VN-2000
coordinate readout, a fullscreen button, an accent-insensitive search by village,
commune or district name, and popups built by the runtime from escaped data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from geoplan.render._geo import (
    bounds_latlon,
    clean_value,
    coverage_simplify,
    feature_collection,
    generalise_coverage,
    simplify,
    to_wgs84,
)
from geoplan.render.context import (
    RenderContext,
    communes_2025_frame,
    criterion_labels,
    plan_frame,
    plan_summary,
    track_criteria,
)
from geoplan.render.elements import BlankLayer, Call, DataLayer, ImageLayer, TileLayer
from geoplan.render.i18n import Lang, fmt_num, fmt_pct, label, strings, tr
from geoplan.render.offline import deterministic_ids, jinja_safe_html, make_offline
from geoplan.render.plan_files import MOVE_COLOURS, SITE_COLOURS, code_names, split_sites
from geoplan.render.plan_report import currency_label
from geoplan.render.raster import colour_overlay

__all__ = [
    "CLASS_COLOURS",
    "dashboard_map",
    "hazard_map",
    "model_summary_html",
    "priority_map",
    "save_map",
]

CLASS_COLOURS = {0: "#9e9e9e", 1: "#a50f15", 2: "#de2d26", 3: "#fb6a4a", 4: "#fcae91", 5: "#fee5d9"}
LEVEL_COLOURS = {1: "#ffffb2", 2: "#fed976", 3: "#fd8d3c", 4: "#e31a1c", 5: "#800026"}
FOREST_COLOURS = {"special_use": "#1b5e20", "protective": "#4caf50", "production": "#b9e0a5"}
EXPOSURE_COLOURS = {3: "#67000d", 2: "#e6550d", 1: "#fdd049", 0: "#41ab5d"}
NTM_COLOURS = {"none": "#e0e0e0", "standard": "#a1d99b", "advanced": "#41ab5d", "model": "#00441b"}
POVERTY_BREAKS = [
    (0.10, "#fef0d9"),
    (0.25, "#fdcc8a"),
    (0.40, "#fc8d59"),
    (0.55, "#e34a33"),
    (2.0, "#b30000"),
]
SUSC_COLOURS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]
CONTRIB_COLOURS = [
    "#3b6ea8",
    "#5b9bd5",
    "#70ad47",
    "#ffc000",
    "#ed7d31",
    "#a5a5a5",
    "#7e57c2",
    "#26a69a",
]
SECTION = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def _num(value: Any) -> float | None:
    v = clean_value(value)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _text(value: Any) -> str:
    v = clean_value(value)
    return "" if v is None else str(v)


def _int(value: Any, default: int = 0) -> int:
    v = _num(value)
    return int(v) if v is not None else default


def _class_items(lang: Lang) -> dict[str, list[str]]:
    items = {str(k): [CLASS_COLOURS[k], tr(f"class_{k}", lang)] for k in range(1, 6)}
    items["0"] = [CLASS_COLOURS[0], tr("not_eligible", lang)]
    return items


def _class_legend_items(lang: Lang, shape: str = "circle") -> list[SECTION]:
    items = [
        {"color": CLASS_COLOURS[k], "label": tr(f"class_{k}", lang), "shape": shape}
        for k in range(1, 6)
    ]
    items.append({"color": CLASS_COLOURS[0], "label": tr("not_eligible", lang), "shape": shape})
    return items


def _level_legend_items(lang: Lang) -> list[SECTION]:
    return [
        {"color": LEVEL_COLOURS[k], "label": f"{k} – {tr(f'level_{k}', lang)}", "opacity": 0.6}
        for k in range(1, 6)
    ]


def _poverty_colour(rate: float | None) -> str:
    if rate is None:
        return "#cccccc"
    for upper, colour in POVERTY_BREAKS:
        if rate < upper:
            return colour
    return POVERTY_BREAKS[-1][1]


def _poverty_legend_items(lang: Lang, shape: str) -> list[SECTION]:
    lows = [0.0] + [u for u, _ in POVERTY_BREAKS[:-1]]
    items = []
    for i, (upper, colour) in enumerate(POVERTY_BREAKS):
        lo = fmt_num(100 * lows[i], lang)
        text = f"{lo}–{fmt_num(100 * upper, lang)} %" if upper <= 1 else f"≥ {lo} %"
        items.append({"color": colour, "label": text, "shape": shape})
    return items


def _admin_props(row: pd.Series) -> dict[str, Any]:
    """Return the commune's name (else its code) as ``n`` and its district's as ``d``."""
    return {
        "n": _text(row.get("commune_name")) or _text(row.get("commune_code")),
        "d": _text(row.get("district_name")),
    }


def _village_style(colors: dict[str, str]) -> SECTION:
    """Return the style of villages as points coloured by ``k`` and sized by households."""
    return {
        "type": "point",
        "by": "k",
        "colors": colors,
        "radiusBy": "hh",
        "rscale": 0.45,
        "rmin": 3.5,
        "rmax": 10,
    }


def _exposure_levels(lang: Lang) -> SECTION:
    """Return the popup's bars of households exposed per landslide level (``lvl``)."""
    return {
        "key": "lvl",
        "title": tr("hh_exposed_by_level", lang),
        "labels": [f"{tr('level', lang)} {i}" for i in range(1, 6)],
        "colors": [LEVEL_COLOURS[i] for i in range(1, 6)],
    }


def _polygon_style(
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


def _add_layer(
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
    DataLayer(key, title, data, spec, show=show).add_to(m)
    if legend_items is not None:
        section = {"layer": key, "title": legend_title or title, "items": legend_items}
        _legend(m).append(section)


# --------------------------------------------------------------------------- base map


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
        bounds_latlon(ctx.communes_web) if len(ctx.communes_web) else [[14.0, 107.3], [15.5, 108.6]]
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
    _figure(m).html.add_child(folium.Element(f'<div hidden id="gp-lang">{ctx.lang}</div>'))
    Call("init", {"lang": ctx.lang, "strings": strings(ctx.lang)}, raw_first="__MAP__").add_to(m)
    BlankLayer("base_offline", tr("base_offline", ctx.lang), show=True).add_to(m)
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
    if ctx.hillshade is not None:
        ImageLayer(
            "hillshade",
            tr("hillshade", ctx.lang),
            ctx.hillshade.url,
            ctx.hillshade.bounds,
            pane="gpHillshade",
        ).add_to(m)
        _legend(m).append(
            {
                "layer": "hillshade",
                "title": tr("hillshade", ctx.lang),
                "gradient": ["#ffffff", "#8a8a8a", "#303030"],
                "ends": [tr("hill_lit", ctx.lang), tr("hill_shadow", ctx.lang)],
            }
        )
    return m


def _figure(m: folium.Map) -> Figure:
    return cast(Figure, m.get_root())


def _legend(m: folium.Map) -> list[SECTION]:
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
    Call("legend", list(reversed(_legend(m)))).add_to(m)
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


# --------------------------------------------------------------------------- admin layers


def add_outlines(m: folium.Map, ctx: RenderContext) -> None:
    """Commune, district and province outlines (not clickable; districts are searchable)."""
    lang = ctx.lang
    if len(ctx.communes_web):
        _add_outline(
            m,
            ctx.communes_web,
            "communes_outline",
            lang=lang,
            stroke="#6d6d6d",
            weight=0.6,
            item="commune",
        )
    if ctx.districts_web is not None and len(ctx.districts_web):
        summary = _district_summary(ctx)

        def props(row: pd.Series) -> dict[str, Any]:
            code = _text(row.get("district_code"))
            s = summary.get(code, {})
            return {"n": _text(row.get("district_name")) or code, **s}

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
            ctx.districts_web,
            "districts",
            lang=lang,
            stroke="#37474f",
            weight=1.8,
            item="district",
            props=props,
            extra=extra,
        )
    if ctx.province_web is not None and len(ctx.province_web):
        _add_outline(
            m, ctx.province_web, "province", lang=lang, stroke="#111111", weight=3, item="province"
        )


def _add_outline(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    key: str,
    *,
    lang: Lang,
    stroke: str,
    weight: float,
    item: str,
    props: Callable[[pd.Series], dict[str, Any]] | None = None,
    extra: SECTION | None = None,
) -> None:
    """Add one unfilled, non-interactive outline layer with a line in the legend.

    Parameters
    ----------
    m
        The map.
    frame
        Polygons in WGS 84.
    key
        Layer id; its translation is the layer's title.
    lang
        Language of the labels.
    stroke, weight
        Outline colour and width.
    item
        Translation key of the legend line's label.
    props
        Feature properties per row (none: no properties).
    extra
        Further spec entries after the style (popup, search).
    """
    data = feature_collection(frame, props or (lambda r: {}))
    style = {
        "type": "polygon",
        "stroke": stroke,
        "weight": weight,
        "noFill": True,
        "interactive": False,
    }
    items = [{"color": stroke, "label": tr(item, lang), "shape": "line"}]
    _add_layer(m, key, tr(key, lang), data, {"style": style, **(extra or {})}, legend_items=items)


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


# --------------------------------------------------------------------------- priority layers


def _village_base_props(row: pd.Series) -> dict[str, Any]:
    return {
        "id": _text(row.get("village_id")),
        "n": _text(row.get("village_name")) or _text(row.get("village_id")),
        "c": _text(row.get("commune_name")),
        "d": _text(row.get("district_name")),
        "hh": clean_value(row.get("households")),
    }


def _score_props(row: pd.Series, track: str, criteria: list[str], lang: Lang) -> dict[str, Any]:
    eligible = row.get(f"{track}_eligible")
    klass = _int(row.get(f"{track}_class"))
    if eligible is not None and not pd.isna(eligible) and not bool(eligible):
        klass = 0
    p05, p95 = _num(row.get(f"{track}_rank_p05")), _num(row.get(f"{track}_rank_p95"))
    reason = row.get(f"{track}_reason_vi") if lang == "vi" else row.get(f"{track}_reason")
    if lang == "vi" and (reason is None or (isinstance(reason, float) and math.isnan(reason))):
        reason = row.get(f"{track}_reason")
    return {
        "k": klass,
        "s": clean_value(row.get(f"{track}_score"), 3),
        "r": clean_value(row.get(f"{track}_rank")),
        "ri": [p05, p95] if p05 is not None and p95 is not None else None,
        "pt": clean_value(row.get(f"{track}_p_top"), 3),
        "why": _text(reason),
        "cb": [clean_value(row.get(f"{track}_contrib_{c}"), 3) for c in criteria]
        if criteria
        else None,
    }


def _score_popup(
    ctx: RenderContext, track: str, criteria: list[str], extra_rows: list[list[Any]]
) -> SECTION:
    lang = ctx.lang
    labels = criterion_labels(lang)
    return {
        "title": "n",
        "subtitle": ["c", "d"],
        "badge": {"key": "k", "items": _class_items(lang)},
        "rows": [
            [tr("score", lang), "s", "dec3"],
            [tr("rank", lang), "r", "int", True],
            [tr("rank_interval", lang), "ri", "range", True],
            [tr("p_top", lang), "pt", "pct", True],
            *extra_rows,
        ],
        "bars": {
            "key": "cb",
            "title": tr("contributions", lang),
            "labels": [labels.get(c, c.replace("_", " ")) for c in criteria],
            "colors": CONTRIB_COLOURS,
        },
        "text": {"key": "why", "title": tr("reason", lang)},
    }


def add_track_villages(m: folium.Map, ctx: RenderContext, track: str) -> None:
    """Villages coloured by priority class, sized by households, with the score popup."""
    lang = ctx.lang
    v = ctx.villages
    if v.empty:
        return
    criteria = track_criteria(ctx.result, track, v)
    v = v.sort_values(f"{track}_score", na_position="first") if f"{track}_score" in v else v

    def props(row: pd.Series) -> dict[str, Any]:
        p = _village_base_props(row)
        p.update(_score_props(row, track, criteria, lang))
        p["pov"] = clean_value(row.get("poverty_rate"), 3)
        return p

    data = feature_collection(_points(v), props)
    spec = {
        "style": _village_style({str(k): c for k, c in CLASS_COLOURS.items()}),
        "popup": _score_popup(
            ctx,
            track,
            criteria,
            [[tr("households", lang), "hh", "int"], [tr("poverty_rate", lang), "pov", "pct"]],
        ),
        "tooltip": "n",
        "search": {"label": "n", "sub": ["c", "d"], "kind": "village"},
    }
    name = f"{tr('villages', lang)}: {tr('class', lang).lower()}"
    _add_layer(m, "villages", name, data, spec, legend_items=_class_legend_items(lang))


def add_track_communes(
    m: folium.Map, ctx: RenderContext, track: str, *, show: bool = False, name: str | None = None
) -> None:
    """Communes coloured by their own priority class for the track (when scored)."""
    lang = ctx.lang
    c = ctx.communes_web
    if f"{track}_score" not in c and f"commune_{track}_priority1" in c:
        add_commune_rollup(m, ctx, track, show=show)
        return
    has_score = f"{track}_score" in c
    criteria = track_criteria(ctx.result, track, c) if has_score else []

    def props(row: pd.Series) -> dict[str, Any]:
        p = {
            **_admin_props(row),
            "hh": clean_value(row.get("households")),
            "nv": clean_value(row.get("villages")),
        }
        if has_score:
            p.update(_score_props(row, track, criteria, lang))
        return p

    data = feature_collection(c, props)
    extra = [
        [tr("villages_n", lang), "nv", "int", True],
        [tr("households", lang), "hh", "int", True],
    ]
    popup = (
        _score_popup(ctx, track, criteria, extra)
        if has_score
        else {"title": "n", "subtitle": ["d"], "rows": extra}
    )
    popup["subtitle"] = ["d"]
    spec = {
        "style": _polygon_style(
            by="k",
            colors={str(k): col for k, col in CLASS_COLOURS.items()},
            fill="#cfd8dc",
            stroke="#555555",
            weight=0.7,
            opacity=0.45,
        ),
        "popup": popup,
        "search": {"label": "n", "sub": ["d"], "kind": "commune"},
    }
    lid = "communes" if track in ctx.tracks or not has_score else f"communes_{track}"
    name = name or (tr("commune_score", lang) if has_score else tr("communes", lang))
    items = (
        _class_legend_items(lang, shape="square")
        if has_score
        else [{"color": "#cfd8dc", "label": tr("commune", lang)}]
    )
    _add_layer(m, lid, name, data, spec, legend_items=items, show=show)


ROLLUP_COLOURS = {"0": "#f0f0f0", "1": "#fcae91", "2": "#fb6a4a", "3": "#cb181d"}


def add_commune_rollup(
    m: folium.Map, ctx: RenderContext, track: str, *, show: bool = False
) -> None:
    """Communes coloured by their number of priority-1 villages in the track."""
    lang = ctx.lang
    p = f"commune_{track}_"

    def props(row: pd.Series) -> dict[str, Any]:
        n1 = _int(row.get(f"{p}priority1"))
        return {
            **_admin_props(row),
            "k": "0" if n1 <= 0 else "1" if n1 == 1 else "2" if n1 <= 3 else "3",
            "el": clean_value(row.get(f"{p}eligible")),
            "p1": n1,
            "h1": clean_value(row.get(f"{p}priority1_households")),
            "ms": clean_value(row.get(f"{p}mean_score"), 3),
            "br": clean_value(row.get(f"{p}best_rank")),
        }

    data = feature_collection(ctx.communes_web, props)
    spec = {
        "style": _polygon_style(
            by="k", colors=ROLLUP_COLOURS, stroke="#555555", weight=0.7, opacity=0.5
        ),
        "popup": {
            "title": "n",
            "subtitle": ["d"],
            "rows": [
                [tr("eligible_villages", lang), "el", "int", True],
                [tr("priority1_villages", lang), "p1", "int"],
                [tr("priority1_households", lang), "h1", "int", True],
                [tr("mean_score", lang), "ms", "dec3", True],
                [tr("best_rank", lang), "br", "int", True],
            ],
        },
        "search": {"label": "n", "sub": ["d"], "kind": "commune"},
    }
    name = tr("priority1_by_commune", lang)
    labels = {"0": "0", "1": "1", "2": "2–3", "3": "≥ 4"}
    items = [{"color": ROLLUP_COLOURS[k], "label": v} for k, v in labels.items()]
    _add_layer(m, "communes", name, data, spec, legend_items=items, show=show)


def _points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Villages as points (representative points of polygons)."""
    if len(gdf) and not (gdf.geom_type == "Point").all():
        gdf = gdf.copy()
        gdf.geometry = gdf.geometry.representative_point()
    return gdf


def add_plan_layers(m: folium.Map, ctx: RenderContext) -> None:
    """Unused candidate sites (off), the sites that receive villages, and the moves."""
    add_candidate_sites(m, ctx)
    add_sites(m, ctx)
    add_moves(m, ctx)


def priority_map(ctx: RenderContext, track: str) -> folium.Map:
    """Build ``priority_<track>.html``: villages and communes by class, outlines, hillshade.

    The resettlement map also shows the plan's sites and moves.
    """
    subtitle = f"{tr('priority_map', ctx.lang)}: {ctx.track_title(track)}"
    m = base_map(ctx, subtitle)
    add_track_communes(m, ctx, track, show=False)
    add_outlines(m, ctx)
    if track == "resettlement":
        add_plan_layers(m, ctx)
    add_track_villages(m, ctx, track)
    return finish_map(m, ctx)


# --------------------------------------------------------------------------- hazard layers


def add_landslide_zones(m: folium.Map, ctx: RenderContext) -> None:
    """Official landslide zones, dissolved per level and simplified."""
    zones = ctx.layers.get("landslide_zones")
    if zones is None or "level" not in zones:
        return
    lang = ctx.lang
    z = zones[["level", "geometry"]].copy()
    z["level"] = pd.to_numeric(z["level"], errors="coerce")
    z = z.dropna(subset=["level"])
    z["level"] = z["level"].astype(int)
    z = z.dissolve(by="level", as_index=False)
    z = simplify(z, 40.0)
    data = feature_collection(
        z, lambda r: {"lv": int(r["level"]), "n": tr(f"level_{int(r['level'])}", lang)}
    )
    spec = {
        "style": _polygon_style(
            by="lv",
            colors={str(k): c for k, c in LEVEL_COLOURS.items()},
            stroke="#7a3b00",
            weight=0.3,
            opacity=0.45,
        ),
        "popup": {"title": "n", "rows": [[tr("level", lang), "lv", "int"]]},
    }
    name = tr("landslide_zones", lang)
    _add_layer(m, "landslide_zones", name, data, spec, legend_items=_level_legend_items(lang))


def add_forest(m: folium.Map, ctx: RenderContext, *, show: bool = True) -> None:
    """Forest polygons coloured by type, popups with the forest's name."""
    forest = ctx.layers.get("forest")
    if forest is None or "forest_type" not in forest:
        return
    lang = ctx.lang

    def props(row: pd.Series) -> dict[str, Any]:
        kind = _text(row.get("forest_type"))
        return {
            "t": kind,
            "n": _text(row.get("name")) or tr(f"forest_{kind}", lang),
            "tl": tr(f"forest_{kind}", lang),
        }

    data = feature_collection(forest, props)
    spec = {
        "style": _polygon_style(
            by="t", colors=FOREST_COLOURS, stroke="#1b5e20", weight=0.4, opacity=0.35
        ),
        "popup": {"title": "n", "subtitle": ["tl"]},
    }
    items = [
        {"color": c, "label": tr(f"forest_{k}", lang), "opacity": 0.5}
        for k, c in FOREST_COLOURS.items()
    ]
    _add_layer(m, "forest", tr("forest", lang), data, spec, legend_items=items, show=show)


def add_border(m: folium.Map, ctx: RenderContext) -> None:
    """Add the border line and the belt of ``border_belt_m`` along it."""
    border = ctx.layers.get("border")
    if border is None:
        return
    lang = ctx.lang
    belt_geom = border.geometry.buffer(ctx.border_belt_m).union_all()
    if len(ctx.communes):
        belt_geom = belt_geom.intersection(ctx.communes.union_all())
    belt = simplify(gpd.GeoDataFrame(geometry=[belt_geom], crs=border.crs), 50.0)
    km = fmt_num(ctx.border_belt_m / 1000, lang, 1 if ctx.border_belt_m % 1000 else 0)
    data = feature_collection(belt, lambda r: {"n": f"{tr('border_belt', lang)} ({km} km)"})
    spec: SECTION = {
        "style": {
            "type": "polygon",
            "fill": "#7b1fa2",
            "stroke": "#7b1fa2",
            "weight": 0.8,
            "fillOpacity": 0.12,
            "dash": "4 3",
            "interactive": False,
        },
    }
    name = f"{tr('border_belt', lang)} ({km} km)"
    items = [{"color": "#7b1fa2", "label": name, "opacity": 0.3}]
    _add_layer(m, "border_belt", name, data, spec, legend_items=items)
    line = simplify(border, 30.0)

    def props(row: pd.Series) -> dict[str, Any]:
        return {"n": _text(row.get("country"))}

    data = feature_collection(line, props)
    spec = {
        "style": {"type": "line", "color": "#4a148c", "weight": 3, "dash": "10 4 2 4"},
        "tooltip": "n",
    }
    name = tr("border", lang)
    items = [{"color": "#4a148c", "label": name, "shape": "line", "dash": True}]
    _add_layer(m, "border", name, data, spec, legend_items=items)


def add_susceptibility(m: folium.Map, ctx: RenderContext) -> None:
    """Add the modelled probability raster as a toggleable image overlay (off at opening)."""
    susc = getattr(getattr(ctx.result, "indicators", None), "susceptibility", None)
    if susc is None:
        return
    prob = getattr(susc, "probability", None)
    dem = getattr(getattr(ctx.result, "layers", None), "dem", None)
    fallback = getattr(susc, "crs", None) or getattr(dem, "crs", None)
    if (
        prob is not None
        and getattr(prob, "transform", None) is None
        and getattr(susc, "transform", None) is not None
    ):
        prob = _Raster(prob, susc.transform, fallback)
    overlay = colour_overlay(prob, SUSC_COLOURS, fallback_crs=fallback)
    if overlay is None:
        return
    lang = ctx.lang
    name = tr("susceptibility", lang)
    ImageLayer(
        "susceptibility", name, overlay.url, overlay.bounds, opacity=0.75, show=False
    ).add_to(m)
    _legend(m).append(
        {
            "layer": "susceptibility",
            "title": name,
            "gradient": SUSC_COLOURS,
            "ends": [f"0 ({tr('susc_low', lang)})", f"1 ({tr('susc_high', lang)})"],
        }
    )


MODEL_ZONES_TOLERANCE_M = 90.0  # about one DEM cell of the demo (3″): removes the staircase
MODEL_ZONES_MIN_AREA_M2 = 100_000.0  # the model's own default minimum zone (0.1 km²)
DISAGREEMENT_COLOURS = {"up": "#d01c8b", "down": "#0571b0"}  # apart from the level palette


def _susceptibility(ctx: RenderContext) -> Any:
    return getattr(getattr(ctx.result, "indicators", None), "susceptibility", None)


def _level_text(level: int | None, lang: Lang) -> str:
    return f"{level} – {tr(f'level_{level}', lang)}" if level in range(1, 6) else "–"


def add_model_zones(m: folium.Map, ctx: RenderContext) -> None:
    """Add the model's zones by level (off at opening), in the official zones' palette.

    ``susceptibility.zones`` are polygonised from the level raster (one polygon per
    patch, stair-stepped along the cells): for the web map they are dissolved per
    level, simplified as a coverage (:data:`MODEL_ZONES_TOLERANCE_M`) and parts and
    holes under :data:`MODEL_ZONES_MIN_AREA_M2` are dropped; rings are
    polyline-encoded (about 1 MB instead of 8 MB on the demo).
    """
    zones = getattr(_susceptibility(ctx), "zones", None)
    if not isinstance(zones, gpd.GeoDataFrame) or zones.empty or "level" not in zones:
        return
    lang = ctx.lang
    z = zones[["level", "geometry"]].copy()
    z["level"] = pd.to_numeric(z["level"], errors="coerce")
    z = z[z["level"].between(1, 5) & z.geometry.notna()]
    if z.empty:
        return
    z["level"] = z["level"].astype(int)
    z = generalise_coverage(z, "level", MODEL_ZONES_TOLERANCE_M, MODEL_ZONES_MIN_AREA_M2)
    data = feature_collection(
        z,
        lambda r: {"lv": int(r["level"]), "n": _level_text(int(r["level"]), lang)},
        encoded=True,
    )
    note = label(
        "model_zones_note",
        lang,
        area=fmt_num(MODEL_ZONES_MIN_AREA_M2 / 1e6, lang, 1),
        tol=fmt_num(MODEL_ZONES_TOLERANCE_M, lang),
    )
    name = tr("model_zones", lang)
    spec = {
        "style": _polygon_style(
            by="lv",
            colors={str(k): c for k, c in LEVEL_COLOURS.items()},
            stroke="#5d4037",
            weight=0.3,
            opacity=0.5,
        ),
        "popup": {
            "title": "n",
            "subtitle": ["m"],
            "rows": [[tr("model_level", lang), "lv", "int"]],
        },
    }
    for f in data["features"]:
        f["properties"]["m"] = note
    _add_layer(
        m, "model_zones", name, data, spec, legend_items=_level_legend_items(lang), show=False
    )


def add_disagreement(m: folium.Map, ctx: RenderContext) -> None:
    """Where the official map and the model differ by two or more levels (off at opening).

    Red where the model is higher than the official level, blue where it is lower;
    the popup gives both levels.  Polygons are simplified (40 m) one by one.
    """
    dis = getattr(_susceptibility(ctx), "disagreement", None)
    if not isinstance(dis, gpd.GeoDataFrame) or dis.empty:
        return
    if not {"official_level", "model_level"} <= set(dis.columns):
        return
    lang = ctx.lang
    d = dis[["official_level", "model_level", "geometry"]].copy()
    d["area_km2"] = d.geometry.area / 1e6 if d.crs is not None and d.crs.is_projected else np.nan
    d = simplify(d, 40.0)

    def props(row: pd.Series) -> dict[str, Any]:
        official, model = _num(row.get("official_level")), _num(row.get("model_level"))
        o = int(official) if official is not None else None
        mo = int(model) if model is not None else None
        kind = "up" if (mo or 0) > (o or 0) else "down"
        return {
            "k": kind,
            "n": tr(f"dis_{kind}", lang),
            "ol": o,
            "ml": mo,
            "olt": _level_text(o, lang),
            "mlt": _level_text(mo, lang),
            "dl": (mo - o) if o is not None and mo is not None else None,
            "a": clean_value(row.get("area_km2"), 2),
        }

    data = feature_collection(d, props)
    spec = {
        "style": _polygon_style(
            by="k", colors=DISAGREEMENT_COLOURS, stroke="#1a1a1a", weight=1, opacity=0.8
        ),
        "popup": {
            "title": "n",
            "rows": [
                [tr("official_level", lang), "olt", "text"],
                [tr("model_level", lang), "mlt", "text"],
                [tr("level_diff", lang), "dl", "int"],
                [tr("area_km2", lang), "a", "dec2", True],
            ],
        },
        "tooltip": "n",
    }
    name = tr("disagreement", lang)
    items = [{"color": c, "label": tr(f"dis_{k}", lang)} for k, c in DISAGREEMENT_COLOURS.items()]
    _add_layer(m, "disagreement", name, data, spec, legend_items=items, show=False)


def model_summary_html(ctx: RenderContext, *, top: int = 3) -> str:
    """Return the model card in a few lines (escaped HTML), ``""`` when the model did not run.

    Spatial and random cross-validation AUC, the ``top`` factors by importance and
    the area where the official map and the model differ by two or more levels.
    """
    from html import escape

    card = getattr(_susceptibility(ctx), "model_card", None)
    if not isinstance(card, dict):
        return ""
    lang = ctx.lang
    rows: list[tuple[str, str]] = []
    for key in ("spatial_cv_auc", "random_cv_auc"):
        value = _num(card.get(key))
        if value is not None:
            rows.append((tr(key, lang), fmt_num(value, lang, 3)))
    importances = card.get("importances")
    if isinstance(importances, dict):
        ranked = sorted(
            ((k, v) for k, v in importances.items() if _num(v) is not None),
            key=lambda kv: (-float(kv[1]), str(kv[0])),
        )[:top]
        if ranked:
            text = ", ".join(
                f"{_factor_label(str(k), lang)} ({fmt_num(float(v), lang, 3)})" for k, v in ranked
            )
            rows.append((tr("top_factors", lang), text))
    km2 = _num(card.get("disagreement_km2"))
    if km2 is not None:
        digits = 0 if km2 >= 100 else 1
        rows.append((tr("disagreement_km2", lang), f"{fmt_num(km2, lang, digits)} km²"))
    if not rows:
        return ""
    model = _text(card.get("model"))
    head = tr("model_summary", lang) + (f" ({model.replace('_', ' ')})" if model else "")
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<div class='gp-model'><b>{escape(head)}</b><table class='gp-kv'>{body}</table></div>"


def _factor_label(factor: str, lang: Lang) -> str:
    text = tr(f"factor_{factor}", lang)
    return factor.replace("_", " ") if text == f"factor_{factor}" else text


class _Raster:
    def __init__(self, array: Any, transform: Any, crs: Any) -> None:
        self.array, self.transform, self.crs = array, transform, crs


def exposure_class(row: pd.Series, high_level: int) -> int:
    """Return 3 inside a high zone, 2 partly in one, 1 within 1 km of one, else 0."""
    if _int(row.get("landslide_level")) >= high_level:
        return 3
    hh_high = _num(row.get("hh_exposed_high")) or 0.0
    share = _num(row.get("landslide_share_high")) or 0.0
    if hh_high > 0 or share > 0:
        return 2
    dist = _num(row.get("dist_high_landslide_m"))
    if dist is not None and dist <= 1000:
        return 1
    return 0


def hazard_flags(row: pd.Series, ctx: RenderContext) -> list[str]:
    """Plain-language reasons a village is flagged for review (in the context language)."""
    lang = ctx.lang
    flags: list[str] = []
    level = _int(row.get("landslide_level"))
    if level >= ctx.high_level:
        flags.append(label("flag_in_high", lang, level=str(level)))
    share = _num(row.get("landslide_share_high")) or 0.0
    if share > 0:
        flags.append(label("flag_share_high", lang, share=fmt_pct(share, lang, 0)))
    dist = _num(row.get("dist_high_landslide_m"))
    if level < ctx.high_level and dist is not None and 0 < dist <= 1000:
        flags.append(label("flag_near_high", lang, dist=f"{fmt_num(dist, lang)} m"))
    p = _num(row.get("susceptibility"))
    if p is not None and p >= 0.6:
        flags.append(label("flag_susc", lang, p=fmt_num(p, lang, 2)))
    name = _text(row.get("forest_name"))
    if bool(clean_value(row.get("in_special_use_forest"))):
        flags.append(label("flag_suf", lang, name=name).strip())
    elif bool(clean_value(row.get("in_protective_forest"))):
        flags.append(label("flag_prf", lang, name=name).strip())
    if bool(clean_value(row.get("in_border_belt"))):
        d = _num(row.get("dist_border_m"))
        flags.append(label("flag_border", lang, dist=f"{fmt_num((d or 0) / 1000, lang, 1)} km"))
    return flags


def add_exposed_villages(m: folium.Map, ctx: RenderContext) -> None:
    """Villages coloured by landslide exposure with households per level, distances and reasons."""
    v = ctx.villages
    if v.empty:
        return
    lang = ctx.lang
    has_track = "resettlement_score" in v
    criteria = track_criteria(ctx.result, "resettlement", v) if has_track else []
    v = v.assign(_exp=[exposure_class(r, ctx.high_level) for _, r in v.iterrows()]).sort_values(
        "_exp"
    )

    def props(row: pd.Series) -> dict[str, Any]:
        p = _village_base_props(row)
        p["k"] = int(row["_exp"])
        p["lvl"] = [clean_value(row.get(f"hh_exposed_{i}"), 1) for i in range(1, 6)]
        if all(x is None for x in p["lvl"]):
            p["lvl"] = None
        for key, col in (
            ("hx", "hh_exposed_high"),
            ("dh", "dist_high_landslide_m"),
            ("db", "dist_border_m"),
            ("df", "dist_special_use_forest_m"),
            ("dr", "dist_river_m"),
            ("dd", "dist_road_m"),
            ("sp", "susceptibility"),
        ):
            p[key] = clean_value(row.get(col), 3)
        p["fl"] = hazard_flags(row, ctx)
        if has_track:
            sp = _score_props(row, "resettlement", criteria, lang)
            p["rk"] = sp["k"]
            p["rs"] = sp["s"]
            p["why"] = sp["why"]
        return p

    data = feature_collection(_points(v), props)
    rows = [
        [tr("households", lang), "hh", "int"],
        [tr("hh_exposed_high", lang), "hx", "dec1", True],
        [tr("susceptibility", lang), "sp", "dec2", True],
        [tr("dist_high", lang), "dh", "m", True],
        [tr("dist_border", lang), "db", "m", True],
        [tr("dist_suf", lang), "df", "m", True],
        [tr("dist_river", lang), "dr", "m", True],
        [tr("dist_road", lang), "dd", "m", True],
    ]
    if has_track:
        rows += [
            [f"{tr('score', lang)} ({tr('track_resettlement', lang)})", "rs", "dec3", True],
            [tr("class", lang), "rk", "int", True],
        ]
    exp_items = {str(k): [c, tr(f"exp_{k}", lang)] for k, c in EXPOSURE_COLOURS.items()}
    spec = {
        "style": _village_style({str(k): c for k, c in EXPOSURE_COLOURS.items()}),
        "popup": {
            "title": "n",
            "subtitle": ["c", "d"],
            "badge": {"key": "k", "items": exp_items},
            "rows": rows,
            "levels": _exposure_levels(lang),
            "list": {"key": "fl", "title": tr("flags", lang)},
            "text": {"key": "why", "title": tr("reason", lang)},
        },
        "tooltip": "n",
        "search": {"label": "n", "sub": ["c", "d"], "kind": "village"},
    }
    items = [
        {"color": EXPOSURE_COLOURS[k], "label": tr(f"exp_{k}", lang), "shape": "circle"}
        for k in (3, 2, 1, 0)
    ]
    _add_layer(m, "villages", tr("exposure", lang), data, spec, legend_items=items)


def exposed_by_commune(ctx: RenderContext) -> pd.DataFrame:
    """Households exposed per landslide level, summed by commune (most exposed first)."""
    v = ctx.villages
    cols = [f"hh_exposed_{i}" for i in range(1, 6)]
    if v.empty or "commune_code" not in v or not any(c in v for c in [*cols, "hh_exposed_high"]):
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            "commune_code": v["commune_code"].astype(str),
            "commune_name": v.get("commune_name", v["commune_code"]).astype(str),
            "district_name": v.get("district_name", pd.Series("", index=v.index)).astype(str),
        }
    )
    for c in [*cols, "hh_exposed_high"]:
        frame[c] = pd.to_numeric(v[c], errors="coerce") if c in v else np.nan
    frame["villages_exposed"] = (frame["hh_exposed_high"].fillna(0) > 0).astype(int)
    out = frame.groupby(
        ["commune_code", "commune_name", "district_name"], as_index=False, sort=True
    ).sum(min_count=1)
    out = out.sort_values(
        ["hh_exposed_high", "commune_code"], ascending=[False, True], na_position="last"
    )
    return out[out["hh_exposed_high"].fillna(0) > 0].reset_index(drop=True)


def exposed_table_html(table: pd.DataFrame, lang: Lang, *, limit: int | None = None) -> str:
    """Render :func:`exposed_by_commune` as an escaped HTML table."""
    from html import escape

    if table.empty:
        return f"<p>{escape(tr('exp_0', lang))}</p>"
    head = [
        tr("commune", lang),
        tr("district", lang),
        tr("villages_exposed", lang),
        tr("hh_exposed_high", lang),
    ]
    head += [f"{tr('level', lang)} {i}" for i in range(1, 6)]
    rows = table if limit is None else table.head(limit)
    parts = [
        "<table class='gp-table'><thead><tr>",
        *(f"<th>{escape(h)}</th>" for h in head),
        "</tr></thead><tbody>",
    ]
    for _, r in rows.iterrows():
        cells = [
            f"<td>{escape(str(r['commune_name']))}</td>",
            f"<td>{escape(str(r['district_name']))}</td>",
        ]
        cells.append(f"<td class='n'>{fmt_num(r['villages_exposed'], lang)}</td>")
        cells.append(f"<td class='n'><b>{fmt_num(r['hh_exposed_high'], lang)}</b></td>")
        cells += [f"<td class='n'>{fmt_num(r[f'hh_exposed_{i}'], lang)}</td>" for i in range(1, 6)]
        parts.append("<tr>" + "".join(cells) + "</tr>")
    total = table[
        [f"hh_exposed_{i}" for i in range(1, 6)] + ["hh_exposed_high", "villages_exposed"]
    ].sum()
    parts.append(
        f"<tr><th>{escape(tr('total', lang))}</th><th></th><th"
        f" class='n'>{fmt_num(total['villages_exposed'], lang)}</th>"
        f"<th class='n'>{fmt_num(total['hh_exposed_high'], lang)}</th>"
        + "".join(
            f"<th class='n'>{fmt_num(total[f'hh_exposed_{i}'], lang)}</th>" for i in range(1, 6)
        )
        + "</tr>"
    )
    parts.append("</tbody></table>")
    return "".join(parts)


def site_use_class(used: float | None, capacity: float | None) -> str:
    """Return ``full``, ``half`` (≥ 50 % used), ``low`` or ``unused`` for a site."""
    if not used or used <= 0:
        return "unused"
    if not capacity or used >= capacity:
        return "full"
    return "half" if used / capacity >= 0.5 else "low"


def _site_legend_items(keys: tuple[str, ...], lang: Lang) -> list[SECTION]:
    return [{"color": SITE_COLOURS[k], "label": tr(f"site_{k}", lang)} for k in keys]


def _site_popup(lang: Lang) -> SECTION:
    return {
        "title": "n",
        "subtitle": ["c", "d"],
        "badge": {
            "key": "k",
            "items": {k: [c, tr(f"site_{k}", lang)] for k, c in SITE_COLOURS.items()},
        },
        "rows": [
            [tr("capacity_hh", lang), "cap", "int"],
            [tr("used_hh", lang), "used", "int"],
            [tr("free_hh", lang), "free", "int"],
            [tr("use_share", lang), "us", "pct", True],
            [tr("area_ha", lang), "ha", "dec1", True],
            [tr("slope_mean", lang), "sl", "dec1", True],
            [tr("road_dist", lang), "rd", "m", True],
            [tr("suitability", lang), "su", "dec2", True],
            [tr("official_level_site", lang), "ol", "int", True],
            [tr("model_share_high", lang), "mh", "pct", True],
            [tr("susceptibility_mean", lang), "pm", "dec3", True],
            [tr("slope_p90", lang), "s9", "dec1", True],
            [tr("river_dist", lang), "dr", "m", True],
            [tr("steep_dist", lang), "ds", "m", True],
            [tr("protected_forest_share", lang), "fs", "pct", True],
        ],
        "list": {"key": "in", "title": tr("moving_in", lang)},
        "text": {"key": "vf", "title": tr("verify_field", lang)},
    }


def _moving_in(ctx: RenderContext) -> dict[str, list[str]]:
    """Site id -> "village (households)" of the villages the plan moves there."""
    moves = plan_frame(ctx.result, "moves")
    if moves is None or "site_id" not in moves:
        return {}
    out: dict[str, list[str]] = {}
    for _, row in moves.iterrows():
        name = _text(row.get("village_name")) or _text(row.get("village_id"))
        hh = _num(row.get("households"))
        text = f"{name} ({fmt_num(hh, ctx.lang)} {tr('hh_unit', ctx.lang)})"
        out.setdefault(_text(row.get("site_id")), []).append(text if hh is not None else name)
    return out


def _site_props(row: pd.Series, moving_in: dict[str, list[str]]) -> dict[str, Any]:
    used, cap = _num(row.get("used_hh")), _num(row.get("capacity_hh"))
    sid = _text(row.get("site_id"))
    return {
        "n": sid or _text(row.get("name")),
        "c": _text(row.get("commune_name")),
        "d": _text(row.get("district_name")),
        "k": site_use_class(used, cap),
        "cap": clean_value(cap),
        "used": clean_value(used),
        "free": clean_value(row.get("free_hh")),
        "us": clean_value(used / cap, 3) if used is not None and cap else None,
        "ha": clean_value(row.get("area_ha"), 1),
        "sl": clean_value(row.get("slope_mean_deg"), 1),
        "rd": clean_value(row.get("road_dist_mean_m"), 0),
        "su": clean_value(row.get("suitability"), 2),
        **_site_hazard_props(row),
        "in": moving_in.get(sid) or None,
    }


def _site_hazard_props(row: pd.Series) -> dict[str, Any]:
    """Return the site's hazard profile (plan/site_profile.py) for its popup."""
    high = [_num(row.get(f"model_share_{lv}")) for lv in (4, 5)]
    return {
        "ol": clean_value(row.get("official_level")),
        "mh": clean_value(sum(h for h in high if h is not None), 3)
        if any(h is not None for h in high)
        else None,
        "pm": clean_value(row.get("susceptibility"), 3),
        "s9": clean_value(row.get("slope_p90_deg"), 1),
        "dr": clean_value(row.get("dist_river_m"), 0),
        "ds": clean_value(row.get("dist_steep_m"), 0),
        "fs": clean_value(row.get("protected_forest_share"), 3),
        "vf": _text(row.get("verify_reason")) or None,
    }


def _move_hazard_props(row: pd.Series, lang: Lang) -> dict[str, Any]:
    """Return "origin → site" texts of the hazards compared on a move (plan/site_safety.py)."""
    out: dict[str, Any] = {}
    for key, hazard, digits in (("hl", "official_level", 0), ("hp", "susceptibility", 3),
                                ("hs", "slope_deg", 1)):  # fmt: skip
        origin, site = _num(row.get(f"origin_{hazard}")), _num(row.get(f"site_{hazard}"))
        known = origin is not None and site is not None
        text = f"{fmt_num(origin, lang, digits)} → {fmt_num(site, lang, digits)}"
        out[key] = text if known else None
    return out


def add_sites(m: folium.Map, ctx: RenderContext) -> None:
    """Resettlement sites that receive villages, polygons coloured by how full they are."""
    sites = plan_frame(ctx.result, "sites")
    if not isinstance(sites, gpd.GeoDataFrame):
        return
    used, _ = split_sites(sites)
    if used.empty:
        return
    lang = ctx.lang
    moving_in = _moving_in(ctx)
    data = feature_collection(used, lambda r: _site_props(r, moving_in))
    spec = {
        "style": _polygon_style(
            by="k", colors=SITE_COLOURS, stroke="#08306b", weight=2, opacity=0.75
        ),
        "popup": _site_popup(lang),
        "tooltip": "n",
    }
    items = _site_legend_items(("full", "half", "low"), lang)
    _add_layer(m, "sites", tr("sites", lang), data, spec, legend_items=items)


def add_candidate_sites(m: folium.Map, ctx: RenderContext) -> None:
    """Suitable sites the plan leaves empty (off at opening; a light outline each)."""
    sites = plan_frame(ctx.result, "sites")
    if not isinstance(sites, gpd.GeoDataFrame):
        return
    _, unused = split_sites(sites)
    if unused.empty:
        return
    lang = ctx.lang
    keep = ("n", "c", "k", "cap", "used", "free", "sl", "rd", "su", "ol", "mh", "vf")

    def props(row: pd.Series) -> dict[str, Any]:
        full = _site_props(row, {})
        return {k: full[k] for k in keep}

    data = feature_collection(unused, props, precision=4)
    spec = {
        "style": _polygon_style(
            fill=SITE_COLOURS["unused"], stroke="#4a90c2", weight=0.6, opacity=0.5
        ),
        "popup": _site_popup(lang),
    }
    name = tr("candidate_sites", lang)
    items = _site_legend_items(("unused",), lang)
    _add_layer(m, "candidate_sites", name, data, spec, legend_items=items, show=False)


EXPOSED_BREAKS = [
    (1, "#f7f7f7"),
    (50, "#fdd0a2"),
    (200, "#fd8d3c"),
    (500, "#d94801"),
    (float("inf"), "#7f2704"),
]


def add_exposed_communes(m: folium.Map, ctx: RenderContext, table: pd.DataFrame) -> None:
    """Communes coloured by households in high landslide zones (off at opening; searchable)."""
    c = ctx.communes_web
    if c.empty or "commune_code" not in c:
        return
    lang = ctx.lang
    by_code = {str(r["commune_code"]): r for _, r in table.iterrows()} if not table.empty else {}

    def props(row: pd.Series) -> dict[str, Any]:
        t = by_code.get(str(row.get("commune_code")))
        hx = _num(t["hh_exposed_high"]) if t is not None else 0.0
        colour = next(col for upper, col in EXPOSED_BREAKS if (hx or 0) < upper)
        return {
            **_admin_props(row),
            "pc": colour,
            "hx": clean_value(hx, 1),
            "vx": clean_value(t["villages_exposed"]) if t is not None else 0,
            "lvl": [clean_value(t[f"hh_exposed_{i}"], 1) for i in range(1, 6)]
            if t is not None
            else None,
        }

    data = feature_collection(c, props)
    spec = {
        "style": _polygon_style(
            by="pc",
            colors={col: col for _, col in EXPOSED_BREAKS},
            stroke="#555555",
            weight=0.7,
            opacity=0.6,
        ),
        "popup": {
            "title": "n",
            "subtitle": ["d"],
            "rows": [
                [tr("hh_exposed_high", lang), "hx", "dec1"],
                [tr("villages_exposed", lang), "vx", "int"],
            ],
            "levels": _exposure_levels(lang),
        },
        "search": {"label": "n", "sub": ["d"], "kind": "commune"},
    }
    name = tr("exposed_communes", lang)
    lows = [0, *[u for u, _ in EXPOSED_BREAKS[:-1]]]
    items = []
    for lo, (upper, colour) in zip(lows, EXPOSED_BREAKS, strict=True):
        text = (
            "0"
            if upper == 1
            else (
                f"≥ {fmt_num(lo, lang)}"
                if upper == float("inf")
                else f"{fmt_num(lo, lang)}–{fmt_num(upper, lang)}"
            )
        )
        items.append({"color": colour, "label": text})
    _add_layer(m, "communes", name, data, spec, legend_items=items, show=False)


def add_moves(m: folium.Map, ctx: RenderContext) -> None:
    """Proposed moves (village to site) from the plan, as dashed lines."""
    moves = plan_frame(ctx.result, "moves")
    if not isinstance(moves, gpd.GeoDataFrame):
        return
    lang = ctx.lang
    names = code_names(ctx.communes, "commune_code", "commune_name")

    def props(row: pd.Series) -> dict[str, Any]:
        same = clean_value(row.get("same_commune"))
        dest = _text(row.get("site_commune_code"))
        return {
            "n": _text(row.get("village_name")) or _text(row.get("village_id")),
            "c": names.get(_text(row.get("commune_code")), _text(row.get("commune_code"))),
            "st": f"→ {tr('site', lang)} {_text(row.get('site_id'))}",
            "k": "other" if same is False else "same",
            "dc": names.get(dest, dest),
            "hh": clean_value(row.get("households")),
            "dm": clean_value(row.get("distance_m"), 0),
            "sc": same,
            "pr": clean_value(row.get("priority_rank")),
            **_move_hazard_props(row, lang),
        }

    data = feature_collection(moves, props)
    spec = {
        "style": {
            "type": "line",
            "by": "k",
            "colors": MOVE_COLOURS,
            "weight": 2.5,
            "dash": "6 4",
        },
        "popup": {
            "title": "n",
            "subtitle": ["c", "st"],
            "rows": [
                [tr("households", lang), "hh", "int"],
                [tr("distance", lang), "dm", "m"],
                [tr("same_commune", lang), "sc", "bool", True],
                [tr("destination", lang), "dc", "text", True],
                [tr("rank", lang), "pr", "int", True],
                [tr("official_level_move", lang), "hl", "text", True],
                [tr("probability_move", lang), "hp", "text", True],
                [tr("slope_move", lang), "hs", "text", True],
            ],
        },
        "tooltip": "n",
    }
    items = [
        {"color": MOVE_COLOURS[k], "label": tr(f"move_{k}", lang), "shape": "line", "dash": True}
        for k in ("same", "other")
    ]
    _add_layer(m, "moves", tr("moves", lang), data, spec, legend_items=items)


def hazard_map(ctx: RenderContext) -> folium.Map:
    """Build ``hazard_overlay.html`` for the resettlement team's hazard review."""
    lang = ctx.lang
    m = base_map(ctx, tr("hazard_title", lang))
    table = exposed_by_commune(ctx)
    add_susceptibility(m, ctx)
    add_exposed_communes(m, ctx, table)
    add_forest(m, ctx)
    add_landslide_zones(m, ctx)
    add_model_zones(m, ctx)
    add_disagreement(m, ctx)
    add_border(m, ctx)
    add_outlines(m, ctx)
    # the unused candidate sites stay on the resettlement map (they weigh ~1 MB)
    add_sites(m, ctx)
    add_moves(m, ctx)
    add_exposed_villages(m, ctx)
    model = model_summary_html(ctx)
    Call(
        "panel",
        {
            "title": tr("hazard_panel" if model else "exposed_table", lang),
            "html": model
            + (f"<div class='gp-pop-h'>{escape(tr('exposed_table', lang))}</div>" if model else "")
            + exposed_table_html(table, lang),
            "position": "bottomleft",
        },
    ).add_to(m)
    return finish_map(m, ctx)


# --------------------------------------------------------------------------- dashboard layers


def add_ntm_communes(m: folium.Map, ctx: RenderContext) -> None:
    """Communes by new-rural (NTM) status with their criteria and poverty in the popup."""
    c = ctx.communes_web
    if c.empty:
        return
    lang = ctx.lang

    def props(row: pd.Series) -> dict[str, Any]:
        status = _text(row.get("ntm_status")) or "none"
        return {
            **_admin_props(row),
            "st": status,
            "stl": tr(f"ntm_{status}", lang),
            "cr": clean_value(row.get("ntm_criteria_met")),
            "pov": clean_value(_latest_poverty(row), 3),
            "hh": clean_value(row.get("households")),
            "nv": clean_value(row.get("villages")),
            "rg": _text(row.get("region")),
            "atk": clean_value(row.get("is_atk")),
            "edc": clean_value(row.get("is_especially_difficult")),
            "coop": clean_value(row.get("has_cooperative")),
            "hx": clean_value(row.get("hh_exposed_high"), 1),
        }

    data = feature_collection(c, props)
    popup = {
        "title": "n",
        "subtitle": ["d"],
        "badge": {
            "key": "st",
            "items": {k: [col, tr(f"ntm_{k}", lang)] for k, col in NTM_COLOURS.items()},
        },
        "rows": [
            [tr("ntm_criteria", lang), "cr", "int", True],
            [tr("poverty_rate", lang), "pov", "pct", True],
            [tr("villages_n", lang), "nv", "int", True],
            [tr("households", lang), "hh", "int", True],
            [tr("region", lang), "rg", "text", True],
            [tr("is_atk", lang), "atk", "bool", True],
            [tr("is_especially_difficult", lang), "edc", "bool", True],
            [tr("has_cooperative", lang), "coop", "bool", True],
            [tr("hh_exposed_high", lang), "hx", "dec1", True],
        ],
    }
    spec = {
        "style": _polygon_style(
            by="st", colors=NTM_COLOURS, stroke="#555555", weight=0.7, opacity=0.6
        ),
        "popup": popup,
        "search": {"label": "n", "sub": ["d"], "kind": "commune"},
    }
    items = [{"color": col, "label": tr(f"ntm_{k}", lang)} for k, col in NTM_COLOURS.items()]
    _add_layer(m, "communes", tr("ntm_status", lang), data, spec, legend_items=items)
    _add_poverty_communes(m, data, popup, lang)


def _add_poverty_communes(m: folium.Map, data: dict[str, Any], popup: SECTION, lang: Lang) -> None:
    """Add the NTM communes' features again, by poverty rate (off at opening)."""
    pov = {"type": "polygon", "by": "pc", "stroke": "#555555", "weight": 0.7, "fillOpacity": 0.7}
    colours = {}
    features = []
    for f in data["features"]:
        colour = _poverty_colour(f["properties"]["pov"])
        colours[colour] = colour
        features.append({**f, "properties": {**f["properties"], "pc": colour}})
    pov["colors"] = colours
    collection = {"type": "FeatureCollection", "features": features}
    spec = {"style": pov, "popup": popup}
    items = _poverty_legend_items(lang, "square")
    _add_layer(
        m, "poverty", tr("poverty_map", lang), collection, spec, legend_items=items, show=False
    )


T5_CRITERIA = 15  # T5: every commune meets at least 15 of the 19 NTM criteria
GAP_COLOURS = {"0": "#1a9850", "1": "#fee08b", "2": "#fc8d59", "3": "#d73027"}


def criteria_gap_class(gap: float | None) -> str:
    """Return ``"0"`` (target met), ``"1"`` (1–2 short), ``"2"`` (3–5) or ``"3"`` (≥ 6)."""
    if gap is None or gap <= 0:
        return "0"
    return "1" if gap <= 2 else "2" if gap <= 5 else "3"


def add_target_gap_communes(m: folium.Map, ctx: RenderContext) -> None:
    """Communes by their gap to T5 (criteria short of 15), off at opening.

    T5 is the one resolution target measured on every commune in the canonical
    data (``ntm_criteria_met``); the popup adds the yearly criteria counts.
    """
    c = ctx.communes_web
    if c.empty or "ntm_criteria_met" not in c:
        return
    lang = ctx.lang
    years = sorted(
        str(col)[len("ntm_criteria_") :]
        for col in c.columns
        if str(col).startswith("ntm_criteria_") and str(col)[len("ntm_criteria_") :].isdigit()
    )

    def props(row: pd.Series) -> dict[str, Any]:
        met = _num(row.get("ntm_criteria_met"))
        gap = max(0.0, T5_CRITERIA - met) if met is not None else None
        return {
            **_admin_props(row),
            "g": criteria_gap_class(gap) if gap is not None else None,
            "cr": clean_value(met),
            "gap": clean_value(gap),
            "yr": [clean_value(row.get(f"ntm_criteria_{y}")) for y in years] or None,
        }

    data = feature_collection(c, props)
    labels = {
        "0": tr("gap_met", lang),
        "1": label("gap_n", lang, n="1–2"),
        "2": label("gap_n", lang, n="3–5"),
        "3": label("gap_n", lang, n="≥ 6"),
    }
    spec = {
        "style": _polygon_style(
            by="g", colors=GAP_COLOURS, fill="#cccccc", stroke="#555555", weight=0.7, opacity=0.65
        ),
        "popup": {
            "title": "n",
            "subtitle": ["d"],
            "badge": {"key": "g", "items": {k: [GAP_COLOURS[k], v] for k, v in labels.items()}},
            "rows": [
                [tr("ntm_criteria", lang), "cr", "int"],
                [tr("gap_t5", lang), "gap", "int"],
            ],
            "levels": {
                "key": "yr",
                "title": tr("ntm_criteria_by_year", lang),
                "labels": years,
                "colors": ["#41ab5d"] * len(years),
            },
        },
    }
    items = [{"color": GAP_COLOURS[k], "label": v} for k, v in labels.items()]
    _add_layer(m, "target_gap", tr("gap_layer", lang), data, spec, legend_items=items, show=False)


def _latest_poverty(row: pd.Series) -> Any:
    years = sorted((c for c in row.index if str(c).startswith("poverty_rate_")), reverse=True)
    for col in ["poverty_rate", *years]:
        value = _num(row.get(col))
        if value is not None:
            return value
    return None


def add_dashboard_villages(m: folium.Map, ctx: RenderContext) -> None:
    """Villages coloured by poverty rate, with their class in every track."""
    v = ctx.villages
    if v.empty:
        return
    lang = ctx.lang

    def props(row: pd.Series) -> dict[str, Any]:
        p = _village_base_props(row)
        rate = _num(row.get("poverty_rate"))
        p["pov"] = clean_value(rate, 3)
        p["pc"] = _poverty_colour(rate)
        p["em"] = clean_value(row.get("em_share"), 3)
        for t in ctx.tracks:
            p[f"k_{t}"] = _int(row.get(f"{t}_class")) or None
        return p

    data = feature_collection(_points(v), props)
    rows = [
        [tr("households", lang), "hh", "int"],
        [tr("poverty_rate", lang), "pov", "pct", True],
        [tr("em_share", lang), "em", "pct", True],
    ] + [[f"{tr('class', lang)}: {ctx.track_title(t)}", f"k_{t}", "int", True] for t in ctx.tracks]
    spec = {
        "style": {
            "type": "point",
            "by": "pc",
            "colors": {c: c for _, c in POVERTY_BREAKS},
            "radius": 4,
            "radiusBy": "hh",
            "rscale": 0.35,
            "rmin": 2.5,
            "rmax": 8,
        },
        "popup": {"title": "n", "subtitle": ["c", "d"], "rows": rows},
        "tooltip": "n",
        "search": {"label": "n", "sub": ["c", "d"], "kind": "village"},
    }
    name = f"{tr('villages', lang)}: {tr('poverty_rate', lang).lower()}"
    _add_layer(m, "villages", name, data, spec, legend_items=_poverty_legend_items(lang, "circle"))


def _status_counts(frame: pd.DataFrame | None, key: str) -> dict[str, dict[str, int]]:
    """Code -> status -> number of targets, from a targets-per-unit table."""
    if frame is None or key not in frame or "status" not in frame:
        return {}
    counts = frame.groupby([frame[key].astype(str), frame["status"].astype(str)]).size()
    out: dict[str, dict[str, int]] = {}
    for (code, status), n in counts.items():
        out.setdefault(str(code), {})[str(status)] = int(n)
    return out


def add_communes_2025(m: folium.Map, ctx: RenderContext) -> None:
    """Add the merged 2025 communes with their roll-ups (off at opening), by poverty rate.

    Needs ``PlanOutcome.communes_2025`` and a geometry for it (the ``communes_2025``
    layer, else the 2022 communes dissolved by the crosswalk); absent otherwise.
    """
    merged = communes_2025_frame(ctx.result)
    if not isinstance(merged, gpd.GeoDataFrame):
        return
    merged = merged[merged.geometry.notna() & ~merged.geometry.is_empty]
    if merged.empty:
        return
    lang = ctx.lang
    web = coverage_simplify(merged, 40.0)
    names = code_names(ctx.communes, "commune_code", "commune_name")
    statuses = _status_counts(
        plan_frame(ctx.result, "targets_by_commune_2025"), "commune_code_2025"
    )
    summary = plan_summary(ctx.result, "allocation_summary")
    currency = currency_label(summary, lang) if summary else ""
    name = tr("communes_2025", lang)

    def props(row: pd.Series) -> dict[str, Any]:
        code = _text(row.get("commune_code_2025"))
        members = [c.strip() for c in _text(row.get("communes_2022")).split(",") if c.strip()]
        hh, poor = _num(row.get("households")), _num(row.get("poor_households"))
        rate = poor / hh if hh and poor is not None else None
        st = statuses.get(code, {})
        return {
            "n": _text(row.get("commune_name_2025")) or code,
            "sub": f"{name} · {code}",
            "pc": _poverty_colour(rate),
            "mem": [f"{names.get(c, c)} ({c})" for c in members] or None,
            "nv": clean_value(row.get("villages")),
            "hh": clean_value(hh),
            "pov": clean_value(rate, 3),
            "hx": clean_value(row.get("hh_exposed_high"), 1),
            "fc": clean_value(row.get("funded_cost"), 0),
            "ntm": clean_value(row.get("commune_ntm_score"), 3),
            "ta": st.get("achieved"),
            "to": st.get("on_track"),
            "tb": st.get("behind"),
        }

    data = feature_collection(web, props)
    funded = tr("funded_cost", lang) + (f" ({currency})" if currency else "")
    rows = [
        [tr("villages_n", lang), "nv", "int"],
        [tr("households", lang), "hh", "int"],
        [tr("poverty_rate", lang), "pov", "pct", True],
        [tr("hh_exposed_high", lang), "hx", "dec1", True],
        [funded, "fc", "int", True],
        [tr("ntm_priority", lang), "ntm", "dec3", True],
    ]
    if statuses:
        rows += [
            [f"{tr('targets_short', lang)}: {tr(f'status_{k}', lang).lower()}", key, "int", True]
            for k, key in (("achieved", "ta"), ("on_track", "to"), ("behind", "tb"))
        ]
    spec = {
        "style": _polygon_style(
            by="pc",
            colors={c: c for _, c in POVERTY_BREAKS},
            stroke="#1a237e",
            weight=2.2,
            opacity=0.45,
        ),
        "popup": {
            "title": "n",
            "subtitle": ["sub"],
            "rows": rows,
            "list": {"key": "mem", "title": tr("communes_2022", lang)},
        },
        "tooltip": "n",
        "search": {"label": "n", "sub": ["sub"], "kind": "commune"},
    }
    items = _poverty_legend_items(lang, "square")
    title = f"{name}: {tr('poverty_rate', lang).lower()}"
    _add_layer(
        m, "communes_2025", name, data, spec, legend_items=items, show=False, legend_title=title
    )


def dashboard_map(ctx: RenderContext, side_html: Callable[[RenderContext], str]) -> folium.Map:
    """Build ``dashboard.html``: commune status map beside summaries, targets and charts."""
    lang = ctx.lang
    m = base_map(ctx, tr("dashboard_title", lang), width="58%")
    add_ntm_communes(m, ctx)
    add_target_gap_communes(m, ctx)
    if "commune_ntm_score" in ctx.communes_web:
        add_track_communes(m, ctx, "commune_ntm", show=False, name=tr("ntm_priority", lang))
    add_communes_2025(m, ctx)
    add_outlines(m, ctx)
    add_dashboard_villages(m, ctx)
    aside = jinja_safe_html(f'<aside class="gp-side" id="gp-side">{side_html(ctx)}</aside>')
    _figure(m).html.add_child(folium.Element(aside))
    return finish_map(m, ctx, title=False)


__all__ += [
    "exposed_by_commune",
    "exposed_table_html",
    "exposure_class",
    "hazard_flags",
    "to_wgs84",
]
