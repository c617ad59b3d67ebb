"""Plain-language reasons in English and Vietnamese.

Sentences are built from the largest contributions to a village's score and
its actual values, e.g. "Ranked 3rd of 214 for resettlement (class 1): 46
households in a very-high landslide zone (41% of the score), inside Khu bảo
tồn thiên nhiên Ngọc Linh (22%)".  Vietnamese text is NFC-normalised and uses
Vietnamese number formatting (``1.234``, ``0,25``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from geoplan.scoring.catalogue import Criterion

__all__ = [
    "REASON_ITEMS",
    "REASON_MIN_SHARE",
    "format_value",
    "ineligible_reason",
    "ordinal_en",
    "ranked_reason",
    "what_if_sentence",
]


#: How many criteria a reason names at most, and the smallest share of the score it names.
REASON_ITEMS = 3
REASON_MIN_SHARE = 0.005


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (how Vietnamese must be stored)."""
    return unicodedata.normalize("NFC", text)


def ordinal_en(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _vi_number(text: str) -> str:
    # swap separators: 1,234.5 -> 1.234,5
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_value(value: float, kind: str, *, lang: str) -> str:
    """Format a criterion value for a reason (counts, shares as %, numbers)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if kind == "share":
        text = f"{value * 100:.0f}%"
    elif kind == "count":
        text = f"{round(value):,}"
    elif abs(value) >= 10:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.1f}"
    return _vi_number(text) if lang == "vi" else text


def _weight(value: float, lang: str) -> str:
    text = f"{value:.2f}"
    return _vi_number(text) if lang == "vi" else text


def _phrase(criterion: Criterion, value: float, forest: str, *, lang: str) -> str:
    template = criterion.reason_vi if lang == "vi" else criterion.reason_en
    if not template:
        template = (criterion.label_vi if lang == "vi" else criterion.label_en) + ": {v}"
    if not forest:
        forest = (
            "rừng đặc dụng hoặc phòng hộ" if lang == "vi" else "special-use or protective forest"
        )
    return template.format(v=format_value(value, criterion.kind, lang=lang), forest=forest)


def ranked_reason(
    *,
    rank: int,
    n_ranked: int,
    klass: int,
    track_title: str,
    contributions: Sequence[tuple[Criterion, float, float]],
    forest: str = "",
    lang: str,
    max_items: int = REASON_ITEMS,
    score: float = 0.0,
) -> str:
    """Return the reason of a ranked village.

    Parameters
    ----------
    rank, n_ranked, klass
        Its rank, the number of ranked villages and its priority class.
    track_title
        Track name as it should appear in the sentence (in ``lang``).
    contributions
        ``(criterion, raw value, share of the score)`` for every criterion.
    forest
        Name of the forest the village is in (for forest criteria).
    lang
        ``"en"`` or ``"vi"``.
    max_items
        How many criteria to name (the largest shares).
    score
        Its score; named when no criterion has a share although the score is
        positive (VIKOR and PROMETHEE II score relative to the other villages).
    """
    items = sorted(
        (c for c in contributions if c[2] > REASON_MIN_SHARE), key=lambda c: (-c[2], c[0].id)
    )[:max_items]
    parts = []
    for k, (crit, value, share) in enumerate(items):
        pct = f"{share * 100:.0f}%"
        if lang == "vi":
            tail = f" ({pct} số điểm)" if k == 0 else f" ({pct})"
        else:
            tail = f" ({pct} of the score)" if k == 0 else f" ({pct})"
        parts.append(_phrase(crit, value, forest, lang=lang) + tail)
    if lang == "vi":
        head = f"Xếp thứ {rank}/{n_ranked} về {track_title} (nhóm ưu tiên {klass})"
        none = f"điểm {score:.2f}".replace(".", ",") if score > 0.005 else "điểm 0"
        body = ", ".join(parts) if parts else f"không tiêu chí nào làm tăng mức ưu tiên ({none})"
    else:
        head = f"Ranked {ordinal_en(rank)} of {n_ranked} for {track_title} (class {klass})"
        none = f"score {score:.2f}" if score > 0.005 else "score 0"
        body = ", ".join(parts) if parts else f"no criterion raises its priority ({none})"
    return nfc(f"{head}: {body}.")


def ineligible_reason(*, track_title: str, failures: Sequence[str], lang: str) -> str:
    """Return the reason of a village that is not ranked in a track."""
    head = f"Không xếp hạng về {track_title}" if lang == "vi" else f"Not ranked for {track_title}"
    return nfc(f"{head}: {'; '.join(failures)}.")


def what_if_sentence(
    *,
    criterion: Criterion | None,
    direction: str,
    threshold: float,
    top_n: int,
    lang: str,
) -> str:
    """Return the 'what would change it' sentence for a top-N village.

    Parameters
    ----------
    criterion
        The criterion whose weight change is smallest to leave the top N, or
        ``None`` when no single weight change does it.
    direction
        ``"below"`` (the weight falls below ``threshold``) or ``"above"``.
    threshold
        The weight at which the village leaves the top N.
    top_n
        N.
    lang
        ``"en"`` or ``"vi"``.
    """
    if criterion is None:
        if lang == "vi":
            return nfc(f"Vẫn trong nhóm {top_n} thôn đầu dù thay đổi riêng bất kỳ trọng số nào.")
        return f"Stays in the top {top_n} whatever single weight changes."
    if lang == "vi":
        verb = "giảm xuống dưới" if direction == "below" else "tăng lên trên"
        return nfc(
            f"Ra khỏi nhóm {top_n} thôn đầu nếu trọng số “{criterion.label_vi}” "
            f"{verb} {_weight(threshold, 'vi')}."
        )
    verb = "falls below" if direction == "below" else "rises above"
    return (
        f"Leaves the top {top_n} if the weight of “{criterion.label_en}” "
        f"{verb} {_weight(threshold, 'en')}."
    )
