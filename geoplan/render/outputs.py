"""``write_outputs``: the whole output contract, written atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from geoplan.errors import GeoplanError
from geoplan.render.context import RenderContext, prepare
from geoplan.render.dashboard import side_panel
from geoplan.render.i18n import Lang
from geoplan.render.maps import dashboard_map, hazard_map, priority_map, save_map
from geoplan.render.model_files import MODEL_GPKG, write_model_gpkg
from geoplan.render.plan_files import write_plan_files
from geoplan.render.plan_stats import plan_status
from geoplan.render.report import _jsonable, model_card, model_timings, report_html
from geoplan.render.static import hazard_png, priority_png
from geoplan.render.tables import write_csv, write_gpkg, write_xlsx

__all__ = ["write_outputs"]

Progress = Callable[[str], None]


def _lang(result: Any, lang: str | None) -> Lang:
    chosen = (
        lang
        or getattr(getattr(getattr(result, "scenario", None), "outputs", None), "lang", None)
        or "vi"
    )
    if chosen not in ("vi", "en"):
        msg = f"--lang {chosen!r} is not supported: use 'vi' (default) or 'en'"
        raise GeoplanError(msg)
    return chosen  # type: ignore[return-value]


def _run_info(result: Any) -> dict[str, Any]:
    info = getattr(result, "run_info", None)
    if callable(info):
        info = info()
    if info is None:
        info = {
            "timings_s": getattr(result, "timings", {}),
            "inputs": getattr(result, "inputs", {}),
            "versions": getattr(result, "versions", {}),
        }
    out = cast(dict[str, Any], _jsonable(info))
    out["plan_status"] = plan_status(getattr(result, "plan", None))
    out.update(_wall_clock(result))
    return out


def _wall_clock(result: Any) -> dict[str, Any]:
    """Return the wall-clock figures kept out of every other output, for run.json only."""
    extra: dict[str, Any] = {}
    model = model_timings(result)
    if model:
        extra["model_timings_s"] = model
    stab = getattr(getattr(result, "scoring", None), "stability", None)
    if isinstance(stab, dict):
        seconds = {
            str(t): s["seconds"]
            for t, s in stab.items()
            if isinstance(s, dict) and isinstance(s.get("seconds"), (int, float))
        }
        if seconds:
            extra["stability_seconds"] = seconds
    plan = getattr(result, "plan", None)
    if plan is not None:
        summary = getattr(plan, "summary", None) or {}
        alloc = getattr(plan, "allocation_summary", None) or {}
        timings = dict(summary.get("timings_s") or {}) if isinstance(summary, dict) else {}
        if isinstance(alloc, dict):
            for key in ("build_s", "solve_s"):
                if isinstance(alloc.get(key), (int, float)):
                    timings[f"allocation_{key}"] = alloc[key]
        if timings:
            extra["plan_timings_s"] = _jsonable(timings)
    return extra


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    return path


def _write_all(
    ctx: RenderContext, folder: Path, top_n: int, progress: Progress | None
) -> list[str]:
    def step(msg: str) -> None:
        if progress is not None:
            progress(msg)

    names: list[str] = []
    pngs: list[Path] = []
    for track in ctx.tracks:
        step(f"priority_{track}.html")
        save_map(priority_map(ctx, track), folder / f"priority_{track}.html")
        names.append(f"priority_{track}.html")
        pngs.append(priority_png(ctx, track, folder / f"priority_{track}.png"))
        names.append(f"priority_{track}.png")
    step("hazard_overlay.html")
    save_map(hazard_map(ctx), folder / "hazard_overlay.html")
    pngs.append(hazard_png(ctx, folder / "hazard_overlay.png"))
    names += ["hazard_overlay.html", "hazard_overlay.png"]
    step("dashboard.html")
    save_map(dashboard_map(ctx, side_panel), folder / "dashboard.html")
    names.append("dashboard.html")
    step("rankings.gpkg, rankings.csv, rankings.xlsx")
    write_gpkg(ctx, folder / "rankings.gpkg")
    write_csv(ctx, folder / "rankings.csv")
    write_xlsx(ctx, folder / "rankings.xlsx")
    names += ["rankings.gpkg", "rankings.csv", "rankings.xlsx"]
    if getattr(ctx.result, "plan", None) is not None:
        step("resettlement_sites.gpkg, allocation.csv, targets*.csv, crosswalk.csv")
        names += write_plan_files(ctx, folder)
    step("report.html")
    (folder / "report.html").write_text(report_html(ctx, pngs, top_n=top_n), encoding="utf-8")
    names.append("report.html")
    card = model_card(ctx.result)
    if card is not None:
        _write_json(folder / "landslide_model.json", card)
        names.append("landslide_model.json")
        step(MODEL_GPKG)
        if write_model_gpkg(ctx, folder / MODEL_GPKG) is not None:
            names.append(MODEL_GPKG)
    _write_json(folder / "run.json", _run_info(ctx.result))
    names.append("run.json")
    return names


def _move_into_place(tmp: Path, out_dir: Path, names: list[str]) -> None:
    """Swap the finished folder in; merge file by file into a folder that holds other files."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    existing = list(out_dir.iterdir())
    if not existing or (out_dir / "run.json").exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
        try:
            tmp.rename(out_dir)
        except OSError:
            old.rename(out_dir)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return
    # a folder with someone else's files: replace only ours, each atomically
    for name in names:
        os.replace(tmp / name, out_dir / name)
    shutil.rmtree(tmp, ignore_errors=True)


