"""Plain-language reasons in English and Vietnamese.

Sentences are built from the largest contributions to a village's score and
its actual values, e.g. "Ranked 3rd of 214 for resettlement (class 1): 46
households in a very-high landslide zone (41% of the score), inside Khu bảo
tồn thiên nhiên Ngọc Linh (22%)".  Vietnamese text is NFC-normalised and uses
Vietnamese number formatting (``1.234``, ``0,25``).  The sentence frames are the
``reasons`` group of the label catalogue (``geoplan/labels.yaml``); each
criterion's own phrase stays with it in ``geoplan/scoring/criteria.yaml``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from geoplan.i18n import Lang, label, tr
from geoplan.scoring.catalogue import Criterion

__all__ = [
    "REASON_ITEMS",
    "REASON_MIN_SHARE",
    "ReasonWriter",
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


def _lang(lang: str) -> Lang:
    # the sentences are Vietnamese for "vi" and English for anything else
    return "vi" if lang == "vi" else "en"


class ReasonWriter:
    """Writes the reasons of ranked villages of one track in one language.

    The sentence frames and each criterion's phrase are looked up once per track, not
    once per village (a national run writes hundreds of thousands of reasons).

    Parameters
    ----------
    lang
        ``"en"`` or ``"vi"``.
    track_title
        Track name as it should appear in the sentence (in ``lang``).
    """

    def __init__(self, lang: str, track_title: str) -> None:
        self.lang = lang
        self.words = _lang(lang)
        self.track_title = track_title
        self._frames = {
            key: tr(key, self.words, "reasons")
            for key in ("largest_share", "ranked_head", "score", "no_criterion", "forest_fallback")
        }
        self._phrases: dict[str, str] = {}

    def _phrase(self, criterion: Criterion, value: float, forest: str) -> str:
        template = self._phrases.get(criterion.id)
        if template is None:
            vi = self.lang == "vi"
            template = (criterion.reason_vi if vi else criterion.reason_en) or (
                (criterion.label_vi if vi else criterion.label_en) + ": {v}"
            )
            self._phrases[criterion.id] = template
        return template.format(
            v=format_value(value, criterion.kind, lang=self.lang),
            forest=forest or self._frames["forest_fallback"],
        )

    def ranked(
        self,
        *,
        rank: int,
        n_ranked: int,
        klass: int,
        contributions: Sequence[tuple[Criterion, float, float]],
        forest: str = "",
        max_items: int = REASON_ITEMS,
        score: float = 0.0,
    ) -> str:
        """Return the reason of a ranked village (parameters as :func:`ranked_reason`)."""
        items = sorted(
            (c for c in contributions if c[2] > REASON_MIN_SHARE), key=lambda c: (-c[2], c[0].id)
        )[:max_items]
        frames = self._frames
        parts = []
        for k, (crit, value, share) in enumerate(items):
            phrase = self._phrase(crit, value, forest)
            pct = f"{share * 100:.0f}%"
            if k == 0:
                parts.append(frames["largest_share"].format(phrase=phrase, pct=pct))
            else:
                parts.append(f"{phrase} ({pct})")
        shown_rank = str(rank) if self.words == "vi" else ordinal_en(rank)
        head = frames["ranked_head"].format(
            rank=shown_rank, n_ranked=n_ranked, track=self.track_title, klass=klass
        )
        if parts:
            body = ", ".join(parts)
        else:
            shown = _weight(score, self.words) if score > 0.005 else "0"
            body = frames["no_criterion"].format(score=frames["score"].format(score=shown))
        return nfc(f"{head}: {body}.")


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
    return ReasonWriter(lang, track_title).ranked(
        rank=rank, n_ranked=n_ranked, klass=klass, contributions=contributions,
        forest=forest, max_items=max_items, score=score,
    )  # fmt: skip


def ineligible_reason(*, track_title: str, failures: Sequence[str], lang: str) -> str:
    """Return the reason of a village that is not ranked in a track."""
    head = label("not_ranked", _lang(lang), "reasons", track=track_title)
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
    words = _lang(lang)
    if criterion is None:
        sentence = label("stays_top", words, "reasons", top_n=top_n)
    else:
        sentence = label(
            "leaves_top",
            words,
            "reasons",
            top_n=top_n,
            criterion=criterion.label_vi if words == "vi" else criterion.label_en,
            verb=tr("weight_below" if direction == "below" else "weight_above", words, "reasons"),
            weight=_weight(threshold, words),
        )
    # the English sentences were never normalised (their criterion labels are as written)
    return nfc(sentence) if words == "vi" else sentence
