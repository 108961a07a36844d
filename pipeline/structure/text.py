"""Pure text helpers of the structure stage: lines, sentences, numerals, dates, document numbers."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.models import Span
from pipeline.sentences import CLAUSE_END, sentence_bounds

HAN = "\u4e00-\u9fff"
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the clean text: ``text`` is ``article.text[start:end]`` (no newline)."""

    start: int
    end: int
    text: str


def iter_lines(text: str) -> Iterator[Line]:
    """Every line with its offsets (empty lines included).

    >>> [(l.start, l.end, l.text) for l in iter_lines("ab\\ncd")]
    [(0, 2, 'ab'), (3, 5, 'cd')]
    """
    yield from _lines(text)


@functools.lru_cache(maxsize=4)
def _lines(text: str) -> tuple[Line, ...]:
    """The lines of ``text``, split once: the stages of one document read them several times
    (lines are immutable, so they are shared)."""
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return tuple(lines)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> tuple[Span, ...]:
    """Sentences of ``text[start:end]`` by the structure stage's rule (:mod:`pipeline.sentences`):
    clauses, split after each of 。！？；!?; (closing quotes stay) and at line ends.

    >>> [ (s.start, s.end) for s in sentence_spans("甲。“乙！”\\n丙")]
    [(0, 2), (2, 6), (7, 8)]
    """
    return tuple(Span(a, b) for a, b in sentence_bounds(text, CLAUSE_END, start=start, end=end))


def chinese_number(numeral: str) -> int | None:
    """Value of a Chinese numeral up to the hundreds, an Arabic number or a circled digit.

    >>> chinese_number("十二"), chinese_number("二十"), chinese_number("七"), chinese_number("12"), chinese_number("③")
    (12, 20, 7, 12, 3)
    """
    if numeral.isdigit() and numeral.isascii():
        return int(numeral)
    if len(numeral) == 1 and numeral in _CIRCLED:
        return _CIRCLED.index(numeral) + 1
    total, current = 0, 0
    for ch in numeral:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def remove_layout_spaces(text: str) -> str:
    """Drop spaces that newspaper layout put between Chinese characters or punctuation.

    >>> remove_layout_spaces("中国人民政治协商会议 全国委员会办公厅、 国务院 Plan A")
    '中国人民政治协商会议全国委员会办公厅、国务院 Plan A'
    """
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text).strip()


def collapse_spaces(text: str) -> str:
    """Whitespace runs as one space, stripped.

    >>> collapse_spaces(" 甲  乙 ")
    '甲 乙'
    """
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- document numbers

_OPEN = "〔[(（【［｛{"
_CLOSE = "〕])）】］｝}"
# The year in brackets; one of the two brackets may be missing (国发2019〕13号, 黔府办发〔201930号).
DOC_NUMBER_RE = re.compile(
    rf"[{HAN}]{{1,12}}\s*(?:[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{re.escape(_CLOSE)}]?"
    rf"|(?P<year2>(?:19|20)\d{{2}})\s*[{re.escape(_CLOSE)}])\s*(?P<serial>\d{{1,4}})\s*号"
)


def normalise_doc_number(text: str) -> str | None:
    """The first document number (文号) in ``text``, with its year in 〔〕 and no spaces.

    >>> normalise_doc_number("(中办发[2023] 10号)")
    '中办发〔2023〕10号'
    >>> normalise_doc_number("鲁政办字【2023】202号"), normalise_doc_number("无")
    ('鲁政办字〔2023〕202号', None)
    >>> normalise_doc_number("(国发2019〕13号)"), normalise_doc_number("黔府办发〔201930号")
    ('国发〔2019〕13号', '黔府办发〔2019〕30号')
    """
    match = DOC_NUMBER_RE.search(text)
    if not match:
        return None
    year = match.group("year") or match.group("year2")
    prefix = re.split(rf"[\s{re.escape(_OPEN)}]|{year}", match.group(0), maxsplit=1)[0]
    return f"{prefix}〔{year}〕{match.group('serial')}号"


# --------------------------------------------------------------------------- dates

