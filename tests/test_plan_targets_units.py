"""Targets per 2022 commune and per merged 2025 commune, computed by hand on 4 communes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoplan.plan.target_progress import (
    evaluate_targets,
    targets_by_commune,
    targets_by_commune_2025,
)
from geoplan.plan.targets import TARGETS

COMMUNE_IDS = [t.id for t in TARGETS if t.per_commune]
SHARE_IDS = ["T5", "T6", "T7", "T9", "T10", "T12", "T13", "T14", "T16"]


def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    communes = pd.DataFrame(
        {
            "commune_code": ["1", "2", "3", "4"],
            "commune_name": ["Một", "Hai", "Ba", "Bốn"],
            "district_code": ["A", "A", "B", "B"],
            "district_name": ["Huyện A", "Huyện A", "Huyện B", "Huyện B"],
            "ntm_status": ["standard", "none", "advanced", "none"],
            "ntm_criteria_2021": [14, 10, 19, 12],
            "ntm_criteria_2024": [17, 13, 19, 12],
            "has_cooperative": [True, False, True, False],
            "households": [100, 300, 200, 100],
            "em_households": [50, 50, 100, 50],
            "em_households_in_coop": [10, 0, 40, 5],
            "poverty_rate_2021": [0.30, 0.50, 0.20, 0.10],
            "poverty_rate_2024": [0.18, 0.35, 0.08, 0.04],
            "is_especially_difficult": [False, True, False, False],
            "was_especially_difficult_2021": [True, True, True, False],
        }
    )
    villages = pd.DataFrame(
        {
            "village_id": ["v1", "v2", "v3", "v4", "v5"],
            "commune_code": ["1", "2", "3", "3", "4"],
            "district_code": ["A", "A", "B", "B", "B"],
            "households": [100, 100, 120, 80, 100],
            "em_households": [50, 50, 60, 40, 50],
            # water rates 1, 0.5, 1, 0.5, 0
            "hygienic_water_households": [100, 50, 120, 40, 0],
            "has_communal_house": [True, True, False, True, True],
            "communal_house_repaired": [True, False, False, True, False],
            "em_hh_no_residential_land": [5, 0, 10, 0, 0],
            "em_hh_no_production_land": [2, 10, 10, 4, 0],
            "is_especially_difficult": [False, True, True, False, False],
        }
    )
    districts = pd.DataFrame(
        {
            "district_code": ["A", "B"],
            "is_poor_district": [True, False],
            "ntm_status": ["none", "none"],
        }
    )
    return communes, villages, districts


def crosswalk() -> pd.DataFrame:
    # M1 = communes 1 and 2 merged; commune 3 split 75% to M2 and 25% to M3 (with commune 4)
    return pd.DataFrame(
        {
            "commune_code": ["1", "2", "3", "3", "4"],
            "commune_code_2025": ["M1", "M1", "M2", "M3", "M3"],
            "commune_name_2025": ["Mới 1", "Mới 1", "Mới 2", "Mới 3", "Mới 3"],
            "area_share": [1.0, 1.0, 0.75, 0.25, 1.0],
        }
    )


def pivot(frame: pd.DataFrame, key: str, column: str = "value") -> pd.DataFrame:
    return frame.pivot(index=key, columns="id", values=column)


def test_commune_level_targets_are_the_registry_minus_provincial_ones():
    ids = [f"T{i}" for i in (4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)]
    assert ids == COMMUNE_IDS
    out = targets_by_commune(*frames())
    assert out.groupby("id").size().to_dict() == dict.fromkeys(COMMUNE_IDS, 4)
    assert list(out.columns[:5]) == [
        "id",
        "commune_code",
        "commune_name",
        "district_code",
        "district_name",
    ]
    first = out[out["commune_code"] == "1"]
    assert list(first["id"]) == COMMUNE_IDS
    assert first["commune_name"].iloc[0] == "Một" and first["district_name"].iloc[0] == "Huyện A"


def test_values_per_2022_commune_by_hand():
    out = targets_by_commune(*frames())
    v = pivot(out, "commune_code")
    # T5: >= 15 criteria in 2024; T6: (17-14)/3 = 1, (13-10)/3 = 1, at 19, 0 a year
    assert list(v["T5"]) == [1, 0, 1, 0]
    assert list(v["T6"]) == [1, 1, 1, 0]
    assert list(v["T7"]) == [1, 0, 1, 0]
    # T9: lacking max(5,2)=5 of 50, 10 of 50, 10+4 of 100, 0 of 50
    assert list(v["T9"]) == pytest.approx([0.9, 0.8, 0.86, 1.0])
    assert list(v["T10"]) == pytest.approx([0.2, 0.0, 0.4, 0.1])
    assert list(v["T12"]) == pytest.approx([1.0, 0.0, 1.0, 0.0])
    # T13: (60*1 + 40*0.5) / 100 in commune 3
    assert list(v["T13"]) == pytest.approx([1.0, 0.5, 0.8, 0.0])
    assert list(v["T14"].iloc[:3]) == [1.0, 0.0, 1.0] and np.isnan(v.loc["4", "T14"])
    # T17: commune 2 is especially difficult and so is its village; commune 3 has one village
    assert list(v["T17"]) == [0, 2, 1, 0]
    assert list(v["T18"]) == pytest.approx([4.0, 5.0, 4.0, 2.0])

    s = pivot(out, "commune_code", "status")
    assert list(s["T5"]) == ["achieved", "behind", "achieved", "behind"]
    assert list(s["T10"]) == ["achieved", "behind", "achieved", "behind"]
    # commune 4 was not especially difficult in 2021: T14 cannot apply to it
    assert list(s["T14"]) == ["achieved", "behind", "achieved", "not_applicable"]
    assert list(s["T18"]) == ["achieved", "achieved", "achieved", "behind"]
    assert s.loc["4", "T9"] == "achieved"
    # no assignment ran: T11 (and the fields missing from the data: T4, T15) not computable
    assert set(s["T11"]) == set(s["T4"]) == set(s["T15"]) == {"not_computable"}
    t14 = out[(out["id"] == "T14") & (out["commune_code"] == "4")].iloc[0]
    assert "does not apply" in t14["note"]
    # yearly values and signed gap (> 0 = short of the target)
    c1 = out[out["commune_code"] == "1"].set_index("id")
    assert c1.loc["T5", "value_2021"] == 0 and c1.loc["T5", "value_2024"] == 1
    assert c1.loc["T9", "gap"] == pytest.approx(0.1)
    assert c1.loc["T9", "numerator"] == 45 and c1.loc["T9", "denominator"] == 50


def test_not_applicable_only_when_the_fields_say_so():
    c, v, d = frames()
    v.loc[v["commune_code"] == "4", "has_communal_house"] = False  # commune 4: no communal house
    s = pivot(targets_by_commune(c, v, d), "commune_code", "status")
    assert list(s["T12"]) == ["achieved", "behind", "achieved", "not_applicable"]
    assert s.loc["4", "T14"] == "not_applicable"
    # a blank field is missing data, not "does not apply"
    c["was_especially_difficult_2021"] = pd.array([True, True, True, pd.NA], dtype="boolean")
    v["has_communal_house"] = v["has_communal_house"].astype(object)
    v.loc[v["commune_code"] == "4", "has_communal_house"] = ""
    out = targets_by_commune(c, v, d)
    s = pivot(out, "commune_code", "status")
    assert s.loc["4", "T14"] == "not_computable" and s.loc["4", "T12"] == "not_computable"
    assert list(s["T14"].iloc[:3]) == ["achieved", "behind", "achieved"]
    # a field missing from the data stays not computable, naming it
    out = targets_by_commune(c.drop(columns="was_especially_difficult_2021"), v, d)
    t14 = out[out["id"] == "T14"]
    assert set(t14["status"]) == {"not_computable"}
    assert set(t14["missing"]) == {"communes.was_especially_difficult_2021"}


def test_values_per_2025_commune_by_hand():
    out = targets_by_commune_2025(*frames(), crosswalk())
    assert out.groupby("id").size().to_dict() == dict.fromkeys(COMMUNE_IDS, 3)
    assert list(out.columns[:4]) == [
        "id",
        "commune_code_2025",
        "commune_name_2025",
        "communes_2022",
    ]
    members = out.drop_duplicates("commune_code_2025").set_index("commune_code_2025")
    assert members["communes_2022"].to_dict() == {"M1": "1,2", "M2": "3", "M3": "3,4"}
    assert members.loc["M3", "commune_name_2025"] == "Mới 3"

    v = pivot(out, "commune_code_2025")
    num = pivot(out, "commune_code_2025", "numerator")
    den = pivot(out, "commune_code_2025", "denominator")
    # commune yes/no -> share of member communes weighted by area_share:
    # M1: 1 of 2; M2: 0.75 of 0.75; M3: 0.25 (commune 3) of 1.25
    assert list(v["T5"]) == pytest.approx([0.5, 1.0, 0.2])
    assert list(num["T5"]) == pytest.approx([1.0, 0.75, 0.25])
    assert list(den["T5"]) == pytest.approx([2.0, 0.75, 1.25])
    assert list(v["T6"]) == pytest.approx([1.0, 1.0, 0.2])
    assert list(v["T7"]) == pytest.approx([0.5, 1.0, 0.2])
    # T9: M1 15 lacking of 100; M2 0.75*14 of 0.75*100; M3 0.25*14 of 0.25*100 + 50
    assert list(v["T9"]) == pytest.approx([0.85, 0.86, 1 - 3.5 / 75])
    assert list(den["T9"]) == pytest.approx([100.0, 75.0, 75.0])
    # T10: M3 (0.25*40 + 5) / (0.25*100 + 50) = 15/75 = 20%: achieved
    assert list(v["T10"]) == pytest.approx([0.1, 0.4, 0.2])
    # T12: M3 0.25 repaired of 0.25 + 1 houses
    assert list(v["T12"]) == pytest.approx([0.5, 1.0, 0.2])
    # T13: M1 (50 + 25) / 100; M3 (0.25*80 + 0) / 75
    assert list(v["T13"]) == pytest.approx([0.75, 0.8, 20 / 75])
    assert list(v["T14"]) == pytest.approx([0.5, 1.0, 1.0])
    # T17 counts split by share: M1 1 commune + 1 village; M2 0.75 village; M3 0.25 village
    assert list(v["T17"]) == pytest.approx([2.0, 0.75, 0.25])
    # T18 from summed poor households, not the mean of the members' paces (4.5 for M1):
    # M1 2021 (30 + 150) / 400 = 45%, 2024 (18 + 105) / 400 = 30.75%
    # M3 2021 (0.2*50 + 0.1*100) / 150, 2024 (0.08*50 + 0.04*100) / 150
    assert list(v["T18"]) == pytest.approx([14.25 / 3, 4.0, (2000 / 150 - 800 / 150) / 3])

    s = pivot(out, "commune_code_2025", "status")
    assert list(s["T5"]) == ["behind", "achieved", "behind"]  # 100% = all members
    assert list(s["T10"]) == ["behind", "achieved", "achieved"]
    assert list(s["T14"]) == ["achieved", "achieved", "achieved"]
    assert list(s["T18"]) == ["achieved", "achieved", "behind"]


def test_whole_communes_give_the_commune_values():
    """A 2025 commune made of one whole 2022 commune has that commune's values."""
    c, v, d = frames()
    identity = pd.DataFrame(
        {
            "commune_code": c["commune_code"],
            "commune_code_2025": "N" + c["commune_code"],
            "commune_name_2025": c["commune_name"],
            "area_share": 1.0,
        }
    )
    by_c = targets_by_commune(c, v, d).reset_index(drop=True)
    by_n = targets_by_commune_2025(c, v, d, identity).reset_index(drop=True)
    cols = ["id", "value", "numerator", "denominator", "status", "gap", "projection"]
    pd.testing.assert_frame_equal(by_c[cols], by_n[cols])


