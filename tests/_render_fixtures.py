"""A small synthetic PlanResult for the render tests (no pipeline needed).

Six square communes in two districts of Kon Tum, five villages each, a DEM, landslide
zones, forest, a border, a susceptibility raster, scores for the three tracks and a
targets table.  Two villages carry hostile names: an ``<img onerror>`` and a
``</script>`` break-out attempt; a commune and a district are called "Đắk Glei".
"""

from __future__ import annotations

import copy
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from geoplan.errors import Issue
from geoplan.hazard.grid import GridRaster
from geoplan.hazard.model import SusceptibilityResult
from geoplan.hazard.zones import classify
from geoplan.indicators import Indicators
from geoplan.io import Layers
from geoplan.io.raster import Raster
from geoplan.io.report import ValidationReport
from geoplan.pipeline import PlanResult
from geoplan.scenario import Scenario
from geoplan.scoring import ScoringResult

CRS = "EPSG:3405"
XSS_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_NAME = "</script><script>window.__pwned=1</script>"
TRACKS = ("resettlement", "infrastructure", "investment")
CRITERIA = {  # ids of the scoring catalogue, so the scenario validates
    "resettlement": ["landslide_share_high", "poverty_rate", "protection_forest"],
    "infrastructure": ["dist_road", "poverty_rate", "em_share", "water_gap"],
    "investment": ["poverty_rate", "em_share", "commune_no_cooperative"],
}

COMMUNES = [
    ("23281", "Đắk Glei", "601", "Đắk Glei", "none"),
    ("23284", "Đắk Pék", "601", "Đắk Glei", "standard"),
    ("23287", "Mường Hoong", "601", "Đắk Glei", "advanced"),
    ("23530", "Đắk Long", "606", "Kon Plông", "none"),
    ("23533", "Măng Cành", "606", "Kon Plông", "model"),
    ("23536", "Hiếu", "606", "Kon Plông", "standard"),
]
VILLAGE_NAMES = [
    "Đắk Ung",
    "Làng Kon Brâp Ju",
    XSS_NAME,
    "Thôn Đắk Nhoong",
    "Plei Rơ Wah",
    "Thôn 1",
    "Thôn 2",
    "Đăk Xú",
    SCRIPT_NAME,
    "Làng Mô Bành",
    "Làng Tu Rơ Băng",
    "Thôn Văn Lem",
    "Thôn Long Tỏ",
    "Thôn Kon Tu",
    "Ia H'Drai",
]


# merged 2025 communes: code, name (hostile text included), members with their area share
COMMUNES_2025_NAME = "Xã mới <svg onload=alert(2)>"
MERGED_2025 = [
    ("M01", COMMUNES_2025_NAME, {"23281": 1.0, "23284": 1.0}),
    ("M02", "Ngọc Linh", {"23287": 1.0, "23536": 1.0, "23533": 0.4}),
    ("M03", "Măng Đen {{ 7*7 }}", {"23530": 1.0, "23533": 0.6}),
]


def origin() -> tuple[float, float]:
    """South-west corner of the fixture grid in EPSG:3405 (near 107.7°E, 14.6°N)."""
    t = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    return t.transform(107.7, 14.6)


def _box_site(x: float, y: float, side: float = 1000.0):
    return box(x, y, x + side, y + side)


