"""The hazard map's panel: the model card in brief and exposed households by commune."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.i18n import Lang, fmt_num, tr
from geoplan.render.context import (
    RenderContext,
)
from geoplan.render.map_base import as_number, as_text
from geoplan.render.templating import html_table, num_cell, render_template, text_cell

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.hazard.model import SusceptibilityResult

__all__ = [
    "exposed_by_commune",
    "exposed_table_html",
    "model_summary_html",
    "susceptibility_of",
]


def susceptibility_of(ctx: RenderContext) -> SusceptibilityResult | None:
    """Return the susceptibility model's result, ``None`` when the model did not run."""
    return ctx.result.indicators.susceptibility


def model_summary_html(ctx: RenderContext, *, top: int = 3) -> str:
    """Return the model card in a few lines (escaped HTML), ``""`` when the model did not run.

    Spatial and random cross-validation AUC, the ``top`` factors by importance and
    the area where the official map and the model differ by two or more levels.
    """
    susc = susceptibility_of(ctx)
    if susc is None:
        return ""
    card = susc.model_card
    lang = ctx.lang
    rows: list[tuple[str, str]] = []
    for key in ("spatial_cv_auc", "random_cv_auc"):
        value = as_number(card.get(key))
        if value is not None:
            rows.append((tr(key, lang), fmt_num(value, lang, 3)))
    importances = card.get("importances")
    if isinstance(importances, dict):
        ranked = sorted(
            ((k, v) for k, v in importances.items() if as_number(v) is not None),
            key=lambda kv: (-float(kv[1]), str(kv[0])),
        )[:top]
        if ranked:
            text = ", ".join(
                f"{_factor_label(str(k), lang)} ({fmt_num(float(v), lang, 3)})" for k, v in ranked
            )
            rows.append((tr("top_factors", lang), text))
    km2 = as_number(card.get("disagreement_km2"))
    if km2 is not None:
        digits = 0 if km2 >= 100 else 1
        rows.append((tr("disagreement_km2", lang), f"{fmt_num(km2, lang, digits)} km²"))
    if not rows:
        return ""
    model = as_text(card.get("model"))
    head = tr("model_summary", lang) + (f" ({model.replace('_', ' ')})" if model else "")
    return str(render_template("model_summary.html", head=head, rows=rows))


def _factor_label(factor: str, lang: Lang) -> str:
    text = tr(f"factor_{factor}", lang)
    return factor.replace("_", " ") if text == f"factor_{factor}" else text


def exposed_by_commune(ctx: RenderContext) -> pd.DataFrame:
    """Households exposed per landslide level, summed by commune (most exposed first)."""
    v = ctx.villages
    cols = [f"hh_exposed_{i}" for i in range(1, 6)]
    if v.empty or "commune_code" not in v or not any(c in v for c in [*cols, "hh_exposed_high"]):
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            "commune_code": v["commune_code"].astype(str),
            "commune_name": v.get("commune_name", v["commune_code"]).astype(str),
            "district_name": v.get("district_name", pd.Series("", index=v.index)).astype(str),
        }
    )
    for c in [*cols, "hh_exposed_high"]:
        frame[c] = pd.to_numeric(v[c], errors="coerce") if c in v else np.nan
    frame["villages_exposed"] = (frame["hh_exposed_high"].fillna(0) > 0).astype(int)
    out = frame.groupby(
        ["commune_code", "commune_name", "district_name"], as_index=False, sort=True
    ).sum(min_count=1)
    out = out.sort_values(
        ["hh_exposed_high", "commune_code"], ascending=[False, True], na_position="last"
    )
    return out[out["hh_exposed_high"].fillna(0) > 0].reset_index(drop=True)


def exposed_table_html(table: pd.DataFrame, lang: Lang, *, limit: int | None = None) -> str:
    """Render :func:`exposed_by_commune` as a sortable escaped HTML table with a total row."""
    if table.empty:
        return str(render_template("paragraph.html", text=tr("exp_0", lang)))
    head = [
        tr("commune", lang),
        tr("district", lang),
        tr("villages_exposed", lang),
        tr("hh_exposed_high", lang),
    ]
    head += [f"{tr('level', lang)} {i}" for i in range(1, 6)]
    levels = [f"hh_exposed_{i}" for i in range(1, 6)]
    rows = table if limit is None else table.head(limit)
    body = [
        [
            text_cell(r["commune_name"]),
            text_cell(r["district_name"]),
            num_cell(r["villages_exposed"], lang),
            num_cell(r["hh_exposed_high"], lang),
            *(num_cell(r[c], lang) for c in levels),
        ]
        for _, r in rows.iterrows()
    ]
    total = table[[*levels, "hh_exposed_high", "villages_exposed"]].sum()
    last = [
        text_cell(tr("total", lang)),
        text_cell(""),
        num_cell(total["villages_exposed"], lang),
        num_cell(total["hh_exposed_high"], lang),
        *(num_cell(total[c], lang) for c in levels),
    ]
    return str(html_table(head, body, total=last))
