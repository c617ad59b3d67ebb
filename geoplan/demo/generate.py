"""Generate the synthetic Kon Tum demo data set (``layers/kontum-demo/``).

Run ``python -m geoplan.demo.generate [--out DIR] [--seed N]``. The same seed
always gives byte-identical files. Needs ``vietnam-provinces==0.6.0`` (names and
codes); the geoplan runtime never imports this module.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage
from shapely.ops import nearest_points

from geoplan.demo.admin import CITY_CENTRE, POOR_DISTRICTS, build_admin
from geoplan.demo.common import CRS_GEO, CRS_LOCAL, Grid, to_geo, to_local
from geoplan.demo.hazard import build_forest, build_hazard, province_mask
from geoplan.demo.merge import communes_2025_layer
from geoplan.demo.network import build_main_roads, distance_to_roads, make_router
from geoplan.demo.stats import DISTRICT_NTM, YEARS, commune_profile, finish_communes
from geoplan.demo.terrain import build_terrain
from geoplan.demo.villages import (
    place_villages,
    scale_to_population,
    village_attributes,
    villages_frame,
)
from geoplan.demo.write import write_gpkg, write_json, write_raster

DEFAULT_SEED = 2022
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "layers" / "kontum-demo"
GPKG_NAME = "kontum.gpkg"
LAYER_ORDER = (
    "province",
    "districts",
    "communes",
    "communes_2025",
    "villages",
    "landslide_zones",
    "landslide_inventory",
    "forest",
    "border",
    "roads",
    "rivers",
)
#: Fraction of villages left without any road within 2 km.
NO_ROAD_SHARE = 0.08
ALL_SEASON_ROAD_M = 2000.0
BORDER_GATE_LONLAT = (107.56, 14.72)


def _index_grid(gdf: gpd.GeoDataFrame, grid: Grid, shape: tuple[int, int]) -> np.ndarray:
    """Rasterise polygon row indices on the DEM grid (-1 outside)."""
    geo = gdf.to_crs(CRS_GEO)
    return features.rasterize(
        [(g, i) for i, g in enumerate(geo.geometry)],
        out_shape=shape,
        transform=grid.transform,
        fill=-1,
        dtype="int32",
    )


def _touches_border(polygons: gpd.GeoDataFrame, border: gpd.GeoDataFrame) -> np.ndarray:
    """Return, per polygon, whether more than 100 m of its edge runs along the border."""
    near = shapely.union_all(border.geometry.to_numpy()).buffer(5.0)
    shared = shapely.intersection(polygons.geometry.boundary.to_numpy(), near)
    return np.asarray(shapely.length(shared) > 100.0)


def _main_roads(
    admin: Any, communes: gpd.GeoDataFrame, terrain: Any, mask: np.ndarray
) -> tuple[Any, np.ndarray]:
    """Route the main roads between commune centres and the border gate.

    Returns the router (its network, for the village roads) and the distance to a road.
    """
    # commune centres and the border gate in lon/lat
    clon, clat = to_geo().transform(admin.centres[:, 0], admin.centres[:, 1])
    centres_geo = {
        f"{d}/{n}": (float(x), float(y))
        for d, n, x, y in zip(
            communes["district_code"], communes["commune_name"], clon, clat, strict=True
        )
    }
    laos = admin.border[admin.border["country"] == "Laos"].geometry.iloc[0]
    gx, gy = to_local().transform(*BORDER_GATE_LONLAT)
    gate_local = nearest_points(laos, shapely.Point(gx, gy))[0]
    gate = to_geo().transform(gate_local.x, gate_local.y)
    router = make_router(terrain, mask)
    build_main_roads(router, centres_geo, (float(gate[0]), float(gate[1])))
    dist_road = distance_to_roads(terrain, router.frame())
    return router, dist_road


def _village_roads(
    router: Any,
    table: pd.DataFrame,
    placed: pd.DataFrame,
    profile: pd.DataFrame,
    communes: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Connect the villages to the road network, leaving the most remote without a road.

    Large villages get a commune road named after their commune, small ones a track.
    """
    vlon, vlat = to_geo().transform(table["x"].to_numpy(), table["y"].to_numpy())
    vpts = np.column_stack([vlon, vlat])
    ndist = ndimage.distance_transform_edt(~router.network)
    rr, cc = router.grid.index(vlon, vlat)
    remote = ndist[rr, cc] * router.grid.cell_x * 107_000.0
    rix = profile["r"].to_numpy()[placed["commune_index"].to_numpy()]
    score = np.where(table["is_centre"].to_numpy() | (remote < 2500.0), -1.0, remote * (0.3 + rix))
    n_none = int(np.rint(NO_ROAD_SHARE * len(table)))
    no_road = np.zeros(len(table), dtype=bool)
    no_road[np.argsort(-score, kind="stable")[:n_none]] = True
    no_road &= score > 0
    cname = dict(zip(communes["commune_code"], communes["commune_name"], strict=True))
    hh = table["households"].to_numpy()
    big = ~no_road & (hh >= np.quantile(hh, 0.6))
    small = ~no_road & ~big
    router.connect(
        vpts[big], [f"Đường xã {cname[c]}" for c in table["commune_code"][big]], "commune"
    )
    router.connect(vpts[small], [""] * int(small.sum()), "track")
    roads = router.frame()
    roads["name"] = roads["name"].replace("", None)
    return roads


