"""Planning outputs as files: resettlement sites and moves, allocation, targets.

Written beside the contract files of ``DESIGN.md`` (see ``docs/maps.md``) when the
run has a plan: ``resettlement_sites.gpkg`` (layers ``sites``, ``candidate_sites``,
``moves``, ``rejected_sites``, ``verify_sites``, in the scenario CRS like
``rankings.gpkg``), ``resettlement_moves.csv``, ``resettlement_unplaced.csv``,
``resettlement_sites_to_verify.csv``, ``allocation.csv``, ``targets.csv``,
``targets_by_district.csv``, ``targets_by_commune.csv``,
``targets_by_commune_2025.csv`` and ``crosswalk.csv`` (UTF-8 with BOM like
``rankings.csv``).  Each file is written only when its frame is present, so a run
without a plan writes none and a plan without a crosswalk no 2025 files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geoplan.i18n import Lang, tr
from geoplan.render.allocation_order import allocation_table
from geoplan.render.context import RenderContext, plan_frame
from geoplan.render.site_files import (
    VERIFY_CSV,
    safety_layers,
    safety_style,
    write_verify_csv,
)
from geoplan.render.tables import Style, qml_categories, write_frame_csv, write_layer, write_styles

__all__ = [
    "MOVE_COLOURS",
    "SITE_COLOURS",
    "allocation_table",
    "code_names",
    "crosswalk_table",
    "moves_table",
    "split_sites",
    "targets_by_district_table",
    "write_plan_files",
]

SITE_COLOURS = {"full": "#08306b", "half": "#2171b5", "low": "#6baed6", "unused": "#c6dbef"}
MOVE_COLOURS = {"same": "#0d47a1", "other": "#6a1b9a"}
# QGIS expressions giving the same classes as the web map (maps.site_use_class)
_SITE_CLASS_QGIS = (
    'CASE WHEN "used_hh" >= "capacity_hh" THEN \'full\' '
    "WHEN \"used_hh\" >= 0.5 * \"capacity_hh\" THEN 'half' ELSE 'low' END"
)
_MOVE_CLASS_QGIS = "CASE WHEN \"same_commune\" THEN 'same' ELSE 'other' END"

PLAN_FILES = (
    "resettlement_sites.gpkg",
    "resettlement_moves.csv",
    "resettlement_unplaced.csv",
    VERIFY_CSV,
    "allocation.csv",
    "targets.csv",
    "targets_by_district.csv",
    "targets_by_commune.csv",
    "targets_by_commune_2025.csv",
    "crosswalk.csv",
)


def split_sites(sites: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split candidate sites into those that receive villages and the unused ones.

    Parameters
    ----------
    sites
        ``PlanOutcome.sites``; without ``used_hh`` every site counts as used.

    Returns
    -------
    tuple of GeoDataFrame
        ``(used, unused)``, each in input order.
    """
    if "used_hh" not in sites:
        return sites, sites.iloc[0:0]
    used = pd.to_numeric(sites["used_hh"], errors="coerce").fillna(0) > 0
    return sites[used], sites[~used]


