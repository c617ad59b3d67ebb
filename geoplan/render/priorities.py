"""What to do first: the top villages and communes per track, the plan's totals, late targets.

One summary, shown at the top of the dashboard's side column and of the report
(:func:`first_html`), so leaders and planners read the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geoplan.i18n import Lang, fmt_num, tr
from geoplan.render.context import RenderContext, plan_frame
from geoplan.render.templating import Markup, html_table, num_cell, render_template, text_cell

__all__ = ["first_html", "is_relocation", "one_line", "plan_totals", "top_communes", "top_villages"]


def _reason_col(ctx: RenderContext, track: str) -> str:
    v = ctx.villages
    if ctx.lang == "vi" and f"{track}_reason_vi" in v:
        return f"{track}_reason_vi"
    return f"{track}_reason"


def one_line(reason: str) -> str:
    """Return a ranking reason in one line: its first sentence, without the rank preamble.

    Scoring writes "Ranked 3/267 for <track> (priority group 1): <factors>. <what would
    change it>."; the list already says the rank and the track, so the line keeps the
    factors.  A reason of another shape keeps its first sentence.
    """
    text = " ".join(reason.split())
    cut = text.find(". ")
    first = text if cut < 0 else text[: cut + 1]
    head, sep, rest = first.partition(": ")
    if sep and rest and "(" in head:
        first = rest[:1].upper() + rest[1:]
    return first


def _columns(frame: pd.DataFrame, *names: str) -> list[str]:
    """Return those of ``names`` that ``frame`` has, once each: a few columns copied, not 150."""
    return [c for c in dict.fromkeys(names) if c in frame.columns]


def top_villages(ctx: RenderContext, track: str, n: int = 5) -> pd.DataFrame:
    """Return the ``n`` best-ranked villages of ``track``: name, commune, rank, class, reason."""
    v = ctx.villages
    if f"{track}_rank" not in v:
        return pd.DataFrame()
    # positional, not by index: a village layer's index need not be unique
    ranks = pd.to_numeric(v[f"{track}_rank"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    ranked = ~np.isnan(ranks)
    reason = _reason_col(ctx, track)
    shown = _columns(v, "village_id", "village_name", "commune_name", reason)
    top = v[shown][ranked].assign(_r=ranks[ranked]).sort_values(["_r", "village_id"]).head(n)
    return pd.DataFrame(
        {
            "rank": top["_r"].astype(int).to_numpy(),
            "village": top.get("village_name", top["village_id"]).astype(str).to_numpy(),
            "commune": top.get("commune_name", pd.Series("", index=top.index)).astype(str),
            "reason": [
                one_line(str(x))
                for x in (top[reason] if reason in top else pd.Series("", index=top.index))
                .fillna("")
                .astype(str)
            ],
        }
    )


def top_communes(ctx: RenderContext, track: str, n: int = 3) -> pd.DataFrame:
    """Return the ``n`` communes with most priority-1 villages in ``track`` (then households)."""
    v = ctx.villages
    if f"{track}_class" not in v or "commune_code" not in v:
        return pd.DataFrame()
    shown = _columns(v, "commune_code", "commune_name", "households")
    first = v[shown][pd.to_numeric(v[f"{track}_class"], errors="coerce") == 1]
    if first.empty:
        return pd.DataFrame()
    hh = pd.to_numeric(first.get("households", 0), errors="coerce").fillna(0)
    frame = pd.DataFrame(
        {
            "code": first["commune_code"].astype(str),
            "commune": first.get("commune_name", first["commune_code"]).astype(str),
            "hh": hh,
        }
    )
    grouped = frame.groupby(["code", "commune"], as_index=False).agg(
        villages=("hh", "size"), households=("hh", "sum")
    )
    grouped = grouped.sort_values(
        ["villages", "households", "code"], ascending=[False, False, True]
    )
    return grouped.head(n).reset_index(drop=True)


def is_relocation(alloc: pd.DataFrame) -> pd.Series:
    """Return which allocation rows move a village (``relocation``, else ``kind``)."""
    if "relocation" in alloc:
        return alloc["relocation"].fillna(False).astype(bool)
    if "kind" in alloc:
        return alloc["kind"].astype(str).eq("resettlement")
    return pd.Series(False, index=alloc.index)


def plan_totals(ctx: RenderContext) -> dict[str, Any]:
    """Return the plan's totals: moves, funded and unfunded relocations, money by programme/year.

    Empty when there is no plan.  ``money`` is a frame of funded cost with one row per
    programme and one column per year (from ``PlanOutcome.allocation``).
    """
    moves = plan_frame(ctx.result, "moves")
    unplaced = plan_frame(ctx.result, "unplaced")
    alloc = plan_frame(ctx.result, "allocation")
    if moves is None and unplaced is None and alloc is None:
        return {}
    out: dict[str, Any] = {
        "moved_villages": 0 if moves is None else len(moves),
        "moved_households": 0.0
        if moves is None
        else float(pd.to_numeric(moves["households"], errors="coerce").sum()),
        "unplaced": 0 if unplaced is None else len(unplaced),
    }
    if alloc is not None and {"funded", "cost"} <= set(alloc.columns):
        funded = alloc["funded"].fillna(False).astype(bool)
        reloc = is_relocation(alloc)
        out["funded_moves"] = int((funded & reloc).sum())
        out["unfunded_moves"] = int((~funded & reloc).sum())
        out["funded_cost"] = float(pd.to_numeric(alloc.loc[funded, "cost"], errors="coerce").sum())
        if {"programme", "year"} <= set(alloc.columns) and funded.any():
            paid = alloc[funded].assign(cost=pd.to_numeric(alloc["cost"], errors="coerce"))
            paid = paid.assign(year=pd.to_numeric(paid["year"], errors="coerce").astype("Int64"))
            out["money"] = paid.pivot_table(
                index="programme", columns="year", values="cost", aggfunc="sum", fill_value=0
            )
    return out


def _money_table(money: pd.DataFrame, ctx: RenderContext) -> Markup:
    lang = ctx.lang
    years = [str(y) for y in money.columns]
    head = [tr("programme", lang), *years, tr("total", lang)]
    rows = [
        [text_cell(prog), *(num_cell(v, lang) for v in row), num_cell(sum(row), lang)]
        for prog, row in zip(money.index, money.to_numpy().tolist(), strict=True)
    ]
    sums = money.sum(axis=0).tolist()
    total = [text_cell(tr("total", lang)), *(num_cell(v, lang) for v in sums)]
    total.append(num_cell(sum(sums), lang))
    return html_table(head, rows, total=total)


def _links(ctx: RenderContext) -> list[tuple[str, str]]:
    lang = ctx.lang
    out = [(f"priority_{t}.html", ctx.track_title(t)) for t in ctx.tracks]
    out.append(("hazard_overlay.html", tr("hazard_title", lang)))
    out.append(("report.html", tr("report_title", lang)))
    return out


def first_html(ctx: RenderContext, *, links: bool, n_villages: int = 5) -> Markup:
    """Return the "what to do first" summary (escaped HTML).

    Per track the top villages (with the reason in one line) and communes, the plan's
    totals and money per programme and year, the targets behind schedule and, with
    ``links``, links to the priority maps, the hazard map and the report.
    """
    lang = ctx.lang
    tracks = []
    for track in ctx.tracks:
        villages = top_villages(ctx, track, n_villages)
        communes = top_communes(ctx, track)
        tracks.append(
            {
                "id": track,
                "title": ctx.track_title(track),
                "villages": villages.to_dict("records"),
                "communes": [label_communes(r, lang) for r in communes.to_dict("records")],
            }
        )
    totals = plan_totals(ctx)
    facts = []
    if totals:
        facts = [
            (tr("moved_villages", lang), fmt_num(totals["moved_villages"], lang)),
            (tr("moved_households", lang), fmt_num(totals["moved_households"], lang)),
            (tr("not_placed_villages", lang), fmt_num(totals["unplaced"], lang)),
        ]
        if "funded_moves" in totals:
            facts += [
                (tr("funded_moves", lang), fmt_num(totals["funded_moves"], lang)),
                (tr("unfunded_moves", lang), fmt_num(totals["unfunded_moves"], lang)),
                (tr("funded_cost", lang), fmt_num(totals["funded_cost"], lang)),
            ]
    money = totals.get("money")
    targets = ctx.result.plan.targets if ctx.result.plan is not None else None
    behind: list[dict[str, str]] = []
    if isinstance(targets, pd.DataFrame) and "status" in targets:
        label_col = next((c for c in (f"label_{lang}", "label", "label_vi") if c in targets), "id")
        for _, r in targets[targets["status"].astype(str) == "behind"].iterrows():
            behind.append({"id": str(r.get("id", "")), "label": str(r.get(label_col, "") or "")})
    return render_template(
        "first.html",
        t=lambda key: tr(key, lang),
        tracks=tracks,
        facts=facts,
        money=_money_table(money, ctx) if isinstance(money, pd.DataFrame) else None,
        behind=behind,
        links=_links(ctx) if links else [],
    )


def label_communes(row: Mapping[Any, Any], lang: Lang) -> dict[str, str]:
    """Return a commune of :func:`top_communes` with its priority-1 villages in words."""
    n, hh = fmt_num(row["villages"], lang), fmt_num(row["households"], lang)
    why = f"{n} {tr('p1_villages_short', lang)}, {hh} {tr('hh_unit', lang)}"
    return {"commune": str(row["commune"]), "why": why}
