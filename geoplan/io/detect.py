"""Which legacy encoding a set of byte strings is in, and how sure that is.

Each candidate decoding (:data:`geoplan.io.text.LEGACY_ENCODINGS`) is scored
by :func:`plausibility`; the margin between the best and the runner-up tells
a clear choice from a weak or an ambiguous one, so that readers can say so
and ask for ``encoding:`` instead of guessing silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from geoplan.io.text import _TONES, LEGACY_ENCODINGS, _decode_utf8, badness

__all__ = ["Detection", "detect_encoding", "plausibility"]

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
    """

    encoding: str
    badness: int
    margin: int | None = None
    alternatives: dict[str, str] = field(default_factory=dict)

    @property
    def ambiguous(self) -> bool:
        """Another encoding reads the text differently and just as plausibly."""
        return self.margin == 0

    @property
    def weak(self) -> bool:
        """The choice rests on a single implausible word of the runner-up."""
        return self.margin == 1


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
    rivals = [k for k in scores if k != best and texts[k] != texts[best]]
    if not rivals:
        return Detection(best, scores[best])
    runner = min(rivals, key=lambda k: scores[k])
    pairs = zip(texts[best], texts[runner], strict=True)
    first = next(i for i, (a, b) in enumerate(pairs) if a != b)
    alternatives = {best: texts[best][first]}
    alternatives.update({k: texts[k][first] for k in rivals})
    return Detection(best, scores[best], scores[runner] - scores[best], alternatives)
