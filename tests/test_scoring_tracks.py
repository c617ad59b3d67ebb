"""score_tracks on small synthetic indicator frames (columns of docs/ARCHITECTURE.md)."""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import numpy as np
import pytest
from _scoring_fixtures import make_indicators
from pydantic import ValidationError

from geoplan.config.scoring import default_tracks
from geoplan.errors import ScoringError
from geoplan.scoring import (
    ScoringConfig,
    compare_scores,
    criteria_catalogue,
    eligibility_rules,
    monte_carlo_ranks,
    score_tracks,
)

TRACKS = ("resettlement", "infrastructure", "investment")


def config(**changes: object) -> ScoringConfig:
    base = {"stability": {"draws": 200}}
    base.update(changes)
    return ScoringConfig.model_validate(base)


@pytest.fixture(scope="module")
def result():
    return score_tracks(make_indicators(), config())


def test_output_columns_for_every_track(result):
    v = result.villages
    assert isinstance(v, gpd.GeoDataFrame) and v.crs is not None
    assert len(v) == 60 and list(v["village_id"]) == [f"V{i:03d}" for i in range(60)]
    for t in TRACKS:
        for suffix in (
            "score",
            "rank",
            "class",
            "eligible",
            "reason",
            "reason_vi",
            "rank_p05",
            "rank_p95",
            "p_top",
        ):
            assert f"{t}_{suffix}" in v.columns, f"{t}_{suffix}"
        elig = v[f"{t}_eligible"].astype(bool)
        assert elig.any()
        ranked = v[elig]
        assert sorted(ranked[f"{t}_rank"].astype(int)) == list(range(1, elig.sum() + 1))
        assert ranked[f"{t}_score"].between(0, 1).all()
        assert set(ranked[f"{t}_class"]) <= {1, 2, 3, 4, 5} and (ranked[f"{t}_class"] == 1).any()
        assert (v.loc[~elig, f"{t}_class"] == 0).all()
        assert v.loc[~elig, f"{t}_rank"].isna().all()
        contrib = ranked.filter(like=f"{t}_contrib_")
        assert contrib.shape[1] == len(result.tracks[t]["criteria"])
        sums = contrib.sum(axis=1)
        assert np.allclose(sums[ranked[f"{t}_score"] > 0], 1.0)
        p05 = ranked[f"{t}_rank_p05"].astype(int)
        p95 = ranked[f"{t}_rank_p95"].astype(int)
        assert (p05 <= p95).all() and ranked[f"{t}_p_top"].between(0, 1).all()
        # a better score never has a lower class number than a worse one (class 1 = top)
        order = ranked.sort_values(f"{t}_rank")
        assert order[f"{t}_class"].is_monotonic_increasing


def test_track_descriptions_cite_the_resolution(result):
    for t in TRACKS:
        info = result.tracks[t]
        assert sum(c["weight"] for c in info["criteria"]) == pytest.approx(1.0)
        for c in info["criteria"]:
            assert c["label_vi"] and c["label_en"] and c["cites"]
            assert c["direction"] in {"benefit", "cost"}
    assert "P-RESETTLE" in result.tracks["resettlement"]["cites"]
    assert {"P-NTM", "P-INFRA"} <= set(result.tracks["infrastructure"]["cites"])


def test_resettlement_eligibility_needs_exposure_and_says_why(result):
    v = result.villages
    exposed = (v["hh_exposed_high"] > 0) | (v["landslide_level"] >= 4)
    forest = v["in_special_use_forest"] | v["in_protective_forest"]
    np.testing.assert_array_equal(v["resettlement_eligible"], exposed | forest)
    not_ranked = v[~(exposed | forest)]
    assert len(not_ranked) > 0
    for text in not_ranked["resettlement_reason"]:
        assert text.startswith("Not ranked for resettlement")
        assert "no households in high or very-high landslide zones" in text
    for text in not_ranked["resettlement_reason_vi"]:
        assert text.startswith("Không xếp hạng về sắp xếp, ổn định dân cư")


