"""What the landslide model returns, importable without scikit-learn.

The model is fitted in a forked child (:mod:`geoplan.hazard.fitting`) and its result is
pickled back to the main process, which never loads scikit-learn: the result therefore
holds arrays, frames and the model card, never the fitted estimator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from geoplan.hazard.grid import GridRaster
from geoplan.hazard.zones import classify

__all__ = ["SusceptibilityResult"]


@dataclass(frozen=True)
class SusceptibilityResult:
    """What :func:`geoplan.hazard.fit_susceptibility` returns.

    Parameters
    ----------
    model_card
        JSON-serialisable description: factors, importances, cross-validated
        AUCs (spatial and random), class breaks and areas, parameters, seed,
        and ``truth_auc`` when a truth raster was given.
    probability
        Modelled probability (float32, ``NaN`` outside the study area) on the DEM grid.
    levels
        Levels 1-5 (uint8, 0 outside) on the same grid.
    zones
        Vectorised levels (column ``level``) in the scenario CRS.
    disagreement
        Polygons where the official zone level and the model level differ by
        two classes or more (``official_level``, ``model_level``) in the
        scenario CRS; empty when there are no official zones.
    breaks
        The four probability cut points between levels.
    factor_names
        The factors the model read, in the order of its input columns.
    """

    model_card: dict[str, Any]
    probability: GridRaster
    levels: GridRaster
    zones: gpd.GeoDataFrame
    disagreement: gpd.GeoDataFrame
    breaks: tuple[float, ...]
    factor_names: tuple[str, ...] = ()

    def level_of(self, probability: np.ndarray) -> np.ndarray:
        """Return the level (1-5) of probabilities (0 for ``NaN``)."""
        return classify(np.asarray(probability, dtype=float), self.breaks)
