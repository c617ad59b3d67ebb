"""``rankings_shp.zip``: the village and commune layers as shapefiles, for older GIS tools.

Written only on request (``geoplan run --shapefile``).  A shapefile limits field
names to 10 characters and texts to 254 bytes, and its encoding is a guess unless
a ``.cpg`` says it: the zip holds ``villages.*`` and ``communes.*`` in UTF-8 with a
``.cpg``, ``field_names.csv`` (layer, short name, field name) and ``long_texts.csv``
(the text columns with a value over 254 bytes, moved out whole, by feature key).
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoplan.render.context import RenderContext
from geoplan.render.tables import table_ready, write_frame_csv

__all__ = ["SHAPEFILE_ZIP", "short_names", "write_shapefile_zip"]

SHAPEFILE_ZIP = "rankings_shp.zip"
_MAX_NAME = 10
_MAX_TEXT_BYTES = 254
_KEYS = {"villages": "village_id", "communes": "commune_code"}


def short_names(columns: list[str]) -> dict[str, str]:
    """Return unique shapefile field names (at most 10 characters) for ``columns``.

    Names that fit are kept; longer ones keep the first letters of each word
    (``resettlement_rank_p05`` -> ``resranp05``), numbered when two collide.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        if len(col) <= _MAX_NAME and col.lower() not in used:
            name = col
        else:
            parts = [p for p in col.split("_") if p]
            width = max(1, _MAX_NAME // max(1, len(parts)))
            name = "".join(p[:width] for p in parts)[:_MAX_NAME]
            stem, n = name, 1
            while name.lower() in used:
                suffix = str(n)
                name = stem[: _MAX_NAME - len(suffix)] + suffix
                n += 1
        used.add(name.lower())
        out[col] = name
    return out


def _long_text_columns(frame: pd.DataFrame) -> list[str]:
    long = []
    for col in frame.columns:
        if col == "geometry" or not pd.api.types.is_string_dtype(frame[col]):
            continue
        sizes = frame[col].dropna().map(lambda v: len(str(v).encode("utf-8")))
        if len(sizes) and int(sizes.max()) > _MAX_TEXT_BYTES:
            long.append(col)
    return long


def _fix_dbf_date(path: Path) -> None:
    """Set the .dbf header's last-update date to 2000-01-01 (reproducible bytes)."""
    with path.open("r+b") as handle:
        handle.seek(1)
        handle.write(bytes([100, 1, 1]))


def write_shapefile_zip(ctx: RenderContext, path: Path) -> Path:
    """Write ``rankings_shp.zip`` (villages and communes as UTF-8 shapefiles).

    Parameters
    ----------
    ctx
        Render inputs (``ctx.villages``, ``ctx.communes``).
    path
        The zip file to write.
    """
    import pyogrio

    names_rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for layer, frame in (("villages", ctx.villages), ("communes", ctx.communes)):
            if frame.empty:
                continue
            ready = table_ready(frame)
            key = _KEYS[layer]
            long = _long_text_columns(ready)
            if long:
                side = pd.DataFrame(ready[[key, *long]])
                write_frame_csv(side, tmp / f"{layer}_long_texts.csv")
            kept = [c for c in ready.columns if c not in long and c != "geometry"]
            mapping = short_names(kept)
            names_rows += [
                {"layer": layer, "short_name": short, "field": col}
                for col, short in mapping.items()
            ]
            names_rows += [
                {"layer": layer, "short_name": "", "field": f"{col} -> {layer}_long_texts.csv"}
                for col in long
            ]
            shp = gpd.GeoDataFrame(
                ready[kept].rename(columns=mapping), geometry=ready.geometry, crs=frame.crs
            )
            pyogrio.write_dataframe(
                shp,
                tmp / f"{layer}.shp",
                driver="ESRI Shapefile",
                layer_options={"ENCODING": "UTF-8"},
            )
            _fix_dbf_date(tmp / f"{layer}.dbf")
        write_frame_csv(pd.DataFrame(names_rows), tmp / "field_names.csv")
        with zipfile.ZipFile(path, "w") as archive:
            for item in sorted(tmp.iterdir()):
                info = zipfile.ZipInfo(item.name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, item.read_bytes())
    return path
