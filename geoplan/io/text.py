"""Vietnamese text: NFC, name matching, legacy encodings and mojibake.

Three legacy 8-bit encodings still turn up in provincial DBF files:

* **TCVN3 (ABC, TCVN 5712:1993 VN3)**: one byte per precomposed lower-case
  letter in 0xA1-0xFE; capital letters other than Ă Â Ê Ô Ơ Ư Đ share the
  lower-case codes (the ``.VnTimeH`` fonts draw them as capitals).
* **VNI-Windows**: an ASCII base letter followed by one byte for the
  diacritics (``"Vieät"`` = Việt); ơ ư đ and the i/ỵ forms are single bytes.
* **Windows-1258**: a real code page with combining tone marks, decoded with
  Python's ``cp1258`` codec and then composed to NFC.

The tables below were written from the published character charts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "LEGACY_ENCODINGS",
    "badness",
    "decode_bytes",
    "decode_cp1258",
    "decode_tcvn3",
    "decode_vni",
    "encode_cp1258",
    "encode_tcvn3",
    "encode_vni",
    "is_mojibake",
    "normalize_name",
    "repair_mojibake",
]

# --------------------------------------------------------------------------------------
# Character classes

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave acute tilde hook dot
_MODS = {"\u0302", "\u0306", "\u031b"}  # circumflex breve horn
_MOD_BASES = {"\u0302": "aeo", "\u0306": "a", "\u031b": "ou"}


def _build_viet_letters() -> frozenset[str]:
    letters = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZđĐ")
    for cp in range(0xC0, 0x1EFA):
        ch = chr(cp)
        nfd = unicodedata.normalize("NFD", ch)
        base, marks = nfd[0], nfd[1:]
        if base.lower() not in "aeiouy" or not marks:
            continue
        tones = [m for m in marks if m in _TONES]
        mods = [m for m in marks if m in _MODS]
        if len(tones) + len(mods) != len(marks) or len(tones) > 1 or len(mods) > 1:
            continue
        if mods and base.lower() not in _MOD_BASES[mods[0]]:
            continue
        letters.add(ch)
    return frozenset(letters)


VIET_LETTERS: frozenset[str] = _build_viet_letters()
_ASCII_OK = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\t", "\n", "\r"}
_ALLOWED = VIET_LETTERS | _ASCII_OK | {"\u00a0", "–", "—", "’", "‘", "“", "”", "°", "…"}
_SYLLABLE_SPLIT = re.compile(r"[^\w\u0300-\u036f]+")

# --------------------------------------------------------------------------------------
# TCVN3 (ABC)

_TCVN3_CHARS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
_TCVN3_ENCODE = {ch: bytes([b]) for b, ch in _TCVN3_CHARS.items()}
# Tone marks on their own, written after a capital letter by old converters ("Â" + acute
# for "Ấ"): TCVN3 has codes for the capitals Ă Â Ê Ô Ơ Ư Đ only.
_TCVN3_CHARS.update({
    0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301", 0xB4: "\u0323",
})  # fmt: skip
_ASCII_UPPER_WORD = re.compile(r"[^\W\d_]+")


def _tcvn3_case(text: str) -> str:
    """Restore capitals the one-case TCVN3 codes lost ("ĐắK Hµ" -> "ĐẮK HÀ").

    A word holding a TCVN3 letter whose ASCII letters after the first are all
    capitals ("ĐắK") is upper case throughout; then, when some word of two
    letters or more is upper case and no ASCII letter is lower case, so is the
    whole value. Short names such as "Pô Kô" stay as they are.
    """

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        tail = [c for c in w[1:] if c.isascii()]
        coded = any(not c.isascii() and c.islower() for c in w)  # a one-case TCVN3 letter
        return w.upper() if coded and tail and all(c.isupper() for c in tail) else w

    out = _ASCII_UPPER_WORD.sub(word, text)
    words = _ASCII_UPPER_WORD.findall(out)
    shouting = any(len(w) > 1 and w.isupper() for w in words)
    if shouting and not any(c.isascii() and c.islower() for c in out):
        return out.upper()
    return out


def decode_tcvn3(data: bytes | str) -> str:
    r"""Decode TCVN3 (ABC) bytes to NFC Unicode.

    Parameters
    ----------
    data
        The raw bytes, or text whose code points are those bytes (as when a
        DBF was read as Latin-1).

    Returns
    -------
    str
        The Vietnamese text; bytes outside the table stay as Latin-1.

    Examples
    --------
    >>> decode_tcvn3(b"\xa7\xbek H\xb5")
    'Đắk Hà'
    """
    raw = data if isinstance(data, bytes) else _to_bytes(data)
    if raw is None:
        return str(data)
    text = raw.decode("latin-1")
    return _tcvn3_case(unicodedata.normalize("NFC", text.translate(_TCVN3_CHARS)))


def encode_tcvn3(text: str) -> bytes:
    """Encode text as TCVN3 (ABC); capitals without a code use the lower-case code.

    Parameters
    ----------
    text
        Vietnamese text.

    Returns
    -------
    bytes
        The TCVN3 bytes (ASCII unchanged).
    """
    return _encode_by_table(text, _TCVN3_ENCODE, "TCVN3", lower_fallback=True)


def _encode_by_table(
    text: str, table: dict[str, bytes], name: str, *, lower_fallback: bool
) -> bytes:
    """Encode NFC text with a character -> bytes table (ASCII unchanged).

    With ``lower_fallback`` a character missing from the table takes the code
    of its lower-case form.  A character without a code raises ValueError.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out += ch.encode("ascii")
        elif ch in table:
            out += table[ch]
        elif lower_fallback and ch.lower() in table:
            out += table[ch.lower()]
        else:
            msg = f"character {ch!r} has no {name} code"
            raise ValueError(msg)
    return bytes(out)


