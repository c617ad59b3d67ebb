"""Checks across layers: villages in their communes, rasters over the villages, downgrades."""

from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import rasterio.warp

from geoplan.config.layers import LayerSpec
from geoplan.errors import Issue
from geoplan.io.raster import Raster
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.rows import row_issues

__all__ = ["apply_downgrades", "check_raster_extent", "dissolve", "villages_in_communes"]


def villages_in_communes(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    assign: bool,
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Check each village point against its stated commune (or assign it, if asked)."""
    file = summary.file
    labels = villages.get("village_id", None)
    src_field = summary.fields.get("commune_code", "commune_code")
    stated = villages["commune_code"]
    known = stated.isin(communes["commune_code"])
    spatial = _commune_of_points(villages, communes)
    outside = spatial.isna()
    report.extend(
        row_issues(
            villages.index[outside.to_numpy()],
            severity="error",
            message="village point lies outside every commune polygon (X and Y swapped? "
            "wrong CRS?); fix it or list 'outside-communes' under `downgrade:`",
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
        _report_mismatches(
            rows, spatial, stated, labels=labels, file=file, src_field=src_field, report=report
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


def _commune_of_points(villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.Series:
    """Return the commune each village point lies in (NA outside every commune).

    A point on an overlap of two polygons lies in its stated commune when that is one of them.
    """
    vi, ci = communes.sindex.query(villages.geometry.to_numpy(), predicate="intersects")
    spatial = pd.Series(pd.NA, index=villages.index, dtype=object)
    codes = communes["commune_code"].to_numpy()
    first = pd.Series(ci, index=vi).groupby(level=0).first()
    spatial.iloc[first.index.to_numpy()] = codes[first.to_numpy()]
    stated = villages["commune_code"]
    hit = pd.Series(codes[ci], index=villages.index[vi]).astype(str)
    agrees = hit.eq(stated.astype(str).reindex(hit.index)).groupby(level=0).any()
    agrees = agrees.reindex(villages.index, fill_value=False)
    return spatial.where(~agrees, stated)


def _report_mismatches(
    rows: list[Any],
    spatial: pd.Series,
    stated: pd.Series,
    *,
    labels: pd.Series | None,
    file: str,
    src_field: str,
    report: ValidationReport,
) -> None:
    """One error per village whose point lies in another commune than its code says."""
    for r in rows[:100]:
        who = f"[village_id {labels.at[r]}] " if labels is not None else ""
        report.add(
            Issue(
                "error",
                f"{who}village point lies in commune {spatial.at[r]} but its "
                f"commune_code is {stated.at[r]}; fix the code or the point, set "
                "`assign_commune_spatially: true`, or list 'village-outside-commune' "
                "under `downgrade:`",
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


def dissolve(communes: gpd.GeoDataFrame, by: str | None) -> gpd.GeoDataFrame:
    """Dissolve communes into districts (``by``) or into the province (``None``)."""
    if by is None:
        geom = communes.geometry.union_all()
        return gpd.GeoDataFrame({"province_name": [""]}, geometry=[geom], crs=communes.crs)
    cols = {"district_name": "first"} if "district_name" in communes else {}
    out = communes[[by, *cols, communes.geometry.name]].dissolve(by=by, aggfunc=cols or "first")
    out = out.reset_index()
    out["ntm_status"] = "none"
    return out


def apply_downgrades(report: ValidationReport, specs: dict[str, LayerSpec]) -> None:
    """Report as warnings the error codes a layer's ``downgrade:`` lists (explicit only)."""
    wanted = {str(spec.path): set(spec.downgrade) for spec in specs.values() if spec.downgrade}
    if not wanted:
        return
    report.issues = [
        dataclasses.replace(i, severity="warning", message=i.message + " (downgraded)")
        if i.severity == "error" and i.code in wanted.get(i.file or "", ())
        else i
        for i in report.issues
    ]


def check_raster_extent(
    rasters: dict[str, Raster | None],
    frames: dict[str, gpd.GeoDataFrame | None],
    target: pyproj.CRS,
    report: ValidationReport,
) -> None:
    """Report rasters that miss the villages (error) or cover them only partly."""
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
