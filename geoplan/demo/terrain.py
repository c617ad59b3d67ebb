"""Synthetic DEM of Kon Tum and the river network carved into it.

The DEM is a 3 arc-second grid in EPSG:4326. Elevation is a sum of shaped
features (the Ngọc Linh massif in the north, the Kon Plông plateau in the east,
Chư Mom Ray in the south-west, the Kon Tum plateau around the city, the Sê San
lowlands) plus seeded fractal and ridged noise whose amplitude grows with
elevation. Rivers are hand-placed polylines roughened by midpoint displacement;
their valleys are carved into the surface with beds that fall downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy import ndimage

from geoplan.demo.common import (
    CRS_GEO,
    DEM_CELL,
    FloatArray,
    Grid,
    dem_grid,
    densify,
    fractal_noise,
    midpoint_wiggle,
    rng_for,
)

#: Metres per degree of latitude.
M_PER_DEG = 110_700.0

#: Named rivers: (name, parent or "", rank, control points (lon, lat) from source to mouth).
#: Rank 1 = main river, 2 = tributary, 3 = stream.
RIVERS: list[tuple[str, str, int, list[tuple[float, float]]]] = [
    (
        "Sê San",
        "",
        1,
        [
            (107.835, 14.30),
            (107.74, 14.255),
            (107.64, 14.19),
            (107.55, 14.12),
            (107.46, 14.05),
            (107.40, 14.00),
            (107.33, 13.97),
        ],
    ),
    (
        "Pô Kô",
        "Sê San",
        1,
        [
            (107.70, 15.33),
            (107.73, 15.20),
            (107.745, 15.08),
            (107.76, 14.95),
            (107.79, 14.82),
            (107.835, 14.69),
            (107.865, 14.56),
            (107.855, 14.42),
            (107.835, 14.30),
        ],
    ),
    (
        "Đăk Bla",
        "Sê San",
        1,
        [
            (108.47, 14.79),
            (108.37, 14.70),
            (108.27, 14.58),
            (108.17, 14.47),
            (108.07, 14.38),
            (107.99, 14.335),
            (107.91, 14.315),
            (107.835, 14.30),
        ],
    ),
    (
        "Đăk Psi",
        "Pô Kô",
        2,
        [(108.06, 15.02), (108.03, 14.88), (107.98, 14.74), (107.93, 14.63), (107.866, 14.57)],
    ),
    (
        "Đăk Tờ Kan",
        "Đăk Psi",
        2,
        [(108.14, 14.96), (108.10, 14.88), (108.04, 14.82), (108.005, 14.80)],
    ),
    (
        "Đăk Pô Cô",
        "Pô Kô",
        2,
        [(107.90, 15.22), (107.85, 15.12), (107.80, 15.03), (107.762, 14.97)],
    ),
    (
        "Đăk Xú",
        "Pô Kô",
        2,
        [(107.56, 14.86), (107.63, 14.80), (107.71, 14.74), (107.79, 14.71), (107.83, 14.70)],
    ),
    (
        "Đăk Sa Thầy",
        "Sê San",
        2,
        [(107.77, 14.64), (107.75, 14.52), (107.73, 14.40), (107.70, 14.29), (107.665, 14.21)],
    ),
    (
        "Ia H'Drai",
        "Sê San",
        2,
        [(107.72, 14.04), (107.64, 14.015), (107.55, 14.03), (107.47, 14.06)],
    ),
    (
        "Đăk Pne",
        "Đăk Bla",
        2,
        [(108.30, 14.83), (108.25, 14.72), (108.20, 14.60), (108.17, 14.48)],
    ),
    (
        "Đăk Snghé",
        "Đăk Bla",
        2,
        [(108.40, 14.52), (108.33, 14.55), (108.25, 14.56)],
    ),
    (
        "Ia Chim",
        "Sê San",
        2,
        [(107.98, 14.22), (107.92, 14.26), (107.86, 14.285)],
    ),
]

STREAM_SYLLABLES = (
    "Ba",
    "Rơ",
    "Kơ",
    "Tơ",
    "Pơ",
    "Mơ",
    "Hơ",
    "Ri",
    "Long",
    "Xia",
    "Pêng",
    "Klor",
    "Wơk",
    "Krông",
    "Re",
    "Tre",
    "Kôi",
    "Mế",
    "Lây",
    "Năng",
    "Choong",
    "Ang",
    "Mang",
    "Ruồng",
    "Sao",
    "Lung",
    "Blô",
    "Ôn",
    "Hniêng",
    "Rơ Wa",
    "Tơ Lung",
    "Pét",
    "Rông",
    "Xiêr",
    "Nhoong",
    "Trâp",
)


@dataclass
class Terrain:
    """Result of :func:`build_terrain` (all arrays on the DEM grid)."""

    grid: Grid
    dem: FloatArray
    slope: FloatArray  # degrees
    curvature: FloatArray  # 1/100 m, positive = convex
    relief: FloatArray  # metres in a ~630 m window
    dist_river: FloatArray  # metres to the nearest river line
    dx: FloatArray  # metres per cell along x, per row
    dy: float
    rivers: gpd.GeoDataFrame  # EPSG:4326


def _km_coords(grid: Grid) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return lon, lat and km offsets (east, north) of the DEM cell centres."""
    lon, lat = grid.centres()
    kx = (lon - 107.95) * M_PER_DEG * np.cos(np.radians(14.65)) / 1000.0
    ky = (lat - 14.65) * M_PER_DEG / 1000.0
    return lon, lat, kx, ky


