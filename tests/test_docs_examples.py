"""The YAML examples of docs/io.md and docs/scenarios.md, run verbatim on files built here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _office_files import build_files, yaml_blocks

from geoplan.check import check_paths

pytestmark = [
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

BLOCKS = [
    (doc, i, block) for doc in ("io.md", "scenarios.md") for i, block in enumerate(yaml_blocks(doc))
]


def test_docs_have_yaml_examples():
    docs = {doc for doc, _, _ in BLOCKS}
    assert docs == {"io.md", "scenarios.md"}


@pytest.mark.parametrize(("doc", "index", "block"), BLOCKS, ids=[f"{d}-{i}" for d, i, _ in BLOCKS])
def test_yaml_example_checks_clean(tmp_path: Path, doc: str, index: int, block: str):
    data = yaml.safe_load(block)
    if "name" in data:  # a whole scenario
        scenario_text = block
        layers = data["layers"]
    else:  # a `layers:` section: the rest of a scenario around it, the block itself unchanged
        assert "layers" in data, f"{doc} example {index} is neither a scenario nor `layers:`"
        layers = data["layers"]
        scenario_text = "name: docs-example\ncrs: EPSG:3405\nscoring: {}\n" + block
    build_files(layers, tmp_path)
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario_text, encoding="utf-8")
    report = check_paths([path])
    assert not report.errors, report.to_text()
    assert "internal-error" not in {i.code for i in report.issues}
