"""The outputs written on several processes: same bytes, same failures, nothing left behind.

Each product's ``write`` is wrapped (through ``outputs._products``) with a hook that runs
first, one hook for this process and one for a forked render helper, to make a helper fail,
die or be interrupted at a chosen point.  Everything but the demo's byte comparison runs
on the small synthetic result of ``_render_fixtures``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _render_fixtures import make_result

import geoplan.render.outputs as outputs
from geoplan.errors import GeoplanError
from geoplan.render import output_folder, write_outputs
from geoplan.render.outfolder import STAGING_PREFIX, OutputFolderError
from geoplan.render.workers import WORKERS_ENV, RenderWorkerError, render_workers

FORK = multiprocessing.get_context("fork")
Hook = Callable[[str], None]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()  # the staging folder of a killed run aside
    }


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "run.json"}


def _gone(pid: int) -> bool:
    """Whether the process ``pid`` has ended (a zombie left to init counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_gone(pid: int, seconds: float = 30) -> bool:
    end = time.monotonic() + seconds
    while not _gone(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return _gone(pid)


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.fixture(scope="module")
def serial(result, tmp_path_factory) -> tuple[Path, list[str]]:
    """The outputs written on one process, and the names ``write_outputs`` returned."""
    folder = tmp_path_factory.mktemp("one-process") / "out"
    return folder, [p.name for p in write_outputs(result, folder, workers=1)]


@pytest.fixture(scope="module")
def written(serial) -> Path:
    return serial[0]


@pytest.fixture
def previous(written, tmp_path) -> Path:
    import shutil

    folder = tmp_path / "out"
    shutil.copytree(written, folder)
    return folder


@pytest.fixture
def helper_pid():
    return FORK.Value("i", 0)


def _rig(monkeypatch, *, helper: Hook | None = None, main: Hook | None = None) -> None:
    """Run ``helper(label)`` before each product a render helper writes, ``main`` here."""
    products = outputs._products
    parent = os.getpid()

    def rigged(*args, **kwargs):
        out = []
        for product in products(*args, **kwargs):

            def write(product=product):
                hook = main if os.getpid() == parent else helper
                if hook is not None:
                    hook(product.label)
                return product.write()

            out.append(dataclasses.replace(product, write=write))
        return out

    monkeypatch.setattr(outputs, "_products", rigged)


def test_the_demo_is_the_same_bytes_on_one_or_two_processes(demo_result, demo_outputs, tmp_path):
    other = 1 if render_workers() > 1 else 2  # demo_outputs was written with the default
    out = tmp_path / "out"
    write_outputs(demo_result, out, workers=other)
    assert _contents(out) == _contents(demo_outputs)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))["written_files"]
    assert manifest == sorted(p.name for p in demo_outputs.iterdir())


def test_same_files_and_progress_whatever_the_number_of_processes(
    result, serial, written, tmp_path
):
    steps: list[str] = []
    out = tmp_path / "out"
    files = write_outputs(result, out, workers=3, progress=steps.append)  # more than the default
    assert _contents(out) == _contents(written)
    assert [p.name for p in files] == serial[1]  # listed in the same order
    assert len(steps) == len(set(steps))  # each product announced once
    assert {"hazard_overlay.html", "report.html", "rankings.xlsx"} <= set(steps)
    assert steps[-1] == "project.qgz"  # it reads the GeoPackages: written after them


def test_a_failure_in_a_helper_is_raised_here_naming_the_product(
    result, previous, helper_pid, monkeypatch
):
    before = _snapshot(previous)
    claimed = FORK.Event()

    def fail(label: str) -> None:
        helper_pid.value = os.getpid()
        claimed.set()
        raise ValueError(f"boom in {label}")

    _rig(monkeypatch, helper=fail, main=lambda label: claimed.wait(60))
    with pytest.raises(ValueError, match="boom in ") as info:
        write_outputs(result, previous, workers=2)
    label = str(info.value).removeprefix("boom in ")
    assert f"while writing {label} (in a render process)" in info.value.__notes__
    assert "in fail" in str(info.value.__cause__)  # the helper's own traceback
    assert _snapshot(previous) == before and not any(
        p.name.startswith(STAGING_PREFIX) for p in previous.iterdir()
    )
    assert helper_pid.value != os.getpid() and _wait_gone(helper_pid.value)


def test_a_full_disk_in_a_helper_names_the_output_file(result, previous, monkeypatch):
    before = _snapshot(previous)
    claimed = FORK.Event()

    def full(label: str) -> None:
        claimed.set()
        raise OSError(28, "No space left on device", str(previous / "staging" / label))

    _rig(monkeypatch, helper=full, main=lambda label: claimed.wait(60))
    with pytest.raises(OutputFolderError, match="no space left") as info:
        write_outputs(result, previous, workers=2)
    assert str(previous) in str(info.value) and STAGING_PREFIX not in str(info.value)
    assert _snapshot(previous) == before


