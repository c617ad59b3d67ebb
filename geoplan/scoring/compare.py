"""Compare two scoring results: the villages whose priority class changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.config.scoring import TRACKS

if TYPE_CHECKING:
    from geoplan.scoring.tracks import ScoringResult

__all__ = ["compare_scores"]


def compare_scores(a: ScoringResult, b: ScoringResult) -> pd.DataFrame:
    """List the villages whose priority class differs between two scoring results.

    Parameters
    ----------
    a, b
        Results of two scenarios on the same villages (matched by ``village_id``).

    Returns
    -------
    pandas.DataFrame
        One row per (track, village) whose class changes: ``track``,
        ``village_id``, ``village_name``, ``commune_name``, ``class_a``,
        ``class_b`` (0 = not ranked), ``rank_a``, ``rank_b``, ``score_a``,
        ``score_b``, ``change`` (``"up"`` = higher priority in B, ``"down"``,
        ``"now ranked"``, ``"no longer ranked"``), sorted by track then
        ``class_b`` and ``village_id``.
    """
    va = a.villages.set_index(a.villages["village_id"].astype(str))
    vb = b.villages.set_index(b.villages["village_id"].astype(str))
    common = va.index.intersection(vb.index).sort_values()
    rows: list[pd.DataFrame] = []
    for t in TRACKS:
        ca, cb = f"{t}_class", f"{t}_class"
        if ca not in va.columns or cb not in vb.columns:
            continue
        ka = va.loc[common, ca].astype(int)
        kb = vb.loc[common, cb].astype(int)
        diff = ka != kb
        if not diff.any():
            continue
        idx = common[diff.to_numpy()]
        ka_d = ka.loc[idx].to_numpy()
        kb_d = kb.loc[idx].to_numpy()
        change = np.where(
            ka_d == 0,
            "now ranked",
            np.where(kb_d == 0, "no longer ranked", np.where(kb_d < ka_d, "up", "down")),
        )
        rows.append(
            pd.DataFrame(
                {
                    "track": t,
                    "village_id": idx.to_numpy(),
                    "village_name": va.loc[idx, "village_name"].to_numpy()
                    if "village_name" in va
                    else "",
                    "commune_name": va.loc[idx, "commune_name"].to_numpy()
                    if "commune_name" in va
                    else "",
                    "class_a": ka_d,
                    "class_b": kb_d,
                    "rank_a": va.loc[idx, f"{t}_rank"].astype("Int64").array,
                    "rank_b": vb.loc[idx, f"{t}_rank"].astype("Int64").array,
                    "score_a": va.loc[idx, f"{t}_score"].to_numpy(dtype=np.float64).round(4),
                    "score_b": vb.loc[idx, f"{t}_score"].to_numpy(dtype=np.float64).round(4),
                    "change": change,
                }
            )
        )
    cols = [
        "track",
        "village_id",
        "village_name",
        "commune_name",
        "class_a",
        "class_b",
        "rank_a",
        "rank_b",
        "score_a",
        "score_b",
        "change",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    order = {t: i for i, t in enumerate(TRACKS)}
    out["_t"] = out["track"].map(order)
    out["_k"] = out["class_b"].replace(0, 99)
    return (
        out.sort_values(["_t", "_k", "village_id"])
        .drop(columns=["_t", "_k"])
        .reset_index(drop=True)
    )
