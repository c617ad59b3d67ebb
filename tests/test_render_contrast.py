"""Villages stay visible on every hazard colour: WCAG 2.1 contrast for graphics (>= 3:1).

Every village marker has a dark outline inside a white halo; against each zone fill
(composited over the map background at the layer's opacity, and at full strength where
layers stack) at least one of the two must reach 3:1.
"""

from __future__ import annotations

import pytest

from geoplan.render.map_base import village_style
from geoplan.render.offline import asset_text
from geoplan.render.palette import (
    DISAGREEMENT_COLOURS,
    EXPOSED_BREAKS,
    FOREST_COLOURS,
    LEVEL_COLOURS,
    SUSC_COLOURS,
    VILLAGE_HALO,
    VILLAGE_OUTLINE,
)

BACKGROUND = "#eef0ea"  # .leaflet-container in geoplan.css
# (colour, fill opacity of its layer) for every zone a village can sit on in the hazard map
ZONES = (
    [(c, 0.45) for c in LEVEL_COLOURS.values()]
    + [(c, 0.5) for c in LEVEL_COLOURS.values()]
    + [(c, 0.35) for c in FOREST_COLOURS.values()]
    + [(c, 0.6) for _, c in EXPOSED_BREAKS]
    + [(c, 0.8) for c in DISAGREEMENT_COLOURS.values()]
    + [(c, 0.75) for c in SUSC_COLOURS]
)


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    # WCAG 2.1 relative luminance
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(colour: str, alpha: float, under: str) -> tuple[float, float, float]:
    top, bottom = _rgb(colour), _rgb(under)
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top, bottom, strict=True))  # type: ignore[return-value]


def test_contrast_formula_matches_wcag_examples():
    assert _contrast(_rgb("#000000"), _rgb("#ffffff")) == pytest.approx(21.0)
    assert _contrast(_rgb("#777777"), _rgb("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("colour", "alpha"), ZONES)
def test_village_symbol_contrasts_with_every_zone_colour(colour, alpha):
    for fill in (_over(colour, alpha, BACKGROUND), _rgb(colour)):
        best = max(_contrast(_rgb(VILLAGE_HALO), fill), _contrast(_rgb(VILLAGE_OUTLINE), fill))
        assert best >= 3.0, (colour, alpha, best)


def test_every_village_layer_draws_the_outline_and_the_halo():
    style = village_style({"1": "#a50f15"})
    assert style["stroke"] == VILLAGE_OUTLINE and style["weight"] >= 1
    css = asset_text("geoplan/geoplan.css")
    assert f"drop-shadow(0 0 1px {VILLAGE_HALO[:4]})" in css.replace("#ffffff", "#fff")
    assert ".leaflet-gpPoints-pane > svg" in css
