"""Report sections on how far the results can be trusted: ranking stability and the model card.

Both read as tables and sentences for planners (Vietnamese by default, English with
``lang="en"``); the raw numbers stay in ``landslide_model.json`` and ``scoring.stability``.
Every text that comes from data is escaped; no wall-clock figure is shown (those are in
``run.json`` only, so the report is identical byte for byte across runs).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from geoplan.render.context import RenderContext
from geoplan.render.i18n import Lang, fmt_num, fmt_pct, tr
from geoplan.render.palette import LEVEL_COLOURS

__all__ = ["model_section", "p_top_label", "stability_by_track", "stability_section"]

_S: dict[str, tuple[str, str]] = {
    "stability": ("Độ ổn định của xếp hạng", "Ranking stability"),
    "stab_intro": (
        "Để kiểm tra xếp hạng phụ thuộc vào trọng số đến đâu, trọng số của các tiêu chí được rút "
        "ngẫu nhiên {draws} lần (mô phỏng Monte Carlo) theo phân phối Dirichlet quanh trọng số "
        "gốc, với độ tập trung c = {c} (c càng lớn, trọng số rút ra càng gần trọng số gốc); mỗi "
        "lần, các thôn được xếp hạng lại. Khoảng thứ hạng 5–95% chứa thứ hạng của thôn trong 90% "
        "số lần rút: khoảng càng hẹp, thứ hạng càng ít phụ thuộc vào trọng số.",
        "To test how much the ranking depends on the weights, the criteria weights were drawn "
        "{draws} times at random (Monte Carlo) from a Dirichlet distribution around the base "
        "weights, with concentration c = {c} (the larger c, the closer the drawn weights stay to "
        "the base weights), and the villages were ranked again each time. The 5–95% rank "
        "interval holds a village's rank in 90% of the draws: the narrower it is, the less the "
        "rank depends on the weights.",
    ),
    "stab_off": (
        "Phân tích độ ổn định không chạy (số lần rút = 0).",
        "The stability analysis did not run (0 draws).",
    ),
    "stab_track": ("Hướng ưu tiên", "Track"),
    "stab_ranked": ("Số thôn được xếp hạng", "Villages ranked"),
    "stab_width": (
        "Độ rộng trung vị của khoảng thứ hạng 5–95% (bậc)",
        "Median width of the 5–95% rank interval (places)",
    ),
    "stab_stable": (
        "Thôn thuộc nhóm {n} đầu ở ≥ 90% số lần rút",
        "Villages in the top {n} in ≥ 90% of draws",
    ),
    "stab_uncertain": (
        "Thôn chưa chắc thuộc nhóm {n} đầu (10–90% số lần rút)",
        "Villages whose top-{n} membership is uncertain (10–90% of draws)",
    ),
    "stab_approx": (
        "Khoảng thứ hạng được tính gần đúng (theo tần suất theo nhóm) cho: {tracks}.",
        "Rank intervals are approximate (binned counts) for: {tracks}.",
    ),
    "stab_see_top": (
        "Thứ hạng, khoảng thứ hạng 5–95% và xác suất thuộc nhóm đầu của từng thôn ưu tiên: "
        "xem các bảng ở mục",
        "Each top village's rank, 5–95% rank interval and probability of being in the top "
        "group: see the tables in",
    ),
    "top": ("Các thôn ưu tiên", "Top villages"),
    "p_top_n": ("Xác suất thuộc nhóm {n} đầu", "Probability of being in the top {n}"),
    "model": ("Mô hình nguy cơ sạt lở", "Landslide susceptibility model"),
    "no_model": (
        "Mô hình không chạy (thiếu DEM hoặc dữ liệu điểm sạt lở).",
        "The model did not run (no DEM or landslide inventory).",
    ),
    "model_intro": (
        "Mô hình ước tính xác suất sạt lở của từng ô từ các yếu tố địa hình, sông suối, đường và "
        "rừng, học từ các điểm sạt lở đã ghi nhận. ROC-AUC đo khả năng phân biệt nơi có và không "
        "có sạt lở (0,5 = đoán ngẫu nhiên, 1 = hoàn hảo). Kiểm định chéo theo không gian giữ lại "
        "cả một khối lãnh thổ để kiểm tra, nên phản ánh đúng hơn độ chính xác ở nơi chưa có dữ "
        "liệu; kiểm định chéo ngẫu nhiên thường cho kết quả lạc quan hơn.",
        "The model estimates the landslide probability of each cell from terrain, river, road "
        "and forest factors, learnt from the recorded landslides. ROC-AUC measures how well it "
        "separates places with and without landslides (0.5 = guessing, 1 = perfect). Spatial "
        "cross-validation holds out whole blocks of land for testing, so it tells better how "
        "accurate the model is where it has no data; random cross-validation usually looks "
        "more optimistic.",
    ),
    "key_figures": ("Các chỉ số chính", "Key figures"),
    "m_model": ("Mô hình", "Model"),
    "m_spatial": (
        "ROC-AUC, kiểm định chéo theo không gian",
        "ROC-AUC, spatial cross-validation",
    ),
    "m_random": ("ROC-AUC, kiểm định chéo ngẫu nhiên K phần", "ROC-AUC, random K-fold"),
    "m_optimism": (
        "Độ lạc quan (ngẫu nhiên − không gian)",
        "Optimism (random − spatial)",
    ),
    "m_truth": (
        "ROC-AUC so với nguy cơ thật đã biết (dữ liệu tổng hợp)",
        "ROC-AUC against the known truth (synthetic data)",
    ),
    "m_samples": ("Điểm sạt lở / điểm không sạt lở", "Presences / absences"),
    "m_samples_note": (
        "điểm không sạt lở cách điểm sạt lở ít nhất {buffer}",
        "absences at least {buffer} from a landslide",
    ),
    "m_blocks": ("Kích thước khối kiểm định", "Block size"),
    "m_blocks_note": ("{n} khối", "{n} blocks"),
    "m_folds": ("Số phần kiểm định chéo", "Cross-validation folds"),
    "m_seed": ("Hạt giống ngẫu nhiên (random_state)", "Random seed (random_state)"),
    "m_params": ("Tham số", "Parameters"),
    "m_disagreement": (
        "Diện tích mô hình lệch ≥ 2 cấp so với bản đồ chính thức",
        "Area where the model and the official map differ by ≥ 2 levels",
    ),
    "folds_title": ("ROC-AUC theo từng phần kiểm định", "ROC-AUC per fold"),
    "fold_n": ("Phần {n}", "Fold {n}"),
    "mean": ("Trung bình", "Mean"),
    "cv_spatial": ("Theo không gian", "Spatial"),
    "cv_random": ("Ngẫu nhiên", "Random"),
    "imp_title": ("Mức quan trọng của các yếu tố", "Factor importance"),
    "imp_note": (
        "Mức giảm ROC-AUC trung bình khi xáo trộn giá trị của yếu tố (hoán vị, 3 lần); càng "
        "lớn, mô hình càng dựa vào yếu tố đó.",
        "Mean fall of ROC-AUC when the factor's values are shuffled (permutation, 3 repeats); "
        "the larger, the more the model relies on the factor.",
    ),
    "factor": ("Yếu tố", "Factor"),
    "importance": ("Mức quan trọng", "Importance"),
    "classes_title": ("Các cấp nguy cơ theo mô hình", "Modelled hazard levels"),
    "classes_quantiles": (
        "Ngưỡng chia cấp theo phân vị (mỗi cấp khoảng 1/5 diện tích được mô hình hoá).",
        "Class breaks at quantiles (each level about a fifth of the modelled area).",
    ),
    "classes_natural_breaks": (
        "Ngưỡng chia cấp theo ngắt tự nhiên (Jenks).",
        "Class breaks at natural breaks (Jenks).",
    ),
    "prob_range": ("Khoảng xác suất", "Probability range"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "share": ("Tỷ lệ", "Share"),
    "raw_card": (
        "Thẻ mô hình đầy đủ (mọi tham số và số liệu, dạng JSON):",
        "The full model card (every parameter and figure, as JSON):",
    ),
    "model_logistic": ("Hồi quy logistic", "Logistic regression"),
    "model_random_forest": ("Rừng ngẫu nhiên", "Random forest"),
    "model_gradient_boosting": ("Tăng cường gradient", "Gradient boosting"),
}


def _s(key: str, lang: Lang, **values: Any) -> str:
    pair = _S.get(key)
    text = tr(key, lang) if pair is None else (pair[0] if lang == "vi" else pair[1])
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


def _table(head: list[str], rows: list[list[str]], *, cls: str = "") -> str:
    """Build a table from escaped headers and ready (escaped) cells; numbers right-aligned."""
    th = "".join(
        f"<th>{h}</th>" if j == 0 else f"<th class='n'>{h}</th>" for j, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{c}</td>" if j == 0 else f"<td class='n'>{c}</td>" for j, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    klass = f" class='{cls}'" if cls else ""
    return f"<table{klass}><tr>{th}</tr>{body}</table>"


def _span(values: list[float], lang: Lang, digits: int = 0) -> str:
    """One value, or the range ``min–max`` when the tracks used different settings."""
    lo, hi = min(values), max(values)
    if lo == hi:
        return fmt_num(lo, lang, digits)
    return f"{fmt_num(lo, lang, digits)}–{fmt_num(hi, lang, digits)}"


# --- ranking stability -------------------------------------------------------------------


def stability_by_track(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Return ``scoring.stability`` per track (tracks of the run first, others after, sorted)."""
    stab = getattr(getattr(ctx.result, "scoring", None), "stability", None)
    if not isinstance(stab, dict):
        return {}
    order = [t for t in ctx.tracks if isinstance(stab.get(t), dict)]
    order += sorted(str(k) for k, v in stab.items() if isinstance(v, dict) and k not in order)
    return {t: stab[t] for t in order}