def test_reasons_name_values_and_shares(result):
    v = result.villages
    top = v.sort_values("resettlement_rank").iloc[0]
    n_ranked = int(v["resettlement_eligible"].sum())
    assert top["resettlement_reason"].startswith(f"Ranked 1st of {n_ranked} for resettlement")
    assert "of the score)" in top["resettlement_reason"]
    assert f"Xếp thứ 1/{n_ranked}" in top["resettlement_reason_vi"]
    # the largest contribution is the first phrase and carries the village's own number
    contrib = top.filter(like="resettlement_contrib_").astype(float)
    first = contrib.idxmax().removeprefix("resettlement_contrib_")
    if first == "hh_exposed_high":
        assert f"{round(top['hh_exposed_high'])} households" in top["resettlement_reason"]
    pct = f"({round(contrib.max() * 100)}% of the score)"
    assert pct in top["resettlement_reason"]
    for col in ("resettlement_reason_vi", "infrastructure_reason_vi", "investment_reason_vi"):
        for text in v[col]:
            assert unicodedata.is_normalized("NFC", text)


def test_what_would_change_it_for_the_top_n(result):
    v = result.villages
    top = v[v["investment_rank"].fillna(10**6) <= 20]
    assert len(top) == 20
    assert all(
        t.startswith(("Leaves the top 20", "Stays in the top 20"))
        for t in top["investment_what_if"]
    )
    assert all(
        t in r for t, r in zip(top["investment_what_if"], top["investment_reason"], strict=True)
    )
    rest = v[v["investment_rank"].fillna(10**6) > 20]
    assert (rest["investment_what_if"] == "").all()
    sweeps = result.sweeps[result.sweeps["track"] == "investment"]
    assert set(sweeps["village_id"]) == set(top["village_id"])
    # a "leaves ... falls below X" claim is what the sweep shows
    leaving = top[top["investment_what_if"].str.contains("falls below")]
    for _, row in leaving.iterrows():
        s = sweeps[sweeps["village_id"] == row["village_id"]]
        assert (s["rank"] > 20).any()


def test_nodup_resettled_villages_not_ranked_in_place(result):
    v = result.villages
    chosen = v["resettlement_class"] == 1
    assert chosen.any()
    assert not v.loc[chosen, "infrastructure_eligible"].any()
    for text in v.loc[chosen, "infrastructure_reason"]:
        assert "P-NODUP" in text and "chosen for resettlement" in text
    for text in v.loc[chosen, "infrastructure_reason_vi"]:
        assert "P-NODUP" in text


def test_nodup_override_ranks_them_and_says_so():
    res = score_tracks(make_indicators(), config(resettled_also_infrastructure=True))
    v = res.villages
    chosen = v["resettlement_class"] == 1
    assert v.loc[chosen, "infrastructure_eligible"].all()
    for text in v.loc[chosen, "infrastructure_reason"]:
        assert "P-NODUP override" in text


def _with_gaps():
    ind = make_indicators()
    v = ind.villages.copy()
    v.loc[v.index[:5], "travel_min_commune_centre"] = np.nan
    v = v.drop(columns=["susceptibility"])
    ind.villages = v
    return ind


def test_missing_values_are_refused_unless_the_scenario_says_how_to_fill():
    with pytest.raises(ScoringError, match="travel_time_commune") as info:
        score_tracks(_with_gaps(), config())
    assert "V000" in str(info.value) and "missing:" in str(info.value)


def test_missing_values_are_filled_as_asked_and_listed_per_village():
    cfg = config()
    median = {k: t.model_copy(update={"missing": "median"}) for k, t in cfg.tracks.items()}
    res = score_tracks(_with_gaps(), cfg.model_copy(update={"tracks": median}))
    codes = {(i.code, i.field) for i in res.issues}
    assert ("missing-filled", "travel_min_commune_centre") in codes
    assert ("criterion-no-data", "susceptibility") in codes
    filled = next(i for i in res.issues if i.field == "travel_min_commune_centre")
    assert "5 row(s)" in filled.message and "median" in filled.message
    imputed = res.villages["infrastructure_imputed"]
    assert all("travel_time_commune=" in text for text in imputed.iloc[:5])
    assert (imputed.iloc[5:] == "").all()
    for t in TRACKS:
        ranked = res.villages[res.villages[f"{t}_eligible"]]
        assert np.isfinite(ranked[f"{t}_score"]).all()


