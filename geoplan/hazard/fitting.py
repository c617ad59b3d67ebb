"""The landslide model fitted in a forked child while the other indicators are computed.

Nothing the indicators compute before the village terrain columns reads the model, so
:func:`fitting_susceptibility` forks a child at the start of
:func:`geoplan.indicators.compute_indicators`: the child fits, validates, predicts and maps
the model (:func:`geoplan.hazard.model.fit_susceptibility`) on one core while the main
process computes the landslide, forest, border, road, travel and river columns on the
other, and the main process collects the result (pickled through a pipe) where it first
needs it. The child imports scikit-learn; the main process never does (the result carries
no fitted estimator, :class:`~geoplan.hazard.result.SusceptibilityResult`). The child runs
the same code on the same data as one process would, so every output is the same.

The model child forks children in its turn, where they may (:func:`model_forks`): the
wetness index while it loads scikit-learn (:func:`geoplan.hazard.factors.start_factor_stack`),
and the permutation importances with the cross-validation beside the prediction
(:mod:`geoplan.hazard.validation`). Every child dies with its parent (PDEATHSIG), leaves
Ctrl-C to the main process and is stopped if its parent fails before collecting it; an error
in any is raised again in the main process with its type and message, the child's traceback
as its cause (:mod:`geoplan.forked`).

The model is forked only where it runs (:func:`model_runs`) and where that is safe and useful
(:func:`model_forks`): on Linux with the ``fork`` start method, outside a daemonic process,
with more than one usable core, with no other Python thread alive, and unless
``$GEOPLAN_MODEL_WORKERS`` is ``1``, which fits the model in the main process where the
indicators first need it, as before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from geoplan.forked import call_forked, fork_is_safe, process_count

if TYPE_CHECKING:
    from geoplan.hazard.result import SusceptibilityResult
    from geoplan.io import Layers
    from geoplan.scenario import Scenario

__all__ = ["MODEL_WORKERS_ENV", "Fitted", "fitting_susceptibility", "model_forks", "model_runs"]

#: The environment variable that sets how many processes the landslide model may use.
MODEL_WORKERS_ENV = "GEOPLAN_MODEL_WORKERS"

#: A function that returns the fitted model (``None`` when it does not run).
Fitted = Callable[[], "SusceptibilityResult | None"]


def model_forks() -> bool:
    """Return whether the model's work may go to a forked child from this process.

    Raises
    ------
    GeoplanError
        If ``$GEOPLAN_MODEL_WORKERS`` is not a whole number of at least 1.
    """
    return process_count(MODEL_WORKERS_ENV, None, 2) >= 2 and fork_is_safe()


def model_runs(layers: Any, scenario: Any) -> bool:
    """Return whether the model is fitted: enabled, with a DEM and a non-empty inventory."""
    inventory = getattr(layers, "landslide_inventory", None)
    return bool(
        scenario.susceptibility.enabled
        and getattr(layers, "dem", None) is not None
        and inventory is not None
        and len(inventory) > 0
    )


@contextmanager
def fitting_susceptibility(layers: Layers, scenario: Scenario) -> Iterator[Fitted]:
    """Start fitting the landslide model; yield the function that returns the result.

    Parameters
    ----------
    layers, scenario
        What :func:`geoplan.hazard.model.fit_susceptibility` takes.

    Yields
    ------
    callable
        Called with no argument (once), it returns the
        :class:`~geoplan.hazard.result.SusceptibilityResult` or ``None``, or raises the
        fit's error. When :func:`model_forks`, the fit has started in a child and the
        call waits for it; otherwise the call fits the model here and then.

    Notes
    -----
    Leaving the block before the call (an error, Ctrl-C) stops the child.
    """
    if not model_runs(layers, scenario) or not model_forks():  # nothing to move to a child
        yield lambda: _fit(layers, scenario)
        return
    with call_forked(
        _fit_in_child, layers, scenario, fork=True, label="landslide model",
        hint=f"with {MODEL_WORKERS_ENV}=1 to fit the model in the main process",
    ) as call:  # fmt: skip
        yield call.result


def _fit(layers: Layers, scenario: Scenario) -> SusceptibilityResult | None:
    from geoplan.hazard.model import fit_susceptibility  # scikit-learn loads here

    return fit_susceptibility(layers, scenario)


def _fit_in_child(layers: Layers, scenario: Scenario) -> SusceptibilityResult | None:
    """Fit in the forked child, which may fork the cross-validation in its turn.

    The child is daemonic (so that the main process's exit stops it), and a daemonic
    process may not start children; the cross-validation child it forks dies with it
    (PDEATHSIG) and is stopped by it, so it may clear the flag in its own copy.
    """
    multiprocessing.current_process().daemon = False
    return _fit(layers, scenario)
