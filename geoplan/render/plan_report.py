"""The plan's sections of ``report.html``: resettlement and budget allocation.

The HTML comes from Jinja2 templates with autoescaping on (``templates/plan_*.html``):
text from data is passed as plain ``str`` and escaped there.  Every section is empty
when the plan lacks what it needs, so a run without a plan, or with a plan without a
resettlement track, still renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from geoplan.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.context import RenderContext, plan_frame, plan_summary
from geoplan.render.plan_files import code_names
from geoplan.render.plan_stats import assignment_stats, moves_by_year, numeric_column, solver_status
from geoplan.render.site_report import site_safety_section
from geoplan.render.templating import Markup, render_template

__all__ = [
    "allocation_section",
    "binding_sentences",
    "currency_label",
    "plan_totals_html",
    "resettlement_section",
]

# The labels each section's template shows.
_RESETTLEMENT_LABELS = ("resettlement", "resettlement_intro", "milp_vs_greedy", "solver_status",
                        "unplaced", "all_placed", "moves")  # fmt: skip
_ALLOCATION_LABELS = ("allocation", "allocation_intro", "budget_use", "binding_constraints",
                      "no_binding", "by_kind", "top_funded", "nothing_funded")  # fmt: skip


def _table(
    head: list[str], rows: Sequence[Sequence[str | Markup]], *, numeric: set[int] | None = None
) -> Markup:
    """Return a table of ``head`` and ``rows`` (plain text is escaped by the template).

    Columns in ``numeric`` (default: all but the first) are right-aligned.
    """
    right = set(range(1, len(head))) if numeric is None else numeric
    return render_template("plan_table.html", head=head, rows=rows, numeric=right)


def _pairs(pairs: list[tuple[str, str]], *, numeric: bool = True) -> Markup:
    """Return a two-column table of (label, value) rows."""
    return render_template("plan_pairs.html", pairs=pairs, numeric=numeric)


def _labels(lang: Lang, *keys: str) -> dict[str, str]:
    return {key: tr(key, lang) for key in keys}


def _reason(row: pd.Series, lang: Lang) -> str:
    code = str(row.get("reason_code", "") or "")
    text = str(row.get("reason", "") or "")
    if lang == "vi" and code:
        label = tr(f"reason_{code}", lang)
        if label != f"reason_{code}":
            return label
    return text or code


def _resettlement_summary(ctx: RenderContext, exact: dict[str, float]) -> Markup:
    lang = ctx.lang
    unplaced = plan_frame(ctx.result, "unplaced")
    summary = plan_summary(ctx.result, "assignment_summary")
    n_un = 0 if unplaced is None else len(unplaced)
    hh_un = 0.0 if unplaced is None else float(numeric_column(unplaced, "households").sum())
    at_risk = summary.get("villages_at_risk", exact["villages"] + n_un)
    hh_risk = summary.get("households_at_risk", exact["households"] + hh_un)
    pairs = [
        ("villages_at_risk", fmt_num(at_risk, lang)),
        ("villages_placed", fmt_num(exact["villages"], lang)),
        ("villages_unplaced", fmt_num(n_un, lang)),
        ("households_at_risk", fmt_num(hh_risk, lang)),
        ("households_moved", fmt_num(exact["households"], lang)),
        ("households_unplaced", fmt_num(hh_un, lang)),
        ("distance_total", f"{fmt_num(exact['distance_km'], lang, 1)} km"),
        ("distance_mean", f"{fmt_num(exact['mean_km'], lang, 1)} km"),
        ("distance_hh_mean", f"{fmt_num(exact['mean_hh_km'], lang, 1)} km"),
        ("moves_same_commune", fmt_num(exact["same_commune"], lang)),
    ]
    return _pairs([(tr(k, lang), v) for k, v in pairs])


def _method_comparison(ctx: RenderContext, exact: dict[str, float]) -> tuple[Markup, str]:
    """Return the exact-vs-greedy table and the assignment solver's status ("" if none)."""
    lang = ctx.lang
    greedy = assignment_stats(plan_frame(ctx.result, "greedy_moves"))
    rows = []
    for key, digits in (
        ("villages", 0),
        ("households", 0),
        ("household_km", 0),
        ("mean_hh_km", 1),
        ("same_commune", 0),
    ):
        diff = exact[key] - greedy[key]
        sign = "+" if diff > 0 else ""
        rows.append(
            [
                tr(f"cmp_{key}", lang),
                fmt_num(exact[key], lang, digits),
                fmt_num(greedy[key], lang, digits),
                sign + fmt_num(diff, lang, digits),
            ]
        )
    head = [tr("indicator", lang), tr("method_milp", lang), tr("method_greedy", lang), "Δ"]
    milp = plan_summary(ctx.result, "assignment_summary").get("milp", {})
    status = solver_status(milp, lang) if isinstance(milp, dict) and milp.get("status") else ""
    return _table(head, rows), status


