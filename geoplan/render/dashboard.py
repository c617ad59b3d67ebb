"""Leaders' dashboard: district and commune summaries, targets T1–T19, charts.

Everything here is server-rendered HTML (tables and inline SVG charts, no chart
library) written by Jinja2 templates with autoescaping on (``templates/bar_chart.html``,
``sparkline.html``, ``targets_chart.html``...), so every text from data is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoplan.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.context import RenderContext, communes_2025_frame
from geoplan.render.plan_report import plan_totals_html
from geoplan.render.priorities import first_html
from geoplan.render.templating import (
    Markup,
    html_table,
    num_cell,
    pct_cell,
    render_template,
    text_cell,
)

__all__ = [
    "admin_structure",
    "bar_chart",
    "commune_2025_table",
    "district_table",
    "side_panel",
    "sparkline",
    "target_progress",
    "targets_chart",
    "targets_frame",
    "targets_table",
]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    fmt: Callable[[float], str],
    *,
    colour: str = "#3b6ea8",
    title: str = "",
    width: int = 420,
) -> Markup:
    """Return a horizontal bar chart as inline SVG (``templates/bar_chart.html``).

    Parameters
    ----------
    labels, values
        One bar each; non-finite values draw no bar and print "–".
    fmt
        Formats a value for the label at the end of its bar.
    colour
        Bar fill.
    title
        Accessible title of the chart.
    width
        Width in pixels; the height follows from the number of bars.
    """
    row, label_w, value_w = 18, 130, 70
    finite = [v for v in values if v is not None and np.isfinite(v)]
    vmax = max(finite) if finite and max(finite) > 0 else 1.0
    bar_w = width - label_w - value_w
    bars = []
    for i, (lab, val) in enumerate(zip(labels, values, strict=True)):
        ok = val is not None and np.isfinite(val)
        bars.append(
            {
                "y": 3 + i * row,
                "w": bar_w * (val / vmax) if ok and val > 0 else 0,
                "label": str(lab),
                "value": fmt(val) if ok else "–",
            }
        )
    return render_template(
        "bar_chart.html",
        width=width,
        height=row * len(labels) + 6,
        row=row,
        label_w=label_w,
        colour=colour,
        title=title,
        bars=bars,
    )


def _sum(frame: pd.DataFrame, col: str) -> float:
    return float(pd.to_numeric(frame[col], errors="coerce").sum()) if col in frame else float("nan")


def district_frame(ctx: RenderContext) -> pd.DataFrame:
    """Districts: communes, villages, households, poverty, NTM communes, exposed households."""
    v, c = ctx.villages, ctx.communes
    if v.empty or "district_code" not in v:
        return pd.DataFrame()
    rows = []
    for code, grp in v.groupby(v["district_code"].astype(str), sort=True):
        hh = _sum(grp, "households")
        com = c[c["district_code"].astype(str) == code] if "district_code" in c else c.iloc[0:0]
        ntm = int((com["ntm_status"].astype(str) != "none").sum()) if "ntm_status" in com else None
        rows.append(
            {
                "district_code": code,
                "district_name": str(grp["district_name"].iloc[0])
                if "district_name" in grp
                else code,
                "communes": int(grp["commune_code"].nunique())
                if "commune_code" in grp
                else len(com),
                "villages": len(grp),
                "households": hh,
                "poverty_rate": _sum(grp, "poor_households") / hh if hh > 0 else float("nan"),
                "ntm_communes": ntm,
                "hh_exposed_high": _sum(grp, "hh_exposed_high"),
            }
        )
    return pd.DataFrame(rows)


def district_table(frame: pd.DataFrame, lang: Lang) -> str:
    """Render :func:`district_frame` as a sortable escaped HTML table with a total row."""
    if frame.empty:
        return ""
    keys = [
        "district",
        "communes_n",
        "villages_n",
        "households",
        "poverty_rate",
        "ntm_communes",
        "hh_exposed_high",
    ]
    rows = [
        [
            text_cell(r.district_name),
            num_cell(r.communes, lang),
            num_cell(r.villages, lang),
            num_cell(r.households, lang),
            pct_cell(r.poverty_rate, lang),
            num_cell(r.ntm_communes, lang),
            num_cell(r.hh_exposed_high, lang),
        ]
        for r in frame.itertuples()
    ]
    hh = frame["households"].sum()
    poor = (frame["poverty_rate"] * frame["households"]).sum()
    total = [
        text_cell(tr("total", lang)),
        num_cell(frame["communes"].sum(), lang),
        num_cell(frame["villages"].sum(), lang),
        num_cell(hh, lang),
        pct_cell(poor / hh if hh else float("nan"), lang),
        num_cell(pd.to_numeric(frame["ntm_communes"], errors="coerce").sum(), lang),
        num_cell(frame["hh_exposed_high"].sum(), lang),
    ]
    return str(html_table([tr(k, lang) for k in keys], rows, total=total))


def admin_structure(ctx: RenderContext) -> str:
    """Return the structure the scenario plans in: ``"2025"`` (province–commune) or ``"2022"``."""
    return ctx.result.scenario.admin_structure


def commune_2025_table(ctx: RenderContext) -> str:
    """Return the merged 2025 communes with their roll-ups (sortable HTML), ``""`` without."""
    frame = communes_2025_frame(ctx.result)
    if frame is None or frame.empty:
        return ""
    lang = ctx.lang
    head = ["commune", "communes_2022", "villages_n", "households", "poverty_rate"]
    head += ["hh_exposed_high", "funded_cost"]
    rows = []
    for _, r in frame.iterrows():
        hh = pd.to_numeric(pd.Series([r.get("households")]), errors="coerce").iloc[0]
        poor = pd.to_numeric(pd.Series([r.get("poor_households")]), errors="coerce").iloc[0]
        rows.append(
            [
                text_cell(r.get("commune_name_2025") or r.get("commune_code_2025")),
                text_cell(r.get("communes_2022")),
                num_cell(r.get("villages"), lang),
                num_cell(hh, lang),
                pct_cell(poor / hh if hh else float("nan"), lang),
                num_cell(r.get("hh_exposed_high"), lang),
                num_cell(r.get("funded_cost"), lang),
            ]
        )
    return str(html_table([tr(k, lang) for k in head], rows))


def commune_table(ctx: RenderContext) -> str:
    """All communes with status, criteria, poverty and exposure (sortable escaped HTML)."""
    c = ctx.communes
    lang = ctx.lang
    if c.empty:
        return ""
    cols = [
        ("commune_name", "commune", "text"),
        ("district_name", "district", "text"),
        ("ntm_status", "ntm_status", "status"),
        ("ntm_criteria_met", "ntm_criteria", "int"),
        ("_poverty", "poverty_rate", "pct"),
        ("villages", "villages_n", "int"),
        ("hh_exposed_high", "hh_exposed_high", "int"),
    ]
    frame = c.copy()
    years = sorted((x for x in frame.columns if str(x).startswith("poverty_rate_")), reverse=True)
    frame["_poverty"] = frame[years[0]] if years else np.nan
    sort = [k for k in ("district_name", "commune_name") if k in frame]
    frame = frame.sort_values(sort) if sort else frame
    present = [x for x in cols if x[0] in frame]
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for col, _, kind in present:
            v = r[col]
            if kind == "text":
                cells.append(text_cell(v))
            elif kind == "status":
                cells.append(text_cell(tr(f"ntm_{v}", lang)))
            elif kind == "pct":
                cells.append(pct_cell(v, lang))
            else:
                cells.append(num_cell(v, lang))
        rows.append(cells)
    return str(html_table([tr(x[1], lang) for x in present], rows))


def targets_frame(ctx: RenderContext) -> pd.DataFrame:
    """Return the plan's targets, or the few computable from communes when there is no plan."""
    targets = ctx.result.plan.targets if ctx.result.plan is not None else None
    if isinstance(targets, pd.DataFrame) and not targets.empty:
        return targets
    c = ctx.communes
    rows: list[dict[str, Any]] = []
    if "ntm_status" in c and len(c):
        status = c["ntm_status"].astype(str)
        for tid, label, ok, target in (
            ("T1", "≥ 60 NTM communes", status.isin(["standard", "advanced", "model"]), 60),
            ("T2", "≥ 20 advanced NTM communes", status.isin(["advanced", "model"]), 20),
            ("T3", "≥ 6 model NTM communes", status.eq("model"), 6),
        ):
            value = int(ok.sum())
            rows.append(
                {
                    "id": tid,
                    "label": label,
                    "value": value,
                    "target": target,
                    "status": "met" if value >= target else "not_met",
                }
            )
    if "ntm_criteria_met" in c and len(c):
        share = float((pd.to_numeric(c["ntm_criteria_met"], errors="coerce") >= 15).mean())
        rows.append(
            {
                "id": "T5",
                "label": "100% communes ≥ 15 criteria",
                "value": share,
                "target": 1.0,
                "status": "met" if share >= 1 else "not_met",
            }
        )
    if "has_cooperative" in c and len(c):
        share = float(c["has_cooperative"].fillna(False).astype(bool).mean())
        rows.append(
            {
                "id": "T7",
                "label": "100% communes with a cooperative",
                "value": share,
                "target": 1.0,
                "status": "met" if share >= 1 else "not_met",
            }
        )
    return pd.DataFrame(rows)


