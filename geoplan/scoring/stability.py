"""Rank stability: Monte Carlo weight perturbation and one-at-a-time weight sweeps.

Both work on a *prepared* track: the oriented, normalised matrix ``N``
``(n, m)`` of the ranked alternatives, the base weights and the aggregation
method.  Scores for many weight vectors at once are matrix products, so a
chunk of ``c`` draws costs one ``(c, m) @ (m, n)`` product and ``c`` sorts.

Memory stays bounded whatever the number of draws: per chunk only the
``(c, n)`` scores and ranks are held, and each alternative's rank
distribution is accumulated in a histogram.  With ``n <= EXACT_LIMIT`` every
rank has its own bin (exact percentiles); above it the first 32 ranks keep
their own bins and the rest share geometrically growing bins (each at most a
few percent wide), and the reported interval is widened outward to the bin
edges, so it always contains the exact one.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from geoplan.errors import ScoringError
from geoplan.scoring.methods import PRODUCT_FLOOR, vikor_q, vikor_regret
from geoplan.scoring.promethee import promethee_flows

__all__ = [
    "EXACT_LIMIT",
    "VIKOR_V",
    "MonteCarloResult",
    "monte_carlo_ranks",
    "score_many",
    "weight_sweep",
]

FloatArray = npt.NDArray[np.float64]
Method = Literal["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii"]
#: How a Monte Carlo run sorts its draws (see ``_ranks_of``); the ranks never depend on it.
Ties = Literal["none", "few", "many"]

#: VIKOR's weight of the group utility in tracks (Opricovic & Tzeng's "consensus" value).
VIKOR_V = 0.5

#: Largest number of alternatives for which rank percentiles are exact.
EXACT_LIMIT = 2048
_BINS = 256
_EXACT_HEAD = 32
#: Beyond this share of tied alternatives a stable sort beats a quicksort plus repairs.
_FEW_TIES = 0.125


@dataclass
class _Kernel:
    """Precomputed terms so that scores for a batch of weights are matrix products."""

    method: Method
    # (n, m): N, log-terms, squared distances to the ideal (TOPSIS), normalised regrets
    # (VIKOR) or unicriterion net flows rescaled to [0, 1] (PROMETHEE II)
    a: FloatArray
    b: FloatArray | None = None  # (n, m): squared distances to the anti-ideal (TOPSIS)
    at: FloatArray = field(init=False, repr=False)  # contiguous transpose of a, (m, n)
    bt: FloatArray | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.at = np.ascontiguousarray(self.a.T)
        self.bt = None if self.b is None else np.ascontiguousarray(self.b.T)

    @classmethod
    def build(cls, normalized: FloatArray, method: Method) -> _Kernel:
        n = np.asarray(normalized, dtype=np.float64)
        if method == "weighted_sum":
            return cls(method, np.ascontiguousarray(n))
        if method == "weighted_product":
            floor = np.log(PRODUCT_FLOOR)
            logs = np.log(PRODUCT_FLOOR + (1.0 - PRODUCT_FLOOR) * np.clip(n, 0.0, 1.0))
            return cls(method, np.ascontiguousarray((logs - floor) / -floor))
        if method == "topsis":
            norm = np.sqrt((n * n).sum(axis=0))
            v = np.divide(n, norm, out=np.zeros_like(n), where=norm > 0)
            best = v.max(axis=0) if v.shape[0] else np.zeros(v.shape[1])
            worst = v.min(axis=0) if v.shape[0] else np.zeros(v.shape[1])
            return cls(
                method,
                np.ascontiguousarray((v - best) ** 2),
                np.ascontiguousarray((v - worst) ** 2),
            )
        if method == "vikor":
            benefit = np.ones(n.shape[1], dtype=bool)
            return cls(method, np.ascontiguousarray(vikor_regret(n, benefit)))
        if method == "promethee_ii":
            # phi = sum_j w_j phi_j, so (1 + phi) / 2 = sum_j w_j (1 + phi_j) / 2 for
            # weights summing to 1: new weights cost one matrix product, like a weighted sum
            return cls(method, np.ascontiguousarray((1.0 + promethee_flows(n)) / 2.0))
        msg = f"unknown aggregation method {method!r}"
        raise ScoringError(msg)

    def scores(self, weights: FloatArray) -> FloatArray:
        """Return scores ``(c, n)`` for weight rows ``(c, m)`` (rows need not sum to 1)."""
        w = np.asarray(weights, dtype=np.float64)
        w = w / w.sum(axis=1, keepdims=True)
        if self.method in ("weighted_sum", "weighted_product", "promethee_ii"):
            return np.asarray(w @ self.at)
        if self.method == "vikor":
            group = w @ self.at  # S, (c, n)
            regret = np.zeros_like(group)  # R = max_j w_j d_ij, one criterion at a time
            for j in range(self.at.shape[0]):
                np.maximum(regret, w[:, j : j + 1] * self.at[j][None, :], out=regret)
            return 1.0 - vikor_q(group, regret, v=VIKOR_V)
        assert self.bt is not None
        w2 = w * w
        d_best = np.sqrt(np.maximum(w2 @ self.at, 0.0))
        d_worst = np.sqrt(np.maximum(w2 @ self.bt, 0.0))
        total = d_best + d_worst
        return np.divide(d_worst, total, out=np.zeros_like(total), where=total > 0)


def score_many(
    normalized: npt.ArrayLike, weights: npt.ArrayLike, *, method: Method = "weighted_sum"
) -> FloatArray:
    """Return scores ``(c, n)`` of ``n`` alternatives under ``c`` weight vectors.

    Parameters
    ----------
    normalized
        Oriented normalised matrix ``(n, m)`` in ``[0, 1]``.
    weights
        Weight rows ``(c, m)`` (each rescaled to sum 1).
    method
        ``"weighted_sum"``, ``"weighted_product"`` (monotone transform of the
        log-product, same ranking), ``"topsis"`` (closeness on the
        vector-normalised ``normalized``), ``"vikor"`` (``1 - Q`` with
        ``v = VIKOR_V``) or ``"promethee_ii"`` (net flow rescaled to
        ``(1 + phi) / 2``, linear preference with ``q = 0`` and ``p`` = each
        column's standard deviation).  PROMETHEE II's pairwise comparisons
        (``O(m n^2)``) are made once per call; each weight vector then costs a
        matrix product, as for the weighted sum.

    Returns
    -------
    numpy.ndarray
        Scores, one row per weight vector.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    return _Kernel.build(np.asarray(normalized, dtype=np.float64), method).scores(w)


def _stable_argsort(keys: FloatArray) -> npt.NDArray[np.intp]:
    """Return ``np.argsort(keys, axis=1, kind="stable")``, sorted the faster way.

    A quicksort puts equal keys in any order; the runs of equal keys (``NaN`` with
    ``NaN`` too) are then put back in column order, which is the stable sort's order.
    When over an eighth of the keys tie (:data:`_FEW_TIES`), the stable sort itself is
    quicker.
    """
    order = np.argsort(keys, axis=1, kind="quicksort")
    ordered = np.take_along_axis(keys, order, axis=1)
    tie = ordered[:, 1:] == ordered[:, :-1]
    nan = np.isnan(ordered)
    tie |= nan[:, 1:] & nan[:, :-1]
    del ordered, nan
    n_tied = int(np.count_nonzero(tie))
    if n_tied == 0:
        return order
    if n_tied > keys.size * _FEW_TIES:
        return np.argsort(keys, axis=1, kind="stable")
    rows, first = np.nonzero(tie)
    in_run = np.zeros(order.shape, dtype=bool)
    in_run[rows, first] = True
    in_run[rows, first + 1] = True
    rows, pos = np.nonzero(in_run)  # row by row, positions increasing: runs are contiguous
    after_tie = np.zeros(rows.shape[0], dtype=bool)
    inner = pos > 0
    after_tie[inner] = tie[rows[inner], pos[inner] - 1]
    run = np.cumsum(~after_tie)
    columns = order[rows, pos]
    order[rows, pos] = columns[np.lexsort((columns, run))]
    return order


def _ranks_of(scores: FloatArray, *, ties: Ties = "many") -> npt.NDArray[np.int32]:
    """Return ranks (1 = best) per row.

    Tied scores keep their column order (columns come in base ranking order, so ties
    follow the base ranking). ``ties`` says how the sort gets there, never the result:
    ``"none"`` (no two alternatives can tie in every draw, see :func:`_tied_share`) uses
    a quicksort, about twice as fast; ``"few"`` a quicksort whose runs of equal scores
    are put back in column order (:func:`_stable_argsort`); ``"many"`` a stable sort.
    """
    c, n = scores.shape
    keys = np.negative(scores)
    if ties == "none":
        order = np.argsort(keys, axis=1, kind="quicksort")
    elif ties == "few":
        order = _stable_argsort(keys)
    else:
        order = np.argsort(keys, axis=1, kind="stable")
    ranks = np.empty((c, n), dtype=np.int32)
    ranks[np.arange(c)[:, None], order] = np.arange(1, n + 1, dtype=np.int32)
    return ranks


def _tied_share(normalized: FloatArray, weights: FloatArray) -> float:
    """Return the share of alternatives identical to another on every weighted criterion.

    Only such pairs tie under (almost) every random weight vector; any other
    exact tie needs an exact coincidence of continuous random weights.  The
    sort is deterministic in either case.
    """
    active = np.ascontiguousarray(normalized[:, weights > 0])
    if active.shape[0] < 2:
        return 0.0
    _, counts = np.unique(active, axis=0, return_counts=True)
    return float(counts[counts > 1].sum() / active.shape[0])


def _ties(share: float) -> Ties:
    """How to sort the draws' scores when ``share`` of the alternatives have a twin."""
    if share == 0:
        return "none"
    return "few" if share <= _FEW_TIES else "many"


def _bin_edges(n: int) -> npt.NDArray[np.int64]:
    """Lower rank of every histogram bin (first bin starts at 1), plus n + 1 at the end."""
    if n <= EXACT_LIMIT:
        return np.arange(1, n + 2, dtype=np.int64)
    head = np.arange(1, _EXACT_HEAD + 1, dtype=np.int64)
    tail = np.unique(
        np.round(np.geomspace(_EXACT_HEAD + 1, n + 1, _BINS - _EXACT_HEAD)).astype(np.int64)
    )
    edges = np.unique(np.concatenate([head, tail, [n + 1]]))
    return edges


@dataclass
class MonteCarloResult:
    """Rank distribution of each alternative under random weights.

    Attributes
    ----------
    rank_p05, rank_p50, rank_p95
        5th, 50th and 95th percentile of each alternative's rank.
    p_top
        Share of draws in which the alternative is in the top ``top_n``.
    draws, top_n, concentration
        The settings used.
    exact
        ``True`` when percentiles are exact (``n <= EXACT_LIMIT``).
    seconds
        Wall time of the analysis.
    """

    rank_p05: npt.NDArray[np.int64]
    rank_p50: npt.NDArray[np.int64]
    rank_p95: npt.NDArray[np.int64]
    p_top: FloatArray
    draws: int
    top_n: int
    concentration: float
    exact: bool
    seconds: float
    peak_chunk_bytes: int = field(default=0)


def _dirichlet_draws(
    base: FloatArray, draws: int, concentration: float, rng: np.random.Generator
) -> FloatArray:
    """Draw weight vectors around ``base``; zero weights stay zero."""
    active = base > 0
    out = np.zeros((draws, base.shape[0]))
    if active.sum() == 1:
        out[:, active] = 1.0
        return out
    alpha = np.maximum(concentration * base[active] / base[active].sum(), 1e-3)
    out[:, active] = rng.dirichlet(alpha, size=draws)
    return out


def _checked_inputs(
    normalized: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Return the matrix and the base weights as float arrays, or raise on a bad shape."""
    x = np.asarray(normalized, dtype=np.float64)
    if x.ndim != 2:
        msg = f"normalized must be 2-D (alternatives x criteria), got shape {x.shape}"
        raise ScoringError(msg)
    m = x.shape[1]
    base = np.asarray(weights, dtype=np.float64).reshape(-1)
    if base.shape[0] != m or np.any(base < 0) or base.sum() <= 0:
        msg = f"weights must be {m} non-negative numbers with a positive sum"
        raise ScoringError(msg)
    return x, base


@dataclass(frozen=True)
class _RankBins:
    """Layout of the rank histograms: bin edges, rank -> bin table, alternatives per block."""

    edges: npt.NDArray[np.int64]
    lut: npt.NDArray[np.int32]
    n_bins: int
    block: int
    offsets: npt.NDArray[np.int32]
    count_type: type[np.unsignedinteger]

    @classmethod
    def for_problem(cls, n: int, draws: int) -> _RankBins:
        """Bins for ``n`` alternatives, counters wide enough for ``draws``."""
        edges = _bin_edges(n)
        n_bins = edges.shape[0] - 1
        # rank -> bin lookup table (index 0 unused)
        lut = np.zeros(n + 2, dtype=np.int32)
        lut[edges[:-1]] = 1
        lut = (np.cumsum(lut) - 1).astype(np.int32)
        count_type: type[np.unsignedinteger] = np.uint16 if draws < 2**16 else np.uint32
        block = max(1, min(n, (1 << 20) // n_bins))
        offsets = np.arange(block, dtype=np.int32) * n_bins
        return cls(edges, lut, n_bins, block, offsets, count_type)


def _tally_chunks(
    kernel: _Kernel,
    w_all: FloatArray,
    bins: _RankBins,
    *,
    first: int,
    step: int,
    chunk_size: int,
    top_n: int,
    ties: Ties,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.unsignedinteger], int]:
    """Rank the draws of every ``step``-th chunk from ``first``: top counts, histograms."""
    draws = w_all.shape[0]
    n = bins.lut.shape[0] - 2
    n_bins, block = bins.n_bins, bins.block
    counts = np.zeros((n, n_bins), dtype=bins.count_type)
    top = np.zeros(n, dtype=np.int64)
    peak = 0
    for lo in range(first * chunk_size, draws, step * chunk_size):
        scores = kernel.scores(w_all[lo : lo + chunk_size])  # (c, n)
        ranks = _ranks_of(scores, ties=ties)
        peak = max(peak, scores.nbytes * 3 + ranks.nbytes * 2)
        del scores
        top += (ranks <= top_n).sum(axis=0)
        binned = bins.lut[ranks]
        del ranks
        for v0 in range(0, n, block):
            v1 = min(n, v0 + block)
            local = binned[:, v0:v1] + bins.offsets[None, : v1 - v0]
            counts[v0:v1] += (
                np.bincount(local.ravel(), minlength=(v1 - v0) * n_bins)
                .reshape(v1 - v0, n_bins)
                .astype(bins.count_type)
            )
        del binned
    return top, counts, peak


def _tally_in_threads(
    kernel: _Kernel,
    w_all: FloatArray,
    bins: _RankBins,
    *,
    workers: int,
    chunk_size: int,
    top_n: int,
    ties: Ties,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.unsignedinteger], int]:
    """Tally every chunk of draws on up to ``workers`` threads; return the summed tallies."""
    draws = w_all.shape[0]
    # Chunks are independent and their tallies are integer sums: threads (numpy's sort
    # and matrix product release the GIL) give the same result as one.
    threads = max(1, min(workers, -(-draws // chunk_size)))

    def tally(first: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.unsignedinteger], int]:
        return _tally_chunks(
            kernel, w_all, bins, first=first, step=threads, chunk_size=chunk_size,
            top_n=top_n, ties=ties,
        )  # fmt: skip

    if threads == 1:
        parts = [tally(0)]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(tally, range(threads)))
    top = np.sum([part[0] for part in parts], axis=0)
    counts = parts[0][1]
    for part in parts[1:]:
        counts += part[1]
    peak = max(part[2] for part in parts) * threads
    return top, counts, peak


def _rank_percentiles(
    counts: npt.NDArray[np.unsignedinteger], bins: _RankBins, draws: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """5th, 50th and 95th rank percentiles from the histograms, one block at a time."""
    n, block, edges = counts.shape[0], bins.block, bins.edges
    targets = {q: max(float(np.ceil(q * draws - 1e-9)), 1.0) for q in (0.05, 0.50, 0.95)}
    first_bin = {q: np.empty(n, dtype=np.int64) for q in targets}
    for v0 in range(0, n, block):
        cum = np.cumsum(counts[v0 : v0 + block], axis=1, dtype=np.int32)
        for q, target in targets.items():
            first_bin[q][v0 : v0 + block] = (cum < target).sum(axis=1)
    p05 = edges[first_bin[0.05]].astype(np.int64)
    p50 = edges[first_bin[0.50]].astype(np.int64)
    # the upper end is widened to the last rank of its bin (exact with one rank per bin)
    p95 = (edges[first_bin[0.95] + 1] - 1).astype(np.int64)
    return p05, p50, p95


def monte_carlo_ranks(
    normalized: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    draws: int = 1000,
    concentration: float = 50.0,
    top_n: int = 20,
    random_state: int = 7,
    chunk_size: int = 32,
    method: Method = "weighted_sum",
    workers: int = 1,
) -> MonteCarloResult:
    """Perturb the weights (Dirichlet around the base) and summarise each rank's spread.

    Parameters
    ----------
    normalized
        Oriented normalised matrix ``(n, m)`` in ``[0, 1]``, rows in the
        *base ranking order* when ties matter: tied scores in a draw keep the
        row order.
    weights
        Base weights ``m`` (non-negative, at least one positive).
    draws
        Number of weight vectors.
    concentration
        Dirichlet concentration: draws are ``Dirichlet(concentration * w)``;
        the larger, the closer to the base weights (the mean is the base).
    top_n
        ``p_top`` is the share of draws with rank ``<= top_n``.
    random_state
        Seed (the result is deterministic).
    chunk_size
        Draws processed together; memory is ``O(chunk_size * n)`` plus the
        rank histograms ``O(n * min(n, 256))``.
    method
        Aggregation, see :func:`score_many`.
    workers
        Threads ranking chunks of draws side by side (the result does not depend on it;
        memory grows by one set of histograms per thread).

    Returns
    -------
    MonteCarloResult
        Rank percentiles and top-N probabilities.
    """
    start = time.perf_counter()
    x, base = _checked_inputs(normalized, weights)
    n = x.shape[0]
    if draws < 1 or n == 0:
        ranks = np.arange(1, n + 1, dtype=np.int64)
        return MonteCarloResult(
            ranks,
            ranks,
            ranks,
            (ranks <= top_n).astype(float),
            0,
            top_n,
            concentration,
            True,
            time.perf_counter() - start,
        )
    kernel = _Kernel.build(x, method)
    ties = _ties(_tied_share(x, base))
    rng = np.random.default_rng(random_state)
    w_all = _dirichlet_draws(base / base.sum(), draws, concentration, rng)
    bins = _RankBins.for_problem(n, draws)

    top, counts, peak = _tally_in_threads(
        kernel, w_all, bins, workers=workers, chunk_size=chunk_size, top_n=top_n, ties=ties
    )
    p05, p50, p95 = _rank_percentiles(counts, bins, draws)
    return MonteCarloResult(
        rank_p05=p05,
        rank_p50=p50,
        rank_p95=p95,
        p_top=top / draws,
        draws=draws,
        top_n=top_n,
        concentration=concentration,
        exact=n <= EXACT_LIMIT,
        seconds=time.perf_counter() - start,
        peak_chunk_bytes=peak,
    )


def sweep_weights(base: npt.ArrayLike, index: int, grid: npt.ArrayLike) -> FloatArray:
    """Return weight rows where criterion ``index`` takes each grid value.

    The other weights keep their proportions and share ``1 - value`` (equally
    when they are all zero).
    """
    w = np.asarray(base, dtype=np.float64)
    w = w / w.sum()
    g = np.asarray(grid, dtype=np.float64)
    rest = w.copy()
    rest[index] = 0.0
    if rest.sum() > 0:
        rest = rest / rest.sum()
    else:
        rest = np.ones_like(w)
        rest[index] = 0.0
        rest /= max(rest.sum(), 1.0)
    out = (1.0 - g)[:, None] * rest[None, :]
    out[:, index] = g
    return out


def weight_sweep(
    normalized: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    steps: int = 41,
    method: Method = "weighted_sum",
) -> tuple[FloatArray, npt.NDArray[np.int32]]:
    """One-at-a-time weight sweeps: ranks when one weight moves over ``0..1``.

    Parameters
    ----------
    normalized
        Oriented normalised matrix ``(n, m)``, rows in base ranking order.
    weights
        Base weights ``m``.
    steps
        Grid points from 0 to 1.
    method
        Aggregation, see :func:`score_many`.

    Returns
    -------
    grid : numpy.ndarray
        The ``steps`` weight values.
    ranks : numpy.ndarray
        ``(m, steps, n)`` rank of every alternative when criterion ``j`` has
        weight ``grid[k]``.
    """
    x = np.asarray(normalized, dtype=np.float64)
    n, m = x.shape
    grid = np.linspace(0.0, 1.0, steps)
    kernel = _Kernel.build(x, method)
    out = np.empty((m, steps, n), dtype=np.int32)
    base = np.asarray(weights, dtype=np.float64)
    for j in range(m):
        rows = sweep_weights(base, j, grid)
        out[j] = _ranks_of(kernel.scores(rows))
    return grid, out
