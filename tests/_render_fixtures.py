"""A small synthetic PlanResult for the render tests (no pipeline needed).

Six square communes in two districts of Kon Tum, five villages each, a DEM, landslide
zones, forest, a border, a susceptibility raster, scores for the three tracks and a
targets table.  Two villages carry hostile names: an ``<img onerror>`` and a
``</script>`` break-out attempt; a commune and a district are called "Đắk Glei".
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

CRS = "EPSG:3405"
XSS_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_NAME = "</script><script>window.__pwned=1</script>"
TRACKS = ("resettlement", "infrastructure", "investment")
CRITERIA = {
    "resettlement": ["landslide_exposure", "poverty", "special_use_forest"],
    "infrastructure": ["road_access", "poverty", "em_share", "water_gap"],
    "investment": ["poverty", "em_share", "cooperative"],
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
    "Làng Pêng Sel Kơ Ne",
]


def origin() -> tuple[float, float]:
    """South-west corner of the fixture grid in EPSG:3405 (near 107.7°E, 14.6°N)."""
    t = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    return t.transform(107.7, 14.6)


def make_result(
    *,
    plan: bool = True,
    model: bool = True,
    dem: bool = True,
    extras: bool = True,
    synthetic: bool = True,
    villages_per_commune: int = 5,
) -> SimpleNamespace:
    """Build the fake PlanResult; switch optional parts off to test tolerance."""
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

    layers = SimpleNamespace(
        communes=communes,
        villages=villages[["village_id", "village_name", "commune_code", "households", "geometry"]],
        districts=districts,
        province=province,
        landslide_zones=None,
        landslide_inventory=None,
        forest=None,
        border=None,
        roads=None,
        rivers=None,
        dem=None,
        rainfall=None,
        report=SimpleNamespace(
            issues=[
                SimpleNamespace(
                    severity="warning",
                    message="3 villages had no households; set to 0",
                    layer="villages",
                    file="kontum.gpkg",
                    row=None,
                    field="households",
                    code="filled",
                    to_dict=lambda: {
                        "severity": "warning",
                        "message": "3 villages had no households",
                    },
                )
            ],
            summaries={"villages": {"rows": n}},
        ),
    )
    if dem:
        res = 200.0
        w, h = 32 * 5, 22 * 5
        xs = np.arange(w)[None, :] * res
        ys = np.arange(h)[:, None] * res
        elev = 800 + 400 * np.sin(xs / 3000) * np.cos(ys / 2500) + 2 * xs / 100
        layers.dem = SimpleNamespace(
            array=elev.astype("float32"),
            transform=Affine(res, 0, x0 - 500, 0, -res, y0 + 21000),
            crs=CRS,
            path=None,
        )
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
        layers.landslide_zones = gpd.GeoDataFrame(zones, crs=CRS)
        layers.forest = gpd.GeoDataFrame(
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
        layers.border = gpd.GeoDataFrame(
            {"country": ["Laos"]},
            geometry=[LineString([(x0, y0 - 500), (x0, y0 + 20500)])],
            crs=CRS,
        )

    susceptibility = None
    if model:
        res = 250.0
        w, h = 120, 80
        prob = np.clip(rng.uniform(0, 1, (h, w)) * 0.3 + np.linspace(0, 0.7, w)[None, :], 0, 1)
        prob[:5, :5] = np.nan
        susceptibility = SimpleNamespace(
            model_card={
                "model": "random_forest",
                "spatial_cv_auc": 0.81,
                "n_presence": 120,
                "features": ["slope"],
            },
            probability=SimpleNamespace(
                array=prob, transform=Affine(res, 0, x0, 0, -res, y0 + 20000), crs=CRS
            ),
            zones=None,
            disagreement=None,
        )

    indicators = SimpleNamespace(
        villages=villages,
        communes=ccom,
        districts=districts,
        susceptibility=susceptibility,
        hillshade=None,
    )
    scoring = SimpleNamespace(
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
        stability={"draws": 200, "resettlement": {"top_n_stable_share": 0.8}},
    )
    plan_outcome = None
    if plan:
        targets = pd.DataFrame(
            [
                {
                    "id": "T1",
                    "label": "≥ 60 communes meet the NTM standard",
                    "value": 4,
                    "target": 60,
                    "status": "not_met",
                },
                {
                    "id": "T5",
                    "label": "100% communes meet ≥ 15 criteria",
                    "value": 0.5,
                    "target": 1.0,
                    "status": "not_met",
                },
                {
                    "id": "T7",
                    "label": "100% communes have a cooperative",
                    "value": 0.67,
                    "target": 1.0,
                    "status": "not_met",
                },
                {
                    "id": "T13",
                    "label": "> 90% EM households use hygienic water",
                    "value": 0.93,
                    "target": 0.9,
                    "status": "met",
                },
                {
                    "id": "T18",
                    "label": "Poverty falls 3–4 points a year",
                    "value": None,
                    "target": 0.03,
                    "status": "no_data",
                },
            ]
        )
        sites = gpd.GeoDataFrame(
            {"site_id": ["S1"], "name": ["Khu TĐC Đắk Ung"], "capacity_hh": [120]},
            geometry=[Point(x0 + 4000, y0 + 15000)],
            crs=CRS,
        )
        plan_outcome = SimpleNamespace(
            sites=sites,
            moves=None,
            allocation=pd.DataFrame(),
            targets=targets,
            crosswalk=None,
            summary={"households_moved": 120},
        )

    track_specs = {
        t: SimpleNamespace(
            title_vi="",
            title_en="",
            cites=["P-RESETTLE"],
            criteria=[SimpleNamespace(id=c, weight=1.0, cites=["P-POOR"]) for c in CRITERIA[t]],
            method="weighted_sum",
            normalization="minmax",
        )
        for t in TRACKS
    }
    scenario = SimpleNamespace(
        name="fixture",
        title="Fixture scenario <Kon Tum>",
        description="Small hand-made scenario.",
        synthetic=synthetic,
        crs=CRS,
        indicators=SimpleNamespace(
            border_belt_m=5000.0, high_landslide_level=4, village_buffer_m=500.0
        ),
        scoring=SimpleNamespace(tracks=track_specs, stability=SimpleNamespace(draws=200, top_n=5)),
        outputs=SimpleNamespace(lang="vi", top_n=5),
        plan=SimpleNamespace(enabled=plan),
    )
    result = SimpleNamespace(
        scenario=scenario,
        layers=layers,
        indicators=indicators,
        scoring=scoring,
        plan=plan_outcome,
        timings={"load": 0.1, "indicators": 0.2},
        inputs={"kontum.gpkg": "ab" * 32},
        versions={"geoplan": "0.1.0"},
    )
    result.run_info = {
        "scenario": {"name": "fixture"},
        "timings_s": result.timings,
        "counts": {"villages_in": n},
    }
    return result
