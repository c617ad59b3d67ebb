"""Scenario section: further provinces' layer sets, merged with `layers:` at load."""

from __future__ import annotations

from pydantic import Field, field_validator

from geoplan.config._base import ScenarioModel
from geoplan.config.layers import LayerSpec

__all__ = ["MERGED_LAYERS", "ProvinceLayers"]

#: Vector layers a province may add; rasters and outlines are national (given once in `layers:`).
MERGED_LAYERS = (
    "communes", "villages", "communes_2022", "landslide_zones", "landslide_inventory",
    "forest", "border", "roads", "rivers",
)  # fmt: skip


class ProvinceLayers(ScenarioModel):
    """One more province: its vector layers, appended to the same layers of `layers:`."""

    name: str = Field(description="The province, as messages name it (e.g. 'Gia Lai').")
    layers: dict[str, LayerSpec] = Field(
        description=(
            "Layer name -> file, as in `layers:`; communes and villages at least. Rows are "
            "appended to the scenario's own layer of that name, which must be given too."
        )
    )

    @field_validator("layers")
    @classmethod
    def _vector_layers_only(cls, value: dict[str, LayerSpec]) -> dict[str, LayerSpec]:
        unknown = [name for name in value if name not in MERGED_LAYERS]
        if unknown:
            msg = (
                f"{', '.join(unknown)}: a province adds only vector layers "
                f"({', '.join(MERGED_LAYERS)}); give rasters, districts and the outline once, "
                "for the whole area, in `layers:`"
            )
            raise ValueError(msg)
        missing = [name for name in ("communes", "villages") if name not in value]
        if missing:
            msg = f"a province needs its {' and '.join(missing)}"
            raise ValueError(msg)
        return value
