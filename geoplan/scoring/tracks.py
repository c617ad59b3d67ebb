"""Score the priority tracks: eligibility, scores, ranks, classes, reasons, stability.

:func:`score_tracks` is the stage entry point (see docs/ARCHITECTURE.md and
docs/scoring.md for the columns it adds).  Tracks are scored in the order
resettlement → infrastructure → investment because P-NODUP needs the
resettlement classes before ranking in-place infrastructure.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoplan.config.scoring import TRACKS, ScoringConfig, TrackSpec
from geoplan.errors import Issue, ScoringError
from geoplan.i18n import label, tr
from geoplan.scoring.ahp import ahp_details
from geoplan.scoring.catalogue import DISADVANTAGED_GROUPS, Criterion, RuleContext, column
from geoplan.scoring.communes import commune_rollups, rank_communes
from geoplan.scoring.ranking import Ranked, eligibility, rank_frame, ranked_reasons, what_if
from geoplan.scoring.reasons import ineligible_reason, nfc, what_if_sentence
from geoplan.scoring.stability import MonteCarloResult, monte_carlo_ranks

if TYPE_CHECKING:
    from geoplan.indicators import Indicators
    from geoplan.scenario import Scenario

__all__ = ["ScoringResult", "compare_scores", "score_tracks"]

FloatArray = npt.NDArray[np.float64]


def _track_words(name: str) -> tuple[str, str]:
    """Return a track's default name in English and Vietnamese (``reasons`` labels)."""
    return tr(f"track_{name}", "en", "reasons"), tr(f"track_{name}", "vi", "reasons")


@dataclass(frozen=True)
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


def _context(scenario: Scenario | ScoringConfig) -> tuple[ScoringConfig, RuleContext]:
    if isinstance(scenario, ScoringConfig):
        cfg = scenario
        high = 4
    else:
        cfg = scenario.scoring
        high = scenario.indicators.high_landslide_level
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


def _track_titles(name: str, spec: TrackSpec) -> tuple[str, str]:
    """Return the track's English and Vietnamese titles as used inside a sentence."""
    word_en, word_vi = _track_words(name)
    title_en = (
        (spec.title_en or word_en).lower()
        if not spec.title_en
        else spec.title_en[0].lower() + spec.title_en[1:]
    )
    title_vi = spec.title_vi or word_vi
    title_vi = title_vi[0].lower() + title_vi[1:] if title_vi else title_vi
    return title_en, title_vi


@dataclass(frozen=True)
class _NoDuplicate:
    """Villages chosen for resettlement, for P-NODUP in the infrastructure track."""

    excluded: npt.NDArray[np.bool_]
    excluded_class: npt.NDArray[np.int64]


def _apply_no_duplicate(
    nodup: _NoDuplicate | None,
    eligible: npt.NDArray[np.bool_],
    fails: tuple[list[list[str]], list[list[str]]],
    cfg: ScoringConfig,
) -> tuple[npt.NDArray[np.bool_], str, str]:
    """Exclude villages chosen for resettlement (P-NODUP), or word the override.

    Returns the eligibility after exclusion and the English and Vietnamese sentence
    templates (``{k}`` = resettlement class) added to the reasons when the scenario
    allows both.
    """
    if nodup is None:
        return eligible, "", ""
    if cfg.resettled_also_infrastructure:
        return (
            eligible,
            " " + tr("nodup_override", "en", "reasons"),
            " " + tr("nodup_override", "vi", "reasons"),
        )
    fails_en, fails_vi = fails
    for i in np.flatnonzero(nodup.excluded & eligible):
        k = nodup.excluded_class[i]
        fails_en[i].append(label("nodup_excluded", "en", "reasons", k=k))
        fails_vi[i].append(label("nodup_excluded", "vi", "reasons", k=k))
    return eligible & ~nodup.excluded, "", ""


def _int_column(n: int, at: npt.NDArray[np.int64], values: npt.ArrayLike) -> Any:
    """Return a nullable integer column of length ``n`` holding ``values`` at ``at``."""
    out = pd.array([pd.NA] * n, dtype="Int64")
    out[at] = values
    return out


def _float_column(n: int, at: npt.NDArray[np.int64], values: npt.ArrayLike) -> FloatArray:
    """Return a float column of length ``n`` holding ``values`` at ``at``, NaN elsewhere."""
    out = np.full(n, np.nan)
    out[at] = values
    return out


