"""scipy's HiGHS MILP with the solver's own console chatter kept off the user's screen."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scipy.optimize import OptimizeResult, milp

__all__ = ["solve_milp"]


@contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    # HiGHS occasionally prints diagnostics straight to the C-level stdout (file
    # descriptor 1), which scipy's `disp=False` does not cover; they would end up
    # in the middle of the CLI's progress lines.
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


def solve_milp(*args: Any, **kwargs: Any) -> OptimizeResult:
    """Call :func:`scipy.optimize.milp` with HiGHS's direct console output suppressed.

    Parameters
    ----------
    *args, **kwargs
        Passed to :func:`scipy.optimize.milp` unchanged.

    Returns
    -------
    scipy.optimize.OptimizeResult
        The solver's result.
    """
    with _c_stdout_silenced():
        return milp(*args, **kwargs)
