"""Synthetic administrative geometry with the real 2022 names and GSO codes.

The province outline is a hand-drawn approximation of Kon Tum (lon/lat control
points) roughened by a seeded warp. Districts and communes are capacity-adjusted
power diagrams in a warped plane, computed on a 250 m grid in EPSG:9216, made
contiguous, polygonised and simplified as one polygon *coverage* (so shared
boundaries stay identical). Laos and Cambodia are part of the same coverage, so
the border line is exactly part of the province outline.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage
from shapely.geometry import shape

from geoplan.demo.common import (
    CRS_LOCAL,
    Grid,
    admin_grid,
    rng_for,
    smooth_noise,
    to_local,
)

PROVINCE_CODE = 62
PROVINCE_NAME = "Kon Tum"

#: Province outline control points (lon, lat), clockwise from the north end of
#: the Laos border. ``S`` is the southern tip (start of the Cambodia border),
#: ``T`` the Vietnam-Laos-Cambodia tri-border point near Bờ Y.
OUTLINE_EAST: list[tuple[float, float]] = [
    (107.64, 15.27),  # N: Laos / Quảng Nam / Kon Tum
    (107.67, 15.35),
    (107.74, 15.39),
    (107.81, 15.37),
    (107.86, 15.28),
    (107.92, 15.18),
    (108.01, 15.10),
    (108.10, 15.02),
    (108.22, 14.96),
    (108.34, 14.90),
    (108.45, 14.82),
    (108.53, 14.73),
    (108.49, 14.66),
    (108.40, 14.61),
    (108.31, 14.55),
    (108.23, 14.45),
    (108.15, 14.35),
    (108.08, 14.26),
    (108.02, 14.19),
    (107.95, 14.21),
    (107.86, 14.24),
    (107.80, 14.22),
    (107.74, 14.15),
    (107.67, 14.05),
    (107.60, 13.97),
]
OUTLINE_CAMBODIA: list[tuple[float, float]] = [
    (107.54, 13.925),  # S
    (107.45, 13.97),
    (107.39, 14.08),
    (107.37, 14.22),
    (107.41, 14.37),
    (107.46, 14.51),
    (107.51, 14.61),
    (107.55, 14.69),  # T
]
OUTLINE_LAOS: list[tuple[float, float]] = [
    (107.55, 14.69),  # T
    (107.52, 14.78),
    (107.52, 14.90),
    (107.56, 15.02),
    (107.60, 15.15),
    (107.64, 15.27),  # N
]
#: Lon/lat box the province must stay in.
PROVINCE_BOX = (107.35, 13.90, 108.55, 15.42)

#: District seeds (lon, lat) and approximate real areas (km²).
DISTRICT_LAYOUT: dict[str, tuple[float, float, float]] = {
    "608": (108.00, 14.36, 432.0),
    "610": (107.72, 15.13, 1495.0),
    "611": (107.62, 14.76, 844.0),
    "612": (107.82, 14.67, 507.0),
    "613": (108.30, 14.76, 1371.0),
    "614": (108.17, 14.48, 911.0),
    "615": (107.95, 14.56, 845.0),
    "616": (107.66, 14.42, 1435.0),
    "617": (107.99, 14.92, 857.0),
    "618": (107.52, 14.10, 980.0),
}
POOR_DISTRICTS = {"613", "617", "618"}

#: Known positions (lon, lat) of some communes: district seats, Bờ Y at the
#: border gate, Ngọc Linh near the summit, Mô Rai in the far south-west.
COMMUNE_ANCHORS: dict[tuple[str, str], tuple[float, float]] = {
    ("610", "Đắk Glei"): (107.74, 15.09),
    ("610", "Ngọc Linh"): (107.93, 15.12),
    ("611", "Plei Kần"): (107.69, 14.71),
    ("611", "Bờ Y"): (107.58, 14.72),
    ("612", "Đắk Tô"): (107.85, 14.65),
    ("613", "Măng Đen"): (108.29, 14.60),
    ("614", "Đắk Rve"): (108.14, 14.52),
    ("615", "Đắk Hà"): (107.93, 14.52),
    ("616", "Sa Thầy"): (107.79, 14.42),
    ("616", "Mô Rai"): (107.52, 14.33),
    ("617", "Đắk Hà"): (107.96, 14.87),
    ("617", "Ngọc Lây"): (107.98, 15.01),
    ("608", "Ia Chim"): (107.92, 14.29),
}
CITY_CENTRE = (108.00, 14.355)

#: Outside labels of the working grid.
LAB_VN, LAB_LAOS, LAB_CAMBODIA = 1, 2, 3
COMMUNE_LABEL0 = 100
ADMIN_CELL_AREA = 250.0 * 250.0

TYPE_PREFIXES = (
    ("Thành phố ", "thanh_pho"),
    ("Thị trấn ", "thi_tran"),
    ("Phường ", "phuong"),
    ("Huyện ", "huyen"),
    ("Xã ", "xa"),
)


def split_name(full: str) -> tuple[str, str]:
    """Split a Vietnamese unit name into its bare name and type.

    Parameters
    ----------
    full
        For example ``"Thị trấn Đắk Glei"``.

    Returns
    -------
    tuple of str
        ``("Đắk Glei", "thi_tran")``.
    """
    text = unicodedata.normalize("NFC", full).strip()
    for prefix, kind in TYPE_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip(), kind
    return text, "xa"


def load_divisions() -> pd.DataFrame:
    """Read Kon Tum's 2022 districts and communes from ``vietnam-provinces``.

    Returns
    -------
    pandas.DataFrame
        One row per commune: ``commune_code``, ``commune_name``, ``commune_type``,
        ``district_code``, ``district_name``, ``district_type`` (codes as text),
        in the package's order.
    """
    import vietnam_provinces  # generation-time dependency only

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)
    province = next(p for p in data if int(p["code"]) == PROVINCE_CODE)
    rows = []
    for district in province["districts"]:
        dname, dtype = split_name(district["name"])
        for ward in district["wards"]:
            cname, ctype = split_name(ward["name"])
            rows.append(
                {
                    "commune_code": str(ward["code"]),
                    "commune_name": cname,
                    "commune_type": ctype,
                    "district_code": str(district["code"]),
                    "district_name": dname,
                    "district_type": dtype,
                }
            )
    return pd.DataFrame(rows)


@dataclass
class Admin:
    """Result of :func:`build_admin`."""

    grid: Grid
    labels: np.ndarray  # working-grid labels (communes: COMMUNE_LABEL0 + row index)
    communes: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    province: gpd.GeoDataFrame
    border: gpd.GeoDataFrame
    centres: np.ndarray  # (n_communes, 2) commune centres in EPSG:9216
    extras: dict[str, Any] = field(default_factory=dict)


def _outline(rng: np.random.Generator, grid: Grid) -> tuple[np.ndarray, int, int]:
    """Return the warped outline ring (EPSG:9216) and the indices of S and T."""
    east = np.array(OUTLINE_EAST)
    camb = np.array(OUTLINE_CAMBODIA)
    laos = np.array(OUTLINE_LAOS)
    tr = to_local()
    parts = []
    for ctrl in (east, camb, laos):
        x, y = tr.transform(ctrl[:, 0], ctrl[:, 1])
        parts.append(np.column_stack([x, y]))
    from geoplan.demo.common import densify

    dens = [densify(p, 400.0) for p in parts]
    ring = np.vstack([dens[0], dens[1][1:], dens[2][1:]])
    i_s = len(dens[0]) - 1
    i_t = i_s + len(dens[1]) - 1
    # smooth warp: two scales of noise sampled at the vertices
    shape_ = grid.shape
    wx = 1800.0 * smooth_noise(shape_, rng, 40) + 450.0 * smooth_noise(shape_, rng, 8)
    wy = 1800.0 * smooth_noise(shape_, rng, 40) + 450.0 * smooth_noise(shape_, rng, 8)
    dx = grid.bilinear(wx, ring[:, 0], ring[:, 1])
    dy = grid.bilinear(wy, ring[:, 0], ring[:, 1])
    return np.column_stack([ring[:, 0] + dx, ring[:, 1] + dy]), i_s, i_t


def _box_local() -> shapely.Polygon:
    """Return the province lon/lat box as a polygon in EPSG:9216."""
    w, s, e, n = PROVINCE_BOX
    lon = np.concatenate([np.linspace(w, e, 50), np.full(50, e), np.linspace(e, w, 50)])
    lat = np.concatenate([np.full(50, s), np.linspace(s, n, 50), np.full(50, n)])
    lon = np.concatenate([lon, np.full(50, w)])
    lat = np.concatenate([lat, np.linspace(n, s, 50)])
    x, y = to_local().transform(lon, lat)
    return shapely.Polygon(np.column_stack([x, y]))


def _outside_regions(ring: np.ndarray, i_s: int, i_t: int, grid: Grid) -> np.ndarray:
    """Rasterise Laos and Cambodia (west of the border sections) on the grid."""
    far = 400_000.0
    s_pt, t_pt = ring[i_s], ring[i_t]
    n_pt = ring[-1]
    laos_sec = ring[i_t:]
    camb_sec = ring[i_s : i_t + 1]
    laos = shapely.Polygon(
        np.vstack([laos_sec, [[n_pt[0] - far, n_pt[1]], [t_pt[0] - far, t_pt[1]]]])
    )
    camb = shapely.Polygon(
        np.vstack(
            [
                camb_sec,
                [
                    [t_pt[0] - far, t_pt[1]],
                    [t_pt[0] - far, s_pt[1] - far],
                    [s_pt[0], s_pt[1] - far],
                ],
            ]
        )
    )
    out = np.full(grid.shape, LAB_VN, dtype=np.int32)
    for raw, lab in ((camb, LAB_CAMBODIA), (laos, LAB_LAOS)):
        geom = shapely.make_valid(raw)
        burned = features.rasterize(
            [(geom, lab)], out_shape=grid.shape, transform=grid.transform, fill=0
        )
        out[burned == lab] = lab
    return out


def _warped_coords(
    grid: Grid, rng: np.random.Generator, amps: tuple[float, float], sigmas: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Return warped x and y coordinates of all grid cells."""
    x, y = grid.centres()
    for amp, sig in zip(amps, sigmas, strict=True):
        x = x + amp * smooth_noise(grid.shape, rng, sig)
        y = y + amp * smooth_noise(grid.shape, rng, sig)
    return x, y


