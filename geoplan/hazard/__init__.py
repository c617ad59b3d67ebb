"""Landslide susceptibility model (scikit-learn), its zones and model card.

The model (and scikit-learn with it) loads on first use, so that the terrain helpers
(:mod:`geoplan.hazard.terrain`, used by the maps' hillshade) import without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplan.hazard.model import SusceptibilityResult, fit_susceptibility

__all__ = ["SusceptibilityResult", "fit_susceptibility"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from geoplan.hazard import model

        return getattr(model, name)
    msg = f"module 'geoplan.hazard' has no attribute {name!r}"
    raise AttributeError(msg)
