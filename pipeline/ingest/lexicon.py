"""Loaders for the ingest stage's knowledge files in ``pipeline/resources/``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.store import read_yaml_mapping

PATTERNS_FILE = "ingest_patterns.yaml"
RELEVANCE_FILE = "relevance_lexicon.yaml"


def _compile(path: str, key: str, pattern: object) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        raise ResourceError(f"{path}: bad pattern in {key!r}: {exc}", hint="fix the regex") from exc


@dataclass(frozen=True)
class IngestPatterns:
    """Line patterns from ``ingest_patterns.yaml`` (see the file for what each one means)."""

    noise_lines: tuple[re.Pattern[str], ...]
    line_prefix: re.Pattern[str]
    continuation_prefix: re.Pattern[str]
    continued_suffix: re.Pattern[str]
    dateline: re.Pattern[str]
    closing_credit: re.Pattern[str]
    closing_date: re.Pattern[str]
    byline: re.Pattern[str]
    section_marker: re.Pattern[str]
    published: re.Pattern[str]

    def is_noise(self, line: str) -> bool:
        return any(p.fullmatch(line) for p in self.noise_lines)


@lru_cache(maxsize=1)
def ingest_patterns() -> IngestPatterns:
    data = read_yaml_mapping(RESOURCES_DIR / PATTERNS_FILE)
    try:
        prefixes = "|".join(f"(?:{p})" for p in data["line_prefixes"])
        return IngestPatterns(
            noise_lines=tuple(_compile(PATTERNS_FILE, "noise_lines", p) for p in data["noise_lines"]),
            line_prefix=_compile(PATTERNS_FILE, "line_prefixes", f"^(?:{prefixes})"),
            continuation_prefix=_compile(
                PATTERNS_FILE, "continuation_prefix", "^" + data["continuation_prefix"]
            ),
            continued_suffix=_compile(PATTERNS_FILE, "continued_suffix", data["continued_suffix"] + "$"),
            dateline=_compile(PATTERNS_FILE, "dateline", data["dateline"]),
            closing_credit=_compile(PATTERNS_FILE, "closing_credit", data["closing_credit"]),
            closing_date=_compile(PATTERNS_FILE, "closing_date", data["closing_date"]),
            byline=_compile(PATTERNS_FILE, "byline", data["byline"]),
            section_marker=_compile(PATTERNS_FILE, "section_marker", data["section_marker"]),
            published=_compile(PATTERNS_FILE, "published", data["published"]),
        )
    except KeyError as exc:
        raise ResourceError(f"{PATTERNS_FILE} lacks the key {exc}", hint="restore the key") from exc


@dataclass(frozen=True)
class RelevanceLexicon:
    """Weighted health and policy vocabulary from ``relevance_lexicon.yaml``."""

    health: dict[str, float]
    policy: dict[str, float]
    policy_saturation: float
    policy_floor: float
    variety_saturation: float
    scale: float
    threshold: float


@lru_cache(maxsize=1)
def relevance_lexicon() -> RelevanceLexicon:
    data = read_yaml_mapping(RESOURCES_DIR / RELEVANCE_FILE)
    try:
        return RelevanceLexicon(
            health={str(k): float(v) for k, v in data["health"].items()},
            policy={str(k): float(v) for k, v in data["policy"].items()},
            policy_saturation=float(data["policy_saturation"]),
            policy_floor=float(data["policy_floor"]),
            variety_saturation=float(data["variety_saturation"]),
            scale=float(data["scale"]),
            threshold=float(data["threshold"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ResourceError(f"{RELEVANCE_FILE} is malformed: {exc}", hint="fix the file") from exc