def _unplaced_table(ctx: RenderContext) -> Markup | None:
    """Return the table of unplaced villages, ``None`` when every village was placed."""
    lang = ctx.lang
    unplaced = plan_frame(ctx.result, "unplaced")
    if unplaced is None:
        return None
    names = code_names(ctx.communes, "commune_code", "commune_name")
    rows = [
        [
            str(r.get("village_name") or r.get("village_id") or ""),
            names.get(str(r.get("commune_code")), str(r.get("commune_code") or "")),
            fmt_num(r.get("households"), lang),
            _reason(r, lang),
        ]
        for _, r in unplaced.iterrows()
    ]
    head = [tr("village", lang), tr("commune", lang), tr("households", lang), tr("reason", lang)]
    return _table(head, rows, numeric={2})


def _moves_table(ctx: RenderContext, limit: int) -> tuple[Markup | str, str]:
    """Return the largest moves' table and a note when there are more ("" if none)."""
    lang = ctx.lang
    moves = plan_frame(ctx.result, "moves")
    if moves is None:
        return "", ""
    names = code_names(ctx.communes, "commune_code", "commune_name")
    ordered = moves.sort_values(
        ["households", "village_id"], ascending=[False, True], kind="mergesort"
    )
    rows: list[list[str | Markup]] = []
    for _, r in ordered.head(limit).iterrows():
        same = r.get("same_commune")
        rows.append(
            [
                str(r.get("village_name") or r.get("village_id") or ""),
                names.get(str(r.get("commune_code")), str(r.get("commune_code") or "")),
                str(r.get("site_id") or ""),
                names.get(str(r.get("site_commune_code")), str(r.get("site_commune_code") or "")),
                fmt_num(r.get("households"), lang),
                fmt_num(float(r.get("distance_m") or 0) / 1000, lang, 1),
                tr("yes" if bool(same) else "no", lang) if pd.notna(same) else "–",
            ]
        )
    head = [
        tr("village", lang),
        tr("commune", lang),
        tr("site", lang),
        tr("destination", lang),
        tr("households", lang),
        f"{tr('distance', lang)} (km)",
        tr("same_commune", lang),
    ]
    more = tr("first_n", lang).format(n=limit, total=len(moves)) if len(moves) > limit else ""
    return _table(head, rows, numeric={4, 5}), more


def resettlement_section(ctx: RenderContext, *, limit: int = 100) -> Markup:
    """Return the "Resettlement" section: placed/unplaced, distances, exact vs greedy.

    Parameters
    ----------
    ctx
        Render inputs; the section is empty without ``plan.moves`` and ``plan.unplaced``.
    limit
        Moves listed (largest villages first); the CSV has them all.
    """
    moves = plan_frame(ctx.result, "moves")
    if moves is None and plan_frame(ctx.result, "unplaced") is None:
        return Markup("")
    lang = ctx.lang
    exact = assignment_stats(moves)
    comparison, status = _method_comparison(ctx, exact)
    moves_table, moves_more = _moves_table(ctx, limit)
    return render_template(
        "plan_resettlement.html",
        t=_labels(lang, *_RESETTLEMENT_LABELS),
        summary=_resettlement_summary(ctx, exact),
        comparison=comparison,
        status=status,
        unplaced=_unplaced_table(ctx),
        moves=moves_table,
        moves_more=moves_more,
        site_safety=site_safety_section(ctx, limit=limit),
    )


