"""Turn a raw layer into a validated one: text, CRS, geometry, fields, checks.

Every function appends to a list of :class:`~geoplan.errors.Issue` instead of
raising, so that one run reports every problem at once.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from geoplan.errors import Issue
from geoplan.io.checks import (
    DEFAULT_BOUNDS,
    check_communes,
    check_villages,
    drop_duplicates,
    duplicate_codes,
    plausibility_issues,
)
from geoplan.io.coerce import (
    coerce_bool,
    coerce_code,
    coerce_date,
    coerce_enum,
    coerce_number,
    coerce_text,
)
from geoplan.io.crs import crs_label, guess_crs, identify_vn2000
from geoplan.io.fields import KINDS, FieldDef, KindDef, match_columns
from geoplan.io.geometry import repair_geometry
from geoplan.io.readers import RawLayer
from geoplan.io.report import LayerSummary
from geoplan.io.rows import MAX_ROWS_LISTED, row_issues
from geoplan.io.text_repair import fix_text

__all__ = [
    "DEFAULT_BOUNDS",
    "MAX_ROWS_LISTED",
    "guess_kind",
    "plausibility_issues",
    "prepare_layer",
    "row_issues",
]


# --------------------------------------------------------------------------------------
# CRS


def _fix_crs(
    gdf: gpd.GeoDataFrame,
    crs: pyproj.CRS | None,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    has_geometry: bool,
) -> gpd.GeoDataFrame:
    source = gdf.crs
    summary.source_crs = crs_label(source)
    if not has_geometry:
        return gdf
    if crs is not None:
        if source is not None and not source.equals(crs):
            issues.append(
                Issue(
                    "warning",
                    f"the file says {crs_label(source)} but the scenario states "
                    f"{crs_label(crs)}; using {crs_label(crs)}",
                    file=summary.file,
                    layer=layer,
                    code="crs-overridden",
                )
            )
        gdf = gdf.set_crs(crs, allow_override=True)
    elif source is None:
        b0, b1, b2, b3 = (float(b) for b in gdf.total_bounds)
        bounds = (b0, b1, b2, b3)
        issues.append(
            Issue(
                "error",
                f"the layer has no CRS; {guess_crs(bounds)}. State it with `crs:` in the "
                "scenario (or crs= in read_layer)",
                file=summary.file,
                layer=layer,
                code="no-crs",
            )
        )
        return gdf
    else:
        official, warning = identify_vn2000(source)
        if official is not None:
            gdf = gdf.set_crs(official, allow_override=True)
            summary.count_repair("crs-identified", 1)
            issues.append(
                Issue(
                    "repair",
                    f"the CRS '{source.name}' is VN-2000 without its EPSG definition; "
                    f"using {crs_label(official)} so the datum shift is applied",
                    file=summary.file,
                    layer=layer,
                    code="crs-identified",
                )
            )
        elif warning:
            issues.append(
                Issue("warning", warning, file=summary.file, layer=layer, code="crs-datum-unknown")
            )
    summary.crs = crs_label(gdf.crs)
    return gdf


# --------------------------------------------------------------------------------------
# fields


_PERCENT_HEADER = re.compile(r"%|percent|phần[ _]?trăm|phan[ _]?tram", re.IGNORECASE)


def _rate_scale(
    num: pd.Series,
    fd: FieldDef,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    kw: dict[str, Any],
) -> pd.Series:
    """Convert a rate column given wholly in percent; refuse a column mixing both scales.

    A value in (0, 1) is a fraction, one in (1, 100] a percent; 0 and 1 fit
    both.  When both kinds occur the column is ambiguous: the rows of the
    minority scale are errors (never a silent rescale), unless the source
    column's name says percent ("%", "phần trăm"), which settles the scale.
    """
    finite = num[np.isfinite(num.astype("float64"))] if len(num) else num
    if not len(finite) or finite.min() < 0 or finite.max() > 100:
        return num  # the range check reports it
    fraction = (num > 0) & (num < 1)
    percent = num > 1
    # A column headed as percent ("Tỷ lệ hộ nghèo (%)") is percent in every row, 0.8 included.
    headed_percent = _PERCENT_HEADER.search(str(kw.get("field") or "")) is not None
    if percent.any() and fraction.any() and not headed_percent:
        minority, scale = (
            (percent, "a percent among fractions")
            if percent.sum() <= fraction.sum()
            else (fraction, "a fraction among percents")
        )
        issues.extend(
            row_issues(
                num.index[minority.fillna(False).to_numpy()],
                severity="error",
                message=f"'{fd.name}' mixes scales: this value looks like {scale} "
                f"({int(fraction.sum())} value(s) in 0-1, {int(percent.sum())} in 1-100); "
                "write every rate in the same scale",
                code="mixed-scale",
                **kw,
            )
        )
        return num
    if percent.any() or (headed_percent and fraction.any()):
        summary.count_repair("percent-to-fraction", int(num.notna().sum()))
        issues.append(
            Issue(
                "warning",
                f"'{fd.name}' is given in percent (0-100) in every row; converted to a "
                "fraction 0-1",
                code="percent-rate",
                **kw,
            )
        )
        return num / 100.0
    return num


def _coerce_field(
    values: pd.Series,
    fd: FieldDef,
    *,
    file: str,
    layer: str | None,
    src: str,
    summary: LayerSummary,
    issues: list[Issue],
) -> pd.Series:
    kw: dict[str, Any] = {"file": file, "layer": layer, "field": src}
    if fd.type == "code":
        return coerce_code(values, pad=fd.pad)
    if fd.type == "text":
        return coerce_text(values)
    if fd.type == "bool":
        out, bad = coerce_bool(values)
        issues.extend(
            row_issues(
                values.index[bad.to_numpy()],
                severity="error",
                message=f"'{fd.name}' must be yes/no (x, có, không, 1, 0...)",
                code="bad-value",
                **kw,
            )
        )
        return out
    if fd.type == "enum":
        return _coerce_enum_field(values, fd, issues=issues, kw=kw)
    if fd.type == "date":
        out, bad = coerce_date(values)
        issues.extend(
            row_issues(
                values.index[bad.to_numpy()],
                severity="warning",
                message=f"'{fd.name}' is not a date; left empty",
                code="bad-value",
                **kw,
            )
        )
        return out
    return _coerce_number_field(values, fd, summary=summary, issues=issues, kw=kw)


def _coerce_enum_field(
    values: pd.Series, fd: FieldDef, *, issues: list[Issue], kw: dict[str, Any]
) -> pd.Series:
    """Return a vocabulary field's values, one error per value outside the vocabulary."""
    out, bad = coerce_enum(values, fd.vocab)
    allowed = "/".join(fd.vocab)
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[bad].astype(str))[:5])
        issues.extend(
            row_issues(
                values.index[bad.to_numpy()],
                severity="error",
                message=f"'{fd.name}' value not recognised ({examples}); allowed: {allowed}",
                code="bad-value",
                **kw,
            )
        )
    if fd.as_int:
        return pd.to_numeric(out, errors="coerce").astype("Int64")
    return out


