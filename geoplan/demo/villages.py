"""Villages (thôn, làng, plei, tổ dân phố): locations, names and statistics."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from geoplan.demo.admin import COMMUNE_LABEL0, Admin
from geoplan.demo.common import CRS_LOCAL, Grid, rng_for, to_geo
from geoplan.demo.hazard import SPECIAL
from geoplan.demo.terrain import Terrain

TOTAL_VILLAGES = 860

#: Main ethnic groups by district: (group, weight) for rural villages.
ETHNIC_MIX: dict[str, list[tuple[str, float]]] = {
    "608": [("Kinh", 0.45), ("Ba Na", 0.4), ("Gia Rai", 0.1), ("Xơ Đăng", 0.05)],
    "610": [("Giẻ Triêng", 0.55), ("Xơ Đăng", 0.35), ("Kinh", 0.1)],
    "611": [("Giẻ Triêng", 0.45), ("Kinh", 0.35), ("Xơ Đăng", 0.12), ("Brâu", 0.08)],
    "612": [("Xơ Đăng", 0.6), ("Kinh", 0.3), ("Giẻ Triêng", 0.1)],
    "613": [("Xơ Đăng", 0.85), ("Kinh", 0.1), ("Ba Na", 0.05)],
    "614": [("Xơ Đăng", 0.5), ("Ba Na", 0.35), ("Kinh", 0.15)],
    "615": [("Kinh", 0.4), ("Xơ Đăng", 0.35), ("Ba Na", 0.25)],
    "616": [("Gia Rai", 0.5), ("Kinh", 0.3), ("Xơ Đăng", 0.1), ("Rơ Măm", 0.1)],
    "617": [("Xơ Đăng", 0.95), ("Kinh", 0.05)],
    "618": [("Kinh", 0.5), ("Gia Rai", 0.25), ("Mường", 0.1), ("Tày", 0.08), ("Thái", 0.07)],
}
#: Groups kept to their home communes (Brâu in Bờ Y, Rơ Măm in Mô Rai).
HOME_COMMUNE = {"Brâu": ("611", "Bờ Y"), "Rơ Măm": ("616", "Mô Rai")}

SYLLABLES = (
    "Klor",
    "Rơ Wai",
    "Wơk",
    "Tơ Nghia",
    "Rờ Bàng",
    "Sar",
    "Hơ Drai",
    "Chring",
    "Thăng",
    "Láy",
    "Rế",
    "Nhầy",
    "Mế",
    "Le",
    "Pêng",
    "Xia",
    "Pó",
    "Lấp",
    "Ri",
    "Kơ Nâng",
    "Brông",
    "Jri",
    "Hnil",
    "Krêl",
    "Pa Sing",
    "Rơ Long",
    "Tơ Kan",
    "Ma Hía",
    "Năng",
    "Ang",
    "Kôi",
    "Blô",
    "Môn",
    "Pét",
    "Chôn",
    "Lốc",
    "Dơn",
    "Hơ Lang",
    "Rang",
    "Mốt",
    "Kram",
    "Lung",
    "Tăng",
    "Mang",
    "Nớt",
    "Trâp",
    "Mơ Ham",
    "Tà Kơ",
    "Pơ Tó",
    "Giấp",
    "Choong",
    "Kẹ",
    "Pleng",
    "Mơng",
    "Jar",
    "Yang",
    "Tum",
    "Hra",
    "Rơ Ông",
    "Tu Rằng",
    "Kon Jri",
    "Ba Tu",
    "Xô Luông",
    "Ngọc Tô",
    "Đăk Rang",
    "Tê Pheo",
    "Long Láy",
    "Kạch",
    "Lâng",
    "Sút",
    "Ơng",
    "Bri",
    "Ta Ngơn",
)
PREFIX = {
    "Ba Na": ("Kon", "Plei", "Làng Kon", "Kon Rơ"),
    "Gia Rai": ("Plei", "Làng", "Plei Ia"),
    "Xơ Đăng": ("Đăk", "Vi", "Tu", "Kon", "Long", "Làng"),
    "Giẻ Triêng": ("Đăk", "Làng", "Pêng", "Ta"),
    "Brâu": ("Đăk",),
    "Rơ Măm": ("Làng",),
}
KINH_NAMES = (
    "Tân Lập",
    "Tân Hòa",
    "Thanh Trung",
    "Hòa Bình",
    "Quyết Thắng",
    "Đoàn Kết",
    "Bình Minh",
    "Thống Nhất",
    "Tân Phú",
    "Phú Thịnh",
    "Thạnh Mỹ",
    "Hà Mòn",
    "Kiên Cường",
    "Tân An",
    "Thuận An",
    "Trung Thành",
    "Hợp Tác",
    "Tân Bình",
    "Vinh Quang",
    "Đồng Tâm",
)


def _village_counts(admin: Admin, rng: np.random.Generator) -> np.ndarray:
    """Return how many villages each commune gets (total :data:`TOTAL_VILLAGES`)."""
    c = admin.communes
    area = c.geometry.area.to_numpy() / 1e6
    ctype = c["commune_type"].to_numpy()
    w = 4.0 + 7.0 * np.sqrt(area / area.max()) + rng.uniform(0, 2.5, len(c))
    w = np.where(ctype == "phuong", 11.0 + rng.uniform(0, 4, len(c)), w)
    w = np.where(ctype == "thi_tran", 10.0 + rng.uniform(0, 4, len(c)), w)
    w = np.where((c["district_code"] == "608") & (ctype == "xa"), w + 2.0, w)
    raw = w / w.sum() * TOTAL_VILLAGES
    n = np.floor(raw).astype(int)
    rest = TOTAL_VILLAGES - n.sum()
    n[np.argsort(-(raw - n), kind="stable")[:rest]] += 1
    return np.clip(n, 4, 16)


def _constant(text: str) -> Callable[[], str]:
    """Return a name maker that always gives ``text``."""
    return lambda: text


def _drawn(rng: np.random.Generator, prefixes: tuple[str, ...]) -> Callable[[], str]:
    """Return a name maker drawing a prefix and a syllable group."""
    return lambda: f"{rng.choice(prefixes)} {rng.choice(SYLLABLES)}"


def _unique_name(make: Callable[[], str], used: set[str]) -> str:
    """Draw names from ``make`` until one is not in ``used``."""
    for _ in range(200):
        name = unicodedata.normalize("NFC", make())
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("could not draw a unique village name")


def place_villages(
    seed: int,
    admin: Admin,
    terrain: Terrain,
    ftype: np.ndarray,
    level: np.ndarray,
) -> pd.DataFrame:
    """Place the villages inside their communes.

    Most villages sit on gentle ground near valleys; about one in seven is
    drawn from cells in special-use/protective forest or high landslide levels,
    which the resettlement track needs.

    Parameters
    ----------
    seed
        Generator seed.
    admin
        Administrative layers and the working grid.
    terrain
        The terrain.
    ftype
        Forest codes on the DEM grid.
    level
        Landslide level (0..5) on the DEM grid.

    Returns
    -------
    pandas.DataFrame
        ``commune_index``, ``x``, ``y`` (EPSG:9216) and ``is_centre``.
    """
    rng = rng_for(seed, 5)
    grid: Grid = admin.grid
    counts = _village_counts(admin, rng)
    gx, gy = grid.centres()
    lon, lat = to_geo().transform(gx.ravel(), gy.ravel())
    tg = terrain.grid
    slope = tg.sample(terrain.slope, lon, lat).reshape(grid.shape)
    elev = tg.sample(terrain.dem, lon, lat).reshape(grid.shape)
    driver = tg.sample(terrain.dist_river, lon, lat).reshape(grid.shape)
    fcode = tg.sample(ftype, lon, lat).reshape(grid.shape)
    lev = tg.sample(level, lon, lat).reshape(grid.shape)
    gentle = np.exp(-slope / 7.0) * np.exp(-np.clip(elev - 1100.0, 0, None) / 250.0)
    gentle *= 0.4 + np.exp(-driver / 2500.0)
    exposed = ((fcode == SPECIAL) | (lev >= 4)).astype(float)
    rows = []
    for i, geom in enumerate(admin.communes.geometry):
        lab = COMMUNE_LABEL0 + i
        inner = ndimage.binary_erosion(admin.labels == lab, iterations=2)
        if inner.sum() < 5:
            inner = admin.labels == lab
        cells = np.flatnonzero(inner.ravel())
        ward = admin.communes["commune_type"].iloc[i] == "phuong"
        spacing = 280.0 if ward else 650.0
        wg = gentle.ravel()[cells] + 1e-6
        we = exposed.ravel()[cells]
        pts: list[tuple[float, float]] = []
        cx, cy = admin.centres[i]
        centre = shapely.Point(cx, cy)
        if not geom.contains(centre):
            centre = geom.point_on_surface()
        pts.append((centre.x, centre.y))
        tries = 0
        while len(pts) < counts[i] and tries < 2000:
            tries += 1
            use_exposed = we.sum() > 0 and rng.random() < 0.16 and not ward
            w = we if use_exposed else wg
            cell = cells[rng.choice(len(cells), p=w / w.sum())]
            r, c = np.unravel_index(cell, grid.shape)
            x = gx[r, c] + rng.uniform(-100, 100)
            y = gy[r, c] + rng.uniform(-100, 100)
            if min(np.hypot(x - px, y - py) for px, py in pts) < spacing:
                continue
            if not geom.contains(shapely.Point(x, y)):
                continue
            pts.append((float(x), float(y)))
        for k, (vx, vy) in enumerate(pts):
            rows.append(
                {
                    "commune_index": i,
                    "x": float(np.round(vx, 1)),
                    "y": float(np.round(vy, 1)),
                    "is_centre": k == 0,
                }
            )
    return pd.DataFrame(rows)


def _ethnic_mix(district_code: str, commune_name: str, ctype: str) -> tuple[list[str], np.ndarray]:
    """Return the ethnic groups of a commune's villages and their probabilities.

    Groups with a home commune live only there (and weigh more there); towns are mostly Kinh.
    """
    mix = [
        (g, w)
        for g, w in ETHNIC_MIX[district_code]
        if g not in HOME_COMMUNE or HOME_COMMUNE[g] == (district_code, commune_name)
    ]
    if (district_code, commune_name) in HOME_COMMUNE.values():
        mix = [(g, w * (6.0 if g in HOME_COMMUNE else 1.0)) for g, w in mix]
    groups = [g for g, _ in mix]
    gw = np.array([w for _, w in mix])
    if ctype in ("phuong", "thi_tran"):
        gw = np.where(np.array(groups) == "Kinh", gw * 6.0, gw)
    return groups, gw / gw.sum()


def _village_figures(
    rng: np.random.Generator,
    *,
    ctype: str,
    kinh: bool,
    group: str,
    r: float,
    pov: float,
    near: float,
) -> dict[str, object]:
    """Return a village's households, population, poverty, services and land fields.

    ``r`` is the commune's remoteness, ``pov`` and ``near`` its poverty targets.
    """
    if ctype == "phuong":
        hh = int(rng.lognormal(np.log(260), 0.35))
    elif kinh:
        hh = int(rng.lognormal(np.log(150), 0.4))
    else:
        hh = int(rng.lognormal(np.log(95), 0.45))
    hh = max(hh, 18)
    pop = int(np.rint(hh * rng.uniform(3.7, 4.9)))
    vpov = np.clip(pov * (0.5 if kinh else 1.15) * rng.lognormal(0, 0.35), 0, 0.9)
    vnear = np.clip(near * rng.lognormal(0, 0.3), 0, 0.5)
    poor = int(np.rint(hh * vpov))
    near_poor = min(int(np.rint(hh * vnear)), hh - poor)
    em_share = rng.uniform(0.0, 0.12) if group == "Kinh" else rng.uniform(0.85, 1.0)
    em = int(np.rint(hh * em_share))
    ed = ctype != "phuong" and rng.random() < 0.05 + 0.75 * r**1.2 + (0.1 if not kinh else 0)
    water = np.clip(0.97 - 0.5 * r * rng.uniform(0.5, 1.5) - (0.08 if not kinh else 0), 0.2, 1.0)
    has_house = (not kinh and rng.random() < 0.85) or (kinh and rng.random() < 0.04)
    repaired = has_house and rng.random() < 0.6 - 0.35 * r
    power = ctype == "phuong" or rng.random() < 0.995 - 0.22 * r**2
    no_res = int(np.rint(em * rng.uniform(0, 0.06) * r))
    no_prod = int(np.rint(em * rng.uniform(0, 0.3) * r))
    return {
        "households": hh,
        "population": pop,
        "poor_households": poor,
        "near_poor_households": near_poor,
        "em_households": em,
        "main_ethnic_group": group,
        "is_especially_difficult": bool(ed),
        "hygienic_water_households": int(np.rint(hh * water)),
        "has_communal_house": bool(has_house),
        "communal_house_repaired": bool(repaired),
        "has_grid_power": bool(power),
        "em_hh_no_residential_land": no_res,
        "em_hh_no_production_land": no_prod,
    }


def village_attributes(
    seed: int, admin: Admin, placed: pd.DataFrame, profile: pd.DataFrame
) -> pd.DataFrame:
    """Return the village table (without the road field).

    Parameters
    ----------
    seed
        Generator seed.
    admin
        Administrative layers.
    placed
        Output of :func:`place_villages`.
    profile
        Commune profile (remoteness and targets) from :func:`geoplan.demo.stats.commune_profile`.

    Returns
    -------
    pandas.DataFrame
        The village fields plus ``x``, ``y``, ``is_centre``.
    """
    rng = rng_for(seed, 8)
    com = admin.communes.reset_index(drop=True)
    rows = []
    for key, grp in placed.groupby("commune_index", sort=True):
        i = int(key)  # type: ignore[arg-type]
        crow = com.iloc[i]
        code = crow["commune_code"]
        dcode = crow["district_code"]
        ctype = crow["commune_type"]
        r = float(profile["r"].iloc[i])
        pov = float(profile["pov24_target"].iloc[i])
        near = float(profile["near24_target"].iloc[i])
        used: set[str] = set()
        groups, gw = _ethnic_mix(dcode, str(crow["commune_name"]), ctype)
        kinh_no = 0
        for k, (_, v) in enumerate(grp.iterrows(), start=1):
            group = str(rng.choice(groups, p=gw))
            kinh = group in ("Kinh", "Mường", "Tày", "Thái")
            if ctype == "phuong":
                kinh_no += 1
                name = f"Tổ dân phố {kinh_no}"
                used.add(name)
            elif kinh:
                if rng.random() < 0.7:
                    kinh_no += 1
                    name = _unique_name(_constant(f"Thôn {kinh_no}"), used)
                else:
                    name = _unique_name(lambda: f"Thôn {rng.choice(KINH_NAMES)}", used)
            else:
                pre = PREFIX[group]
                name = _unique_name(_drawn(rng, pre), used)
            figures = _village_figures(
                rng, ctype=ctype, kinh=kinh, group=group, r=r, pov=pov, near=near
            )
            rows.append(
                {
                    "village_id": f"{code}-{k:03d}",
                    "village_name": unicodedata.normalize("NFC", name),
                    "commune_code": code,
                    **figures,
                    "x": v["x"],
                    "y": v["y"],
                    "is_centre": bool(v["is_centre"]),
                }
            )
    return pd.DataFrame(rows)


def villages_frame(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the villages layer (EPSG:9216) from the table."""
    cols = [c for c in table.columns if c not in ("x", "y", "is_centre")]
    return gpd.GeoDataFrame(
        table[cols].copy(), geometry=gpd.points_from_xy(table["x"], table["y"]), crs=CRS_LOCAL
    )


