"""docs/scenarios.md "From an office's files to a first map", run step by step."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _office_files import BUILDERS, UNIT_WORD, demo_subset, yaml_blocks

from geoplan.cli import cli
from geoplan.io import load_layers
from geoplan.scenario import load_scenario

pytestmark = [
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

FILES = ("data/ranh_gioi_xa.shp", "data/danh_sach_thon.xlsx", "data/ho_ngheo_2024.csv")


def _walkthrough_scenario() -> str:
    (block,) = [b for b in yaml_blocks("scenarios.md") if "name: kontum-office" in b]
    return block


def test_office_files_to_a_first_map(tmp_path: Path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for rel in FILES:
        BUILDERS[rel](tmp_path / rel)
    communes, villages = demo_subset()

    # 1. what geoplan makes of each file
    step1 = runner.invoke(cli, ["check", "data/ranh_gioi_xa.shp", "data/danh_sach_thon.xlsx"])
    assert step1.exit_code == 2, step1.output  # no CRS: refused, with the CRS to state
    out = " ".join(step1.output.split())
    assert "vn2000-tm3:kontum" in out
    assert "tcvn3" in out
    assert "column names read from row 4" in out and "UBND TỈNH KON TUM" in out
    assert "totals row" in out
    assert "northings" in out
    assert "internal" not in out.lower()

    # 2. the scenario, verbatim from the docs
    Path("my-province.yaml").write_text(_walkthrough_scenario(), encoding="utf-8")
    layers = load_layers(load_scenario("my-province.yaml"))
    expected_names = [
        f"{UNIT_WORD.get(t, 'Xã')} {n}"
        for t, n in zip(communes["commune_type"], communes["commune_name"], strict=True)
    ]
    assert layers.communes["commune_name"].tolist() == expected_names
    got = layers.communes.set_index("commune_code")["poverty_rate_2024"]
    want = communes.set_index("commune_code")["poverty_rate_2024"]
    assert (got - want.reindex(got.index)).abs().max() < 0.0006  # rounded to 0.1 % in the table
    assert sorted(layers.villages["village_id"]) == sorted(villages["village_id"])
    back = layers.villages.to_crs(9216).set_index("village_id").geometry
    source = villages.set_index("village_id").geometry
    assert back.distance(source.reindex(back.index)).max() < 0.05
    assert not [i for i in layers.report.warnings if i.code.startswith(("join-", "ambiguous"))]

    # 3. check, then run
    step3 = runner.invoke(cli, ["check", "my-province.yaml"])
    assert step3.exit_code == 0, step3.output
    run = runner.invoke(cli, ["run", "my-province.yaml"])
    assert run.exit_code == 0, run.output
    outdir = tmp_path / "maps" / "kontum-office"
    assert (outdir / "dashboard.html").is_file()
    ranked = pd.read_csv(outdir / "rankings.csv", dtype=str)
    assert set(ranked["village_id"]) == set(villages["village_id"])
