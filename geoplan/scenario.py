"""The typed scenario: one YAML file that states data, parameters, weights and outputs.

Each section's model lives in :mod:`geoplan.config` (pydantic only, no stage
code); this module composes them into :class:`Scenario` and loads YAML files
into it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from geoplan.config._base import ScenarioModel
from geoplan.config.hazard import SusceptibilityConfig
from geoplan.config.indicators import IndicatorConfig
from geoplan.config.layers import LayerSpec, LayersSpec
from geoplan.config.partitions import PartitionConfig
from geoplan.config.plan import PlanConfig
from geoplan.config.provinces import ProvinceLayers
from geoplan.config.rasters import RasterConfig
from geoplan.config.render import OutputConfig
from geoplan.config.scoring import ScoringConfig
from geoplan.errors import ScenarioError

__all__ = ["Scenario", "load_scenario", "scenario_json_schema"]


class Scenario(ScenarioModel):
    """A complete, validated geoplan scenario."""

    name: str = Field(description="Short name; the default output folder is maps/<name>/.")
    title: str = Field(default="", description="Title shown on maps and reports (Vietnamese).")
    title_en: str = Field(
        default="", description="English title, used with `--lang en` (falls back to `title`)."
    )
    description: str = Field(
        default="",
        description="What this scenario is for (Vietnamese; shown in Vietnamese outputs).",
    )
    description_en: str = Field(
        default="",
        description="English description, used with `--lang en` (falls back to `description`).",
    )
    synthetic: bool = Field(
        default=False, description="Marks synthetic demo data; maps then say so on their face."
    )
    admin_structure: Literal["2025", "2022"] = Field(
        default="2025",
        description=(
            "Administrative structure the scenario plans in. '2025': province -> commune "
            "(the communes and wards in force since 1 July 2025; no district layer or field "
            "needed; a 2022 layer, when given as communes_2022, is used for history). '2022': "
            "province -> district -> commune (the 2022 communes), with the 2025 view as an "
            "addition when communes_2025 is given."
        ),
    )
    crs: str = Field(
        default="EPSG:3405",
        description="Metric processing CRS; every layer is reprojected into it once, at load.",
    )
    layers: LayersSpec = Field(description="Input layers.")
    provinces: list[ProvinceLayers] = Field(
        default_factory=list,
        description=(
            "Further provinces' vector layers (communes, villages, zones, roads...), each "
            "appended at load to the same layer of `layers:`; rasters stay national, in "
            "`layers:` (docs/scale.md)."
        ),
    )
    indicators: IndicatorConfig = Field(default_factory=IndicatorConfig)
    susceptibility: SusceptibilityConfig = Field(default_factory=SusceptibilityConfig)
    scoring: ScoringConfig = Field(description="Priority tracks and weights.")
    plan: PlanConfig = Field(default_factory=PlanConfig)
    outputs: OutputConfig = Field(default_factory=OutputConfig)
    partitions: PartitionConfig | None = Field(
        default=None, description="Compute village indicators in partitions on dask."
    )
    rasters: RasterConfig = Field(
        default_factory=RasterConfig,
        description="Rasters read and processed in blocks (rasters larger than memory).",
    )
    corrections: Path | None = Field(
        default=None,
        description=(
            "Change log of reviewed village data (from `geoplan review import`), laid over"
            " the village layer at load; default <scenario name>.corrections.csv beside the"
            " scenario when that file exists. Relative to the scenario file."
        ),
    )
    source: Path | None = Field(
        default=None,
        description="The YAML file this scenario was read from (set by load_scenario).",
    )

    @field_validator("name")
    @classmethod
    def _name_is_folder_safe(cls, value: str) -> str:
        if not value or any(c in value for c in '/\\:*?"<>|') or value.startswith("."):
            msg = (
                f"name {value!r} must be usable as a folder name (no slashes or special characters)"
            )
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _layers_fit_the_structure(self) -> Scenario:
        if self.admin_structure == "2025" and self.layers.communes_2025 is not None:
            msg = (
                "layers.communes_2025: with admin_structure '2025' the `communes` layer holds "
                "the 2025 units; give the 2022 communes as `communes_2022` (or set "
                "admin_structure: '2022')"
            )
            raise ValueError(msg)
        if self.admin_structure == "2022" and self.layers.communes_2022 is not None:
            msg = (
                "layers.communes_2022: with admin_structure '2022' the `communes` layer holds "
                "the 2022 communes; give the 2025 units as `communes_2025` (or set "
                "admin_structure: '2025')"
            )
            raise ValueError(msg)
        for n, province in enumerate(self.provinces):
            for name in province.layers:
                if getattr(self.layers, name) is None:
                    msg = (
                        f"provinces[{n}] ({province.name}).layers.{name}: `layers:` has no "
                        f"{name} to append it to; give the first province's {name} there"
                    )
                    raise ValueError(msg)
        return self

    def input_specs(self) -> list[LayerSpec]:
        """Return every layer file the scenario reads: `layers:`, then each province's."""
        own = list(self.layer_specs().values())
        return own + [spec for p in self.provinces for spec in p.layers.values()]

    def layer_specs(self) -> dict[str, LayerSpec]:
        """Return the layers that are given, by canonical layer name."""
        return {
            name: spec
            for name in LayersSpec.model_fields
            if (spec := getattr(self.layers, name)) is not None
        }


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: the scenario is not valid:"]
    for err in error.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against `geoplan schema`)"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    sets = [data.get("layers")]
    provinces = data.get("provinces")
    if isinstance(provinces, list):
        sets += [p.get("layers") for p in provinces if isinstance(p, dict)]
    for layers in sets:
        if isinstance(layers, dict):
            _resolve_layer_paths(layers, base)


