"""Scenario loading: schema, path resolution and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _paths import DEMO_SCENARIO

from geoplan import load_scenario
from geoplan.errors import GeoplanError, ScenarioError
from geoplan.scenario import scenario_hash, scenario_json_schema

MINIMAL = {
    "name": "mini",
    "layers": {
        "communes": {"path": "data/communes.gpkg", "layer": "communes"},
        "villages": {"path": "data/villages.gpkg"},
    },
    "scoring": {
        "tracks": {
            "resettlement": {"criteria": [{"id": "hh_exposed_high", "weight": 1}]},
        }
    },
}


def write(tmp_path: Path, data: object, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_demo_scenario_loads_and_resolves_paths():
    scenario = load_scenario(DEMO_SCENARIO)
    assert scenario.name == "kontum-demo"
    assert scenario.synthetic is True
    communes = scenario.layers.communes.path
    assert communes.is_absolute()
    assert communes == (DEMO_SCENARIO.parent / "../layers/kontum-demo/kontum.gpkg").resolve()
    assert set(scenario.scoring.tracks) == {"resettlement", "infrastructure", "investment"}


def test_relative_paths_resolve_against_scenario_folder(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    scenario = load_scenario(write(sub, MINIMAL))
    assert scenario.layers.villages.path == sub / "data" / "villages.gpkg"
    assert scenario.source == sub / "s.yaml"
    assert list(scenario.layer_specs()) == ["communes", "villages"]


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_errors_are_geoplan_and_builtin():
    assert issubclass(ScenarioError, GeoplanError)
    assert issubclass(ScenarioError, ValueError)


def test_unknown_key_names_its_path(tmp_path):
    data = {**MINIMAL, "indicators": {"village_bufer_m": 300}}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    message = str(info.value)
    assert "indicators.village_bufer_m" in message
    assert "unknown key" in message
    assert "s.yaml" in message


def test_every_problem_is_listed_at_once(tmp_path):
    data = {**MINIMAL, "crs": 5, "indicators": {"village_buffer_m": -1}}
    del data["name"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    message = str(info.value)
    assert "name" in message
    assert "indicators.village_buffer_m" in message
    assert "crs" in message


@pytest.mark.parametrize("text", ["- just\n- a list\n", "name: [unclosed\n"])
def test_non_mapping_or_broken_yaml(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml"):
        load_scenario(path)


def test_name_must_be_folder_safe(tmp_path):
    with pytest.raises(ScenarioError, match="folder name"):
        load_scenario(write(tmp_path, {**MINIMAL, "name": "../escape"}))


def test_scenario_is_frozen(tmp_path):
    scenario = load_scenario(write(tmp_path, MINIMAL))
    with pytest.raises(ValueError, match="frozen"):
        scenario.name = "other"  # type: ignore[misc]


def test_hash_changes_with_content_not_location(tmp_path):
    a = load_scenario(write(tmp_path, MINIMAL, "a.yaml"))
    b = load_scenario(write(tmp_path, MINIMAL, "b.yaml"))
    c = load_scenario(write(tmp_path, {**MINIMAL, "title": "other"}, "c.yaml"))
    assert scenario_hash(a) == scenario_hash(b)
    assert scenario_hash(a) != scenario_hash(c)


def test_json_schema_documents_fields():
    schema = scenario_json_schema()
    assert schema["additionalProperties"] is False
    assert "layers" in schema["required"]
    assert "description" in schema["properties"]["crs"]


@pytest.mark.parametrize(
    "parts", [("labels.yaml",), ("plan", "targets.yaml"), ("scoring", "criteria.yaml")]
)
def test_packaged_yaml_reads_what_the_pure_python_loader_reads(parts):
    from importlib import resources

    import yaml

    from geoplan.config._base import packaged_yaml

    text = resources.files("geoplan").joinpath(*parts).read_text(encoding="utf-8")
    expected = yaml.load(text, Loader=yaml.SafeLoader)
    assert packaged_yaml(*parts) == expected
    assert expected  # the file is not empty
