"""Report sections on how far the results can be trusted: ranking stability and the model card.

Both read as tables and sentences for planners (Vietnamese by default, English with
``lang="en"``); the raw numbers stay in ``landslide_model.json`` and ``scoring.stability``.
The HTML comes from Jinja2 templates (``templates/report_stability.html``,
``report_model.html``) with autoescaping on; no wall-clock figure is shown (those are in
``run.json`` only, so the report is identical byte for byte across runs).
"""

from __future__ import annotations

import math
from typing import Any

from geoplan.i18n import Lang, fmt_num, fmt_pct, has_label, tr
from geoplan.render.context import RenderContext
from geoplan.render.palette import LEVEL_COLOURS
from geoplan.render.templating import Markup, render_template

__all__ = ["model_section", "p_top_label", "stability_by_track", "stability_section"]


def _s(key: str, lang: Lang, **values: Any) -> str:
    text = tr(key, lang, "analysis")
    return text.format(**values) if values else text


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _fmt_places(x: float | None, lang: Lang) -> str:
    """Format a count or a median of counts: no decimals unless it has a half."""
    if x is None:
        return "–"
    return fmt_num(x, lang, 0 if float(x).is_integer() else 1)


def _table(head: list[str], rows: list[list[str]], *, cls: str = "") -> Markup:
    """Return a table (``templates/simple_table.html``) with numbers right-aligned."""
    numeric = set(range(1, len(head)))
    return render_template("simple_table.html", head=head, rows=rows, cls=cls, numeric=numeric)


def _span(values: list[float], lang: Lang, digits: int = 0) -> str:
    """One value, or the range ``min–max`` when the tracks used different settings."""
    lo, hi = min(values), max(values)
    if lo == hi:
        return fmt_num(lo, lang, digits)
    return f"{fmt_num(lo, lang, digits)}–{fmt_num(hi, lang, digits)}"


# --- ranking stability -------------------------------------------------------------------


