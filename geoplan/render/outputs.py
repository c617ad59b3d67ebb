"""``write_outputs``: the whole output contract, written atomically."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from geoplan.errors import GeoplanError
from geoplan.i18n import Lang, catalogue
from geoplan.memory import release_freed_memory
from geoplan.render.context import RenderContext, prepare
from geoplan.render.dashboard import side_panel
from geoplan.render.map_base import save_map
from geoplan.render.map_dashboard import dashboard_map
from geoplan.render.map_hazard import hazard_map, hazard_map_layers
from geoplan.render.map_priority import priority_map
from geoplan.render.model_files import MODEL_GPKG, write_model_gpkg
from geoplan.render.outfolder import (
    MANIFEST_KEY,
    OutputFolder,
    OutputFolderError,
    output_folder,
    scenario_inputs,
)
from geoplan.render.plan_files import write_plan_files
from geoplan.render.plan_stats import plan_status
from geoplan.render.qgis import PROJECT_FILE, write_project
from geoplan.render.report import _jsonable, model_card, model_timings, report_html
from geoplan.render.shapefile import SHAPEFILE_ZIP, write_shapefile_zip
from geoplan.render.static import hazard_png, load_matplotlib, priority_png
from geoplan.render.tables import write_csv, write_gpkg, write_xlsx
from geoplan.render.workers import (
    Product,
    frozen_heap,
    render_workers,
    write_product,
    write_products,
)

if TYPE_CHECKING:  # the stage packages load the scientific stack; the types alone do not
    import folium

    from geoplan.pipeline import PlanResult

__all__ = ["StartedOutputs", "begin_outputs", "output_folder", "scenario_inputs", "write_outputs"]

Progress = Callable[[str], None]


def _lang(result: PlanResult, lang: str | None) -> Lang:
    chosen = lang or result.scenario.outputs.lang or "vi"
    if chosen not in ("vi", "en"):
        msg = f"--lang {chosen!r} is not supported: use 'vi' (default) or 'en'"
        raise GeoplanError(msg)
    return chosen  # type: ignore[return-value]


def _run_info(result: PlanResult) -> dict[str, Any]:
    out = cast(dict[str, Any], _jsonable(result.run_info))
    out["plan_status"] = plan_status(result.plan)
    out.update(_wall_clock(result))
    return out


def _wall_clock(result: PlanResult) -> dict[str, Any]:
    """Return the wall-clock figures kept out of every other output, for run.json only."""
    extra: dict[str, Any] = {}
    model = model_timings(result)
    if model:
        extra["model_timings_s"] = model
    stab = result.scoring.stability
    if isinstance(stab, dict):
        seconds = {
            str(t): s["seconds"]
            for t, s in stab.items()
            if isinstance(s, dict) and isinstance(s.get("seconds"), (int, float))
        }
        if seconds:
            extra["stability_seconds"] = seconds
    plan = result.plan
    if plan is not None:
        summary = plan.summary or {}
        alloc = plan.allocation_summary or {}
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


#: CPU seconds each product took on the demo (one process, 2026-11-29, after the fifth session's
#: render work): the render processes take the products most expensive first.  Only the balance
#: depends on them.
_COST = {
    "priority_resettlement.html": 0.42,  # with the plan's sites and moves
    "priority.html": 0.1,
    "priority.png": 0.3,
    "hazard_overlay.html": 1.8,
    "hazard_overlay.html, begun": 0.45,  # its plan-free layers built beside the plan
    "hazard_overlay.png": 0.4,
    "dashboard.html": 0.5,
    "rankings.gpkg": 0.1,
    "rankings.csv": 0.15,
    "rankings.xlsx": 0.35,
    "shapefile": 0.3,
    "plan": 0.2,
    "model": 0.1,
}


def _file(
    name: str,
    write: Callable[[], object],
    cost: float,
    *,
    last: bool = False,
    plan_free: bool = False,
) -> Product:
    """Return the product writing one file ``name`` (left out when ``write`` returns None)."""
    return Product(name, lambda: [name] if write() is not None else [], cost, last, plan_free)


def _products(
    ctx: RenderContext,
    folder: Path,
    top_n: int,
    *,
    shapefile: bool = False,
    started_maps: dict[str, folium.Map] | None = None,
) -> list[Product]:
    """Return the output products of ``ctx`` in the order their files are listed.

    ``started_maps`` holds maps whose plan-free layers were built beside the plan, by
    file name (see :class:`StartedOutputs`).
    """
    products: list[Product] = []
    pngs: list[Path] = []
    for track in ctx.tracks:
        html, png = folder / f"priority_{track}.html", folder / f"priority_{track}.png"
        plan_free = track != "resettlement"  # only the resettlement map shows sites and moves
        products += [
            _file(
                html.name,
                partial(_save_map, priority_map, html, ctx, track),
                _COST.get(html.name, _COST["priority.html"]),
                plan_free=plan_free,
            ),
            _file(
                png.name,
                partial(priority_png, ctx, track, png),
                _COST["priority.png"],
                plan_free=plan_free,
            ),
        ]
        pngs.append(png)
    html, png = folder / "hazard_overlay.html", folder / "hazard_overlay.png"
    dash = folder / "dashboard.html"
    started = (started_maps or {}).pop(html.name, None)
    hazard_cost = _COST["hazard_overlay.html" if started is None else "hazard_overlay.html, begun"]
    products += [
        _file(html.name, partial(_save_map, hazard_map, html, ctx, started), hazard_cost),
        _file(png.name, partial(hazard_png, ctx, png), _COST[png.name], plan_free=True),
        _file(
            dash.name, partial(_save_map, dashboard_map, dash, ctx, side_panel), _COST[dash.name]
        ),
    ]
    pngs.append(png)
    # the GeoPackage has the plan's 2025 communes, the workbook its sheets; the CSV and the
    # shapefiles have the villages and communes alone
    for name, table, plan_free in (
        ("rankings.gpkg", write_gpkg, False),
        ("rankings.csv", write_csv, True),
        ("rankings.xlsx", write_xlsx, False),
    ):
        products.append(
            _file(name, partial(table, ctx, folder / name), _COST[name], plan_free=plan_free)
        )
    if shapefile:
        zipped = partial(write_shapefile_zip, ctx, folder / SHAPEFILE_ZIP)
        products.append(_file(SHAPEFILE_ZIP, zipped, _COST["shapefile"], plan_free=True))
    if ctx.result.plan is not None:
        label = "resettlement_sites.gpkg, allocation.csv, targets*.csv, crosswalk.csv"
        products.append(Product(label, partial(write_plan_files, ctx, folder), _COST["plan"]))
    report = partial(_write_report, ctx, folder / "report.html", pngs, top_n)
    products.append(_file("report.html", report, 0.3, last=True))  # it embeds the PNGs
    card = model_card(ctx.result)
    if card is not None:
        card_json = partial(_write_json, folder / "landslide_model.json", card)
        model_gpkg = partial(write_model_gpkg, ctx, folder / MODEL_GPKG)
        products += [
            _file("landslide_model.json", card_json, 0.0, plan_free=True),
            _file(MODEL_GPKG, model_gpkg, _COST["model"], plan_free=True),
        ]
    project = partial(write_project, ctx, folder)
    products.append(_file(PROJECT_FILE, project, 0.0, last=True))  # it reads the GeoPackages
    return products


def _save_map(make: Callable[..., Any], path: Path, *args: Any) -> Path:
    return save_map(make(*args), path)


def _write_report(ctx: RenderContext, path: Path, pngs: list[Path], top_n: int) -> Path:
    path.write_text(report_html(ctx, pngs, top_n=top_n), encoding="utf-8")
    return path


def _load_shared() -> None:
    """Load what several products load on first use: once, and shared by the render processes."""
    with contextlib.suppress(Exception):  # a product that needs it then raises the error itself
        catalogue()
        load_matplotlib()


def _loading_shared() -> threading.Thread:
    """Start :func:`_load_shared` in a thread; join it before the products are written.

    It runs beside :func:`prepare`, which spends most of its time in numpy, GDAL and
    zlib with the GIL released.
    """
    thread = threading.Thread(target=_load_shared, name="geoplan-render-load", daemon=True)
    thread.start()
    return thread


def _write_all(
    started: StartedOutputs, progress: Progress | None, *, workers: int = 1
) -> list[str]:
    ctx = started.ctx
    products = _products(
        ctx, started.staging, started.top_n, shapefile=started.shapefile, started_maps=started.maps
    )
    names = write_products(products, workers, progress, done=started.written)
    names.append("run.json")
    info = _run_info(ctx.result)
    info[MANIFEST_KEY] = sorted(names)
    _write_json(started.staging / "run.json", info)
    return names


@dataclass
class StartedOutputs:
    """The render of a run begun before its plan was known (see :func:`begin_outputs`).

    Attributes
    ----------
    ctx
        The prepared render context; ``ctx.result`` is the run so far.
    folder
        The checked output folder.
    staging
        This run's staging folder inside it.
    top_n, shapefile
        Options of the outputs.
    written
        The products written so far, label -> file names.
    maps
        Maps whose plan-free layers are built, by file name.
    """

    ctx: RenderContext
    folder: OutputFolder
    staging: Path
    top_n: int
    shapefile: bool
    written: dict[str, list[str]] = field(default_factory=dict)
    maps: dict[str, folium.Map] = field(default_factory=dict)

    def advance(self, stop: Callable[[], bool]) -> None:
        """Do the work that needs no plan, most expensive first, until ``stop()`` is true.

        The hazard map's model and zone layers are built, then the products whose
        files do not depend on the plan are written (priority maps other than
        resettlement, the hazard PNG, ``rankings.csv``, the model's files).  ``stop``
        is asked before each step (the plan is ready); what is left is done by
        :func:`write_outputs`.  The files are the same whatever is done here.
        """
        hazard = "hazard_overlay.html"
        if stop():
            return
        with _writing(self.folder.path), frozen_heap():
            if hazard not in self.maps:
                self.maps[hazard] = hazard_map_layers(self.ctx)
                release_freed_memory()
            products = _products(self.ctx, self.staging, self.top_n, shapefile=self.shapefile)
            early = sorted((p for p in products if p.plan_free), key=lambda p: -p.cost)
            for product in early:
                if stop():
                    return
                if product.label not in self.written:
                    self.written[product.label] = write_product(product, lambda label: None)


def begin_outputs(
    result: PlanResult,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    folder: OutputFolder | None = None,
    csv_locale: str = "c",
    shapefile: bool = False,
) -> StartedOutputs:
    """Begin the outputs of a run whose plan may not be made yet.

    Checks the folder, creates the staging folder and prepares the render context;
    :meth:`StartedOutputs.advance` then writes what needs no plan while the plan is made,
    and :func:`write_outputs` (``started=``) the rest.  Parameters as for
    :func:`write_outputs`.

    Returns
    -------
    StartedOutputs
        Give it to :func:`write_outputs`; until then the staging folder holds the files.
    """
    chosen = _lang(result, lang)
    if folder is None:
        folder = output_folder(Path(out_dir), result.scenario)
    with _writing(Path(out_dir)):
        staging = folder.begin()
    try:
        loading = _loading_shared()
        try:
            ctx = prepare(result, chosen)
            ctx.csv_locale = csv_locale
        finally:
            loading.join()  # before any fork: no thread may be running then
    except BaseException:
        folder.abort()  # nothing staged may outlive a failed start
        raise
    return StartedOutputs(
        ctx=ctx,
        folder=folder,
        staging=staging,
        top_n=int(result.scenario.outputs.top_n or 20),
        shapefile=shapefile,
    )


@contextlib.contextmanager
def _writing(out_dir: Path) -> Iterator[None]:
    """Turn an operating-system error while writing into an error naming the output folder."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, GeoplanError):
            raise
        where = out_dir / Path(exc.filename).name if exc.filename else out_dir
        reason = "no space left on the device" if exc.errno == 28 else exc.strerror or exc
        msg = f"{where}: cannot write the outputs: {reason}"
        raise OutputFolderError(msg) from exc


def write_outputs(
    result: PlanResult,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    progress: Progress | None = None,
    folder: OutputFolder | None = None,
    csv_locale: str = "c",
    shapefile: bool = False,
    workers: int | None = None,
    started: StartedOutputs | None = None,
) -> list[Path]:
    """Write the output contract for one run.

    Writes ``priority_<track>.html`` (one per track), ``hazard_overlay.html``,
    ``dashboard.html``, ``report.html``, ``rankings.gpkg`` (layers ``villages`` and
    ``communes`` with QGIS styles in ``layer_styles``), ``rankings.csv``,
    ``rankings.xlsx``, PNG maps, ``landslide_model.json`` and ``landslide_model.gpkg``
    (layers ``zones`` and ``disagreement`` at full resolution, styled) when the model
    ran, ``project.qgz`` (a QGIS project over the GeoPackages, with print layouts)
    and ``run.json``; with a plan also ``resettlement_sites.gpkg``,
    ``resettlement_moves.csv``, ``resettlement_unplaced.csv``, ``allocation.csv``,
    ``targets.csv``, ``targets_by_district.csv``, ``targets_by_commune.csv`` and, with
    a crosswalk to the merged 2025 communes, ``targets_by_commune_2025.csv``,
    ``crosswalk.csv``, a ``communes_2025`` layer in ``rankings.gpkg`` and the
    dashboard's "Xã mới (2025)" layer (each when its frame exists).
    ``run.json`` lists the files written (``written_files``).  Everything is
    rendered into a hidden staging folder inside ``out_dir`` first; only when
    complete is each file moved over its previous version (atomically, one by
    one, ``run.json`` last), so a failure or an interrupt leaves the previous
    outputs as they were.  Files geoplan did not write are never touched.

    Parameters
    ----------
    result
        A :class:`geoplan.pipeline.PlanResult` (or any object with the same
        attributes: ``scenario``, ``layers``, ``indicators``, ``scoring``, ``plan``,
        ``timings``, ``inputs``, ``versions`` and ``run_info``).  Missing optional
        parts (no model, no plan, no DEM...) leave out their layers and sections.
    out_dir
        The output folder; created if needed.  Only the files listed in the
        previous ``run.json`` manifest are replaced (and those it no longer
        writes removed); any other file stays untouched.
    lang
        ``"vi"`` or ``"en"``; defaults to the scenario's ``outputs.lang``.
    progress
        Called with the name of each file group as it is written.
    folder
        An already checked :func:`output_folder` for ``out_dir`` (the CLI checks
        it before running the pipeline); checked here when omitted.
    csv_locale
        ``"c"`` (comma, decimal point: the contract) or ``"vi"`` (semicolon, decimal
        comma) for every CSV file; headers stay the field names either way.
    shapefile
        Also write ``rankings_shp.zip`` (villages and communes as UTF-8 shapefiles
        with a field-name table, for older GIS tools).
    workers
        Processes that write the files (see :func:`geoplan.render.workers.render_workers`):
        by default ``$GEOPLAN_RENDER_WORKERS``, else 2 (1 on a one-core machine); 1
        writes everything in this process.  The files are the same either way.
    started
        The render begun beside the plan (:func:`begin_outputs`) with this ``out_dir``:
        its folder, options and written files are used, and ``result`` (with the plan)
        replaces the run it was begun with; ``lang``, ``folder``, ``csv_locale`` and
        ``shapefile`` are then those given to :func:`begin_outputs`.

    Returns
    -------
    list of Path
        The files written, in their final place.

    Raises
    ------
    GeoplanError
        If ``lang`` or ``$GEOPLAN_RENDER_WORKERS`` is not supported.
    OutputFolderError
        If the folder cannot be used or written (the message names the path).
    """
    out_dir = Path(out_dir)
    processes = render_workers(workers)
    if started is None:
        started = begin_outputs(
            result, out_dir, lang=lang, folder=folder, csv_locale=csv_locale, shapefile=shapefile
        )
    started.ctx.result = result
    try:
        with _writing(out_dir):
            names = _write_all(started, progress, workers=processes)
        started.folder.commit(names)
    finally:
        started.folder.abort()
    return [out_dir / name for name in names]
