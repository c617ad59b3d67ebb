"""Score the priority tracks: eligibility, scores, ranks, classes, reasons, stability.

:func:`score_tracks` is the stage entry point (see docs/ARCHITECTURE.md and
docs/scoring.md for the columns it adds).  Tracks are scored in the order
resettlement → infrastructure → investment because P-NODUP needs the
resettlement classes before ranking in-place infrastructure.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoplan.config.scoring import (
    TRACKS,
    ClassScheme,
    CommuneRankingSpec,
    CriterionSpec,
    ScoringConfig,
    TrackSpec,
)
from geoplan.errors import Issue, ScoringError
from geoplan.scoring.catalogue import (
    DISADVANTAGED_GROUPS,
    Criterion,
    RuleContext,
    column,
    get_criterion,
    get_rule,
)
from geoplan.scoring.imputation import fill_missing, imputed_column, require_finite_scores
from geoplan.scoring.methods import (
    ahp_details,
    classify_scores,
    normalize,
    rank_with_ties,
    value_function,
)
from geoplan.scoring.reasons import ineligible_reason, nfc, ranked_reason, what_if_sentence
from geoplan.scoring.stability import _Kernel, monte_carlo_ranks, weight_sweep

__all__ = ["ScoringResult", "compare_scores", "score_tracks"]

FloatArray = npt.NDArray[np.float64]

#: Ranked rows above which PROMETHEE II (O(n^2) pairwise comparisons) is reported as costly.
PROMETHEE_PRACTICAL_LIMIT = 5000

_TRACK_WORDS = {
    "resettlement": ("resettlement", "sắp xếp, ổn định dân cư"),
    "infrastructure": ("in-place infrastructure", "đầu tư hạ tầng tại chỗ"),
    "investment": ("investment and livelihoods", "đầu tư sinh kế, giảm nghèo"),
}


@dataclass
class ScoringResult:
    """Everything the scoring stage computed.

    Attributes
    ----------
    villages
        The indicator frame plus, per track ``t``: ``t_score``, ``t_rank``,
        ``t_class``, ``t_eligible``, ``t_reason``, ``t_reason_vi``,
        ``t_contrib_<criterion>``, ``t_rank_p05``, ``t_rank_p50``,
        ``t_rank_p95``, ``t_p_top``, ``t_what_if``, ``t_what_if_vi``.
    communes
        The commune frame plus roll-ups ``commune_<t>_...`` and the commune
        ranking ``commune_ntm_...`` (see docs/scoring.md).
    tracks
        Per track: titles, citations, method, normalisation, AHP consistency
        ratio, and ``criteria`` (list of dicts: id, labels, weight,
        direction, indicator, cites).
    stability
        Per track: draws, concentration, top_n, seconds, exact, summary numbers.
    sweeps
        One-at-a-time sweeps, long format: track, criterion, base_weight,
        weight, village_id, rank (for the base top-N villages).
    issues
        Filled missing values, constant criteria and other findings.
    commune_ranking
        Description of the commune ranking (criteria, weights, citations),
        empty when disabled.
    """

    villages: pd.DataFrame
    communes: pd.DataFrame
    tracks: dict[str, dict[str, Any]]
    stability: dict[str, Any]
    sweeps: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    commune_ranking: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Ranked:
    """Result of ranking one frame on one set of criteria."""

    criteria: list[Criterion]
    weights: FloatArray
    raw: FloatArray  # (n_all, m) filled raw values
    norm: FloatArray  # (n_eligible, m)
    eligible: npt.NDArray[np.bool_]
    scores: FloatArray  # (n_eligible,)
    contrib: FloatArray  # (n_eligible, m)
    ranks: npt.NDArray[np.int64]  # (n_eligible,)
    classes: npt.NDArray[np.int64]  # (n_eligible,)
    method: str
    cr: float | None = None
    ahp: dict[str, float] | None = None
    imputed: list[str] = field(default_factory=list)  # (n_all,) filled criteria per row


def _context(scenario: Any) -> tuple[ScoringConfig, RuleContext]:
    if isinstance(scenario, ScoringConfig):
        cfg = scenario
        high = 4
    else:
        cfg = scenario.scoring
        high = int(getattr(getattr(scenario, "indicators", None), "high_landslide_level", 4))
    groups = tuple(cfg.disadvantaged_groups) if cfg.disadvantaged_groups else DISADVANTAGED_GROUPS
    return cfg, RuleContext(
        high_landslide_level=high, steep_slope_deg=cfg.steep_slope_deg, disadvantaged_groups=groups
    )


def _track_weights(spec: TrackSpec) -> tuple[FloatArray, dict[str, float] | None]:
    ids = [c.id for c in spec.criteria]
    if spec.weights_from == "ahp" and spec.ahp is not None:
        details = ahp_details(spec.ahp.matrices, random_index=spec.ahp.random_index)
        w_ahp = np.asarray(details["weights"], dtype=np.float64)
        by_id = dict(zip(spec.ahp.criteria, w_ahp, strict=True))
        w = np.array([by_id[i] for i in ids])
        info = {k: float(v) for k, v in details.items() if k != "weights"}
        return w / w.sum(), info
    w = np.array([c.weight for c in spec.criteria], dtype=np.float64)
    return w / w.sum(), None


def _ranked_reasons(
    ranked: _Ranked, title_en: str, title_vi: str, *, forest: npt.NDArray[Any] | None = None
) -> tuple[list[str], list[str]]:
    """Return the English and Vietnamese reasons of the ranked rows, in eligible order.

    ``forest`` holds the forest name of every row of the frame (for forest criteria).
    """
    n_ranked = len(ranked.scores)
    reasons_en: list[str] = []
    reasons_vi: list[str] = []
    for k, i in enumerate(np.flatnonzero(ranked.eligible)):
        contribs = [
            (c, float(ranked.raw[i, j]), float(ranked.contrib[k, j]))
            for j, c in enumerate(ranked.criteria)
        ]
        common: dict[str, Any] = {
            "rank": int(ranked.ranks[k]),
            "n_ranked": n_ranked,
            "klass": int(ranked.classes[k]),
            "contributions": contribs,
            "score": float(ranked.scores[k]),
            "forest": "" if forest is None else forest[i],
        }
        reasons_en.append(ranked_reason(track_title=title_en, lang="en", **common))
        reasons_vi.append(ranked_reason(track_title=title_vi, lang="vi", **common))
    return reasons_en, reasons_vi


def _rank_frame(
    frame: pd.DataFrame,
    *,
    ids: pd.Series,
    criteria_specs: Sequence[CriterionSpec],
    weights: FloatArray,
    normalization: str,
    method: str,
    missing: str,
    eligible: npt.NDArray[np.bool_],
    tie_breakers: Sequence[FloatArray],
    classes: ClassScheme,
    quotas: Sequence[float] | None,
    ctx: RuleContext,
    where: str,
    layer: str,
    issues: list[Issue],
) -> _Ranked:
    criteria = [get_criterion(c.id) for c in criteria_specs]
    m = len(criteria)
    n_all = len(frame)
    raw = np.zeros((n_all, m))
    notes: list[list[str]] = [[] for _ in range(n_all)]
    for j, (crit, spec) in enumerate(zip(criteria, criteria_specs, strict=True)):
        raw[:, j] = fill_missing(
            crit.values(frame, ctx),
            rule=spec.missing or missing,
            criterion=crit,
            eligible=eligible,
            ids=ids,
            where=where,
            layer=layer,
            issues=issues,
            notes=notes,
        )
    xe = raw[eligible]
    n_e = xe.shape[0]
    norm = np.zeros((n_e, m))
    for j, (crit, spec) in enumerate(zip(criteria, criteria_specs, strict=True)):
        how = spec.normalization or normalization
        if how == "value" and spec.value_function:
            norm[:, j] = value_function(xe[:, j], spec.value_function)
        else:
            norm[:, j] = normalize(
                xe[:, j : j + 1],
                [crit.direction == "benefit"],
                method=how,  # type: ignore[arg-type]
            )[:, 0]
        if n_e > 1 and np.ptp(xe[:, j]) == 0 and weights[j] > 0:
            issues.append(
                Issue(
                    "warning",
                    f"{where}, criterion '{crit.id}': the same value ({xe[0, j]:g}) for every "
                    "ranked row, so it does not separate them (its weight has no effect)",
                    layer=layer,
                    field=crit.columns[0],
                    code="criterion-constant",
                )
            )
    if method == "promethee_ii" and n_e > PROMETHEE_PRACTICAL_LIMIT:
        issues.append(
            Issue(
                "warning",
                f"{where}: PROMETHEE II compares every pair of the {n_e} ranked rows "
                f"(time grows with the square of their number; practical up to about "
                f"{PROMETHEE_PRACTICAL_LIMIT:,}); the scores are exact but slow to compute, and "
                "the stability analysis repeats the comparisons; use method weighted_sum for "
                "this many rows",
                layer=layer,
                code="method-cost",
            )
        )
    kernel = _Kernel.build(norm, method)  # type: ignore[arg-type]
    scores = kernel.scores(weights[None, :])[0] if n_e else np.zeros(0)
    require_finite_scores(scores, norm, criteria, where=where, ids=ids[eligible])
    scores = np.clip(scores, 0.0, 1.0)
    # contribution of each criterion as a share of the score: weighted sum shares; for
    # TOPSIS, VIKOR and PROMETHEE II they approximate the criterion's role (closeness, 1 - Q
    # and the net flow have no additive decomposition into non-negative shares of N)
    parts = (kernel.a if method == "weighted_product" else norm) * weights[None, :]
    totals = parts.sum(axis=1, keepdims=True)
    contrib = np.divide(parts, totals, out=np.zeros_like(parts), where=totals > 0)
    ties = [t[eligible] for t in tie_breakers]
    ranks = (
        rank_with_ties(scores, *ties, ids=ids.to_numpy()[eligible])
        if n_e
        else np.zeros(0, dtype=np.int64)
    )
    klass = (
        classify_scores(scores, scheme=classes, ranks=ranks, quotas=quotas)
        if n_e
        else np.zeros(0, dtype=np.int64)
    )
    return _Ranked(
        criteria,
        weights,
        raw,
        norm,
        eligible,
        scores,
        contrib,
        ranks,
        klass,
        method,
        imputed=imputed_column(notes),
    )


def _with_district_flags(villages: pd.DataFrame, districts: pd.DataFrame | None) -> pd.DataFrame:
    if "district_is_poor" in villages.columns:
        return villages
    if (
        districts is None
        or "is_poor_district" not in districts.columns
        or "district_code" not in districts.columns
        or "district_code" not in villages.columns
    ):
        return villages
    lookup = dict(
        zip(
            districts["district_code"].astype(str),
            column(districts, "is_poor_district"),
            strict=True,
        )
    )
    out = villages.copy()
    out["district_is_poor"] = villages["district_code"].astype(str).map(lookup).astype("float64")
    return out


def _add_columns(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """Return ``frame`` with new columns added at once (keeps GeoDataFrame and CRS)."""
    new = pd.DataFrame(columns, index=frame.index)
    keep = frame.drop(columns=[c for c in new.columns if c in frame.columns])
    out = pd.concat([keep, new], axis=1)
    if hasattr(frame, "geometry") and hasattr(frame, "crs"):
        import geopandas as gpd

        out = gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
    return out


def _eligibility(
    frame: pd.DataFrame, spec: TrackSpec, ctx: RuleContext
) -> tuple[npt.NDArray[np.bool_], list[list[str]], list[list[str]]]:
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    fails_en: list[list[str]] = [[] for _ in range(n)]
    fails_vi: list[list[str]] = [[] for _ in range(n)]
    for rule_id in spec.eligibility.all:
        rule = get_rule(rule_id)
        met = rule.evaluate(frame, ctx).to_numpy()
        ok &= met
        for i in np.flatnonzero(~met):
            fails_en[i].append(rule.fails_en)
            fails_vi[i].append(rule.fails_vi)
    if spec.eligibility.any:
        rules = [get_rule(r) for r in spec.eligibility.any]
        mets = np.column_stack([r.evaluate(frame, ctx).to_numpy() for r in rules])
        any_ok = mets.any(axis=1)
        ok &= any_ok
        en = ", ".join(r.fails_en for r in rules)
        vi = ", ".join(r.fails_vi for r in rules)
        for i in np.flatnonzero(~any_ok):
            fails_en[i].append(en)
            fails_vi[i].append(vi)
    return ok, fails_en, fails_vi


def _what_if(
    ranked: _Ranked, order: npt.NDArray[np.int64], top_n: int, steps: int
) -> tuple[pd.DataFrame, list[tuple[int, Criterion | None, str, float]]]:
    """Sweep each weight; return the long table and, per top village, the smallest change."""
    norm_sorted = ranked.norm[order]
    grid, sweep = weight_sweep(norm_sorted, ranked.weights, steps=steps, method=ranked.method)  # type: ignore[arg-type]
    k = min(top_n, norm_sorted.shape[0])
    rows: list[dict[str, Any]] = []
    changes: list[tuple[int, Criterion | None, str, float]] = []
    for pos in range(k):
        best: tuple[float, Criterion | None, str, float] = (np.inf, None, "", 0.0)
        for j, crit in enumerate(ranked.criteria):
            r = sweep[j, :, pos]
            base_w = ranked.weights[j]
            for g, rr in zip(grid, r, strict=True):
                rows.append(
                    {
                        "criterion": crit.id,
                        "base_weight": base_w,
                        "weight": g,
                        "pos": pos,
                        "rank": int(rr),
                    }
                )
            out = r > top_n
            if not out.any():
                continue
            below = grid[out & (grid < base_w)]
            above = grid[out & (grid > base_w)]
            if below.size:
                thr = float(below.max())
                dist = base_w - thr
                if dist < best[0]:
                    best = (dist, crit, "below", float(min(base_w, thr + (grid[1] - grid[0]))))
            if above.size:
                thr = float(above.min())
                dist = thr - base_w
                if dist < best[0]:
                    best = (dist, crit, "above", float(max(base_w, thr - (grid[1] - grid[0]))))
        changes.append((pos, best[1], best[2], best[3]))
    return pd.DataFrame(rows), changes


def _score_track(
    villages: pd.DataFrame,
    name: str,
    spec: TrackSpec,
    *,
    cfg: ScoringConfig,
    ctx: RuleContext,
    issues: list[Issue],
    excluded: npt.NDArray[np.bool_] | None = None,
    excluded_class: npt.NDArray[np.int64] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], pd.DataFrame]:
    n = len(villages)
    ids = (
        villages["village_id"].astype(str)
        if "village_id" in villages
        else pd.Series([str(i) for i in range(n)], index=villages.index)
    )
    word_en, word_vi = _TRACK_WORDS[name]
    title_en = (
        (spec.title_en or word_en).lower()
        if not spec.title_en
        else spec.title_en[0].lower() + spec.title_en[1:]
    )
    title_vi = spec.title_vi or word_vi
    title_vi = title_vi[0].lower() + title_vi[1:] if title_vi else title_vi
    eligible, fails_en, fails_vi = _eligibility(villages, spec, ctx)
    nodup_en = nodup_vi = ""
    if excluded is not None and excluded_class is not None:
        if not cfg.resettled_also_infrastructure:
            for i in np.flatnonzero(excluded & eligible):
                fails_en[i].append(
                    f"chosen for resettlement (priority class {excluded_class[i]}), so no "
                    "duplicate in-place investment (P-NODUP)"
                )
                fails_vi[i].append(
                    f"đã được chọn sắp xếp dân cư (nhóm ưu tiên {excluded_class[i]}), không đầu tư "
                    "trùng lặp tại chỗ (P-NODUP)"
                )
            eligible = eligible & ~excluded
        else:
            nodup_en = (
                " Also chosen for resettlement (priority class {k}); ranked here because the "
                "scenario allows it (P-NODUP override)."
            )
            nodup_vi = (
                " Đồng thời thuộc diện sắp xếp dân cư (nhóm ưu tiên {k}); vẫn xếp hạng vì kịch bản "
                "cho phép (ngoại lệ P-NODUP)."
            )
    weights, ahp_info = _track_weights(spec)
    tie_cols = [
        column(villages, c).to_numpy(dtype=np.float64, na_value=np.nan) for c in spec.tie_break
    ]
    where = f"track {name}"
    ranked = _rank_frame(
        villages,
        ids=ids,
        criteria_specs=spec.criteria,
        weights=weights,
        normalization=spec.normalization,
        method=spec.method,
        missing=spec.missing,
        eligible=eligible,
        tie_breakers=tie_cols,
        classes=spec.classes,
        quotas=spec.class_quotas,
        ctx=ctx,
        where=where,
        layer="villages",
        issues=issues,
    )
    n_e = int(eligible.sum())
    elig_idx = np.flatnonzero(eligible)
    order = np.argsort(ranked.ranks, kind="stable")  # eligible positions in base rank order
    st = cfg.stability
    top_n = min(cfg.top_n, max(n_e, 1))
    # Monte Carlo on rows in base order so that ties in a draw keep the base order
    t0 = time.perf_counter()
    mc = monte_carlo_ranks(
        ranked.norm[order],
        weights,
        draws=st.draws if n_e > 1 else 0,
        concentration=st.concentration,
        top_n=st.top_n,
        random_state=st.random_state,
        chunk_size=st.chunk_size,
        method=spec.method,
    )
    inv = np.empty(n_e, dtype=np.int64)
    inv[order] = np.arange(n_e)
    sweeps, changes = (
        _what_if(ranked, order, top_n, st.sweep_steps)
        if n_e > 1 and len(ranked.criteria) > 1
        else (pd.DataFrame(), [])
    )
    stab_seconds = time.perf_counter() - t0

    score = np.full(n, np.nan)
    score[elig_idx] = ranked.scores
    rank = pd.array([pd.NA] * n, dtype="Int64")
    rank[elig_idx] = ranked.ranks
    klass = np.zeros(n, dtype=np.int64)
    klass[elig_idx] = ranked.classes
    p05 = pd.array([pd.NA] * n, dtype="Int64")
    p95 = pd.array([pd.NA] * n, dtype="Int64")
    p50 = pd.array([pd.NA] * n, dtype="Int64")
    p_top = np.full(n, np.nan)
    p05[elig_idx] = mc.rank_p05[inv]
    p50[elig_idx] = mc.rank_p50[inv]
    p95[elig_idx] = mc.rank_p95[inv]
    p_top[elig_idx] = mc.p_top[inv]
    what_en = [""] * n
    what_vi = [""] * n
    for pos, crit, direction, thr in changes:
        i = elig_idx[order[pos]]
        what_en[i] = what_if_sentence(
            criterion=crit, direction=direction, threshold=thr, top_n=top_n, lang="en"
        )
        what_vi[i] = what_if_sentence(
            criterion=crit, direction=direction, threshold=thr, top_n=top_n, lang="vi"
        )

    forest = (
        villages["forest_name"].fillna("").astype(str).to_numpy()
        if "forest_name" in villages.columns
        else np.array([""] * n)
    )
    reason_en = [""] * n
    reason_vi = [""] * n
    ranked_en, ranked_vi = _ranked_reasons(ranked, title_en, title_vi, forest=forest)
    for k, i in enumerate(elig_idx):
        en, vi = ranked_en[k], ranked_vi[k]
        if what_en[i]:
            en, vi = f"{en} {what_en[i]}", nfc(f"{vi} {what_vi[i]}")
        if nodup_en and excluded is not None and excluded_class is not None and excluded[i]:
            en += nodup_en.format(k=excluded_class[i])
            vi = nfc(vi + nodup_vi.format(k=excluded_class[i]))
        reason_en[i], reason_vi[i] = en, vi
    for i in np.flatnonzero(~eligible):
        reason_en[i] = ineligible_reason(track_title=title_en, failures=fails_en[i], lang="en")
        reason_vi[i] = ineligible_reason(track_title=title_vi, failures=fails_vi[i], lang="vi")

    cols: dict[str, Any] = {
        f"{name}_score": score,
        f"{name}_rank": rank,
        f"{name}_class": klass,
        f"{name}_eligible": eligible.copy(),
        f"{name}_reason": reason_en,
        f"{name}_reason_vi": reason_vi,
        f"{name}_imputed": ranked.imputed,
    }
    for j, crit in enumerate(ranked.criteria):
        c = np.full(n, np.nan)
        c[elig_idx] = ranked.contrib[:, j]
        cols[f"{name}_contrib_{crit.id}"] = c
    cols.update(
        {
            f"{name}_rank_p05": p05,
            f"{name}_rank_p50": p50,
            f"{name}_rank_p95": p95,
            f"{name}_p_top": p_top,
            f"{name}_what_if": what_en,
            f"{name}_what_if_vi": what_vi,
        }
    )
    extra_cites = {c.id: c.cites for c in spec.criteria}
    info = {
        "title_vi": spec.title_vi or word_vi,
        "title_en": spec.title_en or word_en,
        "cites": list(spec.cites),
        "method": spec.method,
        "normalization": spec.normalization,
        "weights_from": spec.weights_from,
        "consistency_ratio": None if ahp_info is None else ahp_info["cr"],
        "ahp": ahp_info,
        "eligibility": spec.eligibility.model_dump(),
        "ranked": n_e,
        "criteria": [
            {
                **crit.to_dict(),
                "weight": float(weights[j]),
                "cites": sorted(set(crit.cites) | set(extra_cites.get(crit.id, []))),
            }
            for j, crit in enumerate(ranked.criteria)
        ],
    }
    width = (mc.rank_p95 - mc.rank_p05) if n_e else np.zeros(0)
    stability = {
        "draws": mc.draws,
        "concentration": mc.concentration,
        "top_n": mc.top_n,
        "exact": mc.exact,
        "seconds": round(stab_seconds, 4),
        "ranked": n_e,
        "median_interval_width": float(np.median(width)) if n_e else 0.0,
        "stable_top": int((mc.p_top >= 0.9).sum()),
        "uncertain_top": int(((mc.p_top > 0.1) & (mc.p_top < 0.9)).sum()),
    }
    if not sweeps.empty:
        sweeps["village_id"] = ids.to_numpy()[elig_idx[order[sweeps["pos"].to_numpy()]]]
        sweeps = sweeps.drop(columns="pos")
        sweeps.insert(0, "track", name)
    return cols, info, stability, sweeps


def _commune_rollups(
    villages: pd.DataFrame, communes: pd.DataFrame, tracks: Sequence[str]
) -> dict[str, Any]:
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


def _rank_communes(
    communes: pd.DataFrame, spec: CommuneRankingSpec, ctx: RuleContext, issues: list[Issue]
) -> tuple[dict[str, Any], dict[str, Any]]:
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
    ranked = _rank_frame(
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
    en_title = "the commune-based NTM programme"
    vi_title = "chương trình xây dựng nông thôn mới cấp xã"
    reasons_en, reasons_vi = _ranked_reasons(ranked, en_title, vi_title)
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
        "title_vi": "Xếp hạng xã xây dựng nông thôn mới",
        "title_en": "Commune ranking for new rural development",
        "cites": list(spec.cites),
        "method": spec.method,
        "normalization": spec.normalization,
        "criteria": [{**c.to_dict(), "weight": float(w[j])} for j, c in enumerate(ranked.criteria)],
    }
    return cols, info


def score_tracks(indicators: Any, scenario: Any) -> ScoringResult:
    """Score every village (and commune) on the scenario's priority tracks.

    Parameters
    ----------
    indicators
        Object with ``villages`` and ``communes`` frames carrying the
        indicator columns of docs/ARCHITECTURE.md (and optionally
        ``districts`` with ``is_poor_district``).
    scenario
        The :class:`geoplan.scenario.Scenario` (its ``scoring`` section and
        ``indicators.high_landslide_level`` are read), or a bare
        :class:`ScoringConfig`.

    Returns
    -------
    ScoringResult
        Copies of the frames with the per-track columns, track
        descriptions, stability summary, sweeps and issues.

    Raises
    ------
    ScoringError
        If the village frame lacks ``village_id`` or ids are not unique.
    """
    cfg, ctx = _context(scenario)
    villages_in = indicators.villages
    if "village_id" not in villages_in.columns:
        msg = "layer 'villages': field 'village_id' is missing; map your id column under `fields:`"
        raise ScoringError(msg)
    dup = villages_in["village_id"].astype(str).duplicated(keep=False)
    if dup.any():
        rows = ", ".join(villages_in.loc[dup, "village_id"].astype(str).head(5))
        msg = (
            f"layer 'villages': field 'village_id' is not unique (e.g. {rows}); "
            "give every village its own id"
        )
        raise ScoringError(msg)
    villages = _with_district_flags(villages_in, getattr(indicators, "districts", None))
    issues: list[Issue] = []
    tracks_info: dict[str, dict[str, Any]] = {}
    stability: dict[str, Any] = {}
    sweeps: list[pd.DataFrame] = []
    all_cols: dict[str, Any] = {}
    excluded: npt.NDArray[np.bool_] | None = None
    excluded_class: npt.NDArray[np.int64] | None = None
    names = [t for t in TRACKS if t in cfg.tracks]
    for name in names:
        spec = cfg.tracks[name]
        nodup = name == "infrastructure"
        cols, info, stab, sw = _score_track(
            villages,
            name,
            spec,
            cfg=cfg,
            ctx=ctx,
            issues=issues,
            excluded=excluded if nodup else None,
            excluded_class=excluded_class if nodup else None,
        )
        all_cols.update(cols)
        tracks_info[name] = info
        stability[name] = stab
        if not sw.empty:
            sweeps.append(sw)
        if name == "resettlement":
            k = np.asarray(cols["resettlement_class"])
            excluded = (k >= 1) & (k <= cfg.nodup_max_class)
            excluded_class = k
    out_villages = _add_columns(villages, all_cols)
    communes = indicators.communes
    commune_cols = _commune_rollups(out_villages, communes, names)
    communes_mid = _add_columns(communes, commune_cols) if commune_cols else communes.copy()
    ntm_cols, ntm_info = _rank_communes(communes_mid, cfg.communes, ctx, issues)
    out_communes = _add_columns(communes_mid, ntm_cols) if ntm_cols else communes_mid
    sweep_frame = (
        pd.concat(sweeps, ignore_index=True)
        if sweeps
        else pd.DataFrame(
            columns=["track", "criterion", "base_weight", "weight", "rank", "village_id"]
        )
    )
    return ScoringResult(
        villages=out_villages,
        communes=out_communes,
        tracks=tracks_info,
        stability=stability,
        sweeps=sweep_frame,
        issues=issues,
        commune_ranking=ntm_info,
    )


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
