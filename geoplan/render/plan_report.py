"""The plan's sections of ``report.html``: resettlement and budget allocation.

Every function returns escaped HTML (``html.escape`` on every text from data) and
an empty string when the plan lacks what the section needs, so a run without a
plan, or with a plan without a resettlement track, still renders.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from geoplan.render.context import RenderContext, plan_frame, plan_summary
from geoplan.render.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.plan_files import code_names
from geoplan.render.site_report import site_safety_section

__all__ = [
    "allocation_section",
    "assignment_stats",
    "binding_sentences",
    "currency_label",
    "resettlement_section",
]


def _table(head: list[str], rows: list[list[str]], *, numeric: set[int] | None = None) -> str:
    """Return an HTML table.

    ``head`` is escaped here; ``rows`` hold ready (escaped) cells.  Columns in
    ``numeric`` (default: all but the first) are right-aligned.
    """
    right = set(range(1, len(head))) if numeric is None else numeric
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        cells = [
            f"<td class='n'>{c}</td>" if i in right else f"<td>{c}</td>" for i, c in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _num_col(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0)


def assignment_stats(moves: pd.DataFrame | None) -> dict[str, float]:
    """Villages and households placed, distances and same-commune moves of one assignment.

    Parameters
    ----------
    moves
        ``PlanOutcome.moves`` or ``greedy_moves`` (``None`` counts as no move).

    Returns
    -------
    dict
        ``villages``, ``households``, ``distance_km`` (sum over moves),
        ``mean_km`` (per village moved), ``household_km``, ``mean_hh_km``
        (household-weighted mean) and ``same_commune``.
    """
    if moves is None or moves.empty:
        return dict.fromkeys(
            (
                "villages",
                "households",
                "distance_km",
                "mean_km",
                "household_km",
                "mean_hh_km",
                "same_commune",
            ),
            0.0,
        )
    hh = _num_col(moves, "households")
    dist = _num_col(moves, "distance_m") / 1000
    hh_km = float((hh * dist).sum())
    same = moves["same_commune"].fillna(False).astype(bool).sum() if "same_commune" in moves else 0
    return {
        "villages": float(len(moves)),
        "households": float(hh.sum()),
        "distance_km": float(dist.sum()),
        "mean_km": float(dist.mean()),
        "household_km": hh_km,
        "mean_hh_km": hh_km / float(hh.sum()) if hh.sum() > 0 else float("nan"),
        "same_commune": float(same),
    }


def _reason(row: pd.Series, lang: Lang) -> str:
    code = str(row.get("reason_code", "") or "")
    text = str(row.get("reason", "") or "")
    if lang == "vi" and code:
        label = tr(f"reason_{code}", lang)
        if label != f"reason_{code}":
            return label
    return text or code


def _resettlement_summary(ctx: RenderContext, exact: dict[str, float]) -> str:
    lang = ctx.lang
    unplaced = plan_frame(ctx.result, "unplaced")
    summary = plan_summary(ctx.result, "assignment_summary")
    n_un = 0 if unplaced is None else len(unplaced)
    hh_un = 0.0 if unplaced is None else float(_num_col(unplaced, "households").sum())
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
    rows = "".join(
        f"<tr><th>{escape(tr(k, lang))}</th><td class='n'>{v}</td></tr>" for k, v in pairs
    )
    return f"<table>{rows}</table>"


def _method_comparison(ctx: RenderContext, exact: dict[str, float]) -> str:
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
                escape(tr(f"cmp_{key}", lang)),
                fmt_num(exact[key], lang, digits),
                fmt_num(greedy[key], lang, digits),
                sign + fmt_num(diff, lang, digits),
            ]
        )
    head = [tr("indicator", lang), tr("method_milp", lang), tr("method_greedy", lang), "Δ"]
    milp = plan_summary(ctx.result, "assignment_summary").get("milp", {})
    status = milp.get("status") if isinstance(milp, dict) else None
    note = (
        f"<p class='muted'>{escape(tr('solver_status', lang))}: {escape(str(status))}</p>"
        if status
        else ""
    )
    return _table(head, rows) + note


def _unplaced_table(ctx: RenderContext) -> str:
    lang = ctx.lang
    unplaced = plan_frame(ctx.result, "unplaced")
    if unplaced is None:
        return f"<p>{escape(tr('all_placed', lang))}</p>"
    names = code_names(ctx.communes, "commune_code", "commune_name")
    rows = [
        [
            escape(str(r.get("village_name") or r.get("village_id") or "")),
            escape(names.get(str(r.get("commune_code")), str(r.get("commune_code") or ""))),
            fmt_num(r.get("households"), lang),
            escape(_reason(r, lang)),
        ]
        for _, r in unplaced.iterrows()
    ]
    head = [tr("village", lang), tr("commune", lang), tr("households", lang), tr("reason", lang)]
    return _table(head, rows, numeric={2})


def _moves_table(ctx: RenderContext, limit: int) -> str:
    lang = ctx.lang
    moves = plan_frame(ctx.result, "moves")
    if moves is None:
        return ""
    names = code_names(ctx.communes, "commune_code", "commune_name")
    ordered = moves.sort_values(
        ["households", "village_id"], ascending=[False, True], kind="mergesort"
    )
    rows = []
    for _, r in ordered.head(limit).iterrows():
        same = r.get("same_commune")
        rows.append(
            [
                escape(str(r.get("village_name") or r.get("village_id") or "")),
                escape(names.get(str(r.get("commune_code")), str(r.get("commune_code") or ""))),
                escape(str(r.get("site_id") or "")),
                escape(
                    names.get(
                        str(r.get("site_commune_code")), str(r.get("site_commune_code") or "")
                    )
                ),
                fmt_num(r.get("households"), lang),
                fmt_num(float(r.get("distance_m") or 0) / 1000, lang, 1),
                escape(tr("yes" if bool(same) else "no", lang)) if pd.notna(same) else "–",
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
    more = (
        f"<p class='muted'>{escape(tr('first_n', lang).format(n=limit, total=len(moves)))}</p>"
        if len(moves) > limit
        else ""
    )
    return _table(head, rows, numeric={4, 5}) + more


def resettlement_section(ctx: RenderContext, *, limit: int = 100) -> str:
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
        return ""
    lang = ctx.lang
    exact = assignment_stats(moves)
    return "".join(
        [
            f"<h2 id='resettlement'>{escape(tr('resettlement', lang))}</h2>",
            f"<p class='muted'>{escape(tr('resettlement_intro', lang))}</p>",
            _resettlement_summary(ctx, exact),
            f"<h3>{escape(tr('milp_vs_greedy', lang))}</h3>",
            _method_comparison(ctx, exact),
            f"<h3>{escape(tr('unplaced', lang))}</h3>",
            _unplaced_table(ctx),
            f"<h3>{escape(tr('moves', lang))}</h3>",
            _moves_table(ctx, limit),
            site_safety_section(ctx, limit=limit),
        ]
    )


def currency_label(summary: dict[str, Any], lang: Lang) -> str:
    """Return the allocation's currency, "triệu đồng" for "million VND" in Vietnamese."""
    currency = str(summary.get("currency", "") or "million VND")
    return "triệu đồng" if lang == "vi" and currency == "million VND" else currency


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