def currency_label(summary: dict[str, Any], lang: Lang) -> str:
    """Return the allocation's currency, "triệu đồng" for "million VND" in Vietnamese."""
    currency = str(summary.get("currency", "") or "million VND")
    return tr("money", lang, "column_units") if currency == "million VND" else currency


def binding_sentences(ctx: RenderContext) -> list[str]:
    """Binding constraints in plain language (not escaped).

    English uses the plan's ready sentences (``allocation_summary['binding']``);
    Vietnamese rebuilds the budget sentences from ``budget_use`` and keeps the
    plan's sentences for the other constraints (minimum shares).
    """
    summary = plan_summary(ctx.result, "allocation_summary")
    ready = [str(s) for s in summary.get("binding", []) or []]
    if ctx.lang == "en":
        return ready
    use = plan_frame(ctx.result, "budget_use")
    if use is None or "binding" not in use:
        return ready
    currency = currency_label(summary, "vi")
    out = []
    for _, r in use[use["binding"].fillna(False).astype(bool)].iterrows():
        out.append(
            tr("binding_budget", "vi").format(
                line=f"{r.get('programme')}/{r.get('source')} {r.get('year')}",
                spend=fmt_num(r.get("spend"), "vi"),
                budget=fmt_num(r.get("budget"), "vi"),
                currency=currency,
                price=fmt_num(r.get("shadow_price"), "vi", 3),
            )
        )
    return out + [s for s in ready if not s.startswith("budget ")]


def _allocation_summary_table(ctx: RenderContext) -> Markup:
    lang = ctx.lang
    s = plan_summary(ctx.result, "allocation_summary")
    currency = currency_label(s, lang)
    gap = s.get("mip_gap")
    rows = [
        [
            tr("objective", lang),
            fmt_num(s.get("objective"), lang, 1),
            fmt_num(s.get("greedy_objective"), lang, 1),
        ],
        [
            tr("benefit", lang),
            fmt_num(s.get("benefit"), lang, 1),
            fmt_num(s.get("greedy_benefit"), lang, 1),
        ],
        [
            f"{tr('cost', lang)} ({currency})",
            fmt_num(s.get("cost"), lang),
            fmt_num(s.get("greedy_cost"), lang),
        ],
        [
            tr("funded_n", lang),
            fmt_num(s.get("funded"), lang),
            fmt_num(s.get("greedy_funded"), lang),
        ],
    ]
    head = [tr("indicator", lang), tr("optimum", lang), tr("greedy_by_score", lang)]
    pairs = [
        ("gain_over_greedy", fmt_pct(_ratio(s.get("gain_over_greedy_pct")), lang)),
        ("mip_gap", fmt_pct(gap, lang, 2) if gap is not None else "–"),
        ("alloc_method", f"{s.get('method', '–')} ({solver_status(s, lang)})"),
        ("total_budget", f"{fmt_num(s.get('total_budget'), lang)} {currency}"),
        ("unspent", f"{fmt_num(s.get('unspent'), lang)} {currency}"),
    ]
    return _table(head, rows) + _pairs([(tr(k, lang), v) for k, v in pairs])


def _ratio(pct: Any) -> float:
    try:
        return float(pct) / 100
    except (TypeError, ValueError):
        return float("nan")