def _fmt_target_value(value: Any, target: Any, lang: Lang, unit: Any = None) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value) if value is not None and not pd.isna(value) else "–"
    try:
        t = float(target)
    except (TypeError, ValueError):
        t = float("nan")
    if unit in ("share", "fraction") or (
        unit in (None, "")
        and np.isfinite(v)
        and abs(v) <= 1
        and (not np.isfinite(t) or abs(t) <= 1)
    ):
        return fmt_pct(v, lang)
    return fmt_num(v, lang, 0 if not np.isfinite(v) or float(v).is_integer() else 1)


_STATUS_CLASS = {
    "met": "ok",
    "achieved": "ok",
    "on_track": "ok",
    "not_met": "bad",
    "off_track": "bad",
    "behind": "bad",
}


def targets_table(frame: pd.DataFrame, lang: Lang) -> str:
    """Targets as a sortable escaped HTML table with a coloured status column."""
    if frame.empty:
        return str(render_template("paragraph.html", text=tr("status_no_data", lang)))
    label_col = next((c for c in (f"label_{lang}", "label", "label_vi") if c in frame), "id")
    rows = []
    for _, r in frame.iterrows():
        status = str(r.get("status", "") or "")
        text = tr(f"status_{status}", lang) if status else "–"
        unit = r.get("unit")
        rows.append(
            {
                "id": str(r.get("id", "")),
                "label": str(r.get(label_col, "") or ""),
                "value": _fmt_target_value(r.get("value"), r.get("target"), lang, unit),
                "target": _fmt_target_value(r.get("target"), r.get("target"), lang, unit),
                "status": status if text == f"status_{status}" else text,
                "cls": _STATUS_CLASS.get(status, "na"),
            }
        )
    head = ["#", tr("target", lang), tr("value", lang), tr("target", lang), tr("status", lang)]
    return str(render_template("targets_table.html", head=head, rows=rows))