def test_commune_rollups_and_ranking(result):
    c = result.communes
    v = result.villages
    for t in TRACKS:
        assert c[f"commune_{t}_eligible"].sum() == v[f"{t}_eligible"].sum()
        assert c[f"commune_{t}_priority1"].sum() == (v[f"{t}_class"] == 1).sum()
    assert sorted(c["commune_ntm_rank"]) == list(range(1, len(c) + 1))
    # the commune meeting 10 NTM criteria, region III and border outranks the model-NTM one
    rank = c.set_index("commune_code")["commune_ntm_rank"]
    assert rank["23000"] < rank["23004"]
    assert c["commune_ntm_reason_vi"].str.startswith("Xếp thứ").all()
    assert set(result.tracks) == set(TRACKS)
    assert sum(c["weight"] for c in result.commune_ranking["criteria"]) == pytest.approx(1.0)


def test_ties_broken_by_households_then_id():
    ind = make_indicators(n=12, n_communes=2)
    v = ind.villages.copy()
    for col in v.columns:
        if col not in (
            "village_id",
            "village_name",
            "commune_code",
            "commune_name",
            "district_code",
            "geometry",
            "households",
        ):
            v[col] = v[col].iloc[0]
    v["landslide_level"] = 5
    v["households"] = [50, 50, 80, 80, 10, 10, 50, 50, 80, 80, 10, 10]
    ind.villages = v
    res = score_tracks(ind, config(stability={"draws": 20}))
    r = res.villages.set_index("village_id")["resettlement_rank"].astype(int)
    # identical indicators: more households first, then village_id (all of them tie on score)
    assert res.villages["resettlement_score"].nunique() == 1
    assert list(r.sort_values().index) == [
        "V002",
        "V003",
        "V008",
        "V009",
        "V000",
        "V001",
        "V006",
        "V007",
        "V004",
        "V005",
        "V010",
        "V011",
    ]
    # equal scores share one class; P-NODUP then leaves nothing for in-place infrastructure
    assert set(res.villages["resettlement_class"]) == {1}
    assert not res.villages["infrastructure_eligible"].any()


