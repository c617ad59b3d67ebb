"""The dashboard's map: communes by NTM status, poverty, target gap, 2025 communes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import folium
import geopandas as gpd
import pandas as pd

from geoplan.i18n import Lang, label, tr
from geoplan.render._geo import (
    Columns,
    PropertyColumns,
    clean_value,
    coverage_simplify,
    feature_collection,
)
from geoplan.render.context import (
    RenderContext,
    communes_2025_frame,
    plan_frame,
    plan_summary,
)
from geoplan.render.map_base import (
    SECTION,
    add_layer,
    add_outlines,
    admin_props,
    as_points,
    base_map,
    figure_of,
    finish_map,
    polygon_style,
    poverty_colour,
    poverty_legend_items,
    village_base_props,
)
from geoplan.render.map_priority import add_track_communes
from geoplan.render.offline import jinja_safe_html
from geoplan.render.palette import GAP_COLOURS, NTM_COLOURS, POVERTY_BREAKS
from geoplan.render.plan_files import code_names
from geoplan.render.plan_report import currency_label

__all__ = [
    "T5_CRITERIA",
    "add_communes_2025",
    "add_dashboard_villages",
    "add_ntm_communes",
    "add_target_gap_communes",
    "criteria_gap_class",
    "dashboard_map",
]


def add_ntm_communes(m: folium.Map, ctx: RenderContext) -> None:
    """Communes by new-rural (NTM) status with their criteria and poverty in the popup."""
    c = ctx.communes_web
    if c.empty:
        return
    lang = ctx.lang

    def props(cols: Columns) -> PropertyColumns:
        status = [s or "none" for s in cols.text("ntm_status")]
        return {
            **admin_props(cols),
            "st": status,
            "stl": [tr(f"ntm_{s}", lang) for s in status],
            "cr": cols.clean("ntm_criteria_met"),
            "pov": [clean_value(v, 3) for v in _latest_poverty(cols)],
            "hh": cols.clean("households"),
            "nv": cols.clean("villages"),
            "rg": cols.text("region"),
            "atk": cols.clean("is_atk"),
            "edc": cols.clean("is_especially_difficult"),
            "coop": cols.clean("has_cooperative"),
            "hx": cols.clean("hh_exposed_high", 1),
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
            [tr("hh_exposed_high", lang), "hx", "int", True],
        ],
    }
    spec = {
        "style": polygon_style(
            by="st", colors=NTM_COLOURS, stroke="#555555", weight=0.7, opacity=0.6
        ),
        "popup": popup,
        "search": {"label": "n", "sub": ["d"], "kind": "commune"},
    }
    items = [{"color": col, "label": tr(f"ntm_{k}", lang)} for k, col in NTM_COLOURS.items()]
    add_layer(m, "communes", tr("ntm_status", lang), data, spec, legend_items=items)
    _add_poverty_communes(m, data, popup, lang)


def _add_poverty_communes(m: folium.Map, data: dict[str, Any], popup: SECTION, lang: Lang) -> None:
    """Add the NTM communes' features again, by poverty rate (off at opening)."""
    pov = {"type": "polygon", "by": "pc", "stroke": "#555555", "weight": 0.7, "fillOpacity": 0.7}
    colours = {}
    features = []
    for f in data["features"]:
        colour = poverty_colour(f["properties"]["pov"])
        colours[colour] = colour
        features.append({**f, "properties": {**f["properties"], "pc": colour}})
    pov["colors"] = colours
    collection = {"type": "FeatureCollection", "features": features}
    spec = {"style": pov, "popup": popup}
    items = poverty_legend_items(lang, "square")
    add_layer(
        m, "poverty", tr("poverty_map", lang), collection, spec, legend_items=items, show=False
    )


