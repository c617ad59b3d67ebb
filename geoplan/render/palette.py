"""Colours of the maps, the static PNGs and the QGIS styles, in one place."""

from __future__ import annotations

__all__ = [
    "CLASS_COLOURS",
    "CONTRIB_COLOURS",
    "DISAGREEMENT_COLOURS",
    "EXPOSED_BREAKS",
    "EXPOSURE_COLOURS",
    "FOREST_COLOURS",
    "GAP_COLOURS",
    "LEVEL_COLOURS",
    "NTM_COLOURS",
    "POVERTY_BREAKS",
    "ROLLUP_COLOURS",
    "SUSC_COLOURS",
    "VILLAGE_HALO",
    "VILLAGE_OUTLINE",
]


CLASS_COLOURS = {0: "#9e9e9e", 1: "#a50f15", 2: "#de2d26", 3: "#fb6a4a", 4: "#fcae91", 5: "#fee5d9"}


LEVEL_COLOURS = {1: "#ffffb2", 2: "#fed976", 3: "#fd8d3c", 4: "#e31a1c", 5: "#800026"}


FOREST_COLOURS = {"special_use": "#1b5e20", "protective": "#4caf50", "production": "#b9e0a5"}


EXPOSURE_COLOURS = {3: "#67000d", 2: "#e6550d", 1: "#fdd049", 0: "#41ab5d"}


NTM_COLOURS = {"none": "#e0e0e0", "standard": "#a1d99b", "advanced": "#41ab5d", "model": "#00441b"}


POVERTY_BREAKS = [
    (0.10, "#fef0d9"),
    (0.25, "#fdcc8a"),
    (0.40, "#fc8d59"),
    (0.55, "#e34a33"),
    (2.0, "#b30000"),
]


SUSC_COLOURS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]


CONTRIB_COLOURS = [
    "#3b6ea8",
    "#5b9bd5",
    "#70ad47",
    "#ffc000",
    "#ed7d31",
    "#a5a5a5",
    "#7e57c2",
    "#26a69a",
]


ROLLUP_COLOURS = {"0": "#f0f0f0", "1": "#fcae91", "2": "#fb6a4a", "3": "#cb181d"}


DISAGREEMENT_COLOURS = {"up": "#d01c8b", "down": "#0571b0"}  # apart from the level palette


EXPOSED_BREAKS = [
    (1, "#f7f7f7"),
    (50, "#fdd0a2"),
    (200, "#fd8d3c"),
    (500, "#d94801"),
    (float("inf"), "#7f2704"),
]


GAP_COLOURS = {"0": "#1a9850", "1": "#fee08b", "2": "#fc8d59", "3": "#d73027"}


#: Every village marker: a dark outline inside a white halo (the halo is drawn by the
#: runtime round the points pane), so one of the two contrasts with any zone colour.
VILLAGE_OUTLINE = "#1a1a1a"
VILLAGE_HALO = "#ffffff"
