"""The ``policykg_deadlines`` component: deadline expressions (到2025年, 2024年6月底前, 每年, 十四五末).

Also home of the small helpers the target and programme components share: the lexicon loader
and digit normalisation.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Deadline
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.extensions import DEADLINE, add_spans, doc_text, policykg_spans
from pipeline.store import read_yaml_mapping

log = logging.getLogger(__name__)

COMPARATORS_FILE = "comparators.yaml"

# Full-width digits and signs map one-to-one onto ASCII, so offsets survive the translation.
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．：～－", "0123456789%.:~-")
_HAS_FULLWIDTH = re.compile("[０-９％．：～－]")


@cache
def load_lexicon(name: str) -> dict[str, Any]:
    """Read one YAML lexicon of ``pipeline/resources`` (cached); raise ResourceError if unusable."""
    return read_yaml_mapping(RESOURCES_DIR / name)


def ascii_digits(text: str) -> str:
    """Map full-width digits and signs to ASCII, keeping every offset.

    >>> ascii_digits("到２０２５年达到９０％")
    '到2025年达到90%'
    """
    return text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text


def alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal words, longest first (so 及以上 wins over 以上).

    >>> alternation(["以上", "及以上"])
    '及以上|以上'
    """
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def first_chars(words: list[str] | tuple[str, ...]) -> str:
    """The first characters of ``words``, escaped for a regex character class.

    >>> first_chars(["以上", "及以上", "以下"])
    '以及'
    """
    return "".join(re.escape(w[0]) for w in sorted({w[0] for w in words if w}))


@dataclass(frozen=True, slots=True)
class DeadlineMatch:
    """One deadline expression found in a text: offsets, surface, normalised value and year."""

    start: int
    end: int
    text: str
    value: str | None
    year: int | None
    is_status: bool  # 截至2023年底: the date of a reported figure, not a deadline


