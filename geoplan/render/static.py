"""Static PNG maps (matplotlib) for printed reports."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from geoplan.i18n import tr
from geoplan.render.context import RenderContext, plan_frame
from geoplan.render.map_plan import site_use_class
from geoplan.render.palette import CLASS_COLOURS, EXPOSURE_COLOURS, LEVEL_COLOURS
from geoplan.render.plan_files import MOVE_COLOURS, SITE_COLOURS, split_sites

__all__ = ["hazard_png", "load_matplotlib", "priority_png"]


def load_matplotlib() -> None:
    """Import the parts of matplotlib the PNG maps use (before forking render processes)."""
    _canvas_class()
    import matplotlib.figure  # noqa: F401


@cache
def _canvas_class() -> type:
    """Return the Agg canvas that draws only when the PNG is saved.

    geopandas asks the canvas for a redraw after every ``plot`` (``draw_idle``); on a
    file canvas that is a full render each time, thrown away.  The saved image is the
    same: it is drawn from scratch by ``savefig``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class SaveOnlyCanvas(FigureCanvasAgg):
        def draw_idle(self, *args: object, **kwargs: object) -> None:
            pass

    return SaveOnlyCanvas


def _figure(ctx: RenderContext, title: str):  # type: ignore[no-untyped-def]
    # a Figure on the Agg canvas, without pyplot: no global figure manager to import or close
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.27, 9.0), dpi=130)
    _canvas_class()(fig)
    ax = fig.subplots()
    if len(ctx.communes_web):
        ctx.communes_web.boundary.plot(ax=ax, color="#8a8a8a", linewidth=0.35)
    if ctx.districts_web is not None:
        ctx.districts_web.to_crs(ctx.communes_web.crs).boundary.plot(
            ax=ax, color="#37474f", linewidth=0.9
        )
    if ctx.province_web is not None:
        ctx.province_web.to_crs(ctx.communes_web.crs).boundary.plot(
            ax=ax, color="#111111", linewidth=1.6
        )
    ax.set_axis_off()
    ax.set_aspect("equal")
    subtitle = ctx.title + (f"\n{tr('synthetic', ctx.lang)}" if ctx.synthetic else "")
    ax.set_title(f"{title}\n{subtitle}", fontsize=10, loc="left")
    return fig, ax


def _save(fig, path: Path) -> Path:  # type: ignore[no-untyped-def]
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    return path


def _plan_layers(ctx: RenderContext, ax) -> list[object]:  # type: ignore[no-untyped-def]
    """Draw the receiving sites (by how full) and the moves (same / other commune).

    Returns the legend handles of what was drawn (nothing without a plan).
    """
    import geopandas as gpd
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    crs = ctx.communes_web.crs if len(ctx.communes_web) else None
    handles: list[object] = []
    sites = plan_frame(ctx.result, "sites")
    if isinstance(sites, gpd.GeoDataFrame) and crs is not None:
        used, _ = split_sites(sites)
        if len(used):
            kinds = [
                site_use_class(u, c)
                for u, c in zip(
                    used["used_hh"] if "used_hh" in used else [1] * len(used),
                    used["capacity_hh"] if "capacity_hh" in used else [None] * len(used),
                    strict=True,
                )
            ]
            used.to_crs(crs).plot(
                ax=ax,
                color=[SITE_COLOURS[k] for k in kinds],
                edgecolor="#08306b",
                linewidth=0.8,
                zorder=2,
            )
            handles += [
                Patch(
                    facecolor=SITE_COLOURS[k],
                    edgecolor="#08306b",
                    label=f"{tr('sites', ctx.lang)}: {tr(f'site_{k}', ctx.lang).lower()}",
                )
                for k in ("full", "half", "low")
                if k in kinds
            ]
    moves = plan_frame(ctx.result, "moves")
    if isinstance(moves, gpd.GeoDataFrame) and crs is not None:
        same = (
            moves["same_commune"].fillna(True).astype(bool)
            if "same_commune" in moves
            else [True] * len(moves)
        )
        kinds = ["same" if s else "other" for s in same]
        moves.to_crs(crs).plot(
            ax=ax,
            color=[MOVE_COLOURS[k] for k in kinds],
            linewidth=1.1,
            linestyle=(0, (4, 2)),
            zorder=2.5,  # under the villages (zorder 3)
        )
        handles += [
            Line2D([], [], color=MOVE_COLOURS[k], linestyle="--", label=tr(f"move_{k}", ctx.lang))
            for k in ("same", "other")
            if k in kinds
        ]
    return handles