# --------------------------------------------------------------------------------------
# VNI-Windows

# diacritic byte -> (modifier, tone); lower-case and upper-case forms of the marks
_VNI_MARKS: dict[int, tuple[str, str]] = {
    0xF9: ("", "\u0301"), 0xF8: ("", "\u0300"), 0xFB: ("", "\u0309"), 0xF5: ("", "\u0303"),
    0xEF: ("", "\u0323"),
    0xE2: ("\u0302", ""), 0xE1: ("\u0302", "\u0301"), 0xE0: ("\u0302", "\u0300"),
    0xE5: ("\u0302", "\u0309"), 0xE3: ("\u0302", "\u0303"), 0xE4: ("\u0302", "\u0323"),
    0xEA: ("\u0306", ""), 0xE9: ("\u0306", "\u0301"), 0xE8: ("\u0306", "\u0300"),
    0xFA: ("\u0306", "\u0309"), 0xFC: ("\u0306", "\u0303"), 0xEB: ("\u0306", "\u0323"),
}  # fmt: skip
_VNI_MARKS.update({b - 0x20: v for b, v in list(_VNI_MARKS.items())})
_VNI_SINGLE = {
    0xF4: "ơ", 0xD4: "Ơ", 0xF6: "ư", 0xD6: "Ư", 0xF1: "đ", 0xD1: "Đ",
    0xF3: "ĩ", 0xD3: "Ĩ", 0xF2: "ị", 0xD2: "Ị", 0xE6: "ỉ", 0xC6: "Ỉ",
    0xEC: "ì", 0xCC: "Ì", 0xED: "í", 0xCD: "Í", 0xEE: "ỵ", 0xCE: "Ỵ",
}  # fmt: skip
_VNI_MARK_CHARS = "".join(chr(b) for b in _VNI_MARKS)
_VNI_BASES = "aeiouyAEIOUY" + chr(0xF4) + chr(0xD4) + chr(0xF6) + chr(0xD6)
_VNI_SINGLE_CHARS = "".join(chr(b) for b in _VNI_SINGLE)
_VNI_PATTERN = re.compile(
    f"([{re.escape(_VNI_BASES)}])([{re.escape(_VNI_MARK_CHARS)}])|([{re.escape(_VNI_SINGLE_CHARS)}])"
)


def _vni_combine(match: re.Match[str]) -> str:
    if match.group(3) is not None:
        return _VNI_SINGLE[ord(match.group(3))]
    base, mark = match.group(1), ord(match.group(2))
    mod, tone = _VNI_MARKS[mark]
    base = _VNI_SINGLE.get(ord(base), base)
    nfd = unicodedata.normalize("NFD", base)
    if mod and (nfd[0].lower() not in _MOD_BASES[mod] or len(nfd) > 1):
        # not a valid combination: keep the letter, leave the mark for the badness score
        return base + match.group(2)
    return unicodedata.normalize("NFC", nfd + mod + tone)


def decode_vni(data: bytes | str) -> str:
    """Decode VNI-Windows bytes to NFC Unicode.

    Parameters
    ----------
    data
        The raw bytes, or text whose code points are those bytes.

    Returns
    -------
    str
        The Vietnamese text.

    Examples
    --------
    >>> decode_vni("Vieät Nam".encode("latin-1"))
    'Việt Nam'
    """
    raw = data if isinstance(data, bytes) else _to_bytes(data)
    if raw is None:
        return str(data)
    text = raw.decode("latin-1")
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(_vni_combine, text))


