"""Which sites a village can reach: travel time over the friction surface, not crow-flight.

:func:`candidate_pairs` is the one place where village-site pairs are built.  A
village reaches a site when the site lies in the allowed scope (same commune,
district or anywhere), within ``max_distance_m`` as the crow flies (a cheap
pre-filter), within ``max_travel_min`` of travel over the friction surface of
the indicators stage, passes the optional ``pair_filter`` (e.g. a site-safety
rule) and is large enough for the whole village.  Villages without a pair get a
specific reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geoplan.config.plan import AssignmentConfig
from geoplan.indicators.travel import FrictionSurface, friction_surface, travel_minutes

__all__ = [
    "PairFilter",
    "Pairs",
    "candidate_pairs",
    "representative_points",
    "text_column",
    "travel_surface",
]

# A pair filter receives the pairs (village_id, site_id, village_index, site_index,
# distance_m, travel_min) and returns a boolean mask of those to keep.
PairFilter = Callable[[pd.DataFrame], np.ndarray]


@dataclass
class Pairs:
    """Reachable village-site pairs where the village fits the empty site.

    Attributes
    ----------
    village, site
        Row positions in the villages and sites frames.
    distance_m
        Straight-line distance (informative).
    travel_min
        Travel time over the friction surface (or the straight-line fallback).
    cost
        Travel minutes plus the penalties for leaving the own commune/district.
    reasons
        Village position -> ``(reason_code, reason)`` for villages without a pair.
    basis
        ``"travel"`` or ``"straight_line"`` (no friction surface available).
    """

    village: np.ndarray
    site: np.ndarray
    distance_m: np.ndarray
    travel_min: np.ndarray
    cost: np.ndarray
    reasons: dict[int, tuple[str, str]] = field(default_factory=dict)
    basis: str = "travel"

    def take(self, mask: np.ndarray) -> Pairs:
        """Return the pairs selected by ``mask`` (reasons and basis kept)."""
        return Pairs(
            self.village[mask],
            self.site[mask],
            self.distance_m[mask],
            self.travel_min[mask],
            self.cost[mask],
            self.reasons,
            self.basis,
        )


def representative_points(geoms: gpd.GeoSeries) -> np.ndarray:
    """Return ``(n, 2)`` coordinates of a point on the surface of each geometry."""
    if len(geoms) == 0:
        return np.zeros((0, 2))
    pts = shapely.point_on_surface(np.asarray(geoms.values, dtype=object))
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def travel_surface(
    layers: Any, scenario: Any, extent: gpd.GeoDataFrame, *, slope: Any = None
) -> FrictionSurface | None:
    """Build the indicators' friction surface again for the plan (``None`` without roads).

    Parameters
    ----------
    layers
        :class:`geoplan.io.Layers` (``roads``, ``forest``, ``dem``, ``province``).
    scenario
        The scenario; its ``indicators`` section gives speeds and resolution.
    extent
        Frame whose bounds the grid covers when there is no province layer.
    slope
        The DEM's slope (:class:`geoplan.hazard.grid.GridRaster`, degrees) when the caller
        has it already (the site grid's terrain); computed from the DEM otherwise.

    Returns
    -------
    FrictionSurface or None
        The same surface as :func:`geoplan.indicators.compute_indicators` uses.
    """
    config = getattr(scenario, "indicators", None)
    roads = getattr(layers, "roads", None)
    if config is None or roads is None or len(roads) == 0 or len(extent) == 0:
        return None
    from geoplan.hazard.grid import GridRaster
    from geoplan.hazard.terrain import slope_degrees

    dem = getattr(layers, "dem", None)
    if slope is None and dem is not None:
        values = np.asarray(dem.array, dtype=float)
        slope = GridRaster(slope_degrees(values, dem.transform, dem.crs), dem.transform, dem.crs)
    province = getattr(layers, "province", None)
    bounds_of = province if province is not None and len(province) else extent
    forest = getattr(layers, "forest", None)
    return friction_surface(
        tuple(bounds_of.total_bounds),
        extent.crs,
        resolution=config.friction_resolution_m,
        speeds_kmh=config.speeds_kmh,
        roads=roads,
        forest=forest if forest is not None and len(forest) else None,
        landcover_speed_factor=config.landcover_speed_factor,
        slope=slope,
        max_walk_slope_deg=config.max_walk_slope_deg,
    )


def candidate_pairs(
    villages: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    config: AssignmentConfig,
    *,
    surface: FrictionSurface | None = None,
    pair_filter: PairFilter | None = None,
) -> Pairs:
    """Build every village-site pair within reach where the village fits the empty site.

    Parameters
    ----------
    villages
        Villages that move, with ``village_id``, ``commune_code``,
        ``district_code``, geometry and ``config.households_field``.
    sites
        Candidate sites with ``site_id``, ``commune_code``, ``district_code``,
        ``capacity_hh``.
    config
        The scenario's ``plan.assignment`` section.
    surface
        Friction surface for travel times; without it travel is the straight
        line at ``config.straight_line_kmh``.
    pair_filter
        Optional rule on the pairs (see :data:`PairFilter`).

    Returns
    -------
    Pairs
        Pairs sorted by village, then cost, then site; reasons for the rest.
    """
    nv, ns = len(villages), len(sites)
    hh = households(villages, config)
    cap = sites["capacity_hh"].to_numpy(dtype="int64") if ns else np.zeros(0, "int64")
    vxy = representative_points(villages.geometry) if nv else np.zeros((0, 2))
    sxy = representative_points(sites.geometry) if ns else np.zeros((0, 2))
    basis = "travel" if surface is not None else "straight_line"
    if ns == 0:
        empty = np.zeros(0, "int64")
        reasons = {
            i: ("no_sites", "no site meets the suitability rules anywhere (see plan.sites)")
            for i in range(nv)
        }
        return Pairs(empty, empty, np.zeros(0), np.zeros(0), np.zeros(0), reasons, basis)

    pv, ps, same_commune, same_district = _pairs_in_scope(villages, sites, vxy, sxy, config)
    dist = np.hypot(sxy[ps, 0] - vxy[pv, 0], sxy[ps, 1] - vxy[pv, 1])
    if surface is not None:
        travel = _pair_minutes(surface, vxy, sxy, pv, ps, max_minutes=config.max_travel_min)
    else:
        travel = dist / 1000.0 / config.straight_line_kmh * 60.0
    cost = (
        travel
        + np.where(same_commune, 0.0, config.other_commune_penalty_min)
        + np.where(same_district, 0.0, config.other_district_penalty_min)
    )
    pairs = Pairs(pv, ps, dist, travel, cost, basis=basis)
    in_time = np.isfinite(travel) & (travel <= config.max_travel_min)
    reach = in_time.copy()
    if pair_filter is not None and reach.any():
        _filter_pairs(pair_filter, pairs, reach, villages, sites)
    fits = reach & (cap[ps] >= hh[pv])
    pairs.reasons.update(
        _reasons(pairs, hh, cap, in_time=in_time, reach=reach, fits=fits, config=config)
    )
    pairs = pairs.take(fits & (hh[pv] > 0))
    order = np.lexsort((pairs.site, pairs.cost, pairs.village))
    return pairs.take(order)


def _pairs_in_scope(
    villages: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    vxy: np.ndarray,
    sxy: np.ndarray,
    config: AssignmentConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the pairs within the straight-line limit and the scope, by village then site.

    Returns the village and site positions and, per pair, whether the two lie in the
    same commune and in the same district.
    """
    nv = len(villages)
    near = cKDTree(sxy).query_ball_point(vxy, r=config.max_distance_m) if nv else []
    pv = np.repeat(np.arange(nv), [len(n) for n in near]).astype("int64")
    ps = np.concatenate([np.sort(np.asarray(n, "int64")) for n in near]) if nv else pv[:0]
    ps = ps.astype("int64")
    same_commune = (
        text_column(sites, "commune_code")[ps] == text_column(villages, "commune_code")[pv]
    )
    same_district = (
        text_column(sites, "district_code")[ps] == text_column(villages, "district_code")[pv]
    )
    in_scope = {"commune": same_commune, "district": same_district}.get(
        config.scope, np.ones(len(pv), bool)
    )
    return pv[in_scope], ps[in_scope], same_commune[in_scope], same_district[in_scope]


def _filter_pairs(
    pair_filter: PairFilter,
    pairs: Pairs,
    reach: np.ndarray,
    villages: pd.DataFrame,
    sites: gpd.GeoDataFrame,
) -> None:
    """Drop from ``reach`` (in place) the reachable pairs that ``pair_filter`` rejects."""
    pv, ps = pairs.village[reach], pairs.site[reach]
    frame = pd.DataFrame(
        {
            "village_id": text_column(villages, "village_id")[pv],
            "site_id": sites["site_id"].astype(str).to_numpy()[ps],
            "village_index": pv,
            "site_index": ps,
            "distance_m": pairs.distance_m[reach],
            "travel_min": pairs.travel_min[reach],
        }
    )
    keep = np.asarray(pair_filter(frame), bool)
    reach[np.flatnonzero(reach)[~keep]] = False


def _reasons(
    pairs: Pairs,
    hh: np.ndarray,
    cap: np.ndarray,
    *,
    in_time: np.ndarray,
    reach: np.ndarray,
    fits: np.ndarray,
    config: AssignmentConfig,
) -> dict[int, tuple[str, str]]:
    """Return why each village without a usable pair has none, in the order of the checks.

    ``in_time``: pairs within the travel limit; ``reach``: those that also pass the pair
    filter; ``fits``: those whose site holds the whole village.
    """
    nv = len(hh)
    pv, ps = pairs.village, pairs.site
    had_reach = np.bincount(pv[in_time], minlength=nv) > 0
    passed = np.bincount(pv[reach], minlength=nv) > 0
    has_fit = np.bincount(pv[fits], minlength=nv) > 0
    largest = np.zeros(nv, "int64")
    np.maximum.at(largest, pv[reach], cap[ps[reach]])
    where = f"in the same {config.scope}" if config.scope != "province" else "in the province"
    how = "of travel" if pairs.basis == "travel" else "at the straight-line speed"
    reasons: dict[int, tuple[str, str]] = {}
    for i in range(nv):
        if hh[i] <= 0:
            reasons[i] = ("no_households", f"no households recorded in '{config.households_field}'")
        elif not had_reach[i]:
            reasons[i] = (
                "out_of_reach",
                f"no suitable site within {config.max_travel_min:g} min {how} {where}",
            )
        elif not passed[i]:
            reasons[i] = ("no_safer_site", "no reachable site is safer than the village")
        elif not has_fit[i]:
            reasons[i] = (
                "too_large",
                f"village ({hh[i]} households) is larger than every reachable site "
                f"(largest holds {int(largest[i])})",
            )
    return reasons


def households(villages: pd.DataFrame, config: AssignmentConfig) -> np.ndarray:
    """Return the whole households of each village (``config.households_field``, 0 when blank)."""
    if not len(villages):
        return np.zeros(0, "int64")
    values = pd.to_numeric(villages[config.households_field], errors="coerce")
    return values.fillna(0).round().astype("int64").to_numpy()


def text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``column`` as text, blank where missing (a blank district is the whole province)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").to_numpy(dtype=object)


def _pair_minutes(
    surface: FrictionSurface,
    vxy: np.ndarray,
    sxy: np.ndarray,
    pv: np.ndarray,
    ps: np.ndarray,
    *,
    max_minutes: float,
) -> np.ndarray:
    """Minutes of travel for each pair: one least-cost search per village or per site.

    The cost is isotropic (a step costs the mean friction of its two cells), so a path
    costs the same both ways: the searches start from whichever side has fewer places
    (the villages on a province's plan, the sites when villages are many more).  Each
    search stops beyond ``max_minutes``: a pair further away is ``NaN``, out of reach.
    """
    if len(pv) == 0:
        return np.zeros(0)
    by_site = len(np.unique(ps)) < len(np.unique(pv))
    origin, other = (ps, pv) if by_site else (pv, ps)
    origin_xy, other_xy = (sxy, vxy) if by_site else (vxy, sxy)
    order = np.argsort(origin, kind="stable")
    places, starts = np.unique(origin[order], return_index=True)
    groups = np.split(order, starts[1:])
    return travel_minutes(
        surface,
        shapely.points(origin_xy[places]),
        groups,
        shapely.points(other_xy[other]),
        max_minutes=max_minutes,
    )
