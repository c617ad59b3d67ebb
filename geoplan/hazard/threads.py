"""A fixed pair of threads for work whose result cannot depend on their timing.

Every task writes its own part of the result (disjoint rows of a grid) or returns it to
:func:`ordered_map`, which keeps the input order, so the result is the same on a busy or an
idle machine and with any number of cores. The thread count is a constant, never derived
from the machine or the clock. Tasks never call a scikit-learn estimator's ``fit`` or
``predict_proba``: its joblib wrapper rebuilds the process-wide warning filters in each
task, which two threads side by side can leave half rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["THREADS", "ordered_map"]

#: Threads of the hazard model's parallel parts (the two cores of the reference machine).
THREADS = 2

_T = TypeVar("_T")
_R = TypeVar("_R")


def ordered_map(function: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """Return ``[function(item) for item in items]``, computed on :data:`THREADS` threads.

    Parameters
    ----------
    function
        Applied to each item; it must not depend on the other items' progress
        (numpy, scikit-learn's ``Tree.apply`` and GEOS release the GIL in their loops).
    items
        The inputs, in order.

    Returns
    -------
    list
        The results in the order of ``items``; the first exception raised is re-raised.
    """
    work = list(items)
    if len(work) < 2:
        return [function(item) for item in work]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(function, work))
