"""The "Safe destinations" part of the report's resettlement section.

The scenario's site safety rules with their limits and how many candidates
each rejected, every move's hazard at the origin and at the destination with
the improvement, and the sites to verify in the field.  The HTML comes from
Jinja2 templates (``templates/site_safety.html``, ``simple_table.html``) with
autoescaping on; the section is empty without a site screening.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geoplan.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.context import RenderContext, plan_frame, plan_summary
from geoplan.render.templating import Markup, render_template

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.config.plan import SitesConfig

__all__ = ["site_safety_section"]


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> Markup:
    return render_template("simple_table.html", head=head, rows=rows, cls="", numeric=numeric)


def _limits(config: SitesConfig, lang: Lang) -> list[tuple[str, str]]:
    """(rule code, limit as text) for each rule the scenario sets."""
    rows: list[tuple[str, str]] = []
    for level, share in config.max_official_share.items():
        rows.append(("official_level", f"≤ {fmt_pct(share, lang, 0)} ({level}–5)"))
    for level, share in config.max_model_share.items():
        rows.append(("model_level", f"≤ {fmt_pct(share, lang, 0)} ({level}–5)"))
    for code, attr, unit, below in (
        ("slope_mean", "max_site_slope_mean_deg", "°", False),
        ("slope_p90", "max_site_slope_p90_deg", "°", False),
        ("near_river", "min_river_distance_m", " m", True),
        ("near_steep_slope", "min_steep_distance_m", " m", True),
    ):
        value = getattr(config, attr)
        if value is not None:
            rows.append((code, f"{'≥' if below else '≤'} {fmt_num(value, lang)}{unit}"))
    if config.exclude_forest:
        rows.append(("protected_forest", f"≤ {fmt_pct(config.max_forest_share, lang, 0)}"))
    return rows


def _rules_table(ctx: RenderContext) -> Markup | str:
    lang = ctx.lang
    config = ctx.result.scenario.plan.sites
    sites = plan_summary(ctx.result, "summary").get("sites", {})
    rejected = sites.get("rejected_by_rule", {})
    cites = sites.get("rule_cites", {})
    rows = [
        [tr(f"rule_{code}", lang), limit, ", ".join(cites.get(code, [])),
         fmt_num(rejected.get(code, 0), lang)]
        for code, limit in _limits(config, lang)
    ]  # fmt: skip
    head = [tr("rule", lang), tr("limit", lang), tr("cites", lang), tr("sites_rejected", lang)]
    return _table(head, rows, {3})


def _moves_comparison(moves: pd.DataFrame, lang: Lang, limit: int) -> tuple[Markup, str]:
    """Return the origin-and-destination table of the first ``limit`` moves, and its note."""

    def pair(row: pd.Series, origin: str, site: str, digits: int) -> str:
        return f"{fmt_num(row.get(origin), lang, digits)} → {fmt_num(row.get(site), lang, digits)}"

    ordered = moves.sort_values(["priority_rank", "village_id"], kind="mergesort")
    rows = []
    for _, r in ordered.head(limit).iterrows():
        rows.append([
            str(r.get("village_name") or r.get("village_id") or ""),
            str(r.get("site_id") or ""),
            pair(r, "origin_official_level", "site_official_level", 0),
            pair(r, "origin_susceptibility", "site_susceptibility", 3),
            fmt_num(r.get("model_probability_drop"), lang, 3),
            pair(r, "origin_slope_deg", "site_slope_deg", 1),
            fmt_num(r.get("slope_drop"), lang, 1),
            fmt_pct(r.get("site_model_share_high"), lang),
            tr("yes" if bool(r.get("safer_than_origin")) else "no", lang),
        ])  # fmt: skip
    head = [
        tr("village", lang), tr("site", lang), tr("official_level_move", lang),
        tr("probability_move", lang), tr("probability_drop", lang), tr("slope_move", lang),
        tr("slope_drop", lang), tr("site_model_high", lang), tr("safer_than_origin", lang),
    ]  # fmt: skip
    more = tr("first_n", lang).format(n=limit, total=len(moves)) if len(moves) > limit else ""
    return _table(head, rows, {2, 3, 4, 5, 6, 7}), more


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


def _verify_list(screening: pd.DataFrame, lang: Lang, limit: int) -> tuple[Markup | str, str]:
    """Return the table of the sites to verify (empty when none is), and its note."""
    flagged = screening[screening["verify_code"].fillna("").astype(str) != ""]
    if flagged.empty:
        return "", ""
    flagged = flagged.sort_values(["status", "site_id"], kind="mergesort")  # kept first
    rows = [
        [str(r.get("site_id") or ""), str(r.get("commune_name") or ""),
         tr(f"site_status_{r.get('status')}", lang), _verify_reason(r, lang)]
        for _, r in flagged.head(limit).iterrows()
    ]  # fmt: skip
    head = [tr("site", lang), tr("commune", lang), tr("status", lang), tr("reason", lang)]
    more = tr("first_n", lang).format(n=limit, total=len(flagged)) if len(flagged) > limit else ""
    return _table(head, rows, set()), more


def site_safety_section(ctx: RenderContext, *, limit: int = 100) -> Markup | str:
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
    moves_table: Markup | str = ""
    moves_more = ""
    if moves is not None and "origin_official_level" in moves:
        moves_table, moves_more = _moves_comparison(moves, lang, limit)
    verify, verify_more = _verify_list(screening, lang, limit)
    keys = ("site_safety", "site_safety_intro", "moves_safety", "verify_sites", "verify_intro",
            "verify_none")  # fmt: skip
    return render_template(
        "site_safety.html",
        t={key: tr(key, lang) for key in keys},
        rules=_rules_table(ctx),
        moves=moves_table,
        moves_more=moves_more,
        verify=verify,
        verify_more=verify_more,
    )