def test_at_risk_households_by_commune_split_by_share():
    c, v, d = frames()
    risk = {"1": 100.0, "3": 80.0}
    placed = {"1": 100.0, "3": 40.0}
    by_c = pivot(
        targets_by_commune(c, v, d, at_risk_households=risk, placed_households=placed),
        "commune_code",
    )
    assert list(by_c["T11"]) == pytest.approx([1.0, 1.0, 0.5, 1.0])  # no village at risk: 1
    by_n = targets_by_commune_2025(
        c, v, d, crosswalk(), at_risk_households=risk, placed_households=placed
    )
    t11 = by_n[by_n["id"] == "T11"].set_index("commune_code_2025")
    assert list(t11["value"]) == pytest.approx([1.0, 0.5, 0.5])
    assert list(t11["denominator"]) == pytest.approx([100.0, 60.0, 20.0])


def test_rates_are_recomputed_from_summed_numerators():
    c, v, d = frames()
    prov, _ = evaluate_targets(c, v, d)
    prov = prov.set_index("id")
    out = targets_by_commune_2025(c, v, d, crosswalk())
    sums = out.groupby("id")[["numerator", "denominator"]].sum()
    for tid in SHARE_IDS:
        assert sums.loc[tid, "numerator"] == pytest.approx(prov.loc[tid, "numerator"]), tid
        assert sums.loc[tid, "denominator"] == pytest.approx(prov.loc[tid, "denominator"]), tid
        recomputed = sums.loc[tid, "numerator"] / sums.loc[tid, "denominator"]
        assert recomputed == pytest.approx(prov.loc[tid, "value"]), tid


