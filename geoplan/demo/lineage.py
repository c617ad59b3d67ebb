"""The real 1 July 2025 merger: match each 2025 unit's ``before_merger`` names to GSO codes.

The merger portal writes member names in its own spelling ("Ngọk", "Đăk", "Pờ Y",
"Măng Bút", "Đăk Plô"), sometimes without the unit type ("Phường Trần Hưng Đạo
(thành phố Kon Tum), Lê Lợi, Nguyễn Trãi"), sometimes with the old district in
brackets, and names repeat across former districts (two Đăk Long, a town and a
commune called Đăk Hà). :func:`match_lineage` resolves every name to exactly one
2022 commune of ``vietnam-provinces`` and raises on anything it cannot resolve.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from geoplan.io.text import normalize_name

__all__ = ["LineageError", "fold", "match_lineage", "parse_members"]

NOT_MERGED = "Không sáp nhập"

#: Spelling variants (after :func:`fold`): portal spelling -> GSO spelling.
WORD_VARIANTS = {"ngok": "ngoc", "buk": "but", "po": "bo", "plo": "blo"}

_TYPES = (("thi tran ", "thi_tran"), ("phuong ", "phuong"), ("xa ", "xa"))


class LineageError(ValueError):
    """A lineage name matches no 2022 commune, or more than one."""


def fold(text: str) -> str:
    """Return a comparison key: no diacritics, lower case, spelling variants unified.

    Parameters
    ----------
    text
        A Vietnamese place name, e.g. ``"Xã Ngọk Réo"``.

    Returns
    -------
    str
        For example ``"xa ngoc reo"`` (:func:`geoplan.io.text.normalize_name`, then the
        portal's spelling variants).
    """
    words = re.sub(r"[^a-z0-9]+", " ", normalize_name(text, compact=False)).split()
    return " ".join(WORD_VARIANTS.get(w, w) for w in words)


@dataclass(frozen=True)
class Member:
    """One name of a ``before_merger`` list."""

    text: str  # as written
    name: str  # folded bare name
    kind: str | None  # xa / phuong / thi_tran, None when not written
    district: str | None  # folded district qualifier, None when not written


def parse_members(before_merger: str, unit_name: str) -> list[Member]:
    """Split a ``before_merger`` text into its members.

    Parameters
    ----------
    before_merger
        For example ``"Xã Đăk Long (thuộc huyện Đăk Hà), Xã Đăk Pxi"``;
        ``"Không sáp nhập"`` means the unit kept its 2022 extent.
    unit_name
        The 2025 unit's name (the only member when not merged).

    Returns
    -------
    list of Member
        A member without a written type inherits the type of the member before it.
    """
    text = unicodedata.normalize("NFC", before_merger).strip()
    if text == NOT_MERGED:
        return [Member(unit_name, fold(unit_name), "xa", None)]
    out: list[Member] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        district = None
        bracket = re.search(r"\(([^)]*)\)", item)
        if bracket:
            qual = fold(bracket.group(1))
            for prefix in ("thuoc huyen ", "thuoc thanh pho ", "huyen ", "thanh pho "):
                if qual.startswith(prefix):
                    qual = qual[len(prefix) :]
                    break
            district = qual
            item = item[: bracket.start()].strip()
        key = fold(item)
        kind = None
        for prefix, k in _TYPES:
            if key.startswith(prefix):
                kind, key = k, key[len(prefix) :]
                break
        if kind is None and out:
            kind = out[-1].kind
        out.append(Member(item, key, kind, district))
    return out


def match_lineage(units: pd.DataFrame, divisions: pd.DataFrame) -> pd.DataFrame:
    """Match every 2025 unit's members to the 2022 communes.

    Parameters
    ----------
    units
        The 2025 units: ``commune_code_2025``, ``commune_name_2025``, ``before_merger``.
    divisions
        The 2022 communes (:func:`geoplan.demo.admin.load_divisions`).

    Returns
    -------
    pandas.DataFrame
        One row per 2022 commune: ``commune_code``, ``commune_code_2025``,
        ``lineage_name`` (as the portal wrote it), in the order of ``divisions``.

    Raises
    ------
    LineageError
        If a name matches no 2022 commune, stays ambiguous, is claimed twice,
        or a 2022 commune is left in no 2025 unit.
    """
    div = divisions.assign(
        _name=divisions["commune_name"].map(fold), _district=divisions["district_name"].map(fold)
    )
    pending: list[tuple[str, Member, list[int]]] = []
    problems: list[str] = []
    for code, name, lineage in zip(
        units["commune_code_2025"], units["commune_name_2025"], units["before_merger"], strict=True
    ):
        for m in parse_members(str(lineage), str(name)):
            hit = div["_name"] == m.name
            if m.kind is not None:
                hit &= div["commune_type"] == m.kind
            if m.district is not None:
                hit &= div["_district"] == m.district
            cand = [int(j) for j in div.index[hit]]
            if len(cand) == 0:
                problems.append(f"unit {code} {name}: member {m.text!r} matches no 2022 commune")
            pending.append((str(code), m, cand))
    # resolve ambiguous names: first by the district of the unit's other members,
    # then by the 2025 code (often the code of one member), then by elimination
    taken: dict[int, str] = {}
    for _ in range(3):
        for code, _m, cand in pending:
            if len(cand) == 1:
                taken.setdefault(cand[0], code)
        for i, (code, m, cand) in enumerate(pending):
            if len(cand) <= 1:
                continue
            sure = {div.at[j, "district_code"] for j, c in taken.items() if c == code}
            narrowed = [j for j in cand if div.at[j, "district_code"] in sure] or cand
            narrowed = [j for j in narrowed if j not in taken or taken[j] == code] or narrowed
            by_code = [j for j in narrowed if div.at[j, "commune_code"] == code]
            pending[i] = (code, m, by_code or narrowed)
    rows = []
    claimed: dict[int, str] = {}
    for code, m, cand in pending:
        if len(cand) > 1:
            names = ", ".join(
                f"{div.at[j, 'commune_code']!s} ({div.at[j, 'district_name']!s})" for j in cand
            )
            problems.append(f"unit {code}: member {m.text!r} is ambiguous: {names}")
            continue
        if not cand:
            continue
        j = cand[0]
        if j in claimed:
            problems.append(
                f"2022 commune {div.at[j, 'commune_code']!s} claimed by units "
                f"{claimed[j]} and {code}"
            )
        claimed[j] = code
        rows.append((j, str(div.at[j, "commune_code"]), code, m.text))
    left = [str(div.at[j, "commune_code"]) for j in div.index if j not in claimed]
    if left:
        problems.append(f"2022 communes in no 2025 unit: {', '.join(left)}")
    if problems:
        raise LineageError("lineage not matched:\n  " + "\n  ".join(problems))
    rows.sort()
    return pd.DataFrame(
        [r[1:] for r in rows], columns=["commune_code", "commune_code_2025", "lineage_name"]
    )
