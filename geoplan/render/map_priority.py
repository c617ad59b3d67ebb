"""``priority_<track>.html``: villages and communes by priority class."""

from __future__ import annotations

import math
from typing import Any

import folium
import pandas as pd

from geoplan.i18n import Lang, tr
from geoplan.render._geo import Columns, PropertyColumns, feature_collection, record_columns
from geoplan.render.context import (
    RenderContext,
    criterion_labels,
    track_criteria,
)
from geoplan.render.map_base import (
    SECTION,
    add_layer,
    add_outlines,
    admin_props,
    as_points,
    as_text,
    base_map,
    class_badge_items,
    class_legend_items,
    finish_map,
    polygon_style,
    village_base_props,
    village_style,
)
from geoplan.render.map_plan import (
    add_plan_layers,
    add_unplaced,
    destination_rows,
    plan_destinations,
)
from geoplan.render.palette import CLASS_COLOURS, CONTRIB_COLOURS, ROLLUP_COLOURS

__all__ = [
    "add_commune_rollup",
    "add_track_communes",
    "add_track_villages",
    "priority_map",
    "score_props",
]


def score_props(cols: Columns, track: str, criteria: list[str], lang: Lang) -> PropertyColumns:
    """Return the features' score properties for ``track``: class, score, rank, interval, reason."""
    eligible = cols.raw(f"{track}_eligible")
    klass = [
        0 if e is not None and not pd.isna(e) and not bool(e) else k
        for e, k in zip(eligible, cols.integer(f"{track}_class"), strict=True)
    ]
    p05, p95 = cols.number(f"{track}_rank_p05"), cols.number(f"{track}_rank_p95")
    if lang == "vi":
        reason = [
            en if vi is None or (isinstance(vi, float) and math.isnan(vi)) else vi
            for vi, en in zip(
                cols.raw(f"{track}_reason_vi"), cols.raw(f"{track}_reason"), strict=True
            )
        ]
    else:
        reason = cols.raw(f"{track}_reason")
    contributions = [cols.clean(f"{track}_contrib_{c}", 3) for c in criteria]
    return {
        "k": klass,
        "s": cols.clean(f"{track}_score", 3),
        "r": cols.clean(f"{track}_rank"),
        "ri": [
            [lo, hi] if lo is not None and hi is not None else None
            for lo, hi in zip(p05, p95, strict=True)
        ],
        "pt": cols.clean(f"{track}_p_top", 3),
        "why": [as_text(r) for r in reason],
        "cb": [list(cb) for cb in zip(*contributions, strict=True)]
        if criteria
        else [None] * cols.n,
    }


def _score_popup(
    ctx: RenderContext, track: str, criteria: list[str], extra_rows: list[list[Any]]
) -> SECTION:
    lang = ctx.lang
    labels = criterion_labels(lang)
    return {
        "title": "n",
        "subtitle": ["c", "d"],
        "badge": {"key": "k", "items": class_badge_items(lang)},
        "rows": [
            [tr("score", lang), "s", "dec3"],
            [tr("rank", lang), "r", "int", True],
            [tr("rank_interval", lang), "ri", "range", True],
            [tr("p_top", lang), "pt", "prob", True],
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
    destinations = plan_destinations(ctx) if track == "resettlement" else {}

    def props(cols: Columns) -> PropertyColumns:
        p = village_base_props(cols)
        p.update(score_props(cols, track, criteria, lang))
        p["pov"] = cols.clean("poverty_rate", 3)
        p.update(record_columns([destinations.get(i, {}) for i in p["id"]]))
        return p

    data = feature_collection(as_points(v), props)
    spec = {
        "style": village_style({str(k): c for k, c in CLASS_COLOURS.items()}),
        "popup": _score_popup(
            ctx,
            track,
            criteria,
            [
                [tr("households", lang), "hh", "int"],
                [tr("poverty_rate", lang), "pov", "pct"],
                *(destination_rows(lang) if destinations else []),
            ],
        ),
        "tooltip": "n",
        "search": {"label": "n", "sub": ["c", "d"], "kind": "village"},
    }
    name = f"{tr('villages', lang)}: {tr('class', lang).lower()}"
    add_layer(m, "villages", name, data, spec, legend_items=class_legend_items(lang))


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

    def props(cols: Columns) -> PropertyColumns:
        p = {
            **admin_props(cols),
            "hh": cols.clean("households"),
            "nv": cols.clean("villages"),
        }
        if has_score:
            p.update(score_props(cols, track, criteria, lang))
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
        "style": polygon_style(
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
        class_legend_items(lang, shape="square")
        if has_score
        else [{"color": "#cfd8dc", "label": tr("commune", lang)}]
    )
    add_layer(m, lid, name, data, spec, legend_items=items, show=show)


def add_commune_rollup(
    m: folium.Map, ctx: RenderContext, track: str, *, show: bool = False
) -> None:
    """Communes coloured by their number of priority-1 villages in the track."""
    lang = ctx.lang
    p = f"commune_{track}_"

    def props(cols: Columns) -> PropertyColumns:
        n1 = cols.integer(f"{p}priority1")
        return {
            **admin_props(cols),
            "k": ["0" if n <= 0 else "1" if n == 1 else "2" if n <= 3 else "3" for n in n1],
            "el": cols.clean(f"{p}eligible"),
            "p1": n1,
            "h1": cols.clean(f"{p}priority1_households"),
            "ms": cols.clean(f"{p}mean_score", 3),
            "br": cols.clean(f"{p}best_rank"),
        }

    data = feature_collection(ctx.communes_web, props)
    spec = {
        "style": polygon_style(
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
    add_layer(m, "communes", name, data, spec, legend_items=items, show=show)


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
    if track == "resettlement":
        add_unplaced(m, ctx)
    return finish_map(m, ctx)
