"""Public entry points of the load stage: read_layer, read_raster, load_layers, check_paths."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.warp
from affine import Affine

from geoplan.config.layers import JoinSpec, LayerSpec
from geoplan.errors import GeoplanError, Issue, LayerError, LayerValidationError, ScenarioError
from geoplan.io.crs import crs_label, is_metric, resolve_crs
from geoplan.io.fields import KINDS
from geoplan.io.readers import RASTER_SUFFIXES, list_layers, read_table, read_vector
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.structure import history_from_2022, villages_to_2025
from geoplan.io.text import normalize_names
from geoplan.io.validate import (
    _apply_fields,
    _fix_text,
    guess_kinds,
    prepare_layer,
    row_issues,
)

if TYPE_CHECKING:
    from geoplan.scenario import Scenario

__all__ = [
    "Layers",
    "Raster",
    "check_layer",
    "check_paths",
    "load_layers",
    "read_layer",
    "read_raster",
]

_VECTOR_LAYERS = (
    "communes", "villages", "districts", "province", "landslide_zones", "landslide_inventory",
    "forest", "border", "roads", "rivers",
)  # fmt: skip
_RASTER_LAYERS = ("dem", "rainfall", "landslide_truth")


@dataclass(frozen=True)
class Raster:
    """A single-band raster kept in its own CRS.

    Parameters
    ----------
    array
        2-D float64 values with NaN where the source has nodata.
    transform
        Affine transform from (col, row) to CRS coordinates.
    crs
        The raster's CRS.
    path
        The file read.
    nodata
        The source nodata value (``None`` when the file has none).
    """

    array: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    path: Path
    nodata: float | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return (int(self.array.shape[0]), int(self.array.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` in the raster's CRS."""
        rows, cols = self.shape
        xs = [self.transform.c, self.transform.c + self.transform.a * cols]
        ys = [self.transform.f, self.transform.f + self.transform.e * rows]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def res(self) -> tuple[float, float]:
        """Cell size ``(x, y)`` in CRS units."""
        return (abs(self.transform.a), abs(self.transform.e))


@dataclass
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


