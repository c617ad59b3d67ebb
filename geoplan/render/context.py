"""What every map and report needs from a PlanResult, read once.

The render stage reads the typed stage results of :class:`geoplan.pipeline.PlanResult`;
any optional part that is missing (no model, no plan, no DEM, no forest...) is
``None`` there and its layer or section is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import pandas as pd

from geoplan.i18n import TRACKS, Lang, tr
from geoplan.render._geo import coverage_simplify, simplify
from geoplan.render.raster import ImageOverlayData, hillshade_overlay

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.config.scoring import TrackSpec
    from geoplan.pipeline import PlanResult

__all__ = [
    "RenderContext",
    "communes_2025_frame",
    "criterion_labels",
    "plan_frame",
    "plan_summary",
    "prepare",
    "track_criteria",
    "track_spec",
]


def _gdf(obj: Any) -> gpd.GeoDataFrame | None:
    if isinstance(obj, gpd.GeoDataFrame) and not obj.empty and obj.geometry.notna().any():
        return obj
    return None


def _first(*frames: Any) -> gpd.GeoDataFrame | None:
    for frame in frames:
        found = _gdf(frame)
        if found is not None:
            return found
    return None


@dataclass
class RenderContext:
    """Inputs of the render stage, prepared once per ``write_outputs`` call."""

    result: PlanResult
    lang: Lang
    title: str
    synthetic: bool
    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    communes_web: gpd.GeoDataFrame
    districts_web: gpd.GeoDataFrame | None
    province_web: gpd.GeoDataFrame | None
    tracks: list[str]
    hillshade: ImageOverlayData | None
    high_level: int = 4
    border_belt_m: float = 5000.0
    layers: dict[str, gpd.GeoDataFrame | None] = field(default_factory=dict)
    csv_locale: str = "c"

    def track_title(self, track: str) -> str:
        """Return the track's title in the context language."""
        spec = track_spec(self.result, track)
        custom = (spec.title_vi if self.lang == "vi" else spec.title_en) if spec else ""
        return custom or tr(f"track_{track}", self.lang)


def _admin_outlines(
    communes: gpd.GeoDataFrame, given: gpd.GeoDataFrame | None, key: str | None
) -> gpd.GeoDataFrame | None:
    """Dissolve simplified communes (so edges coincide), else fall back to the given layer."""
    try:
        if key is not None and key in communes:
            cols = [c for c in ("district_code", "district_name") if c in communes]
            out = communes[[*cols, "geometry"]].dissolve(by=key, as_index=False)
        else:
            out = gpd.GeoDataFrame(geometry=[communes.union_all()], crs=communes.crs)
        return out
    except Exception:  # pragma: no cover - degenerate geometry: show the input layer instead
        return given


def plan_frame(result: PlanResult, name: str) -> pd.DataFrame | None:
    """Return the plan's frame ``name`` (``sites``, ``moves``...) or ``None`` when absent or empty.

    Parameters
    ----------
    result
        The run; ``result.plan`` may be ``None``.
    name
        Attribute of :class:`geoplan.plan.PlanOutcome`.
    """
    frame = getattr(result.plan, name) if result.plan is not None else None
    if isinstance(frame, pd.DataFrame) and not frame.empty:
        return frame
    return None


def communes_2025_frame(result: PlanResult) -> gpd.GeoDataFrame | pd.DataFrame | None:
    """Return the plan's roll-ups per merged 2025 commune, with geometry when known.

    ``PlanOutcome.communes_2025`` (no geometry) joined on ``commune_code_2025`` to
    the ``communes_2025`` layer (``commune_code_2025`` or ``commune_code``); without
    that layer the 2022 communes are dissolved by the crosswalk (each into the 2025
    commune that holds most of its area).  A plain DataFrame when no geometry can be
    had, ``None`` without a crosswalk.

    Parameters
    ----------
    result
        The run (:class:`geoplan.pipeline.PlanResult`).

    Returns
    -------
    GeoDataFrame, DataFrame or None
        One row per 2025 commune in the plan's order; geometry in the scenario CRS.
    """
    rollups = plan_frame(result, "communes_2025")
    if rollups is None or "commune_code_2025" not in rollups:
        return None
    frame = pd.DataFrame(rollups).drop(columns="geometry", errors="ignore").copy()
    codes = frame["commune_code_2025"].astype(str)
    geometry = _layer_2025_geometry(_gdf(result.layers.communes_2025))
    if geometry is None:
        geometry = _dissolved_2025_geometry(
            _first(result.layers.communes, result.indicators.communes),
            plan_frame(result, "crosswalk"),
        )
    if geometry is None:
        return frame
    found = codes.map(geometry)
    if found.isna().all():
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(found.to_numpy(), crs=geometry.crs))


def _layer_2025_geometry(layer: gpd.GeoDataFrame | None) -> gpd.GeoSeries | None:
    if layer is None:
        return None
    key = next((c for c in ("commune_code_2025", "commune_code") if c in layer), None)
    if key is None:
        return None
    geoms = layer.geometry.copy()
    geoms.index = layer[key].astype(str).to_numpy()
    return geoms[~geoms.index.duplicated()]