STATUS_COLOURS = {"ok": "#1b7e2f", "bad": "#b3261e", "na": "#9e9e9e"}


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def _yearly(row: pd.Series) -> list[tuple[int, float]]:
    """``(year, value)`` from the ``value_<year>`` columns that hold a number, in year order."""
    out = []
    for col in row.index:
        name = str(col)
        if name.startswith("value_") and name[6:].isdigit():
            v = _float(row[col])
            if np.isfinite(v):
                out.append((int(name[6:]), v))
    return sorted(out)


def target_progress(row: pd.Series) -> float:
    """Share of the way to the target (0–1, NaN when it cannot be said).

    Higher-is-better targets (``direction`` ``min``): value / target.
    Lower-is-better ones (``max``, e.g. T17 "no especially difficult communes
    left"): the fall from the earliest known value (baseline or first yearly
    value) over the fall needed.
    """
    value, target = _float(row.get("value")), _float(row.get("target"))
    if not (np.isfinite(value) and np.isfinite(target)):
        return float("nan")
    if str(row.get("direction", "min")) == "max":
        series = _yearly(row)
        start = _float(row.get("baseline"))
        if not np.isfinite(start) and series:
            start = series[0][1]
        if value <= target:
            return 1.0
        if not np.isfinite(start) or start <= target:
            return float("nan")
        return float(min(1.0, max(0.0, (start - value) / (start - target))))
    if target <= 0:
        return 1.0 if value >= target else float("nan")
    return float(min(1.0, max(0.0, value / target)))


