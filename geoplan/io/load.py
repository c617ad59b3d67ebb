"""Public entry points of the load stage: read_layer, read_raster, load_layers.

``geoplan check`` (:mod:`geoplan.check`) reuses :func:`load_report` so that it finds
exactly what :func:`load_layers` would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj

from geoplan.config.layers import LayerSpec
from geoplan.errors import Issue, LayerError, LayerValidationError, ScenarioError
from geoplan.io.checks import plausibility_issues
from geoplan.io.crosslayer import (
    apply_downgrades,
    check_raster_extent,
    dissolve,
    villages_in_communes,
)
from geoplan.io.crs import crs_label, is_metric, resolve_crs
from geoplan.io.fields import KINDS
from geoplan.io.integrity import check_feature_count, check_file_integrity
from geoplan.io.joins import check_required, join_tables
from geoplan.io.provinces import append_provinces
from geoplan.io.raster import Raster, read_raster, resolve_crs_arg
from geoplan.io.readers import RawLayer, read_vector
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.rows import row_issues
from geoplan.io.structure import history_from_2022, villages_to_2025
from geoplan.io.validate import prepare_layer

if TYPE_CHECKING:
    from geoplan.scenario import Scenario

__all__ = [
    "Layers",
    "Raster",
    "check_layer",
    "load_layers",
    "load_report",
    "read_checked",
    "read_layer",
    "read_raster",
]

_VECTOR_LAYERS = (
    "communes", "villages", "districts", "province", "landslide_zones", "landslide_inventory",
    "forest", "border", "roads", "rivers",
)  # fmt: skip
_RASTER_LAYERS = ("dem", "rainfall", "landslide_truth")
# formats whose header declares a feature count that the rows read must match
OGR_COUNTED = frozenset({".gpkg", ".shp", ".fgb", ".geojson", ".json"})


@dataclass(frozen=True)
class Layers:
    """Every input layer of a scenario, validated and in the scenario CRS.

    ``communes``, ``villages``, ``districts`` and ``province`` are always
    present (districts and province are dissolved from communes when not
    given); the other vector layers and the rasters are ``None`` when the
    scenario does not name them. ``report`` holds the warnings and repairs.
    """

    communes: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None
    province: gpd.GeoDataFrame
    landslide_zones: gpd.GeoDataFrame | None = None
    landslide_inventory: gpd.GeoDataFrame | None = None
    forest: gpd.GeoDataFrame | None = None
    border: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    rivers: gpd.GeoDataFrame | None = None
    communes_2025: gpd.GeoDataFrame | None = None
    communes_2022: gpd.GeoDataFrame | None = None
    admin_structure: str = "2022"
    dem: Raster | None = None
    rainfall: Raster | None = None
    landslide_truth: Raster | None = None
    report: ValidationReport = field(default_factory=ValidationReport)


# --------------------------------------------------------------------------------------
# single layers


def read_checked(path: Path, **kwargs: Any) -> RawLayer:
    """Read a vector layer with :func:`read_vector`, refusing damaged or empty ones.

    The file's integrity is checked first (GeoPackage ``quick_check``, shapefile
    sidecars), then the rows read are compared with the count the file declares.

    Raises
    ------
    LayerError
        A damaged file, features lost on reading, or a layer with no features.
    """
    check_file_integrity(path, kwargs.get("layer"))
    raw = read_vector(path, **kwargs)
    if path.suffix.lower() in OGR_COUNTED:
        check_feature_count(path, raw.layer, len(raw.frame))
    if len(raw.frame) == 0:
        where = f"{path}{f', layer {raw.layer!r}' if raw.layer else ''}"
        msg = f"{where}: the layer has no features; check the file or remove it from the scenario"
        raise LayerError(msg)
    return raw


def _read_one(
    path: str | Path,
    *,
    name: str | None,
    layer: str | None,
    crs: str | pyproj.CRS | None,
    encoding: str | None,
    fields: dict[str, str] | None,
    kind: str | None,
    x: str | None = None,
    y: str | None = None,
    header_row: int | None = None,
    require: bool = True,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Read and validate one layer; findings go to ``report`` (LayerError is raised).

    ``require=False`` leaves required fields and defaults to :func:`check_required`,
    for layers whose joins may bring them.
    """
    p = Path(path)
    if kind is not None and kind not in KINDS:
        msg = f"unknown layer kind {kind!r}; use one of {', '.join(KINDS)}"
        raise LayerError(msg)
    target = resolve_crs_arg(crs, str(p), layer)
    raw = read_checked(
        p, layer=layer, encoding=encoding, kind=kind, crs=target, x=x, y=y, header_row=header_row
    )
    label = name or kind or raw.layer or p.stem
    summary = LayerSummary(name=label, file=str(p), layer=raw.layer)
    report.layers.append(summary)
    issues: list[Issue] = []
    gdf = prepare_layer(
        raw,
        file=str(p),
        name=label,
        kind=kind,
        fields=fields,
        crs=target,
        summary=summary,
        issues=issues,
        require=require,
    )
    issues += plausibility_issues(gdf, kind, bounds=bounds, summary=summary, layer=raw.layer)
    report.extend(issues)
    return gdf


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | pyproj.CRS | None = None,
    encoding: str | None = None,
    fields: dict[str, str] | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer, repair it and validate it.

    Text comes out as NFC Unicode (legacy Vietnamese encodings detected and
    converted), the CRS is set, geometry is repaired, and with ``kind`` the
    columns get their canonical names and types.

    Parameters
    ----------
    path
        GeoPackage, Shapefile, GeoJSON, FlatGeobuf, GeoParquet, KML/KMZ, or
        CSV/XLSX with longitude/latitude or X/Y columns.
    layer
        Layer (or sheet) name in a multi-layer file.
    crs
        CRS to assume when the file has none or a wrong one (``"EPSG:9216"``,
        ``"vn2000-tm3:kontum"``...).
    encoding
        Attribute text encoding (``"utf-8"``, ``"cp1258"``, ``"tcvn3"``,
        ``"vni"``); detected when omitted.
    fields
        Canonical field -> source column, for columns not recognised
        automatically (only with ``kind``).
    kind
        Canonical layer name (``"villages"``, ``"communes"``...) whose fields,
        coercions and checks apply.

    Returns
    -------
    geopandas.GeoDataFrame
        The validated layer in its source CRS (or ``crs``), index 0..n-1.

    Raises
    ------
    LayerError
        If the file is missing or cannot be read.
    LayerValidationError
        If validation finds errors; ``.issues`` lists all of them.
    """
    gdf, report = check_layer(
        path, layer=layer, crs=crs, encoding=encoding, fields=fields, kind=kind
    )
    if report.errors:
        raise LayerValidationError(report.issues, header=f"{path}: {len(report.errors)} problem(s)")
    return gdf.reset_index(drop=True)


def check_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | pyproj.CRS | None = None,
    encoding: str | None = None,
    fields: dict[str, str] | None = None,
    kind: str | None = None,
    x: str | None = None,
    y: str | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Read and validate one layer without raising on validation errors.

    Same parameters as :func:`read_layer` (plus ``x``/``y`` coordinate
    columns for tables).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, ValidationReport)
        The frame (index = 0-based source row; rows with errors are kept) and
        the full report with errors, warnings and repairs.

    Raises
    ------
    LayerError
        If the file is missing or cannot be read.
    """
    report = ValidationReport()
    gdf = _read_one(
        path,
        name=None,
        layer=layer,
        crs=crs,
        encoding=encoding,
        fields=fields,
        kind=kind,
        x=x,
        y=y,
        report=report,
    )
    return gdf, report


