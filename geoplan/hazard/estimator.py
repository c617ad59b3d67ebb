"""The scikit-learn side of the landslide model: estimators, folds, the final fit.

Only the process that fits the model imports this module (and scikit-learn with it):
:func:`geoplan.hazard.model.fit_susceptibility` loads it while the wetness index is being
computed (:func:`geoplan.hazard.factors.start_factor_stack`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from geoplan.errors import ModelError

__all__ = ["DEFAULTS", "cv_splits", "describe_estimator", "fit_final", "make_estimator"]

Splits = dict[str, list[tuple[np.ndarray, np.ndarray]]]

DEFAULTS: dict[str, dict[str, Any]] = {
    "logistic": {"C": 1.0, "max_iter": 2000},
    "random_forest": {
        "n_estimators": 60,
        "min_samples_leaf": 5,
        "max_features": "sqrt",
        "max_depth": 8,
    },
    "gradient_boosting": {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 8},
}


def make_estimator(
    kind: str,
    *,
    params: dict[str, Any] | None = None,
    random_state: int = 0,
    n_jobs: int | None = None,
) -> ClassifierMixin:
    """Return an unfitted classifier for ``kind``.

    Parameters
    ----------
    kind
        ``"logistic"`` (standardised features + logistic regression),
        ``"random_forest"`` or ``"gradient_boosting"`` (histogram GBM).
    params
        Hyper-parameters overriding geoplan's defaults.
    random_state
        Seed.
    n_jobs
        Parallel jobs (random forest only).

    Returns
    -------
    sklearn.base.ClassifierMixin
        The estimator.

    Raises
    ------
    ModelError
        For an unknown kind or a parameter the estimator does not accept.
    """
    if kind not in DEFAULTS:
        msg = f"susceptibility.model: unknown model {kind!r}; choose from {sorted(DEFAULTS)}"
        raise ModelError(msg)
    settings = {**DEFAULTS[kind], **(params or {})}
    try:
        if kind == "logistic":
            return Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("model", LogisticRegression(random_state=random_state, **settings)),
                ]
            )
        if kind == "random_forest":
            return RandomForestClassifier(random_state=random_state, n_jobs=n_jobs, **settings)
        return HistGradientBoostingClassifier(random_state=random_state, **settings)
    except TypeError as exc:
        msg = f"susceptibility.params: {exc}; check the parameter names for model {kind!r}"
        raise ModelError(msg) from exc


def describe_estimator(estimator: Any, names: list[str]) -> tuple[str, dict[str, float] | None]:
    """Return the fitted estimator's class name and its own importances per factor.

    The importances are the forest's impurity importances or the logistic regression's
    normalised absolute coefficients; ``None`` for an estimator without either.
    """
    model = estimator.named_steps["model"] if isinstance(estimator, Pipeline) else estimator
    if hasattr(model, "feature_importances_"):
        vals = np.asarray(model.feature_importances_, dtype=float)
    elif hasattr(model, "coef_"):
        vals = np.abs(np.asarray(model.coef_, dtype=float)).ravel()
        vals = vals / vals.sum() if vals.sum() > 0 else vals
    else:
        return type(model).__name__, None
    return type(model).__name__, {n: round(float(v), 6) for n, v in zip(names, vals, strict=True)}


def cv_splits(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, folds: int, seed: int) -> Splits:
    """Return the train/test indices of the spatial-block and of the random stratified folds.

    Raises
    ------
    ModelError
        If the blocks with samples are too few for two folds.
    """
    n_blocks = int(np.unique(groups).size)
    n_folds = min(folds, n_blocks)
    if n_folds < 2:
        msg = (
            f"susceptibility.block_size_m leaves {n_blocks} block(s) with samples; use smaller "
            "blocks for spatial cross-validation"
        )
        raise ModelError(msg)
    return {
        "spatial": list(GroupKFold(n_splits=n_folds).split(x, y, groups)),
        "random": list(
            StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y)
        ),
    }


def fit_final(
    estimator: ClassifierMixin, x: np.ndarray, y: np.ndarray, threads: int | None
) -> ClassifierMixin:
    """Return a clone of ``estimator`` fitted on the whole sample.

    ``threads`` limits OpenMP (gradient boosting; ``None``: all); no result depends on it.
    """
    with threadpool_limits(limits=threads, user_api="openmp"):
        return clone(estimator).fit(x, y)
