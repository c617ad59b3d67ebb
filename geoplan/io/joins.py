"""Attribute tables joined onto a layer by a code, a name or a compound key."""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.config.layers import JoinSpec
from geoplan.errors import Issue, LayerError
from geoplan.io.checks import duplicate_codes
from geoplan.io.fields import KINDS, KindDef, match_columns
from geoplan.io.names import NameMatcher, name_key
from geoplan.io.readers import read_table
from geoplan.io.report import LayerSummary, ValidationReport
from geoplan.io.rows import MAX_ROWS_LISTED, row_issues
from geoplan.io.text_repair import fix_text
from geoplan.io.validate import _apply_fields

__all__ = ["check_required", "join_tables", "resolve_join_keys"]


def resolve_join_keys(on: str | list[str] | None, kind: KindDef) -> tuple[list[str], list[str]]:
    """Turn a join's ``on:`` into canonical field names.

    Parameters
    ----------
    on
        A canonical field, a column alias (``"ma_xa"``), a list of them, or
        ``None`` for the layer's key.
    kind
        The layer kind.

    Returns
    -------
    tuple of (list of str, list of str)
        The canonical fields, and the entries that name no field.
    """
    names = [on] if isinstance(on, str) else list(on or ([kind.key] if kind.key else []))
    fields: list[str] = []
    unknown: list[str] = []
    for name in names:
        if kind.get(name) is not None:
            fields.append(name)
            continue
        matched, _ = match_columns([name], kind)
        if matched:
            fields.append(next(iter(matched)))
        else:
            unknown.append(name)
    return fields, unknown


def _bad_join(report: ValidationReport, message: str, *, file: str, layer: str | None) -> None:
    report.add(Issue("error", message, file=file, layer=layer, code="bad-join"))


def _candidates(
    row: pd.Series,
    *,
    keys: list[str],
    code_index: dict[str, dict[object, list[Hashable]]],
    matchers: dict[str, NameMatcher],
) -> list[Hashable]:
    """Layer rows a table row may join, narrowing component by component (codes first)."""
    found: list[Hashable] | None = None  # None: every feature of the layer
    ordered = sorted(keys, key=lambda k: k in matchers)  # codes narrow first
    for key in ordered:
        value = row[key]
        if pd.isna(value):
            return []
        if key in matchers:
            found = matchers[key].candidates(value, among=found)
        else:
            hits = code_index[key].get(value, [])
            if found is not None:
                allowed = set(found)
                hits = [x for x in hits if x in allowed]
            found = hits
        if not found:
            return []
    return found or []


def _describe(layer: pd.DataFrame, labels: list[Hashable], keys: list[str]) -> str:
    shown = []
    for label in labels[:6]:
        parts = [str(layer.at[label, k]) for k in keys]
        extra = [
            str(layer.at[label, c])
            for c in ("district_name", "commune_code", "village_id")
            if c in layer and c not in keys
        ]
        more = f" ({', '.join(extra)})" if extra else ""
        shown.append(f"row {label}: {' / '.join(parts)}{more}")
    return "; ".join(shown) + ("; ..." if len(labels) > 6 else "")


def _key_lookups(
    layer: pd.DataFrame, keys: list[str], kind: KindDef
) -> tuple[dict[str, NameMatcher], dict[str, dict[object, list[Hashable]]]]:
    """Return how each join key finds layer rows: a name matcher for text, an index for codes."""
    matchers: dict[str, NameMatcher] = {}
    code_index: dict[str, dict[object, list[Hashable]]] = {}
    for key in keys:
        fdef = kind.get(key)
        if fdef is not None and fdef.type == "text":
            matchers[key] = NameMatcher(layer[key].to_dict())
        else:
            index: dict[object, list[Hashable]] = {}
            for label, value in layer[key].items():
                if pd.notna(value):
                    index.setdefault(value, []).append(label)
            code_index[key] = index
    return matchers, code_index