def sparkline(
    points: Sequence[tuple[int, float]], *, colour: str, width: int = 70, lang: Lang = "vi"
) -> Markup | str:
    """Return a small inline-SVG line of yearly values ("" for fewer than two points).

    The line is scaled to its own range; the title lists every year and value.
    """
    if len(points) < 2:
        return ""
    height, pad = 18, 2.5
    values = [v for _, v in points]
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = (width - 2 * pad) / (len(points) - 1)
    xy = [
        (pad + i * step, height - pad - (v - lo) / span * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    title = ", ".join(
        f"{year}: {fmt_num(v, lang, 0 if float(v).is_integer() else 2)}" for year, v in points
    )
    return render_template(
        "sparkline.html",
        width=width,
        height=height,
        title=title,
        line=" ".join(f"{x:.1f},{y:.1f}" for x, y in xy),
        end=xy[-1],
        colour=colour,
    )


def targets_chart(frame: pd.DataFrame, lang: Lang) -> Markup | str:
    """Return one bar per target: the way to the target done, coloured by status.

    Each row shows the id, a bar (value vs target, see :func:`target_progress`),
    "value / target" and, where the data have years, a sparkline of the yearly
    values.  Plain HTML and inline SVG (``templates/targets_chart.html``).
    """
    if frame.empty or "id" not in frame:
        return ""
    label_col = next((c for c in (f"label_{lang}", "label", "label_vi") if c in frame), "id")
    rows = []
    for _, r in frame.iterrows():
        status = str(r.get("status", "") or "")
        cls = _STATUS_CLASS.get(status, "na")
        colour = STATUS_COLOURS[cls]
        share = target_progress(r)
        unit = r.get("unit")
        text = tr(f"status_{status}", lang) if status else "–"
        value = _fmt_target_value(r.get("value"), r.get("target"), lang, unit)
        rows.append(
            {
                "tip": f"{r.get(label_col, '') or ''} – {text}",
                "id": str(r.get("id", "")),
                "share": share if np.isfinite(share) else None,
                "colour": colour,
                "cls": cls,
                "value": value,
                "goal": _fmt_target_value(r.get("target"), r.get("target"), lang, unit),
                "spark": sparkline(_yearly(r), colour=colour, lang=lang),
            }
        )
    legend = [
        (STATUS_COLOURS[c], tr(k, lang))
        for c, k in (
            ("ok", "status_achieved_or_on_track"),
            ("bad", "status_behind"),
            ("na", "status_no_data_or_na"),
        )
    ]
    return render_template("targets_chart.html", rows=rows, legend=legend)


def _titled_chart(
    key: str,
    labels: Sequence[str],
    values: Sequence[float],
    fmt: Callable[[float], str],
    colour: str,
    *,
    lang: Lang,
) -> tuple[str, str, Markup]:
    """Return a ``("h4", title, chart)`` section: a :func:`bar_chart` titled ``tr(key)``.

    Parameters
    ----------
    key
        Translation key of the title.
    labels, values, fmt, colour
        As for :func:`bar_chart`.
    lang
        Language of the title.
    """
    title = tr(key, lang)
    return ("h4", title, bar_chart(labels, values, fmt, colour=colour, title=title))


def _ntm_chart(ctx: RenderContext) -> tuple[str, str, Markup] | None:
    c = ctx.communes
    if "ntm_criteria_met" not in c or not len(c):
        return None
    counts = pd.to_numeric(c["ntm_criteria_met"], errors="coerce").dropna().astype(int)
    tally = counts.value_counts()
    keys = list(range(int(tally.index.min()), int(tally.index.max()) + 1)) if len(tally) else []
    return _titled_chart(
        "chart_ntm",
        [str(k) for k in keys],
        [float(tally.get(k, 0)) for k in keys],
        lambda x: fmt_num(x, ctx.lang),
        "#41ab5d",
        lang=ctx.lang,
    )


def side_panel(ctx: RenderContext) -> str:
    """Return the dashboard's side column: what to do first, targets, districts, communes."""
    lang = ctx.lang
    districts = district_frame(ctx)
    structure_2025 = admin_structure(ctx) == "2025"
    targets = targets_frame(ctx)
    sections: list[tuple[str, str, Markup]] = [
        ("h3", tr("targets", lang), Markup(targets_table(targets, lang)))
    ]
    totals = plan_totals_html(ctx, heading=False)
    if totals:
        sections.append(("h3", tr("plan_phasing", lang), Markup(totals)))
    chart = targets_chart(targets, lang)
    if chart:
        sections.append(("h4", tr("chart_targets", lang), Markup(chart)))
    if not districts.empty and not structure_2025:
        sections.append(
            ("h3", tr("district_summary", lang), Markup(district_table(districts, lang)))
        )
        names = districts["district_name"].tolist()
        poverty = districts["poverty_rate"].tolist()
        sections.append(
            _titled_chart(
                "chart_poverty", names, poverty, lambda x: fmt_pct(x, lang), "#e34a33", lang=lang
            )
        )
        if districts["hh_exposed_high"].notna().any():
            exposed = districts["hh_exposed_high"].tolist()
            fmt = lambda x: fmt_num(x, lang)  # noqa: E731
            sections.append(
                _titled_chart("chart_exposed", names, exposed, fmt, "#800026", lang=lang)
            )
    ntm = _ntm_chart(ctx)
    if ntm is not None:
        sections.append(ntm)
    table_2025 = commune_2025_table(ctx) if structure_2025 else ""
    if table_2025:
        sections.append(("h3", tr("communes_2025", lang), Markup(table_2025)))
    else:
        sections.append(("h3", tr("commune_summary", lang), Markup(commune_table(ctx))))
    return str(
        render_template(
            "dashboard_side.html",
            title=tr("dashboard_title", lang),
            subtitle=ctx.title,
            synthetic=tr("synthetic", lang) if ctx.synthetic else "",
            structure=tr("structure_" + admin_structure(ctx), lang),
            first=first_html(ctx, links=True),
            sections=sections,
            foot=tr("generated_by", lang),
        )
    )
