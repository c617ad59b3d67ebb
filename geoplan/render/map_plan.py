"""The plan on the maps: receiving sites, unused candidates, moves and unplaced villages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd

from geoplan.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render._geo import Columns, PropertyColumns, clean_value, feature_collection
from geoplan.render.context import (
    RenderContext,
    plan_frame,
)
from geoplan.render.map_base import (
    SECTION,
    add_layer,
    as_number,
    as_points,
    as_text,
    polygon_style,
    village_base_props,
)
from geoplan.render.plan_files import MOVE_COLOURS, SITE_COLOURS, code_names, split_sites
from geoplan.render.priorities import is_relocation

__all__ = [
    "add_candidate_sites",
    "add_moves",
    "add_plan_layers",
    "add_sites",
    "add_unplaced",
    "destination_rows",
    "plan_destinations",
    "site_use_class",
]


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
            [tr("susceptibility_mean", lang), "pm", "prob", True],
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
    for row in moves.to_dict("records"):
        name = as_text(row.get("village_name")) or as_text(row.get("village_id"))
        hh = as_number(row.get("households"))
        text = f"{name} ({fmt_num(hh, ctx.lang)} {tr('hh_unit', ctx.lang)})"
        out.setdefault(as_text(row.get("site_id")), []).append(text if hh is not None else name)
    return out


def _site_props(cols: Columns, moving_in: dict[str, list[str]]) -> PropertyColumns:
    used, cap = cols.number("used_hh"), cols.number("capacity_hh")
    sids = cols.text("site_id")
    pairs = list(zip(used, cap, strict=True))
    return {
        "n": cols.first_text("site_id", "name"),
        "c": cols.text("commune_name"),
        "d": cols.text("district_name"),
        "k": [site_use_class(u, c) for u, c in pairs],
        "cap": [clean_value(c) for c in cap],
        "used": [clean_value(u) for u in used],
        "free": cols.clean("free_hh"),
        "us": [clean_value(u / c, 3) if u is not None and c else None for u, c in pairs],
        "ha": cols.clean("area_ha", 1),
        "sl": cols.clean("slope_mean_deg", 1),
        "rd": cols.clean("road_dist_mean_m", 0),
        "su": cols.clean("suitability", 2),
        **_site_hazard_props(cols),
        "in": [moving_in.get(sid) or None for sid in sids],
    }


def _site_hazard_props(cols: Columns) -> PropertyColumns:
    """Return the sites' hazard profile (plan/site_profile.py) for their popups."""
    high = zip(*(cols.number(f"model_share_{lv}") for lv in (4, 5)), strict=True)
    return {
        "ol": cols.clean("official_level"),
        "mh": [
            clean_value(sum(h for h in hs if h is not None), 3)
            if any(h is not None for h in hs)
            else None
            for hs in high
        ],
        "pm": cols.clean("susceptibility", 3),
        "s9": cols.clean("slope_p90_deg", 1),
        "dr": cols.clean("dist_river_m", 0),
        "ds": cols.clean("dist_steep_m", 0),
        "fs": cols.clean("protected_forest_share", 3),
        "vf": [t or None for t in cols.text("verify_reason")],
    }


