"""The "Safe destinations" part of the report's resettlement section.

The scenario's site safety rules with their limits and how many candidates
each rejected, every move's hazard at the origin and at the destination with
the improvement, and the sites to verify in the field.  Every text from data
is escaped; the section is empty without a site screening.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from geoplan.render.context import RenderContext, plan_frame, plan_summary
from geoplan.render.i18n import Lang, fmt_num, fmt_pct, tr

__all__ = ["site_safety_section"]


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        cells = [f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>"
                 for i, c in enumerate(row)]  # fmt: skip
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _limits(config: Any, lang: Lang) -> list[tuple[str, str]]:
    """(rule code, limit as text) for each rule the scenario sets."""
    rows: list[tuple[str, str]] = []
    for level, share in getattr(config, "max_official_share", {}).items():
        rows.append(("official_level", f"≤ {fmt_pct(share, lang, 0)} ({level}–5)"))
    for level, share in getattr(config, "max_model_share", {}).items():
        rows.append(("model_level", f"≤ {fmt_pct(share, lang, 0)} ({level}–5)"))
    for code, attr, unit, below in (
        ("slope_mean", "max_site_slope_mean_deg", "°", False),
        ("slope_p90", "max_site_slope_p90_deg", "°", False),
        ("near_river", "min_river_distance_m", " m", True),
        ("near_steep_slope", "min_steep_distance_m", " m", True),
    ):
        value = getattr(config, attr, None)
        if value is not None:
            rows.append((code, f"{'≥' if below else '≤'} {fmt_num(value, lang)}{unit}"))
    if getattr(config, "exclude_forest", None):
        rows.append(("protected_forest", f"≤ {fmt_pct(config.max_forest_share, lang, 0)}"))
    return rows


def _rules_table(ctx: RenderContext) -> str:
    lang = ctx.lang
    config = getattr(getattr(getattr(ctx.result, "scenario", None), "plan", None), "sites", None)
    if config is None:
        return ""
    sites = plan_summary(ctx.result, "summary").get("sites", {})
    rejected = sites.get("rejected_by_rule", {})
    cites = sites.get("rule_cites", {})
    rows = [
        [escape(tr(f"rule_{code}", lang)), escape(limit), escape(", ".join(cites.get(code, []))),
         fmt_num(rejected.get(code, 0), lang)]
        for code, limit in _limits(config, lang)
    ]  # fmt: skip
    head = [tr("rule", lang), tr("limit", lang), tr("cites", lang), tr("sites_rejected", lang)]
    return _table(head, rows, {3})


def _moves_comparison(moves: pd.DataFrame, lang: Lang, limit: int) -> str:
    def pair(row: pd.Series, origin: str, site: str, digits: int) -> str:
        return f"{fmt_num(row.get(origin), lang, digits)} → {fmt_num(row.get(site), lang, digits)}"

    ordered = moves.sort_values(["priority_rank", "village_id"], kind="mergesort")
    rows = []
    for _, r in ordered.head(limit).iterrows():
        rows.append([
            escape(str(r.get("village_name") or r.get("village_id") or "")),
            escape(str(r.get("site_id") or "")),
            pair(r, "origin_official_level", "site_official_level", 0),
            pair(r, "origin_susceptibility", "site_susceptibility", 3),
            fmt_num(r.get("model_probability_drop"), lang, 3),
            pair(r, "origin_slope_deg", "site_slope_deg", 1),
            fmt_num(r.get("slope_drop"), lang, 1),
            fmt_pct(r.get("site_model_share_high"), lang),
            escape(tr("yes" if bool(r.get("safer_than_origin")) else "no", lang)),
        ])  # fmt: skip
    head = [
        tr("village", lang), tr("site", lang), tr("official_level_move", lang),
        tr("probability_move", lang), tr("probability_drop", lang), tr("slope_move", lang),
        tr("slope_drop", lang), tr("site_model_high", lang), tr("safer_than_origin", lang),
    ]  # fmt: skip
    more = (
        f"<p class='muted'>{escape(tr('first_n', lang).format(n=limit, total=len(moves)))}</p>"
        if len(moves) > limit
        else ""
    )
    return _table(head, rows, {2, 3, 4, 5, 6, 7}) + more


def _verify_reason(row: pd.Series, lang: Lang) -> str:
    """Return the plan's sentence in English; in Vietnamese the code's label and the shares."""
    if lang == "en":
        return str(row.get("verify_reason") or "")
    high = [row.get(f"{p}_share_{lv}") for p in ("landslide", "model") for lv in (4, 5)]
    official, model = (sum(float(v) for v in pair if pd.notna(v)) for pair in (high[:2], high[2:]))
    return (
        f"{tr('verify_' + str(row.get('verify_code')), lang)} "
        f"({fmt_pct(official, lang)} / {fmt_pct(model, lang)})"
    )


def _verify_list(screening: pd.DataFrame, lang: Lang, limit: int) -> str:
    flagged = screening[screening["verify_code"].fillna("").astype(str) != ""]
    if flagged.empty:
        return f"<p>{escape(tr('verify_none', lang))}</p>"
    flagged = flagged.sort_values(["status", "site_id"], kind="mergesort")  # kept first
    rows = [
        [escape(str(r.get("site_id") or "")), escape(str(r.get("commune_name") or "")),
         escape(tr(f"site_status_{r.get('status')}", lang)), escape(_verify_reason(r, lang))]
        for _, r in flagged.head(limit).iterrows()
    ]  # fmt: skip
    head = [tr("site", lang), tr("commune", lang), tr("status", lang), tr("reason", lang)]
    more = (
        f"<p class='muted'>{escape(tr('first_n', lang).format(n=limit, total=len(flagged)))}</p>"
        if len(flagged) > limit
        else ""
    )
    return _table(head, rows, set()) + more


def site_safety_section(ctx: RenderContext, *, limit: int = 100) -> str:
    """Return the "Safe destinations" subsection of the resettlement section.

    Parameters
    ----------
    ctx
        Render inputs; empty without ``plan.site_screening``.
    limit
        Moves listed (in priority order); ``resettlement_moves.csv`` has them all.
    """
    screening = plan_frame(ctx.result, "site_screening")
    if screening is None:
        return ""
    lang = ctx.lang
    moves = plan_frame(ctx.result, "moves")
    parts = [
        f"<h3 id='site-safety'>{escape(tr('site_safety', lang))}</h3>",
        f"<p class='muted'>{escape(tr('site_safety_intro', lang))}</p>",
        _rules_table(ctx),
    ]
    if moves is not None and "origin_official_level" in moves:
        parts += [f"<h4>{escape(tr('moves_safety', lang))}</h4>",
                  _moves_comparison(moves, lang, limit)]  # fmt: skip
    parts += [
        f"<h4>{escape(tr('verify_sites', lang))}</h4>",
        f"<p class='muted'>{escape(tr('verify_intro', lang))}</p>",
        _verify_list(screening, lang, limit),
    ]
    return "".join(parts)