def _villages_layer(
    table: pd.DataFrame, roads: gpd.GeoDataFrame, lineage: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Return the villages layer: road access and power from the roads, 2025 codes, field order.

    Sets ``all_season_road`` and ``has_grid_power`` in ``table`` too.
    """
    roads_local = roads.to_crs(CRS_LOCAL)
    vgeom = gpd.points_from_xy(table["x"], table["y"])
    tree = shapely.STRtree(roads_local.geometry.to_numpy())
    _, dists = tree.query_nearest(vgeom, return_distance=True, all_matches=False)
    table["all_season_road"] = dists <= ALL_SEASON_ROAD_M
    # power follows the road: roadless villages are mostly off the grid
    table["has_grid_power"] = table["has_grid_power"] & (
        table["all_season_road"] | (np.arange(len(table)) % 3 == 0)
    )
    villages = villages_frame(table)
    villages["commune_code_2025"] = villages["commune_code"].map(
        lineage.set_index("commune_code")["commune_code_2025"]
    )
    order = [
        "village_id",
        "village_name",
        "commune_code",
        "commune_code_2025",
        "households",
        "population",
        "poor_households",
        "near_poor_households",
        "em_households",
        "main_ethnic_group",
        "is_especially_difficult",
        "hygienic_water_households",
        "has_communal_house",
        "communal_house_repaired",
        "has_grid_power",
        "all_season_road",
        "em_hh_no_residential_land",
        "em_hh_no_production_land",
        "geometry",
    ]
    villages = villages[order]
    return villages


def _communes_layer(
    seed: int, profile: pd.DataFrame, table: pd.DataFrame, communes: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Return the 2022 communes layer with their statistics, from the villages' totals."""
    final = finish_communes(seed, profile, table, communes["commune_code"])
    cfields = communes[
        ["commune_code", "commune_name", "commune_type", "district_code", "district_name"]
    ].copy()
    cols = (
        ["ntm_criteria_met"]
        + [f"ntm_criteria_{y}" for y in YEARS]
        + [
            "ntm_status",
            "ntm_year",
            "region",
            "is_atk",
            "is_especially_difficult",
            "was_especially_difficult_2021",
        ]
    )
    for col in cols:
        cfields[col] = final[col].to_numpy()
    cfields["is_border"] = communes["is_border"].to_numpy()
    cfields["has_cooperative"] = final["has_cooperative"].to_numpy()
    for y in YEARS:
        cfields[f"poverty_rate_{y}"] = final[f"poverty_rate_{y}"].to_numpy()
    for y in YEARS:
        cfields[f"near_poverty_rate_{y}"] = final[f"near_poverty_rate_{y}"].to_numpy()
    cfields["em_households_in_coop"] = final["em_households_in_coop"].to_numpy()
    communes_out = gpd.GeoDataFrame(cfields, geometry=communes.geometry.to_numpy(), crs=CRS_LOCAL)
    return communes_out


def _districts_layer(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the districts layer: poor districts and their NTM status."""
    dist_out = districts[["district_code", "district_name", "district_type"]].copy()
    dist_out["is_poor_district"] = dist_out["district_code"].isin(POOR_DISTRICTS)
    dist_out["ntm_status"] = dist_out["district_code"].map(DISTRICT_NTM).fillna("none")
    districts_out = gpd.GeoDataFrame(
        dist_out, geometry=districts.geometry.to_numpy(), crs=CRS_LOCAL
    )
    return districts_out


def _write_files(
    out_dir: Path,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    terrain: Any,
    hazard: Any,
    mask: np.ndarray,
    seed: int,
) -> dict[str, Path]:
    """Write the GeoPackage, the DEM, the landslide truth raster and its JSON."""
    grid = terrain.grid
    gpkg = write_gpkg(out_dir / GPKG_NAME, [(k, layers[k]) for k in LAYER_ORDER])
    near = ndimage.distance_transform_edt(~mask) <= 30
    dem = np.where(near, terrain.dem, -32768)
    dem_path = write_raster(out_dir / "dem.tif", dem, grid, nodata=-32768, dtype="int16")
    truth = np.where(mask, np.round(np.nan_to_num(hazard.truth) * 250.0), 255)
    truth_path = write_raster(
        out_dir / "landslide_truth.tif", truth, grid, nodata=255, dtype="uint8"
    )
    meta = dict(hazard.meta)
    meta["seed"] = seed
    json_path = write_json(out_dir / "landslide_truth.json", meta)
    return {"gpkg": gpkg, "dem": dem_path, "truth": truth_path, "truth_json": json_path}


def generate(
    out_dir: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED, *, verbose: bool = False
) -> dict[str, Path]:
    """Generate every demo file into ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created if needed; existing demo files are replaced).
    seed
        Random seed; the same seed gives byte-identical files.
    verbose
        Print stage timings.

    Returns
    -------
    dict
        File role → path (``gpkg``, ``dem``, ``truth``, ``truth_json``).
    """
    t0 = time.perf_counter()

    def tick(label: str) -> None:
        if verbose:
            print(f"{time.perf_counter() - t0:6.1f}s {label}", file=sys.stderr)

    out_dir.mkdir(parents=True, exist_ok=True)
    admin = build_admin(seed)
    tick("admin")
    terrain = build_terrain(seed)
    tick("terrain")
    grid = terrain.grid
    prov_geo = admin.province.to_crs(CRS_GEO).geometry.iloc[0]
    mask = province_mask(grid, prov_geo)
    communes = admin.communes.reset_index(drop=True)
    districts = admin.districts.reset_index(drop=True)
    commune_grid = _index_grid(communes, grid, grid.shape)
    district_grid = _index_grid(districts, grid, grid.shape)
    ftype, forest = build_forest(
        seed, terrain, mask, district_grid, list(districts["district_name"])
    )
    tick("forest")

    router, dist_road = _main_roads(admin, communes, terrain, mask)
    tick("main roads")
    hazard = build_hazard(seed, terrain, ftype, dist_road, mask)
    tick("hazard")

    units = admin.extras["units"]
    lineage = admin.extras["lineage"]
    communes["is_border"] = _touches_border(communes, admin.border)
    cx, cy = to_local().transform(*CITY_CENTRE)
    city_km = np.hypot(admin.centres[:, 0] - cx, admin.centres[:, 1] - cy) / 1000.0
    profile = commune_profile(seed, communes, commune_grid, terrain, city_km)
    placed = place_villages(seed, admin, terrain, ftype, hazard.level)
    table = village_attributes(seed, admin, placed, profile)
    table = scale_to_population(
        table,
        lineage.set_index("commune_code")["commune_code_2025"],
        units.set_index("commune_code_2025")["population"],
    )
    tick("villages")

    roads = _village_roads(router, table, placed, profile, communes)
    tick("village roads")

    villages = _villages_layer(table, roads, lineage)

    communes_out = _communes_layer(seed, profile, table, communes)
    districts_out = _districts_layer(districts)
    merged = communes_2025_layer(
        units, lineage, communes_out, villages, _touches_border(units, admin.border)
    )
    tick("statistics")

    layers = {
        "province": admin.province,
        "districts": districts_out,
        "communes": communes_out,
        "communes_2025": merged,
        "villages": villages,
        "landslide_zones": hazard.zones,
        "landslide_inventory": hazard.inventory,
        "forest": forest,
        "border": admin.border,
        "roads": roads,
        "rivers": terrain.rivers,
    }
    written = _write_files(out_dir, layers, terrain=terrain, hazard=hazard, mask=mask, seed=seed)
    tick("written")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Parameters
    ----------
    argv
        Arguments (defaults to ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m geoplan.demo.generate", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--quiet", action="store_true", help="do not print timings")
    args = parser.parse_args(argv)
    paths = generate(args.out, args.seed, verbose=not args.quiet)
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
