"""Benchmark: Monte Carlo rank stability, vectorised vs a naive per-draw loop.

Workload (issue #5): 100,000 villages x 20 criteria x 1,000 Dirichlet weight
draws.  The vectorised path is ``geoplan.scoring.monte_carlo_ranks`` (chunks of
draws: one matrix product and one sort per draw, rank histograms with bounded
memory).  The reference is the obvious loop: one draw at a time, scores by a
matrix-vector product, ranks with ``scipy.stats.rankdata``, every rank kept in
an ``(n, draws)`` array and ``numpy.percentile`` at the end.  Both run in the
same process on the same data; peak memory is measured with ``tracemalloc``
(numpy reports its buffers to it).

Run:  python benchmarks/bench_stability.py [--villages N] [--criteria M] [--draws D]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
import tracemalloc

import numpy as np
from scipy.stats import rankdata

from geoplan.scoring import monte_carlo_ranks


def naive(norm: np.ndarray, weights: np.ndarray, draws: int, conc: float, top_n: int, seed: int):
    rng = np.random.default_rng(seed)
    w_all = rng.dirichlet(conc * weights / weights.sum(), size=draws)
    n = norm.shape[0]
    ranks = np.empty((n, draws), dtype=np.int32)
    for d in range(draws):
        s = norm @ w_all[d]
        ranks[:, d] = rankdata(-s, method="ordinal")
    p05 = np.percentile(ranks, 5, axis=1, method="inverted_cdf")
    p95 = np.percentile(ranks, 95, axis=1, method="inverted_cdf")
    p_top = (ranks <= top_n).mean(axis=1)
    return p05, p95, p_top


def measure(fn, *args, **kwargs):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--criteria", type=int, default=20)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--naive-draws", type=int, default=None, help="draws for the naive loop")
    args = ap.parse_args()
    rng = np.random.default_rng(2025)
    norm = rng.random((args.villages, args.criteria))
    weights = rng.dirichlet(np.ones(args.criteria))
    conc, top_n, seed = 50.0, 20, 7

    mc, t_vec, mem_vec = measure(
        monte_carlo_ranks,
        norm,
        weights,
        draws=args.draws,
        concentration=conc,
        top_n=top_n,
        random_state=seed,
    )
    nd = args.naive_draws or args.draws
    (p05, p95, p_top), t_naive, mem_naive = measure(naive, norm, weights, nd, conc, top_n, seed)
    t_naive_full = t_naive * args.draws / nd

    same = ""
    if nd == args.draws:
        inside = np.mean((mc.rank_p05 <= p05) & (mc.rank_p95 >= p95))
        same = f"; vectorised interval contains the naive one for {inside:.1%} of villages"
        assert np.allclose(mc.p_top, p_top)
    print(
        f"date: {dt.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"workload: {args.villages:,} villages x {args.criteria} criteria x {args.draws:,} draws")
    print(
        f"vectorised monte_carlo_ranks: {t_vec:.2f} s, peak {mem_vec / 2**20:.0f} MiB "
        f"(exact percentiles: {mc.exact})"
    )
    print(
        f"naive loop ({nd:,} draws): {t_naive:.2f} s"
        + (f" (x{args.draws / nd:.0f} = {t_naive_full:.1f} s)" if nd != args.draws else "")
        + f", peak {mem_naive / 2**20:.0f} MiB"
    )
    print(f"speed-up: {t_naive_full / t_vec:.1f}x{same}")


if __name__ == "__main__":
    main()