def _allocation_summary_table(ctx: RenderContext) -> str:
    lang = ctx.lang
    s = plan_summary(ctx.result, "allocation_summary")
    currency = currency_label(s, lang)
    gap = s.get("mip_gap")
    rows = [
        [
            escape(tr("objective", lang)),
            fmt_num(s.get("objective"), lang, 1),
            fmt_num(s.get("greedy_objective"), lang, 1),
        ],
        [
            escape(tr("benefit", lang)),
            fmt_num(s.get("benefit"), lang, 1),
            fmt_num(s.get("greedy_benefit"), lang, 1),
        ],
        [
            escape(f"{tr('cost', lang)} ({currency})"),
            fmt_num(s.get("cost"), lang),
            fmt_num(s.get("greedy_cost"), lang),
        ],
        [
            escape(tr("funded_n", lang)),
            fmt_num(s.get("funded"), lang),
            fmt_num(s.get("greedy_funded"), lang),
        ],
    ]
    head = [tr("indicator", lang), tr("optimum", lang), tr("greedy_by_score", lang)]
    pairs = [
        ("gain_over_greedy", fmt_pct(_ratio(s.get("gain_over_greedy_pct")), lang)),
        ("mip_gap", fmt_pct(gap, lang, 2) if gap is not None else "–"),
        ("alloc_method", escape(f"{s.get('method', '–')} ({s.get('status', '–')})")),
        ("total_budget", f"{fmt_num(s.get('total_budget'), lang)} {escape(currency)}"),
        ("unspent", f"{fmt_num(s.get('unspent'), lang)} {escape(currency)}"),
    ]
    kv = "".join(f"<tr><th>{escape(tr(k, lang))}</th><td class='n'>{v}</td></tr>" for k, v in pairs)
    return _table(head, rows) + f"<table>{kv}</table>"


