"""The landslide model's zones as a file for GIS users: ``landslide_model.gpkg``.

Written beside ``landslide_model.json`` when the susceptibility model ran:
layers ``zones`` (``level`` 1–5) and ``disagreement`` (``official_level``,
``model_level``) at full resolution, in the scenario CRS like ``rankings.gpkg``,
with QGIS styles in ``layer_styles`` in the hazard map's palette.  The web map
shows the same polygons simplified (see ``docs/maps.md``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geoplan.i18n import Lang, tr
from geoplan.render.context import RenderContext
from geoplan.render.palette import DISAGREEMENT_COLOURS, LEVEL_COLOURS
from geoplan.render.tables import Style, qml_categories, write_layer, write_styles

__all__ = ["MODEL_GPKG", "write_model_gpkg"]

MODEL_GPKG = "landslide_model.gpkg"
# QGIS expression giving the web map's disagreement kind (maps.add_disagreement)
_DISAGREEMENT_KIND_QGIS = "CASE WHEN \"model_level\" > \"official_level\" THEN 'up' ELSE 'down' END"


def _model_layers(ctx: RenderContext) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Return the model's non-empty ``zones`` and ``disagreement`` frames, in that order."""
    susc = ctx.result.indicators.susceptibility
    if susc is None:
        return []
    frames = (("zones", susc.zones), ("disagreement", susc.disagreement))
    return [(name, frame) for name, frame in frames if len(frame)]


def _model_style(layer: str, lang: Lang) -> Style:
    """Return the QGIS style of a layer of ``landslide_model.gpkg``, as on the hazard map."""
    if layer == "disagreement":
        cats = [(k, tr(f"dis_{k}", lang), c) for k, c in DISAGREEMENT_COLOURS.items()]
        qml = qml_categories(_DISAGREEMENT_KIND_QGIS, "polygon", cats)
        return (layer, "disagreement_by_direction", qml, 1, tr("disagreement", lang))
    levels = [(k, f"{k} – {tr(f'level_{k}', lang)}", c) for k, c in LEVEL_COLOURS.items()]
    qml = qml_categories("level", "polygon", levels)
    return (layer, "zones_by_level", qml, 1, tr("model_zones", lang))


def write_model_gpkg(ctx: RenderContext, path: Path) -> Path | None:
    """Write ``landslide_model.gpkg`` with layers ``zones`` and ``disagreement``.

    Parameters
    ----------
    ctx
        Render inputs; the polygons come from ``ctx.result.indicators.susceptibility``.
    path
        Output file.

    Returns
    -------
    Path or None
        ``path``, or ``None`` (nothing written) when the model did not run or gave
        neither zones nor disagreement.
    """
    layers = _model_layers(ctx)
    if not layers:
        return None
    for name, frame in layers:
        write_layer(frame, path, name)
    return write_styles(path, [_model_style(name, ctx.lang) for name, _ in layers], lang=ctx.lang)