def power_partition(
    px: np.ndarray, py: np.ndarray, seeds: np.ndarray, targets: np.ndarray, *, iters: int = 60
) -> np.ndarray:
    """Assign points to seeds by a power diagram whose weights match target areas.

    Parameters
    ----------
    px, py
        Point coordinates (metres), one point per grid cell.
    seeds
        ``(k, 2)`` seed coordinates.
    targets
        Target number of points per seed.
    iters
        Weight-update iterations.

    Returns
    -------
    numpy.ndarray
        Seed index of each point.
    """
    w = np.zeros(len(seeds))
    d2 = (px[:, None] - seeds[None, :, 0]) ** 2 + (py[:, None] - seeds[None, :, 1]) ** 2
    lab = np.argmin(d2, axis=1)
    for it in range(iters):
        lab = np.argmin(d2 - w[None, :], axis=1)
        area = np.bincount(lab, minlength=len(seeds)).astype(float)
        step = 0.6 if it < iters // 2 else 0.3
        # a power weight w adds about pi * w to a cell's area (in m²)
        w += step * (targets - area) * ADMIN_CELL_AREA / np.pi
    return lab


def enforce_contiguity(labels: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Keep only the largest 4-connected piece of each label; re-assign the rest.

    Parameters
    ----------
    labels
        Integer label grid (values < 0 mean unassigned).
    valid
        Cells that must receive a label.

    Returns
    -------
    numpy.ndarray
        A new label grid in which every label is one 4-connected region.
    """
    out = labels.copy()
    for _ in range(6):
        changed = False
        for lab in np.unique(out[valid]):
            if lab < 0:
                continue
            pieces, n = ndimage.label(out == lab)
            if n <= 1:
                continue
            sizes = np.bincount(pieces.ravel())
            sizes[0] = 0
            keep = int(np.argmax(sizes))
            out[(pieces > 0) & (pieces != keep)] = -1
            changed = True
        holes = valid & (out < 0)
        if not holes.any():
            if not changed:
                break
            continue
        donor = valid & (out >= 0)
        _, (ri, ci) = ndimage.distance_transform_edt(~donor, return_indices=True)
        out[holes] = out[ri[holes], ci[holes]]
    return out


def _farthest_seeds(
    cand: np.ndarray, fixed: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick ``k`` well-spread seeds among candidates, away from fixed seeds."""
    chosen: list[np.ndarray] = []
    if len(fixed):
        dmin = np.min(
            np.hypot(cand[:, None, 0] - fixed[None, :, 0], cand[:, None, 1] - fixed[None, :, 1]),
            axis=1,
        )
    else:
        dmin = np.full(len(cand), np.inf)
        first = cand[rng.integers(len(cand))]
        chosen.append(first)
        dmin = np.hypot(cand[:, 0] - first[0], cand[:, 1] - first[1])
    while len(chosen) < k:
        # add a little randomness so that layouts differ between seeds
        score = dmin * rng.uniform(0.8, 1.0, len(cand))
        pick = cand[int(np.argmax(score))]
        chosen.append(pick)
        dmin = np.minimum(dmin, np.hypot(cand[:, 0] - pick[0], cand[:, 1] - pick[1]))
    return np.array(chosen).reshape(-1, 2)


def _commune_targets(sub: pd.DataFrame, rng: np.random.Generator, total: float) -> np.ndarray:
    """Return target areas (cells) of the communes of one district."""
    base = rng.lognormal(0.0, 0.35, len(sub))
    ward = (sub["commune_type"] == "phuong").to_numpy()
    town = (sub["commune_type"] == "thi_tran").to_numpy()
    weights = base.copy()
    rural = ~(ward | town)
    fixed = np.where(ward, rng.uniform(90, 150, len(sub)), 0.0)  # 5.6-9.4 km²
    weights[town] *= 0.5
    free = total - fixed.sum()
    share = np.where(rural | town, weights, 0.0)
    share = share / share.sum() * free
    return np.where(ward, fixed, share)


def build_admin(seed: int) -> Admin:
    """Build province, districts, communes and the border.

    Parameters
    ----------
    seed
        Generator seed.

    Returns
    -------
    Admin
        Layers in EPSG:9216 and the working grid with its labels.
    """
    rng = rng_for(seed, 1)
    grid = admin_grid()
    div = load_divisions()
    ring, i_s, i_t = _outline(rng, grid)
    province0 = shapely.make_valid(shapely.Polygon(ring))
    if province0.geom_type != "Polygon":
        province0 = max(shapely.get_parts(province0), key=lambda g: g.area)
    province0 = shapely.intersection(province0, _box_local().buffer(-200.0))
    if province0.geom_type != "Polygon":
        province0 = max(shapely.get_parts(province0), key=lambda g: g.area)
    inside = (
        features.rasterize([(province0, 1)], out_shape=grid.shape, transform=grid.transform) == 1
    )
    # the largest 4-connected piece only
    pieces, n = ndimage.label(inside)
    if n > 1:
        sizes = np.bincount(pieces.ravel())
        sizes[0] = 0
        inside = pieces == int(np.argmax(sizes))
    inside = ndimage.binary_fill_holes(inside)
    labels = _outside_regions(ring, i_s, i_t, grid)

    # districts: power diagram in a warped plane
    wx, wy = _warped_coords(grid, rng, (4200.0, 1200.0), (36.0, 9.0))
    tr = to_local()
    dcodes = list(DISTRICT_LAYOUT)
    dl = np.array([DISTRICT_LAYOUT[c] for c in dcodes])
    sx, sy = tr.transform(dl[:, 0], dl[:, 1])
    seeds = np.column_stack([sx, sy])
    n_in = int(inside.sum())
    targets = dl[:, 2] / dl[:, 2].sum() * n_in
    idx = np.nonzero(inside)
    dlab = np.full(grid.shape, -1, dtype=np.int32)
    dlab[idx] = power_partition(wx[idx], wy[idx], seeds, targets)
    dlab = enforce_contiguity(dlab, inside)

    # communes inside each district
    cx, cy = _warped_coords(grid, rng, (1500.0, 500.0), (14.0, 4.0))
    clab = np.full(grid.shape, -1, dtype=np.int32)
    for di, dcode in enumerate(dcodes):
        sub = div[div["district_code"] == dcode]
        rows = sub.index.to_numpy()
        dmask = dlab == di
        didx = np.nonzero(dmask)
        if len(rows) == 1:
            clab[dmask] = rows[0]
            continue
        anchor = np.full((len(rows), 2), np.nan)
        for j, name in enumerate(sub["commune_name"]):
            key = (dcode, name)
            if key in COMMUNE_ANCHORS:
                lon, lat = COMMUNE_ANCHORS[key]
                anchor[j] = tr.transform(lon, lat)
        wards = (sub["commune_type"] == "phuong").to_numpy()
        if wards.any():
            ccx, ccy = tr.transform(*CITY_CENTRE)
            nw = int(wards.sum())
            ang = np.linspace(0, 2 * np.pi, nw - 3, endpoint=False) + rng.uniform(0, 1)
            ring_pts = [(ccx + 3300 * np.cos(a), ccy + 3300 * np.sin(a)) for a in ang]
            ang3 = np.linspace(0, 2 * np.pi, 3, endpoint=False) + rng.uniform(0, 1)
            ring_pts += [(ccx + 1200 * np.cos(a), ccy + 1200 * np.sin(a)) for a in ang3]
            anchor[np.nonzero(wards)[0]] = np.array(ring_pts)
        # move anchors into the warped plane of their cell
        has = ~np.isnan(anchor[:, 0])
        if has.any():
            r, c = grid.index(anchor[has, 0], anchor[has, 1])
            ok = dmask[r, c]
            pos = np.nonzero(has)[0]
            anchor[pos[~ok]] = np.nan
            anchor[pos[ok]] = np.column_stack([cx[r[ok], c[ok]], cy[r[ok], c[ok]]])
        has = ~np.isnan(anchor[:, 0])
        pick = rng.choice(len(didx[0]), size=min(3000, len(didx[0])), replace=False)
        cand = np.column_stack([cx[didx][pick], cy[didx][pick]])
        extra = _farthest_seeds(cand, anchor[has], int((~has).sum()), rng)
        anchor[~has] = extra
        tg = _commune_targets(sub, rng, float(len(didx[0])))
        part = power_partition(cx[didx], cy[didx], anchor, tg)
        clab[didx] = rows[part]
    clab = enforce_contiguity(clab, inside)
    labels[inside] = clab[inside] + COMMUNE_LABEL0

    communes, outside = _polygonise(labels, grid, div)
    centres = _centres(labels, grid, div)
    return _finish(grid, labels, communes, outside, div, centres=centres)


def _polygonise(
    labels: np.ndarray, grid: Grid, div: pd.DataFrame
) -> tuple[list[shapely.Geometry], dict[int, list[shapely.Geometry]]]:
    """Polygonise the label grid and simplify it as one coverage."""
    geoms: list[shapely.Geometry] = []
    vals: list[int] = []
    for geo, val in features.shapes(labels, transform=grid.transform, connectivity=4):
        geoms.append(shape(geo))
        vals.append(int(val))
    # node the raster polygons: a vertex at every grid node along every edge, so
    # that neighbours share identical vertices (a valid coverage)
    arr = shapely.segmentize(np.array(geoms, dtype=object), grid.cell_x)
    arr = shapely.transform(arr, lambda c: np.round(c, 2))
    simp = shapely.coverage_simplify(arr, tolerance=260.0, simplify_boundary=False)
    simp = shapely.transform(simp, lambda c: np.round(c, 1))
    by_val: dict[int, list[shapely.Geometry]] = {}
    for g, v in zip(simp, vals, strict=True):
        by_val.setdefault(v, []).append(g)
    communes = []
    for i in range(len(div)):
        parts = by_val[COMMUNE_LABEL0 + i]
        geom = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        communes.append(geom)
    outside = {k: v for k, v in by_val.items() if k < COMMUNE_LABEL0}
    return communes, outside


def _centres(labels: np.ndarray, grid: Grid, div: pd.DataFrame) -> np.ndarray:
    """Return a centre point per commune: an anchor if given, else the deepest cell."""
    tr = to_local()
    out = np.zeros((len(div), 2))
    gx, gy = grid.centres()
    for i, (dcode, name) in enumerate(zip(div["district_code"], div["commune_name"], strict=True)):
        lab = COMMUNE_LABEL0 + i
        mask = labels == lab
        key = (dcode, name)
        if key in COMMUNE_ANCHORS:
            x, y = tr.transform(*COMMUNE_ANCHORS[key])
            r, c = grid.index(x, y)
            if mask[r, c]:
                out[i] = (gx[r, c], gy[r, c])
                continue
        depth = ndimage.distance_transform_edt(mask)
        rr, cc = np.unravel_index(int(np.argmax(depth)), mask.shape)
        out[i] = (gx[rr, cc], gy[rr, cc])
    return out


def _finish(
    grid: Grid,
    labels: np.ndarray,
    communes: list[shapely.Geometry],
    outside: dict[int, list[shapely.Geometry]],
    div: pd.DataFrame,
    *,
    centres: np.ndarray,
) -> Admin:
    """Assemble the GeoDataFrames of communes, districts, province and border."""
    cgdf = gpd.GeoDataFrame(div.copy(), geometry=communes, crs=CRS_LOCAL)
    drows = []
    dgeoms = []
    for dcode, sub in cgdf.groupby("district_code", sort=True):
        drows.append(
            {
                "district_code": dcode,
                "district_name": sub["district_name"].iloc[0],
                "district_type": sub["district_type"].iloc[0],
            }
        )
        dgeoms.append(shapely.coverage_union_all(sub.geometry.to_numpy()))
    dgdf = gpd.GeoDataFrame(pd.DataFrame(drows), geometry=dgeoms, crs=CRS_LOCAL)
    prov = shapely.coverage_union_all(np.array(communes, dtype=object))
    pgdf = gpd.GeoDataFrame(
        {"name": [PROVINCE_NAME], "code": [str(PROVINCE_CODE)]}, geometry=[prov], crs=CRS_LOCAL
    )
    lines = []
    for lab, country in ((LAB_LAOS, "Laos"), (LAB_CAMBODIA, "Cambodia")):
        other = shapely.union_all(outside.get(lab, []))
        shared = shapely.intersection(prov.boundary, other.boundary)
        parts = [
            g for g in shapely.get_parts(shared) if g.geom_type in ("LineString", "MultiLineString")
        ]
        merged = shapely.line_merge(shapely.union_all(parts)) if parts else shapely.LineString()
        lines.append((country, merged))
    bgdf = gpd.GeoDataFrame(
        {"country": [c for c, _ in lines]}, geometry=[g for _, g in lines], crs=CRS_LOCAL
    )
    return Admin(grid, labels, cgdf, dgdf, pgdf, bgdf, centres)
