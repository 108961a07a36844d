"""Is an article a health-policy text? A density rule over the vocabulary of health and policy.

``health`` = weighted count of health terms per 100 characters; ``policy`` likewise for policy
terms. The score is ``1 - exp(-health * factor * variety / scale)`` with ``factor = max(floor,
min(1, policy / saturation))`` and ``variety = min(1, distinct health terms / variety_saturation)``:
a text must talk about health often and in many words (a diplomacy feature or a skills-training
news item that names 卫生健康 once or twice scores low) and in policy language.
Weights, scale and threshold are in ``pipeline/resources/relevance_lexicon.yaml``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from pipeline.ingest.lexicon import relevance_lexicon


@lru_cache(maxsize=1)
def _term_patterns() -> tuple[re.Pattern[str], dict[str, float], re.Pattern[str], dict[str, float]]:
    lexicon = relevance_lexicon()

    def alternation(terms: dict[str, float]) -> re.Pattern[str]:
        ordered = sorted(terms, key=lambda t: (-len(t), t))  # longest first: 公共卫生 before 卫生
        return re.compile("|".join(re.escape(t) for t in ordered))

    return alternation(lexicon.health), lexicon.health, alternation(lexicon.policy), lexicon.policy


def _density(text: str, pattern: re.Pattern[str], weights: dict[str, float]) -> tuple[float, int]:
    """Weighted hits per 100 characters, and the number of distinct terms hit."""
    terms = [m.group(0) for m in pattern.finditer(text)]
    return 100.0 * sum(weights[t] for t in terms) / max(len(text), 1), len(set(terms))


def relevance_score(text: str) -> float:
    """A score in [0, 1]; higher means more clearly a health-policy text.

    >>> relevance_score("健全公共卫生体系，完善医疗服务，推进分级诊疗。") > 0.9
    True
    >>> relevance_score("中国队在比赛中获得金牌。")
    0.0
    """
    lexicon = relevance_lexicon()
    health_re, health_w, policy_re, policy_w = _term_patterns()
    health, distinct = _density(text, health_re, health_w)
    policy, _ = _density(text, policy_re, policy_w)
    factor = max(lexicon.policy_floor, min(1.0, policy / lexicon.policy_saturation))
    variety = min(1.0, distinct / lexicon.variety_saturation)
    return round(1.0 - math.exp(-health * factor * variety / lexicon.scale), 4)


def is_relevant(score: float) -> bool:
    return score >= relevance_lexicon().threshold
