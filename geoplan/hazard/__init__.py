"""Landslide susceptibility model (scikit-learn), its zones and model card."""

from geoplan.hazard.model import SusceptibilityResult, fit_susceptibility

__all__ = ["SusceptibilityResult", "fit_susceptibility"]
