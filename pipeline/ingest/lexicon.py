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
    any_noise_line: re.Pattern[str] | None  # the noise lines as one alternation, when they combine
    line_prefix: re.Pattern[str]
    continuation_prefix: re.Pattern[str]
    continued_suffix: re.Pattern[str]
    dateline: re.Pattern[str]
    closing_credit: re.Pattern[str]
    closing_date: re.Pattern[str]
    byline: re.Pattern[str]
    section_marker: re.Pattern[str]
    published: re.Pattern[str]
    field_label: re.Pattern[str]
    title_end: re.Pattern[str]

    def is_noise(self, line: str) -> bool:
        """Whether ``line`` fully matches one of the noise-line patterns."""
        if self.any_noise_line is not None:
            return self.any_noise_line.fullmatch(line) is not None
        return any(p.fullmatch(line) for p in self.noise_lines)


_BACKREFERENCE = re.compile(r"\\\d|\(\?P=")


def _joinable(pattern: re.Pattern[str]) -> bool:
    """No global flags, group names or back-references, which an alternation would change."""
    local = not (pattern.flags & ~re.UNICODE) and not pattern.groupindex
    return local and not _BACKREFERENCE.search(pattern.pattern)


def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One pattern that fully matches a line exactly when one of ``patterns`` does, if possible.

    One regex pass over a line is several times faster than one per pattern. Patterns with
    inline global flags or group names or back-references cannot be joined; then None.

    >>> _alternation((re.compile("ab"), re.compile("c+"))).pattern
    '(?:ab)|(?:c+)'
    >>> _alternation((re.compile("(?i)ab"), re.compile("c"))) is None
    True
    """
    if not all(_joinable(p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except re.error:
        return None


@lru_cache(maxsize=1)
def ingest_patterns() -> IngestPatterns:
    data = read_yaml_mapping(RESOURCES_DIR / PATTERNS_FILE)
    try:
        prefixes = "|".join(f"(?:{p})" for p in data["line_prefixes"])
        noise_lines = tuple(_compile(PATTERNS_FILE, "noise_lines", p) for p in data["noise_lines"])
        return IngestPatterns(
            noise_lines=noise_lines,
            any_noise_line=_alternation(noise_lines),
            line_prefix=_compile(PATTERNS_FILE, "line_prefixes", f"^(?:{prefixes})"),
            field_label=_compile(
                PATTERNS_FILE, "field_label", r"\s*(?:" + data["field_label"] + r")\s*[:：]"
            ),
            title_end=_compile(
                PATTERNS_FILE, "title_end", "(?:" + data["title_end"] + r")(?:\([^()]{1,20}\))?$"
            ),
            continuation_prefix=_compile(
                PATTERNS_FILE, "continuation_prefix", "^" + data["continuation_prefix"]
            ),
            continued_suffix=_compile(
                PATTERNS_FILE, "continued_suffix", data["continued_suffix"] + "$"
            ),
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
