"""The landslide model's cross-validation in a forked child, and the forked-call machinery."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from test_hazard_model import scenario, world  # noqa: F401  (its synthetic world, made here too)

import geoplan.hazard.validation as validation
from geoplan.errors import GeoplanError, ModelError
from geoplan.forked import ForkedProcessError, RemoteTraceback, call_forked
from geoplan.hazard import fit_susceptibility
from geoplan.hazard.validation import MODEL_WORKERS_ENV, validation_forks


def _card(result) -> dict:
    return {k: v for k, v in result.model_card.items() if k != "timings_s"}


def test_forked_and_serial_cross_validation_give_the_same_model(request, monkeypatch) -> None:
    synthetic: SimpleNamespace = request.getfixturevalue("world")
    monkeypatch.setenv(MODEL_WORKERS_ENV, "1")
    serial = fit_susceptibility(synthetic.layers, scenario())
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    forked = fit_susceptibility(synthetic.layers, scenario())
    assert serial is not None and forked is not None
    # the forked run waited for a child; the serial one validated first, in this process
    assert "cross_validation_wait" in forked.model_card["timings_s"]
    assert "cross_validation_wait" not in serial.model_card["timings_s"]
    assert _card(forked) == _card(serial)
    assert _card(forked)["spatial_cv_fold_aucs"]  # the AUCs came back through the pipe
    np.testing.assert_array_equal(forked.probability.array, serial.probability.array)
    assert multiprocessing.active_children() == []


def test_an_error_in_the_child_is_raised_in_the_parent(request, monkeypatch) -> None:
    synthetic: SimpleNamespace = request.getfixturevalue("world")

    def broken(*args: object) -> None:
        raise ModelError(f"fold failed in {os.getpid()}")

    monkeypatch.setattr(validation, "_cross_validate", broken)
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    with pytest.raises(ModelError, match="fold failed in") as caught:
        fit_susceptibility(synthetic.layers, scenario())
    assert str(os.getpid()) not in str(caught.value)  # raised by the child
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    assert "broken" in str(caught.value.__cause__)  # the child's traceback
    assert multiprocessing.active_children() == []


def test_serial_when_asked_or_beside_a_thread(monkeypatch) -> None:
    monkeypatch.setenv(MODEL_WORKERS_ENV, "1")
    assert not validation_forks()
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    assert validation_forks()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not validation_forks()
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(multiprocessing.current_process(), "_config", {"daemon": True})
    assert not validation_forks()


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_model_workers_variable_is_a_clear_error(value: str, monkeypatch) -> None:
    monkeypatch.setenv(MODEL_WORKERS_ENV, value)
    with pytest.raises(GeoplanError, match=MODEL_WORKERS_ENV):
        validation_forks()


def test_a_forked_call_returns_its_result_from_the_child() -> None:
    with call_forked(os.getpid, fork=True, label="test", hint="") as call:
        assert call.forked
        assert call.result() != os.getpid()
    with call_forked(os.getpid, fork=False, label="test", hint="") as call:
        assert not call.forked
        assert call.result() == os.getpid()


def test_a_killed_child_is_a_clear_error() -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with (
        pytest.raises(ForkedProcessError, match=r"test process stopped .*exit code -9.*SERIAL=1"),
        call_forked(die, fork=True, label="test", hint="with SERIAL=1") as call,
    ):
        call.result()
    assert multiprocessing.active_children() == []


def test_leaving_before_the_result_stops_the_child() -> None:
    started = time.perf_counter()
    with (
        pytest.raises(KeyboardInterrupt),
        call_forked(time.sleep, 60, fork=True, label="t", hint=""),
    ):
        raise KeyboardInterrupt
    assert time.perf_counter() - started < 30
    assert multiprocessing.active_children() == []


def test_an_unpicklable_error_keeps_its_message() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise Local("no pickle for me")

    with (
        pytest.raises(ForkedProcessError, match="no pickle for me"),
        call_forked(fail, fork=True, label="test", hint="") as call,
    ):
        call.result()
