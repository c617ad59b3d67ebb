"""Format dispatch: read a file into a raw (Geo)DataFrame, plus rasters.

Vector formats go through pyogrio (GeoPackage, Shapefile, GeoJSON,
FlatGeobuf, KML/KMZ, GML); GeoParquet through pyarrow; CSV and XLSX through
pandas, as points when they have coordinate columns or as attribute tables.
Shapefile text is read as raw bytes when the ``.cpg`` does not say UTF-8, so
legacy Vietnamese encodings can be detected and converted here.
"""

from __future__ import annotations

import csv
import functools
import io
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import shapely

from geoplan.errors import Issue, LayerError
from geoplan.io.coerce import coerce_coordinate
from geoplan.io.detect import Detection, detect_encoding, encoding_issues, iso646_words
from geoplan.io.integrity import file_version
from geoplan.io.sheets import frame_from_grid, read_xlsx_grid
from geoplan.io.text import LEGACY_ENCODINGS, canonical_encoding, decode_bytes

__all__ = [
    "RASTER_SUFFIXES",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "RawLayer",
    "list_layers",
    "read_table",
    "read_vector",
]

VECTOR_SUFFIXES = {
    ".gpkg", ".shp", ".geojson", ".json", ".fgb", ".parquet", ".geoparquet", ".kml",
    ".kmz", ".gml", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm",
}  # fmt: skip
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".asc"}

_LON = ("lon", "long", "longitude", "lng", "kinh_do", "kinhdo", "x_wgs84", "lon_wgs84")
_LAT = ("lat", "latitude", "vi_do", "vido", "y_wgs84", "lat_wgs84")
_X = ("x", "toa_do_x", "toadox", "x_vn2000", "xvn2000", "easting", "east", "coord_x", "x_m")
_Y = ("y", "toa_do_y", "toadoy", "y_vn2000", "yvn2000", "northing", "north", "coord_y", "y_m")


@dataclass
class RawLayer:
    """A frame as read, before canonical fields and checks.

    Parameters
    ----------
    frame
        GeoDataFrame (geometry may be all null for attribute tables).
    layer
        Layer or sheet name actually read.
    encoding
        Text encoding used.
    issues
        Findings made while reading (encoding detection, swapped X/Y...).
    repairs
        Repairs made while reading, by kind.
    has_geometry
        ``False`` for attribute tables without coordinates.
    """

    frame: gpd.GeoDataFrame
    layer: str | None = None
    encoding: str | None = None
    issues: list[Issue] = field(default_factory=list)
    repairs: dict[str, int] = field(default_factory=dict)
    has_geometry: bool = True


def _ogr_path(path: Path) -> str:
    # KMZ (zipped KML) is opened directly by GDAL's LIBKML driver
    return str(path)


