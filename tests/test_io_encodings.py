"""Legacy encodings detected on small and upper-case files written by the tests as bytes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geoplan.io.detect import detect_encoding
from geoplan.io.readers import read_table, read_vector
from geoplan.io.text import encode_cp1258, encode_vni

NAMES = [
    "Đắk Hà", "Ngọc Hồi", "Sa Thầy", "Kon Plông", "Tu Mơ Rông", "Đắk Glei", "Kon Rẫy",
    "Thị trấn Plei Kần", "Xã Ngọc Linh", "Măng Búk", "Hiếu", "Đăk Ui", "Sa Nhơn", "Mô Rai",
    "Ya Xiêr", "Rờ Kơi", "Văn Lem", "Đắk Nên", "Pờ Ê", "Đăk Tờ Re",
]  # fmt: skip

# TCVN3 written out by hand from the published chart, independent of geoplan's tables
_TCVN3_LOWER = {
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9, "ằ": 0xBB, "ắ": 0xBE, "ặ": 0xC6,
    "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB, "è": 0xCC, "é": 0xD0, "ẹ": 0xD1,
    "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6, "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC,
    "í": 0xDD, "ị": 0xDE, "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4, "ồ": 0xE5,
    "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9, "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED,
    "ợ": 0xEE, "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4, "ừ": 0xF5, "ử": 0xF6,
    "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9, "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}  # fmt: skip
_TCVN3_CAPITAL = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
_TCVN3_TONE = {"\u0300": 0xB0, "\u0309": 0xB1, "\u0303": 0xB2, "\u0301": 0xB3, "\u0323": 0xB4}


def tcvn3_lower_bytes(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif ch in _TCVN3_CAPITAL:
            out.append(_TCVN3_CAPITAL[ch])
        else:
            out.append(_TCVN3_LOWER[ch.lower()])
    return bytes(out)


def tcvn3_upper_bytes(text: str) -> bytes:
    """Upper case as old converters write it: capital letter, then a tone byte."""
    out = bytearray()
    for ch in text.upper():
        nfd = unicodedata.normalize("NFD", ch)
        tones = [c for c in nfd if c in _TCVN3_TONE]
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TCVN3_TONE))
        out += base.encode("ascii") if base.isascii() else bytes([_TCVN3_CAPITAL[base]])
        out += bytes(_TCVN3_TONE[t] for t in tones)
    return bytes(out)


ENCODERS = {
    "tcvn3": tcvn3_lower_bytes,
    "tcvn3-upper": tcvn3_upper_bytes,
    "vni": encode_vni,
    "vni-upper": lambda s: encode_vni(s.upper()),
    "cp1258": encode_cp1258,
    "cp1258-upper": lambda s: encode_cp1258(s.upper()),
}


def _names(n: int) -> list[str]:
    return [NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i}") for i in range(n)]


def _write_csv(path: Path, names: list[str], encoder) -> None:
    lines = [b"ma_xa,ten_xa"] + [f"{23000 + i},".encode() + encoder(n) for i, n in enumerate(names)]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")


def _write_dbf(path: Path, names: list[str], encoder) -> None:
    gdf = gpd.GeoDataFrame(
        {"ten_xa": [encoder(n).decode("latin-1") for n in names]},
        geometry=[shapely.Point(500_000 + i, 1_580_000) for i in range(len(names))],
        crs=9216,
    )
    pyogrio.write_dataframe(gdf, path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)  # as old tools write them: no .cpg


@pytest.mark.parametrize("size", [1, 3, 40, 1000])
@pytest.mark.parametrize("label", list(ENCODERS))
def test_csv_detected_and_decoded(tmp_path: Path, label: str, size: int):
    names = _names(size)
    path = tmp_path / "xa.csv"
    _write_csv(path, names, ENCODERS[label])
    df, enc, issues = read_table(path)
    assert enc == label.split("-", maxsplit=1)[0]
    expected = [n.upper() if label.endswith("upper") else n for n in names]
    assert df["ten_xa"].tolist() == expected
    assert not [i for i in issues if i.severity == "error"]


@pytest.mark.parametrize("size", [1, 300])
@pytest.mark.parametrize("label", ["tcvn3", "tcvn3-upper", "vni", "vni-upper", "cp1258"])
def test_dbf_without_cpg_detected_and_decoded(tmp_path: Path, label: str, size: int):
    names = _names(size)
    path = tmp_path / "xa.shp"
    _write_dbf(path, names, ENCODERS[label])
    raw = read_vector(path)
    assert raw.encoding == label.split("-", maxsplit=1)[0]
    expected = [n.upper() if label.endswith("upper") else n for n in names]
    assert raw.frame["ten_xa"].tolist() == expected
    assert "encoding-detected" in {i.code for i in raw.issues}


def test_three_vni_communes_are_not_read_as_tcvn3(tmp_path: Path):
    # the issue's file: TCVN3 decoding gives 'Ia ẹal'
    path = tmp_path / "xa.csv"
    _write_csv(path, ["Ia Đal", "Ia Tơi", "Mô Rai"], encode_vni)
    df, enc, _ = read_table(path)
    assert enc == "vni"
    assert df["ten_xa"].tolist() == ["Ia Đal", "Ia Tơi", "Mô Rai"]


def test_weak_evidence_is_said_and_asks_for_encoding(tmp_path: Path):
    path = tmp_path / "xa.csv"
    _write_csv(path, ["Ia Đal"], encode_vni)  # one name, one letter tells VNI from TCVN3
    df, enc, issues = read_table(path)
    assert enc == "vni" and df["ten_xa"].iloc[0] == "Ia Đal"
    doubt = [i for i in issues if i.code == "encoding-uncertain"]
    assert doubt and "encoding:" in doubt[0].message and "Ia ẹal" in doubt[0].message


def test_ambiguous_bytes_are_an_error_asking_for_encoding(tmp_path: Path):
    # b"H\xe1" is "Há" in Windows-1258 and "Hỏ" in TCVN3: both plausible, so not guessed
    found = detect_encoding([b"H\xe1"])
    assert found.ambiguous
    assert {found.alternatives["cp1258"], found.alternatives["tcvn3"]} == {"Há", "Hỏ"}
    path = tmp_path / "t.csv"
    path.write_bytes(b"ma_xa,ten_xa\r\n1,H\xe1\r\n")
    _, _, issues = read_table(path)
    (err,) = [i for i in issues if i.severity == "error"]
    assert err.code == "encoding-ambiguous" and "`encoding:`" in err.message
    assert "Há'" in err.message and "Hỏ'" in err.message


def test_stated_encoding_wins(tmp_path: Path):
    path = tmp_path / "xa.csv"
    _write_csv(path, ["Ia Đal"], encode_vni)
    df, enc, issues = read_table(path, encoding="vni")
    assert enc == "vni" and df["ten_xa"].iloc[0] == "Ia Đal"
    assert not [i for i in issues if i.code.startswith("encoding")]


def _demo_names() -> list[str]:
    from _paths import DEMO_LAYERS

    gpkg = DEMO_LAYERS / "kontum.gpkg"
    communes = pyogrio.read_dataframe(gpkg, layer="communes", read_geometry=False)
    villages = pyogrio.read_dataframe(gpkg, layer="villages", read_geometry=False)
    names = {*communes["commune_name"], *communes["district_name"], *villages["village_name"]}
    return sorted(n for n in names if not n.isascii())


def test_no_demo_name_is_implausible():
    from geoplan.io.detect import plausibility

    assert [n for n in _demo_names() if plausibility(n)] == []


@pytest.mark.parametrize("label", list(ENCODERS))
def test_small_files_are_never_silently_wrong(label: str):
    import random

    names = _demo_names()
    rng = random.Random(2022)
    encoder = ENCODERS[label]
    for _ in range(60):
        sample = rng.sample(names, 3)
        found = detect_encoding([encoder(n) for n in sample])
        if found.ambiguous:
            continue  # refused: `encoding:` is asked for
        wanted = [n.upper() if label.endswith("upper") else n for n in sample]
        from geoplan.io.text import decode_bytes

        assert [decode_bytes(encoder(n), found.encoding) for n in sample] == wanted


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"\xa7\xbeK H\xb5", "ĐẮK HÀ"),  # .VnTimeH: lower-case codes in an upper-case name
        (b"KON R\xc9Y", "KON RẪY"),
        (b"P\xab K\xab", "Pô Kô"),  # nothing tells these apart from lower case: kept
        (b"\xa7\xbek PXi", "Đắk PXi"),
    ],
)
def test_tcvn3_one_case_codes_in_upper_case_names(raw: bytes, text: str):
    from geoplan.io.text import decode_tcvn3

    assert decode_tcvn3(raw) == text
