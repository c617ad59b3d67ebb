"""The two administrative structures, rural-only NTM targets, funded T11, check --kind, lineage."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from _paths import CONTRACT, DEMO_LAYERS, PLAN_CONTRACT, SHARED_DATA

from geoplan.check import check_paths
from geoplan.errors import ScenarioError
from geoplan.io.load import load_layers
from geoplan.plan.target_progress import evaluate_targets, targets_by_commune
from geoplan.plan.targets import funded_moves
from geoplan.scenario import load_scenario

GPKG = DEMO_LAYERS / "kontum.gpkg"
REAL_2025 = SHARED_DATA / "kontum_2025_communes.geojson"


def _write(tmp: Path, doc: dict) -> Path:
    path = tmp / "scenario.yaml"
    doc = {"name": "t", "crs": "EPSG:3405", "scoring": {}, **doc}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


# --- rural-only NTM targets, by hand ------------------------------------------------------


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Four rural communes, one ward and one town (urban units recorded as NTM, as some
    offices do): only the four xã count."""
    communes = pd.DataFrame(
        {
            "commune_code": ["1", "2", "3", "4", "5", "6"],
            "commune_type": ["xa", "xa", "xa", "xa", "phuong", "thi_tran"],
            "ntm_status": ["standard", "advanced", "none", "model", "standard", "advanced"],
            "ntm_year": [2022, 2021, np.nan, 2023, 2020, 2020],
            "ntm_criteria_2023": [19, 19, 11, 18, 19, 19],
            "ntm_criteria_2024": [19, 19, 12, 19, 19, 19],
        }
    )
    villages = pd.DataFrame(
        {"village_id": [f"v{i}" for i in range(1, 7)], "commune_code": list("123456")}
    )
    return communes, villages, pd.DataFrame({"district_code": pd.Series(dtype=str)})


def test_t1_t2_t5_count_rural_communes_only():
    c, v, d = _frames()
    prov = evaluate_targets(c, v, d)[0].set_index("id")
    # T1: xã 1, 2, 4 meet the standard (the ward and the town are not counted): 3, not 5
    assert prov.loc["T1", "value"] == 3
    # T2: advanced or model among xã: 2 and 4 (the advanced town is not counted)
    assert prov.loc["T2", "value"] == 2
    # T3: model: xã 4
    assert prov.loc["T3", "value"] == 1
    # T5: 15+ criteria in 2024 among the 4 xã: 1, 2, 4 -> 3/4 (not 5/6)
    assert prov.loc["T5", "numerator"] == 3 and prov.loc["T5", "denominator"] == 4
    assert prov.loc["T5", "value"] == pytest.approx(0.75)
    # without districts (2025 structure) the district targets do not apply
    assert prov.loc["T8", "status"] == "not_applicable"


def test_wards_and_towns_are_not_applicable_per_commune():
    c, v, d = _frames()
    by_c = targets_by_commune(c, v, d).set_index(["commune_code", "id"])
    for code in ("5", "6"):
        assert by_c.loc[(code, "T5"), "status"] == "not_applicable"
        assert "xã" in by_c.loc[(code, "T5"), "note"]
    assert by_c.loc[("3", "T5"), "value"] == 0.0
    assert by_c.loc[("1", "T5"), "value"] == 1.0


def test_without_unit_types_every_commune_counts():
    c, v, d = _frames()
    prov = evaluate_targets(c.drop(columns="commune_type"), v, d)[0].set_index("id")
    assert prov.loc["T1", "value"] == 5


# --- T11: funded moves only -----------------------------------------------------------------


def test_t11_counts_funded_moves_with_unfunded_beside():
    c, v, d = _frames()
    prov = evaluate_targets(
        c,
        v,
        d,
        at_risk_households={"": 100.0},
        placed_households={"": 30.0},
        unfunded_households={"": 50.0},
    )[0].set_index("id")
    assert prov.loc["T11", "value"] == pytest.approx(0.30)
    assert prov.loc["T11", "numerator"] == 30
    assert "50 more households planned at a site but not funded" in prov.loc["T11", "note"]


def test_funded_moves_from_the_allocation_or_the_funding_status():
    moves = pd.DataFrame({"village_id": ["a", "b", "c"], "households": [10, 20, 30]})
    allocation = pd.DataFrame(
        {
            "kind": ["resettlement", "resettlement", "road"],
            "village_id": ["a", "b", "c"],
            "funded": [True, False, True],
        }
    )
    assert list(funded_moves(moves, allocation)) == [True, False, False]
    with_status = moves.assign(funding_status=["unfunded", "funded", "funded"])
    assert list(funded_moves(with_status, allocation)) == [False, True, True]


# --- scenarios and layers -------------------------------------------------------------------


