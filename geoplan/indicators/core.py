"""compute_indicators: every per-village indicator, rolled up to communes and districts."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.blocks import DEFAULT_BLOCK_PIXELS
from geoplan.hazard.fitting import Fitted, fitting_susceptibility
from geoplan.hazard.grid import GridRaster, RasterLike, to_pyproj
from geoplan.hazard.result import SusceptibilityResult
from geoplan.hazard.terrain import slope_degrees
from geoplan.indicators.access import FrictionInputs, travel_columns
from geoplan.indicators.exposure import exposure_classes, hazard_flags, landslide_columns
from geoplan.indicators.overlay import (
    class_shares,
    disjoint_classes,
    nearest_distance,
    village_areas,
    village_points,
)
from geoplan.indicators.travel import FOREST_ORDER
from geoplan.indicators.zonal import on_grid_crs, zonal_stats

if TYPE_CHECKING:
    from geoplan.config.indicators import IndicatorConfig
    from geoplan.io import Layers
    from geoplan.scenario import Scenario

__all__ = ["ROAD_CLASSES", "Indicators", "compute_indicators"]

logger = logging.getLogger(__name__)

#: Canonical road classes; each gets a ``dist_road_<class>_m`` column.
ROAD_CLASSES = ("national", "provincial", "district", "commune", "track")

_COMMUNE_COPY = {
    "ntm_criteria_met": "commune_ntm_criteria_met",
    "is_atk": "commune_is_atk",
    "region": "commune_region",
    "is_border": "commune_is_border",
    "is_especially_difficult": "commune_is_especially_difficult",
    "has_cooperative": "commune_has_cooperative",
}


@dataclass(frozen=True)
class Indicators:
    """Output of :func:`compute_indicators`.

    Parameters
    ----------
    villages
        Input villages (same rows, same order) plus the indicator columns of
        ``docs/ARCHITECTURE.md``, in the scenario CRS.
    communes
        Communes plus roll-ups (``villages``, ``households``, ...).
    districts
        Districts plus the same roll-ups.
    susceptibility
        The landslide model's result, or ``None`` when it did not run.
    province
        Province outline(s) with the same roll-ups, or ``None``.
    """

    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    susceptibility: SusceptibilityResult | None = None
    province: gpd.GeoDataFrame | None = None


def _layer(layers: Any, name: str) -> Any:
    value = getattr(layers, name, None)
    if isinstance(value, gpd.GeoDataFrame) and len(value) == 0:
        return None
    return value


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (num / den.where(den > 0)).astype(float)


def _latest_year_value(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """Value of the latest ``<prefix>_<year>`` column that is not null, per row."""
    years = sorted(
        (int(m.group(1)), c)
        for c in frame.columns
        if (m := re.fullmatch(rf"{prefix}_(\d{{4}})", c))
    )
    out = pd.Series(np.nan, index=frame.index, dtype=float)
    for _, column in years:  # later years overwrite earlier ones
        values = pd.to_numeric(frame[column], errors="coerce")
        out = values.where(values.notna(), out)
    return out


def _to_bool(series: pd.Series) -> pd.Series:
    def convert(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return pd.NA
        if isinstance(value, str):
            text = value.strip().lower()
            if text in {"1", "true", "yes", "y", "co", "có", "x"}:
                return True
            if text in {"0", "false", "no", "n", "khong", "không", ""}:
                return False
            return pd.NA
        return bool(value)

    return series.map(convert).astype("boolean")


def _border_communes(
    communes: gpd.GeoDataFrame, border: gpd.GeoDataFrame | None, tolerance_m: float
) -> pd.Series:
    """Given ``is_border`` where present, derived from the border line elsewhere."""
    given = (
        _to_bool(communes["is_border"])
        if "is_border" in communes
        else pd.Series(pd.NA, index=communes.index, dtype="boolean")
    )
    if border is not None:
        dist = nearest_distance(communes.geometry.to_numpy(), border.geometry.to_numpy())
        derived = pd.Series(dist <= tolerance_m, index=communes.index)
        given = given.fillna(derived)
    return given.fillna(False).astype(bool)


def _dem_rasters(layers: Any, scenario: Scenario) -> dict[str, RasterLike] | None:
    """Return the DEM's elevation and slope grids, or ``None`` without a DEM."""
    dem: RasterLike | None = _layer(layers, "dem")
    if dem is None:
        return None
    rasters = getattr(scenario, "rasters", None)  # tests pass bare namespaces
    block_pixels = rasters.block_pixels if rasters is not None else DEFAULT_BLOCK_PIXELS
    values = np.asarray(dem.array, dtype=np.float64)
    slope = slope_degrees(values, dem.transform, dem.crs, block_pixels=block_pixels)
    return {
        "elev": GridRaster(values, dem.transform, dem.crs),
        "slope": GridRaster(slope, dem.transform, dem.crs),
    }