def make_plan(villages: gpd.GeoDataFrame, x0: float, y0: float, *, with_2025: bool = True):
    """A small PlanOutcome: three sites (one unused), three moves, two unplaced villages.

    The ``<img onerror>`` village (V002) moves to S2 in another commune, the
    ``</script>`` village (V008) to S2 as well; an unplaced reason and an
    intervention label carry HTML too.
    """
    from geoplan.plan import PlanOutcome

    hh = dict(zip(villages["village_id"], villages["households"].astype(int), strict=True))
    pts = dict(zip(villages["village_id"], villages.geometry, strict=True))
    names = dict(zip(villages["village_id"], villages["village_name"], strict=True))
    communes = dict(zip(villages["village_id"], villages["commune_code"], strict=True))
    districts = dict(zip(villages["village_id"], villages["district_code"], strict=True))
    site_rows = [
        ("S1", "23281", "Đắk Glei", "601", "Đắk Glei", _box_site(x0 + 6000, y0 + 6000), 600),
        ("S2", "23284", "Đắk Pék", "601", "Đắk Glei", _box_site(x0 + 16000, y0 + 6000), 500),
        ("S3", "23530", "Đắk Long", "606", "Kon Plông", _box_site(x0 + 6000, y0 + 16000), 80),
    ]
    assigned = {"S1": ["V000"], "S2": ["V002", "V008"], "S3": []}
    sites = gpd.GeoDataFrame(
        [
            {
                "site_id": sid,
                "commune_code": cc,
                "commune_name": cn,
                "district_code": dc,
                "district_name": dn,
                "area_ha": 100.0,
                "capacity_hh": cap,
                "used_hh": sum(hh[v] for v in assigned[sid]),
                "free_hh": cap - sum(hh[v] for v in assigned[sid]),
                "slope_mean_deg": 8.5,
                "road_dist_mean_m": 420.0,
                "suitability": 0.71,
                "use": "residential+production",
                "geometry": geom,
            }
            for sid, cc, cn, dc, dn, geom, cap in site_rows
        ],
        crs=CRS,
    )
    site_geom = dict(zip(sites["site_id"], sites.geometry, strict=True))
    site_commune = dict(zip(sites["site_id"], sites["commune_code"], strict=True))

    def moves_for(pairs: list[tuple[str, str]], method: str) -> gpd.GeoDataFrame:
        rows = []
        for rank, (vid, sid) in enumerate(pairs, start=1):
            end = site_geom[sid].representative_point()
            line = LineString([pts[vid], end])
            rows.append(
                {
                    "village_id": vid,
                    "village_name": names[vid],
                    "commune_code": communes[vid],
                    "district_code": districts[vid],
                    "site_id": sid,
                    "site_commune_code": site_commune[sid],
                    "households": hh[vid],
                    "distance_m": round(line.length, 1),
                    "cost_m": round(line.length, 1),
                    "same_commune": communes[vid] == site_commune[sid],
                    "same_district": True,
                    "priority_rank": rank,
                    # the funding columns the plan writes on its moves
                    "funding_status": "unfunded" if vid == "V008" else "funded",
                    "funded_year": None if vid == "V008" else 2027,
                    "cost": 250.0 * hh[vid],
                    "method": method,
                    "geometry": line,
                }
            )
        return gpd.GeoDataFrame(rows, crs=CRS)

    moves = moves_for([("V000", "S1"), ("V002", "S2"), ("V008", "S2")], "milp")
    greedy = moves_for([("V000", "S1"), ("V008", "S2")], "greedy")
    unplaced = pd.DataFrame(
        [
            {
                "village_id": "V001",
                "village_name": names["V001"],
                "commune_code": "23281",
                "households": hh["V001"],
                "reason_code": "sites_full",
                "reason": "every reachable site is taken by villages that are closer",
            },
            {
                "village_id": "V005",
                "village_name": names["V005"],
                "commune_code": "23284",
                "households": hh["V005"],
                "reason_code": "too_large",
                "reason": "<b>larger</b> than every reachable site",
            },
        ]
    )
    allocation = pd.DataFrame(
        [
            # id, kind, label, village, commune, cost, benefit, funded, year, source
            (
                "road:V000",
                "road",
                "Đường <i>4 mùa</i>",
                "V000",
                6000.0,
                80.0,
                True,
                2026,
                "central+provincial",
            ),
            (
                "water:V002",
                "water",
                "Nước sạch",
                "V002",
                1000.0,
                60.0,
                True,
                2027,
                "central+integrated",
            ),
            (
                "grid:V008",
                "grid",
                "Điện lưới",
                "V008",
                2500.0,
                40.0,
                True,
                2026,
                "central+provincial",
            ),
            ("grid:V010", "grid", "Điện lưới", "V010", 2500.0, 10.0, False, None, None),
            ("road:V011", "road", "Đường <i>4 mùa</i>", "V011", 6000.0, 5.0, False, None, None),
        ],
        columns=[
            "intervention_id",
            "kind",
            "label_vi",
            "village_id",
            "cost",
            "benefit",
            "funded",
            "year",
            "source",
        ],
    )
    allocation["label_en"] = allocation["kind"].map(
        {"road": "All-season road", "water": "Hygienic water", "grid": "Grid power"}
    )
    allocation["level"] = "village"
    allocation["village_name"] = allocation["village_id"].map(names)
    allocation["commune_code"] = allocation["village_id"].map(communes)
    allocation["district_code"] = allocation["village_id"].map(districts)
    allocation["beneficiaries"] = allocation["village_id"].map(hh)
    allocation["programme"] = np.where(allocation["funded"], "NTP-2026", None)
    allocation["year"] = allocation["year"].astype("Int64")
    allocation["greedy_funded"] = [True, False, True, True, False]
    allocation = allocation[allocation.columns.sort_values()].sort_values("benefit")
    budget_use = pd.DataFrame(
        {
            "programme": ["NTP-2026"] * 4,
            "source": ["central", "central", "provincial", "provincial"],
            "year": [2026, 2027, 2026, 2027],
            "budget": [10000.0, 10000.0, 2000.0, 2000.0],
            "spend": [6800.0, 700.0, 1700.0, 0.0],
            "spend_greedy": [8800.0, 0.0, 1700.0, 0.0],
            "slack": [3200.0, 9300.0, 300.0, 2000.0],
            "shadow_price": [0.0, 0.0, 0.02, 0.0],
            "binding": [False, False, True, False],
        }
    )
    funded = allocation[allocation["funded"]]
    allocation_summary = {
        "method": "milp",
        "status": "optimal",
        "mip_gap": 0.001,
        "objective": 175.0,
        "benefit": float(funded["benefit"].sum()),
        "cost": float(funded["cost"].sum()),
        "funded": len(funded),
        "greedy_objective": 125.0,
        "greedy_benefit": 130.0,
        "greedy_cost": 11000.0,
        "greedy_funded": 3,
        "gain_over_greedy_pct": 40.0,
        "total_budget": 24000.0,
        "unspent": 24000.0 - float(funded["cost"].sum()),
        "currency": "million VND",
        "build_s": 0.021,  # wall clock: run.json only
        "solve_s": 0.432,
        "binding": [
            "budget NTP-2026/provincial 2026: 1,700 of 2,000 million VND used; one more million"
            " VND adds 0.02 benefit"
        ],
    }

    def target(tid, label_en, unit, value, goal, status, direction="min", years=None):
        row = {
            "id": tid,
            "label_vi": f"Mục tiêu {tid}",
            "label_en": label_en,
            "programme": "NRD",
            "unit": unit,
            "baseline": None,
            "value": value,
            "as_of": 2024,
            "target": goal,
            "horizon": 2025,
            "direction": direction,
            "status": status,
        }
        for year, v in (years or {}).items():
            row[f"value_{year}"] = v
        return row

    targets = pd.DataFrame(
        [
            target(
                "T1",
                "Communes meeting the NTM standard",
                "count",
                4,
                60,
                "behind",
                years={2021: 2, 2022: 3, 2023: 3, 2024: 4},
            ),
            target(
                "T5",
                "Communes with 15+ criteria",
                "share",
                0.5,
                1.0,
                "behind",
                years={2021: 0.17, 2022: 0.33, 2023: 0.33, 2024: 0.5},
            ),
            target("T7", "Communes with a cooperative", "share", 0.67, 1.0, "behind"),
            target("T13", "EM households with hygienic water", "share", 0.93, 0.9, "achieved"),
            target("T15", "Free migrants <stabilised>", "share", None, 1.0, "not_computable"),
            target(
                "T17",
                "No especially difficult communes",
                "count",
                3,
                0,
                "behind",
                direction="max",
                years={2021: 6, 2024: 3},
            ),
        ]
    )
    by_district = pd.concat(
        [targets.assign(district_code=code) for code in ("601", "606")], ignore_index=True
    )
    plan_2025 = make_plan_2025(villages, allocation, targets) if with_2025 else {}
    return PlanOutcome(
        sites=sites,
        moves=moves,
        greedy_moves=greedy,
        unplaced=unplaced,
        assignment_summary={
            "villages_at_risk": 5,
            "households_at_risk": int(sum(hh[v] for v in ("V000", "V002", "V008", "V001", "V005"))),
            "milp": {"status": "optimal"},
        },
        allocation=allocation,
        budget_use=budget_use,
        allocation_summary=allocation_summary,
        targets=targets,
        targets_by_district=by_district,
        summary={
            "households_moved": int(moves["households"].sum()),
            "timings_s": {"sites": 0.25, "allocation": 0.5},  # wall clock: run.json only
        },
        **plan_2025,
    )


