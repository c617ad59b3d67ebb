"""``hazard_overlay.html``: landslide zones, the model, forest, border, exposed villages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.i18n import Lang, fmt_num, fmt_pct, label, tr
from geoplan.render._geo import (
    Columns,
    PropertyColumns,
    clean_value,
    feature_collection,
    generalise_coverage,
    record_columns,
    simplify,
)
from geoplan.render.context import (
    RenderContext,
    track_criteria,
)
from geoplan.render.elements import Call, ImageLayer
from geoplan.render.hazard_panel import (
    exposed_by_commune,
    exposed_table_html,
    model_summary_html,
    susceptibility_of,
)
from geoplan.render.map_base import (
    SECTION,
    add_layer,
    add_outlines,
    admin_props,
    as_number,
    as_points,
    base_map,
    exposure_levels,
    finish_map,
    legend_of,
    level_legend_items,
    polygon_style,
    village_base_props,
    village_style,
)
from geoplan.render.map_plan import (
    add_moves,
    add_sites,
    add_unplaced,
    destination_rows,
    plan_destinations,
)
from geoplan.render.map_priority import score_props
from geoplan.render.palette import (
    DISAGREEMENT_COLOURS,
    EXPOSED_BREAKS,
    EXPOSURE_COLOURS,
    FOREST_COLOURS,
    LEVEL_COLOURS,
    SUSC_COLOURS,
)
from geoplan.render.raster import colour_overlay
from geoplan.render.templating import Markup, render_template

if TYPE_CHECKING:
    from geoplan.indicators.exposure import HazardReason

__all__ = [
    "MODEL_ZONES_MIN_AREA_M2",
    "MODEL_ZONES_TOLERANCE_M",
    "add_border",
    "add_disagreement",
    "add_exposed_communes",
    "add_exposed_villages",
    "add_forest",
    "add_landslide_zones",
    "add_model_zones",
    "add_susceptibility",
    "hazard_flags",
    "hazard_map",
    "hazard_map_layers",
    "village_hazard_reasons",
]


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

    def props(cols: Columns) -> PropertyColumns:
        levels = [int(v) for v in cols.raw("level")]
        return {"lv": levels, "n": [tr(f"level_{lv}", lang) for lv in levels]}

    data = feature_collection(z, props)
    spec = {
        "style": polygon_style(
            by="lv",
            colors={str(k): c for k, c in LEVEL_COLOURS.items()},
            stroke="#7a3b00",
            weight=0.3,
            opacity=0.45,
        ),
        "popup": {"title": "n", "rows": [[tr("level", lang), "lv", "int"]]},
    }
    name = tr("landslide_zones", lang)
    add_layer(m, "landslide_zones", name, data, spec, legend_items=level_legend_items(lang))


def add_forest(m: folium.Map, ctx: RenderContext, *, show: bool = True) -> None:
    """Forest polygons coloured by type, popups with the forest's name."""
    forest = ctx.layers.get("forest")
    if forest is None or "forest_type" not in forest:
        return
    lang = ctx.lang

    def props(cols: Columns) -> PropertyColumns:
        kinds = cols.text("forest_type")
        titles = [tr(f"forest_{kind}", lang) for kind in kinds]
        names = [n or t for n, t in zip(cols.text("name"), titles, strict=True)]
        return {"t": kinds, "n": names, "tl": titles}

    data = feature_collection(forest, props)
    spec = {
        "style": polygon_style(
            by="t", colors=FOREST_COLOURS, stroke="#1b5e20", weight=0.4, opacity=0.35
        ),
        "popup": {"title": "n", "subtitle": ["tl"]},
    }
    items = [
        {"color": c, "label": tr(f"forest_{k}", lang), "opacity": 0.5}
        for k, c in FOREST_COLOURS.items()
    ]
    add_layer(m, "forest", tr("forest", lang), data, spec, legend_items=items, show=show)


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
    data = feature_collection(
        belt, lambda cols: {"n": [f"{tr('border_belt', lang)} ({km} km)"] * cols.n}
    )
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
    add_layer(m, "border_belt", name, data, spec, legend_items=items)
    line = simplify(border, 30.0)

    data = feature_collection(line, lambda cols: {"n": cols.text("country")})
    spec = {
        "style": {"type": "line", "color": "#4a148c", "weight": 3, "dash": "10 4 2 4"},
        "tooltip": "n",
    }
    name = tr("border", lang)
    items = [{"color": "#4a148c", "label": name, "shape": "line", "dash": True}]
    add_layer(m, "border", name, data, spec, legend_items=items)


