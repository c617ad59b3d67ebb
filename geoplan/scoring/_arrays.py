"""Checks shared by the MCDA methods: decision matrices, weights, benefit flags."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geoplan.errors import ScoringError

__all__ = ["FloatArray", "as_benefit", "as_matrix", "as_weights"]

FloatArray = npt.NDArray[np.float64]


def as_matrix(matrix: npt.ArrayLike, name: str = "matrix") -> FloatArray:
    """Return a decision matrix as 2-D floats (a vector is one criterion)."""
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        msg = f"{name} must be 2-D (alternatives x criteria), got shape {arr.shape}"
        raise ScoringError(msg)
    return arr


def as_weights(weights: npt.ArrayLike, n_criteria: int) -> FloatArray:
    """Return weights checked (finite, non-negative, one positive) and summing to 1."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape[0] != n_criteria:
        msg = f"{w.shape[0]} weights given for {n_criteria} criteria; give one weight per criterion"
        raise ScoringError(msg)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        msg = f"weights must be finite and non-negative, got {w.tolist()}"
        raise ScoringError(msg)
    total = w.sum()
    if total <= 0:
        msg = "at least one weight must be positive (all weights are 0)"
        raise ScoringError(msg)
    return w / total


def as_benefit(benefit: npt.ArrayLike | None, n_criteria: int) -> npt.NDArray[np.bool_]:
    """Return one benefit flag per criterion (all ``True`` when not given)."""
    if benefit is None:
        return np.ones(n_criteria, dtype=bool)
    b = np.asarray(benefit, dtype=bool).reshape(-1)
    if b.shape[0] != n_criteria:
        msg = f"{b.shape[0]} benefit flags given for {n_criteria} criteria"
        raise ScoringError(msg)
    return b
