"""geoplan.render."""
