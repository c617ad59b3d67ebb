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
from typing import Any, TypeVar

import click

from geoplan import __version__
from geoplan.errors import GeoplanError
from geoplan.scenario import Scenario, load_scenario, scenario_json_schema

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

DEMO_SCENARIO = "kontum-2025.yaml"
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
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in geoplan; run again with --debug and report the traceback.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


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


def demo_scenario_path() -> Path:
    """Return the path of the embedded Kon Tum demo scenario.

    The scenario and its layers are shipped inside the installed package
    (``geoplan/embedded``); in a source checkout they are the repository's
    ``scenarios/`` and ``layers/`` folders.
    """
    package = Path(__file__).resolve().parent
    candidates = [
        package / "embedded" / "scenarios" / DEMO_SCENARIO,
        package.parent / "scenarios" / DEMO_SCENARIO,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    msg = (
        "the embedded demo scenario was not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall geoplan with `pip install .` from a full checkout"
    )
    raise GeoplanError(msg)


def _run_and_write(
    scenario: Scenario,
    out: Path,
    *,
    lang: str | None,
    console: _Console,
    default_out: bool = False,
) -> None:
    from geoplan.check import preflight_run
    from geoplan.pipeline import run
    from geoplan.render import output_folder, write_outputs

    folder = output_folder(out, scenario, create_parents=default_out)
    try:
        preflight_run(scenario)
        result = run(scenario, progress=console.step)
        console.step("writing maps, tables and reports")
        written = write_outputs(result, out, lang=lang, folder=folder)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="geoplan")
def cli() -> None:
    r"""Priority rankings and offline maps for the National Target Programmes.

    Turns spatial layers (communes, villages, landslide zones, DEM, forest,
    border, roads, rivers) into resettlement, infrastructure and investment
    priorities that follow Kon Tum's resolution of 19 May 2022.

    \b
    Start with:  geoplan demo
    Your data:   geoplan check my-scenario.yaml && geoplan run my-scenario.yaml
    """


@cli.command()
@_out_option
@_lang_option
@_common_options
@_handle_errors
def demo(out: Path | None, lang: str | None, quiet: bool, debug: bool) -> None:
    """Run the default scenario on the embedded Kon Tum demo data.

    The data is synthetic (real district and commune names and codes,
    invented geometry and statistics). Outputs go to maps/kontum-demo/.
    """
    console = _Console(quiet=quiet)
    scenario = load_scenario(demo_scenario_path())
    _run_and_write(scenario, out or DEMO_OUT, lang=lang, console=console, default_out=out is None)


@cli.command("run")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@_out_option
@_lang_option
@_common_options
@_handle_errors
def run_command(
    scenario_path: Path, out: Path | None, lang: str | None, quiet: bool, debug: bool
) -> None:
    """Run SCENARIO (a YAML file) and write maps, rankings and reports.

    Nothing is written unless the whole run succeeds.
    """
    console = _Console(quiet=quiet)
    scenario = load_scenario(scenario_path)
    _run_and_write(
        scenario,
        out or Path("maps") / scenario.name,
        lang=lang,
        console=console,
        default_out=out is None,
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
    from geoplan.pipeline import PlanResult, run
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
        scenario = load_scenario(path)
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
    click.echo(json.dumps(scenario_json_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    """Entry point of the ``geoplan`` console script."""
    cli(prog_name="geoplan")
