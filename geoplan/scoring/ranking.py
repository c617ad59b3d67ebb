"""Rank one frame on a set of criteria: fill, normalise, score, rank, classify, explain.

The pieces every ranking shares (village tracks and the commune ranking):
:func:`eligibility` applies a track's rules, :func:`rank_frame` scores and ranks
the eligible rows, :func:`ranked_reasons` words the result and :func:`what_if`
sweeps each weight to find the smallest change that moves a top village out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoplan.config.scoring import ClassScheme, CriterionSpec, TrackSpec
from geoplan.errors import Issue
from geoplan.scoring.catalogue import Criterion, RuleContext, get_criterion, get_rule
from geoplan.scoring.imputation import fill_missing, imputed_column, require_finite_scores
from geoplan.scoring.methods import classify_scores, normalize, rank_with_ties, value_function
from geoplan.scoring.reasons import REASON_ITEMS, REASON_MIN_SHARE, ReasonWriter
from geoplan.scoring.stability import _Kernel, weight_sweep

__all__ = [
    "PROMETHEE_PRACTICAL_LIMIT",
    "Ranked",
    "eligibility",
    "rank_frame",
    "ranked_reasons",
    "what_if",
]

FloatArray = npt.NDArray[np.float64]

#: Ranked rows above which PROMETHEE II (O(n^2) pairwise comparisons) is reported as costly.
PROMETHEE_PRACTICAL_LIMIT = 5000


@dataclass
class Ranked:
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


def ranked_reasons(
    ranked: Ranked, title_en: str, title_vi: str, *, forest: npt.NDArray[Any] | None = None
) -> tuple[list[str], list[str]]:
    """Return the English and Vietnamese reasons of the ranked rows, in eligible order.

    ``forest`` holds the forest name of every row of the frame (for forest criteria).
    """
    n_ranked = len(ranked.scores)
    reasons_en: list[str] = []
    reasons_vi: list[str] = []
    rows = np.flatnonzero(ranked.eligible)
    writer_en, writer_vi = ReasonWriter("en", title_en), ReasonWriter("vi", title_vi)
    # The few criteria each sentence names, found for all rows at once: the largest
    # shares first, ties by criterion id (the order ranked_reason sorts them in).
    id_rank = np.argsort(np.argsort([c.id for c in ranked.criteria], kind="stable"), kind="stable")
    by_share = np.lexsort((np.broadcast_to(id_rank, ranked.contrib.shape), -ranked.contrib))
    named = by_share[:, :REASON_ITEMS]
    shares = np.take_along_axis(ranked.contrib, named, axis=1)
    values = np.take_along_axis(ranked.raw[rows], named, axis=1)
    for k, i in enumerate(rows):
        contribs = [
            (ranked.criteria[j], float(v), float(share))
            for j, v, share in zip(named[k], values[k], shares[k], strict=True)
            if share > REASON_MIN_SHARE
        ]
        common: dict[str, Any] = {
            "rank": int(ranked.ranks[k]),
            "n_ranked": n_ranked,
            "klass": int(ranked.classes[k]),
            "contributions": contribs,
            "score": float(ranked.scores[k]),
            "forest": "" if forest is None else forest[i],
            "max_items": REASON_ITEMS,
        }
        reasons_en.append(writer_en.ranked(**common))
        reasons_vi.append(writer_vi.ranked(**common))
    return reasons_en, reasons_vi


def _criteria_matrix(
    frame: pd.DataFrame,
    criteria: Sequence[Criterion],
    criteria_specs: Sequence[CriterionSpec],
    *,
    missing: str,
    eligible: npt.NDArray[np.bool_],
    ids: pd.Series,
    ctx: RuleContext,
    where: str,
    layer: str,
    issues: list[Issue],
) -> tuple[FloatArray, list[list[str]]]:
    """Return the raw values (one column per criterion, gaps filled) and each row's fill notes."""
    n_all = len(frame)
    raw = np.zeros((n_all, len(criteria)))
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
    return raw, notes


def _normalised(
    xe: FloatArray,
    criteria: Sequence[Criterion],
    criteria_specs: Sequence[CriterionSpec],
    *,
    normalization: str,
    weights: FloatArray,
    where: str,
    layer: str,
    issues: list[Issue],
) -> FloatArray:
    """Normalise each criterion of the eligible rows; warn about a weighted constant one."""
    n_e, m = xe.shape
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
    return norm


def _method_cost_issue(method: str, n_e: int, *, where: str, layer: str) -> Issue | None:
    """Return a warning when PROMETHEE II has too many rows to compare pairwise quickly."""
    if method != "promethee_ii" or n_e <= PROMETHEE_PRACTICAL_LIMIT:
        return None
    return Issue(
        "warning",
        f"{where}: PROMETHEE II compares every pair of the {n_e} ranked rows "
        f"(time grows with the square of their number; practical up to about "
        f"{PROMETHEE_PRACTICAL_LIMIT:,}); the scores are exact but slow to compute, and "
        "the stability analysis repeats the comparisons; use method weighted_sum for "
        "this many rows",
        layer=layer,
        code="method-cost",
    )


def _contributions(
    kernel: _Kernel, norm: FloatArray, weights: FloatArray, method: str
) -> FloatArray:
    """Return each criterion's share of each row's score.

    Weighted sum shares; for TOPSIS, VIKOR and PROMETHEE II they approximate the criterion's
    role (closeness, 1 - Q and the net flow have no additive decomposition into
    non-negative shares of N).
    """
    parts = (kernel.a if method == "weighted_product" else norm) * weights[None, :]
    totals = parts.sum(axis=1, keepdims=True)
    shares: FloatArray = np.divide(parts, totals, out=np.zeros_like(parts), where=totals > 0)
    return shares


def rank_frame(
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
) -> Ranked:
    """Fill, normalise, score, rank and classify the eligible rows of ``frame``.

    Issues (filled values, constant criteria, a costly method) are appended to ``issues``,
    each naming ``where`` and ``layer``.
    """
    criteria = [get_criterion(c.id) for c in criteria_specs]
    raw, notes = _criteria_matrix(
        frame, criteria, criteria_specs, missing=missing, eligible=eligible, ids=ids, ctx=ctx,
        where=where, layer=layer, issues=issues,
    )  # fmt: skip
    xe = raw[eligible]
    n_e = xe.shape[0]
    norm = _normalised(
        xe, criteria, criteria_specs, normalization=normalization, weights=weights,
        where=where, layer=layer, issues=issues,
    )  # fmt: skip
    cost = _method_cost_issue(method, n_e, where=where, layer=layer)
    if cost is not None:
        issues.append(cost)
    kernel = _Kernel.build(norm, method)  # type: ignore[arg-type]
    scores = kernel.scores(weights[None, :])[0] if n_e else np.zeros(0)
    require_finite_scores(scores, norm, criteria, where=where, ids=ids[eligible])
    scores = np.clip(scores, 0.0, 1.0)
    contrib = _contributions(kernel, norm, weights, method)
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
    return Ranked(
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


def eligibility(
    frame: pd.DataFrame, spec: TrackSpec, ctx: RuleContext
) -> tuple[npt.NDArray[np.bool_], list[list[str]], list[list[str]]]:
    """Return which rows meet the track's rules, and per row the English and Vietnamese failures."""
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


def what_if(
    ranked: Ranked, order: npt.NDArray[np.int64], top_n: int, steps: int
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