def _move_hazard_props(cols: Columns, lang: Lang) -> PropertyColumns:
    """Return "origin → site" texts of the hazards compared on the moves (plan/site_safety.py).

    The probability reads as a percentage, like every probability on the maps.
    """
    out: PropertyColumns = {}
    for key, hazard in (("hl", "official_level"), ("hp", "susceptibility"), ("hs", "slope_deg")):
        digits = 1 if hazard == "slope_deg" else 0
        texts: list[str | None] = []
        for origin, site in zip(
            cols.number(f"origin_{hazard}"), cols.number(f"site_{hazard}"), strict=True
        ):
            if origin is None or site is None:
                texts.append(None)
            elif hazard == "susceptibility":
                texts.append(f"{fmt_pct(origin, lang, 0)} → {fmt_pct(site, lang, 0)}")
            else:
                texts.append(f"{fmt_num(origin, lang, digits)} → {fmt_num(site, lang, digits)}")
        out[key] = texts
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
    data = feature_collection(used, lambda cols: _site_props(cols, moving_in))
    spec = {
        "style": polygon_style(
            by="k", colors=SITE_COLOURS, stroke="#08306b", weight=2, opacity=0.75
        ),
        "popup": _site_popup(lang),
        "tooltip": "n",
        # above the commune fills whatever is switched on (a few dozen polygons, as SVG)
        "pane": "gpSites",
    }
    items = _site_legend_items(("full", "half", "low"), lang)
    add_layer(m, "sites", tr("sites", lang), data, spec, legend_items=items)


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

    def props(cols: Columns) -> PropertyColumns:
        full = _site_props(cols, {})
        return {k: full[k] for k in keep}

    data = feature_collection(unused, props, precision=4)
    spec = {
        "style": polygon_style(
            fill=SITE_COLOURS["unused"], stroke="#4a90c2", weight=0.6, opacity=0.5
        ),
        "popup": _site_popup(lang),
    }
    name = tr("candidate_sites", lang)
    items = _site_legend_items(("unused",), lang)
    add_layer(m, "candidate_sites", name, data, spec, legend_items=items, show=False)


