"""Administrative geometry: the real 2025 units, split into synthetic 2022 communes.

The province outline, the border and the 40 communes and wards of 2025 are real
(:mod:`geoplan.demo.ground`). Each 2025 unit is split into the 2022 communes that
merged into it (:mod:`geoplan.demo.lineage`, real names and GSO codes): the split
is synthetic (an area-targeted power diagram on a 250 m grid), the outer boundary
is the unit's real one, so the 2022 communes tile each 2025 unit exactly. The
2022 districts are the union of their communes.
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
from geoplan.demo.ground import PRECISION, real_border, real_outline, real_units
from geoplan.demo.lineage import match_lineage

PROVINCE_CODE = 62
PROVINCE_NAME = "Kon Tum"

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


def _member_weights(sub: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Return relative target areas of the 2022 members of one 2025 unit."""
    w = rng.lognormal(0.0, 0.35, len(sub))
    kind = sub["commune_type"].to_numpy()
    return np.where(kind == "thi_tran", 0.6 * w, np.where(kind == "phuong", 0.8 * w, w))


def _subdivide(
    unit: shapely.Geometry,
    sub: pd.DataFrame,
    grid: Grid,
    warp: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> list[shapely.Geometry]:
    """Split one real 2025 unit into its 2022 members; the pieces tile the unit exactly.

    The members are an area-targeted power diagram in a warped plane on the 250 m
    grid (anchored where a member's real position is known), made contiguous,
    extended beyond the unit by nearest label, polygonised and simplified as one
    coverage, then cut by the unit's real boundary.
    """
    if len(sub) == 1:
        return [unit]
    x0, y0, x1, y1 = unit.bounds
    pad = 4 * grid.cell_x
    c0 = max(int((x0 - pad - grid.x0) // grid.cell_x), 0)
    c1 = min(int((x1 + pad - grid.x0) // grid.cell_x) + 1, grid.width)
    r0 = max(int((grid.y0 - y1 - pad) // grid.cell_y), 0)
    r1 = min(int((grid.y0 - y0 + pad) // grid.cell_y) + 1, grid.height)
    win = Grid(
        grid.x0 + c0 * grid.cell_x,
        grid.y0 - r0 * grid.cell_y,
        grid.cell_x,
        grid.cell_y,
        c1 - c0,
        r1 - r0,
    )
    inside = features.rasterize([(unit, 1)], out_shape=win.shape, transform=win.transform) == 1
    if inside.sum() < 4 * len(sub):
        inside = (
            features.rasterize(
                [(unit, 1)], out_shape=win.shape, transform=win.transform, all_touched=True
            )
            == 1
        )
    wx, wy = warp[0][r0:r1, c0:c1], warp[1][r0:r1, c0:c1]
    idx = np.nonzero(inside)
    tr = to_local()
    anchor = np.full((len(sub), 2), np.nan)
    for j, key in enumerate(zip(sub["district_code"], sub["commune_name"], strict=True)):
        if key in COMMUNE_ANCHORS:
            r, c = win.index(*tr.transform(*COMMUNE_ANCHORS[key]))
            if 0 <= r < win.height and 0 <= c < win.width and inside[r, c]:
                anchor[j] = (wx[r, c], wy[r, c])
    has = ~np.isnan(anchor[:, 0])
    pick = rng.choice(len(idx[0]), size=min(3000, len(idx[0])), replace=False)
    cand = np.column_stack([wx[idx][pick], wy[idx][pick]])
    anchor[~has] = _farthest_seeds(cand, anchor[has], int((~has).sum()), rng)
    weights = _member_weights(sub, rng)
    targets = weights / weights.sum() * len(idx[0])
    lab = np.full(win.shape, -1, dtype=np.int32)
    lab[idx] = power_partition(wx[idx], wy[idx], anchor, targets)
    lab = enforce_contiguity(lab, inside)
    _, (ri, ci) = ndimage.distance_transform_edt(lab < 0, return_indices=True)
    lab = lab[ri, ci]
    present = sorted(set(np.unique(lab).tolist()))
    if present != list(range(len(sub))):
        raise RuntimeError(f"unit too small for its {len(sub)} members")
    geoms, vals = [], []
    for geo, val in features.shapes(lab, transform=win.transform, connectivity=4):
        geoms.append(shape(geo))
        vals.append(int(val))
    arr = shapely.segmentize(np.array(geoms, dtype=object), grid.cell_x)
    arr = shapely.transform(arr, lambda c: np.round(c, 2))
    arr = shapely.coverage_simplify(arr, tolerance=180.0, simplify_boundary=False)
    pieces = []
    for j in range(len(sub)):
        region = shapely.union_all([g for g, v in zip(arr, vals, strict=True) if v == j])
        piece = shapely.intersection(region, unit, grid_size=PRECISION)
        parts = sorted(shapely.get_parts(piece), key=lambda g: -g.area)
        pieces.append(parts)
    # a member cut into several parts by the real boundary keeps its largest part;
    # the other parts go to the member that shares most of their edge
    out = [p[0] for p in pieces]
    for j, parts in enumerate(pieces):
        for extra in parts[1:]:
            shared = [
                shapely.length(shapely.intersection(extra.boundary, out[k].boundary.buffer(0.5)))
                if k != j
                else -1.0
                for k in range(len(sub))
            ]
            k = int(np.argmax(shared))
            if shared[k] <= 0:
                k = j
            out[k] = shapely.union(out[k], extra, grid_size=PRECISION)
    return out


def build_admin(seed: int) -> Admin:
    """Build the real 2025 units, the synthetic 2022 communes and districts, and the border.

    Parameters
    ----------
    seed
        Generator seed.

    Returns
    -------
    Admin
        Layers in EPSG:9216 and the working grid with its labels; ``extras``
        holds ``units`` (the real 2025 units) and ``lineage`` (2022 code -> 2025 code).

    Raises
    ------
    LineageError
        If a ``before_merger`` name matches no 2022 commune, or stays ambiguous.
    """
    rng = rng_for(seed, 1)
    grid = admin_grid()
    units = real_units()
    lineage = match_lineage(units, load_divisions())
    div = load_divisions().merge(lineage, on="commune_code", how="left", validate="1:1")
    warp = _warped_coords(grid, rng, (1500.0, 500.0), (14.0, 4.0))
    geoms: list[shapely.Geometry | None] = [None] * len(div)
    for code, unit in zip(units["commune_code_2025"], units.geometry, strict=True):
        rows = div.index[div["commune_code_2025"] == code].to_numpy()
        try:
            pieces = _subdivide(unit, div.loc[rows], grid, warp, rng)
        except RuntimeError as exc:
            raise RuntimeError(f"2025 unit {code}: {exc}") from exc
        for r, g in zip(rows, pieces, strict=True):
            geoms[r] = g
    labels = np.zeros(grid.shape, dtype=np.int32)
    burned = features.rasterize(
        [(g, COMMUNE_LABEL0 + i) for i, g in enumerate(geoms)],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
    )
    labels[burned > 0] = burned[burned > 0]
    communes = gpd.GeoDataFrame(
        div.drop(columns=["lineage_name"]), geometry=list(geoms), crs=CRS_LOCAL
    )
    centres = _centres(labels, grid, div)
    return _finish(grid, labels, communes, units, lineage, centres=centres)


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
    communes: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    lineage: pd.DataFrame,
    *,
    centres: np.ndarray,
) -> Admin:
    """Assemble districts (from their communes), the real province outline and border."""
    drows = []
    dgeoms = []
    for dcode, sub in communes.groupby("district_code", sort=True):
        drows.append(
            {
                "district_code": dcode,
                "district_name": sub["district_name"].iloc[0],
                "district_type": sub["district_type"].iloc[0],
            }
        )
        dgeoms.append(shapely.union_all(sub.geometry.to_numpy(), grid_size=PRECISION))
    dgdf = gpd.GeoDataFrame(pd.DataFrame(drows), geometry=dgeoms, crs=CRS_LOCAL)
    pgdf = gpd.GeoDataFrame(
        {"name": [PROVINCE_NAME], "code": [str(PROVINCE_CODE)]},
        geometry=[real_outline()],
        crs=CRS_LOCAL,
    )
    extras = {"units": units, "lineage": lineage}
    return Admin(grid, labels, communes, dgdf, pgdf, real_border(), centres, extras)
