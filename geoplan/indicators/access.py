"""Travel minutes from each village to its commune's and its district's centre.

The centre of a commune or district is one of its villages (:func:`centres`); the minutes
are accumulated over the friction surface of :mod:`geoplan.indicators.travel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.hazard.grid import RasterLike
from geoplan.indicators.travel import friction_surface, travel_minutes

if TYPE_CHECKING:
    from geoplan.config.indicators import IndicatorConfig

__all__ = ["FrictionInputs", "centres", "travel_columns"]


@dataclass(frozen=True)
class FrictionInputs:
    """The layers the friction surface is built from (each may be absent).

    Parameters
    ----------
    extent
        The area the surface covers (the province), else the communes.
    roads, forest
        The road and forest layers.
    dem
        The DEM's ``elev`` and ``slope`` grids.
    """

    extent: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None
    forest: gpd.GeoDataFrame | None
    dem: dict[str, RasterLike] | None


def travel_columns(
    out: pd.DataFrame,
    inputs: FrictionInputs,
    *,
    communes: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    village_codes: pd.Series,
    points: np.ndarray,
    households: pd.Series,
    config: IndicatorConfig,
    crs: Any,
) -> None:
    """Add the travel minutes to the commune and district centres over the friction surface.

    Parameters
    ----------
    out
        The village columns so far (reads ``dist_road_m`` and ``district_code``);
        ``travel_min_commune_centre`` and ``travel_min_district_centre`` are added.
    inputs
        The layers of the friction surface.
    communes, districts
        The polygons whose centres the villages travel to.
    village_codes
        Each village's commune code.
    points
        The village points.
    households
        Households per village (the centre is the largest village on a road).
    config
        The scenario's ``indicators`` section.
    crs
        The scenario CRS (metric), the friction surface's.
    """
    extent = inputs.extent if inputs.extent is not None else communes
    surface = friction_surface(
        tuple(extent.total_bounds),
        crs,
        resolution=config.friction_resolution_m,
        speeds_kmh=config.speeds_kmh,
        roads=inputs.roads,
        forest=inputs.forest,
        landcover_speed_factor=config.landcover_speed_factor,
        slope=inputs.dem["slope"] if inputs.dem is not None else None,
        max_walk_slope_deg=config.max_walk_slope_deg,
    )
    on_road = (out["dist_road_m"] <= config.centre_road_max_m).to_numpy()
    for column, polygons, key, village_key in (
        ("travel_min_commune_centre", communes, "commune_code", village_codes),
        ("travel_min_district_centre", districts, "district_code",
         out["district_code"].astype(str)),
    ):  # fmt: skip
        origins, groups = centres(
            polygons,
            key,
            village_key=village_key,
            points=points,
            households=households,
            on_road=on_road,
        )
        out[column] = travel_minutes(surface, origins, groups, points)


def centres(
    polygons: gpd.GeoDataFrame,
    key: str,
    *,
    village_key: pd.Series,
    points: np.ndarray,
    households: pd.Series,
    on_road: np.ndarray,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Centre per polygon and the villages that travel to it.

    The centre is the village with most households among those on a road
    (``on_road``), else among all its villages (ties: first in input order);
    a polygon without villages gets its representative point.
    """
    order = pd.DataFrame(
        {"key": village_key.to_numpy(), "road": np.asarray(on_road, dtype=bool),
         "hh": households.fillna(-1).to_numpy(), "pos": np.arange(len(village_key))}
    )  # fmt: skip
    order = order.sort_values(
        ["key", "road", "hh", "pos"], ascending=[True, False, False, True], kind="stable"
    )
    best = order.drop_duplicates("key").set_index("key")["pos"]
    members = order.groupby("key", sort=False)["pos"].apply(np.asarray)
    origins = np.empty(len(polygons), dtype=object)
    groups: list[np.ndarray] = []
    reps = shapely.point_on_surface(polygons.geometry.to_numpy())
    for n, code in enumerate(polygons[key].astype(str).to_numpy()):
        if code in best.index:
            origins[n] = points[int(best[code])]
            groups.append(members[code])
        else:
            origins[n] = reps[n]
            groups.append(np.array([], dtype=int))
    return origins, groups