def test_ahp_weights_in_a_track_and_consistency_error():
    tracks = default_tracks()
    ids = [c.id for c in tracks["resettlement"].criteria][:3]
    spec = tracks["resettlement"].model_dump()
    spec["criteria"] = [{"id": i} for i in ids]
    spec["weights_from"] = "ahp"
    spec["ahp"] = {
        "criteria": ids,
        "matrices": [
            [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]],
            [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]],
        ],
    }
    cfg = config(tracks={"resettlement": spec})
    res = score_tracks(make_indicators(), cfg)
    info = res.tracks["resettlement"]
    w = [c["weight"] for c in info["criteria"]]
    assert w[0] > w[1] > w[2] and info["consistency_ratio"] < 0.1
    assert "infrastructure" not in res.tracks
    bad = dict(spec)
    bad["ahp"] = {"criteria": ids, "matrices": [[[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]]}
    with pytest.raises(ValidationError, match="consistency ratio"):
        config(tracks={"resettlement": bad})
    bad["ahp"]["allow_inconsistent"] = True
    res2 = score_tracks(make_indicators(), config(tracks={"resettlement": bad}))
    assert res2.tracks["resettlement"]["consistency_ratio"] > 0.1


def test_unknown_ids_are_scenario_errors():
    spec = default_tracks()["investment"].model_dump()
    spec["criteria"].append({"id": "no_such_thing", "weight": 1})
    with pytest.raises(ValidationError, match="unknown criterion 'no_such_thing'"):
        config(tracks={"investment": spec})
    spec = default_tracks()["investment"].model_dump()
    spec["eligibility"] = {"all": ["nope"]}
    with pytest.raises(ValidationError, match="unknown rule 'nope'"):
        config(tracks={"investment": spec})


def test_methods_and_class_schemes_all_work():
    for method in ("weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii"):
        for classes in ("natural_breaks", "quantiles", "equal_interval"):
            spec = default_tracks()["investment"].model_dump()
            spec.update(method=method, classes=classes, normalization="rank")
            res = score_tracks(make_indicators(), config(tracks={"investment": spec}))
            ranked = res.villages[res.villages["investment_eligible"]]
            assert ranked["investment_score"].between(0, 1).all()
            assert set(ranked["investment_class"]) == {1, 2, 3, 4, 5}
    spec = default_tracks()["investment"].model_dump()
    spec.update(classes="quotas", class_quotas=[0.1, 0.2, 0.2, 0.2, 0.3])
    res = score_tracks(make_indicators(), config(tracks={"investment": spec}))
    assert (res.villages["investment_class"] == 1).sum() == 6


@pytest.mark.parametrize("method", ["vikor", "promethee_ii"])
def test_vikor_and_promethee_tracks_score_rank_and_explain(method):
    """The track score is 1 - Q (VIKOR) or (1 + net flow) / 2 (PROMETHEE II) of the
    min-max normalised, oriented matrix; the reference is pymcdm, an independent
    implementation, on a matrix normalised here by hand; ranks follow the score."""
    from pymcdm.methods import PROMETHEE_II, VIKOR

    spec = default_tracks()["investment"].model_dump()
    spec["method"] = method
    assert spec["normalization"] == "minmax"
    res = score_tracks(make_indicators(), config(tracks={"investment": spec}))
    v = res.villages[res.villages["investment_eligible"]]
    assert res.tracks["investment"]["method"] == method
    crits = {c.id: c for c in criteria_catalogue()}
    ids = [c["id"] for c in spec["criteria"]]
    w = np.array([c["weight"] for c in spec["criteria"]])
    w = w / w.sum()
    raw = np.column_stack([crits[i].values(v).to_numpy(float) for i in ids])
    assert np.isfinite(raw).all()  # nothing to fill in these synthetic villages
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    assert (hi > lo).all()  # no constant column: pymcdm's VIKOR divides by the range
    benefit = np.array([crits[i].direction == "benefit" for i in ids])
    norm = np.where(benefit, raw - lo, hi - raw) / (hi - lo)
    types = np.ones(len(ids))
    if method == "vikor":
        expected = 1.0 - VIKOR()(norm, w, types)
    else:  # linear preference, q = 0, p = the criterion's standard deviation
        sd = norm.std(axis=0)
        flows = PROMETHEE_II("vshape_2", p=sd, q=np.zeros(len(ids)))(norm, w, types)
        expected = (1.0 + flows) / 2.0
    np.testing.assert_allclose(v["investment_score"].to_numpy(), expected, atol=1e-9)
    order = np.argsort(v["investment_rank"].to_numpy())
    assert np.all(np.diff(v["investment_score"].to_numpy()[order]) <= 1e-12)
    assert v["investment_reason"].str.startswith("Ranked").all()
    shares = v[[f"investment_contrib_{i}" for i in ids]].sum(axis=1)
    # weighted-sum shares of the normalised values (an approximation for these methods)
    assert (np.isclose(shares, 1.0) | np.isclose(shares, 0.0)).all()
    stab = res.stability["investment"]
    assert stab["draws"] == 200 and stab["ranked"] == len(v)
    assert (v["investment_rank_p05"] <= v["investment_rank"]).all()
    assert (v["investment_rank_p95"] >= v["investment_rank_p05"]).all()


@pytest.mark.parametrize("method", ["vikor", "promethee_ii"])
def test_monte_carlo_kernel_matches_the_public_functions(method):
    from geoplan.scoring import promethee_ii, score_many, vikor

    rng = np.random.default_rng(9)
    norm = np.round(rng.random((37, 5)), 2)
    norm[:, 3] = 0.4  # a constant criterion
    draws = rng.dirichlet(np.ones(5), size=6)
    draws[0, 2] = 0.0
    batch = score_many(norm, draws, method=method)
    for k, w in enumerate(draws):
        ref = 1.0 - vikor(norm, w)[2] if method == "vikor" else (1 + promethee_ii(norm, w)) / 2
        np.testing.assert_allclose(batch[k], ref, atol=1e-12)
    mc = monte_carlo_ranks(norm, draws[1], draws=100, top_n=5, method=method)
    assert np.all((mc.rank_p05 >= 1) & (mc.rank_p95 <= 37)) and np.isfinite(mc.p_top).all()


def test_reason_without_shares_names_a_positive_score():
    # PROMETHEE II gives a village at the bottom of every criterion a positive score when
    # others tie with it; the reason must not claim "score 0" then
    from geoplan.scoring.reasons import ranked_reason

    crit = criteria_catalogue()[0]
    common = {"rank": 9, "n_ranked": 9, "klass": 5, "track_title": "x", "contributions": []}
    assert ranked_reason(lang="en", **common).endswith("(score 0).")
    assert ranked_reason(lang="en", score=0.3125, **common).endswith("(score 0.31).")
    assert ranked_reason(lang="vi", score=0.3125, **common).endswith("(điểm 0,31).")
    assert "(score" not in ranked_reason(
        lang="en", score=0.5, **{**common, "contributions": [(crit, 3.0, 0.5)]}
    )


def test_promethee_on_many_rows_is_reported(monkeypatch):
    import geoplan.scoring.ranking as ranking_mod

    monkeypatch.setattr(ranking_mod, "PROMETHEE_PRACTICAL_LIMIT", 10)
    spec = default_tracks()["investment"].model_dump()
    spec["method"] = "promethee_ii"
    res = score_tracks(make_indicators(), config(tracks={"investment": spec}))
    cost = [i for i in res.issues if i.code == "method-cost"]
    assert (
        len(cost) == 1
        and "weighted_sum" in cost[0].message
        and "track investment" in (cost[0].message)
    )


def test_duplicate_village_ids_are_an_error():
    ind = make_indicators(n=6, n_communes=2)
    v = ind.villages.copy()
    v.loc[v.index[1], "village_id"] = "V000"
    ind.villages = v
    with pytest.raises(ScoringError, match="not unique"):
        score_tracks(ind, config())


def test_compare_scores_lists_class_changes():
    ind = make_indicators()
    a = score_tracks(ind, config())
    spec = default_tracks()["investment"].model_dump()
    for c in spec["criteria"]:
        c["weight"] = 1.0 if c["id"] == "em_share" else 0.01
    b = score_tracks(ind, config(tracks={**default_tracks(), "investment": spec}))
    changes = compare_scores(a, b)
    assert not changes.empty and set(changes["track"]) == {"investment"}
    assert (changes["class_a"] != changes["class_b"]).all()
    assert set(changes["change"]) <= {"up", "down", "now ranked", "no longer ranked"}
    # the reference: the two class columns side by side, read village by village
    expected = {}
    for vid, ka, kb in zip(
        a.villages["village_id"],
        a.villages["investment_class"].astype(int),
        b.villages.set_index("village_id").loc[a.villages["village_id"], "investment_class"],
        strict=True,
    ):
        if ka == kb:
            continue
        if ka == 0:
            expected[vid] = (ka, int(kb), "now ranked")
        elif kb == 0:
            expected[vid] = (ka, int(kb), "no longer ranked")
        else:
            expected[vid] = (ka, int(kb), "up" if kb < ka else "down")
    got = {
        vid: (int(ka), int(kb), change)
        for vid, ka, kb, change in zip(
            changes["village_id"],
            changes["class_a"],
            changes["class_b"],
            changes["change"],
            strict=True,
        )
    }
    assert got == expected
    assert compare_scores(a, a).empty


def test_monte_carlo_exact_matches_naive_percentiles():
    rng = np.random.default_rng(3)
    norm = rng.random((40, 4))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    mc = monte_carlo_ranks(
        norm, w, draws=300, concentration=20, top_n=5, random_state=1, chunk_size=7
    )
    # naive reference with the same draws
    draws = np.random.default_rng(1).dirichlet(20 * w, size=300)
    ranks = np.empty((300, 40), dtype=int)
    for d in range(300):
        s = norm @ draws[d]
        order = np.argsort(-s, kind="stable")
        ranks[d, order] = np.arange(1, 41)
    assert mc.exact
    np.testing.assert_array_equal(
        mc.rank_p05, np.percentile(ranks, 5, axis=0, method="inverted_cdf")
    )
    np.testing.assert_array_equal(
        mc.rank_p95, np.percentile(ranks, 95, axis=0, method="inverted_cdf")
    )
    np.testing.assert_allclose(mc.p_top, (ranks <= 5).mean(axis=0))


def test_monte_carlo_binned_intervals_contain_exact(monkeypatch):
    import geoplan.scoring.stability as st

    rng = np.random.default_rng(5)
    norm = rng.random((1500, 3))
    w = np.array([0.5, 0.3, 0.2])
    exact = monte_carlo_ranks(norm, w, draws=60, random_state=2)
    monkeypatch.setattr(st, "EXACT_LIMIT", 100)
    binned = st.monte_carlo_ranks(norm, w, draws=60, random_state=2)
    assert exact.exact and not binned.exact
    assert (binned.rank_p05 <= exact.rank_p05).all() and (binned.rank_p95 >= exact.rank_p95).all()
    # geometric bins: at most a few percent wider
    assert ((binned.rank_p95 - exact.rank_p95) <= 0.05 * exact.rank_p95 + 1).all()
    np.testing.assert_allclose(binned.p_top, exact.p_top)


def test_catalogue_and_rules_are_documented():
    cat = criteria_catalogue()
    assert len({c.id for c in cat}) == len(cat)
    for c in cat:
        assert c.label_vi and c.label_en and c.unit and c.cites and c.columns
        assert unicodedata.is_normalized("NFC", c.label_vi)
        assert all(x.startswith(("P-", "T")) for x in c.cites)
    assert {r.id for r in eligibility_rules()} >= {"landslide_exposed", "in_protection_forest"}


@pytest.mark.parametrize(
    "name", ["kontum-2025", "hazard-first", "border-security", "poverty-first"]
)
def test_shipped_scenarios_score_all_three_tracks(name):
    from pathlib import Path

    from geoplan import load_scenario

    path = Path(__file__).resolve().parents[1] / "scenarios" / f"{name}.yaml"
    scenario = load_scenario(path)
    scoring = scenario.scoring.model_copy(
        update={"stability": scenario.scoring.stability.model_copy(update={"draws": 50})}
    )
    res = score_tracks(make_indicators(), scenario.model_copy(update={"scoring": scoring}))
    for t in TRACKS:
        ranked = res.villages[res.villages[f"{t}_eligible"]]
        assert len(ranked) > 0, t
        assert ranked[f"{t}_reason"].str.startswith("Ranked").all()
        for c in res.tracks[t]["criteria"]:
            assert c["cites"], (t, c["id"])
    if name == "hazard-first":
        assert res.tracks["resettlement"]["weights_from"] == "ahp"
        assert res.tracks["resettlement"]["consistency_ratio"] < 0.10
    if name == "poverty-first":
        both = res.villages["resettlement_class"] == 1
        assert res.villages.loc[both, "infrastructure_eligible"].all()


def test_ranked_reasons_name_the_same_criteria_as_the_full_sort():
    # ranked_reasons picks each row's three largest shares for all rows at once; the
    # sentences must equal ranked_reason given every contribution (ties by criterion id)
    from geoplan.scoring.ranking import Ranked, ranked_reasons
    from geoplan.scoring.reasons import ranked_reason

    crits = criteria_catalogue()[:6]
    rng = np.random.default_rng(4)
    n_all, m = 40, len(crits)
    eligible = rng.random(n_all) < 0.8
    n_e = int(eligible.sum())
    contrib = rng.choice([0.0, 0.004, 0.005, 0.1, 0.2, 0.25], size=(n_e, m))  # many ties
    contrib[0] = 0.0  # a row that names no criterion
    raw = rng.integers(0, 500, size=(n_all, m)).astype(float)
    ranked = Ranked(
        crits, np.full(m, 1 / m), raw, np.zeros((n_e, m)), eligible,
        rng.random(n_e), contrib, np.arange(1, n_e + 1), rng.integers(1, 6, n_e), "weighted_sum",
    )  # fmt: skip
    forest = np.array([f"Rừng {k}" for k in range(n_all)], dtype=object)
    en, vi = ranked_reasons(ranked, "resettlement", "sắp xếp dân cư", forest=forest)
    for k, i in enumerate(np.flatnonzero(eligible)):
        full = [(c, float(raw[i, j]), float(contrib[k, j])) for j, c in enumerate(crits)]
        common = {
            "rank": k + 1, "n_ranked": n_e, "klass": int(ranked.classes[k]),
            "contributions": full, "score": float(ranked.scores[k]), "forest": forest[i],
        }  # fmt: skip
        assert en[k] == ranked_reason(track_title="resettlement", lang="en", **common)
        assert vi[k] == ranked_reason(track_title="sắp xếp dân cư", lang="vi", **common)


@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
def test_monte_carlo_threads_give_the_same_ranks(method):
    rng = np.random.default_rng(9)
    norm = rng.random((300, 4))
    norm[10] = norm[11]  # a tie under every draw: the stable order must hold across threads
    w = np.array([0.4, 0.3, 0.2, 0.1])
    one = monte_carlo_ranks(norm, w, draws=150, chunk_size=16, top_n=10, method=method)
    two = monte_carlo_ranks(norm, w, draws=150, chunk_size=16, top_n=10, method=method, workers=3)
    for field in ("rank_p05", "rank_p50", "rank_p95", "p_top"):
        np.testing.assert_array_equal(getattr(two, field), getattr(one, field))
    assert one.rank_p95.max() > one.rank_p05.min()