def make_plan_2025(
    villages: gpd.GeoDataFrame, allocation: pd.DataFrame, targets: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Crosswalk, roll-ups and targets per 2022 and per merged 2025 commune (MERGED_2025)."""
    crosswalk = pd.DataFrame(
        [
            {
                "commune_code": old,
                "commune_code_2025": code,
                "commune_name_2025": name,
                "area_share": share,
            }
            for code, name, members in MERGED_2025
            for old, share in members.items()
        ]
    )
    v = villages.assign(commune_code=villages["commune_code"].astype(str))
    per = v.groupby("commune_code")[["households", "poor_households", "hh_exposed_high"]].sum()
    per["villages"] = v.groupby("commune_code").size()
    funded = allocation[allocation["funded"]]
    per["funded_cost"] = funded.groupby("commune_code")["cost"].sum()
    per = per.fillna(0.0)
    rows = []
    for code, name, members in MERGED_2025:
        row = {
            "commune_code_2025": code,
            "commune_name_2025": name,
            "communes_2022": ",".join(members),
        }
        for col in ("villages", "households", "poor_households", "hh_exposed_high", "funded_cost"):
            row[col] = float(sum(per.loc[c, col] * w for c, w in members.items()))
        row["commune_ntm_score"] = 0.25
        rows.append(row)
    communes_2025 = pd.DataFrame(rows)
    names = dict(zip(v["commune_code"], v["commune_name"], strict=False))
    districts = dict(zip(v["commune_code"], v["district_code"], strict=False))
    district_names = dict(zip(v["district_code"], v["district_name"], strict=False))
    local = targets[targets["id"].isin(["T5", "T7"])].drop(columns="id")
    statuses = ["achieved", "behind"]
    by_commune = pd.DataFrame(
        [
            {
                "id": tid,
                "commune_code": code,
                "commune_name": names[code],
                "district_code": districts[code],
                "district_name": district_names[districts[code]],
                **local.iloc[i].to_dict(),
                "status": statuses[(j + i) % 2],
            }
            for i, tid in enumerate(["T5", "T7"])
            for j, code in enumerate(sorted(names))
        ]
    )
    by_2025 = pd.DataFrame(
        [
            {
                "id": tid,
                "commune_code_2025": code,
                "commune_name_2025": name,
                "communes_2022": ",".join(members),
                **local.iloc[i].to_dict(),
                "status": statuses[(j + i) % 2],
            }
            for i, tid in enumerate(["T5", "T7"])
            for j, (code, name, members) in enumerate(MERGED_2025)
        ]
    )
    return {
        "crosswalk": crosswalk,
        "communes_2025": communes_2025,
        "targets_by_commune": by_commune,
        "targets_by_commune_2025": by_2025,
    }


def communes_2025_layer(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The merged communes' polygons (each the union of its members, shares ignored)."""
    by_code = dict(zip(communes["commune_code"], communes.geometry, strict=True))
    rows = [
        {
            "commune_code": code,
            "commune_name": name,
            "members": ",".join(members),
            "geometry": shapely.union_all([by_code[c] for c in members if members[c] == 1.0]),
        }
        for code, name, members in MERGED_2025
    ]
    return gpd.GeoDataFrame(rows, crs=communes.crs)


# (official level, model level, south-west corner offset in m, side in m)
DISAGREEMENT = [
    (1, 3, (1000, 1000), 1500),
    (4, 2, (12000, 3000), 2000),
    (5, 1, (22000, 12000), 1000),
]


def model_zones(x0: float, y0: float) -> gpd.GeoDataFrame:
    """The model's zones: five 6 km strips, level 1 to 5 west to east, over the six communes.

    The level-1 strip holds a 200 m level-5 island (0.04 km²), below the map's
    minimum patch: the web map drops it and fills the hole.
    """
    rows = []
    for level in range(1, 6):
        strip = box(x0 + 6000 * (level - 1), y0, x0 + 6000 * level, y0 + 20000)
        if level == 1:
            strip = strip.difference(box(x0 + 3000, y0 + 15000, x0 + 3200, y0 + 15200))
        rows.append({"level": level, "geometry": strip})
    rows.append({"level": 5, "geometry": box(x0 + 3000, y0 + 15000, x0 + 3200, y0 + 15200)})
    return gpd.GeoDataFrame(rows, crs=CRS)


def disagreement(x0: float, y0: float) -> gpd.GeoDataFrame:
    """Three squares where the official and the modelled levels differ by two or more."""
    rows = [
        {
            "official_level": official,
            "model_level": model,
            "geometry": box(x0 + dx, y0 + dy, x0 + dx + side, y0 + dy + side),
        }
        for official, model, (dx, dy), side in DISAGREEMENT
    ]
    return gpd.GeoDataFrame(rows, crs=CRS)


#: ``scoring.stability`` as ``score_tracks`` writes it: one dict per track.
STABILITY = {
    t: {
        "draws": 200,
        "concentration": 50.0,
        "top_n": 5,
        "exact": True,
        "seconds": 0.0123,  # wall clock: must reach run.json only
        "ranked": 29,
        "median_interval_width": width,
        "stable_top": stable,
        "uncertain_top": uncertain,
    }
    for t, width, stable, uncertain in (
        ("resettlement", 6.5, 2, 3),
        ("infrastructure", 1234.5, 4, 1),
        ("investment", 11.0, 0, 7),
    )
}

MODEL_CARD = {
    "model": "random_forest",
    "estimator": "RandomForestClassifier",
    "parameters": {"n_estimators": 60, "max_depth": 8},
    "random_state": 42,
    "spatial_cv_auc": 0.81,
    "spatial_cv_fold_aucs": [0.7912, 0.8234, 0.8051, 0.8203],
    "random_cv_auc": 0.86,
    "random_cv_fold_aucs": [0.8571, 0.8666, 0.8542, 0.8621],
    "cv_optimism": 0.05,
    "truth_auc": 0.9321,
    "importances": {"slope": 0.21, "twi": 0.02, "relief": 0.06, "dist_road": 0.04},
    "disagreement_km2": 3.4,
    "presences": 120,
    "absences": 360,
    "absence_buffer_m": 500.0,
    "block_size_m": 15000.0,
    "blocks": 9,
    "folds": 4,
    "classes": "quantiles",
    "classes_used": "quantiles",
    "class_breaks": [0.000109, 0.010098, 0.08348, 0.3324],
    "class_areas_km2": {"1": 120.5, "2": 98.25, "3": 80.0, "4": 61.75, "5": 39.5},
    "factors": ["slope", "twi", "relief", "dist_road"],
    "timings_s": {"fit": 1.132, "cross_validation": 1.507},  # wall clock: run.json only
}


def make_result(
    *,
    plan: bool = True,
    model: bool = True,
    dem: bool = True,
    extras: bool = True,
    synthetic: bool = True,
    villages_per_commune: int = 5,
    crosswalk: bool = True,
) -> PlanResult:
    """Build a small PlanResult of real stage results; switch parts off to test tolerance."""
    rng = np.random.default_rng(3)
    x0, y0 = origin()
    size = 10_000.0
    communes = []
    for i, (code, name, dcode, dname, status) in enumerate(COMMUNES):
        col, row = i % 3, i // 3
        geom = box(x0 + col * size, y0 + row * size, x0 + (col + 1) * size, y0 + (row + 1) * size)
        communes.append(
            {
                "commune_code": code,
                "commune_name": name,
                "district_code": dcode,
                "district_name": dname,
                "ntm_criteria_met": int(8 + 2 * i),
                "ntm_status": status,
                "region": ["I", "II", "III"][i % 3],
                "is_atk": i == 0,
                "is_especially_difficult": i % 2 == 0,
                "has_cooperative": i % 3 != 0,
                "poverty_rate_2024": 0.08 + 0.09 * i,
                "poverty_rate_2021": 0.2 + 0.08 * i,
                "geometry": geom,
            }
        )
    communes = gpd.GeoDataFrame(communes, crs=CRS)

    vrows = []
    k = 0
    for c in communes.itertuples():
        minx, miny, _, _ = c.geometry.bounds
        for j in range(villages_per_commune):
            name = VILLAGE_NAMES[k % len(VILLAGE_NAMES)] if k < len(VILLAGE_NAMES) else f"Thôn {k}"
            hh = int(rng.integers(30, 250))
            poor = int(hh * rng.uniform(0.05, 0.7))
            vrows.append(
                {
                    "village_id": f"V{k:03d}",
                    "village_name": name,
                    "commune_code": c.commune_code,
                    "commune_name": c.commune_name,
                    "district_code": c.district_code,
                    "district_name": c.district_name,
                    "households": hh,
                    "population": hh * 5,
                    "poor_households": poor,
                    "em_households": int(hh * 0.8),
                    "is_especially_difficult": bool(j % 2),
                    "poverty_rate": poor / hh,
                    "em_share": 0.8,
                    "water_gap": float(rng.uniform(0, 0.6)),
                    "geometry": Point(minx + 1500 + 1700 * j, miny + 2000 + 1200 * (j % 3)),
                }
            )
            k += 1
    villages = gpd.GeoDataFrame(vrows, crs=CRS)
    n = len(villages)
    lvl = rng.integers(0, 6, n)
    villages["landslide_level"] = lvl
    for i in range(1, 6):
        share = np.where(lvl == i, 0.6, rng.uniform(0, 0.1, n))
        villages[f"landslide_share_{i}"] = share
        villages[f"hh_exposed_{i}"] = villages["households"] * share
    villages["landslide_share_high"] = villages["landslide_share_4"] + villages["landslide_share_5"]
    villages["hh_exposed_high"] = villages["hh_exposed_4"] + villages["hh_exposed_5"]
    villages["dist_high_landslide_m"] = np.where(lvl >= 4, 0.0, rng.uniform(100, 5000, n))
    # every village has some share in levels 4-5 (above): inside (3) or partly in (2)
    villages["landslide_exposure_class"] = np.where(lvl >= 4, 3, 2)
    villages["dist_border_m"] = rng.uniform(500, 40000, n)
    villages["in_border_belt"] = villages["dist_border_m"] < 5000
    villages["in_special_use_forest"] = np.arange(n) % 7 == 0
    villages["in_protective_forest"] = np.arange(n) % 5 == 0
    villages["forest_name"] = np.where(villages["in_special_use_forest"], "Ngọc Linh", "")
    villages["dist_special_use_forest_m"] = rng.uniform(0, 20000, n)
    villages["dist_river_m"] = rng.uniform(50, 3000, n)
    villages["dist_road_m"] = rng.uniform(10, 8000, n)
    villages["susceptibility"] = rng.uniform(0, 1, n)

    scored = villages.copy()
    for t in TRACKS:
        score = rng.uniform(0, 1, n)
        eligible = np.ones(n, bool)
        eligible[3] = False
        scored[f"{t}_score"] = score
        order = (-np.where(eligible, score, -1)).argsort()
        rank = np.empty(n)
        rank[order] = np.arange(1, n + 1)
        scored[f"{t}_rank"] = np.where(eligible, rank, np.nan)
        scored[f"{t}_class"] = np.where(eligible, np.clip(5 - (score * 5).astype(int), 1, 5), 0)
        scored[f"{t}_eligible"] = eligible
        scored[f"{t}_reason"] = [
            f"High {CRITERIA[t][0].replace('_', ' ')}; score {s:.2f}" for s in score
        ]
        scored[f"{t}_reason_vi"] = [f"Điểm cao về {CRITERIA[t][0]}; điểm {s:.2f}" for s in score]
        w = rng.dirichlet(np.ones(len(CRITERIA[t])), n)
        for j, c in enumerate(CRITERIA[t]):
            scored[f"{t}_contrib_{c}"] = w[:, j]
        scored[f"{t}_rank_p05"] = np.maximum(1, rank - 3)
        scored[f"{t}_rank_p95"] = rank + 4
        scored[f"{t}_p_top"] = rng.uniform(0, 1, n)

    ccom = communes.copy()
    grp = villages.groupby("commune_code")
    ccom["villages"] = ccom["commune_code"].map(grp.size())
    ccom["households"] = ccom["commune_code"].map(grp["households"].sum())
    ccom["hh_exposed_high"] = ccom["commune_code"].map(grp["hh_exposed_high"].sum())
    for t in TRACKS:
        s = rng.uniform(0, 1, len(ccom))
        ccom[f"{t}_score"] = s
        ccom[f"{t}_class"] = np.clip(5 - (s * 5).astype(int), 1, 5)
        ccom[f"{t}_rank"] = (-s).argsort().argsort() + 1
        ccom[f"{t}_eligible"] = True
        ccom[f"{t}_reason"] = "Commune reason"
        ccom[f"{t}_reason_vi"] = "Lý do cấp xã"

    districts = communes.dissolve(by="district_code", as_index=False)[
        ["district_code", "district_name", "geometry"]
    ]
    province = gpd.GeoDataFrame({"name": ["Kon Tum"]}, geometry=[communes.union_all()], crs=CRS)

    report = ValidationReport(
        issues=[
            Issue(
                severity="warning",
                message="3 villages had no households; set to 0",
                layer="villages",
                file="kontum.gpkg",
                field="households",
                code="filled",
            )
        ]
    )
    dem_raster = None
    if dem:
        res = 200.0
        w, h = 32 * 5, 22 * 5
        xs = np.arange(w)[None, :] * res
        ys = np.arange(h)[:, None] * res
        elev = 800 + 400 * np.sin(xs / 3000) * np.cos(ys / 2500) + 2 * xs / 100
        dem_raster = Raster(
            array=elev.astype("float32"),
            transform=Affine(res, 0, x0 - 500, 0, -res, y0 + 21000),
            crs=pyproj.CRS(CRS),
            path=Path("/srv/geoplan/layers/dem.tif"),
        )
    zones_layer = forest = border = None
    if extras:
        zones = []
        for i in range(1, 6):
            zones.append(
                {
                    "level": i,
                    "geometry": box(
                        x0 + 2000 * i, y0 + 1000, x0 + 2000 * i + 5000, y0 + 18000
                    ).buffer(300),
                }
            )
        zones_layer = gpd.GeoDataFrame(zones, crs=CRS)
        forest = gpd.GeoDataFrame(
            [
                {
                    "forest_type": "special_use",
                    "name": "Ngọc Linh",
                    "geometry": box(x0, y0 + 12000, x0 + 9000, y0 + 20000),
                },
                {
                    "forest_type": "protective",
                    "name": "<b>Phòng hộ</b>",
                    "geometry": box(x0 + 20000, y0, x0 + 30000, y0 + 8000),
                },
                {
                    "forest_type": "production",
                    "name": "",
                    "geometry": box(x0 + 11000, y0 + 11000, x0 + 19000, y0 + 19000),
                },
            ],
            crs=CRS,
        )
        border = gpd.GeoDataFrame(
            {"country": ["Laos"]},
            geometry=[LineString([(x0, y0 - 500), (x0, y0 + 20500)])],
            crs=CRS,
        )
    plan_outcome = make_plan(villages, x0, y0, with_2025=crosswalk) if plan else None
    layers = Layers(
        communes=communes,
        villages=villages[["village_id", "village_name", "commune_code", "households", "geometry"]],
        districts=districts,
        province=province,
        landslide_zones=zones_layer,
        forest=forest,
        border=border,
        communes_2025=communes_2025_layer(communes) if plan and crosswalk else None,
        dem=dem_raster,
        report=report,
    )

    susceptibility = None
    if model:
        res = 250.0
        w, h = 120, 80
        prob = np.clip(rng.uniform(0, 1, (h, w)) * 0.3 + np.linspace(0, 0.7, w)[None, :], 0, 1)
        prob[:5, :5] = np.nan
        transform = Affine(res, 0, x0, 0, -res, y0 + 20000)
        breaks = tuple(MODEL_CARD["class_breaks"])
        susceptibility = SusceptibilityResult(
            model_card=copy.deepcopy(MODEL_CARD),
            probability=GridRaster(prob, transform, CRS),
            levels=GridRaster(classify(prob, breaks).astype("uint8"), transform, CRS),
            zones=model_zones(x0, y0),
            disagreement=disagreement(x0, y0),
            breaks=breaks,
        )

    indicators = Indicators(
        villages=villages,
        communes=ccom,
        districts=districts,
        susceptibility=susceptibility,
    )
    scoring = ScoringResult(
        villages=scored,
        communes=ccom,
        tracks={
            t: {
                "criteria": CRITERIA[t],
                "weights": [1 / len(CRITERIA[t])] * len(CRITERIA[t]),
                "method": "weighted_sum",
            }
            for t in TRACKS
        },
        stability={t: dict(stats) for t, stats in STABILITY.items()},
        sweeps=pd.DataFrame(),
    )
    return PlanResult(
        scenario=make_scenario(plan=plan, synthetic=synthetic),
        layers=layers,
        indicators=indicators,
        scoring=scoring,
        plan=plan_outcome,
        timings={"load": 0.1, "indicators": 0.2},
        inputs={"/srv/geoplan/layers/kontum.gpkg": "ab" * 32},
        versions={"geoplan": "0.1.0"},
    )


def make_scenario(*, plan: bool = True, synthetic: bool = True) -> Scenario:
    """The fixture's scenario: three tracks on the criteria of :data:`CRITERIA`."""
    layer = "/srv/geoplan/layers/kontum.gpkg"
    return Scenario.model_validate(
        {
            "name": "fixture",
            "title": "Fixture scenario <Kon Tum>",
            "description": "Kịch bản nhỏ dựng bằng tay.",
            "description_en": "Small hand-made scenario.",
            "source": "/srv/geoplan/scenarios/fixture.yaml",
            "synthetic": synthetic,
            "admin_structure": "2022",  # districts, with the 2025 communes as an addition
            "crs": CRS,
            "layers": {
                "communes": {"path": layer, "layer": "communes"},
                "villages": {"path": layer, "layer": "villages"},
            },
            "indicators": {
                "border_belt_m": 5000.0,
                "high_landslide_level": 4,
                "village_buffer_m": 500.0,
            },
            "scoring": {
                "tracks": {
                    t: {
                        "cites": ["P-RESETTLE"],
                        "criteria": [
                            {"id": c, "weight": 1.0, "cites": ["P-POOR"]} for c in CRITERIA[t]
                        ],
                    }
                    for t in TRACKS
                },
                "stability": {"draws": 200, "top_n": 5},
            },
            "outputs": {"lang": "vi", "top_n": 5},
            "plan": {"enabled": plan},
        }
    )
