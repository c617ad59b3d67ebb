"""The ``geoplan`` command line.

Each command only parses its arguments and calls the Python API; errors from
geoplan become one clear message and a non-zero exit code (``--debug`` shows
the traceback).
"""

from __future__ import annotations

import contextlib
import functools
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from geoplan import __version__
from geoplan.embedded import demo_scenario
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.pipeline import PlanResult
    from geoplan.render.outputs import StartedOutputs
    from geoplan.scenario import Scenario

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

DEMO_OUT = Path("maps") / "kontum-demo"

EXIT_ERROR = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class _Console:
    """Progress messages on stderr, silenced by ``-q``."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def step(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            click.echo(f"[{elapsed:6.1f} s] {message}", err=True)

    def done(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


def _common_options(func: F) -> F:
    """Add ``-q/--quiet`` and ``--debug`` to a command (one definition for all)."""
    func = click.option(
        "--debug", is_flag=True, default=False, help="Show full tracebacks on errors."
    )(func)
    func = click.option(
        "-q", "--quiet", is_flag=True, default=False, help="Print nothing but errors."
    )(func)
    return func


def _handle_errors(func: F) -> F:
    """Turn geoplan errors into one message and an exit code, unless --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        try:
            with _terminate_as_interrupt():
                return func(*args, **kwargs)
        except GeoplanError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("interrupted: no output was changed by this run", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if debug:
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}{_notes(exc)}\n"
                "This is a bug in geoplan; run again with --debug and report the traceback.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _notes(exc: BaseException) -> str:
    """Return the notes added to ``exc`` (such as the output file being written), in brackets."""
    return "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM unwind like Ctrl-C, so staging files are removed on the way out."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_and_write(
    scenario: Scenario,
    out: Path,
    *,
    console: _Console,
    default_out: bool = False,
    **options: Any,
) -> None:
    from geoplan.check import preflight_run
    from geoplan.pipeline import run
    from geoplan.render.outfolder import output_folder
    from geoplan.render.workers import render_workers

    folder = output_folder(out, scenario, create_parents=default_out)
    started: StartedOutputs | None = None

    def begin_render(partial: PlanResult, plan_ready: Callable[[], bool]) -> None:
        """Begin the render while the plan is made in a forked child: the second core's work."""
        nonlocal started
        # the writers (folium, matplotlib, xlsxwriter) load only now, so that their
        # memory is not held through the pipeline's earlier peaks
        from geoplan.render import begin_outputs

        started = begin_outputs(partial, out, folder=folder, **options)
        started.advance(plan_ready)

    try:
        preflight_run(scenario)
        beside = begin_render if render_workers() > 1 else None
        result = run(scenario, progress=console.step, beside_plan=beside)
        console.step("writing maps, tables and reports")
        from geoplan.render import write_outputs

        written = write_outputs(result, out, folder=folder, started=started, **options)
    finally:
        folder.abort()
    villages = len(result.scoring.villages)
    communes = len(result.scoring.communes)
    console.done(
        f"done in {time.perf_counter() - console.start:.1f} s: {villages} villages and "
        f"{communes} communes ranked; {len(written)} files in {out}/"
    )
    for path in written:
        console.done(f"  {path}")


_out_option = click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: maps/<scenario name>/).",
)
_lang_option = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default=None,
    help="Language of maps and reports (default: the scenario's, Vietnamese).",
)
_csv_locale_option = click.option(
    "--csv-locale",
    type=click.Choice(["c", "vi"]),
    default="c",
    show_default=True,
    help="CSV dialect: 'c' comma and decimal point (the contract); 'vi' semicolon and decimal"
    " comma, for a spreadsheet in a Vietnamese locale. Headers stay field names.",
)
_shapefile_option = click.option(
    "--shapefile",
    is_flag=True,
    default=False,
    help="Also write shapefile/ for older GIS tools (UTF-8 with .cpg, short field names"
    " listed in field_names.csv, long texts in long_texts.csv).",
)


def _output_options(func: F) -> F:
    """Add the output options shared by ``demo`` and ``run``."""
    for option in (_shapefile_option, _csv_locale_option, _lang_option, _out_option):
        func = option(func)
    return func