def _budget_use_table(ctx: RenderContext) -> Markup | str:
    lang = ctx.lang
    use = plan_frame(ctx.result, "budget_use")
    if use is None:
        return ""
    rows: list[list[str | Markup]] = []
    amounts = pd.DataFrame(
        {"budget": numeric_column(use, "budget"), "spend": numeric_column(use, "spend")}
    )
    for k, (_, r) in enumerate(use.iterrows()):
        budget = float(amounts["budget"].iloc[k])
        spend = float(amounts["spend"].iloc[k])
        binding = bool(r.get("binding")) if pd.notna(r.get("binding")) else False
        rows.append(
            [
                str(r.get("programme", "")),
                str(r.get("source", "")),
                str(r.get("year", "")),
                fmt_num(budget, lang),
                fmt_num(spend, lang),
                fmt_num(r.get("spend_greedy"), lang),
                fmt_pct(spend / budget if budget > 0 else float("nan"), lang),
                render_template("bold.html", text=tr("yes", lang)) if binding else tr("no", lang),
            ]
        )
    head = [
        tr("programme", lang),
        tr("source", lang),
        tr("year", lang),
        tr("budget", lang),
        tr("spend", lang),
        tr("spend_greedy", lang),
        tr("use_share", lang),
        tr("binding", lang),
    ]
    return _table(head, rows, numeric={3, 4, 5, 6})


def _by_kind_table(ctx: RenderContext) -> Markup | str:
    lang = ctx.lang
    alloc = plan_frame(ctx.result, "allocation")
    if alloc is None or "kind" not in alloc or "funded" not in alloc:
        return ""
    label_col = f"label_{lang}" if f"label_{lang}" in alloc else "kind"
    rows: list[list[str | Markup]] = []
    for kind, grp in alloc.groupby(alloc["kind"].astype(str), sort=True):
        funded = grp["funded"].fillna(False).astype(bool)
        greedy = (
            grp["greedy_funded"].fillna(False).astype(bool)
            if "greedy_funded" in grp
            else pd.Series(False, index=grp.index)
        )
        rows.append(
            [
                str(grp[label_col].iloc[0] or kind),
                fmt_num(len(grp), lang),
                fmt_num(funded.sum(), lang),
                fmt_num(numeric_column(grp[funded], "cost").sum(), lang),
                fmt_num(numeric_column(grp[funded], "beneficiaries").sum(), lang),
                fmt_num(greedy.sum(), lang),
            ]
        )
    head = [
        tr("intervention", lang),
        tr("candidates", lang),
        tr("funded_n", lang),
        tr("cost", lang),
        tr("beneficiaries", lang),
        tr("greedy_funded_n", lang),
    ]
    return _table(head, rows)


def _top_funded_table(ctx: RenderContext, limit: int) -> Markup | str | None:
    """Return the funded interventions' table, ``None`` when nothing is funded."""
    lang = ctx.lang
    alloc = plan_frame(ctx.result, "allocation")
    if alloc is None or "funded" not in alloc:
        return ""
    funded = alloc[alloc["funded"].fillna(False).astype(bool)]
    if funded.empty:
        return None
    funded = funded.assign(_b=numeric_column(funded, "benefit")).sort_values(
        ["_b", "intervention_id"], ascending=[False, True], kind="mergesort"
    )
    names = code_names(ctx.communes, "commune_code", "commune_name")
    label_col = f"label_{lang}" if f"label_{lang}" in funded else "kind"
    rows: list[list[str | Markup]] = []
    for _, r in funded.head(limit).iterrows():
        where = str(r.get("village_name") or "") if pd.notna(r.get("village_name")) else ""
        commune = names.get(str(r.get("commune_code")), str(r.get("commune_code") or ""))
        rows.append(
            [
                str(r.get(label_col) or r.get("kind") or ""),
                ", ".join(x for x in (where, commune) if x),
                str(r.get("year", "")),
                f"{r.get('programme', '')} ({r.get('source', '')})",
                fmt_num(r.get("cost"), lang),
                fmt_num(r.get("beneficiaries"), lang),
                fmt_num(r.get("benefit"), lang, 1),
            ]
        )
    head = [
        tr("intervention", lang),
        tr("where", lang),
        tr("year", lang),
        tr("funding", lang),
        tr("cost", lang),
        tr("beneficiaries", lang),
        tr("benefit", lang),
    ]
    return _table(head, rows, numeric={4, 5, 6})