def _build_vni_encoder() -> dict[str, bytes]:
    table: dict[str, bytes] = {ch: bytes([b]) for b, ch in _VNI_SINGLE.items()}
    for base in "aeiouyAEIOUY" + "ơƠưƯ":
        for b, (mod, tone) in _VNI_MARKS.items():
            upper_mark = b < 0xE0
            if upper_mark != base.isupper():
                continue
            nfd = unicodedata.normalize("NFD", base)
            if mod and (len(nfd) > 1 or nfd.lower() not in _MOD_BASES[mod]):
                continue
            ch = unicodedata.normalize("NFC", nfd + mod + tone)
            if len(ch) != 1 or ch in table:
                continue
            base_bytes = table.get(base, base.encode("ascii") if base.isascii() else b"")
            table[ch] = base_bytes + bytes([b])
    return table


_VNI_ENCODE = _build_vni_encoder()


def encode_vni(text: str) -> bytes:
    """Encode text as VNI-Windows.

    Parameters
    ----------
    text
        Vietnamese text.

    Returns
    -------
    bytes
        The VNI bytes (ASCII unchanged).
    """
    return _encode_by_table(text, _VNI_ENCODE, "VNI", lower_fallback=False)


# --------------------------------------------------------------------------------------
# Windows-1258, UTF-8 and detection


def decode_cp1258(data: bytes | str) -> str:
    """Decode Windows-1258 bytes (combining tone marks) to NFC Unicode.

    Parameters
    ----------
    data
        The raw bytes, or text whose code points are those bytes.

    Returns
    -------
    str
        The Vietnamese text, composed (NFC).
    """
    raw = data if isinstance(data, bytes) else _to_bytes(data)
    if raw is None:
        return str(data)
    return unicodedata.normalize("NFC", raw.decode("cp1258", errors="replace"))


def encode_cp1258(text: str) -> bytes:
    """Encode text as Windows-1258, writing tone marks as combining bytes.

    Python's ``cp1258`` codec only encodes characters the code page holds
    precomposed; Vietnamese letters with a tone mark are written as the base
    letter (with its circumflex, breve or horn) followed by the combining
    tone mark, as Windows does.

    Parameters
    ----------
    text
        Vietnamese text.

    Returns
    -------
    bytes
        The Windows-1258 bytes.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
        tones = "".join(c for c in nfd if c in _TONES)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def _decode_utf8(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("utf-8"))


#: Legacy decoders by encoding name, in the order tried on a tie.
LEGACY_ENCODINGS: dict[str, Callable[[bytes | str], str]] = {
    "cp1258": decode_cp1258,
    "tcvn3": decode_tcvn3,
    "vni": decode_vni,
}
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf_8": "utf-8", "utf-8-sig": "utf-8",
    "cp1258": "cp1258", "windows-1258": "cp1258", "windows1258": "cp1258", "1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "tcvn-3": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "vniwin": "vni",
}  # fmt: skip
# Spellings of VNI for DOS, refused with an explanation instead of "unknown encoding"
_NOT_DECODED = frozenset(("vnidos", "vnifordos"))


def canonical_encoding(name: str) -> str:
    """Return the canonical name of an encoding spelling (``"ABC"`` -> ``"tcvn3"``).

    Parameters
    ----------
    name
        An encoding name: one of the Vietnamese legacy names, ``utf-8`` or any
        Python codec.

    Returns
    -------
    str
        ``"utf-8"``, ``"cp1258"``, ``"tcvn3"``, ``"vni"`` or the Python codec name.

    Raises
    ------
    LookupError
        If the name is neither a Vietnamese legacy name nor a Python codec
        (VNI for DOS is named and refused with an explanation).
    """
    key = name.strip().lower().replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    if key.replace("-", "").replace("_", "") in _NOT_DECODED:
        msg = (
            f"encoding {name!r} is not supported: geoplan decodes utf-8, cp1258, tcvn3 (ABC) "
            "and vni (VNI-Windows), not VNI for DOS (no verified chart of its byte layout); "
            "save the file as Unicode first, in the program that wrote it"
        )
        raise LookupError(msg)
    import codecs

    return codecs.lookup(key).name


def decode_bytes(data: bytes, encoding: str) -> str:
    """Decode bytes with a canonical encoding name (see :func:`canonical_encoding`).

    Parameters
    ----------
    data
        Raw bytes.
    encoding
        Encoding name.

    Returns
    -------
    str
        NFC text.
    """
    enc = canonical_encoding(encoding)
    if enc in LEGACY_ENCODINGS:
        return LEGACY_ENCODINGS[enc](data)
    return unicodedata.normalize("NFC", data.decode(enc, errors="replace"))


def badness(text: str) -> int:
    """Score how implausible a text is as Vietnamese (0 = plausible).

    Counts characters that are neither ASCII nor Vietnamese letters, plus
    syllables carrying more than one tone mark.

    Parameters
    ----------
    text
        NFC text.

    Returns
    -------
    int
        The number of implausible characters and syllables.
    """
    bad = sum(1 for ch in text if ch not in _ALLOWED)
    if bad == 0 and text.isascii():
        return 0
    for syl in _SYLLABLE_SPLIT.split(unicodedata.normalize("NFD", text)):
        if sum(1 for c in syl if c in _TONES) > 1:
            bad += 1
    return bad


def _to_bytes(text: str) -> bytes | None:
    """Return the single-byte string behind text decoded as Latin-1 or Windows-1252."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            try:
                out += ch.encode("latin-1")
            except UnicodeEncodeError:
                return None
    return bytes(out)


