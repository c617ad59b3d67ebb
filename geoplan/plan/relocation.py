"""What each move costs and whether the budget pays for it: the link between sites and money.

A move's cost is the relocation kind's ``unit_cost`` per household plus the
village's share (by households) of its site's preparation and of the access
road from the site to the nearest road.  After the allocation, every move is
``funded`` in the year its relocation is funded, or ``unfunded`` with the money
missing and the earliest year it could move with that money.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.plan import AllocationConfig, InterventionSpec

__all__ = ["FUNDING_COLUMNS", "fund_moves", "move_costs", "relocation_kind"]

FUNDING_COLUMNS = ["cost", "funding_status", "funded_year", "funding_missing", "earliest_year"]


def relocation_kind(config: AllocationConfig) -> tuple[str, InterventionSpec] | None:
    """Return the first (by name) relocation kind of the catalogue, or ``None``."""
    kinds = [k for k in sorted(config.interventions) if config.interventions[k].relocation]
    return (kinds[0], config.interventions[kinds[0]]) if kinds else None


def move_costs(moves: pd.DataFrame, sites: pd.DataFrame, spec: InterventionSpec) -> np.ndarray:
    """Return the whole relocation cost of each move.

    Parameters
    ----------
    moves
        ``village_id``, ``site_id``, ``households``.
    sites
        ``site_id`` and ``road_dist_mean_m`` (access road length; 0 when missing).
    spec
        The relocation intervention (``unit_cost`` per household,
        ``site_preparation_cost``, ``access_road_cost_per_km``).

    Returns
    -------
    numpy.ndarray
        Cost per move, rounded to 0.001.
    """
    if not len(moves):
        return np.zeros(0)
    hh = pd.to_numeric(moves["households"], errors="coerce").fillna(0.0).to_numpy(float)
    site = moves["site_id"].astype(str)
    per_hh = spec.unit_cost if spec.cost_per == "household" else 0.0
    fixed = 0.0 if spec.cost_per == "household" else spec.unit_cost
    road_m = (
        pd.to_numeric(sites["road_dist_mean_m"], errors="coerce").fillna(0.0)
        if "road_dist_mean_m" in sites.columns
        else pd.Series(0.0, index=sites.index)
    )
    road_km = pd.Series(road_m.to_numpy() / 1000.0, index=sites["site_id"].astype(str).to_numpy())
    road = site.map(road_km).fillna(0.0).to_numpy(float)
    site_cost = spec.site_preparation_cost + spec.access_road_cost_per_km * road
    site_hh = pd.Series(hh).groupby(site.to_numpy()).transform("sum").to_numpy(float)
    share = np.divide(hh, site_hh, out=np.zeros(len(hh)), where=site_hh > 0)
    return np.round(per_hh * hh + fixed + share * site_cost, 3)


def fund_moves(
    moves: gpd.GeoDataFrame,
    allocation: pd.DataFrame,
    budget_use: pd.DataFrame,
    config: AllocationConfig,
) -> gpd.GeoDataFrame:
    """Add ``funding_status``, ``funded_year``, ``funding_missing``, ``earliest_year`` to moves.

    Parameters
    ----------
    moves
        Moves with a ``cost`` column (see :func:`move_costs`).
    allocation
        The allocation table (relocation rows carry the moved ``village_id``).
    budget_use
        Budget and slack per programme, source and year.
    config
        The scenario's ``plan.allocation`` section.

    Returns
    -------
    GeoDataFrame
        ``moves`` with the funding columns.  For an unfunded move,
        ``funding_missing`` is the least extra money with which one year's
        budget (unspent by the plan, carried over when the scenario allows)
        could pay it through one of its funding options, and
        ``earliest_year`` the first year that needs that least money.
    """
    out = moves.copy()
    n = len(out)
    status = np.full(n, "unfunded", dtype=object)
    year = pd.array([pd.NA] * n, dtype="Int64")
    missing = np.zeros(n)
    earliest = pd.array([pd.NA] * n, dtype="Int64")
    found = relocation_kind(config)
    if n and found is not None and len(allocation):
        kind, spec = found
        rel = allocation[(allocation["kind"] == kind) & allocation["funded"].astype(bool)]
        funded_year = rel.set_index(rel["village_id"].astype(str))["year"]
        got = out["village_id"].astype(str).map(funded_year)
        is_funded = got.notna().to_numpy()
        status[is_funded] = "funded"
        year = pd.array(got.to_numpy(), dtype="Int64")
        slack = _room(budget_use, config)
        cost = out["cost"].to_numpy(float)
        for i in np.flatnonzero(~is_funded).tolist():
            missing[i], when = _least_missing(cost[i], spec, slack, config)
            earliest[i] = when
    elif n:
        missing = out["cost"].to_numpy(float)
    out["funding_status"] = status
    out["funded_year"] = year
    out["funding_missing"] = np.round(missing, 3)
    out["earliest_year"] = earliest
    return out


def _room(budget_use: pd.DataFrame, config: AllocationConfig) -> dict[tuple[str, str, int], float]:
    """Money a line has left in a year after the plan (cumulated with carry-over)."""
    room: dict[tuple[str, str, int], float] = {}
    for (p, s), rows in budget_use.sort_values("year").groupby(["programme", "source"]):
        left = np.maximum(rows["budget"].to_numpy(float) - rows["spend"].to_numpy(float), 0.0)
        if config.carry_over:
            left = np.cumsum(left)
        for y, v in zip(rows["year"].astype(int), left, strict=True):
            room[(str(p), str(s), int(y))] = float(v)
    return room


def _least_missing(
    cost: float,
    spec: InterventionSpec,
    room: dict[tuple[str, str, int], float],
    config: AllocationConfig,
) -> tuple[float, int | None]:
    best, when = cost, None
    for y in config.years:
        for option in spec.funding:
            need = sum(
                max(cost * share - room.get((option.programme, src, int(y)), 0.0), 0.0)
                for src, share in option.shares.items()
                if share > 0
            )
            if need < best - 1e-9 or when is None:
                best, when = need, int(y)
    return best, when
