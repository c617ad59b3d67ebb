"""Village indicators computed in partitions on dask, assembled into one national result.

A village's indicators depend on the full non-village layers (zones, forest,
roads, DEM...), on the fitted landslide model, and on the other villages of its
commune and district (the travel-time centres).  So each partition gets the
full layers, the model fitted once beforehand, and as context every village of
the communes and districts its own villages are in; it keeps only its own
rows.  The commune, district and province roll-ups are recomputed on the
union with the indicator stage's own roll-up, and scoring and the plan run
once on the union: the result is that of a single process,
whatever the number of workers or the order in which they finish.

``dask`` and ``distributed`` are imported only here, only when a scenario
declares ``partitions`` (``pip install geoplan[dask]``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError, ScenarioError

if TYPE_CHECKING:
    from geoplan.config.partitions import PartitionConfig
    from geoplan.indicators import Indicators

__all__ = [
    "SCHEDULER_ENV",
    "context_positions",
    "partition_positions",
    "partitioned_indicators",
    "scheduler_address",
    "with_scheduler",
]

logger = logging.getLogger(__name__)

#: Environment variable naming a running dask scheduler when the scenario names none.
SCHEDULER_ENV = "GEOPLAN_DASK_SCHEDULER"

_ROLLUP_SUMS = ("households", "poor_households", "em_households")


def _partition_values(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, field: str, where: str
) -> pd.Series:
    """Value of ``field`` per village: its own column, else its commune's."""
    if field in villages:
        values = villages[field]
    elif field in communes:
        by_code = communes.drop_duplicates("commune_code").set_index(
            communes["commune_code"].drop_duplicates().astype(str)
        )[field]
        values = villages["commune_code"].astype(str).map(by_code)
    else:
        msg = (
            f"{where}: partitions.by names {field!r}, which is neither a village nor a "
            "commune field"
        )
        raise ScenarioError(msg)
    missing = values.isna()
    if missing.any():
        rows = ", ".join(str(r) for r in villages.index[missing][:10])
        msg = (
            f"{where}: {int(missing.sum())} village(s) have no {field!r} to partition by "
            f"(rows {rows}); fill the field or partition by another one"
        )
        raise ScenarioError(msg)
    return values.astype(str)


def partition_positions(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, config: PartitionConfig
) -> list[np.ndarray]:
    """Split the villages into partitions.

    Parameters
    ----------
    villages, communes
        The loaded layers.
    config
        The scenario's ``partitions`` section.

    Returns
    -------
    list of numpy.ndarray
        Row positions of each partition's villages, ascending; with no
        ``groups``, one partition per value in order of first appearance.

    Raises
    ------
    ScenarioError
        When the field is missing or empty for a village, or a value present
        in the villages is in no group.
    """
    where = f"villages ({len(villages)} rows)"
    values = _partition_values(villages, communes, config.by, where)
    if config.groups is None:
        order = list(dict.fromkeys(values))
        group_of = {value: n for n, value in enumerate(order)}
        count = len(order)
    else:
        group_of = {v: n for n, group in enumerate(config.groups) for v in group}
        count = len(config.groups)
        unlisted = values[~values.isin(group_of)]
        if len(unlisted):
            rows = ", ".join(str(r) for r in unlisted.index[:10])
            names = ", ".join(repr(v) for v in dict.fromkeys(unlisted))
            msg = (
                f"{where}: {config.by} value(s) {names} are in no partitions.groups entry "
                f"(rows {rows}); add them to a group so no village is left out"
            )
            raise ScenarioError(msg)
    labels = values.map(group_of).to_numpy(dtype=int)
    parts = [np.flatnonzero(labels == n) for n in range(count)]
    return [p for p in parts if p.size]