def _what_if_sentences(
    changes: list[tuple[int, Criterion | None, str, float]],
    rows: npt.NDArray[np.int64],
    n: int,
    top_n: int,
) -> tuple[list[str], list[str]]:
    """Word each top village's smallest weight change, in English and Vietnamese."""
    what_en = [""] * n
    what_vi = [""] * n
    for pos, crit, direction, thr in changes:
        i = rows[pos]
        what_en[i], what_vi[i] = (
            what_if_sentence(
                criterion=crit, direction=direction, threshold=thr, top_n=top_n, lang=lang
            )
            for lang in ("en", "vi")
        )
    return what_en, what_vi


def _reasons(
    villages: pd.DataFrame,
    ranked: Ranked,
    *,
    titles: tuple[str, str],
    fails: tuple[list[list[str]], list[list[str]]],
    what: tuple[list[str], list[str]],
    nodup: tuple[_NoDuplicate | None, str, str],
) -> tuple[list[str], list[str]]:
    """Return every village's reason in English and Vietnamese, ranked or not."""
    n = len(villages)
    title_en, title_vi = titles
    what_en, what_vi = what
    marks, nodup_en, nodup_vi = nodup
    forest = (
        villages["forest_name"].fillna("").astype(str).to_numpy()
        if "forest_name" in villages.columns
        else np.array([""] * n)
    )
    reason_en = [""] * n
    reason_vi = [""] * n
    ranked_en, ranked_vi = ranked_reasons(ranked, title_en, title_vi, forest=forest)
    for k, i in enumerate(np.flatnonzero(ranked.eligible)):
        en, vi = ranked_en[k], ranked_vi[k]
        if what_en[i]:
            en, vi = f"{en} {what_en[i]}", nfc(f"{vi} {what_vi[i]}")
        if nodup_en and marks is not None and marks.excluded[i]:
            en += nodup_en.format(k=marks.excluded_class[i])
            vi = nfc(vi + nodup_vi.format(k=marks.excluded_class[i]))
        reason_en[i], reason_vi[i] = en, vi
    for i in np.flatnonzero(~ranked.eligible):
        reason_en[i] = ineligible_reason(track_title=title_en, failures=fails[0][i], lang="en")
        reason_vi[i] = ineligible_reason(track_title=title_vi, failures=fails[1][i], lang="vi")
    return reason_en, reason_vi


def _track_info(
    name: str, spec: TrackSpec, ranked: Ranked, ahp_info: dict[str, float] | None
) -> dict[str, Any]:
    """Describe the track for the report: titles, method, weights and citations."""
    word_en, word_vi = _track_words(name)
    extra_cites = {c.id: c.cites for c in spec.criteria}
    return {
        "title_vi": spec.title_vi or word_vi,
        "title_en": spec.title_en or word_en,
        "cites": list(spec.cites),
        "method": spec.method,
        "normalization": spec.normalization,
        "weights_from": spec.weights_from,
        "consistency_ratio": None if ahp_info is None else ahp_info["cr"],
        "ahp": ahp_info,
        "eligibility": spec.eligibility.model_dump(),
        "ranked": int(ranked.eligible.sum()),
        "criteria": [
            {
                **crit.to_dict(),
                "weight": float(ranked.weights[j]),
                "cites": sorted(set(crit.cites) | set(extra_cites.get(crit.id, []))),
            }
            for j, crit in enumerate(ranked.criteria)
        ],
    }


def _stability_summary(mc: MonteCarloResult, n_e: int, seconds: float) -> dict[str, Any]:
    """Summarise the Monte Carlo ranks of one track."""
    width = (mc.rank_p95 - mc.rank_p05) if n_e else np.zeros(0)
    return {
        "draws": mc.draws,
        "concentration": mc.concentration,
        "top_n": mc.top_n,
        "exact": mc.exact,
        "seconds": round(seconds, 4),
        "ranked": n_e,
        "median_interval_width": float(np.median(width)) if n_e else 0.0,
        "stable_top": int((mc.p_top >= 0.9).sum()),
        "uncertain_top": int(((mc.p_top > 0.1) & (mc.p_top < 0.9)).sum()),
    }