def _endpoints_wgs84(lines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Longitude/latitude (WGS 84) of the first (village) and last (site) point of each line."""
    wgs = lines.geometry.to_crs("EPSG:4326") if lines.crs is not None else lines.geometry
    rows = []
    for geom in wgs:
        coords = list(geom.coords) if geom is not None and not geom.is_empty else []
        if len(coords) < 2:
            rows.append((None, None, None, None))
            continue
        (x0, y0), (x1, y1) = coords[0][:2], coords[-1][:2]
        rows.append((round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)))
    return pd.DataFrame(
        rows, columns=["village_lon", "village_lat", "site_lon", "site_lat"], index=lines.index
    )


def code_names(frame: pd.DataFrame | None, code: str, name: str) -> dict[str, str]:
    """Return code -> name (as text) from two columns of ``frame`` (``{}`` when missing)."""
    if frame is None or code not in frame or name not in frame:
        return {}
    pairs = frame[[code, name]].dropna().astype(str).drop_duplicates(code)
    return dict(zip(pairs[code], pairs[name], strict=True))


def _insert_name(frame: pd.DataFrame, names: dict[str, str], code: str, name: str) -> pd.DataFrame:
    """Insert ``name`` right after ``code`` (looked up in ``names``) unless already there."""
    if code not in frame or name in frame:
        return frame
    out = frame.copy()
    out.insert(list(out.columns).index(code) + 1, name, out[code].astype(str).map(names))
    return out


def moves_table(moves: gpd.GeoDataFrame, ctx: RenderContext) -> pd.DataFrame:
    """Return the moves as a table: plan columns, commune names and WGS 84 end points.

    Parameters
    ----------
    moves
        ``PlanOutcome.moves`` (lines village → site).
    ctx
        Render inputs (commune names come from the communes).

    Returns
    -------
    DataFrame
        One row per move, no geometry, in the plan's order.
    """
    out = pd.DataFrame(moves.drop(columns="geometry", errors="ignore"))
    names = code_names(ctx.communes, "commune_code", "commune_name")
    out = _insert_name(out, names, "commune_code", "commune_name")
    out = _insert_name(out, names, "site_commune_code", "site_commune_name")
    if isinstance(moves, gpd.GeoDataFrame) and "geometry" in moves:
        out = pd.concat([out, _endpoints_wgs84(moves)], axis=1)
    return out


def targets_by_district_table(frame: pd.DataFrame, ctx: RenderContext) -> pd.DataFrame:
    """Return the targets per district with the district's name beside its code."""
    names = code_names(ctx.communes, "district_code", "district_name")
    return _insert_name(frame, names, "district_code", "district_name")


def write_sites_gpkg(ctx: RenderContext, path: Path) -> Path | None:
    """Write ``resettlement_sites.gpkg`` with layers ``sites``, ``candidate_sites``, ``moves``.

    ``sites`` are those receiving villages, ``candidate_sites`` the unused ones.
    Layers keep the scenario CRS, as ``rankings.gpkg`` does.  Returns ``None``
    (and writes nothing) when the plan has neither sites nor moves.
    """
    sites = plan_frame(ctx.result, "sites")
    moves = plan_frame(ctx.result, "moves")
    layers: list[tuple[str, Any]] = []
    if isinstance(sites, gpd.GeoDataFrame):
        used, unused = split_sites(sites)
        layers += [("sites", used), ("candidate_sites", unused)]
    if isinstance(moves, gpd.GeoDataFrame):
        layers.append(("moves", moves))
    layers += safety_layers(ctx)
    layers = [(name, frame) for name, frame in layers if len(frame)]
    if not layers:
        return None
    for name, frame in layers:
        write_layer(frame, path, name)
    return write_styles(path, [_site_style(name, ctx.lang) for name, _ in layers], lang=ctx.lang)


def _site_style(layer: str, lang: Lang) -> Style:
    """Return the QGIS style of a layer of ``resettlement_sites.gpkg``, as on the web maps."""
    if layer in ("rejected_sites", "verify_sites"):
        return safety_style(layer, lang)
    if layer == "moves":
        cats = [(k, tr(f"move_{k}", lang), MOVE_COLOURS[k]) for k in ("same", "other")]
        qml = qml_categories(_MOVE_CLASS_QGIS, "line", cats, dashed=True)
        return (layer, "moves_by_commune", qml, 1, tr("moves", lang))
    keys = ("unused",) if layer == "candidate_sites" else ("full", "half", "low")
    attr = "'unused'" if layer == "candidate_sites" else _SITE_CLASS_QGIS
    cats = [(k, tr(f"site_{k}", lang), SITE_COLOURS[k]) for k in keys]
    qml = qml_categories(attr, "polygon", cats)
    return (layer, f"{layer}_by_use", qml, 1, tr(layer, lang))


def write_moves_csv(ctx: RenderContext, path: Path) -> Path | None:
    """Write ``resettlement_moves.csv`` (one row per village moved), or nothing without moves."""
    moves = plan_frame(ctx.result, "moves")
    if not isinstance(moves, gpd.GeoDataFrame):
        return None
    return write_frame_csv(moves_table(moves, ctx), path, locale=ctx.csv_locale)


def _with_commune_names(frame: pd.DataFrame, ctx: RenderContext) -> pd.DataFrame:
    """Return ``frame`` with the 2022 commune's name right after its ``commune_code``."""
    names = code_names(ctx.communes, "commune_code", "commune_name")
    return _insert_name(frame, names, "commune_code", "commune_name")


def _as_is(frame: pd.DataFrame, ctx: RenderContext) -> pd.DataFrame:
    return frame


def _allocation(frame: pd.DataFrame, ctx: RenderContext) -> pd.DataFrame:
    return allocation_table(frame)


def _write_plan_csv(ctx: RenderContext, path: Path) -> Path | None:
    """Write the plan table named by ``path`` (see :data:`PLAN_CSV`), or nothing without it.

    Parameters
    ----------
    ctx
        Render inputs.
    path
        Output file; its name picks the ``PlanOutcome`` frame and the table builder.
    """
    key, table = PLAN_CSV[path.name]
    frame = plan_frame(ctx.result, key)
    if frame is None:
        return None
    return write_frame_csv(table(frame, ctx), path, locale=ctx.csv_locale)


def crosswalk_table(crosswalk: pd.DataFrame, ctx: RenderContext) -> pd.DataFrame:
    """Return the crosswalk with the 2022 commune's name and district beside its code.

    Parameters
    ----------
    crosswalk
        ``PlanOutcome.crosswalk`` (``commune_code``, ``commune_code_2025``,
        ``commune_name_2025``, ``area_share``).
    ctx
        Render inputs (names come from the communes).

    Returns
    -------
    DataFrame
        Sorted by 2025 code, then 2022 code.
    """
    out = _with_commune_names(crosswalk, ctx)
    if "commune_code" in out and "district_code" in ctx.communes and "district_code" not in out:
        districts = code_names(ctx.communes, "commune_code", "district_code")
        at = list(out.columns).index("commune_name") + 1 if "commune_name" in out else 1
        out.insert(at, "district_code", out["commune_code"].astype(str).map(districts))
    keys = [c for c in ("commune_code_2025", "commune_code") if c in out]
    return out.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else out


# CSV file -> (PlanOutcome frame, table builder); the moves need geometry (write_moves_csv)
PLAN_CSV: dict[str, tuple[str, Callable[[pd.DataFrame, RenderContext], pd.DataFrame]]] = {
    "resettlement_unplaced.csv": ("unplaced", _with_commune_names),
    "allocation.csv": ("allocation", _allocation),
    "targets.csv": ("targets", _as_is),
    "targets_by_district.csv": ("targets_by_district", targets_by_district_table),
    "targets_by_commune.csv": ("targets_by_commune", _with_commune_names),
    "targets_by_commune_2025.csv": ("targets_by_commune_2025", _as_is),
    "crosswalk.csv": ("crosswalk", crosswalk_table),
}


def write_plan_files(ctx: RenderContext, folder: Path) -> list[str]:
    """Write every planning file the plan supports into ``folder``.

    Parameters
    ----------
    ctx
        Render inputs; ``ctx.result.plan`` may be ``None`` (nothing is written).
    folder
        The (temporary) output folder.

    Returns
    -------
    list of str
        Names of the files written, in :data:`PLAN_FILES` order.
    """
    writers = {
        "resettlement_sites.gpkg": write_sites_gpkg,
        "resettlement_moves.csv": write_moves_csv,
        VERIFY_CSV: write_verify_csv,
    }
    written = []
    for name in PLAN_FILES:
        if writers.get(name, _write_plan_csv)(ctx, folder / name) is not None:
            written.append(name)
    return written