def p_top_label(ctx: RenderContext, track: str) -> str:
    """Header of the top-``n`` probability column for ``track`` (escaped)."""
    n = _num(stability_by_track(ctx).get(track, {}).get("top_n"))
    if n is None:
        return escape(tr("p_top", ctx.lang))
    return escape(_s("p_top_n", ctx.lang, n=fmt_num(n, ctx.lang)))


def stability_section(ctx: RenderContext) -> str:
    """Return the "Ranking stability" section: what was done, and one row per track."""
    lang = ctx.lang
    out = [f"<h2 id='stability'>{escape(_s('stability', lang))}</h2>"]
    per_track = stability_by_track(ctx)
    ran = {t: s for t, s in per_track.items() if (_num(s.get("draws")) or 0) > 0}
    if not per_track:
        out.append(f"<p>{escape(tr('status_no_data', lang))}</p>")
        return "".join(out)
    if not ran:
        out.append(f"<p>{escape(_s('stab_off', lang))}</p>")
        return "".join(out)
    draws = [_num(s.get("draws")) or 0.0 for s in ran.values()]
    conc = [c for s in ran.values() if (c := _num(s.get("concentration"))) is not None]
    out.append(
        "<p>"
        + escape(
            _s(
                "stab_intro",
                lang,
                draws=_span(draws, lang),
                c=_span(conc, lang, 0 if all(float(c).is_integer() for c in conc) else 1)
                if conc
                else "–",
            )
        )
        + "</p>"
    )
    tops = {_num(s.get("top_n")) for s in ran.values()}
    n_head = fmt_num(next(iter(tops)), lang) if len(tops) == 1 else "N"
    head = [
        escape(_s("stab_track", lang)),
        escape(_s("stab_ranked", lang)),
        escape(_s("stab_width", lang)),
        escape(_s("stab_stable", lang, n=n_head)),
        escape(_s("stab_uncertain", lang, n=n_head)),
    ]
    rows = []
    for track, s in ran.items():
        n_note = "" if len(tops) == 1 else f" (N = {fmt_num(s.get('top_n'), lang)})"
        rows.append(
            [
                escape(ctx.track_title(track)),
                fmt_num(s.get("ranked"), lang),
                _fmt_places(_num(s.get("median_interval_width")), lang),
                fmt_num(s.get("stable_top"), lang) + escape(n_note),
                fmt_num(s.get("uncertain_top"), lang) + escape(n_note),
            ]
        )
    out.append(_table(head, rows, cls="gp-stability"))
    approx = [ctx.track_title(t) for t, s in ran.items() if s.get("exact") is False]
    if approx:
        out.append(
            f"<p class='muted'>{escape(_s('stab_approx', lang, tracks=', '.join(approx)))}</p>"
        )
    out.append(
        f"<p>{escape(_s('stab_see_top', lang))} <a href='#top'>{escape(_s('top', lang))}</a>.</p>"
    )
    return "".join(out)


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
    name = _s(f"model_{model}", lang) if f"model_{model}" in _S else model.replace("_", " ")
    estimator = str(card.get("estimator") or "")
    return f"{name} ({estimator})" if estimator else name


