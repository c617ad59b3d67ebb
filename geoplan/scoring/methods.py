"""Plain-numpy MCDA building blocks: normalisation, aggregation, ranks, classes.

PROMETHEE II lives in :mod:`geoplan.scoring.promethee`, AHP in :mod:`geoplan.scoring.ahp`.

Every function takes numpy arrays and returns new numpy arrays; none reads a
frame or a scenario, so they can be tested against published worked examples
(see ``tests/test_scoring_methods.py``) and reused outside geoplan.

Conventions
-----------
* A decision matrix has shape ``(n_alternatives, n_criteria)``.
* ``benefit[j]`` is ``True`` when more of criterion ``j`` means *more*
  priority, ``False`` when it means less (a "cost" criterion).
* Normalised matrices are in ``[0, 1]`` and already oriented: 1 is the most
  priority-giving value of a criterion, whatever its direction.
* Degenerate data never produces ``nan`` or ``inf``: a constant (or all-zero)
  column normalises to 0 for every alternative (it does not separate them),
  and zero weights are allowed as long as one weight is positive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from geoplan.classes import fisher_jenks_bounds
from geoplan.errors import ScoringError
from geoplan.scoring._arrays import FloatArray, as_benefit, as_matrix, as_weights

__all__ = [
    "classify_scores",
    "fisher_jenks_bounds",
    "normalize",
    "rank_with_ties",
    "topsis",
    "value_function",
    "vikor",
    "vikor_q",
    "vikor_regret",
    "weighted_product",
    "weighted_sum",
]

Normalization = Literal["minmax", "vector", "rank"]

#: Floor used by the weighted product so that a 0 never annihilates a score.
PRODUCT_FLOOR = 0.01


def value_function(x: npt.ArrayLike, points: Sequence[tuple[float, float]]) -> FloatArray:
    """Map raw values to ``[0, 1]`` with a piecewise-linear value function.

    Parameters
    ----------
    x
        Raw values (any shape).
    points
        ``(threshold, value)`` pairs with increasing thresholds and values in
        ``[0, 1]``; below the first threshold the first value applies, above
        the last the last value (no extrapolation).  ``[(15, 0), (120, 1)]``
        reads "no priority under 15 minutes, full priority from 2 hours".

    Returns
    -------
    numpy.ndarray
        Values in ``[0, 1]``, same shape as ``x``.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 1:
        msg = f"value function points must be (threshold, value) pairs, got {points!r}"
        raise ScoringError(msg)
    if np.any(np.diff(pts[:, 0]) < 0):
        msg = f"value function thresholds must increase, got {pts[:, 0].tolist()}"
        raise ScoringError(msg)
    if np.any((pts[:, 1] < 0) | (pts[:, 1] > 1)):
        msg = f"value function values must lie in [0, 1], got {pts[:, 1].tolist()}"
        raise ScoringError(msg)
    arr = np.asarray(x, dtype=np.float64)
    return np.interp(arr, pts[:, 0], pts[:, 1])


def normalize(
    matrix: npt.ArrayLike,
    benefit: npt.ArrayLike | None = None,
    *,
    method: Normalization = "minmax",
) -> FloatArray:
    """Rescale each criterion to ``[0, 1]``, oriented so that 1 is most priority.

    Parameters
    ----------
    matrix
        Decision matrix ``(n_alternatives, n_criteria)``; must be finite
        (fill missing values first).
    benefit
        One flag per criterion: ``True`` when more means more priority.
        Default: all ``True``.
    method
        ``"minmax"``: ``(x - min) / (max - min)``; ``"vector"``: ``x / ||x||``
        (Hwang & Yoon's TOPSIS normalisation), then for cost criteria
        ``1 - x/||x||`` rescaled to keep ``[0, 1]``; ``"rank"``: average
        rank scaled to ``[0, 1]`` (robust to outliers).

    Returns
    -------
    numpy.ndarray
        Oriented normalised matrix in ``[0, 1]``.  A constant column gives 0
        everywhere (it does not separate alternatives).
    """
    x = as_matrix(matrix)
    b = as_benefit(benefit, x.shape[1])
    if not np.all(np.isfinite(x)):
        msg = "the decision matrix contains NaN or infinite values; fill missing values first"
        raise ScoringError(msg)
    out = np.zeros_like(x)
    if x.shape[0] == 0:
        return out
    lo = x.min(axis=0)
    hi = x.max(axis=0)
    span = hi - lo
    varies = span > 0
    if method == "minmax":
        scaled = np.divide(x - lo, span, out=np.zeros_like(x), where=varies)
        out = np.where(b, scaled, np.where(varies, 1.0 - scaled, 0.0))
    elif method == "vector":
        norm = np.sqrt((x * x).sum(axis=0))
        v = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
        vhi = v.max(axis=0)
        vlo = v.min(axis=0)
        # keep ratio information for benefit criteria (x / ||x|| scaled so the best is 1);
        # cost criteria are mirrored so that the smallest value is 1
        ben = np.divide(v, vhi, out=np.zeros_like(x), where=vhi > 0)
        cost = np.divide(vhi - v, vhi - vlo, out=np.zeros_like(x), where=(vhi - vlo) > 0)
        out = np.where(b, np.where(varies, ben, 0.0), cost)
    elif method == "rank":
        from scipy.stats import rankdata

        ranks = rankdata(x, axis=0, method="average")
        n = x.shape[0]
        scaled = (ranks - 1.0) / (n - 1.0) if n > 1 else np.zeros_like(x)
        scaled = np.where(varies, scaled, 0.0)
        out = np.where(b, scaled, np.where(varies, 1.0 - scaled, 0.0))
    else:
        msg = f"unknown normalisation {method!r}; use 'minmax', 'vector' or 'rank'"
        raise ScoringError(msg)
    return np.clip(out, 0.0, 1.0)


