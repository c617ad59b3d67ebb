"""The real ground: Kon Tum's 40 communes and wards of 2025, its outline and its border.

Read from ``geoplan/demo/data/`` (copied from the project's ``shared/data``; source:
lamngockhuong/vietnam-3d-map, MIT licence, boundaries from gis.vn and the national portal
of the 2025 reorganisation, simplified to about 100 m). See ``layers/kontum-demo/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.demo.common import CRS_LOCAL, to_local

DATA = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA / "kontum_2025_communes.geojson"
OUTLINE_FILE = DATA / "kontum_outline.geojson"
BORDER_FILE = DATA / "kontum_border.geojson"

#: Coordinates are snapped to this grid (metres, EPSG:9216) so that shared edges match.
PRECISION = 0.1
#: The Vietnam-Laos-Cambodia tri-border point (approximate, lon/lat); it splits the border.
TRI_BORDER = (107.553, 14.693)
UNIT_TYPES = {"Xã": "xa", "Phường": "phuong"}


def real_units() -> gpd.GeoDataFrame:
    """Return the 40 real 2025 units as a clean coverage in EPSG:9216.

    The source boundaries were simplified unit by unit, so neighbours overlap a
    little (about 2 km² in all); each overlap is given to the unit with the lower
    code, and fragments under 1 % of a unit are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        ``commune_code_2025``, ``commune_name_2025``, ``unit_type`` (``xa``/``phuong``),
        ``area_km2`` (official), ``population`` (2025), ``before_merger``, geometry;
        sorted by code.
    """
    raw = gpd.read_file(UNITS_FILE).to_crs(CRS_LOCAL)
    raw = raw.sort_values("commune_code_2025", kind="stable").reset_index(drop=True)
    unknown = sorted(set(raw["unit_type"]) - set(UNIT_TYPES))
    if unknown:
        raise ValueError(f"{UNITS_FILE}: unknown unit_type {unknown}")
    geoms = shapely.set_precision(raw.geometry.to_numpy(), PRECISION)
    clean = []
    done = shapely.Polygon()
    for geom in geoms:
        piece = shapely.difference(geom, done, grid_size=PRECISION)
        parts = [p for p in shapely.get_parts(piece) if p.area >= 0.01 * piece.area]
        piece = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
        clean.append(piece)
        done = shapely.union(done, geom, grid_size=PRECISION)
    out = pd.DataFrame(
        {
            "commune_code_2025": raw["commune_code_2025"].astype(str),
            "commune_name_2025": raw["commune_name_2025"].astype(str),
            "unit_type": raw["unit_type"].map(UNIT_TYPES),
            "area_km2": raw["area_km2"].astype(float),
            "population": raw["population"].astype(int),
            "before_merger": raw["before_merger"].astype(str),
        }
    )
    return gpd.GeoDataFrame(out, geometry=clean, crs=CRS_LOCAL)


def real_outline() -> shapely.Geometry:
    """Return the former province's real outline (EPSG:9216)."""
    geom = gpd.read_file(OUTLINE_FILE).to_crs(CRS_LOCAL).geometry.iloc[0]
    return shapely.set_precision(geom, PRECISION)


def real_border() -> gpd.GeoDataFrame:
    """Return the real international border, split at the tri-border point.

    Returns
    -------
    geopandas.GeoDataFrame
        Two lines (EPSG:9216) with ``country``: ``Laos`` (north of the tri-border
        point) and ``Cambodia`` (south of it).
    """
    line = gpd.read_file(BORDER_FILE).to_crs(CRS_LOCAL).geometry.iloc[0]
    line = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
    coords = np.asarray(line.coords)
    tx, ty = to_local().transform(*TRI_BORDER)
    k = int(np.argmin(np.hypot(coords[:, 0] - tx, coords[:, 1] - ty)))
    a, b = coords[: k + 1], coords[k:]
    north_first = a[:, 1].mean() > b[:, 1].mean()
    laos, cambodia = (a, b) if north_first else (b, a)
    lines = [shapely.set_precision(shapely.LineString(c), PRECISION) for c in (laos, cambodia)]
    return gpd.GeoDataFrame({"country": ["Laos", "Cambodia"]}, geometry=lines, crs=CRS_LOCAL)
