"""Load stage: read, repair, validate and reproject the input layers.

Public entry points: :func:`read_layer`, :func:`read_raster`,
:func:`load_layers` (-> :class:`Layers`); ``geoplan check`` lives in
:mod:`geoplan.check`. CRS spellings live in :mod:`geoplan.io.crs`,
Vietnamese text utilities in :mod:`geoplan.io.text`, place-name matching in
:mod:`geoplan.io.names`.
"""

from geoplan.io.crs import resolve_crs
from geoplan.io.load import (
    Layers,
    Raster,
    check_layer,
    load_layers,
    read_layer,
    read_raster,
)
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.text import normalize_name

__all__ = [
    "LayerSummary",
    "Layers",
    "Raster",
    "ValidationReport",
    "check_layer",
    "load_layers",
    "normalize_name",
    "read_layer",
    "read_raster",
    "resolve_crs",
]