def _resolve_layer_paths(layers: dict[str, Any], base: Path) -> None:
    for spec in layers.values():
        if isinstance(spec, dict) and isinstance(spec.get("path"), str):
            path = Path(spec["path"]).expanduser()
            spec["path"] = str(path if path.is_absolute() else (base / path).resolve())


# A scenario is a few hundred values; anything far larger after expanding YAML
# aliases is an "alias bomb" (a few KB that expand to billions of nodes).
MAX_YAML_NODES = 200_000
MAX_YAML_BYTES = 5 * 1024 * 1024


def _expanded_size(root: yaml.Node, path: Path) -> int:
    """Count the nodes of ``root`` with aliases expanded, without expanding them."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            sizes[key] = -1  # in progress: a node reached again while open is a cycle
            stack.append((node, True))
            for child in children:
                if sizes.get(id(child)) == -1:
                    msg = f"{path}: a YAML alias refers to itself; write the values out"
                    raise ScenarioError(msg)
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        total = 1 + sum(sizes[id(child)] for child in children)
        sizes[key] = total
        if total > MAX_YAML_NODES:
            msg = (
                f"{path}: the YAML expands to more than {MAX_YAML_NODES:,} values (aliases "
                "repeated inside aliases?); a scenario is far smaller"
            )
            raise ScenarioError(msg)
    return sizes[id(root)]


def _read_yaml(path: Path) -> Any:
    """Parse ``path`` safely: size and alias expansion bounded before anything is built."""
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            msg = f"{path}: {path.stat().st_size:,} bytes is too large for a scenario file"
            raise ScenarioError(msg)
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None
        _expanded_size(node, path)
        loader = yaml.SafeLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        msg = f"{path}: not a readable YAML file: {exc}"
        raise ScenarioError(msg) from exc


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Relative layer paths are resolved against the scenario file's folder.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Scenario
        The frozen, validated scenario.

    Raises
    ------
    ScenarioError
        If the file is missing, is not YAML, or does not match the schema;
        the message lists every problem with its key path.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: scenario file not found"
        raise ScenarioError(msg)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        msg = f"{path}: a scenario must be a YAML mapping (key: value), got {type(data).__name__}"
        raise ScenarioError(msg)
    _resolve_paths(data, path.resolve().parent)
    data["source"] = str(path.resolve())
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_validation_error(path, exc)) from exc


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of scenario files (for editor autocompletion)."""
    return Scenario.model_json_schema()


def scenario_hash(scenario: Scenario) -> str:
    """Return a SHA-256 of the scenario's content (paths included, source excluded)."""
    payload = scenario.model_dump_json(exclude={"source"}).encode()
    return hashlib.sha256(payload).hexdigest()