def _key_figures(card: dict[str, Any], lang: Lang) -> str:
    rows: list[tuple[str, str]] = [(_s("m_model", lang), escape(_model_name(card, lang)))]
    folds = _num(card.get("folds"))
    rows.append((_s("m_spatial", lang), _auc(card.get("spatial_cv_auc"), lang)))
    rows.append((_s("m_random", lang), _auc(card.get("random_cv_auc"), lang)))
    opt = _num(card.get("cv_optimism"))
    if opt is None:
        sp, rd = _num(card.get("spatial_cv_auc")), _num(card.get("random_cv_auc"))
        opt = rd - sp if sp is not None and rd is not None else None
    if opt is not None:
        rows.append((_s("m_optimism", lang), ("+" if opt > 0 else "") + fmt_num(opt, lang, 3)))
    if _num(card.get("truth_auc")) is not None:
        rows.append((_s("m_truth", lang), _auc(card.get("truth_auc"), lang)))
    pres, absn = _num(card.get("presences")), _num(card.get("absences"))
    if pres is None:
        pres = _num(card.get("n_presence"))
    if pres is not None or absn is not None:
        text = f"{fmt_num(pres, lang)} / {fmt_num(absn, lang)}"
        if _num(card.get("absence_buffer_m")) is not None:
            note = _s("m_samples_note", lang, buffer=_km(card.get("absence_buffer_m"), lang))
            text += f" <span class='muted'>({escape(note)})</span>"
        rows.append((_s("m_samples", lang), text))
    if _num(card.get("block_size_m")) is not None:
        text = escape(_km(card.get("block_size_m"), lang))
        if _num(card.get("blocks")) is not None:
            note = _s("m_blocks_note", lang, n=fmt_num(card.get("blocks"), lang))
            text += f" <span class='muted'>({escape(note)})</span>"
        rows.append((_s("m_blocks", lang), text))
    if folds is not None:
        rows.append((_s("m_folds", lang), fmt_num(folds, lang)))
    if card.get("random_state") is not None:
        rows.append((_s("m_seed", lang), escape(str(card.get("random_state")))))
    km2 = _num(card.get("disagreement_km2"))
    if km2 is not None:
        digits = 0 if km2 >= 100 else 1
        rows.append((_s("m_disagreement", lang), f"{fmt_num(km2, lang, digits)} km²"))
    params = card.get("parameters")
    if isinstance(params, dict) and params:
        text = ", ".join(f"{k} = {v}" for k, v in sorted(params.items(), key=lambda kv: str(kv[0])))
        rows.append((_s("m_params", lang), f"<code>{escape(text)}</code>"))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='gp-kv'>{body}</table>"


