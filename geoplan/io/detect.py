"""Which legacy encoding a set of byte strings is in, and how sure that is.

Each candidate decoding (:data:`geoplan.io.text.LEGACY_ENCODINGS`) is scored
by :func:`plausibility`; the margin between the best and the runner-up tells
a clear choice from a weak or an ambiguous one, so that readers can say so
and ask for ``encoding:`` instead of guessing silently. Text that no
supported encoding reads as Vietnamese, or that holds ASCII punctuation
inside words (as VNI for DOS writes capitals with tone marks), is refused or
warned about by :func:`encoding_issues`: geoplan does not decode VNI for DOS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from geoplan.errors import Issue
from geoplan.io.text import _TONES, LEGACY_ENCODINGS, _decode_utf8, badness

__all__ = [
    "ISO646_NATIONAL",
    "SUPPORTED_ENCODINGS",
    "Detection",
    "detect_encoding",
    "encoding_issues",
    "iso646_words",
    "plausibility",
]

#: What `encoding:` accepts, for messages.
SUPPORTED_ENCODINGS = "utf-8, cp1258 (Windows-1258), tcvn3 (TCVN3/ABC) or vni (VNI-Windows)"

# Vowel groups of Vietnamese syllables (tone marks removed; ă â ê ô ơ ư kept)
_NUCLEI = frozenset((
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi",
    "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui", "uô", "uơ", "ưa", "ưi", "ưu", "ươ", "uy", "yê",
    "iêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu", "yêu",
))  # fmt: skip
_VOWEL_BASES = frozenset("aăâeêioôơuưy")
_WORD = re.compile(r"[^\W\d_]+")


def _strip_tone(ch: str) -> str:
    nfd = unicodedata.normalize("NFD", ch)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))


# groups that end the syllable (no final consonant may follow: "aon" is not Vietnamese) ...
_NO_FINAL = frozenset((
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu",
    "ia", "ua", "ưa", "iêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uyu", "yêu",
))  # fmt: skip
# ... and groups that need one ("tân", never "tâ")
_NEEDS_FINAL = frozenset(("ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oo", "uâ", "oă"))
_MODIFIED = frozenset("ăâêôơư")
_GROUP = re.compile(f"[{''.join(sorted(_VOWEL_BASES))}]+")


def _bad_rhyme(low: str, base: str) -> bool:
    """Whether a word's vowel groups, finals or tone placement cannot be Vietnamese.

    ``low`` is the word in lower case with its tone marks, ``base`` the same
    letters without them (one character each, so positions agree).
    """
    for m in _GROUP.finditer(base):
        group, start, end = m.group(0), m.start(), m.end()
        if group not in _NUCLEI:
            return True
        final = end < len(base)
        if (final and group in _NO_FINAL) or (not final and group in _NEEDS_FINAL):
            return True
        toned = [i - start for i in range(start, end) if low[i] != base[i]]
        if len(toned) != 1 or len(group) == 1:
            continue
        at = toned[0]
        if any(c in _MODIFIED for c in group) and group[at] not in _MODIFIED:
            return True  # the tone sits on the modified vowel: "tiến", never "tíên"
        if final and at != len(group) - 1:
            return True  # before a final, on the last vowel: "toán", "muốn"
        if not final and group in _NO_FINAL and at != (0 if len(group) == 2 else 1):
            return True  # "mái", "người": never "maí"
    return False


def _implausible_words(text: str) -> int:
    """Count words with a non-ASCII letter that cannot be Vietnamese (or a minority name).

    A word fails when a vowel group is not a Vietnamese one (``"ẹaộk"``), when
    a group that ends a syllable is followed by a consonant (``"Taõn"``) or one
    that needs a final has none, when the tone sits where Vietnamese never puts
    it, when đ is not first, or when its case is mixed other than Capitalised.
    """
    bad = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        low = word.lower()
        if not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
            bad += 1
            continue
        if "đ" in low[1:]:
            bad += 1
            continue
        base = "".join(_strip_tone(c) for c in low)
        if len(base) != len(low):
            bad += 1
            continue
        if base.startswith(("qu", "gi")) and len(base) > 2 and base[2] in _VOWEL_BASES:
            base, low = base[2:], low[2:]
        if _bad_rhyme(low, base):
            bad += 1
    return bad


def plausibility(text: str) -> int:
    """Score how implausible a decoded text is as Vietnamese (0 = plausible).

    :func:`badness` plus the words :func:`_implausible_words` rejects.

    Parameters
    ----------
    text
        NFC text.

    Returns
    -------
    int
        The number of implausible characters, syllables and words.
    """
    if text.isascii():
        return 0
    return badness(text) + _implausible_words(text)


@dataclass(frozen=True)
class Detection:
    """The outcome of :func:`detect_encoding`.

    Parameters
    ----------
    encoding
        The best encoding.
    badness
        Implausibility of the samples decoded with it (0 = clean).
    margin
        How much less plausible the runner-up is (``None`` when no other
        encoding gives a different text: nothing to choose).
    alternatives
        Encoding -> the first sample where it reads differently, decoded
        with it (the best encoding first), for messages.
    implausible
        The samples that still do not read as Vietnamese with the best
        legacy encoding, decoded with it.
    checked
        How many non-ASCII samples a legacy encoding was chosen on (0 for
        UTF-8 and ASCII: nothing to doubt).
    """

    encoding: str
    badness: int
    margin: int | None = None
    alternatives: dict[str, str] = field(default_factory=dict)
    implausible: tuple[str, ...] = ()
    checked: int = 0

    @property
    def ambiguous(self) -> bool:
        """Another encoding reads the text differently and just as plausibly."""
        return self.margin == 0

    @property
    def weak(self) -> bool:
        """The choice rests on a single implausible word of the runner-up."""
        return self.margin == 1

    @property
    def unreadable(self) -> bool:
        """No supported encoding reads the text: a third or more of it is implausible.

        Names in an encoding geoplan decodes read as Vietnamese (none of the
        441 accented demo names is implausible); VNI for DOS or another
        unsupported layout leaves most of them implausible under every
        reading.
        """
        return self.checked > 0 and 3 * len(self.implausible) >= self.checked


def detect_encoding(samples: list[bytes]) -> Detection:
    """Guess the encoding of a set of byte strings, with how sure the guess is.

    UTF-8 wins whenever every sample decodes as UTF-8; otherwise the legacy
    encoding whose decoding is the most plausible Vietnamese wins (see
    :func:`plausibility`; ties go to Windows-1258, then TCVN3, then VNI). The
    margin over the runner-up tells a clear choice from a weak or ambiguous
    one (as on a one-row file whose names read plausibly in two encodings).

    Parameters
    ----------
    samples
        Byte strings (the distinct values of the text columns).

    Returns
    -------
    Detection
        Encoding, badness, margin and example readings.
    """
    non_ascii = [s for s in samples if not s.isascii()]
    if not non_ascii:
        return Detection("utf-8", 0)
    try:
        decoded = [_decode_utf8(s) for s in non_ascii]
    except UnicodeDecodeError:
        pass
    else:
        return Detection("utf-8", sum(badness(t) for t in decoded))
    texts = {name: [fn(s) for s in non_ascii] for name, fn in LEGACY_ENCODINGS.items()}
    scores = {name: sum(plausibility(t) for t in ts) for name, ts in texts.items()}
    best = min(scores, key=lambda k: scores[k])
    odd = tuple(t for t in texts[best] if plausibility(t))
    rivals = [k for k in scores if k != best and texts[k] != texts[best]]
    if not rivals:
        return Detection(best, scores[best], implausible=odd, checked=len(non_ascii))
    runner = min(rivals, key=lambda k: scores[k])
    pairs = zip(texts[best], texts[runner], strict=True)
    first = next(i for i, (a, b) in enumerate(pairs) if a != b)
    alternatives = {best: texts[best][first]}
    alternatives.update({k: texts[k][first] for k in rivals})
    return Detection(
        best,
        scores[best],
        scores[runner] - scores[best],
        alternatives,
        implausible=odd,
        checked=len(non_ascii),
    )


# ASCII positions that ISO 646 national variants give to letters. VNI for DOS "does not use
# separate characters for diacritics, instead replacing certain ASCII punctuation characters
# with tone-marked uppercase letters (compare ISO 646)" (English Wikipedia, "VNI", section
# "VNI Encoding for DOS"). No chart says which letter sits where (docs/io.md lists where we
# looked), so this only recognises the pattern: no Vietnamese name has one inside a word.
ISO646_NATIONAL = "#$@[\\]^`{|}~"
_ISO646_RUN = re.compile(r"(?:[^\W\d_]|[#$@\[\\\]^`{|}~])+")
_MAIL_OR_URL = re.compile(r"\S@\S+\.\w|://")


def iso646_words(values: Iterable[str]) -> list[str]:
    """Return the distinct words of ``values`` with ISO 646 national punctuation inside.

    A word is a run of letters and the characters of :data:`ISO646_NATIONAL`
    holding at least one of each (``"H@"``, ``"$K"``, ``"K{N"``); one that
    ends on the punctuation before a digit (``"Thôn#2"``) or starts on it
    after one is a number sign, not a letter. E-mail addresses and URLs are
    skipped.

    Parameters
    ----------
    values
        Decoded text values.

    Returns
    -------
    list of str
        The words, in the order first seen.
    """
    found: dict[str, None] = {}
    for value in values:
        if not any(c in ISO646_NATIONAL for c in value) or _MAIL_OR_URL.search(value):
            continue
        for m in _ISO646_RUN.finditer(value):
            word, start, end = m.group(0), m.start(), m.end()
            if not any(c in ISO646_NATIONAL for c in word) or not any(c.isalpha() for c in word):
                continue
            digit_after = end < len(value) and value[end].isdigit()
            digit_before = start > 0 and value[start - 1].isdigit()
            if (digit_after and word[-1] in ISO646_NATIONAL) or (
                digit_before and word[0] in ISO646_NATIONAL
            ):
                continue
            found.setdefault(word, None)
    return list(found)


def encoding_issues(
    detection: Detection,
    punctuated: list[str],
    *,
    values: int,
    file: str,
    layer: str | None,
    where: tuple[int, str] | None = None,
) -> list[Issue]:
    """Say when a detected encoding is doubtful, unsupported or rests on weak evidence.

    Parameters
    ----------
    detection
        The outcome of :func:`detect_encoding`.
    punctuated
        The distinct decoded text values holding ISO 646 punctuation inside
        a word (see :func:`iso646_words`); when they are a third or more of
        the ``values`` checked the file is refused, otherwise warned about.
    values
        How many distinct text values were checked.
    file, layer
        Where the text comes from, for the issues.
    where
        Row and field of the first punctuated value, for its issue.

    Returns
    -------
    list of Issue
        ``encoding-unsupported`` (error), ``encoding-ambiguous`` (error),
        ``encoding-suspect`` or ``encoding-uncertain`` (warnings), or nothing.
    """
    ask = f"state `encoding:` ({SUPPORTED_ENCODINGS}) in the scenario"
    dos = (
        "geoplan does not decode VNI for DOS (nor VISCII, VPS): save such a file as Unicode "
        f"in the program that wrote it, or, if it is in a supported encoding, {ask}"
    )
    words = ", ".join(repr(w) for w in iso646_words(punctuated)[:5])
    if detection.unreadable:
        shown = "; ".join(repr(t) for t in detection.implausible[:3])
        extra = f"; ASCII punctuation inside words: {words}" if punctuated else ""
        msg = (
            f"no supported encoding reads the names as Vietnamese: {len(detection.implausible)} "
            f"of {detection.checked} still read oddly with the best, {detection.encoding} "
            f"({shown}){extra}; the file may be in VNI for DOS or another encoding; {dos}"
        )
        return [Issue("error", msg, file=file, layer=layer, code="encoding-unsupported")]
    readings = "; ".join(f"{k}: {v!r}" for k, v in detection.alternatives.items())
    if detection.ambiguous:
        msg = (
            f"cannot tell the text encoding: the names read just as plausibly as {readings}; {ask}"
        )
        return [Issue("error", msg, file=file, layer=layer, code="encoding-ambiguous")]
    if punctuated:
        msg = (
            f"ASCII punctuation inside words ({words}) is how VNI for DOS writes capitals "
            f"with tone marks; {dos}"
        )
        row, col = where if where else (None, None)
        refused = 3 * len(punctuated) >= max(values, 1)
        return [
            Issue(
                "error" if refused else "warning",
                msg,
                file=file,
                layer=layer,
                row=row,
                field=col,
                code="encoding-unsupported" if refused else "encoding-suspect",
            )
        ]
    if detection.badness:
        msg = (
            f"the text encoding is uncertain (best guess {detection.encoding}, yet some names "
            f"do not read as Vietnamese); check the names and {ask}"
        )
        return [Issue("warning", msg, file=file, layer=layer, code="encoding-uncertain")]
    if detection.weak:
        msg = (
            f"text encoding {detection.encoding} chosen on little evidence (one name tells "
            f"the encodings apart: {readings}); check the names and {ask}"
        )
        return [Issue("warning", msg, file=file, layer=layer, code="encoding-uncertain")]
    return []
