"""The planners' report, ``report.html``.

A one-screen summary (what was ranked, what to do first, the plan in totals, late targets),
then data checks, weights and citations, top villages, stability, model card,
and targets, in one self-contained page (every data text escaped).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoplan.i18n import fmt_num, label, tr
from geoplan.render.context import RenderContext
from geoplan.render.dashboard import (
    admin_structure,
    district_frame,
    district_table,
    targets_frame,
    targets_table,
)
from geoplan.render.plan_report import allocation_section, resettlement_section
from geoplan.render.priorities import first_html
from geoplan.render.report_analysis import model_section, stability_section
from geoplan.render.report_sections import (
    data_section,
    imputed_section,
    section_text,
    top_section,
    weights_section,
)
from geoplan.render.templating import Markup, render_template

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    from geoplan.pipeline import PlanResult

__all__ = ["relative_path", "report_html", "scenario_description"]


def _t(key: str, lang: str) -> str:
    return section_text(key, lang)  # type: ignore[arg-type]


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


def _raw_card(result: PlanResult) -> dict[str, Any] | None:
    susc = result.indicators.susceptibility
    if susc is None:
        return None
    out = _jsonable(susc.model_card)
    return out if isinstance(out, dict) else {"model_card": out}


def model_card(result: PlanResult) -> dict[str, Any] | None:
    """Return the susceptibility model card as a JSON-friendly dict, or ``None``.

    The card's wall-clock ``timings_s`` are left out (see :func:`model_timings`), so
    ``landslide_model.json`` and the report are identical byte for byte across runs.
    """
    card = _raw_card(result)
    if card is None:
        return None
    return {k: v for k, v in card.items() if k != _CARD_TIMINGS}


def model_timings(result: PlanResult) -> dict[str, Any] | None:
    """Return the model card's ``timings_s`` (seconds per step), for ``run.json`` only."""
    card = _raw_card(result)
    timings = card.get(_CARD_TIMINGS) if card is not None else None
    return timings if isinstance(timings, dict) and timings else None


def scenario_description(ctx: RenderContext) -> str:
    """Return the scenario's description in the report's language (English falls back)."""
    sc = ctx.result.scenario
    english = sc.description_en if ctx.lang == "en" else ""
    return str(english or sc.description or "")


def relative_path(path: str | Path, scenario_file: str | Path | None) -> str:
    """Return ``path`` relative to the scenario's folder (POSIX), never an absolute path.

    A path on another drive, or with no scenario file, is shown by its file name only,
    so no temporary or site-packages folder reaches the report.
    """
    p = Path(path)
    if scenario_file:
        try:
            return Path(os.path.relpath(p, Path(scenario_file).parent)).as_posix()
        except ValueError:
            pass
    return p.name


def _provenance_section(ctx: RenderContext) -> Markup:
    sc = ctx.result.scenario
    source = sc.source or None
    title = (sc.title_en if ctx.lang == "en" else "") or sc.title
    pairs = [
        (tr("scenario_name", ctx.lang), sc.name),
        (tr("scenario_title", ctx.lang), title),
        ("CRS", sc.crs),
        (tr("scenario_file", ctx.lang), Path(source).name if source else ""),
    ]
    inputs = ctx.result.inputs
    files = [(relative_path(p, source), f"{str(h)[:16]}…") for p, h in sorted(inputs.items())]
    # no run times here: they change from run to run and live in run.json only
    return render_template(
        "report_provenance.html",
        title=tr("provenance", ctx.lang),
        pairs=pairs,
        files=files,
        file_head=tr("input_file", ctx.lang),
        note=_t("timings_note", ctx.lang),
    )


def _summary_section(ctx: RenderContext) -> Markup:
    lang = ctx.lang
    v = ctx.villages
    communes = v["commune_code"].nunique() if "commune_code" in v else len(ctx.communes)
    ranked = label(
        "ranked_sentence",
        lang,
        villages=fmt_num(len(v), lang),
        communes=fmt_num(communes, lang),
        tracks=", ".join(ctx.track_title(t) for t in ctx.tracks),
    )
    return render_template(
        "report_summary.html",
        title=tr("summary", lang),
        description=scenario_description(ctx),
        ranked_head=tr("ranked_what", lang),
        ranked=ranked,
        first=first_html(ctx, links=False, n_villages=3),
    )


def report_html(ctx: RenderContext, pngs: list[Path], *, top_n: int = 20) -> str:
    """Return the whole report page: a one-screen summary, the details, provenance last.

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
    resettlement = resettlement_section(ctx)
    allocation = allocation_section(ctx, top_n=top_n)
    districts = district_frame(ctx)
    images = [
        (p.stem, "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii"))
        for p in pngs
        if p.exists()
    ]
    # (anchor, title, html) in page order; sections without content are left out
    sections: list[tuple[str, str, Markup]] = [
        ("summary", _t("summary", lang), _summary_section(ctx)),
        ("data", section_text("data", lang), data_section(ctx)),
    ]
    if not districts.empty:
        table = Markup(district_table(districts, lang))
        sections.append(
            (
                "",
                "",
                render_template("report_h3.html", title=tr("district_summary", lang), body=table),
            )
        )
    sections += [
        ("weights", section_text("weights", lang), weights_section(ctx)),
        ("top", section_text("top", lang), top_section(ctx, top_n)),
        ("stability", _t("stability", lang), Markup(stability_section(ctx))),
        ("model", _t("model", lang), Markup(model_section(ctx, model_card(ctx.result)))),
        (
            "targets",
            tr("targets", lang),
            render_template(
                "report_h2.html",
                anchor="targets",
                title=tr("targets", lang),
                body=Markup(targets_table(targets_frame(ctx), lang)),
            ),
        ),
    ]
    imputed = imputed_section(ctx)
    if imputed:
        title = section_text("imputed", lang)
        body = render_template("report_h2.html", anchor="imputed", title=title, body=imputed)
        sections.append(("imputed", title, body))
    if resettlement:
        sections.append(("resettlement", tr("resettlement", lang), Markup(resettlement)))
    if allocation:
        sections.append(("allocation", tr("allocation", lang), Markup(allocation)))
    if images:
        maps = render_template("report_maps.html", title=_t("maps", lang), images=images)
        sections.append(("maps", _t("maps", lang), maps))
    sections.append(("provenance", tr("provenance", lang), _provenance_section(ctx)))
    title = f"{tr('report_title', lang)}: {ctx.title}"
    return str(
        render_template(
            "report.html",
            lang=lang,
            title=title,
            synthetic=tr("synthetic", lang) if ctx.synthetic else "",
            structure=tr("structure_" + admin_structure(ctx), lang),
            nav=[(a, t) for a, t, _ in sections if a],
            sections=[body for _, _, body in sections],
            foot=tr("generated_by", lang),
        )
    )
