"""Partitioned runs on dask give the single-process result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.config.partitions import PartitionConfig
from geoplan.errors import ScenarioError
from geoplan.partitions import context_positions, partition_positions


def _halves(villages) -> list[list[str]]:
    """Village ids in two groups: whole communes, except one commune cut in two.

    The demo plans in the 2025 structure (no districts), so the commune is the unit whose
    centre a partition must see whole: cutting one exercises the context rule.
    """
    frame = villages.assign(
        village_id=villages["village_id"].astype(str),
        commune_code=villages["commune_code"].astype(str),
    ).sort_values(["commune_code", "village_id"])
    communes = list(dict.fromkeys(frame["commune_code"]))
    first = frame["commune_code"].isin(communes[: len(communes) // 2])
    cut = frame.index[frame["commune_code"] == communes[len(communes) // 2]]
    first.loc[cut[: len(cut) // 2]] = True
    return [list(frame["village_id"][first]), list(frame["village_id"][~first])]


@pytest.fixture(scope="module")
def partitioned(demo_result, demo_scenario):
    from geoplan.partitions import partitioned_indicators
    from geoplan.scoring import score_tracks

    config = PartitionConfig(
        by="village_id", groups=_halves(demo_result.layers.villages), workers=2, processes=False
    )
    scenario = demo_scenario.model_copy(update={"partitions": config})
    indicators = partitioned_indicators(demo_result.layers, scenario)
    return indicators, score_tracks(indicators, scenario)


def test_the_split_cuts_one_commune(demo_result):
    layers = demo_result.layers
    config = PartitionConfig(by="village_id", groups=_halves(layers.villages))
    parts = partition_positions(layers.villages, layers.communes, config)
    assert len(parts) == 2
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(len(layers.villages)))
    commune = layers.villages["commune_code"].astype(str)
    shared = set(commune.iloc[parts[0]]) & set(commune.iloc[parts[1]])
    assert len(shared) == 1, "one commune is cut, so the context rule is exercised"
    contexts = [context_positions(layers.villages, layers.communes, own) for own in parts]
    for own, context in zip(parts, contexts, strict=True):
        assert set(own) <= set(context)
        assert context.size < len(layers.villages), "a partition must not see every village"
    assert set(contexts[0]) & set(contexts[1]) == set(np.flatnonzero(commune.isin(shared)))


def test_indicator_columns_are_identical(partitioned, demo_result):
    indicators, _ = partitioned
    single = demo_result.indicators
    pd.testing.assert_frame_equal(indicators.villages, single.villages, check_exact=True)
    pd.testing.assert_frame_equal(indicators.communes, single.communes, check_exact=True)
    if single.districts is not None:
        pd.testing.assert_frame_equal(indicators.districts, single.districts, check_exact=True)
    pd.testing.assert_frame_equal(indicators.province, single.province, check_exact=True)


def test_rankings_are_identical(partitioned, demo_result):
    _, scoring = partitioned
    single = demo_result.scoring.villages
    columns = [
        f"{track}_{part}"
        for track in demo_result.scenario.scoring.tracks
        for part in ("score", "rank", "class", "eligible", "reason")
    ]
    assert all(c in single for c in columns)
    pd.testing.assert_frame_equal(scoring.villages[columns], single[columns], check_exact=True)
    pd.testing.assert_frame_equal(scoring.communes, demo_result.scoring.communes, check_exact=True)


def test_context_holds_whole_communes(demo_result):
    villages = demo_result.layers.villages
    own = np.array([0])
    context = context_positions(villages, demo_result.layers.communes, own)
    same = (villages["commune_code"] == villages["commune_code"].iloc[0]).to_numpy().copy()
    if "district_code" in demo_result.indicators.villages:
        district = demo_result.indicators.villages["district_code"]
        same |= (district.notna() & (district == district.iloc[0])).to_numpy()
    assert np.array_equal(context, np.flatnonzero(same))


def test_a_value_in_no_group_is_a_clear_error(demo_result):
    layers = demo_result.layers
    first, _ = _halves(layers.villages)
    config = PartitionConfig(by="village_id", groups=[first])
    with pytest.raises(ScenarioError, match=r"in no partitions\.groups entry"):
        partition_positions(layers.villages, layers.communes, config)


def test_an_unknown_field_is_a_clear_error(demo_result):
    layers = demo_result.layers
    with pytest.raises(ScenarioError, match="'province_code', which is neither"):
        partition_positions(layers.villages, layers.communes, PartitionConfig(by="province_code"))


def test_a_commune_field_partitions_villages(demo_result):
    layers = demo_result.layers
    parts = partition_positions(
        layers.villages, layers.communes, PartitionConfig(by="commune_type")
    )
    kind = (
        layers.villages["commune_code"]
        .astype(str)
        .map(layers.communes.set_index(layers.communes["commune_code"].astype(str))["commune_type"])
    )
    assert len(parts) == kind.nunique() >= 2  # communes (xã) and wards (phường)
    assert all(kind.iloc[p].nunique() == 1 for p in parts)


def test_a_value_in_two_groups_is_rejected():
    with pytest.raises(ValueError, match="list each value once"):
        PartitionConfig(by="commune_code", groups=[["1", "2"], ["2"]])


def test_a_scheduler_address_connects_to_that_cluster():
    from distributed import LocalCluster

    from geoplan.partitions import _dask_client

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        config = PartitionConfig(by="commune_code", scheduler=cluster.scheduler_address)
        with _dask_client(config) as client:
            assert client.scheduler.address == cluster.scheduler_address
            assert client.submit(sum, [1, 2]).result() == 3


def test_a_scheduler_must_be_an_address():
    with pytest.raises(ValueError, match="must be an address"):
        PartitionConfig(by="commune_code", scheduler="localhost")