def _fold_table(card: dict[str, Any], lang: Lang) -> str:
    series: list[tuple[str, list[Any], Any]] = []
    for key, kind in (("spatial", "cv_spatial"), ("random", "cv_random")):
        folds = card.get(f"{key}_cv_fold_aucs")
        if isinstance(folds, (list, tuple)) and folds:
            series.append((_s(kind, lang), list(folds), card.get(f"{key}_cv_auc")))
    if not series:
        return ""
    k = max(len(f) for _, f, _ in series)
    head = ["", *(escape(_s("fold_n", lang, n=i + 1)) for i in range(k)), escape(_s("mean", lang))]
    rows = [
        [
            escape(name),
            *(_auc(f[i], lang) if i < len(f) else "–" for i in range(k)),
            f"<b>{_auc(mean, lang)}</b>",
        ]
        for name, f, mean in series
    ]
    return f"<h3>{escape(_s('folds_title', lang))}</h3>" + _table(head, rows)


def _importance_bars(card: dict[str, Any], lang: Lang) -> str:
    imp = card.get("importances")
    if not isinstance(imp, dict):
        return ""
    values = {str(k): _num(v) for k, v in imp.items()}
    items = sorted(
        ((k, v) for k, v in values.items() if v is not None), key=lambda kv: (-kv[1], kv[0])
    )
    if not items:
        return ""
    top = max(items[0][1], 1e-12)
    rows = []
    for name, value in items:
        width = max(0.0, value) / top * 100
        rows.append(
            f"<tr><td>{escape(_factor(name, lang))}</td>"
            f"<td class='bar'><span class='gp-bar' style='width:{width:.1f}%'></span></td>"
            f"<td class='n'>{fmt_num(value, lang, 3)}</td></tr>"
        )
    return (
        f"<h3>{escape(_s('imp_title', lang))}</h3>"
        f"<p class='muted'>{escape(_s('imp_note', lang))}</p>"
        f"<table class='gp-bars'><tr><th>{escape(_s('factor', lang))}</th><th></th>"
        f"<th>{escape(_s('importance', lang))}</th></tr>{''.join(rows)}</table>"
    )