def priority_png(ctx: RenderContext, track: str, path: Path) -> Path:
    """Villages coloured by priority class for one track, over admin outlines.

    The resettlement map also shows the plan's receiving sites and moves.
    """
    from matplotlib.lines import Line2D

    fig, ax = _figure(ctx, f"{tr('priority_map', ctx.lang)}: {ctx.track_title(track)}")
    plan_handles = _plan_layers(ctx, ax) if track == "resettlement" else []
    v = ctx.villages
    if len(v) and f"{track}_class" in v:
        pts = (
            v.geometry.representative_point().to_crs(ctx.communes_web.crs)
            if len(ctx.communes_web)
            else None
        )
        classes = v[f"{track}_class"].fillna(0).astype(int).to_numpy()
        if pts is not None:
            order = np.argsort(-classes, kind="stable")
            colours = [CLASS_COLOURS.get(int(k), "#9e9e9e") for k in classes[order]]
            ax.scatter(
                pts.x.to_numpy()[order],
                pts.y.to_numpy()[order],
                c=colours,
                s=14,
                edgecolors="#222222",
                linewidths=0.3,
                zorder=3,
            )
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=CLASS_COLOURS[k],
                markeredgecolor="#222222",
                label=tr(f"class_{k}", ctx.lang) if k else tr("not_eligible", ctx.lang),
            )
            for k in (1, 2, 3, 4, 5, 0)
        ]
        ax.legend(
            handles=[*handles, *plan_handles],
            title=tr("class", ctx.lang),
            loc="lower left",
            fontsize=8,
            title_fontsize=8,
        )
    return _save(fig, path)


def hazard_png(ctx: RenderContext, path: Path) -> Path:
    """Landslide zones and villages by exposure."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax = _figure(ctx, tr("hazard_title", ctx.lang))
    crs = ctx.communes_web.crs if len(ctx.communes_web) else None
    zones = ctx.layers.get("landslide_zones")
    handles: list[object] = []
    if zones is not None and "level" in zones and crs is not None:
        z = zones.to_crs(crs)
        for level, colour in LEVEL_COLOURS.items():
            part = z[z["level"] == level]
            if len(part):
                part.plot(ax=ax, color=colour, alpha=0.6, linewidth=0, zorder=1)
        handles += [
            Patch(color=c, alpha=0.6, label=f"{k} – {tr(f'level_{k}', ctx.lang)}")
            for k, c in LEVEL_COLOURS.items()
        ]
    v = ctx.villages
    if len(v) and crs is not None:
        pts = v.geometry.representative_point().to_crs(crs)
        exp = v["landslide_exposure_class"].to_numpy()
        order = np.argsort(exp, kind="stable")
        ax.scatter(
            pts.x.to_numpy()[order],
            pts.y.to_numpy()[order],
            c=[EXPOSURE_COLOURS[int(k)] for k in exp[order]],
            s=14,
            edgecolors="#222222",
            linewidths=0.3,
            zorder=3,
        )
        handles += [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=EXPOSURE_COLOURS[k],
                markeredgecolor="#222222",
                label=tr(f"exp_{k}", ctx.lang),
            )
            for k in (3, 2, 1, 0)
        ]
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=7)
    return _save(fig, path)
