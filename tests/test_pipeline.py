"""The pipeline end to end on the demo, in Python (no outputs written)."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
from _paths import ROOT
from shapely.geometry import box

from geoplan.config.plan import CrosswalkConfig
from geoplan.plan.crosswalk import make_crosswalk

TRACKS = ("resettlement", "infrastructure", "investment")
#: The real 2025 units the demo is built on (a copy of shared/data, kept with the generator).
REAL_2025 = ROOT / "geoplan" / "demo" / "data" / "kontum_2025_communes.geojson"


def test_every_village_and_commune_comes_out(demo_result):
    layers, scoring = demo_result.layers, demo_result.scoring
    spec = demo_result.scenario.layers.communes
    assert len(layers.communes) == len(gpd.read_file(spec.path, layer=spec.layer))
    assert list(scoring.villages["village_id"]) == list(layers.villages["village_id"])
    assert sorted(scoring.communes["commune_code"]) == sorted(layers.communes["commune_code"])


def test_all_layers_are_in_the_processing_crs(demo_result):
    target = demo_result.scenario.crs
    structure = demo_result.scenario.admin_structure
    for name in (
        "communes",
        "villages",
        "communes_2022" if structure == "2025" else "districts",
        "province",
        "landslide_zones",
        "forest",
        "border",
        "roads",
        "rivers",
        "communes_2025",
    ):
        frame = getattr(demo_result.layers, name)
        assert frame is not None, name
        assert frame.crs.equals(target), name


def test_three_tracks_carry_scores_classes_reasons_and_intervals(demo_result):
    villages = demo_result.scoring.villages
    for track in TRACKS:
        eligible = villages[f"{track}_eligible"].astype(bool)
        assert eligible.any(), track
        scored = villages[eligible]
        assert scored[f"{track}_score"].between(0, 1).all()
        assert set(scored[f"{track}_class"].unique()) <= {1, 2, 3, 4, 5}
        assert (
            scored[f"{track}_rank"].astype(int).sort_values().to_numpy()
            == np.arange(1, eligible.sum() + 1)
        ).all()
        assert (scored[f"{track}_rank_p05"] <= scored[f"{track}_rank_p95"]).all()
        assert scored[f"{track}_reason"].str.len().gt(20).all()
        assert scored[f"{track}_reason_vi"].str.len().gt(20).all()
        contrib = scored.filter(like=f"{track}_contrib_")
        assert contrib.shape[1] >= 3
        # Contributions are shares of the score (for villages with a positive score).
        positive = scored[f"{track}_score"] > 0
        np.testing.assert_allclose(
            contrib[positive].sum(axis=1).to_numpy(), 1.0, atol=1e-6, err_msg=track
        )
        assert (villages.loc[~eligible, f"{track}_class"] == 0).all()


def test_exposed_villages_are_eligible_for_resettlement(demo_result):
    villages = demo_result.scoring.villages
    exposed = villages["hh_exposed_high"].fillna(0) > 0
    assert exposed.any()
    assert villages.loc[exposed, "resettlement_eligible"].astype(bool).all()


def test_the_model_card_meets_the_skill_floor(demo_result):
    card = demo_result.indicators.susceptibility.model_card
    assert card["spatial_cv_auc"] >= 0.80
    # The demo knows its synthetic truth; the model must recover it.
    assert card["truth_auc"] >= 0.80
    assert len(card["spatial_cv_fold_aucs"]) == demo_result.scenario.susceptibility.folds


def test_crosswalk_to_the_2025_communes_covers_every_2022_commune(demo_result):
    layers = demo_result.layers
    crosswalk = demo_result.plan.crosswalk
    assert crosswalk is not None
    old = layers.communes_2022 if layers.admin_structure == "2025" else layers.communes
    assert set(crosswalk["commune_code"]) == set(old["commune_code"])
    shares = crosswalk.groupby("commune_code")["area_share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0, atol=1e-9)
    assert crosswalk["commune_code_2025"].nunique() == len(layers.communes_2025)


def test_the_demo_plans_in_the_2025_structure_on_the_real_units(demo_result):
    """Every 2022 commune maps to exactly the 2025 unit of its published lineage."""
    layers, plan = demo_result.layers, demo_result.plan
    assert layers.admin_structure == "2025" and layers.districts is None
    units = gpd.read_file(REAL_2025)
    assert set(layers.communes["commune_code"]) == set(units["commune_code_2025"])
    lineage = {
        m: u
        for u, ms in zip(layers.communes["commune_code"], layers.communes["members"], strict=True)
        for m in ms.split(",")
    }
    cw = plan.crosswalk
    assert cw["commune_code"].is_unique and (cw["area_share"] == 1.0).all()
    assert dict(zip(cw["commune_code"], cw["commune_code_2025"], strict=True)) == lineage
    # the 2025 view and the per-commune targets are per real unit
    assert set(plan.communes_2025["commune_code_2025"]) == set(units["commune_code_2025"])
    assert set(plan.targets_by_commune_2025["commune_code_2025"]) == set(units["commune_code_2025"])
    assert "district_code" not in layers.communes.columns


def test_a_crosswalk_table_joined_onto_the_communes_is_used():
    communes = gpd.GeoDataFrame(
        {
            "commune_code": ["00001", "00002", "00003"],
            "commune_code_2025": ["N1", "N1", "N2"],
            "commune_name_2025": ["Mới Một", "Mới Một", "Mới Hai"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:3405",
    )
    table = pd.DataFrame(communes.drop(columns="geometry"))
    crosswalk = make_crosswalk(communes, CrosswalkConfig(), table=table)
    assert crosswalk is not None
    mapping = dict(zip(crosswalk["commune_code"], crosswalk["commune_code_2025"], strict=True))
    assert mapping == {"00001": "N1", "00002": "N1", "00003": "N2"}


def test_timings_and_versions_are_recorded(demo_result):
    assert set(demo_result.timings) == {
        "load and validate layers",
        "indicators and hazard model",
        "scoring",
        "sites, budget and targets",
    }
    assert demo_result.versions["geopandas"] != "not installed"
    info = demo_result.run_info
    assert info["counts"]["villages_in"] == info["counts"]["villages_out"]


def test_the_truth_raster_is_released_once_the_model_is_scored(demo_result):
    # memory: the evaluation-only raster must not ride along through the plan and render
    assert demo_result.scenario.layers.landslide_truth is not None
    assert demo_result.indicators.susceptibility.model_card["truth_auc"] is not None
    assert demo_result.layers.landslide_truth is None
    assert demo_result.layers.dem is not None  # the plan and the maps still read the DEM


_TRIM_PROBE = """
from geoplan.memory import release_freed_memory

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

blocks = [bytes(4000) + bytes([i % 256]) for i in range(25_000)]  # ~100 MB from malloc's heap
keep = bytes(4000) + b"x"  # allocated last: the freed blocks lie below it, inside the heap
del blocks
before = rss_kib()
release_freed_memory()
print(before, rss_kib())
"""


def test_freed_heap_goes_back_to_the_system_between_stages():  # as the pipeline does
    # the stages' large temporaries leave holes in glibc's heap; without the trim they stay
    # resident and add to the next stage's peak (Linux, as on every machine geoplan targets)
    done = subprocess.run(
        [sys.executable, "-c", _TRIM_PROBE],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = (int(v) for v in done.stdout.split())
    assert before - after > 50 * 1024, (before, after)
