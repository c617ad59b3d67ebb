"""The order in which candidate interventions are listed, shared by every plan table.

Its own module so that the plan files (``plan_files``) and the office workbook
(``tables``) both read it without importing each other.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["allocation_table"]


def allocation_table(allocation: pd.DataFrame) -> pd.DataFrame:
    """Candidate interventions, funded first (by year, programme, benefit), then the rest.

    Parameters
    ----------
    allocation
        ``PlanOutcome.allocation``.

    Returns
    -------
    DataFrame
        The same rows and columns, re-ordered; the index is reset.
    """
    frame = allocation.copy()
    funded = (
        frame["funded"].fillna(False).astype(bool)
        if "funded" in frame
        else pd.Series(False, index=frame.index)
    )
    keys = pd.DataFrame(
        {
            "_unfunded": ~funded,
            "_year": pd.to_numeric(frame["year"], errors="coerce") if "year" in frame else 0,
            "_programme": frame["programme"].astype(str) if "programme" in frame else "",
            "_benefit": -pd.to_numeric(frame["benefit"], errors="coerce").fillna(0)
            if "benefit" in frame
            else 0,
            "_id": frame["intervention_id"].astype(str) if "intervention_id" in frame else "",
        },
        index=frame.index,
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort", na_position="last").index
    return frame.loc[order].reset_index(drop=True)
