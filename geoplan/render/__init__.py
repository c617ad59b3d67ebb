"""Render stage: offline folium maps, dashboard, report, tables and static maps.

Only this stage writes outputs.  :func:`write_outputs` writes the whole output
contract of ``docs/ARCHITECTURE.md`` atomically; the map builders
(:mod:`geoplan.render.map_priority`, ``map_hazard``, ``map_dashboard``) can also be
used on their own.
"""

from __future__ import annotations

from geoplan.render.outputs import output_folder, write_outputs

__all__ = ["output_folder", "write_outputs"]