def test_a_helper_killed_midway_fails_the_run_cleanly(result, previous, helper_pid, monkeypatch):
    before = _snapshot(previous)
    claimed = FORK.Event()

    def killed(label: str) -> None:  # as the kernel's out-of-memory killer would
        helper_pid.value = os.getpid()
        claimed.set()
        os.kill(os.getpid(), signal.SIGKILL)

    _rig(monkeypatch, helper=killed, main=lambda label: claimed.wait(60))
    with pytest.raises(RenderWorkerError, match="render process stopped while writing") as info:
        write_outputs(result, previous, workers=2)
    assert isinstance(info.value, GeoplanError) and WORKERS_ENV in str(info.value)
    assert _snapshot(previous) == before and _wait_gone(helper_pid.value)


def test_ctrl_c_stops_the_helpers_and_changes_nothing(result, previous, helper_pid, monkeypatch):
    before = _snapshot(previous)
    busy = FORK.Event()

    def slow(label: str) -> None:
        helper_pid.value = os.getpid()
        busy.set()
        time.sleep(120)

    def interrupt(label: str) -> None:
        busy.wait(60)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C reaches this process

    _rig(monkeypatch, helper=slow, main=interrupt)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        write_outputs(result, previous, workers=2)
    assert time.monotonic() - start < 60  # the helper was stopped, not waited for
    assert _wait_gone(helper_pid.value)
    assert _snapshot(previous) == before
    assert not any(p.name.startswith(STAGING_PREFIX) for p in previous.iterdir())


def _write_with_a_slow_helper(result, folder: str, helper_pid, busy) -> None:
    def slow(label: str) -> None:
        helper_pid.value = os.getpid()
        busy.set()
        time.sleep(120)

    mp = pytest.MonkeyPatch()
    _rig(mp, helper=slow)
    write_outputs(result, folder, workers=2)


def test_a_helper_dies_with_a_killed_main_process(result, previous, helper_pid):
    before = _snapshot(previous)
    busy = FORK.Event()
    main = FORK.Process(
        target=_write_with_a_slow_helper, args=(result, str(previous), helper_pid, busy)
    )
    main.start()
    try:
        assert busy.wait(120), "no helper started"
    finally:
        os.kill(main.pid, signal.SIGKILL)
        main.join()
    assert _wait_gone(helper_pid.value)  # not left writing into a staging folder
    assert _snapshot(previous) == before
    output_folder(previous)  # the next run removes the killed run's staging folder
    assert not any(p.name.startswith(STAGING_PREFIX) for p in previous.iterdir())


def test_helpers_leave_ctrl_c_to_the_main_process(result, written, tmp_path, monkeypatch):
    # a terminal's Ctrl-C reaches every process of the group; a helper ignores its copy
    _rig(monkeypatch, helper=lambda label: os.kill(os.getpid(), signal.SIGINT))
    out = tmp_path / "out"
    write_outputs(result, out, workers=2)
    assert _contents(out) == _contents(written)


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_workers_variable_is_a_clear_error(value, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, value)
    with pytest.raises(GeoplanError, match=WORKERS_ENV):
        render_workers()


def test_workers_from_the_variable_or_the_cores(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert render_workers() == 1
    assert render_workers(3) == 3  # an explicit count wins
    monkeypatch.delenv(WORKERS_ENV)
    cores = len(os.sched_getaffinity(0)) if sys.platform.startswith("linux") else 1
    assert render_workers() == min(2, cores)


def test_the_cli_names_the_product_a_helper_failed_on(result, runner, tmp_path, monkeypatch):
    import geoplan.pipeline
    from geoplan.cli import EXIT_INTERNAL, cli

    monkeypatch.setattr(geoplan.pipeline, "run", lambda scenario, **kw: result)
    claimed = FORK.Event()

    def fail(label: str) -> None:
        claimed.set()
        raise ValueError("boom")

    _rig(monkeypatch, helper=fail, main=lambda label: claimed.wait(60))
    monkeypatch.setenv(WORKERS_ENV, "2")
    out = runner.invoke(cli, ["demo", "-q", "--out", str(tmp_path / "out")])
    assert out.exit_code == EXIT_INTERNAL
    assert "internal error: ValueError: boom (while writing " in out.output
    assert "(in a render process))" in out.output and "Traceback" not in out.output
    assert not (tmp_path / "out").exists()  # the folder made for this run is removed again
