"""The plan made in a forked child while the render begins: same result, same files, clean failures.

Runs on the small synthetic result of ``_render_fixtures``; the demo goes this way through
the CLI in ``test_cli.py`` (whose files are compared with the Python API's there).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time

import pytest
from _render_fixtures import make_result

import geoplan.plan
from geoplan.errors import AllocationError
from geoplan.forked import call_forked
from geoplan.pipeline import _plan
from geoplan.render import begin_outputs, write_outputs


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.fixture(scope="module")
def serial(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial") / "out"
    names = [p.name for p in write_outputs(result, folder, workers=1)]
    return folder, names


def _contents(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "run.json"}


def test_ready_says_when_the_child_has_answered() -> None:
    with call_forked(time.sleep, 0.3, fork=True, label="t", hint="") as call:
        assert not call.ready()  # still sleeping
        deadline = time.monotonic() + 30
        while not call.ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert call.ready()
        assert call.result() is None
    with call_forked(os.getpid, fork=False, label="t", hint="") as here:
        assert here.ready()  # nothing to wait for
    assert multiprocessing.active_children() == []


def test_the_plan_is_made_in_a_child_while_the_work_beside_it_runs(result, monkeypatch) -> None:
    parent = os.getpid()
    seen: dict[str, object] = {}

    def make_plan(indicators, scoring, scenario, *, layers=None):
        time.sleep(0.3)  # long enough for the work beside it to start first
        return dataclasses.replace(result.plan, summary={"made_in": os.getpid()})

    def beside(partial, ready) -> None:
        seen["plan"] = partial.plan
        seen["ready_at_once"] = ready()
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        seen["ready"] = ready()

    monkeypatch.setattr(geoplan.plan, "make_plan", make_plan)
    plan = _plan(dataclasses.replace(result, plan=None), beside)
    assert plan.summary["made_in"] != parent  # made in the child
    assert seen == {"plan": None, "ready_at_once": False, "ready": True}
    assert plan.sites.equals(result.plan.sites)  # it came back whole through the pipe
    assert multiprocessing.active_children() == []
    # without work beside it, the plan is made here
    assert _plan(result, None).summary["made_in"] == parent


def test_a_plan_error_in_the_child_is_raised_here_unchanged(result, monkeypatch) -> None:
    def make_plan(*args, **kwargs):
        raise AllocationError("minimum shares for level 'district' add up to 120%")

    monkeypatch.setattr(geoplan.plan, "make_plan", make_plan)
    with pytest.raises(AllocationError, match="add up to 120%"):
        _plan(result, lambda partial, ready: None)
    assert multiprocessing.active_children() == []


def test_a_failure_beside_the_plan_stops_the_child(result, monkeypatch) -> None:
    monkeypatch.setattr(geoplan.plan, "make_plan", lambda *a, **k: time.sleep(60))

    def beside(partial, ready) -> None:
        raise OSError(28, "No space left on device")

    started = time.perf_counter()
    with pytest.raises(OSError, match="No space"):
        _plan(result, beside)
    assert time.perf_counter() - started < 30  # the child did not sleep its minute out
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("steps", [2, None])
def test_outputs_begun_before_the_plan_are_the_same_files(result, serial, tmp_path, steps):
    """Whatever was written beside the plan (some, all), the files are the same.

    Nothing written beside it is the plain ``write_outputs`` of the other tests.
    """
    out = tmp_path / "out"
    started = begin_outputs(dataclasses.replace(result, plan=None), out)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return steps is not None and len(asked) > steps

    started.advance(stop)
    early = dict(started.written)
    if steps == 2:  # the hazard map's layers, then one product
        assert "hazard_overlay.html" in started.maps and len(early) == 1
    if steps is None:  # every product that needs no plan, and the hazard map's layers
        assert {"landslide_model.gpkg", "priority_investment.html", "hazard_overlay.png"} <= set(
            early
        )
        assert "hazard_overlay.html" in started.maps
        assert not any("resettlement" in label for label in early)
    names = [p.name for p in write_outputs(result, out, started=started, workers=1)]
    folder, serial_names = serial
    assert names == serial_names  # listed in the same order
    assert _contents(out) == _contents(folder)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # staging committed


def test_no_child_is_forked_beside_a_running_thread(result, monkeypatch) -> None:
    import threading

    parent = os.getpid()
    monkeypatch.setattr(
        geoplan.plan,
        "make_plan",
        lambda *a, **k: dataclasses.replace(result.plan, summary={"pid": os.getpid()}),
    )
    called = []
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        plan = _plan(result, lambda partial, ready: called.append(1))
    finally:
        release.set()
        other.join()
    assert plan.summary["pid"] == parent and called == []  # made here, nothing beside it


def test_a_failed_start_leaves_no_staging_folder(result, tmp_path, monkeypatch) -> None:
    import geoplan.render.outputs as outputs

    def broken(*args, **kwargs):
        raise ValueError("cannot prepare")

    monkeypatch.setattr(outputs, "prepare", broken)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot prepare"):
        write_outputs(result, out, workers=1)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]  # no staging folder left
