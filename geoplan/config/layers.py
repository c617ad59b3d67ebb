"""Scenario section describing one input layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from geoplan.config._base import ScenarioModel


def _known_encoding(value: str | None) -> str | None:
    """Refuse an encoding geoplan cannot decode when the scenario is read, not mid-run."""
    from geoplan.io.text import canonical_encoding

    if value is not None:
        try:
            canonical_encoding(value)
        except LookupError as exc:
            raise ValueError(str(exc)) from None
    return value


__all__ = ["JoinSpec", "LayerSpec", "LayersSpec"]


class JoinSpec(ScenarioModel):
    """An attribute table (CSV or XLSX) joined onto a layer by a code or a name."""

    path: Path = Field(description="CSV or XLSX file, relative to the scenario file.")
    sheet: str | None = Field(
        default=None, description="Sheet name of an XLSX (first sheet if omitted)."
    )
    on: str | list[str] | None = Field(
        default=None,
        description=(
            "Field(s) to join on: a canonical field ('commune_code', 'village_id', "
            "'commune_name') or a column name the table and layer both know ('ma_xa'); a list "
            "makes a compound key ([district_name, commune_name]) for names that repeat across "
            "districts. Defaults to the layer's key. Names match through geoplan.io.names."
        ),
    )
    encoding: str | None = Field(
        default=None,
        description="Text encoding of a CSV (utf-8, cp1258, tcvn3, vni); detected if omitted.",
    )
    header_row: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Spreadsheet row (1 = first) holding the column names, when title rows sit above "
            "it; detected when omitted."
        ),
    )
    fields: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Canonical field name -> column of this table, for columns not recognised "
            "automatically."
        ),
    )

    _encoding = field_validator("encoding")(_known_encoding)

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: Any) -> Any:
        # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean True
        if isinstance(data, dict) and True in data and "on" not in data:
            data = dict(data)
            data["on"] = data.pop(True)
        return data


class LayerSpec(ScenarioModel):
    """Where one input layer lives and how to read it."""

    path: Path = Field(description="File path, relative to the scenario file.")
    layer: str | None = Field(
        default=None, description="Layer name inside a multi-layer file (GeoPackage, KML)."
    )
    crs: str | None = Field(
        default=None,
        description=(
            "CRS to assume when the file has none or a wrong one: 'EPSG:9216', "
            "'vn2000-tm3:kontum', 'vn2000-utm:48'..."
        ),
    )
    encoding: str | None = Field(
        default=None,
        description=(
            "Text encoding of the attributes (e.g. 'cp1258', 'tcvn3', 'vni'); detected if omitted."
        ),
    )
    fields: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Canonical field name -> source column name, for columns not recognised automatically."
        ),
    )
    _encoding = field_validator("encoding")(_known_encoding)

    x: str | None = Field(
        default=None,
        description="CSV/XLSX point layers: column of longitude or easting (detected if omitted).",
    )
    y: str | None = Field(
        default=None,
        description="CSV/XLSX point layers: column of latitude or northing (detected if omitted).",
    )
    header_row: int | None = Field(
        default=None,
        ge=1,
        description=(
            "CSV/XLSX: spreadsheet row (1 = first) holding the column names, when title rows "
            "sit above it; detected when omitted."
        ),
    )
    join: list[JoinSpec] = Field(
        default_factory=list,
        description=(
            "Attribute tables (CSV/XLSX) joined onto this layer by commune or village code."
        ),
    )
    bounds: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict,
        description="Plausible range (low, high) per canonical field, replacing geoplan's "
        "defaults (villages: households 0..5000, population 0..30000); a value outside is an "
        "error naming the row.",
    )
    downgrade: list[Literal["implausible-value", "outside-communes", "village-outside-commune"]] = (
        Field(
            default_factory=list,
            description="Problems reported as warnings instead of errors, stated explicitly: "
            "implausible values, villages outside every commune (e.g. X/Y swapped), villages "
            "outside their stated commune.",
        )
    )
    assign_commune_spatially: bool = Field(
        default=False,
        description=(
            "Villages only: replace each village's commune_code by the commune its point lies in "
            "(when it lies in one); otherwise mismatches are only reported."
        ),
    )


class LayersSpec(ScenarioModel):
    """The scenario's input layers; only communes and villages are required."""

    communes: LayerSpec = Field(
        description=(
            "Commune polygons with commune attributes: the planning units, in the scenario's "
            "admin_structure (the communes and wards of 2025, or the communes of 2022)."
        )
    )
    villages: LayerSpec = Field(description="Village points (or polygons) with household data.")
    districts: LayerSpec | None = Field(
        default=None, description="District polygons; dissolved from communes when omitted."
    )
    province: LayerSpec | None = Field(
        default=None, description="Province outline; dissolved from communes when omitted."
    )
    landslide_zones: LayerSpec | None = Field(
        default=None, description="Official landslide zoning polygons, field 'level' 1-5."
    )
    landslide_inventory: LayerSpec | None = Field(
        default=None, description="Points of recorded landslides (for the susceptibility model)."
    )
    dem: LayerSpec | None = Field(default=None, description="Elevation raster in metres.")
    rainfall: LayerSpec | None = Field(default=None, description="Optional rainfall raster.")
    landslide_truth: LayerSpec | None = Field(
        default=None,
        description=(
            "Synthetic data only: the raster of the true landslide probability the inventory was "
            "drawn from; the model card then reports the model's AUC against it (truth_auc)."
        ),
    )
    forest: LayerSpec | None = Field(
        default=None,
        description="Forest polygons, field 'forest_type' special_use/protective/production.",
    )
    border: LayerSpec | None = Field(default=None, description="National border line(s).")
    roads: LayerSpec | None = Field(default=None, description="Road lines, field 'road_class'.")
    rivers: LayerSpec | None = Field(default=None, description="River lines.")
    communes_2025: LayerSpec | None = Field(
        default=None,
        description=(
            "admin_structure '2022' only: the merged communes in force since 1 July 2025, for "
            "the 2025 view; a 'members' column (comma-separated 2022 codes) is used when "
            "present, else the area overlap with the 2022 communes."
        ),
    )
    communes_2022: LayerSpec | None = Field(
        default=None,
        description=(
            "admin_structure '2025' only: the communes of 2022, for history: the crosswalk "
            "2022 -> 2025 (crosswalk.csv), villages keyed by a 2022 code, and commune fields "
            "missing from the 2025 layer (2021-2024 statistics) carried over by area share, "
            "weighted by households or population when the 2022 layer has them."
        ),
    )