def add_moves(m: folium.Map, ctx: RenderContext) -> None:
    """Proposed moves (village to site) from the plan, as dashed lines."""
    moves = plan_frame(ctx.result, "moves")
    if not isinstance(moves, gpd.GeoDataFrame):
        return
    lang = ctx.lang
    names = code_names(ctx.communes, "commune_code", "commune_name")

    def props(cols: Columns) -> PropertyColumns:
        same = cols.clean("same_commune")
        site = tr("site", lang)
        return {
            "n": cols.first_text("village_name", "village_id"),
            "c": [names.get(code, code) for code in cols.text("commune_code")],
            "st": [f"→ {site} {sid}" for sid in cols.text("site_id")],
            "k": ["other" if sc is False else "same" for sc in same],
            "dc": [names.get(dest, dest) for dest in cols.text("site_commune_code")],
            "hh": cols.clean("households"),
            "dm": cols.clean("distance_m", 0),
            "sc": same,
            "pr": cols.clean("priority_rank"),
            **_move_hazard_props(cols, lang),
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
    add_layer(m, "moves", tr("moves", lang), data, spec, legend_items=items)


def add_plan_layers(m: folium.Map, ctx: RenderContext) -> None:
    """Unused candidate sites (off), the sites that receive villages, and the moves."""
    add_candidate_sites(m, ctx)
    add_sites(m, ctx)
    add_moves(m, ctx)


def _relocation_funding(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Village id -> funded, year, cost of its relocation in the plan's allocation."""
    alloc = plan_frame(ctx.result, "allocation")
    if alloc is None or "village_id" not in alloc or "funded" not in alloc:
        return {}
    alloc = alloc[is_relocation(alloc)]
    out: dict[str, dict[str, Any]] = {}
    for row in alloc.to_dict("records"):
        out[as_text(row.get("village_id"))] = {
            "funded": bool(clean_value(row.get("funded"))),
            "year": as_number(row.get("year")),
            "cost": as_number(row.get("cost")),
        }
    return out


def unplaced_reason(row: Mapping[Any, Any], lang: Lang) -> str:
    """Return why a village was not placed, from its ``reason_code`` in ``lang``."""
    code = as_text(row.get("reason_code"))
    text = tr(f"reason_{code}", lang) if code else ""
    return as_text(row.get("reason")) if not code or text == f"reason_{code}" else text


def plan_destinations(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Village id -> where the plan moves it, for the village popups.

    ``to`` destination (site and commune) or the reason it was not placed, ``tdm``
    distance (m), ``fy`` year funded, ``fs`` funding status, ``fc`` cost.  The moves'
    own ``funding_status``, ``funded_year`` and ``cost`` are used when present, else
    the village's relocation in the allocation.
    """
    lang = ctx.lang
    names = code_names(ctx.communes, "commune_code", "commune_name")
    funding = _relocation_funding(ctx)
    out: dict[str, dict[str, Any]] = {}
    moves = plan_frame(ctx.result, "moves")
    for row in moves.to_dict("records") if moves is not None else []:
        vid = as_text(row.get("village_id"))
        dest = as_text(row.get("site_commune_code"))
        fund = funding.get(vid, {})
        status = as_text(row.get("funding_status"))
        if not status and fund:
            status = "funded" if fund["funded"] else "unfunded"
        year = as_number(row.get("funded_year"))
        year = year if year is not None else (fund.get("year") if fund.get("funded") else None)
        cost = as_number(row.get("cost"))
        site = f"{tr('site', lang)} {as_text(row.get('site_id'))}"
        out[vid] = {
            "to": f"{site} · {names.get(dest, dest)}" if dest else site,
            "tdm": clean_value(row.get("distance_m"), 0),
            "fy": str(int(year)) if year is not None else None,
            "fs": tr(f"funding_{status}", lang) if status else None,
            "fc": clean_value(cost if cost is not None else fund.get("cost"), 0),
        }
    unplaced = plan_frame(ctx.result, "unplaced")
    for row in unplaced.to_dict("records") if unplaced is not None else []:
        reason = unplaced_reason(row, lang)
        out[as_text(row.get("village_id"))] = {"to": f"{tr('not_placed', lang)}: {reason}"}
    return out


def destination_rows(lang: Lang) -> list[list[Any]]:
    """Return the village popup's rows on where the plan moves the village (shown when known)."""
    return [
        [tr("moves_to", lang), "to", "text", True],
        [tr("distance", lang), "tdm", "m", True],
        [tr("funding_status", lang), "fs", "text", True],
        [tr("funded_year", lang), "fy", "text", True],
        [tr("cost", lang), "fc", "int", True],
    ]


UNPLACED_COLOUR = "#d01c8b"


def add_unplaced(m: folium.Map, ctx: RenderContext) -> None:
    """Villages the plan could not place: a ring round the village with the reason in the popup.

    The ring has no fill, so a click inside it still reaches the village marker under it.
    """
    unplaced = plan_frame(ctx.result, "unplaced")
    v = ctx.villages
    if unplaced is None or v.empty or "village_id" not in unplaced or "village_id" not in v:
        return
    lang = ctx.lang
    ids = set(unplaced["village_id"].astype(str))
    located = v[v["village_id"].astype(str).isin(ids)]
    if located.empty:
        return
    reasons = {
        as_text(r.get("village_id")): unplaced_reason(r, lang) for r in unplaced.to_dict("records")
    }

    def props(cols: Columns) -> PropertyColumns:
        base = village_base_props(cols)
        return {**base, "why": [reasons.get(vid, "") for vid in base["id"]]}

    data = feature_collection(as_points(located), props)
    spec = {
        "style": {
            "type": "point",
            "radius": 11,
            "stroke": UNPLACED_COLOUR,
            "weight": 3,
            "noFill": True,
        },
        "popup": {
            "title": "n",
            "subtitle": ["c", "d"],
            "rows": [[tr("households", lang), "hh", "int"]],
            "text": {"key": "why", "title": tr("not_placed_reason", lang)},
        },
        "tooltip": "n",
    }
    name = f"{tr('not_placed_villages', lang)} ({fmt_num(len(located), lang)})"
    items = [{"color": UNPLACED_COLOUR, "label": name, "shape": "ring"}]
    add_layer(m, "unplaced", name, data, spec, legend_items=items)