def _forest_columns(
    out: pd.DataFrame,
    areas: gpd.GeoSeries,
    points: np.ndarray,
    geoms: np.ndarray,
    forest: gpd.GeoDataFrame | None,
) -> None:
    if forest is None:
        for kind in FOREST_ORDER:
            out[f"in_{kind}_forest"] = False
        for kind in FOREST_ORDER:
            out[f"share_{kind}_forest"] = np.nan
        out["forest_name"] = ""
        out["dist_special_use_forest_m"] = np.nan
        return
    forest = forest[forest["forest_type"].isin(FOREST_ORDER)]
    names = (
        forest["name"].fillna("").astype(str)
        if "name" in forest
        else pd.Series("", index=forest.index)
    )
    tree = shapely.STRtree(forest.geometry.to_numpy())
    i, j = tree.query(points, predicate="intersects")
    kinds = forest["forest_type"].to_numpy()[j]
    for kind in FOREST_ORDER:
        inside = np.zeros(len(points), dtype=bool)
        inside[i[kinds == kind]] = True
        out[f"in_{kind}_forest"] = inside
    clean = disjoint_classes(forest, "forest_type", FOREST_ORDER)
    shares = class_shares(areas, clean, "forest_type", FOREST_ORDER)
    for kind in FOREST_ORDER:
        out[f"share_{kind}_forest"] = shares[kind].to_numpy()
    label = np.full(len(points), "", dtype=object)
    for kind in ("protective", "special_use"):  # special-use wins, so it is written last
        sel = kinds == kind
        # The first polygon (in layer order) wins among overlapping ones of a kind.
        pairs = pd.DataFrame({"i": i[sel], "name": names.to_numpy()[j[sel]]}).drop_duplicates("i")
        label[pairs["i"].to_numpy()] = pairs["name"].to_numpy()
    out["forest_name"] = label
    special = forest.geometry[forest["forest_type"] == "special_use"].to_numpy()
    out["dist_special_use_forest_m"] = nearest_distance(geoms, special)


def _road_columns(out: pd.DataFrame, geoms: np.ndarray, roads: gpd.GeoDataFrame | None) -> None:
    if roads is None:
        out["dist_road_m"] = np.nan
        for cls in ROAD_CLASSES:
            out[f"dist_road_{cls}_m"] = np.nan
        return
    out["dist_road_m"] = nearest_distance(geoms, roads.geometry.to_numpy())
    classes = roads["road_class"].astype(str).str.lower() if "road_class" in roads else None
    for cls in ROAD_CLASSES:
        if classes is None:
            out[f"dist_road_{cls}_m"] = np.nan
            continue
        out[f"dist_road_{cls}_m"] = nearest_distance(
            geoms, roads.geometry[classes == cls].to_numpy()
        )


def _river_columns(out: pd.DataFrame, geoms: np.ndarray, rivers: gpd.GeoDataFrame | None) -> None:
    out["dist_river_m"] = (
        nearest_distance(geoms, rivers.geometry.to_numpy()) if rivers is not None else np.nan
    )