#: Mean household size used to turn the real 2025 population into households.
PERSONS_PER_HOUSEHOLD = 4.3
_COUNTS = (
    "poor_households",
    "near_poor_households",
    "em_households",
    "hygienic_water_households",
    "em_hh_no_residential_land",
    "em_hh_no_production_land",
)


def scale_to_population(
    table: pd.DataFrame, unit_of: pd.Series, population: pd.Series
) -> pd.DataFrame:
    """Scale village counts so that each 2025 unit holds its real population.

    Households per unit become about ``population / 4.3``; the village
    ``population`` adds up to the unit's real population (up to rounding); the
    other counts keep their share of the village's households.

    Parameters
    ----------
    table
        Village table with ``commune_code`` (2022), ``households``, ``population``
        and the household counts.
    unit_of
        2022 commune code -> 2025 unit code.
    population
        2025 unit code -> real 2025 population.

    Returns
    -------
    pandas.DataFrame
        A copy with the counts scaled.
    """
    out = table.copy()
    unit = out["commune_code"].map(unit_of)
    if unit.isna().any():
        raise ValueError("villages in a 2022 commune without a 2025 unit")
    hh = out["households"].to_numpy(dtype=float)
    pop = out["population"].to_numpy(dtype=float)
    target_hh = unit.map(population).to_numpy(dtype=float) / PERSONS_PER_HOUSEHOLD
    target_pop = unit.map(population).to_numpy(dtype=float)
    f_hh = target_hh / out.groupby(unit)["households"].transform("sum").to_numpy(dtype=float)
    f_pop = target_pop / out.groupby(unit)["population"].transform("sum").to_numpy(dtype=float)
    new_hh = np.maximum(np.rint(hh * f_hh), 5).astype(int)
    out["households"] = new_hh
    out["population"] = np.maximum(np.rint(pop * f_pop), new_hh).astype(int)
    ratio = new_hh / np.maximum(hh, 1.0)
    for col in _COUNTS:
        out[col] = np.minimum(np.rint(out[col].to_numpy() * ratio), new_hh).astype(int)
    out["near_poor_households"] = np.minimum(
        out["near_poor_households"], new_hh - out["poor_households"]
    )
    out["em_hh_no_residential_land"] = np.minimum(
        out["em_hh_no_residential_land"], out["em_households"]
    )
    out["em_hh_no_production_land"] = np.minimum(
        out["em_hh_no_production_land"], out["em_households"]
    )
    return out
