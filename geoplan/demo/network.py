"""Synthetic road network routed over the DEM by least-cost paths.

National and provincial roads follow named waypoints; district roads join the
commune centres to the network; commune roads and tracks join villages. All
roads are in EPSG:4326, as from an OSM export.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from rasterio import features
from scipy import ndimage
from skimage.graph import MCP_Geometric

from geoplan.demo.common import CRS_GEO, FloatArray, Grid, chaikin
from geoplan.demo.terrain import Terrain

#: Named roads: (name, class, waypoints). A waypoint is (lon, lat) or a commune
#: reference "district_code/commune name" (its centre).
NAMED_ROADS: list[tuple[str, str, list[tuple[float, float] | str]]] = [
    (
        "QL14",
        "national",
        [
            (108.035, 14.12),
            "608/Trường Chinh",
            "615/Đắk Hà",
            "612/Đắk Tô",
            "611/Plei Kần",
            "610/Đắk Glei",
            (107.80, 15.44),
        ],
    ),
    ("QL24", "national", ["608/Quyết Thắng", "614/Đắk Rve", "613/Măng Đen", (108.57, 14.66)]),
    ("QL40", "national", ["611/Plei Kần", "BOY"]),
    ("QL40B", "national", ["612/Đắk Tô", "617/Đắk Hà", (108.16, 15.07)]),
    ("QL14C", "national", ["611/Plei Kần", "616/Mô Rai", (107.50, 13.88)]),
    ("ĐT671", "provincial", ["608/Ngô Mây", "608/Đoàn Kết", "614/Tân Lập"]),
    ("ĐT672", "provincial", ["617/Đắk Hà", "617/Ngọc Lây", "610/Ngọc Linh"]),
    ("ĐT673", "provincial", ["610/Đắk Glei", "610/Mường Hoong"]),
    ("ĐT674", "provincial", ["616/Sa Thầy", "611/Đắk Xú"]),
    ("ĐT675", "provincial", ["608/Lê Lợi", "616/Sa Thầy", "618/Ia Đal"]),
    ("ĐT676", "provincial", ["613/Măng Đen", "613/Măng Buk", "613/Đắk Ring"]),
    ("ĐT677", "provincial", ["615/Đắk Hà", "615/Đắk PXi", "617/Đắk Sao"]),
    ("ĐT678", "provincial", ["613/Măng Đen", "613/Hiếu"]),
]
BORDER_GATE = "Bờ Y"

ROAD_CLASSES = ("national", "provincial", "district", "commune", "track")
STEP = 4  # routing grid = DEM grid / STEP (about 370 m)


@dataclass
class Router:
    """Least-cost routing on a coarse copy of the DEM grid."""

    grid: Grid
    cost: FloatArray
    network: np.ndarray  # cells already on the road network
    lines: list[dict] = field(default_factory=list)

    def cell(self, lon: float, lat: float) -> tuple[int, int]:
        """Return the (row, col) cell of a point."""
        r, c = self.grid.index(lon, lat)
        return int(r), int(c)

    def path_to_line(
        self,
        path: list[tuple[int, int]],
        start: tuple[float, float] | None,
        end: tuple[float, float] | None,
    ) -> np.ndarray:
        """Convert a cell path to smoothed lon/lat vertices."""
        rc = np.array(path, dtype=float)
        lon = self.grid.x0 + (rc[:, 1] + 0.5) * self.grid.cell_x
        lat = self.grid.y0 - (rc[:, 0] + 0.5) * self.grid.cell_y
        pts = np.column_stack([lon, lat])
        if start is not None:
            pts[0] = start
        if end is not None:
            pts[-1] = end
        line = shapely.LineString(pts) if len(pts) > 1 else None
        if line is None:
            return pts
        line = line.simplify(self.grid.cell_x * 0.7)
        return chaikin(np.asarray(line.coords), 2)

    def route(self, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
        """Return the least-cost line between two points."""
        mcp = MCP_Geometric(self.cost, fully_connected=True)
        ra, rb = self.cell(*a), self.cell(*b)
        mcp.find_costs([ra], [rb])
        return self.path_to_line(mcp.traceback(rb), a, b)

    def add(self, name: str, road_class: str, coords: np.ndarray) -> None:
        """Add a line to the network (and mark its cells as network)."""
        if len(coords) < 2:
            return
        self.lines.append({"name": name, "road_class": road_class, "coords": coords})
        line = shapely.LineString(coords)
        burned = features.rasterize(
            [(line, 1)], out_shape=self.grid.shape, transform=self.grid.transform, all_touched=True
        )
        self.network |= burned == 1

    def connect(
        self, points: np.ndarray, names: list[str], road_class: str, *, min_dist_cells: float = 1.5
    ) -> list[bool]:
        """Join each point to the current network by its least-cost path.

        Parameters
        ----------
        points
            ``(n, 2)`` lon/lat points.
        names
            Road names, one per point.
        road_class
            Class of the new roads.
        min_dist_cells
            Points closer than this (in cells) to the network get no new road.

        Returns
        -------
        list of bool
            Whether a road was added for each point.
        """
        mcp = MCP_Geometric(self.cost, fully_connected=True)
        starts = np.argwhere(self.network)
        mcp.find_costs([tuple(s) for s in starts])
        dist = ndimage.distance_transform_edt(~self.network)
        added = []
        new_lines = []
        for (lon, lat), name in zip(points, names, strict=True):
            r, c = self.cell(lon, lat)
            if dist[r, c] < min_dist_cells:
                added.append(False)
                continue
            path = mcp.traceback((r, c))[::-1]  # from the network out to the point
            coords = self.path_to_line(path, None, (lon, lat))
            new_lines.append((name, coords))
            added.append(True)
        for name, coords in new_lines:
            self.add(name, road_class, coords)
        return added

    def frame(self) -> gpd.GeoDataFrame:
        """Return the roads as a GeoDataFrame in EPSG:4326."""
        return gpd.GeoDataFrame(
            {
                "name": [r["name"] for r in self.lines],
                "road_class": [r["road_class"] for r in self.lines],
            },
            geometry=[shapely.LineString(np.round(r["coords"], 6)) for r in self.lines],
            crs=CRS_GEO,
        )


def make_router(terrain: Terrain, mask: np.ndarray) -> Router:
    """Build the routing grid: cost grows with slope, rivers and leaving the province.

    Parameters
    ----------
    terrain
        The terrain.
    mask
        Province mask on the DEM grid.

    Returns
    -------
    Router
        An empty network.
    """
    g = terrain.grid
    coarse = g.coarsened(STEP)
    h, w = coarse.height, coarse.width
    sl = (slice(0, h * STEP), slice(0, w * STEP))
    slope = terrain.slope[sl].reshape(h, STEP, w, STEP).mean(axis=(1, 3))
    river = (terrain.dist_river[sl] < 60.0).reshape(h, STEP, w, STEP).any(axis=(1, 3))
    inside = mask[sl].reshape(h, STEP, w, STEP).any(axis=(1, 3))
    cost = 1.0 + (slope / 7.0) ** 2 + 6.0 * river
    cost = np.where(inside, cost, cost * 2.5)
    return Router(coarse, cost, np.zeros((h, w), dtype=bool))


def build_main_roads(
    router: Router, centres_geo: dict[str, tuple[float, float]], gate: tuple[float, float]
) -> None:
    """Route the national and provincial roads, then the district roads.

    Parameters
    ----------
    router
        The router (modified in place: lines are added).
    centres_geo
        Commune centres (lon, lat) keyed by ``"district_code/commune name"``.
    gate
        The Bờ Y border gate (lon, lat) on the Laos border.
    """
    for name, road_class, waypoints in NAMED_ROADS:
        pts = [
            gate if wp == "BOY" else centres_geo[wp] if isinstance(wp, str) else wp
            for wp in waypoints
        ]
        parts = [router.route(a, b) for a, b in itertools.pairwise(pts)]
        coords = np.vstack([parts[0]] + [p[1:] for p in parts[1:]])
        router.add(name, road_class, coords)
    keys = sorted(centres_geo)
    centre_pts = np.array([centres_geo[k] for k in keys])
    names = [f"ĐH {k.split('/')[1]}" for k in keys]
    router.connect(centre_pts, names, "district")


def distance_to_roads(terrain: Terrain, roads: gpd.GeoDataFrame) -> FloatArray:
    """Return the distance (metres) from every DEM cell to the nearest road line.

    Parameters
    ----------
    terrain
        The terrain (its grid and cell sizes).
    roads
        Roads in EPSG:4326.

    Returns
    -------
    numpy.ndarray
        Distances on the DEM grid.
    """
    g = terrain.grid
    burned = features.rasterize(
        [(geom, 1) for geom in roads.geometry],
        out_shape=g.shape,
        transform=g.transform,
        all_touched=True,
    )
    return ndimage.distance_transform_edt(
        burned == 0, sampling=(terrain.dy, float(np.mean(terrain.dx)))
    )
