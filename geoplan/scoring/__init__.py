"""Scoring: criteria catalogue, MCDA methods, priority tracks, reasons and stability.

Entry point of the pipeline stage: :func:`score_tracks`.  The numerical
building blocks (plain numpy in, numpy out) are re-exported here too.
See docs/scoring.md.
"""

from __future__ import annotations

from geoplan.config.scoring import ScoringConfig
from geoplan.scoring.ahp import ahp_details, ahp_weights, combine_judgements
from geoplan.scoring.catalogue import (
    Criterion,
    EligibilityRule,
    criteria_catalogue,
    eligibility_rules,
    get_criterion,
    get_rule,
)
from geoplan.scoring.compare import compare_scores
from geoplan.scoring.methods import (
    classify_scores,
    normalize,
    rank_with_ties,
    topsis,
    value_function,
    vikor,
    weighted_product,
    weighted_sum,
)
from geoplan.scoring.promethee import promethee_flows, promethee_ii
from geoplan.scoring.stability import MonteCarloResult, monte_carlo_ranks, score_many, weight_sweep
from geoplan.scoring.tracks import ScoringResult, score_tracks

__all__ = [
    "Criterion",
    "EligibilityRule",
    "MonteCarloResult",
    "ScoringConfig",
    "ScoringResult",
    "ahp_details",
    "ahp_weights",
    "classify_scores",
    "combine_judgements",
    "compare_scores",
    "criteria_catalogue",
    "eligibility_rules",
    "get_criterion",
    "get_rule",
    "monte_carlo_ranks",
    "normalize",
    "promethee_flows",
    "promethee_ii",
    "rank_with_ties",
    "score_many",
    "score_tracks",
    "topsis",
    "value_function",
    "vikor",
    "weight_sweep",
    "weighted_product",
    "weighted_sum",
]
