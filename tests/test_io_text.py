"""Vietnamese text: legacy decoders, detection, mojibake, name matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geoplan.io.detect import detect_encoding
from geoplan.io.text import (
    badness,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
    is_mojibake,
    normalize_name,
    repair_mojibake,
)

NAMES = [
    "Đắk Hà", "Ngọc Hồi", "Sa Thầy", "Kon Plông", "Ia H'Drai", "Tu Mơ Rông", "Đắk Glei",
    "Kon Rẫy", "Đăk Tô", "Thị trấn Plei Kần", "Xã Ngọc Linh", "Măng Búk", "Hiếu", "Đăk Ui",
    "Sa Nhơn", "Mô Rai", "thôn Kon Gu", "Ya Xiêr", "Rờ Kơi", "Văn Lem", "Đắk Nên", "Pờ Ê",
]  # fmt: skip


def test_tcvn3_published_sample():
    # the classic TCVN3 sample rendered in Latin-1
    raw = "Céng hoµ x· héi chñ nghÜa ViÖt Nam §éc lËp Tù do H¹nh phóc".encode("latin-1")
    assert decode_tcvn3(raw) == "Cộng hoà xã hội chủ nghĩa Việt Nam Độc lập Tự do Hạnh phúc"


def test_vni_published_sample():
    raw = "Ñaék Laék, Vieät Nam, Thöøa Thieân Hueá".encode("latin-1")
    assert decode_vni(raw) == "Đắk Lắk, Việt Nam, Thừa Thiên Huế"


def test_cp1258_combining_marks_become_nfc():
    raw = encode_cp1258("Đắk Hà")  # tone marks as combining bytes, as Windows writes them
    assert raw == b"\xd0\xe3\xeck H\xe0"
    out = decode_cp1258(raw)
    assert out == "Đắk Hà"
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("name", NAMES)
def test_legacy_round_trips(name):
    assert decode_vni(encode_vni(name)) == name
    assert decode_cp1258(encode_cp1258(name)) == name
    if not any(c.isupper() and c not in "ĂÂÊÔƠƯĐ" and not c.isascii() for c in name):
        assert decode_tcvn3(encode_tcvn3(name)) == name


_LOWER_VIET = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ "
)


@given(st.text(alphabet=_LOWER_VIET + "ĐĂÂÊÔƠƯ'-", min_size=1, max_size=40))
def test_tcvn3_and_vni_round_trip_property(text):
    assert decode_tcvn3(encode_tcvn3(text)) == text
    assert decode_vni(encode_vni(text)) == text


@pytest.mark.parametrize(
    ("encoder", "expected"),
    [
        (encode_tcvn3, "tcvn3"),
        (encode_vni, "vni"),
        (encode_cp1258, "cp1258"),
        (lambda s: s.encode("utf-8"), "utf-8"),
    ],
)
def test_detect_encoding(encoder, expected):
    found = detect_encoding([encoder(n) for n in NAMES])
    assert found.encoding == expected
    assert found.badness == 0
    assert not found.ambiguous and not found.weak


def test_badness_flags_legacy_text_read_as_latin1():
    assert badness("Đắk Hà") == 0
    assert badness("§¾k Hµ") > 0
    assert badness("ẹaộk") > 0  # two tone marks in one syllable


@pytest.mark.parametrize("name", NAMES)
def test_mojibake_utf8_as_cp1252_detected_and_repaired(name):
    broken = name.encode("utf-8").decode("latin-1")
    if broken == name:
        return
    assert is_mojibake(broken)
    assert repair_mojibake(broken) == name


def test_mojibake_tcvn3_read_as_latin1_repaired():
    broken = encode_tcvn3("Đắk Hà").decode("latin-1")
    assert is_mojibake(broken)
    assert repair_mojibake(broken) == "Đắk Hà"


def test_clean_text_is_not_mojibake():
    for name in NAMES:
        assert not is_mojibake(name)
    assert repair_mojibake("Đắk Hà") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Đăk Hà", "Đắk Hà"),
        ("Đắk Hà", "Dak Ha"),
        ("\u00d0ăk Hà", "Đăk Hà"),  # Ð (U+00D0) written for Đ (U+0110)
        ("ĐĂK TÔ", "đăk tô"),
        ("Đắk Tô", "Dak-To"),
        ("Đăk  Tô", "ĐăkTô"),
        (unicodedata.normalize("NFD", "Ngọc Hồi"), "Ngoc Hoi"),
    ],
)
def test_normalize_name_matches_variants(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_prefix_and_distinctions():
    assert normalize_name("Xã Đắk Tô", drop_prefix=True) == normalize_name("Đắk Tô")
    assert normalize_name("Xã Đắk Tô") != normalize_name("Đắk Tô")
    assert normalize_name("Đắk Hà") != normalize_name("Đắk Tô")
    assert normalize_name(None) == ""
    assert normalize_name(float("nan")) == ""
    assert normalize_name("Đắk Tô", compact=False) == "dak to"