def _match_rows(
    tdf: pd.DataFrame,
    layer: pd.DataFrame,
    keys: list[str],
    kind: KindDef,
    *,
    file: str,
    sheet: str | None,
    layer_name: str,
    report: ValidationReport,
) -> pd.Series:
    """Return, per table row, the layer row it joins (NA when none); report the rest."""
    matchers, code_index = _key_lookups(layer, keys, kind)
    joined: dict[Hashable, Hashable] = {}
    unmatched: list[Hashable] = []
    ambiguous = 0
    shown_key = " + ".join(keys)
    for trow, row in tdf.iterrows():
        found = _candidates(row, keys=keys, code_index=code_index, matchers=matchers)
        if len(found) == 1:
            joined[trow] = found[0]
        elif not found:
            if not any(pd.isna(row[k]) for k in keys):
                unmatched.append(trow)
        else:
            ambiguous += 1
            if ambiguous <= MAX_ROWS_LISTED:
                value = " / ".join(str(row[k]) for k in keys)
                hint = (
                    "add the district to the key (`on: [district_name, commune_name]`) or join "
                    "by code"
                    if len(keys) == 1
                    else "join by code"
                )
                report.add(
                    Issue(
                        "error",
                        f"{shown_key} '{value}' matches {len(found)} {layer_name} features "
                        f"({_describe(layer, found, keys)}); {hint}",
                        file=file,
                        layer=sheet,
                        row=_row_label(trow),
                        field=keys[-1],
                        code="ambiguous-join",
                    )
                )
    if ambiguous > MAX_ROWS_LISTED:
        report.add(
            Issue(
                "error",
                f"... and {ambiguous - MAX_ROWS_LISTED} more rows whose {shown_key} matches "
                f"several {layer_name} features",
                file=file,
                layer=sheet,
                field=keys[-1],
                code="ambiguous-join",
            )
        )
    target = pd.Series(joined, index=tdf.index, dtype=object)
    text_key = next((k for k in keys if k in matchers), None)
    if text_key is None:
        report.extend(
            row_issues(
                unmatched,
                severity="warning",
                message=f"{shown_key} not found in the {layer_name} layer; row not joined",
                file=file,
                layer=sheet,
                field=keys[-1],
                code="join-unmatched",
            )
        )
    else:
        _report_unmatched_names(
            tdf,
            unmatched,
            text_key,
            matchers[text_key],
            file=file,
            sheet=sheet,
            layer_name=layer_name,
            report=report,
        )
    dup = target.notna() & target.duplicated(keep="first")
    report.extend(
        row_issues(
            tdf.index[dup.to_numpy()],
            severity="error",
            message=f"a second row of the joined table for the same {layer_name} feature "
            f"({shown_key}); keep one row per feature",
            file=file,
            layer=sheet,
            field=keys[-1],
            code="duplicate-code",
        )
    )
    return target.where(~dup, pd.NA)


def _row_label(label: Hashable) -> int | str:
    return int(label) if isinstance(label, (int, np.integer)) else str(label)


def _report_unmatched_names(
    tdf: pd.DataFrame,
    rows: list[Hashable],
    key: str,
    matcher: NameMatcher,
    *,
    file: str,
    sheet: str | None,
    layer_name: str,
    report: ValidationReport,
) -> None:
    """Warn about table rows whose name matches nothing, naming the closest names."""
    by_core: dict[str, str] = {}
    for label, parsed in matcher.keys.items():
        by_core.setdefault(parsed.core, str(matcher.names[label]))
    for trow in rows[:MAX_ROWS_LISTED]:
        value = str(tdf.at[trow, key])
        close = difflib.get_close_matches(name_key(value), list(by_core), n=3, cutoff=0.75)
        hint = f" (closest: {', '.join(repr(by_core[c]) for c in close)})" if close else ""
        report.add(
            Issue(
                "warning",
                f"{key} '{value}' not found in the {layer_name} layer{hint}; row not joined",
                file=file,
                layer=sheet,
                row=_row_label(trow),
                field=key,
                code="join-unmatched",
            )
        )
    if len(rows) > MAX_ROWS_LISTED:
        report.add(
            Issue(
                "warning",
                f"... and {len(rows) - MAX_ROWS_LISTED} more rows not found in the {layer_name} "
                "layer",
                file=file,
                layer=sheet,
                field=key,
                code="join-unmatched",
            )
        )


def _read_join_table(
    js: JoinSpec,
    p: Path,
    kdef: KindDef,
    kind: str,
    report: ValidationReport,
) -> pd.DataFrame | None:
    try:
        table, enc, issues = read_table(
            p, sheet=js.sheet, encoding=js.encoding, header_row=js.header_row
        )
    except LayerError as exc:
        text = str(exc)
        text = text[len(f"{p}: ") :] if text.startswith(f"{p}: ") else text
        report.add(Issue("error", text, file=str(p), layer=kind, code="unreadable"))
        return None
    report.extend(issues)
    tsum = LayerSummary(
        name=f"{kind} table", file=str(p), layer=js.sheet, features=len(table), encoding=enc
    )
    report.layers.append(tsum)
    found: list[Issue] = []
    tgdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table), index=table.index))
    tgdf = fix_text(tgdf, tsum, found, js.sheet)
    tgdf = _apply_fields(
        tgdf,
        kdef,
        mapping=js.fields,
        summary=tsum,
        issues=found,
        layer=js.sheet,
        require=False,
    )
    report.extend(found)
    tsum.kept = len(tgdf)
    return pd.DataFrame(tgdf.drop(columns=tgdf.geometry.name))


