"""geoplan.hazard."""
