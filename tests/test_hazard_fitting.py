"""The landslide model fitted in a forked child beside the other indicators."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _hazard_world import make_world, scenario, with_villages

import geoplan.hazard.fitting as fitting
import geoplan.hazard.validation as validation
import geoplan.indicators.core as core
from geoplan.errors import ModelError
from geoplan.forked import ForkedProcessError, RemoteTraceback
from geoplan.hazard.fitting import MODEL_WORKERS_ENV
from geoplan.indicators import compute_indicators

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


@pytest.fixture(scope="module")
def layers() -> SimpleNamespace:
    return with_villages(make_world())


def _card(result: object) -> dict:
    return {k: v for k, v in result.model_card.items() if k != "timings_s"}  # type: ignore[attr-defined]


def _gone(pid: int) -> bool:
    """Whether a process has ended (a zombie left to an init that does not reap counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in {"Z", "X"}


def _wait_gone(pid: int, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def test_forked_and_serial_indicators_are_the_same(layers, monkeypatch) -> None:
    monkeypatch.setenv(MODEL_WORKERS_ENV, "1")
    serial = compute_indicators(layers, scenario())
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    forked = compute_indicators(layers, scenario())
    assert serial.susceptibility is not None and forked.susceptibility is not None
    pd.testing.assert_frame_equal(forked.villages, serial.villages)
    pd.testing.assert_frame_equal(forked.communes, serial.communes)
    assert _card(forked.susceptibility) == _card(serial.susceptibility)
    np.testing.assert_array_equal(
        forked.susceptibility.probability.array, serial.susceptibility.probability.array
    )
    pd.testing.assert_frame_equal(forked.susceptibility.zones, serial.susceptibility.zones)
    # the model child forked the cross-validation in its turn; one process did it itself
    assert "cross_validation_wait" in forked.susceptibility.model_card["timings_s"]
    assert "cross_validation_wait" not in serial.susceptibility.model_card["timings_s"]
    assert multiprocessing.active_children() == []


def test_an_error_in_the_model_child_is_the_error_of_one_process(layers, monkeypatch) -> None:
    few = SimpleNamespace(
        **{**vars(layers), "landslide_inventory": layers.landslide_inventory.iloc[:3]}
    )
    monkeypatch.setenv(MODEL_WORKERS_ENV, "1")
    with pytest.raises(ModelError) as serial:
        compute_indicators(few, scenario())
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    with pytest.raises(ModelError) as forked:
        compute_indicators(few, scenario())
    assert str(forked.value) == str(serial.value)
    assert str(forked.value).startswith("landslide_inventory: only ")  # the layer at fault
    assert isinstance(forked.value.__cause__, RemoteTraceback)  # raised in the child
    assert "presence_cells" in str(forked.value.__cause__)
    assert multiprocessing.active_children() == []


def test_a_killed_model_child_is_a_clear_error(layers, monkeypatch) -> None:
    tests = os.getpid()

    def killed(*args: object) -> None:
        assert os.getpid() != tests, "the model was not forked: it would kill the tests"
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(fitting, "_fit", killed)
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    with pytest.raises(
        ForkedProcessError, match=rf"landslide model process .*{MODEL_WORKERS_ENV}=1"
    ):
        compute_indicators(layers, scenario())
    assert multiprocessing.active_children() == []


def test_ctrl_c_stops_the_model_child_and_its_cross_validation(
    layers, monkeypatch, tmp_path: Path
) -> None:
    started = tmp_path / "validating"

    def slow_folds(*args: object) -> None:  # in the grandchild, forked by the model child
        started.write_text(f"{os.getppid()} {os.getpid()}")
        time.sleep(120)

    def interrupted(*args: object) -> None:  # in the main process, while the children work
        end = time.monotonic() + 120
        while not started.exists() and time.monotonic() < end:
            time.sleep(0.02)
        raise KeyboardInterrupt

    monkeypatch.setattr(validation, "_cross_validate", slow_folds)
    monkeypatch.setattr(core, "_river_columns", interrupted)
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    begin = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        compute_indicators(layers, scenario())
    assert time.monotonic() - begin < 100
    model_child, cross_validation = (int(p) for p in started.read_text().split())
    assert model_child != os.getpid()
    assert multiprocessing.active_children() == []
    assert _wait_gone(model_child)
    assert _wait_gone(cross_validation)  # PDEATHSIG: it died with the model child


_FRESH = """
import json, os, sys
sys.path.insert(0, {tests!r})
import geoplan.indicators, geoplan.pipeline, geoplan.plan, geoplan.render, geoplan.scoring
imported = "sklearn" in sys.modules
from _hazard_world import make_world, scenario, with_villages
from geoplan.indicators import compute_indicators
out = compute_indicators(with_villages(make_world()), scenario())
print(json.dumps({{
    "on_import": imported,
    "after_model": "sklearn" in sys.modules,
    "fitted": out.susceptibility is not None,
    "importances": out.susceptibility.model_card["importances"],
}}))
"""


def test_the_main_process_never_imports_scikit_learn(layers) -> None:
    env = {**os.environ, MODEL_WORKERS_ENV: "2", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _FRESH.format(tests=str(TESTS))],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["fitted"]
    assert not seen["on_import"]
    assert not seen["after_model"]
    # computed in the cross-validation child and sent back through the model child
    assert seen["importances"]
    assert all(isinstance(v, float) for v in seen["importances"].values())


def test_no_child_when_the_model_does_not_run(layers, monkeypatch) -> None:
    def no_fork(*args: object, **kwargs: object) -> None:
        raise AssertionError("forked a child for a model that does not run")

    monkeypatch.setattr(fitting, "call_forked", no_fork)
    monkeypatch.setenv(MODEL_WORKERS_ENV, "2")
    out = compute_indicators(layers, scenario(enabled=False))
    assert out.susceptibility is None
    assert out.villages["susceptibility"].isna().all()
