"""geoplan.plan."""