def _coerce_number_field(
    values: pd.Series,
    fd: FieldDef,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    kw: dict[str, Any],
) -> pd.Series:
    """Return a number, rate or whole-number field: parsed, rescaled and range-checked."""
    num, bad = coerce_number(values, integer=fd.type == "int")
    if not pd.api.types.is_numeric_dtype(values.dtype) and (bad.sum() < values.notna().sum()):
        txt = values.astype(str)
        if txt.str.contains(r"\d,\d", regex=True).any():
            summary.count_repair("decimal-comma", int(txt.str.contains(r"\d,\d").sum()))
    issues.extend(
        row_issues(
            values.index[bad.to_numpy()],
            severity="error",
            message=f"'{fd.name}' must be a number",
            code="bad-value",
            **kw,
        )
    )
    if fd.type == "rate":
        num = _rate_scale(num, fd, summary=summary, issues=issues, kw=kw)
    _range_issues(num, fd, issues=issues, kw=kw)
    if fd.type == "int":
        frac = num.notna() & (num != np.round(num))
        issues.extend(
            row_issues(
                num.index[frac.to_numpy()],
                severity="error",
                message=f"'{fd.name}' must be a whole number",
                code="not-integer",
                **kw,
            )
        )
        if num.notna().all() and not frac.any():
            return num.astype("int64")
    return num


