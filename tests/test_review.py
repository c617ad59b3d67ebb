"""Commune review packs: export, edit two villages, import, rerun."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from geoplan.errors import GeoplanError
from geoplan.review import export_packs, import_packs, rank_changes, read_corrections


def _edit(path, village_id, field, value, who="Y Blong", why="điều tra lại 2025"):
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    fields = [c.value for c in wb["_geoplan"][4] if c.value]
    for row in ws.iter_rows(min_row=4):
        if row[0].value == village_id:
            row[fields.index(field)].value = value
            row[fields.index("who")].value = who
            row[fields.index("why")].value = why
    wb.save(path)


@pytest.fixture(scope="module")
def packs(demo_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs")
    return out, export_packs(demo_result, out)


def test_export_one_protected_workbook_per_commune(packs, demo_result):
    _, files = packs
    assert len(files) == demo_result.layers.villages["commune_code"].nunique()
    wb = load_workbook(files[0])
    ws = wb.worksheets[0]
    assert ws.protection.sheet
    assert wb["_geoplan"].sheet_state == "hidden"
    formulas = [c.value for c in ws[4] if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas and all("IF(" in f for f in formulas)
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"whole", "list"}
    edit = ws.cell(4, 3)
    assert edit.protection.locked is False and ws.cell(4, 1).protection.locked is not False


def test_review_round_trip(packs, demo_result, demo_scenario, tmp_path):
    from geoplan.pipeline import run

    out, files = packs
    scored = demo_result.scoring.villages
    ranked = scored[scored["investment_rank"].notna()].sort_values("investment_rank")
    top, low = ranked.iloc[0], ranked.iloc[-1]
    by_code = {f.name.split("_")[0]: f for f in files}
    # the poorest-ranked village becomes all poor; the top one loses its poor households
    _edit(
        by_code[low["commune_code"]], low["village_id"], "poor_households", int(low["households"])
    )
    _edit(by_code[top["commune_code"]], top["village_id"], "poor_households", 0)
    log = tmp_path / "corrections.csv"
    scenario = demo_scenario.model_copy(update={"corrections": log})
    when = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    recorded = import_packs(scenario, out, villages=demo_result.layers.villages, now=when)
    logged = read_corrections(log)
    assert set(logged["village_id"]) == {top["village_id"], low["village_id"]}
    assert set(logged["field"]) == {"poor_households"}
    assert set(logged["who"]) == {"Y Blong"} and set(logged["when"]) == {when.isoformat()}
    assert len(recorded.changes) == 2
    # the original layer file is untouched; the rerun sees the corrections
    without_plan = scenario.plan.model_copy(update={"enabled": False})
    after = run(scenario.model_copy(update={"plan": without_plan}))
    villages = after.layers.villages.set_index("village_id")
    assert villages.at[top["village_id"], "poor_households"] == 0
    moved = rank_changes(demo_result.scoring, after.scoring, ["investment"]).set_index("village_id")
    assert moved.at[low["village_id"], "rank_after"] < low["investment_rank"]
    assert moved.at[top["village_id"], "rank_after"] > top["investment_rank"]
    # importing the same packs again records nothing new
    again = import_packs(scenario, out, villages=after.layers.villages, now=when)
    assert again.changes.empty and len(read_corrections(log)) == 2


def test_import_rejects_bad_values_and_records_nothing(packs, demo_result, demo_scenario, tmp_path):
    village = demo_result.layers.villages.iloc[-1]
    exported = next(f for f in packs[1] if f.name.startswith(str(village["commune_code"])))
    out = tmp_path / "returned"
    out.mkdir()
    pack = Path(shutil.copy(exported, out))
    _edit(pack, village["village_id"], "poor_households", int(village["households"]) + 5)
    log = tmp_path / "c.csv"
    scenario = demo_scenario.model_copy(update={"corrections": log})
    with pytest.raises(GeoplanError, match=r"row \d+, field poor_households: .* more than"):
        import_packs(scenario, out, villages=demo_result.layers.villages)
    assert not log.exists()
    _edit(pack, village["village_id"], "poor_households", 1, who="", why="")
    with pytest.raises(GeoplanError, match="needs who corrected it and why"):
        import_packs(scenario, out, villages=demo_result.layers.villages)
    assert not log.exists()
