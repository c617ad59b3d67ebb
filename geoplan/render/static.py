"""Static PNG maps (matplotlib) for printed reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geoplan.render.context import RenderContext
from geoplan.render.i18n import tr
from geoplan.render.maps import CLASS_COLOURS, EXPOSURE_COLOURS, LEVEL_COLOURS, exposure_class

__all__ = ["hazard_png", "priority_png"]


def _figure(ctx: RenderContext, title: str):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.27, 9.0), dpi=130)
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
    return fig, ax, plt


def _save(fig, plt, path: Path) -> Path:  # type: ignore[no-untyped-def]
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def priority_png(ctx: RenderContext, track: str, path: Path) -> Path:
    """Villages coloured by priority class for one track, over admin outlines."""
    from matplotlib.lines import Line2D

    fig, ax, plt = _figure(ctx, f"{tr('priority_map', ctx.lang)}: {ctx.track_title(track)}")
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
            handles=handles,
            title=tr("class", ctx.lang),
            loc="lower left",
            fontsize=8,
            title_fontsize=8,
        )
    return _save(fig, plt, path)


def hazard_png(ctx: RenderContext, path: Path) -> Path:
    """Landslide zones and villages by exposure."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax, plt = _figure(ctx, tr("hazard_title", ctx.lang))
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
        exp = np.array([exposure_class(r, ctx.high_level) for _, r in v.iterrows()])
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
    return _save(fig, plt, path)