def _range_issues(num: pd.Series, fd: FieldDef, *, issues: list[Issue], kw: dict[str, Any]) -> None:
    """One error per value outside the field's possible range (``lo``..``hi``)."""
    lo, hi = fd.lo, fd.hi
    if lo is not None or hi is not None:
        out_of = pd.Series(False, index=num.index)
        if lo is not None:
            out_of |= num < lo
        if hi is not None:
            out_of |= num > hi
        if out_of.any():
            rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            issues.extend(
                row_issues(
                    num.index[out_of.to_numpy()],
                    severity="error",
                    message=f"'{fd.name}' is outside the possible range {rng}",
                    code="out-of-range",
                    **kw,
                )
            )


def _apply_fields(
    gdf: gpd.GeoDataFrame,
    kind: KindDef,
    *,
    mapping: dict[str, str] | None,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    require: bool = True,
) -> gpd.GeoDataFrame:
    geom = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom]
    matched, missing_map = match_columns(cols, kind, mapping)
    for canon in missing_map:
        src = (mapping or {})[canon]
        issues.append(
            Issue(
                "error",
                f"the scenario maps '{canon}' to column '{src}', which does not exist; "
                f"columns are: {', '.join(map(str, cols))}",
                file=summary.file,
                layer=layer,
                field=src,
                code="missing-column",
            )
        )
    summary.fields = {k: str(v) for k, v in matched.items()}
    out = gdf.copy()
    # rename: sources to canonical; move aside any non-matched column with a canonical name
    canon_names = {f.name for f in kind.fields}
    rename: dict[str, str] = {}
    for c in cols:
        if c in canon_names and matched.get(c) != c:
            rename[c] = f"{c}_source"
    # a column mapped to several fields feeds each of them (a copy, not a KeyError)
    first_of: dict[str, str] = {}
    copies: dict[str, str] = {}
    for canon, src in matched.items():
        if src in first_of:
            copies[canon] = first_of[src]
        else:
            first_of[src] = canon
    for canon, src in matched.items():
        if canon not in copies:
            rename[src] = canon
    out = out.rename(columns=rename)
    for canon, first in copies.items():
        out[canon] = out[first]
    for fd in kind.fields:
        if fd.name not in matched:
            if fd.required and require and fd.name not in missing_map:
                aliases = ", ".join(fd.aliases[:6])
                issues.append(
                    Issue(
                        "error",
                        f"required field '{fd.name}' not found (looked for {fd.name}, "
                        f"{aliases}); map your column in the scenario: `fields: {{{fd.name}: "
                        "<column>}`",
                        file=summary.file,
                        layer=layer,
                        field=fd.name,
                        code="missing-field",
                    )
                )
            elif fd.default is not None and require:  # tables joined later add no defaults
                out[fd.name] = fd.default
            continue
        src = matched[fd.name]
        before = out[fd.name]
        src_blank = before.isna() | (before.astype(str).str.strip() == "")
        out[fd.name] = _coerce_field(
            out[fd.name],
            fd,
            file=summary.file,
            layer=layer,
            src=src,
            summary=summary,
            issues=issues,
        )
        if fd.required:
            blank = src_blank
            issues.extend(
                row_issues(
                    out.index[blank.to_numpy()],
                    severity="error",
                    message=f"required field '{fd.name}' is empty",
                    file=summary.file,
                    layer=layer,
                    field=src,
                    code="missing-value",
                )
            )
        elif fd.default is not None:
            out[fd.name] = out[fd.name].where(out[fd.name].notna(), fd.default)
    return out


def guess_kind(gdf: gpd.GeoDataFrame, layer_name: str | None = None) -> str | None:
    """Return the one kind :func:`guess_kinds` finds, or ``None`` when none or several."""
    kinds = guess_kinds(gdf, layer_name)
    return kinds[0] if len(kinds) == 1 else None


