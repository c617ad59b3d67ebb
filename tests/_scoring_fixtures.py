"""Synthetic indicator frames for the scoring tests (no pipeline needed)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point


def make_indicators(n: int = 60, n_communes: int = 6, seed: int = 0) -> SimpleNamespace:
    """Villages and communes with the indicator columns the scoring stage reads."""
    rng = np.random.default_rng(seed)
    codes = [f"{23000 + i}" for i in range(n_communes)]
    k = np.arange(n) % n_communes
    hh = rng.integers(20, 200, n)
    em = (hh * rng.uniform(0.3, 1, n)).astype(int)
    level = rng.integers(0, 6, n)
    share5 = np.where(level == 5, rng.uniform(0.1, 0.8, n), 0.0)
    share_high = np.clip(share5 + np.where(level >= 4, rng.uniform(0, 0.5, n), 0.0), 0, 1)
    ntm = np.resize([10, 12, 15, 17, 19, 14], n_communes)
    region = np.resize(["III", "II", "I", "III", "I", "II"], n_communes)
    v = pd.DataFrame(
        {
            "village_id": [f"V{i:03d}" for i in range(n)],
            "village_name": [f"Thôn {i}" for i in range(n)],
            "commune_code": [codes[j] for j in k],
            "commune_name": [f"Xã {j}" for j in k],
            "district_code": np.where(k < 3, "601", "602"),
            "households": hh,
            "population": hh * 5,
            "poor_households": (hh * rng.uniform(0, 0.5, n)).astype(int),
            "near_poor_households": (hh * rng.uniform(0, 0.2, n)).astype(int),
            "em_households": em,
            "main_ethnic_group": rng.choice(["Xơ Đăng", "Ba Na", "Brâu", "Kinh"], n),
            "is_especially_difficult": rng.random(n) < 0.3,
            "hygienic_water_households": (hh * rng.uniform(0.3, 1, n)).astype(int),
            "has_communal_house": rng.random(n) < 0.5,
            "communal_house_repaired": rng.random(n) < 0.5,
            "has_grid_power": rng.random(n) < 0.8,
            "all_season_road": rng.random(n) < 0.6,
            "em_hh_no_residential_land": (em * rng.uniform(0, 0.1, n)).astype(int),
            "em_hh_no_production_land": (em * rng.uniform(0, 0.3, n)).astype(int),
            "landslide_level": level,
            "landslide_share_5": share5,
            "landslide_share_high": share_high,
            "hh_exposed_5": hh * share5,
            "hh_exposed_high": hh * share_high,
            "dist_high_landslide_m": np.where(level >= 4, 0.0, rng.uniform(0, 5000, n)),
            "slope_mean_deg": rng.uniform(5, 35, n),
            "in_special_use_forest": rng.random(n) < 0.1,
            "in_protective_forest": rng.random(n) < 0.1,
            "share_special_use_forest": rng.uniform(0, 0.3, n),
            "share_protective_forest": rng.uniform(0, 0.3, n),
            "in_border_belt": rng.random(n) < 0.2,
            "travel_min_commune_centre": rng.uniform(5, 180, n),
            "travel_min_district_centre": rng.uniform(20, 300, n),
            "dist_road_m": rng.uniform(0, 3000, n),
            "susceptibility": rng.random(n),
            "commune_ntm_criteria_met": ntm[k],
            "commune_is_atk": k == 1,
            "commune_region": region[k],
            "commune_is_border": np.isin(k, [0, 3]),
            "commune_is_especially_difficult": np.isin(k, [0, 3]),
            "commune_has_cooperative": np.isin(k, [2, 4]),
            "commune_poverty_rate": np.resize([0.3, 0.2, 0.1, 0.25, 0.05, 0.15], n_communes)[k],
        }
    )
    v["forest_name"] = np.where(v["in_special_use_forest"], "Khu bảo tồn thiên nhiên Ngọc Linh", "")
    v["poverty_rate"] = v["poor_households"] / v["households"]
    v["near_poverty_rate"] = v["near_poor_households"] / v["households"]
    v["em_share"] = v["em_households"] / v["households"]
    v["water_gap"] = 1 - v["hygienic_water_households"] / v["households"]
    villages = gpd.GeoDataFrame(
        v, geometry=[Point(500000 + 100 * i, 1600000) for i in range(n)], crs="EPSG:3405"
    )
    c = pd.DataFrame(
        {
            "commune_code": codes,
            "commune_name": [f"Xã {j}" for j in range(n_communes)],
            "district_code": ["601" if j < 3 else "602" for j in range(n_communes)],
            "ntm_criteria_met": ntm,
            "ntm_status": np.resize(["none", "none", "none", "standard", "model", "none"], 10**4)[
                :n_communes
            ],
            "region": region,
            "is_atk": np.arange(n_communes) == 1,
            "is_especially_difficult": np.isin(np.arange(n_communes), [0, 3]),
            "is_border": np.isin(np.arange(n_communes), [0, 3]),
            "has_cooperative": np.isin(np.arange(n_communes), [2, 4]),
            "poverty_rate_2023": np.linspace(0.3, 0.05, n_communes),
            "poverty_rate_2024": np.linspace(0.28, 0.04, n_communes),
        }
    )
    communes = gpd.GeoDataFrame(
        c, geometry=[Point(j * 1000, 0).buffer(400) for j in range(n_communes)], crs="EPSG:3405"
    )
    districts = pd.DataFrame({"district_code": ["601", "602"], "is_poor_district": [True, False]})
    return SimpleNamespace(villages=villages, communes=communes, districts=districts)
