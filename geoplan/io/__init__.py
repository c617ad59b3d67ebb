"""geoplan.io."""
