"""Per-village indicators by overlay, zonal statistics, distances and travel time."""

from geoplan.indicators.core import Indicators, compute_indicators

__all__ = ["Indicators", "compute_indicators"]
