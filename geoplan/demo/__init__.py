"""geoplan.demo."""