def stability_by_track(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Return ``scoring.stability`` per track (tracks of the run first, others after, sorted)."""
    stab = ctx.result.scoring.stability
    if not isinstance(stab, dict):
        return {}
    order = [t for t in ctx.tracks if isinstance(stab.get(t), dict)]
    order += sorted(str(k) for k, v in stab.items() if isinstance(v, dict) and k not in order)
    return {t: stab[t] for t in order}


def p_top_label(ctx: RenderContext, track: str) -> str:
    """Header of the top-``n`` probability column for ``track`` (plain text)."""
    n = _num(stability_by_track(ctx).get(track, {}).get("top_n"))
    if n is None:
        return tr("p_top", ctx.lang)
    return _s("p_top_n", ctx.lang, n=fmt_num(n, ctx.lang))


def stability_section(ctx: RenderContext) -> Markup:
    """Return the "Ranking stability" section: what was done, and one row per track."""
    lang = ctx.lang
    title = _s("stability", lang)
    per_track = stability_by_track(ctx)
    ran = {t: s for t, s in per_track.items() if (_num(s.get("draws")) or 0) > 0}
    if not per_track or not ran:
        message = tr("status_no_data", lang) if not per_track else _s("stab_off", lang)
        return render_template("report_stability.html", title=title, message=message)
    draws = [_num(s.get("draws")) or 0.0 for s in ran.values()]
    conc = [c for s in ran.values() if (c := _num(s.get("concentration"))) is not None]
    c_text = (
        _span(conc, lang, 0 if all(float(c).is_integer() for c in conc) else 1) if conc else "–"
    )
    tops = {_num(s.get("top_n")) for s in ran.values()}
    n_head = fmt_num(next(iter(tops)), lang) if len(tops) == 1 else "N"
    head = [
        _s("stab_track", lang),
        _s("stab_ranked", lang),
        _s("stab_width", lang),
        _s("stab_stable", lang, n=n_head),
        _s("stab_uncertain", lang, n=n_head),
    ]
    rows = []
    for track, s in ran.items():
        n_note = "" if len(tops) == 1 else f" (N = {fmt_num(s.get('top_n'), lang)})"
        rows.append(
            [
                ctx.track_title(track),
                fmt_num(s.get("ranked"), lang),
                _fmt_places(_num(s.get("median_interval_width")), lang),
                fmt_num(s.get("stable_top"), lang) + n_note,
                fmt_num(s.get("uncertain_top"), lang) + n_note,
            ]
        )
    approx = [ctx.track_title(t) for t, s in ran.items() if s.get("exact") is False]
    return render_template(
        "report_stability.html",
        title=title,
        message="",
        intro=_s("stab_intro", lang, draws=_span(draws, lang), c=c_text),
        table=_table(head, rows, cls="gp-stability"),
        approx=_s("stab_approx", lang, tracks=", ".join(approx)) if approx else "",
        see_top=_s("stab_see_top", lang),
        top=_s("top", lang),
    )


# --- model card ---------------------------------------------------------------------------


def _factor(name: str, lang: Lang) -> str:
    text = tr(f"factor_{name}", lang)
    return name.replace("_", " ") if text == f"factor_{name}" else text


def _auc(value: Any, lang: Lang) -> str:
    return fmt_num(_num(value), lang, 3)


def _km(metres: Any, lang: Lang) -> str:
    m = _num(metres)
    if m is None:
        return "–"
    if m >= 1000:
        km = m / 1000
        return f"{fmt_num(km, lang, 0 if km.is_integer() else 1)} km"
    return f"{fmt_num(m, lang)} m"


def _prob(x: float, lang: Lang) -> str:
    """Format a probability with two significant figures (breaks span 10⁻⁴ … 1)."""
    if x <= 0:
        return fmt_num(0, lang)
    digits = min(6, max(2, 1 - math.floor(math.log10(x))))
    return fmt_num(x, lang, digits)


def _model_name(card: dict[str, Any], lang: Lang) -> str:
    model = str(card.get("model") or "")
    name = (
        _s(f"model_{model}", lang)
        if has_label(f"model_{model}", "analysis")
        else model.replace("_", " ")
    )
    estimator = str(card.get("estimator") or "")
    return f"{name} ({estimator})" if estimator else name


def _key_figures(card: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """Rows of the key-figures table: label, value, an optional note, code or not."""

    def row(label: str, value: str, note: str = "", code: bool = False) -> dict[str, Any]:
        return {"label": _s(label, lang), "value": value, "note": note, "code": code}

    rows = [row("m_model", _model_name(card, lang))]
    folds = _num(card.get("folds"))
    rows.append(row("m_spatial", _auc(card.get("spatial_cv_auc"), lang)))
    rows.append(row("m_random", _auc(card.get("random_cv_auc"), lang)))
    opt = _num(card.get("cv_optimism"))
    if opt is None:
        sp, rd = _num(card.get("spatial_cv_auc")), _num(card.get("random_cv_auc"))
        opt = rd - sp if sp is not None and rd is not None else None
    if opt is not None:
        rows.append(row("m_optimism", ("+" if opt > 0 else "") + fmt_num(opt, lang, 3)))
    if _num(card.get("truth_auc")) is not None:
        rows.append(row("m_truth", _auc(card.get("truth_auc"), lang)))
    pres, absn = _num(card.get("presences")), _num(card.get("absences"))
    if pres is None:
        pres = _num(card.get("n_presence"))
    if pres is not None or absn is not None:
        note = ""
        if _num(card.get("absence_buffer_m")) is not None:
            note = _s("m_samples_note", lang, buffer=_km(card.get("absence_buffer_m"), lang))
        rows.append(row("m_samples", f"{fmt_num(pres, lang)} / {fmt_num(absn, lang)}", note))
    if _num(card.get("block_size_m")) is not None:
        note = ""
        if _num(card.get("blocks")) is not None:
            note = _s("m_blocks_note", lang, n=fmt_num(card.get("blocks"), lang))
        rows.append(row("m_blocks", _km(card.get("block_size_m"), lang), note))
    if folds is not None:
        rows.append(row("m_folds", fmt_num(folds, lang)))
    if card.get("random_state") is not None:
        rows.append(row("m_seed", str(card.get("random_state"))))
    km2 = _num(card.get("disagreement_km2"))
    if km2 is not None:
        digits = 0 if km2 >= 100 else 1
        rows.append(row("m_disagreement", f"{fmt_num(km2, lang, digits)} km²"))
    params = card.get("parameters")
    if isinstance(params, dict) and params:
        text = ", ".join(f"{k} = {v}" for k, v in sorted(params.items(), key=lambda kv: str(kv[0])))
        rows.append(row("m_params", text, code=True))
    return rows


def _fold_table(card: dict[str, Any], lang: Lang) -> dict[str, Any] | None:
    """Head and rows (name, AUC per fold, mean) of the per-fold table, or ``None``."""
    series: list[tuple[str, list[Any], Any]] = []
    for key, kind in (("spatial", "cv_spatial"), ("random", "cv_random")):
        folds = card.get(f"{key}_cv_fold_aucs")
        if isinstance(folds, (list, tuple)) and folds:
            series.append((_s(kind, lang), list(folds), card.get(f"{key}_cv_auc")))
    if not series:
        return None
    k = max(len(f) for _, f, _ in series)
    head = [*(_s("fold_n", lang, n=i + 1) for i in range(k)), _s("mean", lang)]
    rows = [
        (name, [_auc(f[i], lang) if i < len(f) else "–" for i in range(k)], _auc(mean, lang))
        for name, f, mean in series
    ]
    return {"head": head, "rows": rows}


def _importance_bars(card: dict[str, Any], lang: Lang) -> list[tuple[str, str, str]]:
    """(factor, bar width in %, importance) per factor, the most important first."""
    imp = card.get("importances")
    if not isinstance(imp, dict):
        return []
    values = {str(k): _num(v) for k, v in imp.items()}
    items = sorted(
        ((k, v) for k, v in values.items() if v is not None), key=lambda kv: (-kv[1], kv[0])
    )
    if not items:
        return []
    top = max(items[0][1], 1e-12)
    return [
        (_factor(name, lang), f"{max(0.0, value) / top * 100:.1f}", fmt_num(value, lang, 3))
        for name, value in items
    ]


def _class_table(card: dict[str, Any], lang: Lang) -> dict[str, Any] | None:
    """Head, rows and note of the modelled-levels table, or ``None``."""
    areas = card.get("class_areas_km2")
    breaks = [b for b in (card.get("class_breaks") or []) if _num(b) is not None]
    if not isinstance(areas, dict) and not breaks:
        return None
    areas = areas if isinstance(areas, dict) else {}
    area = {int(k): _num(v) for k, v in areas.items() if str(k).isdigit()}
    levels = sorted(set(area) | set(range(1, len(breaks) + 2 if breaks else 1)))
    total = sum(a for a in area.values() if a is not None) or None
    digits = 0 if total is None or total >= 1000 else 1
    head = [tr("level", lang), _s("prob_range", lang), _s("area_km2", lang), _s("share", lang)]
    cuts = [float(b) for b in breaks]
    rows = []
    for lv in levels:
        if cuts and 1 <= lv <= len(cuts) + 1:
            if lv == 1:
                rng = f"< {_prob(cuts[0], lang)}"
            elif lv == len(cuts) + 1:
                rng = f"≥ {_prob(cuts[-1], lang)}"
            else:
                rng = f"{_prob(cuts[lv - 2], lang)} – {_prob(cuts[lv - 1], lang)}"
        else:
            rng = "–"
        a = area.get(lv)
        rows.append(
            {
                # the map's colour of the level (the same palette as the hazard map)
                "colour": LEVEL_COLOURS.get(lv) or "",
                "level": f"{lv} – {tr(f'level_{lv}', lang)}",
                "range": rng,
                "area": fmt_num(a, lang, digits),
                "share": fmt_pct(a / total, lang) if a is not None and total else "–",
            }
        )
    used = str(card.get("classes_used") or card.get("classes") or "")
    note = _s(f"classes_{used}", lang) if has_label(f"classes_{used}", "analysis") else ""
    return {"head": head, "rows": rows, "note": note}


_MODEL_TEXTS = (
    "model", "model_intro", "key_figures", "folds_title", "imp_title", "imp_note", "factor",
    "importance", "classes_title", "raw_card",
)  # fmt: skip


def model_section(ctx: RenderContext, card: dict[str, Any] | None) -> Markup:
    """Return the model card section: key figures, AUC per fold, importances, levels."""
    lang = ctx.lang
    s = {key: _s(key, lang) for key in _MODEL_TEXTS}
    if card is None:
        return render_template("report_model.html", s=s, message=_s("no_model", lang))
    return render_template(
        "report_model.html",
        s=s,
        message="",
        key_figures=_key_figures(card, lang),
        folds=_fold_table(card, lang),
        importances=_importance_bars(card, lang),
        classes=_class_table(card, lang),
    )