# --------------------------------------------------------------------------------------
# scenario


def _target_crs(scenario: Scenario, report: ValidationReport) -> pyproj.CRS | None:
    """Return the scenario's metric CRS, or ``None`` after reporting why it cannot be used."""
    try:
        target = resolve_crs(scenario.crs)
    except ScenarioError as exc:
        report.add(
            Issue("error", f"scenario crs: {exc}", file=str(scenario.source), code="bad-crs")
        )
        return None
    if not is_metric(target):
        report.add(
            Issue(
                "error",
                f"the scenario CRS {scenario.crs} is not projected in metres; "
                "use e.g. 'EPSG:3405' or 'vn2000-tm3:kontum'",
                file=str(scenario.source),
                code="bad-crs",
            )
        )
        return None
    return target


def _load_raster(
    name: str, spec: LayerSpec, scenario: Scenario, report: ValidationReport
) -> Raster | None:
    """Read one raster layer and summarise it, or report why it cannot be read."""
    try:
        r = read_raster(spec.path, crs=spec.crs, block_pixels=scenario.rasters.block_pixels)
    except LayerError as exc:
        report.add(
            Issue(
                "error",
                _msg(exc, spec.path),
                file=str(spec.path),
                layer=name,
                code="raster",
            )
        )
        return None
    report.layers.append(
        LayerSummary(
            name=name,
            file=str(spec.path),
            features=int(np.isfinite(r.array).sum()),
            kept=int(np.isfinite(r.array).sum()),
            source_crs=crs_label(r.crs),
            crs=crs_label(r.crs),
            geometry_type=f"raster {r.shape[1]}x{r.shape[0]}",
        )
    )
    return r


