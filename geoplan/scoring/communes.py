"""Commune-level scoring: roll-ups of the village tracks and the commune NTM ranking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoplan.config.scoring import CommuneRankingSpec
from geoplan.errors import Issue, ScoringError
from geoplan.i18n import tr
from geoplan.scoring.catalogue import RuleContext, column
from geoplan.scoring.ranking import rank_frame, ranked_reasons

__all__ = ["commune_rollups", "rank_communes"]


def commune_rollups(
    villages: pd.DataFrame, communes: pd.DataFrame, tracks: Sequence[str]
) -> dict[str, Any]:
    """Return per-commune columns ``commune_<track>_...`` summing the scored villages."""
    cols: dict[str, Any] = {}
    if "commune_code" not in villages.columns or "commune_code" not in communes.columns:
        return cols
    key = communes["commune_code"].astype(str)
    vkey = villages["commune_code"].astype(str)
    hh = column(villages, "households").fillna(0)
    for t in tracks:
        elig = villages[f"{t}_eligible"].astype(bool)
        p1 = villages[f"{t}_class"] == 1
        g = pd.DataFrame(
            {
                "k": vkey,
                "eligible": elig.astype(int),
                "p1": p1.astype(int),
                "p1_hh": hh.where(p1, 0.0),
                "score": villages[f"{t}_score"],
                "rank": villages[f"{t}_rank"].astype("float64"),
            }
        ).groupby("k")
        agg = pd.DataFrame(
            {
                "eligible": g["eligible"].sum(),
                "p1": g["p1"].sum(),
                "p1_hh": g["p1_hh"].sum(),
                "mean": g["score"].mean(),
                "best": g["rank"].min(),
            }
        )
        cols[f"commune_{t}_eligible"] = (
            key.map(agg["eligible"]).fillna(0).astype("int64").to_numpy()
        )
        cols[f"commune_{t}_priority1"] = key.map(agg["p1"]).fillna(0).astype("int64").to_numpy()
        cols[f"commune_{t}_priority1_households"] = (
            key.map(agg["p1_hh"]).fillna(0).to_numpy(dtype=np.float64)
        )
        cols[f"commune_{t}_mean_score"] = key.map(agg["mean"]).to_numpy(dtype=np.float64)
        cols[f"commune_{t}_best_rank"] = pd.array(
            key.map(agg["best"]).to_numpy(dtype=np.float64), dtype="Int64"
        )
    return cols


def rank_communes(
    communes: pd.DataFrame, spec: CommuneRankingSpec, ctx: RuleContext, issues: list[Issue]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rank the communes for the NTM programme; return its columns and its description."""
    n = len(communes)
    if not spec.enabled or n == 0:
        return {}, {}
    ids = (
        communes["commune_code"].astype(str)
        if "commune_code" in communes
        else pd.Series([str(i) for i in range(n)], index=communes.index)
    )
    w = np.array([c.weight for c in spec.criteria], dtype=np.float64)
    if w.sum() <= 0:
        msg = "scoring.communes: at least one commune criterion weight must be positive"
        raise ScoringError(msg)
    w = w / w.sum()
    eligible = np.ones(n, dtype=bool)
    ranked = rank_frame(
        communes,
        ids=ids,
        criteria_specs=spec.criteria,
        weights=w,
        normalization=spec.normalization,
        method=spec.method,
        missing=spec.missing,
        eligible=eligible,
        tie_breakers=[column(communes, "households").to_numpy(dtype=np.float64, na_value=np.nan)],
        classes=spec.classes,
        quotas=None,
        ctx=ctx,
        where="commune ranking",
        layer="communes",
        issues=issues,
    )
    en_title = tr("track_commune_ntm", "en", "reasons")
    vi_title = tr("track_commune_ntm", "vi", "reasons")
    reasons_en, reasons_vi = ranked_reasons(ranked, en_title, vi_title)
    cols: dict[str, Any] = {
        "commune_ntm_score": ranked.scores,
        "commune_ntm_rank": ranked.ranks,
        "commune_ntm_class": ranked.classes,
        "commune_ntm_reason": reasons_en,
        "commune_ntm_reason_vi": reasons_vi,
    }
    for j, crit in enumerate(ranked.criteria):
        cols[f"commune_ntm_contrib_{crit.id}"] = ranked.contrib[:, j]
    info = {
        "title_vi": tr("commune_ntm_ranking", "vi", "reasons"),
        "title_en": tr("commune_ntm_ranking", "en", "reasons"),
        "cites": list(spec.cites),
        "method": spec.method,
        "normalization": spec.normalization,
        "criteria": [{**c.to_dict(), "weight": float(w[j])} for j, c in enumerate(ranked.criteria)],
    }
    return cols, info
