"""Partitioned runs on dask give the single-process result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.config.partitions import PartitionConfig
from geoplan.errors import ScenarioError
from geoplan.partitions import context_positions, partition_positions


def _halves(communes) -> list[list[str]]:
    """Commune codes in two groups: whole districts, except one district cut in two."""
    frame = communes.assign(
        commune_code=communes["commune_code"].astype(str),
        district_code=communes["district_code"].astype(str),
    ).sort_values(["district_code", "commune_code"])
    districts = list(dict.fromkeys(frame["district_code"]))
    first = frame["district_code"].isin(districts[: len(districts) // 2])
    cut = frame.index[frame["district_code"] == districts[len(districts) // 2]]
    first.loc[cut[: len(cut) // 2]] = True
    return [list(frame["commune_code"][first]), list(frame["commune_code"][~first])]


@pytest.fixture(scope="module")
def partitioned(demo_result, demo_scenario):
    from geoplan.partitions import partitioned_indicators
    from geoplan.scoring import score_tracks

    config = PartitionConfig(
        by="commune_code", groups=_halves(demo_result.layers.communes), workers=2, processes=False
    )
    scenario = demo_scenario.model_copy(update={"partitions": config})
    indicators = partitioned_indicators(demo_result.layers, scenario)
    return indicators, score_tracks(indicators, scenario)


def test_the_split_crosses_districts(demo_result):
    layers = demo_result.layers
    config = PartitionConfig(by="commune_code", groups=_halves(layers.communes))
    parts = partition_positions(layers.villages, layers.communes, config)
    assert len(parts) == 2
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(len(layers.villages)))
    district = demo_result.indicators.villages["district_code"]
    shared = set(district.iloc[parts[0]]) & set(district.iloc[parts[1]])
    assert len(shared) == 1, "one district is cut, so the context rule is exercised"
    contexts = [context_positions(layers.villages, layers.communes, own) for own in parts]
    for own, context in zip(parts, contexts, strict=True):
        assert set(own) <= set(context)
        assert context.size < len(layers.villages), "a partition must not see every village"
    assert set(contexts[0]) & set(contexts[1]) == set(np.flatnonzero(district.isin(shared)))


def test_indicator_columns_are_identical(partitioned, demo_result):
    indicators, _ = partitioned
    single = demo_result.indicators
    pd.testing.assert_frame_equal(indicators.villages, single.villages, check_exact=True)
    pd.testing.assert_frame_equal(indicators.communes, single.communes, check_exact=True)
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


def test_context_holds_whole_communes_and_districts(demo_result):
    villages = demo_result.layers.villages
    district = demo_result.indicators.villages["district_code"]
    own = np.array([0])
    context = context_positions(villages, demo_result.layers.communes, own)
    expected = np.flatnonzero(
        (villages["commune_code"] == villages["commune_code"].iloc[0]).to_numpy()
        | (district == district.iloc[0]).to_numpy()
    )
    assert np.array_equal(context, expected)


def test_a_value_in_no_group_is_a_clear_error(demo_result):
    layers = demo_result.layers
    first, _ = _halves(layers.communes)
    config = PartitionConfig(by="commune_code", groups=[first])
    with pytest.raises(ScenarioError, match=r"in no partitions\.groups entry"):
        partition_positions(layers.villages, layers.communes, config)


def test_an_unknown_field_is_a_clear_error(demo_result):
    layers = demo_result.layers
    with pytest.raises(ScenarioError, match="'province_code', which is neither"):
        partition_positions(layers.villages, layers.communes, PartitionConfig(by="province_code"))


def test_a_commune_field_partitions_villages(demo_result):
    layers = demo_result.layers
    parts = partition_positions(
        layers.villages, layers.communes, PartitionConfig(by="district_code")
    )
    district = demo_result.indicators.villages["district_code"]
    assert len(parts) == district.nunique()
    assert all(district.iloc[p].nunique() == 1 for p in parts)


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