def write_outputs(
    result: Any,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the output contract for one run.

    Writes ``priority_<track>.html`` (one per track), ``hazard_overlay.html``,
    ``dashboard.html``, ``report.html``, ``rankings.gpkg`` (layers ``villages`` and
    ``communes`` with QGIS styles in ``layer_styles``), ``rankings.csv``,
    ``rankings.xlsx``, PNG maps, ``landslide_model.json`` and ``landslide_model.gpkg``
    (layers ``zones`` and ``disagreement`` at full resolution, styled) when the model
    ran and ``run.json``; with a plan also ``resettlement_sites.gpkg``,
    ``resettlement_moves.csv``, ``resettlement_unplaced.csv``, ``allocation.csv``,
    ``targets.csv``, ``targets_by_district.csv``, ``targets_by_commune.csv`` and, with
    a crosswalk to the merged 2025 communes, ``targets_by_commune_2025.csv``,
    ``crosswalk.csv``, a ``communes_2025`` layer in ``rankings.gpkg`` and the
    dashboard's "Xã mới (2025)" layer (each when its frame exists).
    Everything is written into a temporary sibling folder first and moved into
    place only when complete, so a failure never leaves partial outputs.

    Parameters
    ----------
    result
        A :class:`geoplan.pipeline.PlanResult` (or any object with the same
        attributes: ``scenario``, ``layers``, ``indicators``, ``scoring``, ``plan``,
        ``timings``, ``inputs``, ``versions`` and ``run_info``).  Missing optional
        parts (no model, no plan, no DEM...) leave out their layers and sections.
    out_dir
        The output folder; created if needed.  An existing geoplan output folder
        is replaced as a whole; in a folder with other files only geoplan's files
        are replaced.
    lang
        ``"vi"`` or ``"en"``; defaults to the scenario's ``outputs.lang``.
    progress
        Called with the name of each file group as it is written.

    Returns
    -------
    list of Path
        The files written, in their final place.

    Raises
    ------
    GeoplanError
        If ``lang`` is not supported.
    """
    out_dir = Path(out_dir)
    chosen = _lang(result, lang)
    outputs = getattr(getattr(result, "scenario", None), "outputs", None)
    top_n = int(getattr(outputs, "top_n", 20) or 20)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        ctx = prepare(result, chosen)
        names = _write_all(ctx, tmp, top_n, progress)
        _move_into_place(tmp, out_dir, names)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / name for name in names]
