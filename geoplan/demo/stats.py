"""Commune and district statistics with plausible correlations.

A remoteness index (steep, high, far from the city, border, poor district) drives
poverty, NTM criteria, region and the especially-difficult status.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from geoplan.demo.admin import POOR_DISTRICTS
from geoplan.demo.common import rng_for
from geoplan.demo.terrain import Terrain

YEARS = (2021, 2022, 2023, 2024)
#: District NTM status in the demo (Kon Tum city completed the task; Đắk Hà met it).
DISTRICT_NTM = {"608": "completed", "615": "standard"}
#: Number of rural communes meeting all 19 criteria by 2024.
RURAL_NTM_2024 = 10


def _rank01(x: np.ndarray) -> np.ndarray:
    """Return ranks scaled to 0..1."""
    order = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return order / max(len(x) - 1, 1)


def _ntm_columns(
    out: pd.DataFrame, rng: np.random.Generator, r: np.ndarray, urban: np.ndarray
) -> None:
    """Add the NTM criteria met per year, the NTM status and the year the standard was met.

    Remote communes meet fewer criteria; urban units count as meeting all 19.
    """
    n = len(r)
    score = 19.0 - 11.0 * r + rng.normal(0.0, 1.2, n)
    rural = ~urban
    c24 = np.clip(np.round(score), 5, 18).astype(int)
    order = np.argsort(-np.where(rural, score, -np.inf), kind="stable")
    c24[order[:RURAL_NTM_2024]] = 19
    c24[urban] = 19
    series = {2024: c24}
    for year in (2023, 2022, 2021):
        nxt = series[year + 1]
        gain = rng.choice([0, 1, 1, 2], size=n)
        prev = np.clip(nxt - gain, 3, 19)
        drop = rng.random(n) < 0.04  # a criterion lost in a later year
        prev = np.where(drop & (prev < 19), np.minimum(prev + 1, 19), prev)
        prev[urban] = 19
        series[year] = prev
    for year in YEARS:
        out[f"ntm_criteria_{year}"] = series[year]
    out["ntm_criteria_met"] = series[2024]
    status = np.full(n, "none", dtype=object)
    ntm_year = np.full(n, np.nan)
    for i in range(n):
        if series[2024][i] < 19:
            continue
        status[i] = "standard"
        if urban[i]:
            ntm_year[i] = 2020
            continue
        met = [y for y in YEARS if series[y][i] == 19]
        first = met[0]
        if first == 2021 and all(series[y][i] == 19 for y in YEARS):
            first = int(rng.integers(2015, 2022))
        ntm_year[i] = first
    # a few earlier NTM communes have gone on to the advanced / model standard
    # the four least remote rural NTM communes met the standard before 2021 and
    # have gone on to the advanced (three) and model (one) standards
    done = np.flatnonzero(rural & (series[2024] == 19))
    for k, i in enumerate(done[np.argsort(r[done], kind="stable")][:4]):
        for year in YEARS:
            series[year][i] = 19
        ntm_year[i] = 2016 + k
        status[i] = "model" if k == 0 else "advanced"
    for year in YEARS:
        out[f"ntm_criteria_{year}"] = series[year]
    out["ntm_criteria_met"] = series[2024]
    out["ntm_status"] = status
    out["ntm_year"] = pd.array(
        np.where(np.isnan(ntm_year), pd.NA, ntm_year),  # type: ignore[call-overload]
        dtype="Int64",
    )


def commune_profile(
    seed: int,
    communes: gpd.GeoDataFrame,
    commune_grid: np.ndarray,
    terrain: Terrain,
    city_dist_km: np.ndarray,
) -> pd.DataFrame:
    """Return the commune attributes that do not depend on the villages.

    Parameters
    ----------
    seed
        Generator seed.
    communes
        Communes with ``commune_type``, ``district_code``, ``is_border``.
    commune_grid
        Commune index on the DEM grid (-1 outside).
    terrain
        The terrain.
    city_dist_km
        Distance of each commune centre to the city centre (km).

    Returns
    -------
    pandas.DataFrame
        One row per commune (same order): remoteness ``r`` and the NTM, region,
        status and target poverty fields.
    """
    rng = rng_for(seed, 6)
    n = len(communes)
    lab = np.where(commune_grid >= 0, commune_grid, n)
    index = np.arange(n)
    elev = ndimage.mean(terrain.dem, lab, index)
    slope = ndimage.mean(terrain.slope, lab, index)
    ctype = communes["commune_type"].to_numpy()
    urban = np.isin(ctype, ("phuong", "thi_tran"))
    ward = ctype == "phuong"
    border = communes["is_border"].to_numpy()
    poor_d = communes["district_code"].isin(POOR_DISTRICTS).to_numpy()
    raw = (
        0.35 * _rank01(slope)
        + 0.25 * _rank01(elev)
        + 0.3 * _rank01(city_dist_km)
        + 0.2 * border
        + 0.2 * poor_d
        - 0.25 * (ctype == "thi_tran")
        - 0.8 * ward
        + rng.normal(0.0, 0.08, n)
    )
    r = _rank01(raw)

    out = pd.DataFrame({"r": r, "elev_mean": elev, "slope_mean": slope})
    # poverty targets (2024) and yearly declines
    pov24 = np.where(
        ward,
        rng.uniform(0.004, 0.02, n),
        np.where(urban, rng.uniform(0.02, 0.07, n), 0.02 + 0.3 * r**1.5 + rng.normal(0, 0.025, n)),
    )
    out["pov24_target"] = np.clip(pov24, 0.003, 0.55)
    decline = (0.012 + 0.05 * r) * np.where(poor_d, 1.35, 1.0) * rng.uniform(0.8, 1.2, n)
    out["pov_decline"] = np.where(ward, 0.004, decline)
    near24 = np.where(urban, rng.uniform(0.005, 0.03, n), 0.02 + 0.12 * r + rng.normal(0, 0.015, n))
    out["near24_target"] = np.clip(near24, 0.004, 0.3)
    out["near_decline"] = rng.uniform(0.003, 0.012, n)

    _ntm_columns(out, rng, r, urban)

    region = np.where(r > 0.55, "III", np.where(r > 0.12, "II", "I"))
    region = np.where(
        ward, "I", np.where(ctype == "thi_tran", np.where(r > 0.3, "II", "I"), region)
    )
    out["region"] = region
    out["is_especially_difficult"] = region == "III"
    was = (region == "III") | ((r > 0.42) & (rng.random(n) < 0.7))
    out["was_especially_difficult_2021"] = was & ~ward
    atk_w = np.where(~urban, 0.5 + r, 0.0)
    atk = rng.choice(n, size=11, replace=False, p=atk_w / atk_w.sum())
    out["is_atk"] = np.isin(np.arange(n), atk)
    out["has_cooperative"] = urban | (rng.random(n) < 0.97 - 0.45 * r)
    return out


def finish_communes(
    seed: int, profile: pd.DataFrame, villages: pd.DataFrame, codes: pd.Series
) -> pd.DataFrame:
    """Return the final commune statistics, consistent with the villages.

    Parameters
    ----------
    seed
        Generator seed.
    profile
        Output of :func:`commune_profile`.
    villages
        Village table with ``commune_code``, ``households``, ``poor_households``,
        ``near_poor_households``, ``em_households``.
    codes
        Commune codes (same order as ``profile``).

    Returns
    -------
    pandas.DataFrame
        Poverty and near-poverty series (fractions), ``em_households_in_coop`` and
        the NTM/region fields.
    """
    rng = rng_for(seed, 7)
    sums = villages.groupby("commune_code")[
        ["households", "poor_households", "near_poor_households", "em_households"]
    ].sum()
    sums = sums.reindex(codes.to_numpy()).fillna(0)
    hh = sums["households"].to_numpy()
    out = profile.copy()
    pov24 = sums["poor_households"].to_numpy() / np.maximum(hh, 1)
    near24 = sums["near_poor_households"].to_numpy() / np.maximum(hh, 1)
    for k, year in enumerate(YEARS[::-1]):
        jitter = 1.0 + rng.normal(0.0, 0.08, len(out)) * (k > 0)
        pov = pov24 + out["pov_decline"].to_numpy() * k * jitter
        near = near24 + out["near_decline"].to_numpy() * k * jitter
        out[f"poverty_rate_{year}"] = np.round(np.clip(pov, 0.0, 0.8), 4)
        out[f"near_poverty_rate_{year}"] = np.round(np.clip(near, 0.0, 0.5), 4)
    # keep the series non-increasing after rounding/jitter
    for prefix in ("poverty_rate_", "near_poverty_rate_"):
        cols = [f"{prefix}{y}" for y in YEARS]
        vals = out[cols].to_numpy()
        vals = np.maximum.accumulate(vals[:, ::-1], axis=1)[:, ::-1]
        out[cols] = vals
    share = np.clip(0.28 - 0.22 * out["r"].to_numpy() + rng.normal(0, 0.04, len(out)), 0.02, 0.4)
    share = np.where(out["has_cooperative"].to_numpy(), share, 0.0)
    out["em_households_in_coop"] = np.round(sums["em_households"].to_numpy() * share).astype(int)
    return out