def _ratio(pct: Any) -> float:
    try:
        return float(pct) / 100
    except (TypeError, ValueError):
        return float("nan")


def _budget_use_table(ctx: RenderContext) -> str:
    lang = ctx.lang
    use = plan_frame(ctx.result, "budget_use")
    if use is None:
        return ""
    rows = []
    for _, r in use.iterrows():
        budget = float(pd.to_numeric(r.get("budget"), errors="coerce"))
        spend = float(pd.to_numeric(r.get("spend"), errors="coerce"))
        binding = bool(r.get("binding")) if pd.notna(r.get("binding")) else False
        rows.append(
            [
                escape(str(r.get("programme", ""))),
                escape(str(r.get("source", ""))),
                escape(str(r.get("year", ""))),
                fmt_num(budget, lang),
                fmt_num(spend, lang),
                fmt_num(r.get("spend_greedy"), lang),
                fmt_pct(spend / budget if budget > 0 else float("nan"), lang),
                f"<b>{escape(tr('yes', lang))}</b>" if binding else escape(tr("no", lang)),
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


def _by_kind_table(ctx: RenderContext) -> str:
    lang = ctx.lang
    alloc = plan_frame(ctx.result, "allocation")
    if alloc is None or "kind" not in alloc or "funded" not in alloc:
        return ""
    label_col = f"label_{lang}" if f"label_{lang}" in alloc else "kind"
    rows = []
    for kind, grp in alloc.groupby(alloc["kind"].astype(str), sort=True):
        funded = grp["funded"].fillna(False).astype(bool)
        greedy = (
            grp["greedy_funded"].fillna(False).astype(bool)
            if "greedy_funded" in grp
            else pd.Series(False, index=grp.index)
        )
        rows.append(
            [
                escape(str(grp[label_col].iloc[0] or kind)),
                fmt_num(len(grp), lang),
                fmt_num(funded.sum(), lang),
                fmt_num(_num_col(grp[funded], "cost").sum(), lang),
                fmt_num(_num_col(grp[funded], "beneficiaries").sum(), lang),
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


def _top_funded_table(ctx: RenderContext, limit: int) -> str:
    lang = ctx.lang
    alloc = plan_frame(ctx.result, "allocation")
    if alloc is None or "funded" not in alloc:
        return ""
    funded = alloc[alloc["funded"].fillna(False).astype(bool)]
    if funded.empty:
        return f"<p>{escape(tr('nothing_funded', lang))}</p>"
    funded = funded.assign(_b=_num_col(funded, "benefit")).sort_values(
        ["_b", "intervention_id"], ascending=[False, True], kind="mergesort"
    )
    names = code_names(ctx.communes, "commune_code", "commune_name")
    label_col = f"label_{lang}" if f"label_{lang}" in funded else "kind"
    rows = []
    for _, r in funded.head(limit).iterrows():
        where = str(r.get("village_name") or "") if pd.notna(r.get("village_name")) else ""
        commune = names.get(str(r.get("commune_code")), str(r.get("commune_code") or ""))
        rows.append(
            [
                escape(str(r.get(label_col) or r.get("kind") or "")),
                escape(", ".join(x for x in (where, commune) if x)),
                escape(str(r.get("year", ""))),
                escape(f"{r.get('programme', '')} ({r.get('source', '')})"),
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


def allocation_section(ctx: RenderContext, *, top_n: int = 20) -> str:
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
        return ""
    lang = ctx.lang
    binding = binding_sentences(ctx)
    binding_html = (
        "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in binding) + "</ul>"
        if binding
        else f"<p>{escape(tr('no_binding', lang))}</p>"
    )
    return "".join(
        [
            f"<h2 id='allocation'>{escape(tr('allocation', lang))}</h2>",
            f"<p class='muted'>{escape(tr('allocation_intro', lang))}</p>",
            _allocation_summary_table(ctx) if summary else "",
            f"<h3>{escape(tr('budget_use', lang))}</h3>",
            _budget_use_table(ctx),
            f"<h3>{escape(tr('binding_constraints', lang))}</h3>",
            binding_html,
            f"<h3>{escape(tr('by_kind', lang))}</h3>",
            _by_kind_table(ctx),
            f"<h3>{escape(tr('top_funded', lang))}</h3>",
            _top_funded_table(ctx, top_n),
        ]
    )
