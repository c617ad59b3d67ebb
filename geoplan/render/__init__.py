"""Render stage: offline folium maps, dashboard, report, tables and static maps.

Only this stage writes outputs.  :func:`write_outputs` writes the whole output
contract of ``docs/ARCHITECTURE.md`` atomically; the map builders
(:mod:`geoplan.render.map_priority`, ``map_hazard``, ``map_dashboard``) can also be
used on their own.

The writers (and folium, matplotlib and xlsxwriter with them) load on first use, so
that light modules of this package (:mod:`geoplan.render.outfolder`, used by
``geoplan check --json``) import without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplan.render.outfolder import output_folder
    from geoplan.render.outputs import StartedOutputs, begin_outputs, write_outputs

__all__ = ["StartedOutputs", "begin_outputs", "output_folder", "write_outputs"]


def __getattr__(name: str) -> Any:
    if name == "output_folder":  # checking the folder needs none of the writers
        from geoplan.render import outfolder

        return outfolder.output_folder
    if name in __all__:
        from geoplan.render import outputs

        return getattr(outputs, name)
    msg = f"module 'geoplan.render' has no attribute {name!r}"
    raise AttributeError(msg)
