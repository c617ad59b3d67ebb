"""Class breaks shared by the priority classes and the landslide susceptibility levels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["fisher_jenks_bounds", "natural_break_cuts"]


def fisher_jenks_bounds(values: npt.ArrayLike, k: int) -> npt.NDArray[np.float64]:
    """Return the upper bounds of Fisher's optimal (Jenks natural breaks) ``k`` classes.

    Exact dynamic programme over the sorted values (Fisher, 1958): it
    minimises the within-class sum of squared deviations, the same optimum as
    ``mapclassify.FisherJenks``, vectorised with numpy (``O(k n^2)`` work,
    ``O(n^2)`` memory; callers pass at most a few thousand values).

    Parameters
    ----------
    values
        Values to classify (any order).
    k
        Number of classes, ``2 <= k <= number of distinct values``.

    Returns
    -------
    numpy.ndarray
        ``k`` increasing upper bounds; the last is the maximum.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).reshape(-1))
    n = x.shape[0]
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    i = np.arange(n)[:, None]  # class starts at i
    j = np.arange(n)[None, :]  # class ends at j (inclusive)
    count = (j - i + 1).astype(np.float64)
    valid = j >= i
    with np.errstate(divide="ignore", invalid="ignore"):
        ssd = s2[j + 1] - s2[i] - (s1[j + 1] - s1[i]) ** 2 / count
    ssd = np.where(valid, np.maximum(ssd, 0.0), np.inf)
    cost = ssd[0].copy()  # one class covering x[0..j]
    back = np.zeros((k, n), dtype=np.int64)
    for c in range(1, k):
        # last class starts at i >= c and ends at j; the first c classes cover x[0..i-1]
        prev = np.concatenate([[np.inf], cost[:-1]])  # prev[i] = cost of x[0..i-1]
        total = prev[:, None] + ssd
        total[:c, :] = np.inf
        best = np.argmin(total, axis=0)
        cost = total[best, np.arange(n)]
        back[c] = best
    bounds = np.empty(k)
    end = n - 1
    for c in range(k - 1, -1, -1):
        bounds[c] = x[end]
        start = back[c, end] if c > 0 else 0
        end = start - 1
    return bounds


def natural_break_cuts(values: npt.ArrayLike, k: int) -> npt.NDArray[np.float64]:
    """Return the ``k - 1`` cut points between Fisher-Jenks classes.

    Each cut lies midway between the largest value of a class and the
    smallest value of the next, so ``searchsorted(cuts, v, side="right")``
    gives the class of ``v`` (0-based) also for values not in the sample.

    Parameters
    ----------
    values
        Values to classify (any order, ``NaN`` ignored); at least ``k`` distinct.
    k
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k - 1`` increasing cut points.
    """
    v = np.sort(np.asarray(values, dtype=np.float64).reshape(-1))
    v = v[~np.isnan(v)]
    bounds = fisher_jenks_bounds(v, k)[:-1]
    following = v[np.minimum(np.searchsorted(v, bounds, side="right"), v.size - 1)]
    return np.asarray((bounds + following) / 2.0, dtype=np.float64)