def _gauss(
    kx: FloatArray, ky: FloatArray, centre: tuple[float, float], sx: float, sy: float | None = None
) -> FloatArray:
    """Return a Gaussian bump (peak 1) centred at (lon, lat) with sigmas in km."""
    lon, lat = centre
    cx = (lon - 107.95) * M_PER_DEG * np.cos(np.radians(14.65)) / 1000.0
    cy = (lat - 14.65) * M_PER_DEG / 1000.0
    sy = sx if sy is None else sy
    return np.exp(-0.5 * (((kx - cx) / sx) ** 2 + ((ky - cy) / sy) ** 2))


def _base_surface(grid: Grid, rng: np.random.Generator) -> FloatArray:
    """Return the pre-carving elevation surface (metres)."""
    _lon, lat, kx, ky = _km_coords(grid)
    base = 560.0 + 0.0 * kx
    north = 1.0 / (1.0 + np.exp(-(lat - 14.80) / 0.07))
    base += 520.0 * north
    base += 1350.0 * _gauss(kx, ky, (107.98, 15.08), 9.0, 12.0)  # Ngọc Linh
    base += 350.0 * _gauss(kx, ky, (107.98, 15.08), 25.0)
    base += 480.0 * _gauss(kx, ky, (108.30, 14.68), 22.0, 18.0)  # Kon Plông / Măng Đen
    base += 260.0 * _gauss(kx, ky, (108.45, 14.80), 10.0)
    base += 800.0 * _gauss(kx, ky, (107.68, 14.47), 6.0, 8.0)  # Chư Mom Ray
    base += 300.0 * _gauss(kx, ky, (107.52, 14.95), 10.0, 25.0)  # Laos border ridge
    base -= 330.0 * _gauss(kx, ky, (107.50, 14.08), 28.0, 22.0)  # Sê San lowlands
    base -= 120.0 * _gauss(kx, ky, (107.80, 14.28), 14.0)
    plateau = _gauss(kx, ky, (107.97, 14.43), 16.0, 14.0)
    base = base * (1 - 0.85 * plateau) + 530.0 * 0.85 * plateau

    shape_ = grid.shape
    n1 = fractal_noise(shape_, rng, beta=3.1, max_wavelength=600.0, min_wavelength=1.5)
    n2 = fractal_noise(shape_, rng, beta=2.7, max_wavelength=220.0, min_wavelength=1.5)
    ridged = 1.0 - np.abs(n2)
    ridged = (ridged - ridged.mean()) / ridged.std()
    amp = np.clip(80.0 + 0.40 * (base - 450.0), 50.0, 650.0) * (1 - 0.75 * plateau)
    return base + amp * (0.75 * n1 + 0.45 * ridged)


def _rivers(rng: np.random.Generator, grid: Grid, z: FloatArray) -> list[dict]:
    """Return river records (name, parent, rank, coords) with roughened courses."""
    out: list[dict] = []
    for name, parent, rank, pts in RIVERS:
        ctrl = np.array(pts)
        coords = midpoint_wiggle(ctrl, rng, rough=0.12, levels=4)
        coords[-1] = ctrl[-1]
        out.append({"name": name, "parent": parent, "rank": rank, "coords": coords})
    # streams: from rough high ground down to the nearest river
    main = np.vstack([densify(r["coords"], 0.004) for r in out])
    lon, lat = grid.centres()
    mask = (lon > 107.40) & (lon < 108.50) & (lat > 13.97) & (lat < 15.35)
    idx = np.flatnonzero(mask.ravel())
    weights = np.clip(z.ravel()[idx] - 300.0, 1.0, None)
    picks = rng.choice(idx, size=260, replace=False, p=weights / weights.sum())
    used_names: set[str] = {r["name"] for r in out}
    n_streams = 0
    for pick in picks:
        if n_streams >= 55:
            break
        r, c = np.unravel_index(pick, grid.shape)
        src = np.array([lon[r, c], lat[r, c]])
        d = np.hypot((main[:, 0] - src[0]) * 0.97, main[:, 1] - src[1])
        j = int(np.argmin(d))
        if not 0.035 < d[j] < 0.11:
            continue
        line = midpoint_wiggle(np.array([src, main[j]]), rng, rough=0.18, levels=4)
        while True:
            name = "Đăk " + " ".join(rng.choice(STREAM_SYLLABLES, size=1 + int(rng.random() < 0.3)))
            if name not in used_names:
                break
        used_names.add(name)
        parent = next(
            rec["name"]
            for rec in out
            if np.min(np.hypot(*(densify(rec["coords"], 0.004) - main[j]).T)) < 1e-9
        )
        out.append({"name": name, "parent": parent, "rank": 3, "coords": line})
        main = np.vstack([main, densify(line, 0.004)])
        n_streams += 1
    return out


