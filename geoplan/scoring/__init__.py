"""geoplan.scoring."""
