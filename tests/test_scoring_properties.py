"""Property tests (hypothesis) of the scoring methods and of score_tracks."""

from __future__ import annotations

import numpy as np
from _scoring_fixtures import make_indicators
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from geoplan.scoring import (
    ScoringConfig,
    monte_carlo_ranks,
    normalize,
    promethee_ii,
    rank_with_ties,
    score_tracks,
    topsis,
    vikor,
    weighted_product,
    weighted_sum,
)

values = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
degenerate = st.sampled_from([0.0, 1.0, 5.0])  # few distinct values: constant, all-zero columns


@st.composite
def problems(draw, *, allow_degenerate=True):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 5))
    elems = st.one_of(values, degenerate) if allow_degenerate else values
    x = draw(arrays(np.float64, (n, m), elements=elems))
    # a weight is zero or a real share: a subnormal weight (5e-324) vanishes when scaled
    weight = st.one_of(st.just(0.0), st.floats(1e-9, 10, allow_nan=False))
    w = draw(arrays(np.float64, (m,), elements=weight))
    if w.sum() == 0:
        w[draw(st.integers(0, m - 1))] = 1.0
    benefit = draw(arrays(np.bool_, (m,)))
    return x, w, benefit


ALL_METHODS = ["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii"]


def _score(x, w, benefit, method):
    """Score in [0, 1], larger = more priority (as in the tracks)."""
    if method == "topsis":
        return topsis(x, w, benefit)
    if method == "vikor":
        return 1.0 - vikor(x, w, benefit)[2]
    if method == "promethee_ii":
        return (1.0 + promethee_ii(x, w, benefit)) / 2.0
    n = normalize(x, benefit)
    return weighted_sum(n, w) if method == "weighted_sum" else weighted_product(n, w)


@settings(max_examples=150, deadline=None)
@given(problems(), st.data(), st.sampled_from(["weighted_sum", "weighted_product"]))
def test_raising_a_benefit_criterion_never_lowers_the_score(problem, data, method):
    x, w, benefit = problem
    i = data.draw(st.integers(0, x.shape[0] - 1))
    j = data.draw(st.integers(0, x.shape[1] - 1))
    bump = data.draw(st.floats(0, 1e5, allow_nan=False))
    before = _score(x, w, benefit, method)[i]
    y = x.copy()
    # more of a benefit criterion, or less of a cost criterion
    y[i, j] = x[i, j] + bump if benefit[j] else max(x[i, j] - bump, 0.0)
    after = _score(y, w, benefit, method)[i]
    assert after >= before - 1e-12


@settings(max_examples=150, deadline=None)
@given(
    problems(),
    st.floats(1e-3, 1e3),
    st.sampled_from(ALL_METHODS),
)
def test_scaling_all_weights_changes_no_rank(problem, factor, method):
    x, w, benefit = problem
    ids = [f"v{i:02d}" for i in range(x.shape[0])]
    a = rank_with_ties(np.round(_score(x, w, benefit, method), 12), ids=ids)
    b = rank_with_ties(np.round(_score(x, w * factor, benefit, method), 12), ids=ids)
    np.testing.assert_array_equal(a, b)


@settings(max_examples=150, deadline=None)
@given(
    problems(),
    st.randoms(use_true_random=False),
    st.sampled_from(ALL_METHODS),
)
def test_permuting_rows_changes_no_rank(problem, rnd, method):
    x, w, benefit = problem
    ids = np.array([f"v{i:02d}" for i in range(x.shape[0])])
    perm = np.array(rnd.sample(range(x.shape[0]), x.shape[0]))
    a = rank_with_ties(np.round(_score(x, w, benefit, method), 12), ids=ids)
    b = rank_with_ties(np.round(_score(x[perm], w, benefit, method), 12), ids=ids[perm])
    np.testing.assert_array_equal(a[perm], b)


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from(ALL_METHODS))
def test_scores_stay_finite_and_bounded_on_degenerate_input(problem, method):
    x, w, benefit = problem
    s = _score(x, w, benefit, method)
    assert np.all(np.isfinite(s)) and np.all((s >= -1e-12) & (s <= 1 + 1e-12))
    mc = monte_carlo_ranks(normalize(x, benefit), w, draws=20, top_n=3, method=method)
    assert np.all(mc.rank_p05 >= 1) and np.all(mc.rank_p95 <= x.shape[0])
    assert np.all(np.isfinite(mc.p_top))