def _dissolved_2025_geometry(
    communes: gpd.GeoDataFrame | None, crosswalk: pd.DataFrame | None
) -> gpd.GeoSeries | None:
    if communes is None or crosswalk is None or "commune_code" not in communes:
        return None
    if not {"commune_code", "commune_code_2025"} <= set(crosswalk.columns):
        return None
    cw = crosswalk.assign(
        commune_code=crosswalk["commune_code"].astype(str),
        _share=(
            pd.to_numeric(crosswalk["area_share"], errors="coerce").fillna(1.0)
            if "area_share" in crosswalk
            else 1.0
        ),
    ).sort_values(["commune_code", "_share"], ascending=[True, False], kind="mergesort")
    target = cw.drop_duplicates("commune_code").set_index("commune_code")["commune_code_2025"]
    parts = gpd.GeoDataFrame(
        {"code": communes["commune_code"].astype(str).map(target).astype(str)},
        geometry=communes.geometry.to_numpy(),
        crs=communes.crs,
    )
    parts = parts[parts["code"] != "nan"]
    if parts.empty:
        return None
    merged = parts.dissolve(by="code")
    return merged.geometry


def plan_summary(result: PlanResult, name: str) -> dict[str, Any]:
    """Return the plan's summary dict ``name`` (e.g. ``allocation_summary``), ``{}`` when absent."""
    found = getattr(result.plan, name) if result.plan is not None else None
    return found if isinstance(found, dict) else {}


def _merge_scores(villages: gpd.GeoDataFrame, scored: Any) -> gpd.GeoDataFrame:
    """Return the scored villages: the scoring frame, or its columns joined on ``village_id``."""
    if isinstance(scored, gpd.GeoDataFrame) and "geometry" in scored and len(scored):
        return scored
    if isinstance(scored, pd.DataFrame) and "village_id" in scored and "village_id" in villages:
        extra = [c for c in scored.columns if c not in villages.columns or c == "village_id"]
        return villages.merge(scored[extra], on="village_id", how="left")
    return villages


def track_spec(result: PlanResult, track: str) -> TrackSpec | None:
    """Return the scenario's spec of ``track``, ``None`` when the scenario has no such track."""
    return cast("dict[str, TrackSpec]", result.scenario.scoring.tracks).get(track)


def track_criteria(result: PlanResult, track: str, frame: pd.DataFrame) -> list[str]:
    """Return the criterion ids of a track, in scenario order, that have contribution columns."""
    prefix = f"{track}_contrib_"
    present = [c[len(prefix) :] for c in frame.columns if c.startswith(prefix)]
    spec = track_spec(result, track)
    order = [c.id for c in spec.criteria] if spec else []
    ordered = [c for c in order if c in present]
    return ordered + sorted(c for c in present if c not in ordered)


def criterion_labels(lang: Lang) -> dict[str, str]:
    """Return criterion id -> label from the scoring catalogue (empty when unavailable)."""
    try:
        from geoplan.scoring import criteria_catalogue
    except ImportError:
        return {}
    try:
        return {
            c.id: (c.label_vi if lang == "vi" else c.label_en) or c.id for c in criteria_catalogue()
        }
    except Exception:  # pragma: no cover - a broken catalogue must not stop the maps
        return {}


def prepare(result: PlanResult, lang: Lang, *, tolerance_m: float = 40.0) -> RenderContext:
    """Read what the maps need from ``result`` and simplify the shared boundaries once.

    Parameters
    ----------
    result
        The run to render.
    lang
        Output language.
    tolerance_m
        Douglas–Peucker tolerance for commune boundaries; shared edges stay
        shared (``shapely.coverage_simplify``), district and province outlines are
        dissolved from the simplified communes so every outline coincides.
    """
    scenario = result.scenario
    layers = result.layers
    indicators = result.indicators
    scoring = result.scoring

    villages = _first(indicators.villages, layers.villages)
    if villages is None:
        villages = gpd.GeoDataFrame({"village_id": []}, geometry=[], crs="EPSG:4326")
    villages = _merge_scores(villages, scoring.villages)
    communes = _first(scoring.communes, indicators.communes, layers.communes)
    if communes is None:
        communes = gpd.GeoDataFrame({"commune_code": []}, geometry=[], crs=villages.crs)

    communes_web = coverage_simplify(communes, tolerance_m) if len(communes) else communes
    districts_web = (
        _admin_outlines(communes_web, _gdf(layers.districts), "district_code")
        if len(communes_web)
        else None
    )
    province_web = (
        _admin_outlines(communes_web, _gdf(layers.province), None) if len(communes_web) else None
    )

    tracks_spec = scenario.scoring.tracks
    tracks = [t for t in TRACKS if t in tracks_spec or f"{t}_score" in villages.columns]

    hill = hillshade_overlay(layers.dem) if layers.dem is not None else None

    other: dict[str, gpd.GeoDataFrame | None] = {
        "landslide_zones": _gdf(layers.landslide_zones),
        "forest": _gdf(layers.forest),
        "border": _gdf(layers.border),
        "roads": _gdf(layers.roads),
        "rivers": _gdf(layers.rivers),
    }
    if other["forest"] is not None:
        other["forest"] = simplify(other["forest"], tolerance_m)
    english = scenario.title_en if lang == "en" else None
    title = english or scenario.title or scenario.name or "geoplan"
    return RenderContext(
        result=result,
        lang=lang,
        title=str(title),
        synthetic=scenario.synthetic,
        villages=villages,
        communes=communes,
        communes_web=communes_web,
        districts_web=districts_web,
        province_web=province_web,
        tracks=tracks,
        hillshade=hill,
        high_level=int(scenario.indicators.high_landslide_level),
        border_belt_m=float(scenario.indicators.border_belt_m),
        layers=other,
    )
