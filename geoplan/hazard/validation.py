"""Permutation importances and cross-validation of the landslide model, beside the prediction.

The importances and the cross-validated AUCs only feed the model card, and nothing else the
model does reads them, so :func:`start_validation` forks a child process right after the
final model is fitted: the child computes the permutation importances of the final model
(which it inherits) and fits and scores the folds on one core while the parent predicts the
grid and maps the zones on the other, and the parent collects them (a small tuple, pickled
through a pipe) before it writes the card.  The child runs the same code on the same data
as the parent would, so the card has the same numbers.  Threads would not do:
scikit-learn's fits rebuild the process-wide warning filters (:mod:`geoplan.hazard.threads`).

The child is forked only where it is safe and useful (:func:`validation_forks`, the rule of
:func:`geoplan.hazard.fitting.model_forks`): on Linux with the ``fork`` start method,
outside a daemonic process, with more than one usable core, with no other Python thread
alive (the hazard's thread pools are closed after each use), and unless
``$GEOPLAN_MODEL_WORKERS`` is ``1``; otherwise the work is done here, at once.  The child
limits OpenMP to one thread (GNU OpenMP's pool does not survive a fork; no result depends
on the thread count), dies with the parent (PDEATHSIG), leaves Ctrl-C to the parent, and is
stopped if the parent fails before collecting it.  An exception in the child is raised
again in the parent, same type, the child's traceback as its cause (:mod:`geoplan.forked`).
"""

from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from geoplan.forked import ForkedCall, call_forked
from geoplan.hazard.fitting import MODEL_WORKERS_ENV, model_forks

__all__ = ["MODEL_WORKERS_ENV", "Validation", "auc", "start_validation", "validation_forks"]


class Validation(NamedTuple):
    """What the model card reads from :func:`start_validation`.

    Parameters
    ----------
    aucs
        ROC-AUC per fold (``None`` for a fold with one class) of each kind of
        cross-validation (``spatial``, ``random``).
    importances
        Permutation importance of each factor: the mean ROC-AUC decrease over 3 repeats
        on the training sample.
    timings
        Seconds of ``permutation_importance`` and ``cross_validation``.
    """

    aucs: dict[str, list[float | None]]
    importances: np.ndarray
    timings: dict[str, float]


Splits = dict[str, list[tuple[np.ndarray, np.ndarray]]]


def auc(y: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float | None:
    """ROC-AUC of ``score`` against the labels ``y``; ``None`` with a single class."""
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score, sample_weight=weight))


def validation_forks() -> bool:
    """Return whether :func:`start_validation` scores the folds in a forked child.

    Raises
    ------
    GeoplanError
        If ``$GEOPLAN_MODEL_WORKERS`` is not a whole number of at least 1.
    """
    return model_forks()


def start_validation(
    estimator: ClassifierMixin,
    model: ClassifierMixin,
    sample: tuple[np.ndarray, np.ndarray],
    splits: Splits,
    *,
    threads: int | None,
    random_state: int,
) -> ForkedCall[Validation]:
    """Start the permutation importances and the cross-validation (in a child when it may).

    Its :meth:`~geoplan.forked.ForkedCall.result` is a :class:`Validation`; the child is
    forked when :func:`validation_forks`.

    Parameters
    ----------
    estimator
        The unfitted estimator; each fold fits a clone.
    model
        The final model, fitted on the whole sample (its permutation importances).
    sample
        The sample's factors and labels.
    splits
        Train and test indices of the folds of each kind (``spatial``, ``random``).
    threads
        OpenMP threads when the work is done here (``None``: all); a child uses one.
    random_state
        Seed of the permutations.

    Returns
    -------
    ForkedCall
        Use it as a context manager (the child is stopped if the block fails).
    """
    fork = validation_forks()
    validate = partial(_validate, threads=1 if fork else threads, random_state=random_state)
    return call_forked(
        validate, estimator, model, sample, splits, fork=fork, label="cross-validation",
        hint=f"with {MODEL_WORKERS_ENV}=1 to cross-validate in one process",
    )  # fmt: skip


def _cross_validate(
    estimator: ClassifierMixin,
    x: np.ndarray,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
) -> list[float | None]:
    aucs: list[float | None] = []
    for train, test in splits:
        if len(np.unique(y[train])) < 2:
            aucs.append(None)
            continue
        model = clone(estimator).fit(x[train], y[train])
        aucs.append(auc(y[test], model.predict_proba(x[test])[:, 1]))
    return aucs


def _validate(
    estimator: ClassifierMixin,
    model: ClassifierMixin,
    sample: tuple[np.ndarray, np.ndarray],
    splits: Splits,
    *,
    threads: int | None,
    random_state: int,
) -> Validation:
    """Compute the permutation importances and the ROC-AUC per fold, timing each."""
    x, y = sample
    start = time.perf_counter()
    with threadpool_limits(limits=threads, user_api="openmp"):
        importances = permutation_importance(
            model, x, y, scoring="roc_auc", n_repeats=3, random_state=random_state
        ).importances_mean
        middle = time.perf_counter()
        aucs = {kind: _cross_validate(estimator, x, y, folds) for kind, folds in splits.items()}
    timings = {
        "permutation_importance": middle - start,
        "cross_validation": time.perf_counter() - middle,
    }
    return Validation(aucs, np.asarray(importances), timings)