def weighted_sum(normalized: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Return the weighted sum of a normalised matrix (weights rescaled to sum 1).

    Parameters
    ----------
    normalized
        Oriented normalised matrix ``(n, m)`` in ``[0, 1]``.
    weights
        ``m`` non-negative weights (at least one positive).

    Returns
    -------
    numpy.ndarray
        Scores in ``[0, 1]``.
    """
    x = as_matrix(normalized, "normalized")
    w = as_weights(weights, x.shape[1])
    return np.asarray(x @ w, dtype=np.float64)


def weighted_product(normalized: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Return the weighted product ``prod(x_j ** w_j)`` of a normalised matrix.

    Values are first lifted to ``[PRODUCT_FLOOR, 1]`` (``0.01 + 0.99 x``) so
    that one zero does not annihilate a score, then rescaled so that the
    result also lies in ``[0, 1]``.

    Parameters
    ----------
    normalized
        Oriented normalised matrix ``(n, m)`` in ``[0, 1]``.
    weights
        ``m`` non-negative weights (at least one positive).

    Returns
    -------
    numpy.ndarray
        Scores in ``[0, 1]``.
    """
    x = as_matrix(normalized, "normalized")
    w = as_weights(weights, x.shape[1])
    logs = np.log(PRODUCT_FLOOR + (1.0 - PRODUCT_FLOOR) * np.clip(x, 0.0, 1.0))
    floor = np.log(PRODUCT_FLOOR)
    return np.asarray((logs @ w - floor) / -floor, dtype=np.float64)


def topsis(
    matrix: npt.ArrayLike,
    weights: npt.ArrayLike,
    benefit: npt.ArrayLike | None = None,
) -> FloatArray:
    """Return TOPSIS closeness coefficients (Hwang & Yoon, 1981).

    The raw matrix is vector-normalised (``x / ||x||`` per column), weighted,
    and each alternative's Euclidean distances ``d+`` to the ideal and ``d-``
    to the anti-ideal give the closeness ``d- / (d+ + d-)``.

    Parameters
    ----------
    matrix
        Raw decision matrix ``(n, m)``, finite.
    weights
        ``m`` non-negative weights (rescaled to sum 1).
    benefit
        One flag per criterion, ``True`` for benefit (larger is better).

    Returns
    -------
    numpy.ndarray
        Closeness in ``[0, 1]``; 1 = the ideal.  When every alternative is
        identical (``d+ = d- = 0``) the closeness is 0 for all.
    """
    x = as_matrix(matrix)
    w = as_weights(weights, x.shape[1])
    b = as_benefit(benefit, x.shape[1])
    if not np.all(np.isfinite(x)):
        msg = "the decision matrix contains NaN or infinite values; fill missing values first"
        raise ScoringError(msg)
    norm = np.sqrt((x * x).sum(axis=0))
    v = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0) * w
    if x.shape[0] == 0:
        return np.zeros(0)
    best = np.where(b, v.max(axis=0), v.min(axis=0))
    worst = np.where(b, v.min(axis=0), v.max(axis=0))
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_best + d_worst
    return np.divide(d_worst, total, out=np.zeros_like(total), where=total > 0)


