"""The report's detail sections: data and validation, criteria and weights, top villages.

Each is a Jinja2 template (``templates/report_*.html``, autoescape on); the functions
here only gather the values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geoplan.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.context import RenderContext, criterion_labels, track_criteria, track_spec
from geoplan.render.report_analysis import p_top_label
from geoplan.render.templating import Markup, render_template

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.errors import Issue

__all__ = ["data_section", "imputed_section", "top_section", "weights_section"]

LAYERS = (
    "communes",
    "villages",
    "districts",
    "province",
    "landslide_zones",
    "landslide_inventory",
    "forest",
    "border",
    "roads",
    "rivers",
)
MAX_ISSUES = 500


def section_text(key: str, lang: Lang) -> str:
    """Return a report heading or label in ``lang`` (the shared catalogue otherwise)."""
    return tr(key, lang, "report")


def _where(issue: Issue) -> str:
    return issue.location()


def data_section(ctx: RenderContext) -> Markup:
    """Return the layers read (feature counts, DEM size) and the validation findings."""
    lang = ctx.lang
    layers = ctx.result.layers
    rows: list[tuple[str, str]] = []
    for name in LAYERS:
        layer = getattr(layers, name)
        if layer is not None:
            rows.append((name, fmt_num(len(layer), lang)))
    if layers.dem is not None:
        shape = layers.dem.array.shape
        rows.append(("dem", " × ".join(str(x) for x in shape[-2:])))
    issues = [*layers.report.issues, *ctx.result.scoring.issues]
    shown = [
        {"severity": str(i.severity), "where": _where(i), "message": str(i.message)}
        for i in issues[:MAX_ISSUES]
    ]
    return render_template(
        "report_data.html",
        t=lambda k: section_text(k, lang),
        rows=rows,
        issues=shown,
        more=max(0, len(issues) - MAX_ISSUES),
    )


def weights_section(ctx: RenderContext) -> Markup:
    """Return each track's method, citations and criteria with their normalised weights."""
    lang = ctx.lang
    labels = criterion_labels(lang)
    tracks = []
    for track in ctx.tracks:
        spec = track_spec(ctx.result, track)
        crit = list(spec.criteria) if spec is not None else []
        total = sum(float(c.weight or 0) for c in crit) or 1.0
        tracks.append(
            {
                "title": ctx.track_title(track),
                "method": str(spec.method) if spec is not None else "",
                "cites": ", ".join(spec.cites) if spec is not None else "",
                "criteria": [
                    {
                        "label": labels.get(str(c.id), str(c.id)),
                        "id": str(c.id),
                        "weight": fmt_pct(float(c.weight or 0) / total, lang),
                        "cites": ", ".join(c.cites),
                    }
                    for c in crit
                ],
            }
        )
    return render_template("report_weights.html", t=lambda k: section_text(k, lang), tracks=tracks)


def _top_rows(ctx: RenderContext, track: str, ranked: pd.DataFrame) -> list[dict[str, str]]:
    lang = ctx.lang
    v = ctx.villages
    reason = (
        f"{track}_reason_vi" if lang == "vi" and f"{track}_reason_vi" in v else f"{track}_reason"
    )
    rows = []
    for _, r in ranked.iterrows():
        lo, hi = r.get(f"{track}_rank_p05"), r.get(f"{track}_rank_p95")
        rows.append(
            {
                "rank": fmt_num(r[f"{track}_rank"], lang),
                "village": str(r.get("village_name", r.get("village_id", ""))),
                "commune": str(r.get("commune_name", "")),
                "district": str(r.get("district_name", "")),
                "score": fmt_num(r.get(f"{track}_score"), lang, 3),
                "class": fmt_num(r.get(f"{track}_class"), lang),
                "interval": f"{fmt_num(lo, lang)}–{fmt_num(hi, lang)}"
                if pd.notna(lo) and pd.notna(hi)
                else "–",
                "p_top": fmt_pct(r.get(f"{track}_p_top"), lang, 0),
                "reason": str(r.get(reason, "") or ""),
            }
        )
    return rows


def top_section(ctx: RenderContext, top_n: int) -> Markup:
    """Return the ``top_n`` villages of each track with score, interval, p(top) and reason."""
    lang = ctx.lang
    v = ctx.villages
    labels = criterion_labels(lang)
    tracks = []
    for track in ctx.tracks:
        if f"{track}_rank" not in v:
            continue
        ranked = v[pd.to_numeric(v[f"{track}_rank"], errors="coerce").notna()]
        ranked = ranked.sort_values(f"{track}_rank").head(top_n)
        eligible = (
            int(v[f"{track}_eligible"].fillna(False).astype(bool).sum())
            if f"{track}_eligible" in v
            else len(ranked)
        )
        crits = track_criteria(ctx.result, track, v)
        means = ""
        if crits and len(ranked):
            means = "; ".join(
                f"{labels.get(c, c)} "
                + fmt_pct(
                    float(pd.to_numeric(ranked[f"{track}_contrib_{c}"], errors="coerce").mean()),
                    lang,
                    0,
                )
                for c in crits
            )
        tracks.append(
            {
                "title": ctx.track_title(track),
                "eligible": f"{fmt_num(eligible, lang)} / {fmt_num(len(v), lang)}",
                "p_top": p_top_label(ctx, track) if f"{track}_p_top" in v else "",
                "rows": _top_rows(ctx, track, ranked),
                "means": means,
            }
        )
    return render_template("report_top.html", t=lambda k: section_text(k, lang), tracks=tracks)


def imputed_section(ctx: RenderContext, limit: int = MAX_ISSUES) -> Markup:
    """Return the table of every imputed criterion value, per village and track, or nothing.

    Parameters
    ----------
    ctx
        Render inputs; the villages carry ``<track>_imputed`` (empty when nothing was filled).
    limit
        Rows shown at most; the tables (``rankings.*``) hold them all.
    """
    lang = ctx.lang
    v = ctx.villages
    rows: list[list[str]] = []
    for track in ctx.tracks:
        col = f"{track}_imputed"
        if col not in v:
            continue
        filled = v[v[col].fillna("").astype(str) != ""]
        names = filled.get("village_name", filled["village_id"]).astype(str)
        for vid, name, text in zip(
            filled["village_id"].astype(str), names, filled[col].astype(str), strict=True
        ):
            rows.append([f"{name} ({vid})", ctx.track_title(track), text])
    if not rows:
        return Markup("")
    t = section_text
    table = render_template(
        "simple_table.html",
        head=[t("village", lang), t("track", lang), t("filled", lang)],
        rows=rows[:limit],
        cls="",
        numeric=(),
    )
    parts = [render_template("paragraph.html", text=t("imputed_intro", lang)), table]
    if len(rows) > limit:
        note = t("shown_first", lang).format(shown=limit, total=len(rows))
        parts.append(render_template("paragraph.html", text=note))
    return Markup("").join(parts)