def _link_admin_units(
    frames: dict[str, gpd.GeoDataFrame | None],
    scenario: Scenario,
    specs: dict[str, LayerSpec],
    report: ValidationReport,
) -> None:
    """Tie villages to communes and communes to districts; derive missing districts/province.

    ``frames`` is updated in place.
    """
    communes, villages = frames.get("communes"), frames.get("villages")
    if scenario.admin_structure == "2025" and communes is not None and villages is not None:
        frames["villages"] = villages = villages_to_2025(
            villages, communes, frames.get("communes_2022"), report
        )
    if (
        communes is not None
        and villages is not None
        and "commune_code" in communes
        and "commune_code" in villages
    ):
        vsum = report.summary("villages")
        assert vsum is not None
        frames["villages"] = villages_in_communes(
            villages,
            communes,
            assign=specs["villages"].assign_commune_spatially,
            summary=vsum,
            report=report,
        )
    if communes is not None and "district_code" in communes:
        if frames.get("districts") is None:
            frames["districts"] = dissolve(communes, "district_code")
        else:
            districts = frames["districts"]
            assert districts is not None
            if "district_code" in districts:
                miss = ~communes["district_code"].isin(districts["district_code"])
                report.extend(
                    row_issues(
                        communes.index[miss.to_numpy()],
                        severity="warning",
                        message="district_code not found in the districts layer",
                        file=str(specs["communes"].path),
                        layer="communes",
                        field="district_code",
                        code="unknown-district",
                    )
                )
    if communes is not None and frames.get("province") is None:
        frames["province"] = dissolve(communes, None)
    if scenario.admin_structure == "2025" and communes is not None:
        old = frames.get("communes_2022")
        if old is not None and "commune_code" in communes and "commune_code" in old:
            frames["communes"] = communes = history_from_2022(communes, old, report)
        # the planning units are the 2025 units: the 2025 view is the communes themselves
        frames["communes_2025"] = communes


def _assemble_layers(
    frames: dict[str, gpd.GeoDataFrame | None],
    rasters: dict[str, Raster | None],
    scenario: Scenario,
    report: ValidationReport,
) -> Layers:
    """Return the :class:`Layers` of the checked frames (fresh indexes) and rasters."""
    out = {k: (v.reset_index(drop=True) if v is not None else None) for k, v in frames.items()}
    return Layers(
        communes=out["communes"],
        villages=out["villages"],
        districts=out.get("districts"),
        province=out["province"],
        landslide_zones=out.get("landslide_zones"),
        landslide_inventory=out.get("landslide_inventory"),
        forest=out.get("forest"),
        border=out.get("border"),
        roads=out.get("roads"),
        rivers=out.get("rivers"),
        communes_2025=out.get("communes_2025"),
        communes_2022=out.get("communes_2022"),
        admin_structure=scenario.admin_structure,
        dem=rasters.get("dem"),
        rainfall=rasters.get("rainfall"),
        landslide_truth=rasters.get("landslide_truth"),
        report=report,
    )


