"""Site safety as files: rejected and to-verify sites in the GeoPackage, the to-verify list.

``resettlement_sites.gpkg`` gains two layers beside ``sites`` and
``candidate_sites``: ``rejected_sites`` (candidates that break a safety rule,
with ``reason_code`` and ``reason``) and ``verify_sites`` (sites where the
landslide model and the official map disagree, kept or rejected, with
``verify_code`` and ``verify_reason``).  ``resettlement_sites_to_verify.csv``
lists the latter for the field team, with the WGS 84 point to go to.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoplan.i18n import Lang, tr
from geoplan.render.context import RenderContext, plan_frame
from geoplan.render.tables import Style, qml_categories, write_frame_csv

__all__ = [
    "SAFETY_COLOURS",
    "VERIFY_CSV",
    "safety_layers",
    "safety_style",
    "verify_table",
    "write_verify_csv",
]

VERIFY_CSV = "resettlement_sites_to_verify.csv"
SAFETY_COLOURS = {"rejected_sites": "#b71c1c", "verify_sites": "#ff8f00"}


def _flagged(screening: pd.DataFrame) -> pd.Series:
    return screening["verify_code"].fillna("").astype(str) != ""


def safety_layers(ctx: RenderContext) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Return the ``rejected_sites`` and ``verify_sites`` layers (empty ones left out)."""
    screening = plan_frame(ctx.result, "site_screening")
    if not isinstance(screening, gpd.GeoDataFrame):
        return []
    rejected = screening[screening["status"] == "rejected"]
    flagged = screening[_flagged(screening)]
    return [(n, f) for n, f in (("rejected_sites", rejected), ("verify_sites", flagged)) if len(f)]


def safety_style(layer: str, lang: Lang) -> Style:
    """Return the QGIS style of ``rejected_sites`` or ``verify_sites`` (one outlined colour)."""
    colour = SAFETY_COLOURS[layer]
    attr = "'rejected'" if layer == "rejected_sites" else '"verify_code"'
    if layer == "rejected_sites":
        cats = [("rejected", tr(layer, lang), colour)]
    else:
        cats = [(code, tr(f"verify_{code}", lang), colour)
                for code in ("model_higher", "official_higher")]  # fmt: skip
    qml = qml_categories(attr, "polygon", cats)
    return (layer, f"{layer}_by_reason", qml, 1, tr(layer, lang))


def verify_table(screening: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the sites to verify in the field: id, place, status, why, and where to go.

    Parameters
    ----------
    screening
        ``PlanOutcome.site_screening``.

    Returns
    -------
    DataFrame
        One row per flagged site (``site_id`` order) with ``lon`` / ``lat``
        (WGS 84) of a point inside the site.
    """
    flagged = screening[_flagged(screening)]
    keep = [
        "site_id", "commune_code", "commune_name", "district_code", "district_name",
        "area_ha", "capacity_hh", "status", "reason_code", "verify_code", "verify_reason",
        "official_level", "landslide_share_4", "landslide_share_5", "model_level",
        "model_share_4", "model_share_5", "susceptibility",
    ]  # fmt: skip
    out = pd.DataFrame(flagged[[c for c in keep if c in flagged.columns]]).reset_index(drop=True)
    points = flagged.geometry.representative_point()
    if flagged.crs is not None:
        points = points.to_crs("EPSG:4326")
    out["lon"] = points.x.round(6).to_numpy()
    out["lat"] = points.y.round(6).to_numpy()
    return out


def write_verify_csv(ctx: RenderContext, path: Path) -> Path | None:
    """Write ``resettlement_sites_to_verify.csv``, or nothing when no site is flagged."""
    screening = plan_frame(ctx.result, "site_screening")
    if not isinstance(screening, gpd.GeoDataFrame) or not _flagged(screening).any():
        return None
    return write_frame_csv(verify_table(screening), path, locale=ctx.csv_locale)