@settings(max_examples=150, deadline=None)
@given(problems(), st.data(), st.sampled_from(ALL_METHODS))
def test_a_dominated_alternative_never_ranks_above_its_dominator(problem, data, method):
    x, w, benefit = problem
    n, m = x.shape
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(0, n - 1).filter(lambda k: k != a))
    worse = data.draw(arrays(np.bool_, (m,)))
    drop = data.draw(arrays(np.float64, (m,), elements=st.floats(0, 1e5, allow_nan=False)))
    y = x.copy()
    # b copies a, then gets worse (less of a benefit, more of a cost) on some criteria
    y[b] = np.where(worse, np.where(benefit, np.maximum(x[a] - drop, 0.0), x[a] + drop), x[a])
    s = _score(y, w, benefit, method)
    assert s[b] <= s[a] + 1e-9
    ids = [f"v{i:02d}" for i in range(n)]
    ranks = rank_with_ties(np.round(s, 12), ids=ids)
    if s[b] < s[a] - 1e-9:
        assert ranks[b] > ranks[a]


_BASE = make_indicators(n=24, n_communes=4, seed=11)
_CFG = ScoringConfig.model_validate({"stability": {"draws": 30}})


@settings(max_examples=12, deadline=None)
@given(st.randoms(use_true_random=False))
def test_score_tracks_row_order_does_not_change_ranks(rnd):
    perm = rnd.sample(range(len(_BASE.villages)), len(_BASE.villages))
    shuffled = type(_BASE)(
        villages=_BASE.villages.iloc[perm], communes=_BASE.communes, districts=_BASE.districts
    )
    a = score_tracks(_BASE, _CFG).villages.set_index("village_id")
    b = score_tracks(shuffled, _CFG).villages.set_index("village_id").loc[a.index]
    for t in ("resettlement", "infrastructure", "investment"):
        np.testing.assert_array_equal(a[f"{t}_rank"].fillna(0), b[f"{t}_rank"].fillna(0))
        np.testing.assert_array_equal(a[f"{t}_class"], b[f"{t}_class"])
        np.testing.assert_allclose(a[f"{t}_score"], b[f"{t}_score"])


@settings(max_examples=12, deadline=None)
@given(
    st.sampled_from(["poor_households", "em_hh_no_production_land", "em_hh_no_residential_land"]),
    st.data(),
)
def test_score_tracks_raising_a_benefit_indicator_never_lowers_the_score(col, data):
    # each of these counts feeds exactly one benefit criterion of the investment track
    i = data.draw(st.integers(0, len(_BASE.villages) - 1))
    bump = data.draw(st.integers(1, 500))
    v = _BASE.villages.copy()
    v.loc[v.index[i], col] = v.loc[v.index[i], col] + bump
    bumped = type(_BASE)(villages=v, communes=_BASE.communes, districts=_BASE.districts)
    a = score_tracks(_BASE, _CFG).villages
    b = score_tracks(bumped, _CFG).villages
    assert b["investment_score"].iloc[i] >= a["investment_score"].iloc[i] - 1e-12


def test_score_tracks_degenerate_frame_stays_finite():
    ind = make_indicators(n=8, n_communes=2)
    v = ind.villages.copy()
    numeric = v.select_dtypes("number").columns.drop("households")
    v[numeric] = 0.0
    v[v.select_dtypes("bool").columns] = False
    v["main_ethnic_group"] = "Xơ Đăng"
    v["poor_households"] = 3  # every village eligible for investment, all criteria constant
    v["landslide_level"] = 5  # everyone eligible for resettlement, all criteria constant
    ind.villages = v
    res = score_tracks(ind, _CFG)
    for t in ("resettlement", "investment"):
        ranked = res.villages[res.villages[f"{t}_eligible"]]
        assert np.isfinite(ranked[f"{t}_score"]).all()
        assert set(ranked[f"{t}_class"]) <= {1}
    assert any(i.code == "criterion-constant" for i in res.issues)


@settings(max_examples=150, deadline=None)
@given(
    data=arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 60)),
        elements=st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0, np.nan]) | st.floats(0, 1),
    )
)
def test_quicksort_with_repaired_ties_is_the_stable_sort(data):
    # the Monte Carlo ranks sort by quicksort and put runs of equal scores back in column
    # order; that must be exactly the stable sort's order, NaN and signed zeros included
    from geoplan.scoring.stability import _ranks_of, _stable_argsort

    np.testing.assert_array_equal(_stable_argsort(data), np.argsort(data, axis=1, kind="stable"))
    for ties in ("few", "many"):
        np.testing.assert_array_equal(_ranks_of(data, ties=ties), _ranks_of(data))
