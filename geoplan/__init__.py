"""geoplan: spatial priority rankings and offline maps for Vietnam's National Target Programmes.

The public API is small and stable:

- :func:`load_scenario` reads and validates a scenario YAML file;
- :func:`run` runs it from layers to a plan and returns a :class:`PlanResult`;
- :func:`write_outputs` writes the maps, tables and reports of the output contract;
- :func:`read_layer` reads one layer the way the pipeline does (validated, NFC text, CRS set);
- :func:`demo_scenario` gives the path of the embedded Kon Tum demo scenario.

Progress is logged through :mod:`logging` (logger ``geoplan``, level INFO: one message
per stage); ``logging.basicConfig(level=logging.INFO)`` shows it in a notebook.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import TYPE_CHECKING, Any

from geoplan.embedded import demo_scenario
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.io import read_layer
    from geoplan.pipeline import PlanResult, run
    from geoplan.render import write_outputs
    from geoplan.scenario import Scenario, load_scenario

try:
    __version__ = metadata.version("geoplan")
except metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "GeoplanError",
    "PlanResult",
    "Scenario",
    "__version__",
    "demo_scenario",
    "load_scenario",
    "read_layer",
    "run",
    "write_outputs",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Heavy modules (geopandas, folium, scikit-learn) load on first use, so that
# `geoplan --help` and `geoplan --version` answer at once.
_LAZY = {
    "Scenario": "geoplan.scenario",
    "load_scenario": "geoplan.scenario",
    "read_layer": "geoplan.io",
    "run": "geoplan.pipeline",
    "PlanResult": "geoplan.pipeline",
    "write_outputs": "geoplan.render",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'geoplan' has no attribute {name!r}"
    raise AttributeError(msg)
