"""Apply a fitted susceptibility model to the factor grid, window by window.

A random forest's probability is the mean of its trees' leaf values, summed here tree
after tree in the forest's order for every cell, so the bits never depend on how the
cells are split into windows or on which thread predicts a window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from geoplan.hazard.factors import FactorStack
from geoplan.hazard.threads import ordered_map

__all__ = ["positive_probability", "predict_grid"]


def positive_probability(model: Any, values: np.ndarray) -> np.ndarray:
    """Return the probability of the positive class (a landslide) for rows of factors.

    A random forest's trees are averaged here, in order, exactly as scikit-learn does
    with one job (its ``predict_proba`` with several jobs adds the trees in the order the
    threads finish, so the last bits could differ between runs). Only the positive class
    is summed: each tree's leaf value of that class, looked up from the leaf index, is
    what the tree's ``predict_proba`` returns in that column. The leaf search
    (:meth:`sklearn.tree._tree.Tree.apply`) and the sum release the GIL, and no
    scikit-learn wrapper runs, so windows can be predicted on threads.
    """
    if not isinstance(model, RandomForestClassifier):
        return np.asarray(model.predict_proba(values)[:, 1])
    rows = np.ascontiguousarray(values, dtype=np.float32)
    total = np.zeros(rows.shape[0], dtype=np.float64)
    for tree in model.estimators_:
        total += tree.tree_.value[:, 0, 1][tree.tree_.apply(rows)]
    total /= len(model.estimators_)
    return total


def predict_grid(stack: FactorStack, model: Any, fill: np.ndarray, window_rows: int) -> np.ndarray:
    """Return the probability of every study-area cell (float32, ``NaN`` elsewhere).

    Windows (:meth:`FactorStack.thread_windows`) are built and predicted on
    :data:`~geoplan.hazard.threads.THREADS` threads, each window writing its own rows.

    Parameters
    ----------
    stack
        The factors on the DEM grid.
    model
        The fitted estimator.
    fill
        Value of each factor where it is ``NaN`` (the training medians).
    window_rows
        Rows per window.

    Returns
    -------
    numpy.ndarray
        The probability grid, shape ``stack.shape``.
    """
    probability = np.full(stack.shape, np.nan, dtype=np.float32)

    def predict_window(rows: tuple[int, int]) -> None:
        r0, r1 = rows
        inside = stack.mask[r0:r1]
        if not inside.any():
            return
        values = stack.inside_values(r0, r1).T
        values = np.where(np.isnan(values), fill, values)
        probability[r0:r1][inside] = positive_probability(model, values).astype(np.float32)

    ordered_map(predict_window, stack.thread_windows(window_rows))
    return probability
