"""Crosswalk 2022 -> 2025 communes: overlay, table, member lists, re-aggregation."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geoplan.config.plan import CrosswalkConfig
from geoplan.errors import AllocationError
from geoplan.plan.crosswalk import make_crosswalk, to_2025

CRS = "EPSG:3405"


def old() -> gpd.GeoDataFrame:
    # three 2022 communes of 10 x 10 km in a row
    return gpd.GeoDataFrame(
        {"commune_code": ["1", "2", "3"]},
        geometry=[
            box(0, 0, 10_000, 10_000),
            box(10_000, 0, 20_000, 10_000),
            box(20_000, 0, 30_000, 10_000),
        ],
        crs=CRS,
    )


def new() -> gpd.GeoDataFrame:
    # "M1" = commune 1 + the west 40% of commune 2; "M2" = the rest + commune 3
    return gpd.GeoDataFrame(
        {"commune_code": ["M1", "M2"], "commune_name": ["Xã Mới 1", "Xã Mới 2"]},
        geometry=[box(0, 0, 14_000, 10_000), box(14_000, 0, 30_000, 10_000)],
        crs=CRS,
    )


def test_overlay_shares_by_area():
    cw = make_crosswalk(old(), CrosswalkConfig(), communes_2025=new())
    got = {(r.commune_code, r.commune_code_2025): r.area_share for r in cw.itertuples()}
    assert got == pytest.approx(
        {("1", "M1"): 1.0, ("2", "M1"): 0.4, ("2", "M2"): 0.6, ("3", "M2"): 1.0}
    )
    assert set(cw["commune_name_2025"]) == {"Xã Mới 1", "Xã Mới 2"}


def test_overlay_drops_slivers_and_reprojects():
    shifted = new()
    shifted.geometry = [box(0, 0, 10_050, 10_000), box(10_050, 0, 30_000, 10_000)]
    cw = make_crosswalk(
        old(), CrosswalkConfig(min_share=0.01), communes_2025=shifted.to_crs("EPSG:4326")
    )
    assert cw.groupby("commune_code")["area_share"].sum().tolist() == pytest.approx([1, 1, 1])
    assert cw[cw["commune_code"] == "2"]["commune_code_2025"].tolist() == ["M2"]


def test_table_without_shares_splits_evenly_and_names_bad_rows():
    table = pd.DataFrame({"ma_xa_cu": ["1", "2", "2", "3"], "ma_xa_moi": ["M1", "M1", "M2", "M2"]})
    cfg = CrosswalkConfig(code_2022_field="ma_xa_cu", code_2025_field="ma_xa_moi")
    cw = make_crosswalk(old(), cfg, table=table)
    assert cw[cw["commune_code"] == "2"]["area_share"].tolist() == [0.5, 0.5]
    with pytest.raises(AllocationError, match="ma_xa_cu"):
        make_crosswalk(old(), CrosswalkConfig(), table=table)
    with pytest.raises(AllocationError, match="no 'crosswalk' layer"):
        make_crosswalk(old(), CrosswalkConfig(method="table"))
    assert make_crosswalk(old(), CrosswalkConfig()) is None


def test_member_lists_are_used_when_present():
    merged = new().assign(members=["1,2", "3"])
    cw = make_crosswalk(old(), CrosswalkConfig(), communes_2025=merged)
    assert cw[["commune_code", "commune_code_2025"]].values.tolist() == [
        ["1", "M1"],
        ["2", "M1"],
        ["3", "M2"],
    ]
    assert (cw["area_share"] == 1.0).all()


def test_to_2025_sums_counts_and_weights_means():
    cw = make_crosswalk(old(), CrosswalkConfig(), communes_2025=new())
    frame = pd.DataFrame(
        {"commune_code": ["1", "2", "3"], "households": [100, 200, 300], "score": [0.2, 0.5, 0.8]}
    )
    out = to_2025(frame, cw, sums=["households"], means=["score"], weight="households").set_index(
        "commune_code_2025"
    )
    assert out.loc["M1", "households"] == pytest.approx(100 + 0.4 * 200)
    assert out.loc["M2", "households"] == pytest.approx(0.6 * 200 + 300)
    assert out.loc["M1", "score"] == pytest.approx((100 * 0.2 + 80 * 0.5) / 180)
    assert out.loc["M1", "communes_2022"] == "1,2"
