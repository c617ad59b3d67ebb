"""The analytic hierarchy process: pairwise judgements to weights, with consistency.

Saaty (1980); plain numpy in and out, like :mod:`geoplan.scoring.methods`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geoplan.errors import ScoringError
from geoplan.scoring._arrays import FloatArray

__all__ = ["RANDOM_INDEX", "ahp_details", "ahp_weights", "combine_judgements"]

#: Random consistency index by matrix size (index 0 is n = 1).
#: ``saaty1980``: Saaty, *The Analytic Hierarchy Process* (1980), the classic
#: table (n <= 10).  ``saaty2005``: Saaty, *Theory and Applications of the
#: Analytic Network Process* (2005), p. 31 (n <= 15).
RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty1980": (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49),
    "saaty2005": (
        0.0,
        0.0,
        0.52,
        0.89,
        1.11,
        1.25,
        1.35,
        1.40,
        1.45,
        1.49,
        1.52,
        1.54,
        1.56,
        1.58,
        1.59,
    ),
}


def _check_pairwise(a: FloatArray) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        msg = f"a pairwise comparison matrix must be square, got shape {a.shape}"
        raise ScoringError(msg)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        msg = "pairwise comparisons must be positive numbers (use 1/3, not -3 or 0)"
        raise ScoringError(msg)
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=0.02, atol=0.0))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        msg = (
            f"the pairwise matrix is not reciprocal: a[{i}][{j}] = {a[i, j]:g} but "
            f"a[{j}][{i}] = {a[j, i]:g} (should be {1 / a[i, j]:.4g}); write a[j][i] = 1/a[i][j]"
        )
        raise ScoringError(msg)


def combine_judgements(matrices: npt.ArrayLike) -> FloatArray:
    """Combine several experts' pairwise matrices by the element-wise geometric mean.

    The geometric mean of reciprocal matrices is reciprocal (Aczél & Saaty,
    1983), so the result is again a valid pairwise comparison matrix.

    Parameters
    ----------
    matrices
        Array ``(n_experts, m, m)`` or a single ``(m, m)`` matrix.

    Returns
    -------
    numpy.ndarray
        The combined ``(m, m)`` matrix.
    """
    arr = np.asarray(matrices, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] == 0:
        msg = f"expected one or more square matrices, got shape {arr.shape}"
        raise ScoringError(msg)
    for k in range(arr.shape[0]):
        try:
            _check_pairwise(arr[k])
        except ScoringError as exc:
            msg = f"expert matrix {k + 1}: {exc}"
            raise ScoringError(msg) from exc
    return np.asarray(np.exp(np.log(arr).mean(axis=0)), dtype=np.float64)


def ahp_details(
    matrix: npt.ArrayLike, *, random_index: str = "saaty1980"
) -> dict[str, float | FloatArray]:
    """Return the AHP priority vector with ``lambda_max``, CI, RI and CR.

    Parameters
    ----------
    matrix
        One ``(m, m)`` pairwise comparison matrix, or a stack
        ``(n_experts, m, m)`` combined first by :func:`combine_judgements`.
    random_index
        Random-index table: ``"saaty1980"`` (n <= 10) or ``"saaty2005"``
        (n <= 15).

    Returns
    -------
    dict
        ``weights`` (principal right eigenvector, sum 1), ``lambda_max``,
        ``ci`` = (lambda_max - m)/(m - 1), ``ri`` and ``cr`` = CI/RI (0 for
        m <= 2).
    """
    a = combine_judgements(matrix)
    m = a.shape[0]
    table = RANDOM_INDEX.get(random_index)
    if table is None:
        msg = f"unknown random index table {random_index!r}; use one of {sorted(RANDOM_INDEX)}"
        raise ScoringError(msg)
    if m > len(table):
        msg = (
            f"the {random_index} random index covers at most {len(table)} criteria, got {m}; "
            "use random_index 'saaty2005' (up to 15) or split the criteria into groups"
        )
        raise ScoringError(msg)
    # principal eigenvector by power iteration (positive matrix: Perron-Frobenius);
    # converges fast and is deterministic, unlike the sign of numpy.linalg.eig vectors
    w = np.full(m, 1.0 / m)
    for _ in range(1000):
        nxt = a @ w
        nxt /= nxt.sum()
        if np.max(np.abs(nxt - w)) < 1e-15:
            w = nxt
            break
        w = nxt
    lam = float((a @ w).sum())  # since sum(w) = 1, sum(A w) = lambda_max
    ci = (lam - m) / (m - 1) if m > 2 else 0.0
    ri = table[m - 1]
    cr = ci / ri if ri > 0 else 0.0
    return {"weights": w, "lambda_max": lam, "ci": max(ci, 0.0), "ri": ri, "cr": max(cr, 0.0)}


def ahp_weights(
    matrix: npt.ArrayLike, *, random_index: str = "saaty1980"
) -> tuple[FloatArray, float]:
    """Return AHP weights and the consistency ratio of a pairwise comparison matrix.

    Parameters
    ----------
    matrix
        ``(m, m)`` positive reciprocal matrix where ``a[i][j]`` says how much
        more important criterion ``i`` is than ``j`` on Saaty's 1-9 scale; or a
        stack ``(n_experts, m, m)`` combined by the geometric mean.
    random_index
        Random-index table, see :func:`ahp_details`.

    Returns
    -------
    weights : numpy.ndarray
        Principal eigenvector normalised to sum 1.
    consistency_ratio : float
        Saaty's CR; above 0.10 the judgements are usually revised.

    Examples
    --------
    >>> w, cr = ahp_weights([[1, 3], [1 / 3, 1]])
    >>> [round(float(v), 2) for v in w], cr
    ([0.75, 0.25], 0.0)
    """
    details = ahp_details(matrix, random_index=random_index)
    weights = np.asarray(details["weights"], dtype=np.float64)
    return weights, float(details["cr"])
