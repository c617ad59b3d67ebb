"""MCDA building blocks against published worked examples and hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from geoplan.errors import ScoringError
from geoplan.scoring import (
    ahp_details,
    ahp_weights,
    classify_scores,
    combine_judgements,
    normalize,
    promethee_flows,
    promethee_ii,
    rank_with_ties,
    topsis,
    value_function,
    vikor,
    weighted_product,
    weighted_sum,
)

# Saaty, T. L. (1990). How to make a decision: the Analytic Hierarchy Process.
# European Journal of Operational Research 48, 9-26, Table 2 ("choosing a house":
# size, transportation, neighbourhood, age, yard, modern facilities, general
# condition, financing).
SAATY_1990_HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]

# Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
# Int. J. Services Sciences 1(1), 83-98, Table 2 ("Which drink is consumed more
# in the U.S.?"): coffee, wine, tea, beer, sodas, milk, water.
SAATY_2008_DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_ahp_saaty_1990_house_example():
    """Saaty (1990), EJOR 48 p. 9-26, Table 2.

    Published priority vector .173 .054 .188 .018 .031 .036 .167 .333,
    lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169 (random index 1.41 for n = 8).
    """
    details = ahp_details(SAATY_1990_HOUSE)
    np.testing.assert_array_equal(
        np.round(details["weights"], 3), [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    )
    assert round(float(details["lambda_max"]), 3) == 9.669
    assert round(float(details["ci"]), 3) == 0.238
    assert details["ri"] == 1.41
    weights, cr = ahp_weights(SAATY_1990_HOUSE)
    assert round(cr, 3) == 0.169
    assert weights.sum() == pytest.approx(1.0)


def test_ahp_saaty_2008_drinks_example():
    """Saaty (2008), Int. J. Services Sciences 1(1) p. 83-98, Table 2.

    Published derived scale: coffee .177, wine .019, tea .042, beer .116,
    sodas .190, milk .129, water .327; C.R. = 0.022.
    """
    weights, cr = ahp_weights(SAATY_2008_DRINKS)
    np.testing.assert_array_equal(
        np.round(weights, 3), [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    )
    assert round(cr, 3) == 0.022
    # the same with the 2005 random-index table (RI(7) = 1.35) still rounds to 0.022
    _, cr_2005 = ahp_weights(SAATY_2008_DRINKS, random_index="saaty2005")
    assert round(cr_2005, 3) == 0.022


def test_topsis_hwang_yoon_fighter_aircraft_example():
    """Hwang & Yoon (1981), Multiple Attribute Decision Making, Springer, p. 133.

    Four fighter aircraft on six attributes (max speed, ferry range, max payload,
    acquisition cost [cost], reliability, manoeuvrability), weights
    (.2, .1, .1, .1, .2, .3).  Published closeness C* = .643, .268, .613, .312
    and order A1 > A3 > A4 > A2.  The book rounds its intermediate matrices to
    4 decimals, so A3 computes to 0.6135 (0.614) against the printed .613: we
    compare at 1e-3.
    """
    matrix = [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
    closeness = topsis(
        matrix, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], [True, True, True, False, True, True]
    )
    np.testing.assert_allclose(closeness, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert list(np.argsort(-closeness)) == [0, 2, 3, 1]


# Three alternatives on two criteria, used by the VIKOR and PROMETHEE II hand checks:
# criterion 1 is a benefit (10, 6, 2), criterion 2 a cost (8, 4, 2); weights 0.6 and 0.4.
HAND_MATRIX = [[10.0, 8.0], [6.0, 4.0], [2.0, 2.0]]
HAND_WEIGHTS = [0.6, 0.4]
HAND_BENEFIT = [True, False]


def test_vikor_hand_computed_example():
    """VIKOR (Opricovic & Tzeng 2004, EJOR 156:445-455, steps 1-4) worked by hand.

    No published example with its S, R, Q table could be retrieved here, so this
    one is computed by hand (exact fractions).

    Best / worst: criterion 1 f* = 10, f- = 2 (span 8); criterion 2 (cost) f* = 2,
    f- = 8 (span -6).  Normalised regrets (f* - f) / (f* - f-):
    A1 (0, 1), A2 (1/2, 1/3), A3 (1, 0); weighted by (0.6, 0.4):
    A1 (0, 0.4), A2 (0.3, 0.1333), A3 (0.6, 0).
    S = sum: A1 0.400, A2 0.433, A3 0.600.  R = max: A1 0.400, A2 0.300, A3 0.600.
    S* = 0.4, S- = 0.6, R* = 0.3, R- = 0.6; with v = 0.5:
    Q1 = 0.5 * 0 + 0.5 * 0.1/0.3 = 1/6 = 0.167,
    Q2 = 0.5 * (0.0333/0.2) + 0.5 * 0 = 1/12 = 0.083,
    Q3 = 0.5 * 1 + 0.5 * 1 = 1.000.
    Ranking by Q: A2 > A1 > A3 (by S alone, i.e. v = 1, A1 > A2 > A3: the
    compromise prefers A2, whose worst regret is smaller).  With v = 0, Q = the
    scaled R: 1/3, 0, 1.
    """
    s, r, q = vikor(HAND_MATRIX, HAND_WEIGHTS, HAND_BENEFIT)
    np.testing.assert_allclose(s, [0.4, 13 / 30, 0.6])
    np.testing.assert_allclose(r, [0.4, 0.3, 0.6])
    np.testing.assert_allclose(q, [1 / 6, 1 / 12, 1.0])
    assert np.round(s, 3).tolist() == [0.4, 0.433, 0.6]
    assert np.round(q, 3).tolist() == [0.167, 0.083, 1.0]
    assert list(np.argsort(q)) == [1, 0, 2]
    _, _, q_utility = vikor(HAND_MATRIX, HAND_WEIGHTS, HAND_BENEFIT, v=1.0)
    np.testing.assert_allclose(q_utility, [0.0, 1 / 6, 1.0])
    _, _, q_regret = vikor(HAND_MATRIX, HAND_WEIGHTS, HAND_BENEFIT, v=0.0)
    np.testing.assert_allclose(q_regret, [1 / 3, 0.0, 1.0])
    # Q does not depend on the scale of the weights
    _, _, q10 = vikor(HAND_MATRIX, [6, 4], HAND_BENEFIT)
    np.testing.assert_allclose(q10, q)


def test_vikor_degenerate_and_invalid_input():
    # a constant criterion adds no regret; identical alternatives all get Q = 0
    s, r, q = vikor([[1.0, 5.0], [3.0, 5.0]], [0.5, 0.5])
    np.testing.assert_allclose(s, [0.5, 0.0])
    np.testing.assert_allclose(q, [1.0, 0.0])
    s, r, q = vikor([[2.0, 2.0], [2.0, 2.0]], [1, 0])
    assert np.all(s == 0) and np.all(r == 0) and np.all(q == 0)
    with pytest.raises(ScoringError, match="v must"):
        vikor(HAND_MATRIX, HAND_WEIGHTS, v=1.5)
    with pytest.raises(ScoringError, match="NaN"):
        vikor([[np.nan, 1.0], [1.0, 2.0]], HAND_WEIGHTS)


def test_promethee_ii_hand_computed_example():
    """PROMETHEE II (Brans & Vincke 1985, Management Science 31(6):647-656) worked by hand.

    No published example with stated net flows could be retrieved here, so this
    one is computed by hand.  Criterion 1: linear preference with q = 1, p = 5;
    criterion 2 (cost): usual preference.

    Criterion 1 differences: d(A1,A2) = 4 -> (4-1)/(5-1) = 0.75, d(A1,A3) = 8 -> 1,
    d(A2,A3) = 4 -> 0.75, reverse pairs 0.  Criterion 2 (less is better):
    A2 beats A1, A3 beats A1 and A2 (P = 1 each).
    pi(A1,A2) = 0.6*0.75 = 0.45, pi(A1,A3) = 0.60, pi(A2,A1) = 0.40,
    pi(A2,A3) = 0.45, pi(A3,A1) = 0.40, pi(A3,A2) = 0.40.
    Leaving flows phi+ (sum / (n-1)): A1 0.525, A2 0.425, A3 0.400;
    entering flows phi-: A1 0.400, A2 0.425, A3 0.525.
    Net flows phi = phi+ - phi-: A1 0.125, A2 0.000, A3 -0.125; order A1 > A2 > A3.
    Unicriterion net flows: criterion 1 (0.875, 0, -0.875), criterion 2 (-1, 0, 1).
    """
    kinds = ["linear", "usual"]
    phi = promethee_ii(
        HAND_MATRIX, HAND_WEIGHTS, HAND_BENEFIT, preference=kinds, p=[5, 0], q=[1, 0]
    )
    np.testing.assert_allclose(phi, [0.125, 0.0, -0.125], atol=1e-12)
    assert list(np.argsort(-phi)) == [0, 1, 2]
    flows = promethee_flows(HAND_MATRIX, HAND_BENEFIT, preference=kinds, p=[5, 0], q=[1, 0])
    np.testing.assert_allclose(flows, [[0.875, -1.0], [0.0, 0.0], [-0.875, 1.0]], atol=1e-12)
    # all "usual": a weighted vote count; A1 wins criterion 1 twice, A3 criterion 2 twice
    votes = promethee_ii(HAND_MATRIX, HAND_WEIGHTS, HAND_BENEFIT, preference="usual")
    np.testing.assert_allclose(votes, [0.6 - 0.4, 0.0, -0.6 + 0.4], atol=1e-12)


def _promethee_pairwise_reference(x, w, benefit, kinds, p, q):
    """Textbook PROMETHEE II: one pair at a time, pi(a, b) then leaving and entering flows."""

    def pref(d, kind, qj, pj):
        if d <= 0:
            return 0.0
        if kind == "usual":
            return 1.0
        if kind == "u_shape":
            return 1.0 if d > qj else 0.0
        if kind == "level":
            return 1.0 if d > pj else (0.5 if d > qj else 0.0)
        if kind == "gaussian":
            return 1.0 - np.exp(-d * d / (2 * pj * pj))
        qj = 0.0 if kind == "v_shape" else qj
        return min(max((d - qj) / (pj - qj), 0.0), 1.0)

    n, m = x.shape
    g = np.where(benefit, x, -x)
    pi = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            pi[a, b] = sum(w[j] * pref(g[a, j] - g[b, j], kinds[j], q[j], p[j]) for j in range(m))
    return (pi.sum(axis=1) - pi.sum(axis=0)) / (n - 1)


def test_promethee_ii_matches_pairwise_reference_in_small_blocks(monkeypatch):
    import geoplan.scoring.promethee as promethee

    rng = np.random.default_rng(4)
    x = np.round(rng.uniform(0, 10, (23, 6)), 1)
    w = rng.uniform(0.1, 1, 6)
    w /= w.sum()
    benefit = np.array([True, False, True, True, False, True])
    kinds = ["usual", "u_shape", "v_shape", "level", "linear", "gaussian"]
    p = np.array([0.0, 0.0, 4.0, 3.0, 5.0, 2.0])
    q = np.array([0.0, 1.0, 0.0, 1.0, 1.5, 0.0])
    expected = _promethee_pairwise_reference(x, w, benefit, kinds, p, q)
    whole = promethee_ii(x, w, benefit, preference=kinds, p=p, q=q)
    np.testing.assert_allclose(whole, expected, atol=1e-12)
    monkeypatch.setattr(promethee, "_PAIR_BLOCK", 50)  # blocks of 2 rows
    blocked = promethee.promethee_ii(x, w, benefit, preference=kinds, p=p, q=q)
    np.testing.assert_allclose(blocked, expected, atol=1e-12)
    # default thresholds: q = 0, p = the criterion's standard deviation
    default = promethee_ii(x, w, benefit)
    sd = x.std(axis=0)
    np.testing.assert_allclose(
        default,
        _promethee_pairwise_reference(x, w, benefit, ["linear"] * 6, sd, np.zeros(6)),
        atol=1e-12,
    )


def test_promethee_ii_linear_with_wide_threshold_is_the_weighted_sum():
    # with q = 0 and p >= the range, every preference is d / p: the net flow is affine in
    # the min-max weighted sum, so both rank alike
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 100, (30, 4))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    benefit = [True, False, True, True]
    phi = promethee_ii(x, w, benefit, p=np.ptp(x, axis=0), q=0)
    ws = weighted_sum(normalize(x, benefit), w)
    np.testing.assert_array_equal(np.argsort(-phi), np.argsort(-ws))


def test_promethee_ii_degenerate_and_invalid_input():
    # constant criterion and zero weight: finite, the constant criterion adds nothing
    phi = promethee_ii([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0]], [0.0, 1.0])
    np.testing.assert_array_equal(phi, [0.0, 0.0, 0.0])
    assert promethee_ii([[4.0, 1.0]], [1, 1]).tolist() == [0.0]
    with pytest.raises(ScoringError, match="unknown preference"):
        promethee_ii(HAND_MATRIX, HAND_WEIGHTS, preference="sigmoid")  # type: ignore[arg-type]
    with pytest.raises(ScoringError, match="2 criteria"):
        promethee_ii(HAND_MATRIX, HAND_WEIGHTS, preference=["usual"])
    with pytest.raises(ScoringError, match="non-negative"):
        promethee_ii(HAND_MATRIX, HAND_WEIGHTS, p=-1)


def test_ahp_inconsistent_matrix_has_high_cr():
    # a cycle: 1 > 2 > 3 > 1, strongly
    _, cr = ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert cr > 0.10


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.5, 0.3, 0.2])
    weights, cr = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(weights, w, atol=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_ahp_rejects_bad_matrices():
    with pytest.raises(ScoringError, match="reciprocal"):
        ahp_weights([[1, 3], [3, 1]])
    with pytest.raises(ScoringError, match="square"):
        ahp_weights([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(ScoringError, match="positive"):
        ahp_weights([[1, -3], [-1 / 3, 1]])
    with pytest.raises(ScoringError, match="at most 10"):
        ahp_weights(np.ones((11, 11)))


def test_group_judgements_geometric_mean():
    a = np.array([[1, 4], [1 / 4, 1]])
    b = np.array([[1, 1], [1, 1]])
    combined = combine_judgements([a, b])
    # geometric mean of 4 and 1 is 2; reciprocity is kept
    np.testing.assert_allclose(combined, [[1, 2], [0.5, 1]])
    weights, _ = ahp_weights([a, b])
    np.testing.assert_allclose(weights, [2 / 3, 1 / 3])


def test_normalize_directions_and_degenerate_columns():
    x = np.array([[0.0, 10.0, 5.0, 0.0], [5.0, 20.0, 5.0, 0.0], [10.0, 30.0, 5.0, 0.0]])
    n = normalize(x, [True, False, True, False])
    np.testing.assert_allclose(n[:, 0], [0, 0.5, 1])
    np.testing.assert_allclose(n[:, 1], [1, 0.5, 0])  # cost: smallest is most priority
    np.testing.assert_array_equal(n[:, 2], 0)  # constant column separates nothing
    np.testing.assert_array_equal(n[:, 3], 0)  # all-zero column too
    for method in ("vector", "rank"):
        out = normalize(x, [True, False, True, False], method=method)
        assert np.all(np.isfinite(out))
        assert out.min() >= 0 and out.max() <= 1
        assert out[2, 0] == 1 and out[0, 1] == 1
    with pytest.raises(ScoringError, match="NaN"):
        normalize([[np.nan], [1.0]])


def test_value_function_thresholds():
    v = value_function([0, 15, 67.5, 120, 500], [(15, 0.0), (120, 1.0)])
    np.testing.assert_allclose(v, [0, 0, 0.5, 1, 1])
    with pytest.raises(ScoringError):
        value_function([1], [(10, 0.0), (5, 1.0)])


def test_weighted_sum_and_product_hand_checked():
    n = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(weighted_sum(n, [3, 1]), [0.75, 0.5, 0.25])
    p = weighted_product(n, [1, 1])
    # the compromise (0.5, 0.5) beats the extremes in a product
    assert p[1] > p[0] and p[1] > p[2]
    assert np.all((p >= 0) & (p <= 1))
    assert weighted_product([[1.0, 1.0]], [1, 1])[0] == pytest.approx(1.0)
    with pytest.raises(ScoringError, match="positive"):
        weighted_sum(n, [0, 0])


def test_rank_with_ties_is_deterministic():
    scores = [0.5, 0.9, 0.5, 0.5, np.nan]
    households = [10, 1, 30, 30, 99]
    ids = ["c", "a", "b", "a2", "z"]
    ranks = rank_with_ties(scores, households, ids=ids)
    # 0.9 first; among the 0.5s: 30 households first, then id "a2" < "b", then 10 households;
    # NaN last
    assert ranks.tolist() == [4, 1, 3, 2, 5]


def test_classes_degenerate_and_normal():
    assert classify_scores([0.3, 0.3, 0.3]).tolist() == [1, 1, 1]
    assert classify_scores([0.1, 0.9, 0.9]).tolist() == [2, 1, 1]
    scores = np.linspace(0, 1, 50)
    for scheme in ("natural_breaks", "quantiles", "equal_interval"):
        k = classify_scores(scores, scheme=scheme)  # type: ignore[arg-type]
        assert set(k.tolist()) == {1, 2, 3, 4, 5}
        # class 1 holds the highest scores: classes never increase with the score
        assert np.all(np.diff(k[np.argsort(scores)]) <= 0)
    ranks = np.arange(1, 11)
    quota = classify_scores(
        np.linspace(1, 0, 10), scheme="quotas", ranks=ranks, quotas=[0.1, 0.2, 0.2, 0.2, 0.3]
    )
    assert quota.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 5]


def test_fisher_jenks_matches_mapclassify_optimum():
    """Our vectorised Fisher-Jenks reaches the same optimum as mapclassify.FisherJenks."""
    import warnings

    import mapclassify

    from geoplan.scoring.methods import fisher_jenks_bounds

    def within_ssd(x, bounds):
        cls = np.searchsorted(bounds, x)
        return sum(((x[cls == c] - x[cls == c].mean()) ** 2).sum() for c in np.unique(cls))

    rng = np.random.default_rng(1)
    for _ in range(10):
        x = np.round(rng.gamma(2, size=int(rng.integers(10, 80))), 2)
        k = int(rng.integers(2, 6))
        ours = fisher_jenks_bounds(x, k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Numba not installed" notice
            theirs = np.asarray(mapclassify.FisherJenks(x, k=k).bins)
        assert within_ssd(x, ours) == pytest.approx(within_ssd(x, theirs), abs=1e-9)
        assert ours[-1] == x.max() and np.all(np.diff(ours) > 0)


# --- cross-checks against pymcdm, an independent implementation (test extra) -------------

PYMCDM_PREFERENCE = {
    "usual": "usual",
    "u_shape": "ushape",
    "v_shape": "vshape",
    "level": "level",
    "linear": "vshape_2",
}


def _random_problem(seed: int, n: int = 17, m: int = 4):
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0, 100, (n, m)), 1)
    w = rng.uniform(0.05, 1, m)
    benefit = rng.random(m) < 0.6
    benefit[0] = True  # at least one benefit and, with seed luck, a cost criterion
    return x, w / w.sum(), benefit


@pytest.mark.parametrize("seed", range(5))
def test_topsis_matches_pymcdm(seed):
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization

    x, w, benefit = _random_problem(seed)
    types = np.where(benefit, 1, -1)
    expected = TOPSIS(vector_normalization)(x, w, types)
    np.testing.assert_allclose(topsis(x, w, benefit), expected, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_vikor_q_matches_pymcdm(seed):
    from pymcdm.methods import VIKOR

    x, w, benefit = _random_problem(seed)
    types = np.where(benefit, 1, -1)
    _, _, q = vikor(x, w, benefit)
    np.testing.assert_allclose(q, VIKOR(v=0.5)(x, w, types), atol=1e-12)


@pytest.mark.parametrize("kind", sorted(PYMCDM_PREFERENCE))
def test_promethee_ii_matches_pymcdm(kind):
    from pymcdm.methods import PROMETHEE_II

    x, w, benefit = _random_problem(11, n=21, m=3)
    types = np.where(benefit, 1, -1)
    p = np.array([30.0, 20.0, 45.0])
    q = np.array([5.0, 10.0, 2.5])
    expected = PROMETHEE_II(PYMCDM_PREFERENCE[kind], p=p, q=q)(x, w, types)
    ours = promethee_ii(x, w, benefit, preference=kind, p=p, q=q)
    np.testing.assert_allclose(ours, expected, atol=1e-12)