def _district_of(villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.Series:
    if "district_code" not in communes:
        return pd.Series(pd.NA, index=villages.index, dtype=object)
    by_code = communes.drop_duplicates("commune_code")
    table = pd.Series(
        by_code["district_code"].to_numpy(), index=by_code["commune_code"].astype(str).to_numpy()
    )
    return villages["commune_code"].astype(str).map(table)


def context_positions(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, own: np.ndarray
) -> np.ndarray:
    """Positions of the villages a partition must see: its own plus their communes' and districts'.

    Travel times go to a commune and a district centre chosen among all the
    villages of that commune or district, so those villages must be present
    for the centres to be the ones a single run picks.

    Returns
    -------
    numpy.ndarray
        Ascending row positions (a superset of ``own``).
    """
    codes = villages["commune_code"].astype(str).to_numpy()
    district = _district_of(villages, communes)
    same_commune = np.isin(codes, np.unique(codes[own]))
    has_district = district.notna().to_numpy()
    own_districts = district.iloc[own][has_district[own]].astype(str).unique()
    same_district = has_district & district.astype(str).isin(own_districts).to_numpy()
    keep = same_commune | same_district
    keep[own] = True
    return np.flatnonzero(keep)


def _partition_task(
    layers: Any,
    scenario: Any,
    villages: gpd.GeoDataFrame,
    mine: pd.Index,
    susceptibility: Any,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Return one partition's own village rows and its commune, district and province frames.

    ``layers`` come without villages (shared by every task); ``villages`` are
    this partition's own and context villages, the only ones sent to it.
    """
    from geoplan.indicators import compute_indicators

    subset = dataclasses.replace(layers, villages=villages)
    result = compute_indicators(subset, scenario, susceptibility=susceptibility)
    return result.villages.loc[mine], result.communes, result.districts, result.province


def scheduler_address(config: PartitionConfig) -> str | None:
    """Return the dask scheduler to use: the scenario's, else ``$GEOPLAN_DASK_SCHEDULER``.

    ``None`` means a :class:`distributed.LocalCluster` started for the run.
    """
    if config.scheduler is not None:
        return config.scheduler
    from_env = os.environ.get(SCHEDULER_ENV, "").strip()
    if not from_env:
        return None
    from geoplan.config.partitions import PartitionConfig

    try:
        return PartitionConfig(by=config.by, scheduler=from_env).scheduler
    except ValueError as exc:
        msg = f"{SCHEDULER_ENV}={from_env!r}: not a scheduler address such as tcp://host:8786"
        raise ScenarioError(msg) from exc


def with_scheduler(scenario: Any, address: str) -> Any:
    """Return ``scenario`` with its partitions run on the dask scheduler at ``address``.

    Raises
    ------
    ScenarioError
        When the scenario declares no ``partitions`` (nothing says how to
        split the villages) or ``address`` is not an address.
    """
    from geoplan.config.partitions import PartitionConfig

    where = scenario.source or scenario.name
    if scenario.partitions is None:
        msg = (
            f"{where}: --scheduler needs a `partitions:` section (at least `by:`, the field "
            "that splits the villages); see docs/scale.md"
        )
        raise ScenarioError(msg)
    try:
        config = PartitionConfig.model_validate(
            {**scenario.partitions.model_dump(), "scheduler": address}
        )
    except ValueError as exc:
        msg = f"--scheduler {address!r}: not a scheduler address such as tcp://host:8786"
        raise ScenarioError(msg) from exc
    return scenario.model_copy(update={"partitions": config})


@contextmanager
def _dask_client(config: PartitionConfig) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        msg = (
            "this scenario declares partitions, which run on dask: install them with "
            "`pip install geoplan[dask]`"
        )
        raise GeoplanError(msg) from exc
    address = scheduler_address(config)
    if address is not None:
        try:
            client = Client(address, timeout="30s")
        except OSError as exc:
            msg = f"partitions.scheduler: cannot reach the dask scheduler at {address} ({exc})"
            raise GeoplanError(msg) from exc
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=config.workers,
            threads_per_worker=1,
            processes=config.processes,
            dashboard_address=None,
            silence_logs=logging.ERROR,  # not the nanny's shutdown warnings on a busy machine
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _rollups_on_union(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    province: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Return a partition's commune, district and province frames, roll-ups redone on the union.

    The frames keep what does not depend on the villages (``is_border``,
    ``slope_mean_deg``); the village counts and sums are recomputed over all
    villages, in input order, by the indicator stage's own roll-up.
    """
    from geoplan.indicators.core import _num, _rollup

    roll = villages.assign(
        _commune=villages["commune_code"].astype(str).to_numpy(),
        _district=villages["district_code"].astype(str).to_numpy(),
        _all="all",
        **{column: _num(villages, column).to_numpy() for column in _ROLLUP_SUMS},
    )
    communes_out = _rollup(roll, "_commune", communes, "commune_code")
    districts_out = _rollup(roll, "_district", districts, "district_code")
    province_out = (
        _rollup(roll, "_all", province.assign(_all="all"), "_all").drop(columns="_all")
        if province is not None
        else None
    )
    return communes_out, districts_out, province_out


def partitioned_indicators(layers: Any, scenario: Any) -> Indicators:
    """Compute the indicators partition by partition on dask; same result as one process.

    Parameters
    ----------
    layers
        The loaded :class:`geoplan.io.Layers` (each partition sees all of
        them except the villages of other communes and districts).
    scenario
        A scenario with a ``partitions`` section.

    Returns
    -------
    Indicators
        As :func:`geoplan.indicators.compute_indicators` returns for the
        whole village layer, in input order.
    """
    from geoplan.hazard import fit_susceptibility
    from geoplan.indicators import Indicators

    config: PartitionConfig = scenario.partitions
    villages: gpd.GeoDataFrame = layers.villages
    communes: gpd.GeoDataFrame = layers.communes
    parts = partition_positions(villages, communes, config)
    if not parts:  # no villages: nothing to split
        from geoplan.indicators import compute_indicators

        return compute_indicators(layers, scenario)
    contexts = [context_positions(villages, communes, own) for own in parts]
    logger.info(
        "%d partitions of %s villages (with context: %s)",
        len(parts), [p.size for p in parts], [c.size for c in contexts],
    )  # fmt: skip
    model = fit_susceptibility(layers, scenario)  # once, on the whole study area
    shared = dataclasses.replace(layers, villages=villages.iloc[:0])
    with _dask_client(config) as client:
        [layers_f, scenario_f, model_f] = client.scatter(
            [shared, scenario, model], broadcast=True, hash=False
        )
        futures = [
            client.submit(
                _partition_task,
                layers_f,
                scenario_f,
                villages.iloc[ctx],
                villages.index[own],
                model_f,
                pure=False,
            )
            for own, ctx in zip(parts, contexts, strict=True)
        ]
        results = client.gather(futures)  # in partition order, whatever finished first
    frames = [r[0] for r in results]
    union = pd.concat(frames).loc[villages.index]
    union = gpd.GeoDataFrame(union, geometry=villages.geometry.name, crs=villages.crs)
    communes_out, districts_out, province_out = _rollups_on_union(union, *results[0][1:])
    return Indicators(
        villages=union,
        communes=communes_out,
        districts=districts_out,
        susceptibility=model,
        province=province_out,
    )