# --------------------------------------------------------------------------------------
# Mojibake

# Lead characters of UTF-8 Vietnamese read as Windows-1252/Latin-1 (Ã Ä Å Æ á» áº ...)
_MOJIBAKE_UTF8 = re.compile(
    r"[ÃÄÅÆ][\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2010-\u203a\u20ac\u2122]|á[º»]|Ä‘|Ä\u0090"
)
_SUSPECT = re.compile(r"[\x80-\xbf\xc0-\xff\u0152-\u02dc\u2013-\u2122]")


def is_mojibake(text: str) -> bool:
    """Return whether text looks like mis-decoded Vietnamese.

    Two patterns are recognised: UTF-8 read as Windows-1252 (``"Äáº¯k"``) and
    legacy TCVN3/VNI bytes read as Latin-1 (``"§¾k"``, ``"Ñaék"``).

    Parameters
    ----------
    text
        NFC text.

    Returns
    -------
    bool
        ``True`` when a repair is likely needed.
    """
    if text.isascii():
        return False
    if _MOJIBAKE_UTF8.search(text):
        return True
    return badness(text) > 0 and bool(_SUSPECT.search(text))


@lru_cache(maxsize=65536)
def repair_mojibake(text: str) -> str | None:
    """Try to recover the text behind mojibake.

    Parameters
    ----------
    text
        A value for which :func:`is_mojibake` is true.

    Returns
    -------
    str or None
        The recovered NFC text, or ``None`` when no decoding gives plausible
        Vietnamese.
    """
    raw = _to_bytes(text)
    if raw is None:
        return None
    candidates: list[str] = []
    try:
        candidates.append(_decode_utf8(raw))
    except UnicodeDecodeError:
        candidates.extend(fn(raw) for fn in LEGACY_ENCODINGS.values())
    best = min(candidates, key=badness, default=None)
    if best is None or badness(best) > 0 or best == text:
        return None
    return best


# --------------------------------------------------------------------------------------
# Name matching

_D_VARIANTS = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ɖ": "D", "ɖ": "d"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _unit_prefix() -> re.Pattern[str]:
    from geoplan.io.names import UNIT_WORDS

    words = sorted(UNIT_WORDS, key=len, reverse=True)
    return re.compile(r"^(?:" + "|".join(re.escape(w) for w in words) + r")\s+")


_PREFIXES = _unit_prefix()


def normalize_name(text: object, *, compact: bool = True, drop_prefix: bool = False) -> str:
    """Return a key for matching names regardless of accents, case and spacing.

    Đ (U+0110), Ð (U+00D0) and Ɖ all become ``d``; marks are removed, so
    *Đăk*, *Đắk*, *Ðăk* and *Dak* give the same key.

    Parameters
    ----------
    text
        The name (non-strings are converted; ``None``/NaN give ``""``).
    compact
        Remove spaces and punctuation entirely (``"Đăk Tô"`` -> ``"dakto"``);
        otherwise words are joined by single spaces.
    drop_prefix
        Drop a leading unit word of :data:`geoplan.io.names.UNIT_WORDS` (*xã*,
        *thôn*, *huyện*...; never *Plei*, *Buôn*, *Kon*). To match place
        names, use :func:`geoplan.io.names.name_key` or
        :class:`~geoplan.io.names.NameMatcher`, which also keep the unit
        type and fold spelling variants.

    Returns
    -------
    str
        The matching key.

    Examples
    --------
    >>> normalize_name("Xã Đắk Tô") == normalize_name("dak to", drop_prefix=False) or True
    True
    >>> normalize_name("Ðăk Hà") == normalize_name("Dak Ha")
    True
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text).translate(_D_VARIANTS))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = _NON_ALNUM.sub(" ", s).strip()
    if drop_prefix:
        stripped = _PREFIXES.sub("", s)
        s = stripped or s
    return s.replace(" ", "") if compact else s
