"""Zip archives written the same way every run: fixed dates, compressed data copied as it is.

An office file written by a library carries the time it was written in each member's
header.  :func:`restamp_zip` gives every member the date 1980-01-01 and writes the
archive exactly as ``zipfile`` writes ``writestr(ZipInfo(name, FIXED_ZIP_DATE), data)``
deflated, member after member; a member already deflated keeps its compressed bytes,
which are those zipfile would write when the library deflated it at zlib's default level
(as zipfile, and so xlsxwriter, does).  Nothing is decompressed or compressed again but
the members that are edited: on an 86,000-village workbook that is most of the time the
rewrite took.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

__all__ = ["FIXED_ZIP_DATE", "restamp_zip"]

FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

Edit = Callable[[bytes], bytes]

_UTF8_NAME = 0x800  # general purpose flag: the file name is UTF-8
# the records of the zip format (APPNOTE 4.3.7, 4.3.12, 4.3.16), as zipfile packs them
_LOCAL_HEADER_SIZE = 30
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"


def restamp_zip(path: Path, edits: Mapping[str, Edit] | None = None) -> None:
    """Rewrite the archive at ``path`` with fixed dates, the members in the same order.

    Parameters
    ----------
    path
        The archive; rewritten in place.
    edits
        Member name -> function of its content returning the content to write instead.

    The result is byte for byte what ``zipfile`` writes for ``writestr`` of each member
    (``ZipInfo(name, FIXED_ZIP_DATE)``, ``ZIP_DEFLATED`` at the default level) when the
    deflated members were deflated at zlib's default level, as zipfile deflates them.
    Archives beyond the sizes of a plain zip (2 GiB, 65,535 members) are rewritten by
    ``zipfile`` itself.
    """
    edits = edits or {}
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = src.infolist()
        if not _plain(infos, len(data)):
            _rewrite(path, src, edits)
            return
        with open(path, "wb") as out:
            central = []
            for name, crc, size, deflated in _members(data, src, edits):
                info = _info(name, crc, size, len(deflated), out.tell())
                out.write(info.FileHeader(False))
                out.write(deflated)
                central.append(info)
            _write_directory(out, central)


def _plain(infos: list[zipfile.ZipInfo], size: int) -> bool:
    """Return whether zipfile writes the archive without zip64 records (as copied here)."""
    limit = zipfile.ZIP64_LIMIT
    return (
        len(infos) < zipfile.ZIP_FILECOUNT_LIMIT
        and size < limit
        and all(info.file_size * 1.05 <= limit for info in infos)
    )


def _members(
    data: bytes, src: zipfile.ZipFile, edits: Mapping[str, Edit]
) -> Iterator[tuple[str, int, int, bytes | memoryview]]:
    """Yield each member's name, CRC, size and deflated bytes."""
    for info in src.infolist():
        if info.filename in edits or info.compress_type != zipfile.ZIP_DEFLATED:
            content = src.read(info.filename)
            if info.filename in edits:
                content = edits[info.filename](content)
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            deflated = compressor.compress(content) + compressor.flush()
            yield info.filename, zlib.crc32(content), len(content), deflated
        else:
            yield info.filename, info.CRC, info.file_size, _compressed_bytes(data, info)


def _compressed_bytes(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """Return a member's data as stored in the archive (after its local header), not copied."""
    offset = info.header_offset
    name_len, extra_len = struct.unpack("<2H", data[offset + 26 : offset + 30])
    start = offset + _LOCAL_HEADER_SIZE + name_len + extra_len
    return memoryview(data)[start : start + info.compress_size]


def _info(name: str, crc: int, size: int, compressed: int, offset: int) -> zipfile.ZipInfo:
    """Return the ``ZipInfo`` zipfile's ``writestr`` ends with for a deflated member."""
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # what zipfile gives a member without permissions
    info.CRC, info.file_size, info.compress_size = crc, size, compressed
    info.header_offset = offset
    return info


def _write_directory(out: io.BufferedWriter, infos: list[zipfile.ZipInfo]) -> None:
    """Write the central directory and its end record, as ``ZipFile.close`` does."""
    start = out.tell()
    for info in infos:
        dt = info.date_time
        dosdate = (dt[0] - 1980) << 9 | dt[1] << 5 | dt[2]
        dostime = dt[3] << 11 | dt[4] << 5 | (dt[5] // 2)
        try:
            name, flags = info.filename.encode("ascii"), info.flag_bits
        except UnicodeEncodeError:
            name, flags = info.filename.encode("utf-8"), info.flag_bits | _UTF8_NAME
        out.write(
            _CENTRAL.pack(
                _CENTRAL_SIGNATURE,
                info.create_version,
                info.create_system,
                info.extract_version,
                info.reserved,
                flags,
                info.compress_type,
                dostime,
                dosdate,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                len(info.extra),
                len(info.comment),
                0,
                info.internal_attr,
                info.external_attr,
                info.header_offset,
            )
        )
        out.write(name + info.extra + info.comment)
    size, count = out.tell() - start, len(infos)
    out.write(_END.pack(_END_SIGNATURE, 0, 0, count, count, size, start, 0))


def _rewrite(path: Path, src: zipfile.ZipFile, edits: Mapping[str, Edit]) -> None:
    """Rewrite the archive through ``zipfile``, every member decompressed and compressed again."""
    items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in items:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, edits[name](content) if name in edits else content)
