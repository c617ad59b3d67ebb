"""The planners' report, ``report.html``.

Scenario, data checks, weights and citations, top villages, stability, model card
and targets, in one self-contained page (every data text escaped).
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.render.context import RenderContext, criterion_labels, track_criteria
from geoplan.render.dashboard import district_frame, district_table, targets_frame, targets_table
from geoplan.render.i18n import fmt_num, fmt_pct, tr
from geoplan.render.plan_report import allocation_section, resettlement_section
from geoplan.render.report_analysis import model_section, p_top_label, stability_section

__all__ = ["report_html"]

_CSS = """
body { font: 14px/1.45 "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  margin: 0; color: #222; }
main { max-width: 1050px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin-bottom: 2px; }
h2 { font-size: 19px; border-bottom: 2px solid #3b6ea8; padding-bottom: 3px; margin-top: 30px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th.n { text-align: right; }
.gp-synthetic { display: inline-block; background: #b3261e; color: #fff; font-weight: 700;
  padding: 3px 10px; border-radius: 3px; }
.warning { color: #8a5300; } .error { color: #b3261e; } .muted { color: #666; }
.gp-targets td.ok { color: #1b7e2f; font-weight: 600; }
.gp-targets td.bad { color: #b3261e; font-weight: 600; }
img.map { max-width: 48%; border: 1px solid #ccc; margin: 4px; }
nav a { margin-right: 12px; }
table.gp-kv th { font-weight: 600; max-width: 420px; }
table.gp-bars td.bar { width: 340px; }
.gp-bar { display: inline-block; height: 12px; background: #3b6ea8; border-radius: 2px;
  vertical-align: middle; }
table.gp-stability th { max-width: 190px; }
.gp-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  border: 1px solid #999; vertical-align: -1px; }
"""

_T = {
    "scenario": ("Kịch bản", "Scenario"),
    "data": ("Dữ liệu và kiểm tra", "Data and validation"),
    "weights": ("Tiêu chí, trọng số và căn cứ", "Criteria, weights and citations"),
    "top": ("Các thôn ưu tiên", "Top villages"),
    "stability": ("Độ ổn định của xếp hạng", "Ranking stability"),
    "model": ("Mô hình nguy cơ sạt lở", "Landslide susceptibility model"),
    "maps": ("Bản đồ in", "Printed maps"),
    "criterion": ("Tiêu chí", "Criterion"),
    "weight": ("Trọng số", "Weight"),
    "cites": ("Căn cứ Nghị quyết", "Resolution citations"),
    "method": ("Phương pháp", "Method"),
    "layer": ("Lớp", "Layer"),
    "rows": ("Số đối tượng", "Features"),
    "issues": ("Phát hiện khi kiểm tra", "Validation findings"),
    "severity": ("Mức", "Severity"),
    "where": ("Vị trí", "Where"),
    "message": ("Nội dung", "Message"),
    "no_issues": ("Không có phát hiện nào.", "No findings."),
    "timings_note": (
        "Thời gian chạy từng bước được ghi trong run.json (chỉ tệp này thay đổi giữa các lần "
        "chạy cùng dữ liệu).",
        "The run time of each step is recorded in run.json (the only file that changes between "
        "runs on the same data).",
    ),
    "eligible": ("Số thôn thuộc diện xét", "Eligible villages"),
}


def _t(key: str, lang: str) -> str:
    pair = _T.get(key)
    if pair is None:
        return tr(key, lang)  # type: ignore[arg-type]
    return pair[0] if lang == "vi" else pair[1]


def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    for attr in ("to_dict", "model_dump"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            try:
                return _jsonable(fn())
            except TypeError:
                continue
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return _jsonable(asdict(obj))
    if hasattr(obj, "item"):
        try:
            return obj.item()
        except (ValueError, AttributeError):
            pass
    if hasattr(obj, "__dict__"):
        return {k: _jsonable(v) for k, v in vars(obj).items() if not k.startswith("_")}
    return str(obj)


#: Wall-clock entries of the model card: they go to run.json, never into other outputs.
_CARD_TIMINGS = "timings_s"


def _raw_card(result: Any) -> dict[str, Any] | None:
    susc = getattr(getattr(result, "indicators", None), "susceptibility", None)
    card = getattr(susc, "model_card", None) if susc is not None else None
    if card is None:
        return None
    out = _jsonable(card)
    return out if isinstance(out, dict) else {"model_card": out}


def model_card(result: Any) -> dict[str, Any] | None:
    """Return the susceptibility model card as a JSON-friendly dict, or ``None``.

    The card's wall-clock ``timings_s`` are left out (see :func:`model_timings`), so
    ``landslide_model.json`` and the report are identical byte for byte across runs.
    """
    card = _raw_card(result)
    if card is None:
        return None
    return {k: v for k, v in card.items() if k != _CARD_TIMINGS}


def model_timings(result: Any) -> dict[str, Any] | None:
    """Return the model card's ``timings_s`` (seconds per step), for ``run.json`` only."""
    card = _raw_card(result)
    timings = card.get(_CARD_TIMINGS) if card is not None else None
    return timings if isinstance(timings, dict) and timings else None


def _kv_table(pairs: list[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in pairs)
    return f"<table>{rows}</table>"


def _scenario_section(ctx: RenderContext) -> str:
    sc = getattr(ctx.result, "scenario", None)
    pairs = [
        ("name", getattr(sc, "name", "")),
        ("title", getattr(sc, "title", "")),
        ("CRS", getattr(sc, "crs", "")),
        ("source", getattr(sc, "source", "") or ""),
    ]
    desc = getattr(sc, "description", "") or ""
    inputs = getattr(ctx.result, "inputs", {}) or {}
    rows = "".join(
        f"<tr><td>{escape(str(p))}</td><td><code>{escape(str(h))[:16]}…</code></td></tr>"
        for p, h in sorted(inputs.items())
    )
    # no run times here: they change from run to run and live in run.json only
    return (
        f"<h2 id='scenario'>{escape(_t('scenario', ctx.lang))}</h2><p>{escape(desc)}"
        f"</p>{_kv_table(pairs)}"
        + (f"<table><tr><th>file</th><th>sha256</th></tr>{rows}</table>" if rows else "")
        + f"<p class='muted'>{escape(_t('timings_note', ctx.lang))}</p>"
    )


def _data_section(ctx: RenderContext) -> str:
    lang = ctx.lang
    layers = getattr(ctx.result, "layers", None)
    rows = []
    for name in (
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
    ):
        layer = getattr(layers, name, None)
        if layer is not None and hasattr(layer, "__len__"):
            rows.append(
                f"<tr><td>{escape(name)}</td><td class='n'>{fmt_num(len(layer), lang)}</td></tr>"
            )
    dem = getattr(layers, "dem", None)
    if dem is not None:
        shape = getattr(getattr(dem, "array", None), "shape", ("?", "?"))
        rows.append(
            f"<tr><td>dem</td><td class='n'>{escape(' × '.join(str(s) for s in shape[-2:]))}</td>"
            "</tr>"
        )
    issues = list(getattr(getattr(layers, "report", None), "issues", []) or [])
    issues += list(getattr(getattr(ctx.result, "scoring", None), "issues", []) or [])
    out = [
        f"<h2 id='data'>{escape(_t('data', lang))}</h2>",
        f"<table><tr><th>{escape(_t('layer', lang))}</th><th>{escape(_t('rows', lang))}</th>"
        f"</tr>{''.join(rows)}"
        "</table>",
        f"<h3>{escape(_t('issues', lang))}</h3>",
    ]
    if not issues:
        out.append(f"<p>{escape(_t('no_issues', lang))}</p>")
    else:
        out.append(
            f"<table><tr><th>{escape(_t('severity', lang))}</th><th>{escape(_t('where', lang))}"
            "</th>"
            f"<th>{escape(_t('message', lang))}</th></tr>"
        )
        for issue in issues[:500]:
            sev = str(getattr(issue, "severity", ""))
            where_fn = getattr(issue, "location", None)
            where = (
                where_fn()
                if callable(where_fn)
                else ", ".join(
                    str(x)
                    for x in (
                        getattr(issue, "file", None),
                        getattr(issue, "layer", None),
                        getattr(issue, "field", None),
                    )
                    if x
                )
            )
            out.append(
                f"<tr class='{escape(sev)}'><td>{escape(sev)}</td><td>{escape(str(where))}</td>"
                f"<td>{escape(str(getattr(issue, 'message', issue)))}</td></tr>"
            )
        out.append("</table>")
        if len(issues) > 500:
            out.append(f"<p class='muted'>… {len(issues) - 500}</p>")
    return "".join(out)


def _weights_section(ctx: RenderContext) -> str:
    lang = ctx.lang
    labels = criterion_labels(lang)
    tracks = (
        getattr(getattr(getattr(ctx.result, "scenario", None), "scoring", None), "tracks", {}) or {}
    )
    out = [f"<h2 id='weights'>{escape(_t('weights', lang))}</h2>"]
    for track in ctx.tracks:
        spec = tracks.get(track) if isinstance(tracks, dict) else None
        crit = list(getattr(spec, "criteria", []) or [])
        total = sum(float(getattr(c, "weight", 0) or 0) for c in crit) or 1.0
        out.append(f"<h3>{escape(ctx.track_title(track))}</h3>")
        cites = ", ".join(getattr(spec, "cites", []) or [])
        method = getattr(spec, "method", "")
        out.append(
            f"<p class='muted'>{escape(_t('method', lang))}: {escape(str(method))}"
            + (f" · {escape(_t('cites', lang))}: {escape(cites)}" if cites else "")
            + "</p>"
        )
        if crit:
            out.append(
                f"<table><tr><th>{escape(_t('criterion', lang))}</th><th>id</th>"
                f"<th>{escape(_t('weight', lang))}</th><th>{escape(_t('cites', lang))}</th></tr>"
            )
            for c in crit:
                cid = str(getattr(c, "id", ""))
                out.append(
                    f"<tr><td>{escape(labels.get(cid, cid))}</td><td><code>{escape(cid)}</code>"
                    "</td>"
                    f"<td class='n'>{fmt_pct(float(getattr(c, 'weight', 0) or 0) / total, lang)}"
                    "</td>"
                    f"<td>{escape(', '.join(getattr(c, 'cites', []) or []))}</td></tr>"
                )
            out.append("</table>")
    return "".join(out)


def _top_section(ctx: RenderContext, top_n: int) -> str:
    lang = ctx.lang
    v = ctx.villages
    out = [f"<h2 id='top'>{escape(_t('top', lang))}</h2>"]
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
        out.append(
            f"<h3>{escape(ctx.track_title(track))}</h3><p"
            f" class='muted'>{escape(_t('eligible', lang))}: "
            f"{fmt_num(eligible, lang)} / {fmt_num(len(v), lang)}</p>"
        )
        has_p_top = f"{track}_p_top" in v
        out.append(
            f"<table><tr><th>{escape(tr('rank', lang))}</th><th>{escape(tr('village', lang))}</th>"
            f"<th>{escape(tr('commune', lang))}</th><th>{escape(tr('district', lang))}</th>"
            f"<th>{escape(tr('score', lang))}</th><th>{escape(tr('class', lang))}</th>"
            f"<th>{escape(tr('rank_interval', lang))}</th>"
            + (f"<th>{p_top_label(ctx, track)}</th>" if has_p_top else "")
            + f"<th>{escape(tr('reason', lang))}</th></tr>"
        )
        reason_col = (
            f"{track}_reason_vi"
            if lang == "vi" and f"{track}_reason_vi" in v
            else f"{track}_reason"
        )
        for _, r in ranked.iterrows():
            lo, hi = r.get(f"{track}_rank_p05"), r.get(f"{track}_rank_p95")
            interval = (
                f"{fmt_num(lo, lang)}–{fmt_num(hi, lang)}" if pd.notna(lo) and pd.notna(hi) else "–"
            )
            out.append(
                f"<tr><td class='n'>{fmt_num(r[f'{track}_rank'], lang)}</td>"
                f"<td>{escape(str(r.get('village_name', r.get('village_id', ''))))}</td>"
                f"<td>{escape(str(r.get('commune_name', '')))}</td>"
                f"<td>{escape(str(r.get('district_name', '')))}</td>"
                f"<td class='n'>{fmt_num(r.get(f'{track}_score'), lang, 3)}</td>"
                f"<td class='n'>{fmt_num(r.get(f'{track}_class'), lang)}</td><td"
                f" class='n'>{interval}</td>"
                + (
                    f"<td class='n'>{fmt_pct(r.get(f'{track}_p_top'), lang, 0)}</td>"
                    if has_p_top
                    else ""
                )
                + f"<td>{escape(str(r.get(reason_col, '') or ''))}</td></tr>"
            )
        out.append("</table>")
        crits = track_criteria(ctx.result, track, v)
        if crits and len(ranked):
            labels = criterion_labels(lang)
            means = [
                (
                    labels.get(c, c),
                    float(pd.to_numeric(ranked[f"{track}_contrib_{c}"], errors="coerce").mean()),
                )
                for c in crits
            ]
            out.append(
                "<p class='muted'>"
                + escape(tr("contributions", lang))
                + " (top): "
                + escape("; ".join(f"{n} {fmt_pct(m, lang, 0)}" for n, m in means))
                + "</p>"
            )
    return "".join(out)


def report_html(ctx: RenderContext, pngs: list[Path], *, top_n: int = 20) -> str:
    """Return the whole report page.

    Parameters
    ----------
    ctx
        Prepared render inputs.
    pngs
        Static maps to embed (as ``data:`` URIs, so the report is one file).
    top_n
        Villages listed per track.
    """
    lang = ctx.lang
    title = f"{tr('report_title', lang)}: {ctx.title}"
    imgs = "".join(
        f"<img class='map' alt='{escape(p.stem)}' src='data:image/png;base64,"
        f"{base64.b64encode(p.read_bytes()).decode('ascii')}'>"
        for p in pngs
        if p.exists()
    )
    resettlement = resettlement_section(ctx)
    allocation = allocation_section(ctx, top_n=top_n)
    nav = (
        "".join(
            f"<a href='#{k}'>{escape(_t(k, lang))}</a>"
            for k in ("scenario", "data", "weights", "top", "stability", "model")
        )
        + f"<a href='#targets'>{escape(tr('targets', lang))}</a>"
        + (
            f"<a href='#resettlement'>{escape(tr('resettlement', lang))}</a>"
            if resettlement
            else ""
        )
        + (f"<a href='#allocation'>{escape(tr('allocation', lang))}</a>" if allocation else "")
    )
    parts = [
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='gp-synthetic'>{escape(tr('synthetic', lang))}</p>" if ctx.synthetic else "",
        f"<p>{escape(tr('structure_' + ctx.admin_structure, lang))}</p>",
        f"<nav>{nav}</nav>",
        _scenario_section(ctx),
        _data_section(ctx),
    ]
    districts = district_frame(ctx)
    if not districts.empty:
        parts.append(
            f"<h3>{escape(tr('district_summary', lang))}</h3>{district_table(districts, lang)}"
        )
    parts += [
        _weights_section(ctx),
        _top_section(ctx, top_n),
        stability_section(ctx),
        model_section(ctx, model_card(ctx.result)),
        f"<h2 id='targets'>{escape(tr('targets', lang))}"
        f"</h2>{targets_table(targets_frame(ctx), lang)}",
        resettlement,
        allocation,
        f"<h2 id='maps'>{escape(_t('maps', lang))}</h2>{imgs}" if imgs else "",
        f"<p class='muted'>{escape(tr('generated_by', lang))}</p></main></body></html>",
    ]
    return "\n".join(p for p in parts if p)
