"""Turn a raw layer into a validated one: text, CRS, geometry, fields, checks.

Every function appends to a list of :class:`~geoplan.errors.Issue` instead of
raising, so that one run reports every problem at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from geoplan.errors import Issue
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
from geoplan.io.text import VIET_LETTERS, is_mojibake, repair_mojibake

__all__ = ["MAX_ROWS_LISTED", "guess_kind", "prepare_layer", "row_issues"]

Severity = Literal["error", "warning", "repair"]

#: At most this many rows are listed one by one per problem; the rest are counted.
MAX_ROWS_LISTED = 100

_OK_CHARS = "".join(
    sorted(
        c
        for c in VIET_LETTERS | {"\u00a0", "–", "—", "’", "‘", "“", "”", "°", "…"}
        if ord(c) > 0x7E
    )
)
# any character that is neither printable ASCII nor used in Vietnamese (valid in re and RE2)
_NOT_VIET_PATTERN = f"[^\\x09\\x0a\\x0d\\x20-\\x7e{_OK_CHARS}]"
_STRONG_MOJIBAKE = re.compile(r"[ÃÄÅÆ][\x80-\xbf\u0152-\u02dc\u2013-\u2122]|á[º»]")


def row_issues(
    rows: Iterable[object],
    *,
    severity: Severity,
    message: str,
    file: str,
    layer: str | None,
    field: str | None,
    code: str,
    labels: pd.Series | None = None,
) -> list[Issue]:
    """Make one issue per row (capped at :data:`MAX_ROWS_LISTED`, then a count).

    Parameters
    ----------
    rows
        Row labels (0-based source feature index).
    severity, message, file, layer, field, code
        As for :class:`~geoplan.errors.Issue`; ``message`` may use
        ``{value}`` and ``{id}`` placeholders.
    labels
        Optional Series of identifiers (e.g. ``village_id``) by row, quoted
        in the message when given.

    Returns
    -------
    list of Issue
        The issues.
    """
    rows = list(rows)
    out: list[Issue] = []
    for row in rows[:MAX_ROWS_LISTED]:
        msg = message
        if labels is not None and row in labels.index:
            msg = f"[{labels.name} {labels.at[row]!s}] {message}"
        out.append(
            Issue(
                severity,
                msg,
                file=file,
                layer=layer,
                row=_row(row),
                field=field,
                code=code,
            )
        )
    if len(rows) > MAX_ROWS_LISTED:
        rest = ", ".join(str(r) for r in rows[MAX_ROWS_LISTED : MAX_ROWS_LISTED + 20])
        out.append(
            Issue(
                severity,
                f"... and {len(rows) - MAX_ROWS_LISTED} more rows ({rest}, ...): {message}",
                file=file,
                layer=layer,
                field=field,
                code=code,
            )
        )
    return out


def _row(value: object) -> int | str:
    if isinstance(value, (int, np.integer)):
        return int(value)
    return str(value)


# --------------------------------------------------------------------------------------
# text


def _as_arrow(txt: pd.Series) -> pa.Array:
    """Return the strings of ``txt`` (no missing values) as a pyarrow array."""
    try:
        return pa.array(txt.array, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(txt.astype(object).tolist(), type=pa.string())


def _fix_text(
    gdf: pd.DataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> pd.DataFrame:
    """NFC-normalise text columns and find mojibake (vectorised with pyarrow)."""
    out = gdf.copy()
    geom = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    for col in gdf.columns:
        if col == geom:
            continue
        s = gdf[col]
        if pd.api.types.is_object_dtype(s.dtype):
            is_str = s.map(lambda v: isinstance(v, str))
        elif pd.api.types.is_string_dtype(s.dtype):
            is_str = s.notna()
        else:
            continue
        if not is_str.any():
            continue
        txt = s[is_str]
        arr = _as_arrow(txt)
        if pc.all(pc.string_is_ascii(arr)).as_py():
            continue  # plain ASCII: nothing to normalise or repair
        nfc_arr = pc.utf8_normalize(arr, form="NFC")
        changed = pc.sum(pc.not_equal(arr, nfc_arr)).as_py() or 0
        suspect_arr = pc.match_substring_regex(nfc_arr, pattern=_NOT_VIET_PATTERN)
        n_suspect = pc.sum(suspect_arr).as_py() or 0
        if not changed and not n_suspect:
            continue
        nfc = pd.Series(nfc_arr.to_pylist(), index=txt.index, dtype=object)
        if changed:
            summary.count_repair("text-nfc", int(changed))
        if n_suspect:
            suspect = pd.Series(suspect_arr.to_numpy(zero_copy_only=False), index=txt.index)
            _scan_mojibake(
                nfc,
                suspect,
                original=s,
                summary=summary,
                issues=issues,
                layer=layer,
                col=str(col),
            )
        new = s.astype(object).copy()
        new.loc[nfc.index] = nfc.to_numpy()
        out[col] = new
    return out


def _scan_mojibake(
    nfc: pd.Series,
    suspect: pd.Series,
    *,
    original: pd.Series,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    col: str,
) -> None:
    """Repair or report values with characters foreign to Vietnamese (edits ``nfc``)."""
    table: dict[str, str | None] = {}
    for v in pd.unique(nfc[suspect]):
        table[v] = repair_mojibake(v) if is_mojibake(v) else None
    fixed = nfc[suspect].map(table)
    repaired = fixed.notna()
    if repaired.any():
        nfc.loc[fixed.index[repaired]] = fixed[repaired]
        summary.count_repair("mojibake-repaired", int(repaired.sum()))
        first = fixed.index[repaired][0]
        issues.append(
            Issue(
                "repair",
                f"{int(repaired.sum())} value(s) were mis-decoded text (mojibake) and were "
                f"repaired, e.g. {nfc_orig(original, first)!r} -> {fixed[first]!r}",
                file=summary.file,
                layer=layer,
                field=col,
                code="mojibake-repaired",
            )
        )
    left = nfc[suspect][~repaired]
    strong = left.str.contains(_STRONG_MOJIBAKE)
    issues.extend(
        row_issues(
            left.index[strong.to_numpy(dtype=bool)],
            severity="error",
            message="text is mojibake (UTF-8 read with the wrong encoding) and cannot be "
            "repaired; re-export the file as UTF-8 or state `encoding:`",
            file=summary.file,
            layer=layer,
            field=col,
            code="mojibake",
        )
    )
    weak = left[~strong.to_numpy(dtype=bool)]
    if len(weak):
        issues.append(
            Issue(
                "warning",
                f"{len(weak)} value(s) contain characters unusual in Vietnamese text, e.g. "
                f"{weak.iloc[0]!r} (row {_row(weak.index[0])}); check the encoding",
                file=summary.file,
                layer=layer,
                field=col,
                code="unusual-characters",
            )
        )


def nfc_orig(s: pd.Series, row: object) -> str:
    """Return the original text of ``s`` at ``row`` (for messages)."""
    return unicodedata.normalize("NFC", str(s.at[row]))


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
    # numbers
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
        finite = num.dropna()
        if len(finite) and finite.max() > 1 and finite.max() <= 100 and finite.min() >= 0:
            num = num / 100.0
            summary.count_repair("percent-to-fraction", int(num.notna().sum()))
            issues.append(
                Issue(
                    "repair",
                    f"'{fd.name}' is given in percent (0-100); converted to a fraction 0-1",
                    code="percent-rate",
                    **kw,
                )
            )
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


# --------------------------------------------------------------------------------------
# duplicates and kind-specific checks


def _duplicate_rows(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Mark rows equal (geometry and attributes) to an earlier row.

    Geometries are compared first (vectorised); only rows whose geometry
    repeats have their attributes compared.
    """
    geom = gdf.geometry
    arr = geom.to_numpy()
    types = shapely.get_type_id(arr)
    if (types == 0).all():
        # points: compare coordinates (much faster than WKB)
        xy = shapely.get_coordinates(arr)
        same_geom = pd.DataFrame(xy).duplicated(keep=False).to_numpy()
    else:
        same_geom = pd.Series(shapely.to_wkb(arr)).duplicated(keep=False).to_numpy()
    dup = pd.Series(False, index=gdf.index)
    if same_geom.any():
        cand = gdf[same_geom]
        key = pd.DataFrame(cand.drop(columns=geom.name)).astype(str)
        key["__wkb__"] = shapely.to_wkb(cand.geometry.to_numpy())
        dup.loc[cand.index] = key.duplicated(keep="first").to_numpy()
    return dup