@st.composite
def random_crosswalks(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for code in ["1", "2", "3", "4"]:
        targets = draw(
            st.lists(st.sampled_from(["X", "Y", "Z"]), min_size=1, max_size=2, unique=True)
        )
        weights = [draw(st.integers(1, 9)) for _ in targets]
        for new, w in zip(targets, weights, strict=True):
            rows.append((code, new, f"Xã {new}", w / sum(weights)))
    return pd.DataFrame(
        rows, columns=["commune_code", "commune_code_2025", "commune_name_2025", "area_share"]
    )


@settings(max_examples=25, deadline=None)
@given(random_crosswalks())
def test_counts_over_2025_communes_add_up_to_the_province(cw: pd.DataFrame):
    c, v, d = frames()
    prov, _ = evaluate_targets(c, v, d)
    prov = prov.set_index("id")
    out = targets_by_commune_2025(c, v, d, cw)
    assert set(out["commune_code_2025"]) == set(cw["commune_code_2025"])
    # T17 is a count (communes + villages): the 2025 communes add up to the province
    t17 = out[out["id"] == "T17"]["value"].sum()
    assert t17 == pytest.approx(prov.loc["T17", "value"])
    sums = out.groupby("id")[["numerator", "denominator"]].sum()
    for tid in SHARE_IDS:
        assert sums.loc[tid, "numerator"] == pytest.approx(prov.loc[tid, "numerator"]), tid
        assert sums.loc[tid, "denominator"] == pytest.approx(prov.loc[tid, "denominator"]), tid
    # every value is a ratio of its own sums
    shares = out[out["id"].isin(SHARE_IDS) & out["denominator"].gt(0)]
    np.testing.assert_allclose(shares["value"], shares["numerator"] / shares["denominator"])


def test_per_commune_and_2025_frames_on_the_demo(demo_result):
    plan = demo_result.plan
    by_c, by_n = plan.targets_by_commune, plan.targets_by_commune_2025
    assert by_n is not None and plan.crosswalk is not None
    n_communes = demo_result.scoring.communes["commune_code"].nunique()
    n_2025 = plan.crosswalk["commune_code_2025"].nunique()
    assert by_c.groupby("id").size().to_dict() == dict.fromkeys(COMMUNE_IDS, n_communes)
    assert by_n.groupby("id").size().to_dict() == dict.fromkeys(COMMUNE_IDS, n_2025)
    assert set(by_c["status"]) <= {
        "achieved",
        "on_track",
        "behind",
        "not_computable",
        "not_applicable",
    }
    # the 2025 communes partition the province: their sums give the province's values
    prov = plan.targets.set_index("id")
    sums = by_n.groupby("id")[["numerator", "denominator"]].sum()
    for tid in ("T5", "T7", "T9", "T10", "T12", "T13", "T14"):
        assert sums.loc[tid, "numerator"] / sums.loc[tid, "denominator"] == pytest.approx(
            prov.loc[tid, "value"]
        ), tid
    assert by_n[by_n["id"] == "T17"]["value"].sum() == pytest.approx(prov.loc["T17", "value"])
    # T11 per commune from the resettlement plan: placed households add up to the province's
    t11 = by_c[by_c["id"] == "T11"]
    assert t11["numerator"].sum() == pytest.approx(prov.loc["T11", "numerator"])


def _messy_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The hand-made frames with yes/no and numbers written as text, some blank."""
    communes, villages, districts = frames()
    communes["has_cooperative"] = ["yes", "No", " TRUE ", None]
    communes["ntm_criteria_2024"] = ["17", 13, "", "12"]
    communes["commune_type"] = ["xa", " Xa", "phuong", None]
    villages["has_communal_house"] = ["1", "yes", "", "true", "0"]
    villages["em_households"] = [50, "50", None, 40, "n/a"]
    return communes, villages, districts


@pytest.mark.parametrize("messy", [False, True])
def test_a_unit_read_from_shared_columns_equals_its_own_frames(messy):
    from geoplan.plan.target_data import TargetData
    from geoplan.plan.target_progress import _Frames, _missing, _Unit

    communes, villages, districts = _messy_frames() if messy else frames()
    shared = _Frames(communes, villages, districts)
    for code_2025, group in crosswalk().groupby("commune_code_2025"):
        members = pd.Series(group["area_share"].to_numpy(), index=group["commune_code"])
        unit = _Unit({"commune_code_2025": code_2025}, members.groupby(level=0).sum())
        codes = sorted(unit.members.index)
        own_c = pd.concat([communes[communes["commune_code"] == c] for c in codes])
        own_v = pd.concat([villages[villages["commune_code"] == c] for c in codes])
        own = TargetData(
            own_c,
            own_v,
            districts[districts["district_code"].isin(set(own_c["district_code"]))],
            commune_weight=own_c["commune_code"].map(unit.members),
            village_weight=own_v["commune_code"].map(unit.members),
        )
        via_shared = shared.data(unit)
        pd.testing.assert_frame_equal(via_shared.communes, own.communes)
        computed = [t for t in TARGETS if not _missing(t, own)]
        assert len(computed) >= 10
        for target in computed:
            got, expected = target.compute(via_shared), target.compute(own)
            assert got.note == expected.note, target.id
            np.testing.assert_array_equal(
                [got.value, got.numerator, got.denominator, *got.series.values()],
                [expected.value, expected.numerator, expected.denominator,
                 *expected.series.values()],
                err_msg=f"{target.id} in {code_2025}",
            )  # fmt: skip