def join_tables(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    joins: list[JoinSpec],
    base: Path,
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Join attribute tables onto a layer, in order, reporting every problem.

    Parameters
    ----------
    gdf
        The validated layer (canonical fields).
    kind
        Its canonical kind.
    joins
        The scenario's ``join:`` entries.
    base
        Folder relative table paths are read from.
    summary
        The layer's summary (counts the joins as repairs).
    report
        Receives findings.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer with the tables' columns; a table column replaces a layer
        column of the same canonical name (warning).
    """
    kdef = KINDS[kind]
    out = gdf
    for js in joins:
        p = js.path if js.path.is_absolute() else (base / js.path)
        keys, unknown = resolve_join_keys(js.on, kdef)
        if unknown or not keys:
            names = ", ".join(f.name for f in kdef.fields[:8])
            _bad_join(
                report,
                f"cannot join a table onto {kind}: `on: {js.on}` names no field of {kind} "
                f"(use a canonical field such as {names}, or a column alias like ma_xa)",
                file=str(p),
                layer=kind,
            )
            continue
        tdf = _read_join_table(js, p, kdef, kind, report)
        if tdf is None:
            continue
        if not _keys_present(tdf, out, keys, js, path=p, kind=kind, summary=summary, report=report):
            continue
        target = _match_rows(
            tdf, out, keys, kdef, file=str(p), sheet=js.sheet, layer_name=kind, report=report
        )
        out = _merge_table(
            out, tdf, target, keys, path=p, kind=kind, summary=summary, report=report
        )
        summary.count_repair("joined-table", 1)
    return out


def _keys_present(
    tdf: pd.DataFrame,
    out: gpd.GeoDataFrame,
    keys: list[str],
    js: JoinSpec,
    *,
    path: Path,
    kind: str,
    summary: LayerSummary,
    report: ValidationReport,
) -> bool:
    """Return whether the table and the layer both have the join keys (errors otherwise)."""
    missing_t = [k for k in keys if k not in tdf]
    missing_l = [k for k in keys if k not in out]
    if missing_t or missing_l:
        if missing_t:
            report.add(
                Issue(
                    "error",
                    f"the table has no column for {', '.join(missing_t)} to join on; map it "
                    f"with `fields: {{{missing_t[0]}: <column>}}`",
                    file=str(path),
                    layer=js.sheet,
                    field=missing_t[0],
                    code="bad-join",
                )
            )
        if missing_l:
            _bad_join(
                report,
                f"the {kind} layer has no {', '.join(missing_l)} to join the table {path.name} on",
                file=summary.file,
                layer=kind,
            )
        return False
    return True


def _merge_table(
    out: gpd.GeoDataFrame,
    tdf: pd.DataFrame,
    target: pd.Series,
    keys: list[str],
    *,
    path: Path,
    kind: str,
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Return the layer with the matched table rows' columns (warnings for gaps and overrides)."""
    missing = ~out.index.isin(target.dropna().to_numpy())
    if missing.any():
        report.add(
            Issue(
                "warning",
                f"{int(missing.sum())} feature(s) have no row in the joined table {path.name}",
                file=summary.file,
                layer=kind,
                field=keys[-1],
                code="join-missing",
            )
        )
    cols = [c for c in tdf.columns if c not in keys]
    overlap = [c for c in cols if c in out.columns]
    if overlap:
        report.add(
            Issue(
                "warning",
                f"columns {', '.join(map(str, overlap))} come from the "
                f"joined table {path.name} and replace the layer's",
                file=str(path),
                layer=kind,
                code="join-overrides",
            )
        )
    matched = tdf.loc[target.notna().to_numpy(), cols]
    matched.index = pd.Index(target.dropna().to_list())
    out = out.drop(columns=overlap).copy()
    for c in cols:
        out[c] = matched[c].reindex(out.index)
    return out


def check_required(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    before: list[str],
    summary: LayerSummary,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Check required fields (and add defaults) once every table is joined.

    Parameters
    ----------
    gdf
        The layer after its joins.
    kind
        Its canonical kind.
    before
        The columns the layer had before the joins (their blanks were reported
        when the layer was read).
    summary, report
        As for :func:`join_tables`.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer with defaults filled in for absent optional fields.
    """
    kdef = KINDS[kind]
    out = gdf
    for fd in kdef.fields:
        if fd.name not in out:
            if fd.required:
                report.add(
                    Issue(
                        "error",
                        f"required field '{fd.name}' is neither in the layer nor in a joined "
                        f"table (looked for {fd.name}, {', '.join(fd.aliases[:6])}); map your "
                        f"column with `fields: {{{fd.name}: <column>}}`",
                        file=summary.file,
                        layer=kind,
                        field=fd.name,
                        code="missing-field",
                    )
                )
            elif fd.default is not None:
                out = out.assign(**{fd.name: fd.default})
            continue
        if fd.name in before:
            continue
        if fd.required:
            report.extend(
                row_issues(
                    out.index[out[fd.name].isna().to_numpy()],
                    severity="error",
                    message=f"required field '{fd.name}' is empty after the joins (no row "
                    "for this feature in the joined table, or a blank cell)",
                    file=summary.file,
                    layer=kind,
                    field=fd.name,
                    code="missing-value",
                )
            )
        elif fd.default is not None:
            out = out.assign(**{fd.name: out[fd.name].where(out[fd.name].notna(), fd.default)})
    if kdef.key and kdef.key in out and kdef.key not in before:
        found: list[Issue] = []
        duplicate_codes(out, kdef.key, summary=summary, issues=found, layer=kind, src=kdef.key)
        report.extend(found)
    return out
