"""Place names: the one way geoplan matches a name to another.

A name is split into its **unit word** (*xã*, *phường*, *thị trấn*, *thôn*,
*tổ dân phố*, *huyện*...) and its **core**. The core key ignores case,
accents, spacing, apostrophes and Đ/Ð/D variants, and folds the spelling
variants of :data:`SPELLING_VARIANTS`; the unit word is kept beside it, so
that "Xã Đăk Blà" and "Phường Đăk Bla" stay two places. Words that are part
of names (*Plei*, *Buôn*, *Kon*, *Đăk*, *Ia*...) are never stripped; *làng*
is both a unit word and the first word of some names, so it is tried both
ways (see :class:`NameMatcher`).

Public entry points, for every stage that compares names:

* :func:`name_key` — the core key (``"Thị trấn PLEI KẦN"`` -> ``"pleikan"``);
* :func:`parse_name` — unit word, core key and accented form;
* :func:`search_key` — an accent- and apostrophe-blind key with spaces kept,
  for substring search in maps (``"Ia H'Drai"`` -> ``"ia hdrai"``);
* :class:`NameMatcher` — candidates of a name among reference names, with the
  tie-breaks; more than one candidate is an ambiguity the caller reports.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "SPELLING_VARIANTS",
    "UNIT_WORDS",
    "NameKey",
    "NameMatcher",
    "name_key",
    "parse_name",
    "search_key",
]

_D_VARIANTS = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ɖ": "D", "ɖ": "d"})
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`´ʼ](?=\w)")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

#: Unit words (accent-blind, as word sequences) -> canonical unit. Longest first.
UNIT_WORDS: dict[str, str] = {
    "to dan pho": "to_dan_pho",
    "thi tran": "thi_tran",
    "thanh pho": "thanh_pho",
    "thi xa": "thi_xa",
    "khu pho": "khu_pho",
    "phuong": "phuong",
    "huyen": "huyen",
    "tinh": "tinh",
    "thon": "thon",
    "xa": "xa",
    "tdp": "to_dan_pho",
    "tt": "thi_tran",
    "tp": "thanh_pho",
    "tx": "thi_xa",
}
# "làng" is a unit word in "làng Kon Gu" and the first word of the name "Làng Le"
_OPTIONAL_UNIT = "lang"

#: Spelling variants of the same place, as accent-blind word sequences; the left
#: spelling is folded onto the right one. Variants that differ only by accents
#: (Đắk/Đăk/Dak, Rơ/Rờ, Tơ/Tờ), by spacing or apostrophes (H'Drai/HDrai/H Drai) or
#: by case already share a key and need no entry here.
SPELLING_VARIANTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("ngok",): ("ngoc",),  # Ngọk Tụ / Ngọc Tụ, Ngọk Réo / Ngọc Réo
    ("buk",): ("but",),  # Măng Búk / Măng Bút
    ("po", "y"): ("bo", "y"),  # Pờ Y / Bờ Y
    ("pley",): ("plei",),  # Pley Kần / Plei Kần
    ("dac",): ("dak",),  # Đắc / Đắk (an old spelling of the Bahnar-Sedang "water")
}
_MAX_VARIANT = max(len(k) for k in SPELLING_VARIANTS)


@dataclass(frozen=True)
class NameKey:
    """A parsed place name.

    Parameters
    ----------
    unit
        Canonical unit word (``"xa"``, ``"phuong"``, ``"thi_tran"``, ``"thon"``,
        ``"huyen"``...), or ``None`` when the name has none.
    core
        The matching key of the name without its unit word.
    loose
        ``core`` without a leading *làng* (``None`` when the name does not
        start with *làng*).
    exact
        The name without its unit word, lower case with its accents (NFC,
        single spaces): the last tie-break.
    """

    unit: str | None
    core: str
    loose: str | None
    exact: str


def _is_blank(text: object) -> bool:
    return text is None or (isinstance(text, float) and math.isnan(text))


def _words(text: str) -> tuple[list[str], list[str]]:
    """Return (accent-blind words, accented lower-case words) of a name."""
    s = unicodedata.normalize("NFC", text).strip()
    s = _APOSTROPHES.sub("", s)  # H'Drai -> HDrai
    accented = [w for w in re.split(r"[^\w]+", s.lower()) if w]
    blind = []
    for w in accented:
        b = unicodedata.normalize("NFKD", w.translate(_D_VARIANTS))
        b = "".join(c for c in b if not unicodedata.combining(c))
        blind.append(_NON_ALNUM.sub("", b))
    keep = [i for i, b in enumerate(blind) if b]
    return [blind[i] for i in keep], [accented[i] for i in keep]


def _fold_variants(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_MAX_VARIANT, len(words) - i), 0, -1):
            repl = SPELLING_VARIANTS.get(tuple(words[i : i + n]))
            if repl is not None:
                out.extend(repl)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _split_unit(words: list[str]) -> tuple[str | None, int]:
    """Return the unit word at the start of ``words`` and how many words it takes."""
    for n in (3, 2, 1):
        if len(words) > n and " ".join(words[:n]) in UNIT_WORDS:
            return UNIT_WORDS[" ".join(words[:n])], n
    return None, 0


def parse_name(text: object) -> NameKey:
    """Split a place name into its unit word and matching keys.

    Parameters
    ----------
    text
        The name (``None``/NaN give empty keys).

    Returns
    -------
    NameKey
        Unit word, core key, core without a leading *làng*, and accented form.

    Examples
    --------
    >>> parse_name("Thị trấn PLEI KẦN").core == parse_name("Plei Kần").core
    True
    >>> parse_name("Xã Đăk Blà").unit, parse_name("Phường Đăk Bla").unit
    ('xa', 'phuong')
    """
    if _is_blank(text):
        return NameKey(None, "", None, "")
    blind, accented = _words(str(text))
    unit, n = _split_unit(blind)
    blind, accented = blind[n:], accented[n:]
    core = "".join(_fold_variants(blind))
    loose = None
    if len(blind) > 1 and blind[0] == _OPTIONAL_UNIT:
        loose = "".join(_fold_variants(blind[1:]))
    return NameKey(unit, core, loose, " ".join(accented))


def name_key(text: object) -> str:
    """Return the key two spellings of the same place share.

    Case, accents, spacing, apostrophes, Đ/Ð/D variants, a leading unit word
    (*xã*, *phường*, *thị trấn*, *thôn*, *huyện*...) and the spelling variants
    of :data:`SPELLING_VARIANTS` are ignored; *Plei*, *Buôn*, *Kon*, *Làng*
    are kept.

    Parameters
    ----------
    text
        The name.

    Returns
    -------
    str
        The key (``""`` for blanks).

    Examples
    --------
    >>> name_key("Thị trấn PLEI KẦN"), name_key("Ia H'Drai"), name_key("Ngọk Tụ")
    ('pleikan', 'iahdrai', 'ngoctu')
    """
    return parse_name(text).core


def search_key(text: object) -> str:
    """Return an accent- and apostrophe-blind search key that keeps word breaks.

    Meant for substring search (a map's search box): ``search_key(query) in
    search_key(name)``. Unit words are kept so that "xa dak" finds "Xã Đắk
    Hà"; spelling variants are folded as in :func:`name_key`.

    Parameters
    ----------
    text
        The name or the typed query.

    Returns
    -------
    str
        Lower-case ASCII words joined by single spaces.

    Examples
    --------
    >>> search_key("Ia H'Drai"), search_key("ĐẮK  Glei")
    ('ia hdrai', 'dak glei')
    """
    if _is_blank(text):
        return ""
    blind, _ = _words(str(text))
    words: list[str] = []
    for w in _fold_variants(blind):
        if words and len(words[-1]) == 1 and words[-1] not in "aeiouy":
            words[-1] += w  # "H Drai" -> "hdrai", as "H'Drai" and "HDrai"
        else:
            words.append(w)
    return " ".join(words)


class NameMatcher:
    """Find the reference names a name may designate.

    Parameters
    ----------
    names
        Reference label -> name (e.g. a layer's row index -> commune name).
    units
        Reference label -> unit type (``"xa"``, ``"phuong"``, ``"thi_tran"``...,
        the values of :data:`UNIT_WORDS`), for names whose unit word is kept in
        another column; a unit word in the name itself wins.

    Notes
    -----
    :meth:`candidates` tries, in order: the same core key; then the core
    without a leading *làng* on either side. Among several candidates it keeps
    those with the same unit word as the query (when it has one), then those
    with the same accented spelling. What remains is returned: one label is a
    match, several are an ambiguity to report with their names.
    """

    def __init__(
        self, names: Mapping[Hashable, object], units: Mapping[Hashable, str] | None = None
    ) -> None:
        self.keys: dict[Hashable, NameKey] = {}
        for label, name in names.items():
            key = parse_name(name)
            if key.unit is None and units is not None and units.get(label):
                key = NameKey(units[label], key.core, key.loose, key.exact)
            self.keys[label] = key
        self.names = dict(names)
        self._by_core: dict[str, list[Hashable]] = {}
        self._by_loose: dict[str, list[Hashable]] = {}
        for label, key in self.keys.items():
            if key.core:
                self._by_core.setdefault(key.core, []).append(label)
            if key.loose:
                self._by_loose.setdefault(key.loose, []).append(label)

    def candidates(self, name: object, among: Iterable[Hashable] | None = None) -> list[Hashable]:
        """Return the labels of the reference names ``name`` may designate.

        Parameters
        ----------
        name
            The name to look up.
        among
            Only consider these labels (e.g. the communes of one district).

        Returns
        -------
        list
            Labels in reference order; empty when nothing matches.
        """
        q = parse_name(name)
        if not q.core:
            return []
        allowed = None if among is None else set(among)

        def pick(labels: list[Hashable]) -> list[Hashable]:
            return labels if allowed is None else [x for x in labels if x in allowed]

        found = pick(self._by_core.get(q.core, []))
        if not found and q.loose:
            found = pick(self._by_core.get(q.loose, []))
        if not found:
            found = pick(self._by_loose.get(q.core, []))
        if len(found) > 1 and q.unit is not None:
            same_unit = [x for x in found if self.keys[x].unit == q.unit]
            found = same_unit or found
        if len(found) > 1:
            same_spelling = [x for x in found if self.keys[x].exact == q.exact]
            found = same_spelling or found
        return found