def _class_table(card: dict[str, Any], lang: Lang) -> str:
    areas = card.get("class_areas_km2")
    breaks = [b for b in (card.get("class_breaks") or []) if _num(b) is not None]
    if not isinstance(areas, dict) and not breaks:
        return ""
    areas = areas if isinstance(areas, dict) else {}
    area = {int(k): _num(v) for k, v in areas.items() if str(k).isdigit()}
    levels = sorted(set(area) | set(range(1, len(breaks) + 2 if breaks else 1)))
    total = sum(a for a in area.values() if a is not None) or None
    digits = 0 if total is None or total >= 1000 else 1
    head = [
        escape(tr("level", lang)),
        escape(_s("prob_range", lang)),
        escape(_s("area_km2", lang)),
        escape(_s("share", lang)),
    ]
    cuts = [float(b) for b in breaks]
    rows = []
    for lv in levels:
        if cuts and 1 <= lv <= len(cuts) + 1:
            if lv == 1:
                rng = f"&lt; {_prob(cuts[0], lang)}"
            elif lv == len(cuts) + 1:
                rng = f"≥ {_prob(cuts[-1], lang)}"
            else:
                rng = f"{_prob(cuts[lv - 2], lang)} – {_prob(cuts[lv - 1], lang)}"
        else:
            rng = "–"
        a = area.get(lv)
        rows.append(
            [
                _swatch(LEVEL_COLOURS.get(lv)) + escape(f"{lv} – {tr(f'level_{lv}', lang)}"),
                rng,
                fmt_num(a, lang, digits),
                fmt_pct(a / total, lang) if a is not None and total else "–",
            ]
        )
    used = str(card.get("classes_used") or card.get("classes") or "")
    note = (
        f"<p class='muted'>{escape(_s(f'classes_{used}', lang))}</p>"
        if f"classes_{used}" in _S
        else ""
    )
    return f"<h3>{escape(_s('classes_title', lang))}</h3>{note}" + _table(head, rows)


def _swatch(colour: str | None) -> str:
    """Return a small square in the map's colour of a level (the same palette as the hazard map)."""
    if not colour:
        return ""
    return f"<span class='gp-swatch' style='background:{escape(colour)}'></span>"


def model_section(ctx: RenderContext, card: dict[str, Any] | None) -> str:
    """Return the model card section: key figures, AUC per fold, importances, levels."""
    lang = ctx.lang
    out = [f"<h2 id='model'>{escape(_s('model', lang))}</h2>"]
    if card is None:
        out.append(f"<p>{escape(_s('no_model', lang))}</p>")
        return "".join(out)
    out += [
        f"<p>{escape(_s('model_intro', lang))}</p>",
        f"<h3>{escape(_s('key_figures', lang))}</h3>",
        _key_figures(card, lang),
        _fold_table(card, lang),
        _importance_bars(card, lang),
        _class_table(card, lang),
        f"<p class='muted'>{escape(_s('raw_card', lang))} "
        "<a href='landslide_model.json'><code>landslide_model.json</code></a></p>",
    ]
    return "".join(out)
