"""Text of a layer: NFC, bidirectional controls removed, mojibake repaired or reported."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoplan.errors import Issue
from geoplan.io.report import LayerSummary
from geoplan.io.rows import row_issues, row_label
from geoplan.io.text import VIET_LETTERS, is_mojibake, repair_mojibake

__all__ = ["fix_text", "nfc_orig"]

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


def _as_arrow(txt: pd.Series) -> pa.Array:
    """Return the strings of ``txt`` (no missing values) as a pyarrow array."""
    try:
        return pa.array(txt.array, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(txt.astype(object).tolist(), type=pa.string())


def fix_text(
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
        arr, n_bidi = _drop_bidi(
            arr, txt.index, summary=summary, issues=issues, layer=layer, col=str(col)
        )
        nfc_arr = pc.utf8_normalize(arr, form="NFC")
        changed = pc.sum(pc.not_equal(arr, nfc_arr)).as_py() or 0
        suspect_arr = pc.match_substring_regex(nfc_arr, pattern=_NOT_VIET_PATTERN)
        n_suspect = pc.sum(suspect_arr).as_py() or 0
        if not changed and not n_suspect and not n_bidi:
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


_BIDI_PATTERN = "[\u202a-\u202e\u2066-\u2069]"


def _drop_bidi(
    arr: pa.Array,
    index: pd.Index,
    *,
    summary: LayerSummary,
    issues: list[Issue],
    layer: str | None,
    col: str,
) -> tuple[pa.Array, int]:
    """Remove bidirectional control characters, warning once per row (they reverse text)."""
    has = pc.match_substring_regex(arr, pattern=_BIDI_PATTERN)
    count = pc.sum(has).as_py() or 0
    if not count:
        return arr, 0
    rows = index[has.to_numpy(zero_copy_only=False)]
    issues.extend(
        row_issues(
            rows,
            severity="warning",
            message="text holds bidirectional control characters (U+202A-U+202E, "
            "U+2066-U+2069) that can show it reversed; they are removed",
            file=summary.file,
            layer=layer,
            field=col,
            code="bidi-control",
        )
    )
    summary.count_repair("bidi-removed", int(count))
    return pc.replace_substring_regex(arr, pattern=_BIDI_PATTERN, replacement=""), int(count)


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
                f"{weak.iloc[0]!r} (row {row_label(weak.index[0])}); check the encoding",
                file=summary.file,
                layer=layer,
                field=col,
                code="unusual-characters",
            )
        )


def nfc_orig(s: pd.Series, row: object) -> str:
    """Return the original text of ``s`` at ``row`` (for messages)."""
    return unicodedata.normalize("NFC", str(s.at[row]))