def _resolve_crs_arg(
    crs: str | pyproj.CRS | None, file: str, layer: str | None
) -> pyproj.CRS | None:
    if crs is None:
        return None
    try:
        return resolve_crs(crs)
    except ScenarioError as exc:
        msg = f"{file}{f', layer {layer!r}' if layer else ''}: {exc}"
        raise LayerError(msg) from exc


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
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Read and validate one layer; findings go to ``report`` (LayerError is raised)."""
    p = Path(path)
    if kind is not None and kind not in KINDS:
        msg = f"unknown layer kind {kind!r}; use one of {', '.join(KINDS)}"
        raise LayerError(msg)
    target = _resolve_crs_arg(crs, str(p), layer)
    raw = read_vector(p, layer=layer, encoding=encoding, kind=kind, crs=target, x=x, y=y)
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
    )
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


def read_raster(path: str | Path, *, crs: str | pyproj.CRS | None = None) -> Raster:
    """Read band 1 of a GeoTIFF/COG as float64 with NaN for nodata.

    Parameters
    ----------
    path
        The raster file.
    crs
        CRS to assume when the file has none (or a wrong one).

    Returns
    -------
    Raster
        The raster in its own CRS.

    Raises
    ------
    LayerError
        If the file cannot be read, has no CRS and none is given, or holds
        no valid cell.
    """
    p = Path(path)
    if not p.exists():
        msg = f"{p}: raster file not found"
        raise LayerError(msg)
    target = _resolve_crs_arg(crs, str(p), None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(p) as src:
                arr = src.read(1, masked=True)
                transform = src.transform
                file_crs = pyproj.CRS.from_wkt(src.crs.to_wkt()) if src.crs else None
                nodata = src.nodata
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{p}: cannot read the raster ({exc})"
        raise LayerError(msg) from exc
    out_crs = target or file_crs
    if out_crs is None:
        msg = (
            f"{p}: the raster has no CRS; state it with `crs:` (e.g. 'EPSG:4326' or "
            "'vn2000-tm3:kontum')"
        )
        raise LayerError(msg)
    data = np.ma.filled(arr.astype("float64"), np.nan)
    data[~np.isfinite(data)] = np.nan
    if not np.isfinite(data).any():
        msg = f"{p}: every cell is nodata; check the file and its nodata value"
        raise LayerError(msg)
    return Raster(
        array=data,
        transform=transform,
        crs=out_crs,
        path=p,
        nodata=None if nodata is None else float(nodata),
    )


# --------------------------------------------------------------------------------------
# scenario


def _join_tables(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    joins: list[JoinSpec],
    base: Path,
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    kdef = KINDS[kind]
    out = gdf
    for js in joins:
        p = js.path if js.path.is_absolute() else (base / js.path)
        key = js.on or kdef.key
        if key is None or kdef.get(key) is None:
            report.add(
                Issue(
                    "error",
                    f"cannot join a table onto {kind}: no key field '{key}'",
                    file=str(p),
                    layer=kind,
                    code="bad-join",
                )
            )
            continue
        try:
            table, enc, issues = read_table(p, sheet=js.sheet, encoding=js.encoding)
        except LayerError as exc:
            report.add(Issue("error", _msg(exc, p), file=str(p), layer=kind, code="unreadable"))
            continue
        report.extend(issues)
        tsum = LayerSummary(
            name=f"{kind} table", file=str(p), layer=js.sheet, features=len(table), encoding=enc
        )
        report.layers.append(tsum)
        issues2: list[Issue] = []
        tgdf = gpd.GeoDataFrame(
            table, geometry=gpd.GeoSeries([None] * len(table), index=table.index)
        )
        tgdf = _fix_text(tgdf, tsum, issues2, js.sheet or kind)
        tgdf = _apply_fields(
            tgdf,
            kdef,
            mapping=js.fields,
            summary=tsum,
            issues=issues2,
            layer=js.sheet or kind,
            require=False,
        )
        report.extend(issues2)
        tsum.kept = len(tgdf)
        if key not in tgdf:
            report.add(
                Issue(
                    "error",
                    f"the table has no '{key}' column to join on; map it with "
                    f"`fields: {{{key}: <column>}}`",
                    file=str(p),
                    layer=js.sheet,
                    field=key,
                    code="bad-join",
                )
            )
            continue
        tdf = pd.DataFrame(tgdf.drop(columns=tgdf.geometry.name))
        fdef = kdef.get(key)
        by_name = fdef is not None and fdef.type == "text"

        def join_key(values: pd.Series, by_name: bool = by_name) -> pd.Series:
            # names match ignoring accents, case, spacing and a leading "xã"/"thôn"...
            if not by_name:
                return values
            keys = normalize_names(values, drop_prefix=True)
            return keys.mask(values.isna())

        tdf["__key__"] = join_key(tdf[key])
        dup = tdf["__key__"].notna() & tdf["__key__"].duplicated(keep="first")
        report.extend(
            row_issues(
                tdf.index[dup.to_numpy()],
                severity="error",
                message=f"duplicate {key} in the joined table",
                file=str(p),
                layer=js.sheet,
                field=key,
                code="duplicate-code",
            )
        )
        tdf = tdf.loc[~dup.to_numpy() & tdf["__key__"].notna().to_numpy()]
        layer_key = join_key(out[key])
        unmatched = ~tdf["__key__"].isin(layer_key)
        report.extend(
            row_issues(
                tdf.index[unmatched.to_numpy()],
                severity="warning",
                message=f"{key} not found in the {kind} layer; row not joined",
                file=str(p),
                layer=js.sheet,
                field=key,
                code="join-unmatched",
            )
        )
        missing = ~layer_key.isin(tdf["__key__"])
        if missing.any():
            report.add(
                Issue(
                    "warning",
                    f"{int(missing.sum())} feature(s) have no row in the joined table {p.name}",
                    file=summary.file,
                    layer=kind,
                    field=key,
                    code="join-missing",
                )
            )
        tdf = tdf.drop(columns=[key])
        cols = [c for c in tdf.columns if c != "__key__"]
        overlap = [c for c in cols if c in out.columns]
        if overlap:
            report.add(
                Issue(
                    "warning",
                    f"columns {', '.join(map(str, overlap))} come from the "
                    f"joined table {p.name} and replace the layer's",
                    file=str(p),
                    layer=kind,
                    code="join-overrides",
                )
            )
        merged = (
            out.drop(columns=overlap)
            .assign(__key__=layer_key)
            .reset_index()
            .merge(tdf, on="__key__", how="left", validate="many_to_one")
            .drop(columns="__key__")
            .set_index(out.index.name or "index")
        )
        merged.index.name = out.index.name
        out = gpd.GeoDataFrame(merged, geometry=out.geometry.name, crs=out.crs)
        summary.count_repair("joined-table", 1)
    return out


def _villages_in_communes(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    assign: bool,
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    file = summary.file
    labels = villages.get("village_id", None)
    src_field = summary.fields.get("commune_code", "commune_code")
    pts = villages.geometry.to_numpy()
    vi, ci = communes.sindex.query(pts, predicate="intersects")
    spatial = pd.Series(pd.NA, index=villages.index, dtype=object)
    codes = communes["commune_code"].to_numpy()
    first = pd.Series(ci, index=vi).groupby(level=0).first()
    spatial.iloc[first.index.to_numpy()] = codes[first.to_numpy()]
    stated = villages["commune_code"]
    known = stated.isin(communes["commune_code"])
    outside = spatial.isna()
    # a point on an overlap of two polygons agrees with either of them
    hit = pd.Series(codes[ci], index=villages.index[vi]).astype(str)
    agrees = hit.eq(stated.astype(str).reindex(hit.index)).groupby(level=0).any()
    agrees = agrees.reindex(villages.index, fill_value=False)
    spatial = spatial.where(~agrees, stated)
    report.extend(
        row_issues(
            villages.index[outside.to_numpy()],
            severity="warning",
            message="village point lies outside every commune polygon",
            file=file,
            layer="villages",
            field=None,
            code="outside-communes",
            labels=labels,
        )
    )
    mismatch = ~outside & known & (spatial != stated)
    out = villages
    if assign:
        fix = ~outside & (spatial != stated)
        if fix.any():
            out = villages.copy()
            out["commune_code_source"] = stated
            out.loc[fix, "commune_code"] = spatial[fix]
            summary.count_repair("commune-assigned-spatially", int(fix.sum()))
            report.extend(
                row_issues(
                    villages.index[fix.to_numpy()],
                    severity="repair",
                    message="commune_code replaced by the commune the point lies in",
                    file=file,
                    layer="villages",
                    field=src_field,
                    code="commune-assigned",
                    labels=labels,
                )
            )
        known = out["commune_code"].isin(communes["commune_code"])
    else:
        rows = list(villages.index[mismatch.to_numpy()])
        for r in rows[:100]:
            who = f"[village_id {labels.at[r]}] " if labels is not None else ""
            report.add(
                Issue(
                    "error",
                    f"{who}village point lies in commune {spatial.at[r]} but its "
                    f"commune_code is {stated.at[r]}; fix the code or set "
                    "`assign_commune_spatially: true`",
                    file=file,
                    layer="villages",
                    row=int(r),
                    field=src_field,
                    code="village-outside-commune",
                )
            )
        if len(rows) > 100:
            report.add(
                Issue(
                    "error",
                    f"... and {len(rows) - 100} more villages outside their stated commune",
                    file=file,
                    layer="villages",
                    field=src_field,
                    code="village-outside-commune",
                )
            )
    unknown = out["commune_code"].notna() & ~known
    report.extend(
        row_issues(
            out.index[unknown.to_numpy()],
            severity="error",
            message="commune_code does not exist in the communes layer",
            file=file,
            layer="villages",
            field=src_field,
            code="unknown-commune",
            labels=labels,
        )
    )
    return out


def _dissolve(communes: gpd.GeoDataFrame, by: str | None) -> gpd.GeoDataFrame:
    if by is None:
        geom = communes.geometry.union_all()
        return gpd.GeoDataFrame({"province_name": [""]}, geometry=[geom], crs=communes.crs)
    cols = {"district_name": "first"} if "district_name" in communes else {}
    out = communes[[by, *cols, communes.geometry.name]].dissolve(by=by, aggfunc=cols or "first")
    out = out.reset_index()
    out["ntm_status"] = "none"
    return out


def _load(scenario: Scenario) -> tuple[Layers | None, ValidationReport]:
    report = ValidationReport()
    base = Path(scenario.source).parent if scenario.source else Path.cwd()
    try:
        target = resolve_crs(scenario.crs)
    except ScenarioError as exc:
        report.add(
            Issue("error", f"scenario crs: {exc}", file=str(scenario.source), code="bad-crs")
        )
        return None, report
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
        return None, report
    specs = scenario.layer_specs()
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    rasters: dict[str, Raster | None] = {}
    for name, spec in specs.items():
        if name in _RASTER_LAYERS:
            try:
                r = read_raster(spec.path, crs=spec.crs)
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
                continue
            rasters[name] = r
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
            continue
        frames[name] = _load_vector(
            name, spec, base, target, report, kind=_kind_of(name, scenario.admin_structure)
        )
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
        frames["villages"] = _villages_in_communes(
            villages,
            communes,
            assign=specs["villages"].assign_commune_spatially,
            summary=vsum,
            report=report,
        )
    if communes is not None and "district_code" in communes:
        if frames.get("districts") is None:
            frames["districts"] = _dissolve(communes, "district_code")
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
        frames["province"] = _dissolve(communes, None)
    if scenario.admin_structure == "2025" and communes is not None:
        old = frames.get("communes_2022")
        if old is not None and "commune_code" in communes and "commune_code" in old:
            frames["communes"] = communes = history_from_2022(communes, old, report)
        # the planning units are the 2025 units: the 2025 view is the communes themselves
        frames["communes_2025"] = communes
    _check_raster_extent(rasters, frames, target, report)
    if report.errors:
        return None, report
    out = {k: (v.reset_index(drop=True) if v is not None else None) for k, v in frames.items()}
    layers = Layers(
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
    return layers, report


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
        gdf = _join_tables(
            gdf, name, joins=list(spec.join), base=base, summary=summary, report=report
        )
    if gdf.crs is not None and len(gdf):
        if not gdf.crs.equals(target):
            gdf = gdf.to_crs(target)
        summary.crs = crs_label(target)
    return gdf


def _check_raster_extent(
    rasters: dict[str, Raster | None],
    frames: dict[str, gpd.GeoDataFrame | None],
    target: pyproj.CRS,
    report: ValidationReport,
) -> None:
    villages = frames.get("villages")
    if villages is None or villages.empty or villages.crs is None:
        return
    for name, r in rasters.items():
        if r is None:
            continue
        try:
            minx, miny, maxx, maxy = rasterio.warp.transform_bounds(
                target, r.crs, *villages.total_bounds
            )
        except Exception:
            report.add(
                Issue(
                    "warning",
                    "cannot compare the raster extent with the villages",
                    file=str(r.path),
                    layer=name,
                    code="raster-extent",
                )
            )
            continue
        rx0, ry0, rx1, ry1 = r.bounds
        if maxx < rx0 or minx > rx1 or maxy < ry0 or miny > ry1:
            report.add(
                Issue(
                    "error",
                    "the raster does not overlap the villages; check its CRS",
                    file=str(r.path),
                    layer=name,
                    code="raster-extent",
                )
            )
        elif minx < rx0 or maxx > rx1 or miny < ry0 or maxy > ry1:
            report.add(
                Issue(
                    "warning",
                    "the raster does not cover every village",
                    file=str(r.path),
                    layer=name,
                    code="raster-extent",
                )
            )


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


# --------------------------------------------------------------------------------------
# check


def check_paths(
    paths: list[str | Path] | tuple[str | Path, ...],
    *,
    strict: bool = False,
    kind: str | None = None,
) -> ValidationReport:
    """Check scenarios and bare layer files; never raises for bad input.

    A ``.yaml``/``.yml`` path is loaded as a scenario and all its layers are
    checked as :func:`load_layers` would; any other path is read as a layer
    (every layer of a GeoPackage/KML), with its kind guessed from its name,
    columns and geometry; rasters are opened and checked.

    Parameters
    ----------
    paths
        Files to check.
    strict
        Stored on the report: :meth:`ValidationReport.exit_code` then returns
        1 when there are only warnings.
    kind
        What every bare layer file is (a key of :data:`~geoplan.io.fields.KINDS`);
        without it the kind is guessed, only when the guess is unambiguous, and
        the guess is shown in the layer's summary.

    Returns
    -------
    ValidationReport
        Every issue found, with per-layer summaries.
    """
    report = ValidationReport(strict=strict)
    if kind is not None and kind not in KINDS:
        report.add(
            Issue(
                "error",
                f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}",
                code="unknown-kind",
            )
        )
        return report
    for item in paths:
        p = Path(item)
        try:
            if p.suffix.lower() in {".yaml", ".yml"}:
                from geoplan.scenario import load_scenario

                try:
                    scenario = load_scenario(p)
                except ScenarioError as exc:
                    report.add(Issue("error", _msg(exc, p), file=str(p), code="scenario"))
                    continue
                _, sub = _load(scenario)
                report.merge(sub)
            elif p.suffix.lower() in RASTER_SUFFIXES:
                try:
                    r = read_raster(p)
                except LayerError as exc:
                    report.add(Issue("error", _msg(exc, p), file=str(p), code="raster"))
                    continue
                n = int(np.isfinite(r.array).sum())
                report.layers.append(
                    LayerSummary(
                        name=p.stem,
                        file=str(p),
                        features=n,
                        kept=n,
                        source_crs=crs_label(r.crs),
                        crs=crs_label(r.crs),
                        geometry_type=f"raster {r.shape[1]}x{r.shape[0]}",
                    )
                )
            else:
                _check_file(p, report, kind=kind)
        except GeoplanError as exc:
            report.add(Issue("error", _msg(exc, p), file=str(p), code="unreadable"))
        except Exception as exc:  # `geoplan check` reports, never crashes
            report.add(
                Issue(
                    "error",
                    f"unexpected {type(exc).__name__} while checking: {exc} (please report this "
                    "as a geoplan bug with the file)",
                    file=str(p),
                    code="internal-error",
                )
            )
    return report


def _msg(exc: Exception, path: Path | str) -> str:
    """Return the message of ``exc`` without a leading ``<path>: `` (the issue names the file)."""
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _check_file(p: Path, report: ValidationReport, *, kind: str | None = None) -> None:
    if not p.exists():
        report.add(Issue("error", "file not found", file=str(p), code="not-found"))
        return
    try:
        names: list[str | None] = list(list_layers(p))
    except LayerError as exc:
        report.add(Issue("error", _msg(exc, p), file=str(p), code="unreadable"))
        return
    single = p.suffix.lower() in {
        ".shp",
        ".csv",
        ".txt",
        ".tsv",
        ".parquet",
        ".geoparquet",
        ".geojson",
        ".json",
        ".fgb",
    }
    for name in names:
        layer = None if single else name
        try:
            raw = read_vector(p, layer=layer)
        except LayerError as exc:
            report.add(Issue("error", _msg(exc, p), file=str(p), layer=layer, code="unreadable"))
            continue
        label = name if not single else p.stem
        given = kind
        if given is None:
            candidates = guess_kinds(raw.frame, label)
            if len(candidates) > 1:
                report.add(
                    Issue(
                        "error",
                        f"cannot tell what this layer is ({' or '.join(candidates)}); "
                        f"say it with `geoplan check --kind {candidates[0]} {p}`",
                        file=str(p),
                        layer=layer,
                        code="ambiguous-kind",
                    )
                )
                continue
            given = candidates[0] if candidates else None
        shown = given if kind is not None or given is None else f"{given} (guessed)"
        summary = LayerSummary(name=shown or (name or p.stem), file=str(p), layer=raw.layer)
        report.layers.append(summary)
        issues: list[Issue] = []
        prepare_layer(
            raw,
            file=str(p),
            name=layer or summary.name,
            kind=given,
            fields=None,
            crs=None,
            summary=summary,
            issues=issues,
        )
        report.extend(issues)