FULL_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
MONTH_DAY_RE = re.compile(r"(\d{1,2})月(\d{1,2})日")


def iso_date(year: int | str, month: int | str, day: int | str) -> str | None:
    """``YYYY-MM-DD`` when the parts make a plausible date, else None.

    >>> iso_date(2022, 4, 27), iso_date("2024", "13", "1")
    ('2022-04-27', None)
    """
    y, m, d = int(year), int(month), int(day)
    if not (1949 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


CN_DATE_RE = re.compile(
    r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)


def _cn_date(match: re.Match[str]) -> str | None:
    year = "".join(str(_CN_DIGITS[ch]) for ch in match.group(1))
    month, day = chinese_number(match.group(2)), chinese_number(match.group(3))
    return iso_date(year, month, day) if month and day else None


def parse_full_date(text: str) -> str | None:
    """The first full date in ``text`` (2022年4月27日, 2024-11-20, 二〇二三年五月六日) as ISO.

    >>> parse_full_date("发布时间:2024-11-20"), parse_full_date("2022年4月27日"), parse_full_date("二〇二三年十二月六日")
    ('2024-11-20', '2022-04-27', '2023-12-06')
    """
    for match in FULL_DATE_RE.finditer(text):
        value = iso_date(*match.groups())
        if value:
            return value
    for match in CN_DATE_RE.finditer(text):
        value = _cn_date(match)
        if value:
            return value
    return None


def is_date_line(line: str) -> bool:
    """Whether ``line`` is only a date (a signature or closing date).

    >>> is_date_line(" 2022年4月27日 "), is_date_line("二〇二三年五月六日"), is_date_line("2022年4月27日召开")
    (True, True, False)
    """
    stripped = line.strip()
    return (
        any(
            (m := pattern.fullmatch(stripped)) is not None and m.group(0) == stripped
            for pattern in (FULL_DATE_RE, CN_DATE_RE)
        )
        and parse_full_date(stripped) is not None
    )


def all_full_dates(text: str) -> list[str]:
    """Every full date of ``text`` as ISO (Arabic dates first, then dates in Chinese numerals)."""
    return list(_full_dates(text))


@functools.lru_cache(maxsize=4)
def _full_dates(text: str) -> tuple[str, ...]:
    """:func:`all_full_dates`, kept for the last texts (the page's dates, then the metadata's)."""
    values = [iso_date(*m.groups()) for m in FULL_DATE_RE.finditer(text)]
    values += [_cn_date(m) for m in CN_DATE_RE.finditer(text)]
    return tuple(v for v in values if v)


def parse_run_together_date(digits: str, known: tuple[str, ...] = ()) -> str | None:
    """A date whose 年/月/日 were lost (``202435``); ambiguous forms are settled by ``known`` dates.

    >>> parse_run_together_date("202435"), parse_run_together_date("20221105")
    ('2024-03-05', '2022-11-05')
    >>> parse_run_together_date("2024115"), parse_run_together_date("2024115", ("2024-01-15",))
    (None, '2024-01-15')
    """
    if not re.fullmatch(r"(?:19|20)\d{4,6}", digits):
        return None
    year, rest = digits[:4], digits[4:]
    splits = {2: [(1, 1)], 3: [(1, 2), (2, 1)], 4: [(2, 2)]}[len(rest)]
    candidates = [iso_date(year, rest[:a], rest[a:]) for a, _ in splits]
    candidates = [c for c in candidates if c]
    if len(candidates) == 1:
        return candidates[0]
    agreed = [c for c in candidates if c in known]
    return agreed[0] if len(agreed) == 1 else None


def ordered_overlap(a: str, b: str) -> float:
    """Share of the shorter string's characters that occur, in order, in the longer (LCS ratio).

    >>> ordered_overlap("基层门急诊人次占比", "门急诊人次占比")
    1.0
    """
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 0.0
    prev = [0] * (len(long_) + 1)
    for ch in short:
        cur = [0] * (len(long_) + 1)
        for j, other in enumerate(long_, 1):
            cur[j] = prev[j - 1] + 1 if ch == other else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1] / len(short)