def list_layers(path: str | Path) -> list[str]:
    """Return the layer (or sheet) names of a file.

    Parameters
    ----------
    path
        A vector file or spreadsheet.

    Returns
    -------
    list of str
        Layer names in file order (one entry for single-layer formats).

    Raises
    ------
    LayerError
        If the file cannot be opened.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            return [str(n) for n in pd.ExcelFile(p).sheet_names]
        except Exception as exc:
            msg = f"{p}: cannot open the spreadsheet: {exc}"
            raise LayerError(msg) from exc
    if suffix in {".csv", ".txt", ".tsv", ".parquet", ".geoparquet"}:
        return [p.stem]
    try:
        return list(_ogr_layers(file_version(p)) if p.is_file() else _read_ogr_layers(p))
    except Exception as exc:
        msg = f"{p}: cannot open as a vector file ({exc}); check the file is complete"
        raise LayerError(msg) from exc


@functools.lru_cache(maxsize=32)
def _ogr_layers(version: tuple[str, int, int, int]) -> tuple[str, ...]:
    """Return the layer names of one version of a file (asked once per layer by a load)."""
    return _read_ogr_layers(Path(version[0]))


def _read_ogr_layers(path: Path) -> tuple[str, ...]:
    return tuple(str(n) for n in pyogrio.list_layers(_ogr_path(path))[:, 0])


def _choose_layer(path: Path, layer: str | None, kind: str | None) -> str | None:
    if path.suffix.lower() in {".csv", ".txt", ".tsv", ".parquet", ".geoparquet", ".shp"}:
        return layer
    names = list_layers(path)
    if layer is not None:
        if layer not in names:
            msg = (
                f"{path}: no layer '{layer}'; the file has: {', '.join(names)}. "
                "Set `layer:` to one of them"
            )
            raise LayerError(msg)
        return layer
    if len(names) == 1:
        return names[0]
    if kind and kind in names:
        return kind
    msg = (
        f"{path}: the file has {len(names)} layers ({', '.join(names)}); "
        "say which one with `layer:`"
    )
    raise LayerError(msg)


def _text_columns(df: pd.DataFrame) -> list[str]:
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    return [
        c
        for c in df.columns
        if c != geom
        and (pd.api.types.is_object_dtype(df[c].dtype) or pd.api.types.is_string_dtype(df[c].dtype))
    ]


def _cpg_encoding(path: Path) -> str | None:
    for suffix in (".cpg", ".CPG"):
        cpg = path.with_suffix(suffix)
        if cpg.is_file():
            return cpg.read_text(encoding="ascii", errors="replace").strip() or None
    return None


def _decode_columns(
    df: pd.DataFrame,
    encoding: str | None,
    raw: RawLayer,
    *,
    file: str,
    layer: str | None,
    why: str,
) -> pd.DataFrame:
    """Decode text columns read as Latin-1 into Unicode (detecting when needed)."""
    cols = _text_columns(df)
    if not cols:
        raw.encoding = encoding or "utf-8"
        return df
    every = _distinct_text(df, cols)
    samples = [v.encode("latin-1", errors="replace") for v in every if not v.isascii()][:5000]
    detection = None
    if encoding is None:
        detection = detect_encoding(samples)
        enc = detection.encoding
        if samples:
            raw.issues.append(
                Issue(
                    "repair",
                    f"{why}: text encoding detected as {enc} and converted to Unicode",
                    file=file,
                    layer=layer,
                    code="encoding-detected",
                )
            )
            raw.repairs["encoding-detected"] = 1
    else:
        enc = canonical_encoding(encoding)
    raw.encoding = enc
    out = df.copy()
    for c in cols:
        s = out[c]
        uniq = pd.unique(s.dropna().astype(str))
        table = {}
        for v in uniq:
            b = v.encode("latin-1", errors="replace")
            try:
                table[v] = decode_bytes(b, enc) if not v.isascii() else v
            except UnicodeDecodeError:
                table[v] = decode_bytes(b, "cp1258")
        out[c] = s.astype(object).map(table).where(s.notna(), None)
    if detection is not None:
        legacy = bool(samples) and enc != "utf-8"
        raw.issues.extend(
            _encoding_report(
                detection, out, cols, legacy=legacy or not samples, file=file, layer=layer
            )
        )
    return out


def _distinct_text(df: pd.DataFrame, cols: list[str]) -> list[str]:
    values: set[str] = set()
    for c in cols:
        values.update(str(v) for v in pd.unique(df[c].dropna()))
    return sorted(values)


def _encoding_report(
    detection: Detection,
    df: pd.DataFrame,
    cols: list[str],
    *,
    legacy: bool,
    file: str,
    layer: str | None,
) -> list[Issue]:
    """Doubts on a detected encoding, with the VNI-for-DOS punctuation check.

    The check runs on text read as a legacy encoding or as plain ASCII (an
    upper-case VNI-for-DOS file can be all ASCII), not on real UTF-8.
    """
    values = [v for v in _distinct_text(df, cols) if any(c.isalpha() for c in v)]
    punctuated = [v for v in values if iso646_words([v])] if legacy else []
    where = None
    if punctuated:
        col = next(c for c in cols if df[c].isin(punctuated).any())
        where = (int(df.index[df[col].isin(punctuated)][0]), col)
    return encoding_issues(
        detection, punctuated, values=len(values), file=file, layer=layer, where=where
    )


def _read_ogr(
    path: Path, layer: str | None, encoding: str | None, raw: RawLayer
) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    legacy_read = False
    why = ""
    enc_arg: str | None = None
    if suffix == ".shp":
        cpg = _cpg_encoding(path)
        cpg_enc = None
        if cpg:
            try:
                cpg_enc = canonical_encoding(cpg.replace("65001", "utf-8"))
            except LookupError:
                cpg_enc = None
        if encoding is None and cpg_enc == "utf-8":
            enc_arg = "utf-8"
        else:
            legacy_read = True
            enc_arg = "latin1"
            why = "no .cpg file" if not cpg else f".cpg says '{cpg}'"
            if encoding is None and cpg_enc and cpg_enc not in ("latin-1", "iso8859-1"):
                encoding = cpg_enc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = pyogrio.read_dataframe(
                _ogr_path(path), layer=layer, encoding=enc_arg, use_arrow=True
            )
    except Exception as exc:
        msg = f"{path}{f', layer {layer!r}' if layer else ''}: cannot read the layer ({exc})"
        raise LayerError(msg) from exc
    if legacy_read:
        return _decode_columns(df, encoding, raw, file=str(path), layer=layer, why=why)
    if encoding is not None:
        enc = canonical_encoding(encoding)
        if enc != "utf-8":
            # Text stored as Unicode but typed in a legacy font (e.g. TCVN3 in a GPKG).
            df = _decode_columns(df, enc, raw, file=str(path), layer=layer, why="stated encoding")
            return df
    raw.encoding = "utf-8"
    return df


def _sniff_sep(text: str) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
) -> tuple[pd.DataFrame, str, list[Issue]]:
    """Read a CSV or XLSX attribute table with every cell kept as text or number.

    Title rows, merged header cells, column-number rows and totals rows are
    handled as :mod:`geoplan.io.sheets` describes.

    Parameters
    ----------
    path
        ``.csv``/``.txt``/``.tsv`` or ``.xlsx``.
    sheet
        Sheet name for spreadsheets (first sheet when omitted).
    encoding
        Text encoding of a CSV (detected when omitted); for an XLSX, the legacy
        font its text was typed in (``tcvn3``, ``vni``).
    header_row
        1-based row holding the column names (detected when omitted).

    Returns
    -------
    tuple of (pandas.DataFrame, str, list of Issue)
        The table (index = 0-based row below the header), the encoding used
        and findings.

    Raises
    ------
    LayerError
        If the file cannot be read.
    """
    p = Path(path)
    issues: list[Issue] = []
    if not p.is_file():
        msg = f"{p}: file not found"
        raise LayerError(msg)
    if p.suffix.lower() in {".xlsx", ".xlsm"}:
        rows, _, merged_down = read_xlsx_grid(p, sheet)
        enc = "utf-8"
        if encoding:
            enc = canonical_encoding(encoding)
            if enc in LEGACY_ENCODINGS:
                decode = LEGACY_ENCODINGS[enc]
                rows = [[decode(v) if isinstance(v, str) else v for v in r] for r in rows]
        df, found = frame_from_grid(
            rows, header_row=header_row, file=str(p), sheet=sheet, merged_down=merged_down
        )
        return df, enc, issues + found
    data = p.read_bytes()
    if encoding:
        enc = canonical_encoding(encoding)
    else:
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        lines = [ln for ln in body.splitlines() if not ln.isascii()][:2000]
        detection = detect_encoding(lines)
        enc = detection.encoding
        if enc != "utf-8":
            issues.append(
                Issue(
                    "repair",
                    f"text encoding detected as {enc} and converted to Unicode",
                    file=str(p),
                    code="encoding-detected",
                )
            )
    if enc == "utf-8":
        text = unicodedata.normalize("NFC", data.decode("utf-8-sig", errors="replace"))
    else:
        text = decode_bytes(data, enc)
    sep = "\t" if p.suffix.lower() == ".tsv" else _sniff_sep(text)
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=sep)]
    except csv.Error as exc:
        msg = f"{p}: cannot read the CSV ({exc}); check the separator and quoting"
        raise LayerError(msg) from exc
    df, found = frame_from_grid(rows, header_row=header_row, file=str(p), sheet=None)
    if not encoding:
        legacy = enc != "utf-8" or not lines
        issues.extend(
            _encoding_report(
                detection, df, _text_columns(df), legacy=legacy, file=str(p), layer=None
            )
        )
    return df, enc, issues + found


def _find_col(columns: list[str], names: tuple[str, ...], given: str | None) -> str | None:
    from geoplan.io.text import normalize_name

    keys = {normalize_name(c): c for c in columns}
    if given:
        return given if given in columns else keys.get(normalize_name(given))
    for n in names:
        if normalize_name(n) in keys:
            return keys[normalize_name(n)]
    return None


def _points_from_table(
    df: pd.DataFrame,
    *,
    file: str,
    layer: str | None,
    x: str | None,
    y: str | None,
    crs: pyproj.CRS | None,
    raw: RawLayer,
) -> gpd.GeoDataFrame:
    cols = list(df.columns)
    xcol, ycol = _find_col(cols, _LON, x), _find_col(cols, _LAT, y)
    degrees = xcol is not None and ycol is not None and x is None
    if xcol is None or ycol is None:
        xcol, ycol = _find_col(cols, _X, x), _find_col(cols, _Y, y)
        degrees = False
    if xcol is None or ycol is None:
        if x or y:
            msg = f"{file}: coordinate column(s) {x!r}/{y!r} not found; columns: {', '.join(cols)}"
            raise LayerError(msg)
        raw.has_geometry = False
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([None] * len(df), index=df.index))
    xs, xbad, xdms = coerce_coordinate(df[xcol])
    ys, ybad, ydms = coerce_coordinate(df[ycol])
    if xdms or ydms:
        degrees = True
        raw.repairs["dms-coordinates"] = xdms + ydms
        raw.issues.append(
            Issue(
                "repair",
                f"{xdms + ydms} coordinate(s) written in degrees-minutes-seconds were read as "
                "decimal degrees",
                file=file,
                layer=layer,
                code="dms-coordinates",
            )
        )
    for col, bad in ((xcol, xbad), (ycol, ybad)):
        for row in df.index[bad.to_numpy()][:100]:
            raw.issues.append(
                Issue(
                    "error",
                    f"coordinate {df.at[row, col]!r} is not a number",
                    file=file,
                    layer=layer,
                    row=int(row),
                    field=col,
                    code="bad-coordinate",
                )
            )
    fx, fy = xs.dropna(), ys.dropna()
    swapped = None
    if len(fx) and len(fy):
        if degrees and fx.between(6, 24).all() and fy.between(100, 112).all():
            swapped = (
                f"columns '{xcol}' and '{ycol}' hold latitude and longitude the "
                "other way round; swapped"
            )
        elif not degrees and fx.median() > 800_000 and fy.median() < 900_000:
            # Vietnamese survey convention: X is the northing, Y the easting.
            swapped = (
                f"column '{xcol}' holds northings and '{ycol}' eastings (the "
                "Vietnamese survey X/Y convention); swapped to easting/northing"
            )
    if swapped is not None:
        xs, ys = ys, xs
        raw.issues.append(Issue("warning", swapped, file=file, layer=layer, code="xy-swapped"))
        raw.repairs["xy-swapped"] = 1
    geom = shapely.points(xs.to_numpy(), ys.to_numpy())
    missing = xs.isna() | ys.isna()
    geom[missing.to_numpy()] = None
    out_crs = crs
    if out_crs is None and degrees:
        out_crs = pyproj.CRS.from_epsg(4326)
        raw.issues.append(
            Issue(
                "warning",
                f"no CRS given for the longitude/latitude columns '{xcol}'/'{ycol}'; "
                "assumed WGS 84 (EPSG:4326). Set `crs: vn2000` if they are VN-2000",
                file=file,
                layer=layer,
                code="assumed-crs",
            )
        )
    data = df.drop(columns=[xcol, ycol])
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geom, index=df.index), crs=out_crs)


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    kind: str | None = None,
    crs: pyproj.CRS | None = None,
    x: str | None = None,
    y: str | None = None,
    header_row: int | None = None,
) -> RawLayer:
    """Read any supported vector or table file into a raw GeoDataFrame.

    Parameters
    ----------
    path
        The file.
    layer
        Layer or sheet name; needed when a file has several and none is
        named like ``kind``.
    encoding
        Text encoding to use instead of detection.
    kind
        Canonical layer name, used to pick a layer of that name.
    crs
        CRS for coordinate columns of tables (applied by the caller for
        other formats).
    x, y
        Coordinate column names of CSV/XLSX point layers (detected when
        omitted).
    header_row
        CSV/XLSX: 1-based row of the column names (detected when omitted).

    Returns
    -------
    RawLayer
        The frame as read (text already Unicode) and findings.

    Raises
    ------
    LayerError
        If the file is missing or unreadable.
    """
    p = Path(path)
    if not p.exists():
        msg = (
            f"{p}: file not found; check the path (relative paths are read from the "
            "scenario's folder)"
        )
        raise LayerError(msg)
    suffix = p.suffix.lower()
    raw = RawLayer(frame=gpd.GeoDataFrame())
    if suffix in TABLE_SUFFIXES:
        sheet = layer if suffix in {".xlsx", ".xlsm"} else None
        df, enc, issues = read_table(p, sheet=sheet, encoding=encoding, header_row=header_row)
        raw.issues.extend(issues)
        for issue in issues:
            if issue.severity == "repair":
                raw.repairs[issue.code] = raw.repairs.get(issue.code, 0) + 1
        raw.encoding = enc
        raw.layer = sheet
        raw.frame = _points_from_table(df, file=str(p), layer=sheet, x=x, y=y, crs=crs, raw=raw)
        return raw
    if suffix in {".parquet", ".geoparquet"}:
        try:
            raw.frame = gpd.read_parquet(p)
        except Exception as exc:
            msg = f"{p}: cannot read as GeoParquet ({exc})"
            raise LayerError(msg) from exc
        raw.encoding = "utf-8"
        return raw
    name = _choose_layer(p, layer, kind)
    raw.layer = name if suffix not in {".shp", ".geojson", ".json", ".fgb"} else layer
    raw.frame = _read_ogr(p, name, encoding, raw)
    if not isinstance(raw.frame, gpd.GeoDataFrame) or raw.frame.geometry.name not in raw.frame:
        raw.has_geometry = False
        raw.frame = gpd.GeoDataFrame(
            raw.frame, geometry=gpd.GeoSeries([None] * len(raw.frame), index=raw.frame.index)
        )
    return raw