def add_susceptibility(m: folium.Map, ctx: RenderContext) -> None:
    """Add the modelled probability raster as a toggleable image overlay (off at opening)."""
    susc = susceptibility_of(ctx)
    if susc is None:
        return
    dem = ctx.result.layers.dem
    fallback = dem.crs if dem is not None else None
    overlay = colour_overlay(susc.probability, SUSC_COLOURS, fallback_crs=fallback)
    if overlay is None:
        return
    lang = ctx.lang
    name = tr("susceptibility", lang)
    ImageLayer(
        "susceptibility", name, overlay.url, overlay.bounds, opacity=0.75, show=False
    ).add_to(m)
    legend_of(m).append(
        {
            "layer": "susceptibility",
            "title": name,
            "gradient": SUSC_COLOURS,
            "ends": [f"0 ({tr('susc_low', lang)})", f"1 ({tr('susc_high', lang)})"],
        }
    )


MODEL_ZONES_TOLERANCE_M = 90.0  # about one DEM cell of the demo (3″): removes the staircase


MODEL_ZONES_MIN_AREA_M2 = 100_000.0  # the model's own default minimum zone (0.1 km²)


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
    model = susceptibility_of(ctx)
    zones = model.zones if model is not None else None
    if zones is None or zones.empty or "level" not in zones:
        return
    lang = ctx.lang
    z = zones[["level", "geometry"]].copy()
    z["level"] = pd.to_numeric(z["level"], errors="coerce")
    z = z[z["level"].between(1, 5) & z.geometry.notna()]
    if z.empty:
        return
    z["level"] = z["level"].astype(int)
    z = generalise_coverage(z, "level", MODEL_ZONES_TOLERANCE_M, MODEL_ZONES_MIN_AREA_M2)

    def props(cols: Columns) -> PropertyColumns:
        levels = [int(v) for v in cols.raw("level")]
        return {"lv": levels, "n": [_level_text(lv, lang) for lv in levels]}

    data = feature_collection(z, props, encoded=True)
    note = label(
        "model_zones_note",
        lang,
        area=fmt_num(MODEL_ZONES_MIN_AREA_M2 / 1e6, lang, 1),
        tol=fmt_num(MODEL_ZONES_TOLERANCE_M, lang),
    )
    name = tr("model_zones", lang)
    spec = {
        "style": polygon_style(
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
    add_layer(m, "model_zones", name, data, spec, legend_items=level_legend_items(lang), show=False)


def add_disagreement(m: folium.Map, ctx: RenderContext) -> None:
    """Where the official map and the model differ by two or more levels (off at opening).

    Red where the model is higher than the official level, blue where it is lower;
    the popup gives both levels.  Polygons are simplified (40 m) one by one.
    """
    model = susceptibility_of(ctx)
    dis = model.disagreement if model is not None else None
    if dis is None or dis.empty:
        return
    if not {"official_level", "model_level"} <= set(dis.columns):
        return
    lang = ctx.lang
    d = dis[["official_level", "model_level", "geometry"]].copy()
    d["area_km2"] = d.geometry.area / 1e6 if d.crs is not None and d.crs.is_projected else np.nan
    d = simplify(d, 40.0)

    def props(cols: Columns) -> PropertyColumns:
        official = [None if v is None else int(v) for v in cols.number("official_level")]
        model = [None if v is None else int(v) for v in cols.number("model_level")]
        pairs = list(zip(official, model, strict=True))
        kinds = ["up" if (mo or 0) > (o or 0) else "down" for o, mo in pairs]
        return {
            "k": kinds,
            "n": [tr(f"dis_{kind}", lang) for kind in kinds],
            "ol": official,
            "ml": model,
            "olt": [_level_text(o, lang) for o in official],
            "mlt": [_level_text(mo, lang) for mo in model],
            "dl": [mo - o if o is not None and mo is not None else None for o, mo in pairs],
            "a": cols.clean("area_km2", 2),
        }

    data = feature_collection(d, props)
    spec = {
        "style": polygon_style(
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
    add_layer(m, "disagreement", name, data, spec, legend_items=items, show=False)


def village_hazard_reasons(ctx: RenderContext, villages: pd.DataFrame) -> pd.Series:
    """Return why each village is flagged for review, by the one rule of the indicators.

    The reasons of :func:`geoplan.indicators.exposure.hazard_reasons` (those the
    ``hazard_reason`` column writes in English), with the run's thresholds.
    """
    from geoplan.indicators.exposure import hazard_reasons

    return hazard_reasons(villages, ctx.result.scenario.indicators, susceptibility_of(ctx))


def _reason_values(values: Mapping[str, float], lang: Lang) -> dict[str, str]:
    """Return the figures of a hazard reason as the map writes them in ``lang``."""
    shown = {
        "level": lambda x: str(int(x)),
        "share": lambda x: fmt_pct(x, lang, 0),
        "high": lambda x: str(int(x)),
        "dist_m": lambda x: f"{fmt_num(x, lang)} m",
        "p": lambda x: fmt_pct(x, lang, 0),
    }
    return {key: shown[key](value) for key, value in values.items()}


def hazard_flags(
    cols: Columns, reasons: list[tuple[HazardReason, ...]], lang: Lang
) -> list[list[str]]:
    """Why each village is flagged for review, in ``lang``: its hazard reasons, then where it lies.

    Parameters
    ----------
    cols
        The villages (their forest and border-belt columns).
    reasons
        Each village's hazard reasons (:func:`village_hazard_reasons`), shown through
        the labels ``flag_<code>``.
    lang
        Output language.
    """
    rows = zip(
        reasons,
        cols.text("forest_name"),
        cols.clean("in_special_use_forest"),
        cols.clean("in_protective_forest"),
        cols.clean("in_border_belt"),
        cols.number("dist_border_m"),
        strict=True,
    )
    out = []
    for found, name, special, protective, belt, dist in rows:
        flags = [label(f"flag_{r.code}", lang, **_reason_values(r.values, lang)) for r in found]
        if bool(special):
            flags.append(label("flag_suf", lang, name=name).strip())
        elif bool(protective):
            flags.append(label("flag_prf", lang, name=name).strip())
        if bool(belt):
            km = f"{fmt_num((dist or 0) / 1000, lang, 1)} km"
            flags.append(label("flag_border", lang, dist=km))
        out.append(flags)
    return out


def add_exposed_villages(m: folium.Map, ctx: RenderContext) -> None:
    """Villages coloured by landslide exposure with households per level, distances and reasons."""
    v = ctx.villages
    if v.empty:
        return
    lang = ctx.lang
    has_track = "resettlement_score" in v
    criteria = track_criteria(ctx.result, "resettlement", v) if has_track else []
    v = v.assign(_exp=v["landslide_exposure_class"]).sort_values("_exp")
    reasons = village_hazard_reasons(ctx, v).to_dict()
    destinations = plan_destinations(ctx)

    def props(cols: Columns) -> PropertyColumns:
        p = village_base_props(cols)
        p["k"] = [int(k) for k in cols.raw("_exp")]
        levels = zip(*(cols.clean(f"hh_exposed_{i}", 1) for i in range(1, 6)), strict=True)
        p["lvl"] = [None if all(x is None for x in lv) else list(lv) for lv in levels]
        for key, col in (
            ("hx", "hh_exposed_high"),
            ("dh", "dist_high_landslide_m"),
            ("db", "dist_border_m"),
            ("df", "dist_special_use_forest_m"),
            ("dr", "dist_river_m"),
            ("dd", "dist_road_m"),
            ("sp", "susceptibility"),
        ):
            p[key] = cols.clean(col, 3)
        p["fl"] = hazard_flags(cols, [reasons[i] for i in cols.index], lang)
        if has_track:
            sp = score_props(cols, "resettlement", criteria, lang)
            p["rk"] = sp["k"]
            p["rs"] = sp["s"]
            p["why"] = sp["why"]
        p.update(record_columns([destinations.get(i, {}) for i in p["id"]]))
        return p

    data = feature_collection(as_points(v), props)
    rows = [
        [tr("households", lang), "hh", "int"],
        [tr("hh_exposed_high", lang), "hx", "int", True],
        [tr("susceptibility", lang), "sp", "prob", True],
        [tr("dist_high", lang), "dh", "m", True],
        [tr("dist_border", lang), "db", "m", True],
        [tr("dist_suf", lang), "df", "m", True],
        [tr("dist_river", lang), "dr", "m", True],
        [tr("dist_road", lang), "dd", "m", True],
        *destination_rows(lang),
    ]
    if has_track:
        rows += [
            [f"{tr('score', lang)} ({ctx.track_title('resettlement')})", "rs", "dec3", True],
            [tr("class", lang), "rk", "int", True],
        ]
    exp_items = {str(k): [c, tr(f"exp_{k}", lang)] for k, c in EXPOSURE_COLOURS.items()}
    spec = {
        "style": village_style({str(k): c for k, c in EXPOSURE_COLOURS.items()}),
        "popup": {
            "title": "n",
            "subtitle": ["c", "d"],
            "badge": {"key": "k", "items": exp_items},
            "rows": rows,
            "levels": exposure_levels(lang),
            "list": {"key": "fl", "title": tr("flags", lang)},
            "text": {"key": "why", "title": tr("reason", lang)},
        },
        "tooltip": "n",
        "search": {"label": "n", "sub": ["c", "d"], "kind": "village"},
    }
    items = [
        {"color": EXPOSURE_COLOURS[k], "label": tr(f"exp_{k}", lang), "shape": "halo"}
        for k in (3, 2, 1, 0)
    ]
    add_layer(m, "villages", tr("exposure", lang), data, spec, legend_items=items)


def add_exposed_communes(m: folium.Map, ctx: RenderContext, table: pd.DataFrame) -> None:
    """Communes coloured by households in high landslide zones (off at opening; searchable)."""
    c = ctx.communes_web
    if c.empty or "commune_code" not in c:
        return
    lang = ctx.lang
    by_code = {str(r["commune_code"]): r for r in table.to_dict("records")}

    def props(cols: Columns) -> PropertyColumns:
        rows = [by_code.get(str(code)) for code in cols.raw("commune_code")]
        hx = [as_number(t["hh_exposed_high"]) if t is not None else 0.0 for t in rows]
        return {
            **admin_props(cols),
            "pc": [next(col for upper, col in EXPOSED_BREAKS if (h or 0) < upper) for h in hx],
            "hx": [clean_value(h, 1) for h in hx],
            "vx": [clean_value(t["villages_exposed"]) if t is not None else 0 for t in rows],
            "lvl": [
                [clean_value(t[f"hh_exposed_{i}"], 1) for i in range(1, 6)]
                if t is not None
                else None
                for t in rows
            ],
        }

    data = feature_collection(c, props)
    spec = {
        "style": polygon_style(
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
                [tr("hh_exposed_high", lang), "hx", "int"],
                [tr("villages_exposed", lang), "vx", "int"],
            ],
            "levels": exposure_levels(lang),
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
    add_layer(m, "communes", name, data, spec, legend_items=items, show=False)


def hazard_map(ctx: RenderContext, started: folium.Map | None = None) -> folium.Map:
    """Build ``hazard_overlay.html`` for the resettlement team's hazard review.

    Parameters
    ----------
    ctx
        Render inputs, with the plan.
    started
        The map's plan-free layers, built by :func:`hazard_map_layers` on the same
        context while the plan was being made; built here when ``None``.  The page is
        the same either way.
    """
    lang = ctx.lang
    m = started if started is not None else hazard_map_layers(ctx)
    # the unused candidate sites stay on the resettlement map (they weigh ~1 MB)
    add_sites(m, ctx)
    add_moves(m, ctx)
    add_exposed_villages(m, ctx)
    add_unplaced(m, ctx)
    model = model_summary_html(ctx)
    Call(
        "panel",
        {
            "title": tr("hazard_panel" if model else "exposed_table", lang),
            "html": str(
                render_template(
                    "hazard_panel.html",
                    model=Markup(model),
                    title=tr("exposed_table", lang),
                    table=Markup(exposed_table_html(exposed_by_commune(ctx), lang)),
                )
            ),
            "position": "bottomleft",
        },
    ).add_to(m)
    return finish_map(m, ctx)


def hazard_map_layers(ctx: RenderContext) -> folium.Map:
    """Return the hazard map with its layers that need no plan: model, zones, forest, outlines.

    The costly part of the map (the model's zones and probability image), which the
    render builds while the plan is still being made; :func:`hazard_map` adds the
    plan's sites and moves, the villages and the panel.
    """
    m = base_map(ctx, tr("hazard_title", ctx.lang))
    add_susceptibility(m, ctx)
    add_exposed_communes(m, ctx, exposed_by_commune(ctx))
    add_forest(m, ctx)
    add_landslide_zones(m, ctx)
    add_model_zones(m, ctx)
    add_disagreement(m, ctx)
    add_border(m, ctx)
    add_outlines(m, ctx)
    return m
