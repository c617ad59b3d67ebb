"""Refuse damaged files before their features are silently lost.

GDAL reads what it can of a damaged GeoPackage and says little: a file with
corrupted pages may yield 2 of 5 landslide zones.  So before a layer is
read, a GeoPackage is checked with SQLite's ``quick_check``; a shapefile must
have its ``.shx`` and ``.dbf``; after reading, the feature count must match
what the file declares.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from pathlib import Path

from geoplan.errors import LayerError

__all__ = ["check_feature_count", "check_file_integrity", "declared_features", "file_version"]


def _where(path: Path, layer: str | None) -> str:
    return f"{path}{f', layer {layer!r}' if layer else ''}"


def file_version(path: Path) -> tuple[str, int, int, int]:
    """Return what identifies one version of a file: path, inode, size and modification time.

    A key for facts about a file's content (its layers, its soundness) that a load
    asks once per layer: a scenario's layers often share one GeoPackage.
    """
    st = path.stat()
    return (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)


def _gpkg_quick_check(path: Path) -> str | None:
    """Return SQLite's complaint about ``path``, or ``None`` when it is sound."""
    return _quick_check_of(file_version(path))


@functools.lru_cache(maxsize=32)
def _quick_check_of(version: tuple[str, int, int, int]) -> str | None:
    path = Path(version[0])
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = con.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        con.close()
    found = [str(r[0]) for r in rows if r and r[0] != "ok"]
    return "; ".join(found[:3]) if found else None


def check_file_integrity(path: str | Path, layer: str | None = None) -> None:
    """Raise when ``path`` is damaged or incomplete (nothing is read into memory).

    Parameters
    ----------
    path
        The file about to be read.
    layer
        The layer (for the message).

    Raises
    ------
    LayerError
        A GeoPackage that fails SQLite's ``quick_check``, a shapefile without
        its ``.shx`` or ``.dbf``.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".gpkg" and p.is_file():
        with open(p, "rb") as handle:
            head = handle.read(16)
        if head.startswith(b"SQLite format 3"):
            problem = _gpkg_quick_check(p)
            if problem is not None:
                msg = (
                    f"{_where(p, layer)}: the GeoPackage is damaged (SQLite quick_check: "
                    f"{problem}); features would be lost: restore the file or export it again"
                )
                raise LayerError(msg)
    if suffix == ".shp" and p.is_file():
        for side in (".shx", ".dbf"):
            if not any(p.with_suffix(s).is_file() for s in (side, side.upper())):
                msg = (
                    f"{p}: the shapefile's {side} file is missing (a shapefile is several "
                    f"files: .shp, .shx, .dbf, .prj); copy {p.with_suffix(side).name} beside it"
                )
                raise LayerError(msg)


def declared_features(path: str | Path, layer: str | None) -> int | None:
    """Return the feature count the file declares for ``layer`` (``None`` if unknown)."""
    import pyogrio

    with contextlib.suppress(Exception):
        count = int(pyogrio.read_info(str(path), layer=layer, force_feature_count=True)["features"])
        return count if count >= 0 else None
    return None


def check_feature_count(path: str | Path, layer: str | None, read: int) -> None:
    """Raise when fewer (or more) features were read than the file declares.

    Raises
    ------
    LayerError
        Naming the file, the layer and both counts.
    """
    declared = declared_features(path, layer)
    if declared is not None and declared != read:
        msg = (
            f"{_where(Path(path), layer)}: the file declares {declared} features but "
            f"{read} could be read; the file is damaged: restore it or export it again"
        )
        raise LayerError(msg)