# "\b" on its own line keeps click from rewrapping the two example lines below it
_CLI_HELP = """Priority rankings and offline maps for the National Target Programmes.

Turns spatial layers (communes, villages, landslide zones, DEM, forest,
border, roads, rivers) into resettlement, infrastructure and investment
priorities that follow Kon Tum's resolution of 19 May 2022.

\b
Start with:  geoplan demo
Your data:   geoplan check my-scenario.yaml && geoplan run my-scenario.yaml
Python:      import geoplan; geoplan.run(geoplan.load_scenario(geoplan.demo_scenario()))
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=_CLI_HELP)
@click.version_option(__version__, "--version", prog_name="geoplan")
def cli() -> None:
    """Group every geoplan command (the help text is ``_CLI_HELP``)."""


@cli.command()
@_output_options
@_common_options
@_handle_errors
def demo(
    *,
    out: Path | None,
    lang: str | None,
    csv_locale: str,
    shapefile: bool,
    quiet: bool,
    debug: bool,
) -> None:
    """Run the default scenario on the embedded Kon Tum demo data.

    The data is synthetic (real district and commune names and codes,
    invented geometry and statistics). Outputs go to maps/kontum-demo/.
    """
    console = _Console(quiet=quiet)
    scenario = _load_scenario(demo_scenario())
    _run_and_write(
        scenario,
        out or DEMO_OUT,
        console=console,
        default_out=out is None,
        lang=lang,
        csv_locale=csv_locale,
        shapefile=shapefile,
    )


@cli.command("run")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run the scenario's partitions on the dask scheduler at ADDRESS (tcp://host:8786)"
    " instead of a local cluster; also $GEOPLAN_DASK_SCHEDULER. See docs/scale.md.",
)
@_output_options
@_common_options
@_handle_errors
def run_command(
    *,
    scenario_path: Path,
    scheduler: str | None,
    out: Path | None,
    lang: str | None,
    csv_locale: str,
    shapefile: bool,
    quiet: bool,
    debug: bool,
) -> None:
    """Run SCENARIO (a YAML file) and write maps, rankings and reports.

    Nothing is written unless the whole run succeeds.
    """
    console = _Console(quiet=quiet)
    scenario = _load_scenario(scenario_path)
    if scheduler is not None:
        from geoplan.partitions import with_scheduler

        scenario = with_scheduler(scenario, scheduler)
    _run_and_write(
        scenario,
        out or Path("maps") / scenario.name,
        console=console,
        default_out=out is None,
        lang=lang,
        csv_locale=csv_locale,
        shapefile=shapefile,
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON to this file.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings (and no errors).")
@click.option(
    "--kind",
    default=None,
    metavar="KIND",
    help=(
        "What a bare layer file is: communes, communes_2025, villages, districts, province, "
        "border, landslide_zones, landslide_inventory, forest, roads, rivers. Without it the "
        "kind is guessed, only when unambiguous, and the guess is shown."
    ),
)
@_common_options
@_handle_errors
def check(
    paths: tuple[Path, ...],
    *,
    json_path: Path | None,
    strict: bool,
    kind: str | None,
    quiet: bool,
    debug: bool,
) -> None:
    """Validate a scenario or bare layer files without writing outputs.

    Lists every problem at once (file, layer, row, field) and the repairs
    geoplan would make. Exit code: 0 clean, 2 errors, 1 warnings with --strict.
    """
    from geoplan.check import check_paths
    from geoplan.render.outfolder import check_writable_file

    if json_path is not None:
        check_writable_file(json_path, option="--json")
    report = check_paths(list(paths), strict=strict, kind=kind)
    if not quiet:
        click.echo(report.to_text())
    if json_path is not None:
        try:
            json_path.write_text(
                json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
        except OSError as exc:
            msg = f"{json_path}: cannot write the --json report: {exc.strerror or exc}"
            raise GeoplanError(msg) from exc
    sys.exit(report.exit_code(strict=strict))


@cli.command()
@click.argument("scenario_a", type=click.Path(path_type=Path))
@click.argument("scenario_b", type=click.Path(path_type=Path))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the changed villages as CSV.",
)
@_common_options
@_handle_errors
def compare(
    scenario_a: Path, scenario_b: Path, csv_path: Path | None, quiet: bool, debug: bool
) -> None:
    """List the villages whose priority class changes between two scenarios."""
    from geoplan.pipeline import run
    from geoplan.scoring import compare_scores

    console = _Console(quiet=quiet)
    if csv_path is not None:
        from geoplan.render.outfolder import check_writable_file

        check_writable_file(csv_path, option="--csv")
    results: dict[Path, PlanResult] = {}
    for path in (scenario_a, scenario_b):
        key = path.resolve()
        if key in results:
            continue
        scenario = _load_scenario(path)
        without_plan = scenario.plan.model_copy(update={"enabled": False})
        console.step(f"running {path}")
        results[key] = run(scenario.model_copy(update={"plan": without_plan}))
    result_a, result_b = results[scenario_a.resolve()], results[scenario_b.resolve()]
    changes = compare_scores(result_a.scoring, result_b.scoring)
    if csv_path is not None:
        from geoplan.render.tables import write_frame_csv

        write_frame_csv(changes, csv_path)
    if changes.empty:
        click.echo("No village changes class between the two scenarios.")
    else:
        click.echo(f"{len(changes)} class change(s):")
        click.echo(changes.to_string(index=False))


@cli.command()
@click.option("--lang", type=click.Choice(["vi", "en"]), default="en", help="Label language.")
def criteria(lang: str) -> None:
    """List the criteria catalogue: ids, labels, direction and resolution citations."""
    from geoplan.scoring import criteria_catalogue

    for criterion in criteria_catalogue():
        label = criterion.label_vi if lang == "vi" else criterion.label_en
        cites = ", ".join(criterion.cites)
        click.echo(f"{criterion.id:32s} {label}  [{criterion.direction}; {cites}]")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from geoplan.scenario import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    """Entry point of the ``geoplan`` console script."""
    cli(prog_name="geoplan")


@cli.group()
def review() -> None:
    """Commune review packs: officers check the village data behind the ranking."""


def _load_scenario(path: Path) -> Scenario:
    # the scenario models (pydantic) load only for the commands that read a scenario, so that
    # `geoplan --version` and `--help` answer at once
    from geoplan.scenario import load_scenario

    return load_scenario(path)


def _without_plan(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"plan": scenario.plan.model_copy(update={"enabled": False})})


@review.command("export")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the workbooks (one per commune).",
)
@_lang_option
@_common_options
@_handle_errors
def review_export(
    *, scenario_path: Path, out: Path, lang: str | None, quiet: bool, debug: bool
) -> None:
    """Write one review workbook per commune of SCENARIO into --out.

    Officers correct the yellow cells (households, poverty, ethnic-minority
    households, water, land, road, grid...) and fill in who and why; formulas
    and reference columns are protected.
    """
    from geoplan.pipeline import run
    from geoplan.review import export_packs

    console = _Console(quiet=quiet)
    scenario = _load_scenario(scenario_path)
    result = run(_without_plan(scenario), progress=console.step)
    chosen = lang or scenario.outputs.lang
    written = export_packs(result, out, lang="en" if chosen == "en" else "vi")
    console.done(f"{len(written)} review workbooks in {out}/")


@review.command("import")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the villages whose rank moved as CSV.",
)
@_common_options
@_handle_errors
def review_import(
    *, scenario_path: Path, folder: Path, csv_path: Path | None, quiet: bool, debug: bool
) -> None:
    """Validate the returned workbooks in FOLDER and record their changes.

    Every change goes to the scenario's change log (<name>.corrections.csv beside
    it, or its `corrections:` file) with who, when and why; the layer files never
    change.  The scenario is then scored with and without the new changes and
    the villages whose rank moved are listed.
    """
    from geoplan.pipeline import run
    from geoplan.review import import_packs, rank_changes

    console = _Console(quiet=quiet)
    scenario = _without_plan(_load_scenario(scenario_path))
    if not any(folder.glob("*.xlsx")):
        msg = f"{folder}: no review workbooks (.xlsx) to import"
        raise GeoplanError(msg)
    before = run(scenario, progress=console.step)
    recorded = import_packs(scenario, folder, villages=before.layers.villages)
    console.done(f"{len(recorded.changes)} change(s) recorded in {recorded.log_path}")
    if recorded.changes.empty:
        return
    after = run(scenario, progress=console.step)
    moved = rank_changes(before.scoring, after.scoring, list(scenario.scoring.tracks))
    if csv_path is not None:
        moved.to_csv(csv_path, index=False, encoding="utf-8-sig")
    if moved.empty:
        click.echo("No village changes rank because of these corrections.")
    else:
        click.echo(f"{len(moved)} rank change(s) because of these corrections:")
        click.echo(moved.to_string(index=False))
