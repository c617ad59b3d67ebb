"""The offline base: roads by class, rivers, the border and place names, from the scenario's layers.

Drawn under the data in their own pane, never clickable, grouped as the "offline base"
base layer (the networked bases are optional and say they need a network).  The size
budget is small: lines are simplified and written as polyline strings at 10⁻⁴ ° (about
11 m), place names are ``[lat, lon, name]`` rows shown from a zoom level on.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geoplan.i18n import tr
from geoplan.render._geo import feature_collection, simplify, to_wgs84
from geoplan.render.context import RenderContext
from geoplan.render.elements import BaseGroupLayer, Call
from geoplan.render.map_compact import COMPACT_MIN_POINTS
from geoplan.render.shared import once

__all__ = ["ROAD_STYLES", "BasePart", "add_offline_base", "offline_base_parts", "place_labels"]

#: Road class -> (colour, width in px, dash); unknown classes draw as commune roads.
ROAD_STYLES: dict[str, tuple[str, float, str | None]] = {
    "national": ("#c0392b", 2.6, None),
    "provincial": ("#e67e22", 2.0, None),
    "district": ("#b9770e", 1.4, None),
    "commune": ("#7f7f7f", 1.0, None),
    "track": ("#9e9e9e", 0.8, "3 3"),
}
RIVER_COLOUR = "#4a90c2"
BORDER_COLOUR = "#4a148c"
LINE_TOLERANCE_M = 60.0
COMMUNE_LABEL_ZOOM = 10
VILLAGE_LABEL_ZOOM = 12


#: One ``GP.<function>(lid, payload, options)`` call of the offline base.
BasePart = tuple[str, str, Any, dict[str, Any]]


def _line_layer(lid: str, frame: gpd.GeoDataFrame, style: dict[str, Any]) -> BasePart:
    data = feature_collection(simplify(frame, LINE_TOLERANCE_M), (), precision=4, encoded=True)
    spec = {"style": {"type": "line", "interactive": False, **style}, "pane": "gpBase"}
    return ("dataLayer", lid, data, spec)


def _lines(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if frame is None or frame.empty:
        return None
    lines = frame[frame.geometry.notna() & frame.geom_type.isin(["LineString", "MultiLineString"])]
    return lines if len(lines) else None


def place_labels(frame: gpd.GeoDataFrame, name_col: str) -> list[list[Any]]:
    """Return ``[lat, lon, name]`` at a point inside each feature with a name (5 decimals)."""
    if frame.empty or name_col not in frame:
        return []
    named = frame[frame[name_col].notna() & frame.geometry.notna()]
    if named.empty:
        return []
    points = to_wgs84(named).geometry.representative_point()
    return [
        [round(p.y, 5), round(p.x, 5), str(n)]
        for p, n in zip(points, named[name_col], strict=True)
        if str(n).strip() and not pd.isna(n)
    ]


def add_offline_base(m: folium.Map, ctx: RenderContext) -> None:
    """Add the offline base (on at opening) as a base layer of roads, rivers, border, names.

    Its layers are made once per context (:func:`geoplan.render.shared.once`): every
    map has the same.
    """
    parts = once(ctx, "offline_base", lambda: offline_base_parts(ctx))
    for function, lid, payload, options in parts:
        Call(function, lid, payload, options).add_to(m)
    BaseGroupLayer("base_offline", tr("base_offline", ctx.lang), [p[1] for p in parts]).add_to(m)


def offline_base_parts(ctx: RenderContext) -> list[BasePart]:
    """Return the calls that draw the offline base, bottom first: rivers, roads, border, names."""
    parts: list[BasePart] = []
    rivers = _lines(ctx.layers.get("rivers"))
    if rivers is not None:
        parts.append(_line_layer("base_rivers", rivers, {"color": RIVER_COLOUR, "weight": 1.3}))
    roads = _lines(ctx.layers.get("roads"))
    if roads is not None:
        kind = (
            roads["road_class"].astype(str)
            if "road_class" in roads
            else pd.Series("commune", index=roads.index)
        )
        kind = kind.where(kind.isin(list(ROAD_STYLES)), "commune")
        for road_class in reversed(list(ROAD_STYLES)):  # major roads drawn last, on top
            subset = roads[kind == road_class]
            if subset.empty:
                continue
            colour, weight, dash = ROAD_STYLES[road_class]
            style: dict[str, Any] = {"color": colour, "weight": weight}
            if dash:
                style["dash"] = dash
            parts.append(_line_layer(f"base_roads_{road_class}", subset, style))
    border = _lines(ctx.layers.get("border"))
    if border is not None:
        style = {"color": BORDER_COLOUR, "weight": 2, "dash": "8 4 2 4"}
        parts.append(_line_layer("base_border", border, style))
    if len(ctx.communes):
        rows = place_labels(ctx.communes, "commune_name")
        opts = {"minZoom": COMMUNE_LABEL_ZOOM, "className": "gp-label-commune"}
        parts.append(("labelLayer", "base_commune_names", rows, opts))
    if 0 < len(ctx.villages) <= COMPACT_MIN_POINTS:
        # more villages are drawn by a compact layer, which writes their names itself
        rows = place_labels(ctx.villages, "village_name")
        opts = {"minZoom": VILLAGE_LABEL_ZOOM, "className": "gp-label-village"}
        parts.append(("labelLayer", "base_village_names", rows, opts))
    return parts
