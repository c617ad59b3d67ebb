"""Cross-validation of the landslide model, in a forked child beside the final fit.

The cross-validated AUCs only feed the model card, and nothing else the model does reads
them, so :func:`start_validation` forks a child process right after the folds are drawn:
the child fits and scores the folds on one core while the parent fits the final model,
predicts the grid and maps the zones on the other, and the parent collects the AUCs (a
small dict, pickled through a pipe) before it writes the card.  The child runs the same
code on the same data as the parent would, so the AUCs are the same numbers.  Threads
would not do: scikit-learn's fits rebuild the process-wide warning filters
(:mod:`geoplan.hazard.threads`).

The child is forked only where it is safe and useful: on Linux with the ``fork`` start
method, outside a daemonic process, with more than one usable core, with no other Python
thread alive (the hazard's thread pools are closed after each use), and unless
``$GEOPLAN_MODEL_WORKERS`` is ``1``; otherwise the folds are scored here, first, as
before.  The child limits OpenMP to one thread (GNU OpenMP's pool does not survive a
fork; no result depends on the thread count), dies with the parent (PDEATHSIG), leaves
Ctrl-C to the parent, and is stopped if the parent fails before collecting it.  An
exception in the child is raised again in the parent, same type, the child's traceback
as its cause (:mod:`geoplan.forked`).
"""

from __future__ import annotations

import threading
import time

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from geoplan.forked import ForkedCall, call_forked, process_count

__all__ = ["MODEL_WORKERS_ENV", "Validation", "auc", "start_validation", "validation_forks"]

MODEL_WORKERS_ENV = "GEOPLAN_MODEL_WORKERS"

#: ROC-AUC per fold (``None`` for a fold with one class) of each kind of cross-validation,
#: and the seconds it took.
Validation = tuple[dict[str, list[float | None]], float]

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
    if process_count(MODEL_WORKERS_ENV, None, 2) < 2:
        return False
    return threading.active_count() == 1  # forking beside a running thread can deadlock


def start_validation(
    estimator: ClassifierMixin,
    x: np.ndarray,
    y: np.ndarray,
    splits: Splits,
    threads: int | None,
) -> ForkedCall[Validation]:
    """Start the cross-validation (in a child when :func:`validation_forks`).

    Its :meth:`~geoplan.forked.ForkedCall.result` is a :data:`Validation`.

    Parameters
    ----------
    estimator
        The unfitted estimator; each fold fits a clone.
    x, y
        The sample's factors and labels.
    splits
        Train and test indices of the folds of each kind (``spatial``, ``random``).
    threads
        OpenMP threads when the folds are scored here (``None``: all); a child uses one.

    Returns
    -------
    ForkedCall
        Use it as a context manager (the child is stopped if the block fails).
    """
    fork = validation_forks()
    return call_forked(
        _validate, estimator, x, y, splits, 1 if fork else threads,
        fork=fork, label="cross-validation",
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
    estimator: ClassifierMixin, x: np.ndarray, y: np.ndarray, splits: Splits, threads: int | None
) -> Validation:
    """ROC-AUC per fold of each kind of cross-validation, and the seconds it took."""
    start = time.perf_counter()
    with threadpool_limits(limits=threads, user_api="openmp"):
        aucs = {kind: _cross_validate(estimator, x, y, folds) for kind, folds in splits.items()}
    return aucs, time.perf_counter() - start
