"""Shared fixtures: the CLI runner, one run of the embedded demo per test run, two browsers.

The suite runs on two pytest-xdist workers (``-n 2 --dist loadscope`` in pyproject's
``addopts``): each test module goes whole to one worker, so a module-scoped fixture is made
once.  A session fixture runs once per worker, so the expensive ones (the demo pipeline and
its written outputs) are made once per *test run*: the first worker that needs them makes
them under a file lock in the run's shared temporary folder, the other reads them from there
(the pattern pytest-xdist documents).  With ``-n 0`` they are simply made in-process.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from _paths import DEMO_SCENARIO
from click.testing import CliRunner
from hypothesis import settings

# Property tests draw the same examples on every run, so a run's result depends on the code
# alone (a suite that passes passes again); HYPOTHESIS_PROFILE=explore searches afresh.
settings.register_profile("geoplan", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "geoplan"))

T = TypeVar("T")


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The temporary folder shared by this run's xdist workers; None when not under xdist."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return None
    return tmp_path_factory.getbasetemp().parent


def _once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[], T]) -> T:
    """Return ``make()``, computed by one worker of the run and unpickled by the others."""
    root = _run_root(tmp_path_factory)
    if root is None:
        return make()
    from filelock import FileLock

    path = root / f"{name}.pickle"
    with FileLock(f"{path}.lock"):
        if path.is_file():
            return pickle.loads(path.read_bytes())
        value = make()
        staged = path.with_suffix(".partial")
        staged.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        staged.replace(path)
        return value


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def demo_scenario():
    from geoplan import load_scenario

    return load_scenario(DEMO_SCENARIO)


@pytest.fixture(scope="session")
def demo_result(demo_scenario, tmp_path_factory):
    """The demo scenario run once per test run (no outputs written)."""
    from geoplan.pipeline import run

    return _once_per_run(tmp_path_factory, "demo-result", lambda: run(demo_scenario))


@pytest.fixture(scope="session")
def demo_outputs(demo_result, tmp_path_factory) -> Path:
    """The demo's output contract written once per test run into a temporary folder.

    Read it, never write into it: copy it first (``shutil.copytree``) to change anything.
    """
    from geoplan.render import write_outputs

    root = _run_root(tmp_path_factory)
    if root is None:
        out = tmp_path_factory.mktemp("demo-out") / "kontum-demo"
        write_outputs(demo_result, out)
        return out
    from filelock import FileLock

    folder = root / "demo-out"
    out, done = folder / "kontum-demo", folder / "written"
    with FileLock(f"{folder}.lock"):
        if not done.is_file():
            folder.mkdir(exist_ok=True)
            write_outputs(demo_result, out)
            done.touch()
    return out


# --- one headless Chromium per window size for every browser test --------------------------


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    """Headless Chromium in a laptop window (1366x768), network blocked."""
    from _render_browser import LAPTOP, chromium

    with chromium(*LAPTOP) as d:
        yield d


@pytest.fixture(scope="session")
def phone() -> Iterator[Any]:
    """Headless Chromium emulating a phone's screen (390x844), network blocked."""
    from _render_browser import PHONE, chromium

    with chromium(*PHONE) as d:
        yield d
