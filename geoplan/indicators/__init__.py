"""geoplan.indicators."""
