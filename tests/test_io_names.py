"""Place-name keys, the spelling-variant table and the matcher (geoplan.io.names)."""

from __future__ import annotations

import pyogrio
import pytest
from _paths import ROOT

from geoplan.io.names import SPELLING_VARIANTS, NameMatcher, name_key, parse_name, search_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thị trấn PLEI KẦN", "Plei Kần"),
        ("Xã Đắk Hà", "dak ha"),
        ("Ngọk Tụ", "Ngọc Tụ"),
        ("Đắk Long", "Đăk Long"),
        ("Măng Búk", "Măng Bút"),
        ("Pờ Y", "Bờ Y"),
        ("Rơ Kơi", "Rờ Kơi"),
        ("Tơ Tung", "Tờ Tung"),
        ("Ia H'Drai", "Ia HDrai"),
        ("Ia H Drai", "IA H’DRAI"),
        ("Pley Kần", "Plei Kần"),
        ("TP Kon Tum", "Thành phố Kon Tum"),
        ("Tổ dân phố 3", "TDP 3"),
    ],
)
def test_variants_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("Plei Kần", "pleikan"),
        ("Buôn Đôn", "buondon"),
        ("Kon Plông", "konplong"),
        ("Làng Le", "langle"),
        ("Xã Kon Đào", "kondao"),
        ("Thôn Plei Tơ Nghia", "pleitonghia"),
    ],
)
def test_name_words_are_kept(name, core):
    assert parse_name(name).core == core


def test_unit_words_and_their_types():
    assert parse_name("Xã Đăk Blà").unit == "xa"
    assert parse_name("Phường Đăk Bla").unit == "phuong"
    assert parse_name("Thị trấn Đắk Hà").unit == "thi_tran"
    assert parse_name("Thị xã Kon Tum").unit == "thi_xa"
    assert parse_name("thôn 1").unit == "thon"
    assert parse_name("Đăk Blà").unit is None
    # a unit word alone is a name, not an empty key
    assert parse_name("Xã").core == "xa"
    assert parse_name(None).core == "" and parse_name(float("nan")).core == ""


def test_every_variant_entry_folds():
    for left, right in SPELLING_VARIANTS.items():
        assert name_key(" ".join(left)) == name_key(" ".join(right))
        assert name_key(" ".join(left)) != name_key("x " + " ".join(left))


def test_matcher_unit_type_keeps_two_places_apart():
    m = NameMatcher({0: "Xã Đăk Blà", 1: "Phường Đăk Bla", 2: "Plei Kần"})
    assert m.candidates("xa dak bla") == [0]
    assert m.candidates("PHƯỜNG ĐĂK BLA") == [1]
    assert m.candidates("Đăk Blà") == [0]  # the accented spelling decides
    assert m.candidates("Dak Bla") == [0, 1]  # ambiguous: the caller lists both
    assert m.candidates("Thị trấn PLEI KẦN") == [2]
    assert m.candidates("Kon Gu") == []
    assert m.candidates("Dak Bla", among=[1, 2]) == [1]


def test_matcher_lang_as_unit_word_or_name():
    m = NameMatcher({0: "Làng Le", 1: "Kon Gu", 2: "Làng Tung"})
    assert m.candidates("Le") == [0]
    assert m.candidates("làng Kon Gu") == [1]
    assert m.candidates("Làng Tung") == [2]


def test_search_key_is_accent_and_apostrophe_blind():
    assert search_key("Ia H'Drai") == search_key("ia hdrai") == search_key("IA H DRAI")
    assert search_key("dak ha") in search_key("Xã Đắk Hà")
    assert search_key("Ngọk Tụ") == "ngoc tu"


def test_demo_commune_names_are_distinct_within_each_district():
    communes = pyogrio.read_dataframe(ROOT / "layers/kontum-demo/kontum.gpkg", layer="communes")
    keys = communes.assign(key=[name_key(n) for n in communes["commune_name"]])
    assert not keys.duplicated(["district_code", "key"]).any()
    m = NameMatcher(communes["commune_name"].to_dict())
    for label, name in communes["commune_name"].items():
        assert label in m.candidates(name)


def test_matcher_unit_types_from_another_column():
    m = NameMatcher({0: "Đăk Blà", 1: "Đăk Bla"}, units={0: "xa", 1: "phuong"})
    assert m.candidates("Phường Đăk Bla") == [1]
    assert m.candidates("Xã Dak Bla") == [0]
    assert m.candidates("Dak Bla") == [0, 1]
