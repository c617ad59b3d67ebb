"""Landslide susceptibility model (scikit-learn), its zones and model card.

The model (and scikit-learn with it) loads on first use of :func:`fit_susceptibility`, so
that its result type, the terrain helpers (:mod:`geoplan.hazard.terrain`, used by the maps'
hillshade) and the indicators, which fit the model in a forked child
(:mod:`geoplan.hazard.fitting`), import without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplan.hazard.model import fit_susceptibility
    from geoplan.hazard.result import SusceptibilityResult

__all__ = ["SusceptibilityResult", "fit_susceptibility"]

_HOMES = {"SusceptibilityResult": "result", "fit_susceptibility": "model"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"geoplan.hazard.{_HOMES[name]}"), name)
    msg = f"module 'geoplan.hazard' has no attribute {name!r}"
    raise AttributeError(msg)