def _duplicates(
    gdf: gpd.GeoDataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> gpd.GeoDataFrame:
    if gdf.empty:
        return gdf
    dup = _duplicate_rows(gdf)
    if dup.any():
        issues.extend(
            row_issues(
                gdf.index[dup.to_numpy()],
                severity="warning",
                message="exact duplicate of an earlier feature (same geometry and attributes); "
                "left out",
                file=summary.file,
                layer=layer,
                field=None,
                code="duplicate-feature",
            )
        )
        summary.count_repair("duplicate-feature-dropped", int(dup.sum()))
        return gdf.loc[~dup.to_numpy()]
    return gdf


def _duplicate_codes(
    gdf: pd.DataFrame,
    col: str,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    src: str,
) -> None:
    if col not in gdf:
        return
    s = gdf[col]
    dup = s.notna() & s.duplicated(keep=False)
    if dup.any():
        labels = s[dup]
        rows_by_code = labels.groupby(labels, sort=False).groups
        for row in list(gdf.index[dup.to_numpy()])[:MAX_ROWS_LISTED]:
            others = [_row(r) for r in rows_by_code[labels.at[row]] if r != row]
            shown = ", ".join(str(r) for r in others[:5]) + (", ..." if len(others) > 5 else "")
            issues.append(
                Issue(
                    "error",
                    f"duplicate {col} '{labels.at[row]}' (also at row {shown}); "
                    "codes must be unique",
                    file=summary.file,
                    layer=layer,
                    row=_row(row),
                    field=src,
                    code="duplicate-code",
                )
            )
        if dup.sum() > MAX_ROWS_LISTED:
            issues.append(
                Issue(
                    "error",
                    f"... and {int(dup.sum()) - MAX_ROWS_LISTED} more rows with duplicate {col}",
                    file=summary.file,
                    layer=layer,
                    field=src,
                    code="duplicate-code",
                )
            )


def _check_villages(
    gdf: pd.DataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> None:
    f = summary.fields
    labels = gdf["village_id"].rename("village_id") if "village_id" in gdf else None
    hh = gdf.get("households", None)
    if hh is None:
        return
    for col in (
        "poor_households",
        "near_poor_households",
        "em_households",
        "hygienic_water_households",
        "em_hh_no_residential_land",
        "em_hh_no_production_land",
    ):
        if col in gdf:
            over = gdf[col] > hh
            issues.extend(
                row_issues(
                    gdf.index[over.fillna(False).to_numpy()],
                    severity="error",
                    message=f"'{col}' is larger than 'households'; check both values",
                    file=summary.file,
                    layer=layer,
                    field=f.get(col, col),
                    code="impossible-value",
                    labels=labels,
                )
            )
    if "poor_households" in gdf and "near_poor_households" in gdf:
        both = (gdf["poor_households"] + gdf["near_poor_households"]) > hh
        both &= ~(gdf["poor_households"] > hh) & ~(gdf["near_poor_households"] > hh)
        issues.extend(
            row_issues(
                gdf.index[both.fillna(False).to_numpy()],
                severity="error",
                message="poor plus near-poor households exceed 'households' (the groups do not "
                "overlap)",
                file=summary.file,
                layer=layer,
                field=f.get("near_poor_households"),
                code="impossible-value",
                labels=labels,
            )
        )
    if "population" in gdf:
        few = gdf["population"] < hh
        issues.extend(
            row_issues(
                gdf.index[few.fillna(False).to_numpy()],
                severity="warning",
                message="'population' is smaller than 'households'; check the columns",
                file=summary.file,
                layer=layer,
                field=f.get("population"),
                code="suspicious-value",
                labels=labels,
            )
        )
    zero = hh == 0
    issues.extend(
        row_issues(
            gdf.index[zero.fillna(False).to_numpy()],
            severity="warning",
            message="village has 0 households",
            file=summary.file,
            layer=layer,
            field=f.get("households"),
            code="suspicious-value",
            labels=labels,
        )
    )


def _check_communes(
    gdf: pd.DataFrame, summary: LayerSummary, issues: list[Issue], layer: str | None
) -> None:
    years = [c for c in gdf.columns if re.fullmatch(r"ntm_criteria_20\d\d", str(c))]
    if "ntm_criteria_met" in gdf and "ntm_status" in gdf:
        bad = (
            (gdf["ntm_status"] != "none")
            & gdf["ntm_status"].notna()
            & (gdf["ntm_criteria_met"] < 19)
        )
        issues.extend(
            row_issues(
                gdf.index[bad.fillna(False).to_numpy()],
                severity="warning",
                message="'ntm_status' says the NTM standard is met but fewer than 19 criteria "
                "are met",
                file=summary.file,
                layer=layer,
                field=summary.fields.get("ntm_status"),
                code="suspicious-value",
            )
        )
    del years


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
    gdf = _fix_text(gdf, summary, issues, layer)
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
    gdf = _duplicates(gdf, summary, issues, layer)
    if kdef is not None and kdef.key:
        _duplicate_codes(
            gdf,
            kdef.key,
            summary=summary,
            issues=issues,
            layer=layer,
            src=summary.fields.get(kdef.key, kdef.key),
        )
    if kind == "villages":
        _check_villages(gdf, summary, issues, layer)
    elif kind == "communes":
        _check_communes(gdf, summary, issues, layer)
    summary.kept = len(gdf)
    summary.crs = crs_label(gdf.crs) if raw.has_geometry else None
    return gdf
