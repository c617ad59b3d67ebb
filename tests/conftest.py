"""Shared fixtures: the CLI runner and one run of the embedded demo per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from _paths import DEMO_SCENARIO
from click.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def demo_scenario():
    from geoplan import load_scenario

    return load_scenario(DEMO_SCENARIO)


@pytest.fixture(scope="session")
def demo_result(demo_scenario):
    """The demo scenario run once (no outputs written)."""
    from geoplan.pipeline import run

    return run(demo_scenario)


@pytest.fixture(scope="session")
def demo_outputs(demo_result, tmp_path_factory) -> Path:
    """The demo's output contract written once into a temporary folder."""
    from geoplan.render import write_outputs

    out = tmp_path_factory.mktemp("demo-out") / "kontum-demo"
    write_outputs(demo_result, out)
    return out
