"""Scenario section: how rasters larger than memory are read and processed in blocks."""

from __future__ import annotations

from pydantic import Field

from geoplan.blocks import DEFAULT_BLOCK_PIXELS
from geoplan.config._base import ScenarioModel

__all__ = ["RasterConfig"]


class RasterConfig(ScenarioModel):
    """Block size of raster reads, terrain derivatives and zonal statistics (docs/scale.md)."""

    block_pixels: int = Field(
        default=DEFAULT_BLOCK_PIXELS,
        ge=1,
        description=(
            "Cells read or computed at a time (a count of cells, not bytes, so results never "
            "depend on the machine; every value is the same whatever the size). About 100 "
            "bytes of memory per cell while a block of terrain derivatives is computed."
        ),
    )
