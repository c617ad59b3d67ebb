"""Polyline strings: coordinates as about 4 characters per vertex instead of about 18 in GeoJSON.

The encoding of Google's polyline algorithm (latitude first, differences from the
previous vertex, zig-zag coded in 5-bit chunks offset to printable characters), written
a block of coordinates at a time with numpy.  The map runtime decodes it
(``GP.decodePolyline``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["chunk_text", "decode_polyline", "encode_polyline", "encode_polylines"]


def encode_polyline(coords: Any, precision: int = 5) -> str:
    """Encode ``(lon, lat)`` pairs as one string (the polyline algorithm, latitude first).

    Each coordinate is rounded to ``precision`` decimals and stored as the
    difference from the previous one, zig-zag coded in 5-bit chunks offset to the
    printable characters ``?`` (63) to ``~`` (126): about 4 characters per vertex
    instead of about 18 in GeoJSON.  The map runtime decodes it
    (``GP.decodePolyline``); :func:`decode_polyline` is the inverse.
    """
    xy = np.asarray(coords, dtype=float)
    if not xy.size:
        return ""
    return encode_polylines(xy, np.array([len(xy)]), precision)[0]


#: Coordinates encoded at a time by :func:`encode_polylines` (two values each): its
#: temporaries are a few MiB whatever the size of a layer.
_BLOCK_COORDS = 1 << 15


def encode_polylines(xy: np.ndarray, counts: np.ndarray, precision: int = 5) -> list[str]:
    """Encode consecutive runs of ``(lon, lat)`` rows of ``xy`` as one polyline each.

    ``counts`` gives each run's number of rows; the result is
    ``[encode_polyline(run) for run in runs]``.  Each value's characters depend only
    on its difference from the previous value, so the rows are encoded in blocks of
    :data:`_BLOCK_COORDS` whose texts are joined, and a run may span blocks.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if not len(xy):
        return [""] * len(counts)
    starts = np.cumsum(counts) - counts
    first = starts[counts > 0]  # each run starts from (0, 0)
    # character offsets of each run's first value and of the value after its last
    lo, hi = np.empty(len(counts), dtype=np.int64), np.empty(len(counts), dtype=np.int64)
    bounds = ((2 * starts, lo), (2 * (starts + counts), hi))
    texts: list[str] = []
    written = 0
    previous = np.zeros((1, 2), dtype=np.int64)
    factor = 10**precision
    for r0 in range(0, len(xy), _BLOCK_COORDS):
        r1 = min(r0 + _BLOCK_COORDS, len(xy))
        scaled = np.rint(xy[r0:r1, [1, 0]] * factor).astype(np.int64)
        deltas = np.diff(scaled, axis=0, prepend=previous)
        previous = scaled[-1:]
        restart = first[np.searchsorted(first, r0) : np.searchsorted(first, r1)] - r0
        deltas[restart] = scaled[restart]
        text, widths = _chunk_block(_zigzag(deltas.ravel()))
        offsets = written + np.cumsum(widths, dtype=np.int64) - widths
        for values, out in bounds:
            a, b = np.searchsorted(values, [2 * r0, 2 * r1])
            out[a:b] = offsets[values[a:b] - 2 * r0]
        texts.append(text)
        written += len(text)
    for values, out in bounds:
        out[values >= 2 * len(xy)] = written
    whole = "".join(texts)
    return [whole[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]


def _zigzag(values: np.ndarray) -> np.ndarray:
    """Map signed integers to unsigned ones, 0, -1, 1, -2 ... to 0, 1, 2, 3 ..."""
    return ((values << 1) ^ (values >> 63)).view(np.uint64)


def chunk_text(z: np.ndarray) -> str:
    """Write non-negative integers as 5-bit chunks, low first, ``0x20`` on all but the last.

    Each chunk is offset to a printable character (63 to 126), as in polylines.
    """
    z = np.asarray(z)
    step = 2 * _BLOCK_COORDS
    return "".join(
        _chunk_block(z[i : i + step].astype(np.uint64))[0] for i in range(0, len(z), step)
    )


def _chunk_block(z: np.ndarray) -> tuple[str, np.ndarray]:
    """Return :func:`chunk_text` of unsigned ``z`` and the number of characters of each value."""
    if not len(z):
        return "", np.zeros(0, dtype=np.uint8)
    top = int(z.max())
    width = max(1, (top.bit_length() + 4) // 5)
    # widths[i]: 1 + how many of z >> 5, z >> 10 ... are not zero
    widths = np.ones(len(z), dtype=np.uint8)
    for k in range(1, width):
        widths += (z >> np.uint64(5 * k)) != 0
    chars = np.empty((len(z), width), dtype=np.uint8)
    for k in range(width):
        chunk = ((z >> np.uint64(5 * k)) & np.uint64(0x1F)).astype(np.uint8)
        chunk |= (widths > k + 1).view(np.uint8) << 5
        chunk += 63
        chars[:, k] = chunk
    kept = np.arange(width, dtype=np.uint8) < widths[:, None]
    return chars[kept].tobytes().decode("ascii"), widths


def decode_polyline(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Return the ``(lon, lat)`` pairs of a string made by :func:`encode_polyline`."""
    factor = 10**precision
    values: list[int] = []
    result = shift = 0
    for char in text:
        chunk = ord(char) - 63
        result |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            result = shift = 0
    lat = lon = 0
    out = []
    for dlat, dlon in zip(values[::2], values[1::2], strict=True):
        lat, lon = lat + dlat, lon + dlon
        out.append((lon / factor, lat / factor))
    return out