def _carve(
    grid: Grid, z0: FloatArray, rivers: list[dict], dx: FloatArray, dy: float
) -> tuple[FloatArray, FloatArray]:
    """Carve river valleys; return the new DEM and the distance to rivers (m)."""
    zs = ndimage.gaussian_filter(z0, 12.0)
    bed = np.full(grid.shape, np.inf)
    width = np.zeros(grid.shape)
    beds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    half_width = {1: 2600.0, 2: 1500.0, 3: 700.0}
    incision = {1: 60.0, 2: 40.0, 3: 20.0}
    for rec in rivers:
        pts = densify(rec["coords"], DEM_CELL * 0.7)
        prof = grid.bilinear(zs, pts[:, 0], pts[:, 1]) - incision[rec["rank"]]
        prof = np.minimum.accumulate(prof)
        if rec["parent"] in beds:
            ppts, pbed = beds[rec["parent"]]
            j = int(np.argmin(np.hypot(*(ppts - pts[-1]).T)))
            target = pbed[j]
            s = np.linspace(0.0, 1.0, len(prof))
            prof = prof - (prof[-1] - target) * s
            prof = np.maximum(np.minimum.accumulate(prof), target)
        beds[rec["name"]] = (pts, prof)
        rr, cc = grid.index(pts[:, 0], pts[:, 1])
        np.minimum.at(bed, (rr, cc), prof)
        np.maximum.at(width, (rr, cc), half_width[rec["rank"]])
    on = np.isfinite(bed)
    dist, (ri, ci) = ndimage.distance_transform_edt(
        ~on, sampling=(dy, float(np.mean(dx))), return_indices=True
    )
    b = bed[ri, ci]
    w = width[ri, ci]
    t = np.clip(dist / w, 0.0, 1.0)
    f = 1.0 - (1.0 - t) ** 2
    z = np.where(z0 > b, b + (z0 - b) * f, z0)
    return z, dist


def derivatives(
    z: FloatArray, dx: FloatArray, dy: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return slope (degrees), curvature (1/100 m, convex positive) and relief (m).

    Parameters
    ----------
    z
        Elevation grid.
    dx
        Cell width in metres for each row.
    dy
        Cell height in metres.

    Returns
    -------
    tuple of numpy.ndarray
        Slope, curvature and local relief (7x7 window).
    """
    gy, gx = np.gradient(z)
    gx = gx / dx[:, None]
    gy = gy / dy
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    zsm = ndimage.gaussian_filter(z, 1.0)
    lap = ndimage.laplace(zsm) / (dy * float(np.mean(dx)))
    curvature = -100.0 * lap
    relief = ndimage.maximum_filter(z, 7) - ndimage.minimum_filter(z, 7)
    return slope, curvature, relief


def build_terrain(seed: int) -> Terrain:
    """Build the DEM, its derivatives and the rivers.

    Parameters
    ----------
    seed
        Generator seed.

    Returns
    -------
    Terrain
        DEM-grid arrays and the rivers (EPSG:4326).
    """
    rng = rng_for(seed, 2)
    grid = dem_grid()
    _, lat = grid.centres()
    dx = DEM_CELL * M_PER_DEG * np.cos(np.radians(lat[:, 0]))
    dy = DEM_CELL * M_PER_DEG
    z0 = _base_surface(grid, rng)
    rivers = _rivers(rng, grid, z0)
    z, dist = _carve(grid, z0, rivers, dx, dy)
    # scale the summit to about 2,600 m and keep valleys above 100 m
    top = float(z.max())
    if top > 1800.0:
        z = np.where(z > 1800.0, 1800.0 + (z - 1800.0) * (2598.0 - 1800.0) / (top - 1800.0), z)
    z = np.clip(z, 100.0, None)
    z = np.round(z)
    slope, curv, relief = derivatives(z, dx, dy)
    rv = gpd.GeoDataFrame(
        {"name": [r["name"] for r in rivers]},
        geometry=[shapely.LineString(np.round(r["coords"], 6)) for r in rivers],
        crs=CRS_GEO,
    )
    return Terrain(grid, z, slope, curv, relief, dist, dx, dy, rv)
