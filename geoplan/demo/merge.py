"""The real 1 July 2025 communes, with statistics gathered from their 2022 members."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.demo.common import CRS_LOCAL
from geoplan.demo.stats import YEARS

STATUS_RANK = {"none": 0, "standard": 1, "advanced": 2, "model": 3}
REGION_RANK = {"I": 1, "II": 2, "III": 3}


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    w = weights.to_numpy(dtype=float)
    v = values.to_numpy(dtype=float)
    return float(np.sum(v * w) / np.sum(w)) if w.sum() > 0 else float(np.mean(v))


def _unit_row(members: pd.DataFrame, hh: pd.Series, unit_type: str) -> dict[str, object]:
    """Aggregate the 2022 members of one 2025 unit (statistics are synthetic)."""
    rural = members[members["commune_type"] == "xa"]
    base = rural if (unit_type == "xa" and len(rural)) else members
    weight = hh.reindex(base["commune_code"]).fillna(0)
    weight.index = base.index
    row: dict[str, object] = {}
    for year in YEARS:
        row[f"ntm_criteria_{year}"] = int(np.rint(_weighted(base[f"ntm_criteria_{year}"], weight)))
    row["ntm_criteria_met"] = row[f"ntm_criteria_{YEARS[-1]}"]
    ranks = base["ntm_status"].map(STATUS_RANK)
    status = "none"
    if row["ntm_criteria_met"] == 19:
        status = next(k for k, v in STATUS_RANK.items() if v == max(int(ranks.min()), 1))
    row["ntm_status"] = status
    row["ntm_year"] = (
        pd.NA if status == "none" else int(pd.to_numeric(base["ntm_year"]).max(skipna=True))
    )
    region = _weighted(base["region"].map(REGION_RANK), weight)
    row["region"] = {1: "I", 2: "II", 3: "III"}[int(np.clip(np.rint(region), 1, 3))]
    row["is_atk"] = bool(members["is_atk"].any())
    row["is_especially_difficult"] = row["region"] == "III"
    row["was_especially_difficult_2021"] = bool(members["was_especially_difficult_2021"].any())
    row["has_cooperative"] = bool(members["has_cooperative"].any())
    all_w = hh.reindex(members["commune_code"]).fillna(0)
    all_w.index = members.index
    for prefix in ("poverty_rate_", "near_poverty_rate_"):
        for year in YEARS:
            row[f"{prefix}{year}"] = round(_weighted(members[f"{prefix}{year}"], all_w), 4)
    row["em_households_in_coop"] = int(members["em_households_in_coop"].sum())
    return row


def communes_2025_layer(
    units: gpd.GeoDataFrame,
    lineage: pd.DataFrame,
    communes: pd.DataFrame,
    villages: pd.DataFrame,
    is_border: np.ndarray,
) -> gpd.GeoDataFrame:
    """Return the real 2025 units with their members and aggregated statistics.

    Parameters
    ----------
    units
        The real units (:func:`geoplan.demo.ground.real_units`).
    lineage
        2022 ``commune_code`` -> ``commune_code_2025`` (:func:`geoplan.demo.lineage.match_lineage`).
    communes
        The 2022 commune statistics (the ``communes`` layer).
    villages
        The villages with ``commune_code`` (2022) and ``households``.
    is_border
        Per unit: shares the international border.

    Returns
    -------
    geopandas.GeoDataFrame
        ``commune_code``, ``commune_name``, ``commune_type`` (``xa``/``phuong``),
        ``population`` (real, 2025), ``area_km2`` (official), ``members``
        (comma-separated 2022 codes), ``before_merger`` (as published), then the
        same statistics as the 2022 communes, gathered from the members (rates
        weighted by households; NTM counts over the rural members of a xã).
    """
    hh = villages.groupby("commune_code")["households"].sum()
    stats = communes.set_index("commune_code", drop=False)
    rows = []
    for k, unit in enumerate(units.itertuples(index=False)):
        codes = sorted(
            lineage.loc[lineage["commune_code_2025"] == unit.commune_code_2025, "commune_code"]
        )
        row: dict[str, object] = {
            "commune_code": unit.commune_code_2025,
            "commune_name": unit.commune_name_2025,
            "commune_type": unit.unit_type,
            "population": int(unit.population),
            "area_km2": float(unit.area_km2),
            "members": ",".join(codes),
            "before_merger": unit.before_merger,
        }
        row.update(_unit_row(stats.loc[codes].reset_index(drop=True), hh, unit.unit_type))
        row["is_border"] = bool(is_border[k])
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["ntm_year"] = frame["ntm_year"].astype("Int64")
    return gpd.GeoDataFrame(frame, geometry=units.geometry.to_numpy(), crs=CRS_LOCAL)