def vikor(
    matrix: npt.ArrayLike,
    weights: npt.ArrayLike,
    benefit: npt.ArrayLike | None = None,
    *,
    v: float = 0.5,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return VIKOR group utility ``S``, individual regret ``R`` and index ``Q``.

    Opricovic & Tzeng (2004): with ``f*_j`` the best and ``f-_j`` the worst
    value of criterion ``j``, the weighted normalised regret is
    ``d_ij = w_j (f*_j - f_ij) / (f*_j - f-_j)``; ``S_i = sum_j d_ij``,
    ``R_i = max_j d_ij`` and
    ``Q_i = v (S_i - S*) / (S- - S*) + (1 - v) (R_i - R*) / (R- - R*)``
    (``*`` the minimum, ``-`` the maximum over the alternatives).  Smaller is
    better for all three; the ranking is by ``Q``.  The compromise-solution
    conditions (acceptable advantage ``Q(2) - Q(1) >= 1/(n - 1)``, acceptable
    stability) are not applied: they select a compromise set, not a ranking.

    Cost: ``O(n m)`` time and memory.

    Parameters
    ----------
    matrix
        Raw decision matrix ``(n, m)``, finite.
    weights
        ``m`` non-negative weights (rescaled to sum 1; ``Q`` does not depend
        on their scale, ``S`` and ``R`` scale with it).
    benefit
        One flag per criterion, ``True`` for benefit (larger is better).
    v
        Weight of the strategy of the majority of criteria (group utility),
        ``0 <= v <= 1``; ``1 - v`` weighs the individual regret.

    Returns
    -------
    S, R, Q : numpy.ndarray
        Each of length ``n``.  A criterion with one value for every
        alternative adds no regret, and a ``Q`` term whose ``S`` (or ``R``)
        is the same for everyone is 0, so identical alternatives all get
        ``Q = 0`` and nothing is ever ``nan``.
    """
    x = as_matrix(matrix)
    w = as_weights(weights, x.shape[1])
    b = as_benefit(benefit, x.shape[1])
    if not 0.0 <= v <= 1.0:
        msg = f"VIKOR v must lie in [0, 1], got {v}"
        raise ScoringError(msg)
    if not np.all(np.isfinite(x)):
        msg = "the decision matrix contains NaN or infinite values; fill missing values first"
        raise ScoringError(msg)
    if x.shape[0] == 0:
        empty = np.zeros(0)
        return empty, empty.copy(), empty.copy()
    regret = vikor_regret(x, b) * w
    s = regret.sum(axis=1)
    r = regret.max(axis=1)
    return s, r, vikor_q(s, r, v=v)


def vikor_regret(matrix: FloatArray, benefit: npt.NDArray[np.bool_]) -> FloatArray:
    """Return the unweighted normalised regret ``(f*_j - f_ij) / (f*_j - f-_j)`` in ``[0, 1]``.

    A constant column gives 0 (no alternative regrets anything on it).
    """
    best = np.where(benefit, matrix.max(axis=0), matrix.min(axis=0))
    worst = np.where(benefit, matrix.min(axis=0), matrix.max(axis=0))
    span = best - worst
    return np.divide(best - matrix, span, out=np.zeros_like(matrix), where=span != 0)


def vikor_q(s: FloatArray, r: FloatArray, *, v: float = 0.5) -> FloatArray:
    """Return VIKOR ``Q`` from ``S`` and ``R`` (last axis = alternatives).

    Works on one ranking ``(n,)`` or a batch ``(c, n)``; a term whose
    ``S`` (or ``R``) is the same for every alternative is 0.
    """

    def scaled(a: FloatArray) -> FloatArray:
        lo = a.min(axis=-1, keepdims=True)
        span = a.max(axis=-1, keepdims=True) - lo
        return np.divide(a - lo, span, out=np.zeros_like(a), where=span > 0)

    return np.asarray(v * scaled(s) + (1.0 - v) * scaled(r), dtype=np.float64)


def rank_with_ties(
    scores: npt.ArrayLike,
    *tie_breakers: npt.ArrayLike,
    ids: npt.ArrayLike | None = None,
) -> npt.NDArray[np.int64]:
    """Rank scores (1 = highest) with ties broken deterministically.

    Order: score descending, then each tie-breaker descending in the order
    given, then ``ids`` ascending (as text), then input position.  Every
    rank is distinct (1..n), so a ranking never depends on sort stability.
    NaN scores are ranked last.

    Parameters
    ----------
    scores
        Scores, larger is better.
    *tie_breakers
        Arrays of the same length, larger wins a tie (e.g. households).
    ids
        Identifiers compared as text when everything else is equal.

    Returns
    -------
    numpy.ndarray
        Integer ranks 1..n.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = s.shape[0]
    keys: list[npt.NDArray[np.generic]] = [np.arange(n)]
    if ids is not None:
        id_arr = np.asarray(ids).astype(str)
        _, id_codes = np.unique(id_arr, return_inverse=True)
        keys.append(id_codes)
    for tb in reversed(tie_breakers):
        t = np.nan_to_num(np.asarray(tb, dtype=np.float64).reshape(-1), nan=-np.inf)
        keys.append(-t)
    keys.append(-np.nan_to_num(s, nan=-np.inf))
    order = np.lexsort(keys)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    return ranks


def classify_scores(
    scores: npt.ArrayLike,
    *,
    scheme: Literal["natural_breaks", "quantiles", "equal_interval", "quotas"] = "natural_breaks",
    k: int = 5,
    ranks: npt.ArrayLike | None = None,
    quotas: Sequence[float] | None = None,
) -> npt.NDArray[np.int64]:
    """Cut scores into priority classes ``1..k`` (1 = highest priority).

    Parameters
    ----------
    scores
        Scores of the eligible alternatives (finite).
    scheme
        ``"natural_breaks"`` (exact Fisher-Jenks, :func:`fisher_jenks_bounds`),
        ``"quantiles"``,
        ``"equal_interval"`` or ``"quotas"`` (shares of the ranking per class,
        best first; needs ``ranks`` and ``quotas``).
    k
        Number of classes wanted.
    ranks
        Ranks 1..n (for ``quotas``).
    quotas
        Share of alternatives in class 1, 2, ... (sum 1).

    Returns
    -------
    numpy.ndarray
        Class per alternative.  With fewer distinct scores than ``k`` the
        number of classes shrinks to the number of distinct scores (equal
        scores always share a class); class 1 is always the top group.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = s.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if scheme == "quotas":
        if ranks is None or quotas is None:
            msg = "the 'quotas' class scheme needs ranks and quotas"
            raise ScoringError(msg)
        r = np.asarray(ranks, dtype=np.float64).reshape(-1)
        bounds = np.cumsum(np.asarray(quotas, dtype=np.float64)) * n
        cls = np.searchsorted(bounds, r - 0.5, side="right") + 1
        return np.minimum(cls, len(quotas)).astype(np.int64)
    distinct = np.unique(s)
    k_eff = int(min(k, distinct.shape[0]))
    if k_eff <= 1:
        return np.ones(n, dtype=np.int64)
    if k_eff == distinct.shape[0]:
        # each distinct score is its own class
        bins = np.searchsorted(distinct, s)
    else:
        upper = _class_upper_bounds(s, distinct, k_eff, scheme)
        bins = np.searchsorted(upper, s, side="left")
        bins = np.minimum(bins, k_eff - 1)
        # renumber to consecutive classes in case a bin ended up empty
        used = np.unique(bins)
        bins = np.searchsorted(used, bins)
        k_eff = used.shape[0]
    return (k_eff - bins).astype(np.int64)


def _class_upper_bounds(s: FloatArray, distinct: FloatArray, k: int, scheme: str) -> FloatArray:
    if scheme == "natural_breaks":
        # exact and deterministic; on at most 2000 evenly spaced order statistics for
        # large inputs (deterministic too)
        sample = np.sort(s)
        if sample.shape[0] > 2000:
            idx = np.linspace(0, sample.shape[0] - 1, 2000).round().astype(int)
            sample = sample[idx]
        bounds = fisher_jenks_bounds(sample, k)
    elif scheme == "quantiles":
        bounds = np.quantile(s, np.arange(1, k + 1) / k)
    elif scheme == "equal_interval":
        lo, hi = float(s.min()), float(s.max())
        bounds = lo + (hi - lo) * np.arange(1, k + 1) / k
    else:
        msg = f"unknown class scheme {scheme!r}"
        raise ScoringError(msg)
    bounds = np.unique(bounds)
    bounds[-1] = max(bounds[-1], distinct[-1])
    return bounds