def guess_kinds(gdf: gpd.GeoDataFrame, layer_name: str | None = None) -> list[str]:
    """Guess the canonical kind of a layer from its name, columns and geometry.

    Parameters
    ----------
    gdf
        The raw layer.
    layer_name
        Its layer (or file) name.

    Returns
    -------
    list of str
        The best-scoring keys of :data:`~geoplan.io.fields.KINDS`: one when the
        guess is unambiguous, several on a tie, none when nothing fits.
    """
    from geoplan.io.text import normalize_name

    names = {
        "communes": ("communes", "commune", "xa", "ranhgioixa", "communes2022"),
        "communes_2025": ("communes2025", "xaphuong", "xa2025", "xamoi"),
        "villages": ("villages", "village", "thon", "thonlang", "diemthon"),
        "districts": ("districts", "district", "huyen", "ranhgioihuyen"),
        "province": ("province", "tinh", "ranhgioitinh"),
        "landslide_zones": ("landslidezones", "phanvungsatlo", "satlo", "nguycosatlo"),
        "landslide_inventory": ("landslideinventory", "diemsatlo"),
        "forest": ("forest", "rung", "hientrangrung"),
        "border": ("border", "biengioi", "duongbiengioi"),
        "roads": ("roads", "duong", "giaothong"),
        "rivers": ("rivers", "song", "thuyhe", "songsuoi"),
    }
    if layer_name:
        key = normalize_name(layer_name)
        for kind, keys in names.items():
            if key in keys:
                return [kind]
    types = set(gdf.geom_type.dropna().unique()) if len(gdf) else set()
    family = (
        "point"
        if types <= {"Point", "MultiPoint"} and types
        else "line"
        if types <= {"LineString", "MultiLineString"} and types
        else "polygon"
        if types <= {"Polygon", "MultiPolygon"} and types
        else None
    )
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    scores: dict[str, int] = {}
    for name, kdef in KINDS.items():
        if family and kdef.geometry != family:
            continue
        matched, _ = match_columns(cols, kdef)
        required = [f.name for f in kdef.fields if f.required]
        if any(r not in matched for r in required):
            continue
        scores[name] = len(matched) + 2 * len(required)
    top = max(scores.values(), default=0)
    return [k for k, v in scores.items() if v == top and top > 0]


def prepare_layer(
    raw: RawLayer,
    *,
    file: str,
    name: str,
    kind: str | None,
    fields: dict[str, str] | None,
    crs: pyproj.CRS | None,
    summary: LayerSummary,
    issues: list[Issue],
    require: bool = True,
) -> gpd.GeoDataFrame:
    """Validate and repair a raw layer; every finding goes to ``issues``.

    Parameters
    ----------
    raw
        The layer as read.
    file
        File name for messages.
    name
        Layer name for messages (canonical name or source layer name).
    kind
        Canonical kind whose fields and checks apply, or ``None``.
    fields
        Canonical field -> source column overrides.
    crs
        CRS to assume instead of the file's.
    summary
        Receives counts, CRS, encoding and repairs.
    issues
        Receives findings.
    require
        Report absent required fields and add defaults (``False`` when joined
        tables may still bring them: :func:`geoplan.io.joins.check_required`).

    Returns
    -------
    geopandas.GeoDataFrame
        The validated frame, index = 0-based source row (rows may be dropped).
    """
    layer = name
    gdf = raw.frame
    summary.features = len(gdf)
    summary.encoding = raw.encoding
    for k, v in raw.repairs.items():
        summary.count_repair(k, v)
    issues.extend(raw.issues)
    gdf = fix_text(gdf, summary, issues, layer)
    gdf = _fix_crs(
        gdf, crs, summary=summary, issues=issues, layer=layer, has_geometry=raw.has_geometry
    )
    kdef = KINDS.get(kind) if kind else None
    if raw.has_geometry:
        gdf = repair_geometry(
            gdf,
            family=kdef.geometry if kdef else "any",
            summary=summary,
            issues=issues,
            empty_is_error=kind in ("villages", "communes"),
            layer_name=layer,
        )
    elif kdef is not None and kind is not None:
        issues.append(
            Issue(
                "error",
                f"no geometry: the {kind} layer needs "
                f"{kdef.geometry}s (a table needs coordinate columns such as "
                "lon/lat or x/y)",
                file=file,
                layer=layer,
                code="no-geometry",
            )
        )
    if kdef is not None:
        gdf = _apply_fields(
            gdf, kdef, mapping=fields, summary=summary, issues=issues, layer=layer, require=require
        )
    gdf = drop_duplicates(gdf, summary, issues, layer)
    if kdef is not None and kdef.key:
        duplicate_codes(
            gdf,
            kdef.key,
            summary=summary,
            issues=issues,
            layer=layer,
            src=summary.fields.get(kdef.key, kdef.key),
        )
    if kind == "villages":
        check_villages(gdf, summary, issues, layer)
    elif kind == "communes":
        check_communes(gdf, summary, issues, layer)
    summary.kept = len(gdf)
    summary.crs = crs_label(gdf.crs) if raw.has_geometry else None
    return gdf