def _with_columns(villages: gpd.GeoDataFrame, out: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the villages with the indicator columns (computed ones replace inputs)."""
    frame = villages.drop(columns=[c for c in out.columns if c in villages.columns])
    frame = pd.concat([frame, out], axis=1)
    return gpd.GeoDataFrame(frame, geometry=villages.geometry.name, crs=villages.crs)


def _rollup(
    villages: pd.DataFrame, key: str, target: gpd.GeoDataFrame, target_key: str
) -> gpd.GeoDataFrame:
    grouped = villages.groupby(key, sort=False)
    exposed = villages["hh_exposed_high"]
    table = pd.DataFrame(
        {
            "villages": grouped.size(),
            "households": grouped["households"].sum(min_count=1),
            "poor_households": grouped["poor_households"].sum(min_count=1),
            "em_households": grouped["em_households"].sum(min_count=1),
            "hh_exposed_high": grouped["hh_exposed_high"].sum(min_count=1),
            "villages_exposed_high": (exposed > 0)
            .where(exposed.notna())
            .groupby(villages[key], sort=False)
            .sum(min_count=1),
        }
    )
    codes = target[target_key].astype(str)
    out = target.copy()
    for column in table.columns:
        out[column] = codes.map(table[column]).to_numpy()
    out["villages"] = out["villages"].fillna(0).astype(int)
    return out


def compute_indicators(
    layers: Layers,
    scenario: Scenario,
    *,
    susceptibility: SusceptibilityResult | Fitted | str | None = "fit",
) -> Indicators:
    """Compute the village indicators and their commune and district roll-ups.

    Parameters
    ----------
    layers
        A :class:`geoplan.io.Layers` (vector layers in the scenario CRS;
        rasters in their own CRS).  Absent optional layers give ``NaN`` (or
        ``False``) columns.
    scenario
        The :class:`geoplan.scenario.Scenario`; uses ``scenario.indicators``
        and ``scenario.susceptibility``.
    susceptibility
        ``"fit"`` fits the landslide model, in a forked child while the other
        columns are computed where it may
        (:func:`geoplan.hazard.fitting.fitting_susceptibility`); a result (or
        ``None``) fitted once beforehand is used as it is (partitioned runs);
        a function of no argument is called for the result where it is first
        needed.

    Returns
    -------
    Indicators
        New frames; the inputs are not modified.  Villages keep their order
        and every input village is present.
    """
    if isinstance(susceptibility, str):
        with fitting_susceptibility(layers, scenario) as fitted:
            return _indicators(layers, scenario, fitted)
    return _indicators(layers, scenario, susceptibility)


def _indicators(
    layers: Layers, scenario: Scenario, susceptibility: SusceptibilityResult | Fitted | None
) -> Indicators:
    """Compute the indicators; ``susceptibility`` is called where the model is first needed."""
    config: IndicatorConfig = scenario.indicators
    villages: gpd.GeoDataFrame = layers.villages
    communes: gpd.GeoDataFrame = layers.communes.copy()
    communes["commune_code"] = communes["commune_code"].astype(str)
    codes = villages["commune_code"].astype(str)

    out = pd.DataFrame(index=villages.index)
    _admin_columns(out, codes, communes)
    households = _num(villages, "households")
    _household_columns(out, villages, households)

    geoms = villages.geometry.to_numpy()
    points = village_points(villages)
    areas = village_areas(villages, config.village_buffer_m)
    landslide_columns(
        out,
        areas,
        points=points,
        geoms=geoms,
        zones=_layer(layers, "landslide_zones"),
        households=households,
        config=config,
    )
    dem_rasters = _dem_rasters(layers, scenario)
    # The village areas reprojected once for the zonal statistics on the DEM grid.
    areas_on_dem = on_grid_crs(areas, dem_rasters["elev"].crs) if dem_rasters else areas
    for column in _TERRAIN_COLUMNS:  # filled by _grid_columns, with the modelled probability
        out[column] = np.nan
    forest = _layer(layers, "forest")
    _forest_columns(out, areas, points, geoms, forest)
    border = _layer(layers, "border")
    _border_columns(out, geoms, border, config)
    roads = _layer(layers, "roads")
    _road_columns(out, geoms, roads)
    districts = _districts(layers, communes)
    travel_columns(
        out,
        FrictionInputs(
            extent=_layer(layers, "province"), roads=roads, forest=forest, dem=dem_rasters
        ),
        communes=communes,
        districts=districts,
        village_codes=codes,
        points=points,
        households=households,
        config=config,
        crs=villages.crs,
    )
    _river_columns(out, geoms, _layer(layers, "rivers"))
    province = _layer(layers, "province")
    slopes = _mean_slopes((communes, districts, province), dem_rasters)
    # the first column that reads the model: a child fitting it is waited for here
    result = susceptibility() if callable(susceptibility) else susceptibility
    _grid_columns(out, areas_on_dem, dem_rasters, result)
    communes["is_border"] = _border_communes(
        communes, border, config.border_commune_tolerance_m
    ).to_numpy()
    _commune_columns(out, codes, communes)
    hazard_flags(out, config, result)
    exposure_classes(out, config)

    village_frame = _with_columns(villages, out)
    commune_out, district_out, province_out = _rollups(
        village_frame,
        households=households,
        communes=communes,
        districts=districts,
        province=province,
        slopes=slopes,
    )
    return Indicators(
        villages=village_frame,
        communes=commune_out,
        districts=district_out,
        susceptibility=result,
        province=province_out,
    )


def _by_commune(codes: pd.Series, communes: pd.DataFrame, column: str) -> pd.Series:
    """Return each village's value of its commune's ``column`` (NaN when absent)."""
    commune_by_code = communes.drop_duplicates("commune_code").set_index("commune_code")
    if column not in commune_by_code:
        return pd.Series(np.nan, index=codes.index)
    return codes.map(commune_by_code[column])


def _admin_columns(out: pd.DataFrame, codes: pd.Series, communes: pd.DataFrame) -> None:
    """Add the commune's name and its district's code and name."""
    out["commune_name"] = _by_commune(codes, communes, "commune_name")
    district_code = _by_commune(codes, communes, "district_code")
    out["district_code"] = (
        district_code.astype("string").astype(object).where(district_code.notna())
    )
    out["district_name"] = _by_commune(codes, communes, "district_name")


def _household_columns(out: pd.DataFrame, villages: pd.DataFrame, households: pd.Series) -> None:
    """Add the shares of poor, near-poor, ethnic-minority and unserved households."""
    out["poverty_rate"] = _ratio(_num(villages, "poor_households"), households)
    out["near_poverty_rate"] = _ratio(_num(villages, "near_poor_households"), households)
    out["em_share"] = _ratio(_num(villages, "em_households"), households)
    out["water_gap"] = 1.0 - _ratio(_num(villages, "hygienic_water_households"), households)


_TERRAIN_COLUMNS = ("elev_mean_m", "elev_min_m", "elev_max_m", "relief_m",
                    "slope_mean_deg", "slope_max_deg")  # fmt: skip


def _grid_columns(
    out: pd.DataFrame,
    areas: gpd.GeoSeries,
    dem_rasters: dict[str, RasterLike] | None,
    result: SusceptibilityResult | None,
) -> None:
    """Add elevation, relief, slope and the mean modelled probability over each village area.

    The terrain columns keep the place they were given when the frame was started
    (NaN without a DEM); ``susceptibility`` is added (NaN without a model). When the
    probability lies on the DEM's grid, one exactextract pass summarises all three rasters.
    """
    probability = result.probability if result is not None else None
    rasters: dict[str, RasterLike] = dict(dem_rasters or {})
    if probability is not None and (not rasters or _same_grid(rasters["elev"], probability)):
        rasters["p"] = probability
        probability = None
    stats = zonal_stats(areas, rasters, ("mean", "min", "max")) if rasters else None
    if dem_rasters is not None and stats is not None:
        out["elev_mean_m"] = stats["elev_mean"].to_numpy()
        out["elev_min_m"] = stats["elev_min"].to_numpy()
        out["elev_max_m"] = stats["elev_max"].to_numpy()
        out["relief_m"] = out["elev_max_m"] - out["elev_min_m"]
        out["slope_mean_deg"] = stats["slope_mean"].to_numpy()
        out["slope_max_deg"] = stats["slope_max"].to_numpy()
    if probability is not None:
        stats = zonal_stats(areas, {"p": probability}, ("mean",))
    out["susceptibility"] = (
        stats["p_mean"].to_numpy() if stats is not None and "p_mean" in stats else np.nan
    )


def _same_grid(a: RasterLike, b: RasterLike) -> bool:
    return (
        a.array.shape[:2] == b.array.shape[:2]
        and tuple(a.transform) == tuple(b.transform)
        and to_pyproj(a.crs) == to_pyproj(b.crs)
    )


def _border_columns(
    out: pd.DataFrame, geoms: np.ndarray, border: gpd.GeoDataFrame | None, config: IndicatorConfig
) -> None:
    """Add the distance to the border and whether the village is in the border belt."""
    if border is None:
        out["dist_border_m"] = np.nan
        out["in_border_belt"] = False
        return
    out["dist_border_m"] = nearest_distance(geoms, border.geometry.to_numpy())
    out["in_border_belt"] = (out["dist_border_m"] <= config.border_belt_m).to_numpy()


def _commune_columns(out: pd.DataFrame, codes: pd.Series, communes: pd.DataFrame) -> None:
    """Copy the commune attributes the criteria read, and the commune's latest poverty rate."""
    for source, target in _COMMUNE_COPY.items():
        out[target] = _by_commune(codes, communes, source).to_numpy()
    out["commune_is_border"] = out["commune_is_border"].fillna(False).astype(bool)
    commune_poverty = _latest_year_value(communes, "poverty_rate")
    if "poverty_rate" in communes:
        commune_poverty = commune_poverty.fillna(_num(communes, "poverty_rate"))
    pov = pd.Series(commune_poverty.to_numpy(), index=communes["commune_code"].to_numpy())
    pov = pov[~pov.index.duplicated()]
    out["commune_poverty_rate"] = codes.map(pov).to_numpy()


def _rollups(
    villages: gpd.GeoDataFrame,
    *,
    households: pd.Series,
    communes: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    province: gpd.GeoDataFrame | None,
    slopes: tuple[np.ndarray | float, ...],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Return the commune, district and province frames with the village roll-ups.

    ``slopes`` are their mean slopes (:func:`_mean_slopes`), in that order.
    """
    roll = villages.assign(
        _commune=villages["commune_code"].astype(str).to_numpy(),
        _district=villages["district_code"].astype(str).to_numpy(),
        households=households.to_numpy(),
        poor_households=_num(villages, "poor_households").to_numpy(),
        em_households=_num(villages, "em_households").to_numpy(),
    )
    commune_out = _rollup(roll, "_commune", communes, "commune_code")
    district_out = _rollup(roll, "_district", districts, "district_code")
    district_of = (
        communes["district_code"].astype(str)
        if "district_code" in communes
        else pd.Series("", index=communes.index)
    )
    district_border = communes["is_border"].groupby(district_of).any()
    district_out["is_border"] = (
        district_out["district_code"].astype(str).map(district_border).fillna(False).astype(bool)
    )
    province_out = None
    if province is not None:
        province_out = _rollup(
            roll.assign(_all="all"), "_all", province.assign(_all="all"), "_all"
        ).drop(columns="_all")
        province_out["is_border"] = bool(communes["is_border"].any())
    for frame, slope_mean in zip((commune_out, district_out, province_out), slopes, strict=True):
        if frame is not None:
            frame["slope_mean_deg"] = slope_mean
    return commune_out, district_out, province_out


def _mean_slopes(
    frames: tuple[gpd.GeoDataFrame | None, ...], dem_rasters: dict[str, RasterLike] | None
) -> tuple[np.ndarray | float, ...]:
    """Return the mean slope over each frame's polygons (NaN without a DEM or a frame).

    Computed before the model's result is awaited: the polygons are the inputs'.
    """
    if dem_rasters is None:
        return tuple(np.nan for _ in frames)
    slope = {"slope": dem_rasters["slope"]}
    return tuple(
        zonal_stats(frame.geometry, slope)["slope_mean"].to_numpy() if frame is not None else np.nan
        for frame in frames
    )


def _districts(layers: Any, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    districts = _layer(layers, "districts")
    if districts is not None:
        districts = districts.copy()
        districts["district_code"] = districts["district_code"].astype(str)
        return districts
    if "district_code" not in communes:
        return gpd.GeoDataFrame(
            {"district_code": pd.Series(dtype=str)}, geometry=[], crs=communes.crs
        )
    keep = [c for c in ("district_code", "district_name") if c in communes]
    dissolved = communes[[*keep, "geometry"]].dissolve(by="district_code", as_index=False)
    dissolved["district_code"] = dissolved["district_code"].astype(str)
    return dissolved
