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
def cluster():
    """One dask cluster for the module: two worker processes, as a user's cluster would be."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as running:
        yield running
    _stop_dask_threads()


def _stop_dask_threads() -> None:
    """Leave no dask thread behind in this test process.

    The client's off-loading thread outlives the cluster; geoplan (rightly) refuses to fork
    the model and the plan beside a live thread, so later tests of this worker would run
    everything in one process instead of testing the forked children.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import distributed.utils

    distributed.utils._offload_executor.shutdown(wait=True)
    distributed.utils._offload_executor = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="Dask-Offload"
    )
    assert threading.active_count() == 1, [t.name for t in threading.enumerate()]


@pytest.fixture(scope="module")
def partitioned(demo_result, demo_scenario, cluster):
    """The demo's indicators and scores, computed in two partitions on ``cluster``'s address."""
    from geoplan.partitions import partitioned_indicators
    from geoplan.scoring import score_tracks

    config = PartitionConfig(
        by="village_id",
        groups=_halves(demo_result.layers.villages),
        scheduler=cluster.scheduler_address,
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


def test_both_partitions_ran_on_the_given_cluster(partitioned, cluster):
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        ran = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(ran) == 2, "two worker processes"
    assert sum(ran.values()) >= 2, "the two partition tasks ran on the cluster given"


def test_the_environment_names_the_scheduler(monkeypatch, cluster):
    from geoplan.partitions import SCHEDULER_ENV, _dask_client, scheduler_address

    config = PartitionConfig(by="commune_code")
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert scheduler_address(config) is None
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    assert scheduler_address(config) == cluster.scheduler_address
    with _dask_client(config) as client:
        assert client.scheduler.address == cluster.scheduler_address
        assert client.submit(sum, [1, 2]).result() == 3
    named = PartitionConfig(by="commune_code", scheduler="tcp://127.0.0.1:1")
    assert scheduler_address(named) == "tcp://127.0.0.1:1", "the scenario's address comes first"
    monkeypatch.setenv(SCHEDULER_ENV, "localhost")
    with pytest.raises(ScenarioError, match=SCHEDULER_ENV):
        scheduler_address(config)


def test_the_scheduler_option_needs_partitions(demo_scenario):
    from geoplan.partitions import with_scheduler

    with pytest.raises(ScenarioError, match="needs a `partitions:` section"):
        with_scheduler(demo_scenario, "tcp://127.0.0.1:8786")
    split = demo_scenario.model_copy(
        update={"partitions": PartitionConfig(by="commune_code", workers=3)}
    )
    pointed = with_scheduler(split, "tcp://127.0.0.1:8786")
    assert pointed.partitions.scheduler == "tcp://127.0.0.1:8786"
    assert pointed.partitions.workers == 3
    with pytest.raises(ScenarioError, match="not a scheduler address"):
        with_scheduler(split, "127.0.0.1")


def test_the_run_command_takes_a_scheduler(runner):
    from _paths import DEMO_SCENARIO

    from geoplan.cli import cli

    result = runner.invoke(cli, ["run", str(DEMO_SCENARIO), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code != 0
    assert "needs a `partitions:` section" in result.output
    assert "Traceback" not in result.output