def allocation_section(ctx: RenderContext, *, top_n: int = 20) -> Markup:
    """Return the "Budget allocation" section: optimum vs greedy, budget use, binding, top funded.

    Parameters
    ----------
    ctx
        Render inputs; empty without ``plan.allocation_summary`` and ``plan.allocation``.
    top_n
        Funded interventions listed (largest benefit first).
    """
    summary = plan_summary(ctx.result, "allocation_summary")
    if not summary and plan_frame(ctx.result, "allocation") is None:
        return Markup("")
    return render_template(
        "plan_allocation.html",
        t=_labels(ctx.lang, *_ALLOCATION_LABELS),
        summary=_allocation_summary_table(ctx) if summary else "",
        totals=plan_totals_html(ctx),
        budget_use=_budget_use_table(ctx),
        binding=binding_sentences(ctx),
        by_kind=_by_kind_table(ctx),
        top_funded=_top_funded_table(ctx, top_n),
    )


def plan_totals_html(ctx: RenderContext, *, heading: bool = True) -> Markup:
    """Return the plan's totals: solver status, households moved per year, spend per line.

    Parameters
    ----------
    ctx
        Render inputs; empty without a plan.
    heading
        Start with an ``<h3>`` "Plan totals" (the dashboard adds its own).

    Returns
    -------
    Markup
        HTML from ``templates/plan_totals.html`` (a heading, the two statuses, two
        tables, the binding constraints).
    """
    if ctx.result.plan is None:
        return Markup("")
    lang = ctx.lang
    milp = plan_summary(ctx.result, "assignment_summary").get("milp", {})
    alloc = plan_summary(ctx.result, "allocation_summary")
    lines = []
    if isinstance(milp, dict) and milp.get("status"):
        lines.append((tr("assignment_status", lang), solver_status(milp, lang)))
    if alloc.get("status"):
        lines.append((tr("allocation_status", lang), solver_status(alloc, lang)))
    statuses = _pairs(lines, numeric=False) if lines else ""
    per_year_table: Markup | str = ""
    per_year = moves_by_year(plan_frame(ctx.result, "moves"))
    if len(per_year):
        rows: list[list[str | Markup]] = [
            [
                tr(f"move_{r.funding_status}", lang),
                str(r.year) if r.funding_status == "funded" else "–",
                fmt_num(r.villages, lang),
                fmt_num(r.households, lang),
                fmt_num(r.cost, lang),
            ]
            for r in per_year.itertuples()
        ]
        head = [
            tr("moves_per_year", lang),
            tr("year", lang),
            tr("villages_n", lang),
            tr("households", lang),
            f"{tr('cost', lang)} ({currency_label(alloc, lang)})",
        ]
        per_year_table = _table(head, rows, numeric={2, 3, 4})
    per_line_table: Markup | str = ""
    use = plan_frame(ctx.result, "budget_use")
    if use is not None and len(use) and "spend" in use:
        pivot = use.pivot_table(
            index=["programme", "source"], columns="year", values="spend", aggfunc="sum"
        )
        rows = [
            [f"{p}/{src}", *(fmt_num(v, lang) for v in pivot.loc[(p, src)])]
            for p, src in pivot.index
        ]
        head = [tr("money_per_year", lang), *(str(y) for y in pivot.columns)]
        per_line_table = _table(head, rows)
    return render_template(
        "plan_totals.html",
        t=_labels(lang, "plan_phasing", "binding_constraints"),
        heading=heading,
        statuses=statuses,
        per_year=per_year_table,
        per_line=per_line_table,
        binding=binding_sentences(ctx),
    )