def test_structure_default_and_layers_that_do_not_fit(tmp_path):
    base = {"layers": {"communes": {"path": "c.gpkg"}, "villages": {"path": "v.gpkg"}}}
    assert load_scenario(_write(tmp_path, base)).admin_structure == "2025"
    bad = {"layers": {**base["layers"], "communes_2025": {"path": "n.gpkg"}}}
    with pytest.raises(ScenarioError, match="communes_2022"):
        load_scenario(_write(tmp_path, bad))
    bad = {"admin_structure": "2022", "layers": {**base["layers"], "communes_2022": {"path": "x"}}}
    with pytest.raises(ScenarioError, match="communes_2025"):
        load_scenario(_write(tmp_path, bad))


def test_a_real_2025_layer_maps_through_fields_alone(tmp_path):
    """The real 40 units, with the source's own column names, mapped by `fields:` only."""
    assert REAL_2025.is_file(), f"{REAL_2025}: CI keeps a copy of shared/ beside the clone"
    doc = {
        "layers": {
            "communes": {
                "path": str(REAL_2025),
                "fields": {
                    "commune_code": "commune_code_2025",
                    "commune_name": "commune_name_2025",
                    "commune_type": "unit_type",
                },
            },
            "villages": {"path": str(GPKG), "layer": "villages"},
        }
    }
    layers = load_layers(load_scenario(_write(tmp_path, doc)))
    real = gpd.read_file(REAL_2025)
    assert sorted(layers.communes["commune_code"]) == sorted(real["commune_code_2025"])
    assert dict(layers.communes["commune_type"].value_counts()) == {"xa": 37, "phuong": 3}
    assert "district_code" not in layers.communes.columns
    assert layers.districts is None or layers.districts.empty
    # every village is keyed by the real 2025 unit its point lies in
    assert set(layers.villages["commune_code"]) <= set(real["commune_code_2025"])
    joined = gpd.sjoin(
        layers.villages[["village_id", "commune_code", "geometry"]],
        layers.communes[["commune_code", "geometry"]],
        predicate="within",
    )
    assert (
        joined.groupby("village_id").apply(
            lambda g: (g["commune_code_left"] == g["commune_code_right"]).any()
        )
    ).all()


def test_villages_with_2022_codes_go_to_their_2025_unit(tmp_path):
    doc = {
        "layers": {
            "communes": {"path": str(GPKG), "layer": "communes_2025"},
            "communes_2022": {"path": str(GPKG), "layer": "communes"},
            "villages": {"path": str(GPKG), "layer": "villages"},
        }
    }
    # drop the 2025 code from the villages: only their 2022 code says where they are
    villages = gpd.read_file(GPKG, layer="villages").drop(columns="commune_code_2025")
    villages.to_file(tmp_path / "v.gpkg", layer="villages")
    doc["layers"]["villages"] = {"path": str(tmp_path / "v.gpkg")}
    layers = load_layers(load_scenario(_write(tmp_path, doc)))
    units = gpd.read_file(GPKG, layer="communes_2025")
    lineage = {
        m: u
        for u, ms in zip(units["commune_code"], units["members"], strict=True)
        for m in ms.split(",")
    }
    v = layers.villages
    assert (v["commune_code"] == v["commune_code_2022"].map(lineage)).all()
    # the 2022 history is carried over only for fields the 2025 layer lacks
    assert layers.communes["poverty_rate_2021"].notna().all()


def test_history_fields_come_from_the_2022_layer(tmp_path):
    units = gpd.read_file(GPKG, layer="communes_2025").drop(columns=["poverty_rate_2021"])
    units.to_file(tmp_path / "u.gpkg", layer="u")
    doc = {
        "layers": {
            "communes": {"path": str(tmp_path / "u.gpkg")},
            "communes_2022": {"path": str(GPKG), "layer": "communes"},
            "villages": {"path": str(GPKG), "layer": "villages"},
        }
    }
    layers = load_layers(load_scenario(_write(tmp_path, doc)))
    old = gpd.read_file(GPKG, layer="communes").set_index("commune_code")
    got = layers.communes.set_index("commune_code")["poverty_rate_2021"]
    # a unit that was not merged keeps its only member's rate; a merged one lies between
    assert got["23536"] == pytest.approx(old.loc["23536", "poverty_rate_2021"])
    members = units.set_index("commune_code").loc["23293", "members"].split(",")
    rates = old.loc[members, "poverty_rate_2021"]
    assert rates.min() - 1e-9 <= got["23293"] <= rates.max() + 1e-9
    assert any(i.code == "history-from-2022" for i in layers.report.issues)


# --- geoplan check --kind ---------------------------------------------------------------------

KINDS_IN_DEMO = {
    "communes": "communes",
    "communes_2025": "communes_2025",
    "villages": "villages",
    "districts": "districts",
    "province": "province",
    "border": "border",
    "landslide_zones": "landslide_zones",
    "landslide_inventory": "landslide_inventory",
    "forest": "forest",
    "roads": "roads",
    "rivers": "rivers",
}


