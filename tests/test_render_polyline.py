"""The block-wise polyline encoder against a plain per-value reference."""

from __future__ import annotations

import numpy as np
import pytest

from geoplan.render import polyline
from geoplan.render.polyline import chunk_text, decode_polyline, encode_polyline, encode_polylines


def _reference_chunks(v: int) -> str:
    """A non-negative integer in 5-bit chunks, low first, 0x20 on all but the last, + 63."""
    out = []
    while v >= 0x20:
        out.append(chr((0x20 | (v & 0x1F)) + 63))
        v >>= 5
    out.append(chr(v + 63))
    return "".join(out)


def _reference_value(value: int) -> str:
    """One signed integer by the polyline algorithm (its zig-zag code in chunks)."""
    return _reference_chunks(~(value << 1) if value < 0 else value << 1)


def _reference(run: np.ndarray, precision: int) -> str:
    lat = lon = 0
    out = []
    for x, y in run.tolist():
        ilat, ilon = round(y * 10**precision), round(x * 10**precision)
        out.append(_reference_value(ilat - lat) + _reference_value(ilon - lon))
        lat, lon = ilat, ilon
    return "".join(out)


def _runs(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.integers(0, 40, 60)
    counts[:3] = [0, 1, 0]  # empty and single-point parts, also at the start
    counts[-2:] = [1, 0]  # and at the end
    counts[30] = 700  # one run over several blocks
    xy = rng.normal(0.0, scale, (int(counts.sum()), 2)) + rng.uniform(-180, 180, 2)
    return xy, counts


@pytest.mark.parametrize("scale", [1e-4, 0.5, 90.0, 3e8])
@pytest.mark.parametrize("block", [1, 7, 64, 1 << 15])
def test_encode_polylines_matches_the_reference(monkeypatch, scale, block):
    # small blocks put block edges inside runs, between runs and on empty runs
    monkeypatch.setattr(polyline, "_BLOCK_COORDS", block)
    rng = np.random.default_rng(int(scale * 1000) % 2**32 + block)
    xy, counts = _runs(rng, scale)
    texts = encode_polylines(xy, counts, 5)
    runs = np.split(xy, np.cumsum(counts)[:-1])
    assert texts == [_reference(run, 5) for run in runs]
    assert [len(t) == 0 for t in texts] == [c == 0 for c in counts]


@pytest.mark.parametrize("precision", [0, 5, 7])
def test_encode_polyline_large_and_negative_values(monkeypatch, precision):
    monkeypatch.setattr(polyline, "_BLOCK_COORDS", 3)
    run = np.array(
        [[-179.99999, -89.5], [179.99999, 89.5], [0.0, 0.0], [-1e9, 1e9], [1e9, -1e9], [-0.3, 0.7]]
    )
    assert encode_polyline(run, precision) == _reference(run, precision)


def test_encode_polylines_empty_inputs():
    assert encode_polylines(np.zeros((0, 2)), np.array([0, 0])) == ["", ""]
    assert encode_polyline([]) == ""
    assert chunk_text(np.zeros(0, dtype=np.int64)) == ""


def test_round_trip_over_block_edges(monkeypatch):
    monkeypatch.setattr(polyline, "_BLOCK_COORDS", 4)
    ring = [(107.71234, 14.6), (108.3, 15.49999), (107.5, 14.0), (-0.00001, 0.0), (107.71234, 14.6)]
    assert decode_polyline(encode_polyline(ring)) == ring


def test_chunk_text_matches_the_reference(monkeypatch):
    monkeypatch.setattr(polyline, "_BLOCK_COORDS", 5)
    rng = np.random.default_rng(7)
    z = np.concatenate([[0, 31, 32, 2**60 - 1], rng.integers(0, 2**40, 200)])
    assert chunk_text(z) == "".join(_reference_chunks(int(v)) for v in z)
