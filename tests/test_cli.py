"""The command line as a user meets it: help, version, errors, and the demo end to end."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from _paths import CONTRACT, DEMO_SCENARIO
from shapely.geometry import Point, box

from geoplan import __version__
from geoplan.cli import cli


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", ["demo", "run", "check", "compare", "criteria", "schema"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    # The first docstring line is the summary shown in the group's help.
    assert len(result.output.splitlines()) > 3


def test_group_help_lists_commands(runner):
    result = runner.invoke(cli, ["--help"])
    for command in ("demo", "run", "check", "compare"):
        assert command in result.output


def test_schema_is_json(runner):
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "Scenario"


def test_missing_scenario_is_one_clean_error(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


# --- small hand-made layers -------------------------------------------------------------


def _tiny_layers(folder: Path, *, drop_commune_field: str | None = None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    communes = gpd.GeoDataFrame(
        {
            "commune_code": ["00001", "00002"],
            "commune_name": ["Đắk Một", "Đắk Hai"],
            "district_code": ["001", "001"],
            "district_name": ["Huyện Thử", "Huyện Thử"],
            "ntm_criteria_met": [12, 16],
            "region": ["III", "II"],
            "is_atk": [True, False],
            "is_especially_difficult": [True, False],
            "has_cooperative": [False, True],
        },
        geometry=[box(500000, 1600000, 510000, 1610000), box(510000, 1600000, 520000, 1610000)],
        crs="EPSG:3405",
    )
    if drop_commune_field:
        communes = communes.drop(columns=drop_commune_field)
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["v1", "v2", "v3"],
            "village_name": ["Thôn 1", "Làng Kon Klor", "Plei Rơ Wai"],
            "commune_code": ["00001", "00001", "00002"],
            "households": [120, 80, 60],
            "population": [500, 330, 250],
            "poor_households": [40, 10, 5],
        },
        geometry=[Point(502000, 1602000), Point(507000, 1607000), Point(515000, 1605000)],
        crs="EPSG:3405",
    )
    communes_path = folder / "communes.gpkg"
    villages_path = folder / "villages.gpkg"
    communes.to_file(communes_path, layer="communes")
    villages.to_file(villages_path, layer="villages")
    return communes_path, villages_path


def _scenario_with(tmp_path: Path, layers: dict[str, dict[str, str]]) -> Path:
    demo = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    data = {"name": "tiny", "layers": layers, "scoring": demo["scoring"]}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_run_names_a_missing_layer_file_and_writes_nothing(runner, tmp_path):
    communes, _ = _tiny_layers(tmp_path / "data")
    scenario = _scenario_with(
        tmp_path,
        {
            "communes": {"path": str(communes), "layer": "communes"},
            "villages": {"path": "data/does-not-exist.gpkg"},
        },
    )
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert "does-not-exist.gpkg" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_run_names_a_missing_required_field_and_writes_nothing(runner, tmp_path):
    communes, villages = _tiny_layers(tmp_path / "data", drop_commune_field="commune_code")
    scenario = _scenario_with(
        tmp_path,
        {
            "communes": {"path": str(communes), "layer": "communes"},
            "villages": {"path": str(villages), "layer": "villages"},
        },
    )
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert "communes.gpkg" in result.stderr
    assert "commune_code" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_check_reports_a_clean_scenario_and_a_broken_file(runner, tmp_path):
    communes, villages = _tiny_layers(tmp_path / "data")
    scenario = _scenario_with(
        tmp_path,
        {
            "communes": {"path": str(communes), "layer": "communes"},
            "villages": {"path": str(villages), "layer": "villages"},
        },
    )
    report = tmp_path / "report.json"
    ok = runner.invoke(cli, ["check", str(scenario), "--json", str(report)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(report.read_text(encoding="utf-8"))
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ not json", encoding="utf-8")
    bad = runner.invoke(cli, ["check", str(broken)])
    assert bad.exit_code == 2
    assert "broken.geojson" in bad.output + bad.stderr
    assert "Traceback" not in bad.output + bad.stderr


# --- the demo, end to end ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_cli_out(tmp_path_factory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("cli") / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out, result


def test_demo_writes_the_whole_contract(demo_cli_out):
    out, _ = demo_cli_out
    missing = [name for name in CONTRACT if not (out / name).is_file()]
    assert missing == []
    for name in CONTRACT:
        assert (out / name).stat().st_size > 0, name


def test_demo_files_carry_the_40_real_2025_units(demo_cli_out):
    """`geoplan demo` plans in the 2025 structure on the real units (issue #10)."""
    import pandas as pd
    from _paths import ROOT

    out, _ = demo_cli_out
    real = gpd.read_file(ROOT / "geoplan" / "demo" / "data" / "kontum_2025_communes.geojson")
    codes = set(real["commune_code_2025"])
    assert len(codes) == 40
    layer = gpd.read_file(out / "rankings.gpkg", layer="communes_2025")
    assert set(layer["commune_code_2025"].astype(str)) == codes
    crosswalk = pd.read_csv(out / "crosswalk.csv", dtype=str, encoding="utf-8-sig")
    assert set(crosswalk["commune_code_2025"]) == codes
    assert crosswalk["commune_code"].is_unique  # every 2022 commune in exactly one 2025 unit
    by_2025 = pd.read_csv(out / "targets_by_commune_2025.csv", dtype=str, encoding="utf-8-sig")
    assert set(by_2025["commune_code_2025"]) == codes
    # the lineage written in crosswalk.csv is the published one (before_merger, as matched)
    units = gpd.read_file(ROOT / "layers" / "kontum-demo" / "kontum.gpkg", layer="communes_2025")
    lineage = {
        m: u
        for u, ms in zip(units["commune_code"], units["members"], strict=True)
        for m in ms.split(",")
    }
    got = dict(zip(crosswalk["commune_code"], crosswalk["commune_code_2025"], strict=True))
    assert got == lineage and len(got) == 102


def test_demo_shows_progress_on_stderr(demo_cli_out):
    _, result = demo_cli_out
    assert "load and validate layers" in result.stderr
    assert "scoring" in result.stderr
    assert "done in" in result.stderr


def test_demo_keeps_every_commune_and_village(demo_cli_out, demo_scenario):
    out, _ = demo_cli_out
    villages_in = gpd.read_file(demo_scenario.layers.villages.path, layer="villages")
    spec = demo_scenario.layers.communes
    communes_in = gpd.read_file(spec.path, layer=spec.layer)
    villages = gpd.read_file(out / "rankings.gpkg", layer="villages")
    communes = gpd.read_file(out / "rankings.gpkg", layer="communes")
    assert len(communes_in) > 0
    assert sorted(communes["commune_code"]) == sorted(communes_in["commune_code"])
    assert sorted(villages["village_id"]) == sorted(villages_in["village_id"])
    for track in ("resettlement", "infrastructure", "investment"):
        for suffix in ("score", "rank", "class", "eligible", "reason"):
            assert f"{track}_{suffix}" in villages.columns
        # Every village is either scored or says why it is not.
        not_eligible = ~villages[f"{track}_eligible"].astype(bool)
        assert villages.loc[not_eligible, f"{track}_reason"].str.len().gt(0).all()
        assert villages.loc[~not_eligible, f"{track}_score"].notna().all()


def test_demo_run_json_records_inputs_and_counts(demo_cli_out):
    out, _ = demo_cli_out
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["scenario"]["name"] == "kontum-demo"
    assert info["counts"]["communes_in"] == info["counts"]["communes_out"] > 0
    assert info["counts"]["villages_in"] == info["counts"]["villages_out"]
    assert any(path.endswith("kontum.gpkg") for path in info["inputs"])
    assert all(len(digest) == 64 for digest in info["inputs"].values())
    assert set(info["timings_s"]) >= {"load and validate layers", "scoring"}


def test_compare_lists_class_changes(runner, tmp_path):
    csv = tmp_path / "changes.csv"
    hazard_first = DEMO_SCENARIO.with_name("hazard-first.yaml")
    result = runner.invoke(
        cli, ["compare", str(DEMO_SCENARIO), str(hazard_first), "--csv", str(csv), "-q"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    import pandas as pd

    changes = pd.read_csv(csv, dtype={"village_id": str})
    assert len(changes) > 0
    assert f"{len(changes)} class change(s)" in result.output
    assert set(changes["track"]) <= {"resettlement", "infrastructure", "investment"}
    assert (changes["class_a"] != changes["class_b"]).all()
    assert set(changes["change"]) <= {"up", "down", "now ranked", "no longer ranked"}
    # Up means a better (smaller, non-zero) class in scenario B.
    up = changes[changes["change"] == "up"]
    assert ((up["class_b"] < up["class_a"]) & (up["class_b"] > 0)).all()


def test_a_result_compared_with_itself_changes_nothing(demo_result):
    # the session's demo run, not a third pipeline run through the CLI
    from geoplan.scoring import compare_scores

    same = compare_scores(demo_result.scoring, demo_result.scoring)
    assert same.empty
    assert list(same.columns)[:2] == ["track", "village_id"]


def test_debug_shows_the_exception(runner, tmp_path):
    from geoplan.errors import ScenarioError

    result = runner.invoke(cli, ["run", str(tmp_path / "nope.yaml"), "--debug"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ScenarioError)


def test_quiet_check_prints_nothing_and_keeps_the_exit_code(runner, tmp_path):
    communes, villages = _tiny_layers(tmp_path / "data")
    result = runner.invoke(cli, ["check", str(communes), str(villages), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_same_scenario_and_data_give_identical_outputs(demo_cli_out, demo_outputs):
    # Two independent runs of the demo in this session (the CLI's and the Python API's):
    # every file but run.json (which records timings) must be identical byte for byte.
    cli_out, _ = demo_cli_out
    names = sorted(p.name for p in cli_out.iterdir())
    assert names == sorted(p.name for p in demo_outputs.iterdir())
    differ = [
        name
        for name in names
        if name != "run.json"
        and (cli_out / name).read_bytes() != (demo_outputs / name).read_bytes()
    ]
    assert differ == []
