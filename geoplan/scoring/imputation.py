"""Missing criterion values: refused unless the scenario names a fill rule, every fill listed.

A village without a value for a criterion is never filled silently.  With the
default rule ``refuse`` the run stops naming the track, the criterion and the
villages; with a rule the scenario states (``missing: median`` on the track or
the criterion) each filled value is reported and listed per village in the
``<track>_imputed`` column.  Scores are finite or the run stops naming the
criterion that made them so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoplan.errors import Issue, ScoringError

__all__ = ["fill_missing", "imputed_column", "require_finite_scores"]

FloatArray = npt.NDArray[np.float64]


def _no_data_issue(criterion: Any, *, where: str, layer: str) -> Issue:
    """Return the warning for a criterion that no row has a value of."""
    fields = ", ".join(criterion.columns)
    return Issue(
        "warning",
        f"{where}, criterion '{criterion.id}': no data at all (column(s) {fields} missing "
        "or empty); it counts as 0 for every row and does not separate them",
        layer=layer,
        field=criterion.columns[0],
        code="criterion-no-data",
    )


def _fill_value(pool: FloatArray, rule: str, *, benefit: bool) -> float:
    """Return the value that ``rule`` fills gaps with, from the known values ``pool``."""
    return {
        "zero": 0.0,
        "median": float(np.median(pool)),
        "min": float(pool.min()),
        "max": float(pool.max()),
        "worst": float(pool.min() if benefit else pool.max()),
        "best": float(pool.max() if benefit else pool.min()),
    }[rule]


def fill_missing(
    values: pd.Series,
    *,
    rule: str,
    criterion: Any,
    eligible: npt.NDArray[np.bool_],
    ids: pd.Series,
    where: str,
    layer: str,
    issues: list[Issue],
    notes: list[list[str]] | None = None,
) -> FloatArray:
    """Return the criterion's raw values with the missing ones filled by ``rule``.

    Parameters
    ----------
    values
        Raw criterion values, one per row (NaN or infinite when missing).
    rule
        ``refuse`` (default: an error), ``zero``, ``median``, ``min``, ``max``,
        ``worst`` (least priority) or ``best``.
    criterion
        The catalogue criterion (``id``, ``columns``, ``direction``).
    eligible
        Rows that are ranked (the fill value is taken from them first).
    ids
        Row identifiers, quoted in messages.
    where, layer
        Track and layer, for messages.
    issues
        Receives the fill report.
    notes
        One list per row; ``"<criterion>=<value> (<rule>)"`` is appended for each
        filled row.

    Returns
    -------
    numpy.ndarray
        The filled values.

    Raises
    ------
    ScoringError
        With ``rule == "refuse"`` when a ranked row has no value.
    """
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = ~np.isfinite(arr)
    if not missing.any():
        return arr
    pool = arr[eligible & ~missing]
    if pool.size == 0:
        pool = arr[~missing]
    fields = ", ".join(criterion.columns)
    if pool.size == 0:
        issues.append(_no_data_issue(criterion, where=where, layer=layer))
        return np.zeros_like(arr)
    ranked_missing = missing & eligible
    if rule == "refuse":
        if not ranked_missing.any():
            return arr  # rows that are not ranked keep no value: nothing is imputed
        examples = ", ".join(str(v) for v in ids[ranked_missing].head(10))
        msg = (
            f"{where}, criterion '{criterion.id}': {int(ranked_missing.sum())} ranked row(s) "
            f"have no value in {fields} (e.g. {examples}); fill the data, or state how to fill "
            "them with `missing:` (zero, median, min, max, worst, best) on the track or the "
            "criterion: every filled value is then listed in the <track>_imputed column"
        )
        raise ScoringError(msg)
    fill = _fill_value(pool, rule, benefit=criterion.direction == "benefit")
    n_missing = int(ranked_missing.sum()) or int(missing.sum())
    examples = ", ".join(str(v) for v in ids[missing].head(5))
    issues.append(
        Issue(
            "repair",
            f"{where}, criterion '{criterion.id}': {int(missing.sum())} row(s) without a value "
            f"({n_missing} of them ranked; e.g. {examples}) filled with the {rule} ({fill:g}) "
            "as the scenario's `missing:` says; each is listed in the <track>_imputed column",
            layer=layer,
            field=criterion.columns[0],
            code="missing-filled",
        )
    )
    if notes is not None:
        for i in np.flatnonzero(missing):
            notes[i].append(f"{criterion.id}={fill:g} ({rule})")
    out = arr.copy()
    out[missing] = fill
    return out


def imputed_column(notes: list[list[str]]) -> list[str]:
    """Return one text per row: the filled criteria and values, ``""`` when none."""
    return ["; ".join(n) for n in notes]


def require_finite_scores(
    scores: FloatArray, norm: FloatArray, criteria: list[Any], *, where: str, ids: pd.Series
) -> None:
    """Stop when a score is NaN or infinite, naming the criterion and the rows.

    Raises
    ------
    ScoringError
        Naming the criterion whose normalised values are not finite (or the
        method, when every criterion is finite).
    """
    bad = ~np.isfinite(scores)
    if not bad.any():
        return
    rows = ", ".join(str(v) for v in ids.to_numpy()[bad][:10])
    for j, crit in enumerate(criteria):
        if not np.isfinite(norm[:, j]).all():
            msg = (
                f"{where}, criterion '{crit.id}': its values are not finite after "
                f"normalisation, so {int(bad.sum())} score(s) are not numbers (e.g. {rows}); "
                "check the criterion's data and value function"
            )
            raise ScoringError(msg)
    msg = f"{where}: {int(bad.sum())} score(s) are not finite numbers (e.g. {rows}); check weights"
    raise ScoringError(msg)