class DeadlineLexicon:
    """Compiled deadline patterns built from ``comparators.yaml``."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        try:
            prefixes = list(lexicon["deadline_prefixes"])
            status = list(lexicon["status_prefixes"])
            annual = list(lexicon["annual_words"])
            self.periods = {str(k): int(v) for k, v in lexicon["plan_periods"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ResourceError(
                f"{COMPARATORS_FILE} lacks deadline keys ({exc})",
                hint="it needs deadline_prefixes, status_prefixes, annual_words, plan_periods",
            ) from exc
        self.status_prefixes = tuple(status)
        #: Words of a deadline column for work without an end date (长期坚持, 持续推进).
        self.open_words = frozenset(str(w) for w in lexicon.get("open_words") or ())
        # Each pattern opens with a lookahead on the characters a match can start with: without
        # it the engine tries the optional prefix words and the spaces at every character.
        self.year_pattern = re.compile(
            rf"(?=[{first_chars(status + prefixes)}12\s])"
            rf"(?P<prefix>{alternation(status + prefixes)})?\s*"
            r"(?P<year>(?:19|20)\d{2})\s*年"
            r"(?:\s*(?P<month>1[0-2]|0?[1-9])\s*月(?:\s*(?P<day>[0-3]?\d)\s*[日号])?)?"
            r"(?P<suffix>年?底前|年?末前|底|末|年底|年末|前|以前|之前|内|年内)?"
        )
        self.annual_pattern = re.compile(alternation(annual))
        self.period_pattern = re.compile(
            rf"(?=[{first_chars(list(self.periods))}“\"])"
            rf"[“\"]?(?P<period>{alternation(list(self.periods))})[”\"]?"
            r"(?P<suffix>期间|时期|末期|末|期末|规划期内|内)?"
        )

    def find(self, text: str, *, framed: bool = True) -> list[DeadlineMatch]:
        """Every deadline expression of ``text``, sorted by offset.

        In running text (``framed``) a year is a deadline only where the words frame it as one
        (到2025年, 2025年底); in a table's deadline column every date is one (2024年12月, the end
        of 2023—2025年), but a year something starts from (2024年起) is not."""
        text = ascii_digits(text)
        found: list[DeadlineMatch] = []
        for m in self.year_pattern.finditer(text):
            match = self._year_match(text, m, framed)
            if match is not None:
                found.append(match)
        for m in self.annual_pattern.finditer(text):
            found.append(DeadlineMatch(m.start(), m.end(), m.group(), "annual", None, False))
        for m in self.period_pattern.finditer(text):
            year = self.periods[m.group("period")]
            found.append(DeadlineMatch(m.start(), m.end(), m.group(), str(year), year, False))
        found.sort(key=lambda d: (d.start, -d.end))
        kept: list[DeadlineMatch] = []
        for match in found:
            if kept and match.start < kept[-1].end:
                continue
            kept.append(match)
        return kept

    def _year_match(self, text: str, m: re.Match[str], framed: bool = True) -> DeadlineMatch | None:
        prefix, suffix = m.group("prefix"), m.group("suffix")
        month, day = m.group("month"), m.group("day")
        start = m.start("prefix") if prefix else m.start("year")
        before = text[max(0, start - 6) : start]
        after = text[m.end() :]
        if not framed:
            if not suffix and re.match(r"\s*(?:起|开始|以来|以后)", after):
                return None  # 2024年起: where the work starts
        # The end of a year range (2015年至2020年) or the base of a comparison is no deadline.
        elif re.search(r"(?:19|20)\d\d年\s*$", before) or re.match(
            r"\s*(?:基础上|水平|的基础)", after
        ):
            return None
        if framed and not prefix and not suffix:
            # A bare year is a deadline only when the text frames it as one (2035年前, 2025年底).
            return None
        is_status = bool(prefix) and prefix in self.status_prefixes
        value = normalise_parts(m.group("year"), month, day, suffix)
        return DeadlineMatch(
            start, m.end(), text[start : m.end()], value, int(m.group("year")), is_status
        )


def normalise_parts(year: str, month: str | None, day: str | None, suffix: str | None) -> str:
    """The normalised deadline value of a year, optional month/day and a 底/末/前 suffix.

    >>> normalise_parts("2025", None, None, "底")
    '2025-12-31'
    >>> normalise_parts("2024", "6", None, "底前")
    '2024-06-30'
    >>> normalise_parts("2025", None, None, None)
    '2025'
    """
    end_of = any(c in (suffix or "") for c in "底末")
    if month is None:
        return f"{year}-12-31" if end_of else year
    m = int(month)
    if day is not None:
        return f"{year}-{m:02d}-{int(day):02d}"
    if end_of or (suffix and "前" in suffix):
        return f"{year}-{m:02d}-{calendar.monthrange(int(year), m)[1]:02d}"
    return f"{year}-{m:02d}"


@lru_cache(maxsize=1)
def default_deadline_lexicon() -> DeadlineLexicon:
    """The deadline patterns of the shipped ``comparators.yaml``."""
    return DeadlineLexicon(load_lexicon(COMPARATORS_FILE))


def normalise_deadline(text: str) -> str | None:
    """The normalised value of one deadline expression, or None if it names none.

    >>> [normalise_deadline(t) for t in ["到2025年", "2025年末", "每年", "“十四五”期间", "2024年6月底前", "2035年"]]
    ['2025', '2025-12-31', 'annual', '2025', '2024-06-30', '2035']
    """
    lexicon = default_deadline_lexicon()
    found = lexicon.find(text)
    if found:
        return found[0].value
    m = re.search(r"((?:19|20)\d{2})\s*年", ascii_digits(text))
    return m.group(1) if m else None


_BARE_DATE = re.compile(r"((?:19|20)\d{2})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")


def column_deadline(cell: str, lexicon: DeadlineLexicon | None = None) -> Deadline | None:
    """The deadline a cell of a table's deadline column (完成时限, 时间节点, 进度安排 …) states:
    the latest date it names (a range 2023—2025年 is due at its end, 2023年底前完成试点、2025年
    全面推开 by 2025), else 每年 (annual), else, for words without a date (长期坚持, 持续推进,
    分阶段实施), the open deadline; None for an empty cell or a dash. The deadline's text is the
    cell's words.

    >>> [column_deadline(c).value for c in ["2025年底前", "2024年12月", "2023—2025年", "每年", "十四五期间"]]
    ['2025-12-31', '2024-12', '2025', 'annual', '2025']
    >>> column_deadline("长期坚持"), column_deadline("—")
    (Deadline(text='长期坚持', value=None, year=None), None)
    >>> column_deadline("2025-06-30").value, column_deadline("2024年起持续推进").value
    ('2025-06-30', None)
    """
    text = re.sub(r"\s+", " ", cell).strip()
    if not re.search(r"[\w\u4e00-\u9fff]", text):
        return None
    found = [
        m
        for m in (lexicon or default_deadline_lexicon()).find(text, framed=False)
        if not m.is_status
    ]
    dated = [m for m in found if m.year is not None and m.value is not None]
    if dated:
        last = max(dated, key=lambda m: (_last_day(m.value or ""), m.start))
        return Deadline(text, last.value, last.year)
    whole = _BARE_DATE.fullmatch(ascii_digits(text))
    if whole:  # a spreadsheet's date or year cell: 2025-06-30, 2025
        year, month, day = whole.groups()
        value = normalise_parts(year, month, day, None)
        return Deadline(text, value, int(year))
    if any(m.value == "annual" for m in found):
        return Deadline(text, "annual", None)
    return Deadline(text, None, None)


#: The longest last word of a flattened table row read as its deadline (2024年1月—2025年6月底前).
FLATTENED_DEADLINE_CHARS = 16


def flattened_deadline(word: str, lexicon: DeadlineLexicon | None = None) -> Deadline | None:
    """The deadline the last word of a task table's row states where the table reached the text
    flattened (no cells): a short date, 每年, or an open-deadline word (长期坚持); None for other
    words, which may be the end of a body or task cell, or a clause of a remarks or progress
    column (按要求开展2024年度摸底工作).

    >>> flattened_deadline("2025年底前").value, flattened_deadline("长期坚持").text
    ('2025-12-31', '长期坚持')
    >>> flattened_deadline("市财政局"), flattened_deadline("按省、市要求,开展2024年度摸底工作")
    (None, None)
    """
    if len(word) > FLATTENED_DEADLINE_CHARS or re.search(r"[，,。；;：:、]", word):
        return None
    lexicon = lexicon or default_deadline_lexicon()
    deadline = column_deadline(word, lexicon)
    if deadline is None or deadline.value is not None or deadline.text in lexicon.open_words:
        return deadline
    return None


def _last_day(value: str) -> str:
    """A deadline value as the last day it allows, to compare values of different precision.

    >>> _last_day("2025"), _last_day("2024-06"), _last_day("2024-06-15")
    ('2025-12-31', '2024-06-31', '2024-06-15')
    """
    return value + "-12-31"[len(value) - 4 :] if len(value) < 10 else value


class DeadlineRecognizer(MatchComponent):
    """Finds deadline expressions and adds DEADLINE spans with value, year and surface text."""

    resource_files = (COMPARATORS_FILE,)

    def __init__(
        self,
        nlp: Language,
        name: str = "policykg_deadlines",
        *,
        keep_status_dates: bool = True,
        resources_dir: str | None = None,
    ) -> None:
        self.name = name
        self.keep_status_dates = keep_status_dates
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        self.lexicon = DeadlineLexicon(read_yaml_mapping(directory / COMPARATORS_FILE))

    def match(self, doc: Doc) -> list[DeadlineMatch]:
        """The deadline expressions of ``doc`` (status dates only if ``keep_status_dates``)."""
        return [
            d for d in self.lexicon.find(doc_text(doc)) if self.keep_status_dates or not d.is_status
        ]

    def set_annotations(self, doc: Doc, matches: list[DeadlineMatch]) -> None:
        """Add one DEADLINE span per match, unless a component already added the same span."""
        existing = {(s.start_char, s.end_char) for s in policykg_spans(doc, DEADLINE)}
        spans = []
        for match in matches:
            span = deadline_span(doc, match)
            if span is None or (span.start_char, span.end_char) in existing:
                continue
            existing.add((span.start_char, span.end_char))
            spans.append(span)
        add_spans(doc, spans)


def deadline_span(doc: Doc, match: DeadlineMatch, offset: int = 0) -> Span | None:
    """A DEADLINE span of ``doc`` for ``match`` (offsets relative to ``offset``), extensions set."""
    span = doc.char_span(
        offset + match.start, offset + match.end, label=DEADLINE, alignment_mode="expand"
    )
    if span is None:
        return None
    span._.deadline = match.value
    span._.deadline_text = match.text
    span._.deadline_year = match.year
    span._.is_past = True if match.is_status else None
    return span


@Language.factory(
    "policykg_deadlines",
    assigns=["doc.spans"],
    requires=[],
    default_config={"keep_status_dates": True, "resources_dir": None},
)
def make_deadline_recognizer(
    nlp: Language, name: str, keep_status_dates: bool, resources_dir: str | None
) -> DeadlineRecognizer:
    """Build the ``policykg_deadlines`` component."""
    return DeadlineRecognizer(
        nlp, name, keep_status_dates=keep_status_dates, resources_dir=resources_dir
    )