def _load(scenario: Scenario) -> tuple[Layers | None, ValidationReport]:
    report = ValidationReport()
    base = Path(scenario.source).parent if scenario.source else Path.cwd()
    target = _target_crs(scenario, report)
    if target is None:
        return None, report
    specs = scenario.layer_specs()
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    rasters: dict[str, Raster | None] = {}
    for name, spec in specs.items():
        if name in _RASTER_LAYERS:
            r = _load_raster(name, spec, scenario, report)
            if r is not None:
                rasters[name] = r
            continue
        frames[name] = _load_vector(
            name, spec, base, target, report, kind=_kind_of(name, scenario.admin_structure)
        )
    append_provinces(
        frames,
        scenario,
        lambda label, name, spec: _load_vector(
            label, spec, base, target, report, kind=_kind_of(name, scenario.admin_structure)
        ),
        report,
        kind_of=lambda name: _kind_of(name, scenario.admin_structure),
    )
    _link_admin_units(frames, scenario, specs, report)
    check_raster_extent(rasters, frames, target, report)
    apply_downgrades(report, specs)
    if report.errors:
        return None, report
    return _assemble_layers(frames, rasters, scenario, report), report


def _kind_of(name: str, structure: str) -> str:
    """Return the field set a scenario layer is read with (2025 units need no district)."""
    if name == "communes" and structure == "2025":
        return "communes_2025"
    return "communes" if name == "communes_2022" else name


def _load_vector(
    name: str,
    spec: LayerSpec,
    base: Path,
    target: pyproj.CRS,
    report: ValidationReport,
    *,
    kind: str | None = None,
) -> gpd.GeoDataFrame | None:
    try:
        gdf = _read_one(
            spec.path,
            name=name,
            layer=spec.layer,
            crs=spec.crs,
            encoding=spec.encoding,
            fields=dict(spec.fields),
            kind=kind or name,
            x=spec.x,
            y=spec.y,
            header_row=spec.header_row,
            require=not spec.join,
            bounds=dict(spec.bounds),
            report=report,
        )
    except LayerError as exc:
        report.add(
            Issue("error", _msg(exc, spec.path), file=str(spec.path), layer=name, code="unreadable")
        )
        return None
    summary = report.summary(name)
    assert summary is not None
    if spec.join:
        before = list(gdf.columns)
        joins = list(spec.join)
        # messages name the scenario's layer; the 2025 units' field set (no district) decides
        # what is required
        label = name if name in KINDS else (kind or name)
        gdf = join_tables(gdf, label, joins=joins, base=base, summary=summary, report=report)
        gdf = check_required(gdf, kind or name, before=before, summary=summary, report=report)
    if gdf.crs is not None and len(gdf):
        if not gdf.crs.equals(target):
            gdf = gdf.to_crs(target)
        summary.crs = crs_label(target)
    return gdf


def load_layers(scenario: Scenario) -> Layers:
    """Read, repair, validate and reproject every layer of a scenario.

    Parameters
    ----------
    scenario
        The validated scenario.

    Returns
    -------
    Layers
        Vector layers in ``scenario.crs`` with canonical fields; rasters in
        their own CRS; ``report`` with warnings and repairs.

    Raises
    ------
    LayerValidationError
        If any layer has errors; ``.issues`` holds every issue found (all
        layers, not just the first failing one).
    """
    layers, report = _load(scenario)
    if layers is None:
        raise LayerValidationError(report.issues)
    return layers


def _msg(exc: Exception, path: Path | str) -> str:
    """Return the message of ``exc`` without a leading ``<path>: `` (the issue names the file)."""
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def load_report(scenario: Scenario) -> tuple[Layers | None, ValidationReport]:
    """Load a scenario's layers without raising: the layers (``None`` on errors) and the report.

    Parameters
    ----------
    scenario
        The validated scenario.

    Returns
    -------
    tuple of (Layers or None, ValidationReport)
        What :func:`load_layers` would return, and every issue it found.
    """
    return _load(scenario)