T5_CRITERIA = 15  # T5: every commune meets at least 15 of the 19 NTM criteria


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

    def props(cols: Columns) -> PropertyColumns:
        met = cols.number("ntm_criteria_met")
        gap = [max(0.0, T5_CRITERIA - m) if m is not None else None for m in met]
        yearly = [cols.clean(f"ntm_criteria_{y}") for y in years]
        return {
            **admin_props(cols),
            "g": [criteria_gap_class(g) if g is not None else None for g in gap],
            "cr": [clean_value(m) for m in met],
            "gap": [clean_value(g) for g in gap],
            "yr": [list(yr) for yr in zip(*yearly, strict=True)] if years else [None] * cols.n,
        }

    data = feature_collection(c, props)
    labels = {
        "0": tr("gap_met", lang),
        "1": label("gap_n", lang, n="1–2"),
        "2": label("gap_n", lang, n="3–5"),
        "3": label("gap_n", lang, n="≥ 6"),
    }
    spec = {
        "style": polygon_style(
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
    add_layer(m, "target_gap", tr("gap_layer", lang), data, spec, legend_items=items, show=False)


def _latest_poverty(cols: Columns) -> list[float | None]:
    """Each row's poverty rate, else its latest yearly one (``poverty_rate_<year>``)."""
    years = sorted((c for c in cols.names if c.startswith("poverty_rate_")), reverse=True)
    out = cols.number("poverty_rate")
    for col in years:
        out = [v if v is not None else y for v, y in zip(out, cols.number(col), strict=True)]
    return out


def add_dashboard_villages(m: folium.Map, ctx: RenderContext) -> None:
    """Villages coloured by poverty rate, with their class in every track."""
    v = ctx.villages
    if v.empty:
        return
    lang = ctx.lang

    def props(cols: Columns) -> PropertyColumns:
        p = village_base_props(cols)
        rate = cols.number("poverty_rate")
        p["pov"] = [clean_value(r, 3) for r in rate]
        p["pc"] = [poverty_colour(r) for r in rate]
        p["em"] = cols.clean("em_share", 3)
        for t in ctx.tracks:
            p[f"k_{t}"] = [k or None for k in cols.integer(f"{t}_class")]
        return p

    data = feature_collection(as_points(v), props)
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
    add_layer(m, "villages", name, data, spec, legend_items=poverty_legend_items(lang, "halo"))


def _status_counts(frame: pd.DataFrame | None, key: str) -> dict[str, dict[str, int]]:
    """Code -> status -> number of targets, from a targets-per-unit table."""
    if frame is None or key not in frame or "status" not in frame:
        return {}
    counts = frame.groupby([frame[key].astype(str), frame["status"].astype(str)]).size()
    out: dict[str, dict[str, int]] = {}
    for pair, n in counts.items():
        code, status = cast(tuple[str, str], pair)
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

    def props(cols: Columns) -> PropertyColumns:
        codes = cols.text("commune_code_2025")
        members = [
            [c.strip() for c in text.split(",") if c.strip()] for text in cols.text("communes_2022")
        ]
        hh, poor = cols.number("households"), cols.number("poor_households")
        rate = [p / h if h and p is not None else None for h, p in zip(hh, poor, strict=True)]
        st = [statuses.get(code, {}) for code in codes]
        return {
            "n": cols.first_text("commune_name_2025", "commune_code_2025"),
            "sub": [f"{name} · {code}" for code in codes],
            "pc": [poverty_colour(r) for r in rate],
            "mem": [[f"{names.get(c, c)} ({c})" for c in m] or None for m in members],
            "nv": cols.clean("villages"),
            "hh": [clean_value(h) for h in hh],
            "pov": [clean_value(r, 3) for r in rate],
            "hx": cols.clean("hh_exposed_high", 1),
            "fc": cols.clean("funded_cost", 0),
            "ntm": cols.clean("commune_ntm_score", 3),
            "ta": [s.get("achieved") for s in st],
            "to": [s.get("on_track") for s in st],
            "tb": [s.get("behind") for s in st],
        }

    data = feature_collection(web, props)
    funded = tr("funded_cost", lang) + (f" ({currency})" if currency else "")
    rows = [
        [tr("villages_n", lang), "nv", "int"],
        [tr("households", lang), "hh", "int"],
        [tr("poverty_rate", lang), "pov", "pct", True],
        [tr("hh_exposed_high", lang), "hx", "int", True],
        [funded, "fc", "int", True],
        [tr("ntm_priority", lang), "ntm", "dec3", True],
    ]
    if statuses:
        rows += [
            [f"{tr('targets_short', lang)}: {tr(f'status_{k}', lang).lower()}", key, "int", True]
            for k, key in (("achieved", "ta"), ("on_track", "to"), ("behind", "tb"))
        ]
    spec = {
        "style": polygon_style(
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
    items = poverty_legend_items(lang, "square")
    title = f"{name}: {tr('poverty_rate', lang).lower()}"
    add_layer(
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
    figure_of(m).html.add_child(folium.Element(aside))
    return finish_map(m, ctx, title=False)
