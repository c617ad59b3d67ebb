"""One deterministic way to solve a MILP with HiGHS (highspy), console chatter kept quiet.

Every plan model goes through :func:`solve_mip`.  Results never depend on the
clock: there is no time limit, HiGHS runs on one thread with a fixed random
seed, and the work is bounded by a node limit that the caller scales with the
problem size (:func:`node_limit`).  A feasible starting plan (e.g. greedy) can
be passed so that HiGHS always has something at least that good to return.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_array, sparray

__all__ = ["OPTIMAL_GAP", "MipResult", "node_limit", "solve_mip", "status_text"]

# HiGHS's default relative gap: a plan within it is called optimal, never one above it.
OPTIMAL_GAP = 1e-4
SEED = 20260519


@dataclass(frozen=True)
class MipResult:
    """Outcome of :func:`solve_mip`.

    Attributes
    ----------
    x
        Best solution found (``None`` when none was found).
    objective
        Its objective value (minimised), ``nan`` without a solution.
    bound
        HiGHS's proven lower bound on the optimum.
    gap
        Relative gap ``(objective - bound) / |objective|`` (0 when proven).
    status
        ``"optimal"``, ``"node_limit"``, ``"infeasible"`` or another HiGHS status.
    nodes
        Branch-and-bound nodes used.
    """

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str
    nodes: int


@contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    # HiGHS prints its banner and some diagnostics straight to the C-level stdout (file
    # descriptor 1); they would end up in the middle of the CLI's progress lines.
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def node_limit(n_columns: int, *, work: float, least: int = 50, most: int = 20_000) -> int:
    """Return a branch-and-bound node limit that shrinks as the model grows.

    Parameters
    ----------
    n_columns
        Variables of the model (a node costs about one LP of that size).
    work
        Nodes x variables the caller may spend (scenario setting).
    least, most
        Bounds on the limit.

    Returns
    -------
    int
        ``clip(work / n_columns, least, most)``.
    """
    return int(np.clip(work / max(n_columns, 1), least, most))


_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kSolutionLimit": "node_limit",
    "kIterationLimit": "node_limit",
}


def solve_mip(
    c: np.ndarray,
    a: sparray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    nodes: int,
    rel_gap: float = OPTIMAL_GAP,
    start: np.ndarray | None = None,
) -> MipResult:
    """Minimise ``c @ x`` s.t. ``row_lower <= a @ x <= row_upper``, bounds, integrality.

    Parameters
    ----------
    c
        Objective coefficients.
    a
        Constraint matrix (any scipy sparse array).
    row_lower, row_upper
        Row bounds (``-inf`` / ``inf`` allowed).
    lower, upper
        Column bounds.
    integer
        Boolean mask of the integer columns.
    nodes
        Node limit (see :func:`node_limit`).
    rel_gap
        Stop once the relative gap is at most this.
    start
        A feasible solution to start from (warm start), or ``None``.

    Returns
    -------
    MipResult
        The best solution and its proven gap.
    """
    n = len(c)
    mat = csc_array(a, shape=(len(row_lower), n))
    mat.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = np.asarray(c, float)
    lp.col_lower_ = np.asarray(lower, float)
    lp.col_upper_ = np.asarray(upper, float)
    lp.row_lower_ = np.asarray(row_lower, float)
    lp.row_upper_ = np.asarray(row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in np.asarray(integer, bool)
    ]
    with _c_stdout_silenced():
        h = highspy.Highs()
        for name, value in (
            ("output_flag", False),
            ("threads", 1),
            ("random_seed", SEED),
            ("mip_max_nodes", int(nodes)),
            ("mip_rel_gap", float(rel_gap)),
        ):
            h.setOptionValue(name, value)
        h.passModel(lp)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = np.asarray(start, float).tolist()
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        code = str(h.getModelStatus()).rsplit(".", 1)[-1]
        info = h.getInfo()
        has_x = int(info.primal_solution_status) == 2
        x = np.asarray(h.getSolution().col_value, float) if has_x else None
    objective = float(info.objective_function_value) if has_x else float("nan")
    bound = float(info.mip_dual_bound)
    gap = float(info.mip_gap) if has_x and np.isfinite(info.mip_gap) else float("inf")
    if code == "kOptimal":
        gap = min(gap, rel_gap)
    return MipResult(
        x=x,
        objective=objective,
        bound=bound,
        gap=max(gap, 0.0),
        status=_STATUS.get(code, status.lower().replace(" ", "_")),
        nodes=int(info.mip_node_count),
    )


def status_text(gap: float, method: str) -> str:
    """Return the honest status word of a plan: optimal only within HiGHS's default gap.

    Parameters
    ----------
    gap
        Proven relative gap of the plan (``inf`` when nothing is proven).
    method
        How the plan was found (``"milp"`` or a heuristic's name).

    Returns
    -------
    str
        ``"optimal"`` when ``gap <= 0.01%``; ``"feasible"`` for a MILP plan with
        a larger proven gap; ``"heuristic"`` for a heuristic plan.
    """
    if gap <= OPTIMAL_GAP + 1e-12:
        return "optimal"
    return "feasible" if method == "milp" else "heuristic"