@pytest.fixture(scope="module")
def bare_files(tmp_path_factory) -> dict[str, Path]:
    """Each demo layer as a bare GeoJSON file with an uninformative name."""
    folder = tmp_path_factory.mktemp("bare")
    out = {}
    for i, layer in enumerate(KINDS_IN_DEMO):
        path = folder / f"file{i}.geojson"
        gpd.read_file(GPKG, layer=layer).to_crs(4326).to_file(path)
        out[layer] = path
    return out


@pytest.mark.parametrize("kind", sorted(KINDS_IN_DEMO))
def test_check_kind_on_every_kind(bare_files, kind):
    report = check_paths([bare_files[kind]], kind=kind)
    assert [s.name for s in report.layers] == [kind]
    assert report.exit_code() == 0, report.to_text()


def test_check_kind_says_when_a_file_is_not_that_kind(bare_files):
    report = check_paths([bare_files["roads"]], kind="villages")
    assert report.exit_code() == 2
    assert check_paths([bare_files["roads"]], kind="nonsense").errors[0].code == "unknown-kind"


def test_a_bare_file_is_never_checked_as_a_guessed_wrong_kind(bare_files):
    for kind, path in bare_files.items():
        report = check_paths([path])
        names = [s.name for s in report.layers]
        if names:  # an unambiguous guess, shown as such, and right
            assert names == [f"{kind} (guessed)"], (kind, names)
        else:  # or no guess at all: an error saying to give --kind
            assert report.errors[0].code == "ambiguous-kind", kind
            assert "--kind" in report.errors[0].message


# --- a 2025-only scenario, end to end ---------------------------------------------------------


@pytest.mark.slow
def test_a_2025_only_scenario_writes_the_whole_contract(tmp_path, runner):
    """Only the 2025 units, villages and hazard layers: no district, no 2022 layer."""
    from _paths import DEMO_SCENARIO

    from geoplan.cli import cli

    doc = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    lay = {"path": str(GPKG)}
    doc["name"] = "only-2025"
    doc["layers"] = {
        "communes": {**lay, "layer": "communes_2025"},
        "villages": {**lay, "layer": "villages"},
        "landslide_zones": {**lay, "layer": "landslide_zones"},
        "landslide_inventory": {**lay, "layer": "landslide_inventory"},
        "dem": {"path": str(DEMO_LAYERS / "dem.tif")},
    }
    doc["admin_structure"] = "2025"
    doc["susceptibility"] = {"enabled": True, "model": "logistic", "folds": 2, "random_state": 1}
    doc["scoring"]["stability"] = {"draws": 50, "random_state": 7}
    scenario = tmp_path / "only-2025.yaml"
    scenario.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output + result.stderr
    missing = [name for name in [*CONTRACT, *PLAN_CONTRACT] if not (out / name).is_file()]
    assert missing == []
    units = set(gpd.read_file(GPKG, layer="communes_2025")["commune_code"])
    assert set(gpd.read_file(out / "rankings.gpkg", layer="communes")["commune_code"]) == units
    layer_2025 = gpd.read_file(out / "rankings.gpkg", layer="communes_2025")
    assert set(layer_2025["commune_code_2025"]) == units
    by_2025 = pd.read_csv(out / "targets_by_commune_2025.csv", dtype=str, encoding="utf-8-sig")
    assert set(by_2025["commune_code_2025"]) == units
    # no districts in the 2025 structure: no per-district file, T8 not applicable
    assert not (out / "targets_by_district.csv").exists()
    targets = pd.read_csv(out / "targets.csv", dtype={"id": str}, encoding="utf-8-sig")
    assert targets.set_index("id").loc["T8", "status"] == "not_applicable"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "01/7/2025" in report  # the report says which structure its figures are in


def test_a_name_keyed_members_column_gives_the_same_crosswalk():
    from geoplan.config.plan import CrosswalkConfig
    from geoplan.errors import AllocationError
    from geoplan.plan.crosswalk import make_crosswalk

    old = gpd.read_file(GPKG, layer="communes")
    new = gpd.read_file(GPKG, layer="communes_2025")
    from geoplan.io.text import normalize_name

    name_of = dict(zip(old["commune_code"], old["commune_name"], strict=True))
    keys = old["commune_name"].map(normalize_name)
    repeated = set(old["commune_name"][keys.duplicated(keep=False)])  # two Đăk Long, two Đắk Hà
    by_name = new.assign(
        members=[
            ", ".join(
                c if name_of[c] in repeated else f"Xã {name_of[c].upper()}" for c in m.split(",")
            )
            for m in new["members"]
        ]
    )
    cfg = CrosswalkConfig()
    by_code = make_crosswalk(old, cfg, communes_2025=new)
    named = make_crosswalk(old, cfg, communes_2025=by_name)
    pd.testing.assert_frame_equal(named, by_code)
    assert len(named) == len(old)
    # a name that is not a 2022 commune stops the run instead of dropping every 2025 output
    bad = by_name.assign(members=by_name["members"].where(by_name.index > 0, "Xã Không Có"))
    with pytest.raises(AllocationError, match="Không Có"):
        make_crosswalk(old, cfg, communes_2025=bad)