def _score_track(
    villages: pd.DataFrame,
    name: str,
    spec: TrackSpec,
    *,
    cfg: ScoringConfig,
    ctx: RuleContext,
    issues: list[Issue],
    nodup: _NoDuplicate | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], pd.DataFrame]:
    """Score one track: its columns, its description, its stability and its weight sweeps."""
    n = len(villages)
    ids = (
        villages["village_id"].astype(str)
        if "village_id" in villages
        else pd.Series([str(i) for i in range(n)], index=villages.index)
    )
    titles = _track_titles(name, spec)
    eligible, fails_en, fails_vi = eligibility(villages, spec, ctx)
    fails = (fails_en, fails_vi)
    eligible, nodup_en, nodup_vi = _apply_no_duplicate(nodup, eligible, fails, cfg)
    weights, ahp_info = _track_weights(spec)
    tie_cols = [
        column(villages, c).to_numpy(dtype=np.float64, na_value=np.nan) for c in spec.tie_break
    ]
    ranked = rank_frame(
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
        where=f"track {name}",
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
        workers=min(2, os.cpu_count() or 1),  # the ranks do not depend on it
    )
    inv = np.empty(n_e, dtype=np.int64)
    inv[order] = np.arange(n_e)
    sweeps, changes = (
        what_if(ranked, order, top_n, st.sweep_steps)
        if n_e > 1 and len(ranked.criteria) > 1
        else (pd.DataFrame(), [])
    )
    stab_seconds = time.perf_counter() - t0

    klass = np.zeros(n, dtype=np.int64)
    klass[elig_idx] = ranked.classes
    what_en, what_vi = _what_if_sentences(changes, elig_idx[order], n, top_n)
    reason_en, reason_vi = _reasons(
        villages,
        ranked,
        titles=titles,
        fails=fails,
        what=(what_en, what_vi),
        nodup=(nodup, nodup_en, nodup_vi),
    )
    cols: dict[str, Any] = {
        f"{name}_score": _float_column(n, elig_idx, ranked.scores),
        f"{name}_rank": _int_column(n, elig_idx, ranked.ranks),
        f"{name}_class": klass,
        f"{name}_eligible": eligible.copy(),
        f"{name}_reason": reason_en,
        f"{name}_reason_vi": reason_vi,
        f"{name}_imputed": ranked.imputed,
    }
    for j, crit in enumerate(ranked.criteria):
        cols[f"{name}_contrib_{crit.id}"] = _float_column(n, elig_idx, ranked.contrib[:, j])
    cols.update(
        {
            f"{name}_rank_p05": _int_column(n, elig_idx, mc.rank_p05[inv]),
            f"{name}_rank_p50": _int_column(n, elig_idx, mc.rank_p50[inv]),
            f"{name}_rank_p95": _int_column(n, elig_idx, mc.rank_p95[inv]),
            f"{name}_p_top": _float_column(n, elig_idx, mc.p_top[inv]),
            f"{name}_what_if": what_en,
            f"{name}_what_if_vi": what_vi,
        }
    )
    if not sweeps.empty:
        sweeps["village_id"] = ids.to_numpy()[elig_idx[order[sweeps["pos"].to_numpy()]]]
        sweeps = sweeps.drop(columns="pos")
        sweeps.insert(0, "track", name)
    info = _track_info(name, spec, ranked, ahp_info)
    return cols, info, _stability_summary(mc, n_e, stab_seconds), sweeps


def score_tracks(indicators: Indicators, scenario: Scenario | ScoringConfig) -> ScoringResult:
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
    nodup: _NoDuplicate | None = None
    names = [t for t in TRACKS if t in cfg.tracks]
    for name in names:
        spec = cfg.tracks[name]
        cols, info, stab, sw = _score_track(
            villages,
            name,
            spec,
            cfg=cfg,
            ctx=ctx,
            issues=issues,
            nodup=nodup if name == "infrastructure" else None,
        )
        all_cols.update(cols)
        tracks_info[name] = info
        stability[name] = stab
        if not sw.empty:
            sweeps.append(sw)
        if name == "resettlement":
            k = np.asarray(cols["resettlement_class"])
            nodup = _NoDuplicate((k >= 1) & (k <= cfg.nodup_max_class), k)
    out_villages = _add_columns(villages, all_cols)
    communes = indicators.communes
    commune_cols = commune_rollups(out_villages, communes, names)
    communes_mid = _add_columns(communes, commune_cols) if commune_cols else communes.copy()
    ntm_cols, ntm_info = rank_communes(communes_mid, cfg.communes, ctx, issues)
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
