"""The ``policykg_targets`` component: quantitative targets (indicator, comparator, value, unit, deadline).

One TARGET span per committed number, an INDICATOR span for the thing measured and relations
TARGET -HAS_INDICATOR-> INDICATOR and TARGET -HAS_DEADLINE-> DEADLINE. Past figures (从76.34岁
提高到77.93岁, 截至2023年底, passages after “十三五”时期/近年来) and numbers that commit nobody
(ages, years, counts describing the text) are not targets.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.errors import ResourceError
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.deadlines import (
    COMPARATORS_FILE,
    DeadlineLexicon,
    DeadlineMatch,
    alternation,
    ascii_digits,
    deadline_span,
    default_deadline_lexicon,
    load_lexicon,
)
from pipeline.nlp.extensions import (
    DEADLINE,
    INDICATOR,
    TARGET,
    Relation,
    add_spans,
    doc_text,
    policykg_spans,
)
from pipeline.sentences import sentence_bounds
from pipeline.store import read_yaml_mapping

log = logging.getLogger(__name__)

UNITS_FILE = "units.yaml"
HAS_INDICATOR = "HAS_INDICATOR"
HAS_DEADLINE = "HAS_DEADLINE"

_DIGIT = re.compile(r"[0-9]")
# Indices are measured without a unit: 发展指数达85, 综合评分不低于90分 aside.
_UNITLESS = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<post>(?:\s*(?:以上|以下|左右))*)(?=\s*(?:[，,。；;、)）]|$))"
)
_INDEX_BEFORE = re.compile(
    r"(?:指数|得分|评分|分值|系数|指标值)\s*(?:达到|达|提高到|提升到|不低于|不少于|保持在|稳定在|为)\s*$"
)
# A digit, or a Chinese numeral before a unit (三成, 一半, 至少一所): what a target needs.
_NUMERAL = re.compile(r"[0-9]|[一二两三四五六七八九十百千半][成个所家人名张项倍]|一半")
# Clauses end at ，；： but not at the colon of a ratio (1:0.53), and at a space between a word
# and a Chinese character (the cells of a table row).
_CLAUSE = re.compile(
    r"(?:[^，,；;：:\s]|(?<=\d)[:：](?=\d)|\s(?![\u4e00-\u9fff])|(?<![\u4e00-\u9fff%‰)）])\s)+"
)
_WORD = re.compile(r"[^\s的、。！？!?”’」）)\]]")
# Verbs that state a figure rather than commit to one, unless a deadline frames the sentence.
_DESCRIPTIVE_VERBS = frozenset({"为", "是", "达"})
# A line opening a section (一、 (一) 1.); a line holding no full stop is a heading.
_SECTION_LINE = re.compile(
    r"\s*(?:[一二三四五六七八九十]+\s*[、.]|\(\s*[一二三四五六七八九十\d]+\s*\)|\d{1,2}\s*[、.](?!\d))"
)
_FULL_STOP = re.compile(r"[。！？!?；;]")
# Words a sentence may open with before its lead-in year ("到2025年", "力争到2025年").
_OPENING_WORDS = re.compile(r"\s*(?:力争|争取|预计|计划|确保)?\s*(?:到|至|在)?\s*")
# What lies between two listed items of one verb: a noun phrase, then 、 (no verb, no clause end).
_LISTED_ITEM = re.compile(r"[^，,；;。:：]{1,20}、")
_LIST_JOINER = re.compile(r"^\s*(?:、|和|及|与|以及|或)\s*$")
_ITEM_SPLIT = re.compile(r"、|和|及|与")
# Connectives opening an indicator that are not part of the thing measured.
_LEADING_NOISE = re.compile(
    r"^(?:\d{1,4}\s+|(?:19|20)\d{2}年(?:底前|底|内)?|其中|并且|并|且|同时|使|确保|力争|争取|推动|要|将|的|为)+"
)
# 均 ("all") is noise before a verb, but not the end of 平均 ("average"), which is the indicator.
_TRAILING_NOISE = re.compile(r"(?:分别|(?<!平)均|都|要|应|将|继续|逐步|进一步|稳步|力争|争取|在)+$")


@dataclass(frozen=True, slots=True)
class TargetMatch:
    """One target found in a text; offsets are relative to the text given to ``find_targets``."""

    start: int
    end: int
    text: str
    value: float
    unit: str
    comparator: str
    indicator: str
    indicator_start: int
    indicator_end: int
    deadline: DeadlineMatch | None  # the deadline expression of the sentence, if the text names one
    deadline_value: str | None
    deadline_year: int | None
    sentence_start: int  # the deadline's offsets are relative to its sentence
    is_past: bool = False  # only ever True when find_targets(keep_past=True)


@dataclass(frozen=True, slots=True)
class _Number:
    start: int  # clause-relative, whole expression incl. qualifiers
    end: int
    num_start: int
    values: tuple[float, ...]
    unit: str
    post: str | None
    is_range: bool
    parts: tuple[
        tuple[int, int], ...
    ]  # one (start, end) per value, so each value gets its own span


def _chinese_value(numeral: str) -> float:
    """``cn2an``'s value of a Chinese numeral (its errors raised as they come).

    cn2an is imported here, on the first numeral a commitment names: its import compiles large
    regular expressions (its dependency's place-name pattern among them), about a quarter of a
    second of every worker's start, and most documents never need it."""
    import cn2an

    return float(cn2an.cn2an(numeral, "smart"))


class TargetLexicon:
    """Compiled patterns of ``units.yaml`` and ``comparators.yaml``."""

    def __init__(
        self, units: dict[str, Any], comparators: dict[str, Any], deadlines: DeadlineLexicon
    ) -> None:
        try:
            unit_words = [str(u) for u in units["units"]]
            self.within_units = frozenset(str(u) for u in units.get("within_units", []))
            self.qualifier_units = frozenset(str(u) for u in units.get("qualifier_units", []))
            self.share_units = frozenset(str(u) for u in units.get("share_units", []))
            self.unit_forms = {str(k): str(v) for k, v in (units.get("unit_forms") or {}).items()}
            post = {k: list(v) for k, v in comparators["post_qualifiers"].items()}
            pre = {k: list(v) for k, v in comparators["pre_qualifiers"].items()}
            self.commitment_verbs = list(comparators["commitment_verbs"])
            past_cues = list(comparators["past_sentence_cues"])
            past_patterns = [re.compile(p) for p in comparators["past_sentence_patterns"]]
            context_cues = list(comparators["past_context_cues"])
            future_cues = list(comparators["future_cues"])
            self.past_headings = tuple(comparators.get("past_section_headings", []))
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise ResourceError(
                f"{UNITS_FILE}/{COMPARATORS_FILE} malformed ({exc})", hint="fix the lexicon"
            ) from exc
        self.deadlines = deadlines
        self.post_code = {w: code for code, words in post.items() for w in words}
        self.pre_code = {w: code for code, words in pre.items() for w in words}
        unit_alt = alternation(unit_words)
        post_alt = alternation(list(self.post_code))
        num = r"\d+(?:\.\d+)?"
        # Every number starts with a digit (a Chinese one with a numeral): the lookahead first lets
        # the engine pass over the other characters without trying each alternative there.
        self.number = re.compile(
            rf"(?=\d)(?<![\d.A-Za-z第])(?:"
            rf"(?P<ratio_head>1)\s*[:∶]\s*(?P<ratio>{num})"
            rf"|(?P<lo>{num})\s*(?P<lo_unit>{unit_alt})?\s*(?:[-—–~至到])\s*(?P<hi>{num})\s*(?P<range_unit>(?:万|亿)?(?:{unit_alt}))"
            rf"|(?P<num>{num})\s*(?P<unit>(?:万|亿)?(?:{unit_alt}))"
            rf")(?P<post>(?:\s*(?:{post_alt}))*)"
        )
        self.pre = re.compile(rf"(?:{alternation(list(self.pre_code))})\s*(?:在|到|至|为)?\s*$")
        self.pre_anywhere = re.compile(alternation(list(self.pre_code)))
        self.commitment = re.compile(alternation(self.commitment_verbs))
        self.commitment_end = re.compile(rf"(?:{alternation(self.commitment_verbs)})\s*$")
        self.past_cues = re.compile(alternation(past_cues))
        self.past_patterns = past_patterns
        self.context_cues = re.compile(alternation(context_cues))
        self.future_cues = re.compile(alternation(future_cues))
        self.approx_number = re.compile(rf"{num}\s*(?:余|多)")
        self.chinese_number = re.compile(
            rf"(?=[一二两三四五六七八九十百千])(?<![零一二两三四五六七八九十百千万亿第])(?:(?P<cn>一半)|(?P<cn2>[一二两三四五六七八九十百千]{{1,6}})"
            r"\s*(?P<unit>成|个|所|家|人|名|张|项|倍|次|支|台))"
            rf"(?P<post>(?:\s*(?:{post_alt}))*)"
        )
        bound_words = [w for w, code in self.pre_code.items() if code in (">=", "<=")] + [
            "以内",
            "以下",
        ]
        self.bound_words = re.compile(alternation([w for w in bound_words if len(w) >= 2]))

    # ----------------------------------------------------------------- sentences

    def is_past_sentence(self, sentence: str) -> bool:
        """True when the sentence reports a figure already reached."""
        return bool(self.past_cues.search(sentence)) or any(
            p.search(sentence) for p in self.past_patterns
        )

    def reports_past(self, sentence: str) -> bool:
        """True when the sentence is written as a report (达到了, 从…提高到, 2016年至2020年)."""
        return any(p.search(sentence) for p in self.past_patterns)

    def bounds(self, clause: str) -> bool:
        """True when the clause sets a bound (不超过, 不低于, 控制在, 以内): a commitment, whatever
        past-sounding noun it holds (累计结余)."""
        return self.bound_words.search(clause) is not None

    def opens_past_context(
        self, sentence: str, deadlines: list[DeadlineMatch], period_end: int | None
    ) -> bool:
        """True when the sentence opens a passage of past achievements (“十三五”时期, 近年来)."""
        if self.context_cues.search(sentence):
            return True
        return any(_is_earlier_period(d, period_end) for d in deadlines)

    def names_future(
        self, sentence: str, deadlines: list[DeadlineMatch], period_end: int | None
    ) -> bool:
        """True when the sentence sets a future target (到2025年, 力争, 展望 …)."""
        return bool(self.future_cues.search(sentence)) or any(
            not d.is_status and d.year and not _is_earlier_period(d, period_end) for d in deadlines
        )

    # ----------------------------------------------------------------- numbers

    def numbers(self, clause: str) -> list[_Number]:
        """The number expressions (value, unit, trailing qualifiers) of a clause."""
        found = []
        for m in self.number.finditer(clause):
            if re.match(r"\s*(?:余|多)", clause[m.end() :]) or re.match(
                r"[.\d]", clause[m.end() : m.end() + 1]
            ):
                continue
            post_words = re.findall(alternation(list(self.post_code)), m.group("post") or "")
            post = post_words[-1] if post_words else None
            if m.group("ratio") is not None:
                value = (float(m.group("ratio")),)
                found.append(
                    _Number(
                        m.start(),
                        m.end(),
                        m.start(),
                        value,
                        "ratio",
                        post,
                        False,
                        ((m.start(), m.end()),),
                    )
                )
            elif m.group("hi") is not None:
                unit = self.unit_form(m.group("range_unit"))
                values = (float(m.group("lo")), float(m.group("hi")))
                parts = ((m.start(), m.end("lo")), (m.start("hi"), m.end()))
                found.append(
                    _Number(m.start(), m.end(), m.start(), values, unit, post, True, parts)
                )
            else:
                unit = self.unit_form(m.group("unit"))
                value = (float(m.group("num")),)
                found.append(
                    _Number(
                        m.start(),
                        m.end(),
                        m.start(),
                        value,
                        unit,
                        post,
                        False,
                        ((m.start(), m.end()),),
                    )
                )
        found += self._chinese_numbers(clause)
        found += self._index_values(clause, found)
        return sorted(found, key=lambda n: n.start)

    def _index_values(self, clause: str, found: list[_Number]) -> list[_Number]:
        """A value without a unit after an index word and its verb (发展指数达85, 满意度得分不低于90)."""
        out = []
        taken = [(n.start, n.end) for n in found]
        for m in _UNITLESS.finditer(clause):
            if any(a <= m.start() < b for a, b in taken) or not _INDEX_BEFORE.search(
                clause[: m.start()]
            ):
                continue
            post_words = re.findall(alternation(list(self.post_code)), m.group("post") or "")
            post = post_words[-1] if post_words else None
            out.append(
                _Number(
                    m.start(),
                    m.end(),
                    m.start(),
                    (float(m.group("num")),),
                    "",
                    post,
                    False,
                    ((m.start(), m.end()),),
                )
            )
        return out

    def _chinese_numbers(self, clause: str) -> list[_Number]:
        """Numbers written in Chinese right after a commitment (至少建成一所, 提高到三成以上, 一半以上):
        elsewhere Chinese numerals are words (一批, 三级医院, 两个责任)."""
        found = []
        for m in self.chinese_number.finditer(clause):
            before = clause[: m.start()]
            if not (self.pre.search(before) or self.commitment_end.search(before)):
                continue
            try:
                value = 50.0 if m.group("cn") else _chinese_value(m.group("cn2"))
            except (ValueError, KeyError, IndexError, TypeError):
                continue  # cn2an refuses what is no number
            unit = m.group("unit") or "%"
            if unit == "成":
                value, unit = value * 10, "%"
            post_words = re.findall(alternation(list(self.post_code)), m.group("post") or "")
            post = post_words[-1] if post_words else None
            found.append(
                _Number(
                    m.start(),
                    m.end(),
                    m.start(),
                    (value,),
                    unit,
                    post,
                    False,
                    ((m.start(), m.end()),),
                )
            )
        return found

    def unit_form(self, unit: str) -> str:
        """The unit as the facts write it: signs folded, rates as ``unit_forms`` names them.

        >>> default_target_lexicon().unit_form("／10万"), default_target_lexicon().unit_form("%")
        ('1/10万', '%')
        """
        unit = _canonical_unit(unit)
        return self.unit_forms.get(unit, unit)

    def comparator(self, number: _Number, before: str) -> str:
        """The comparator of a number from its trailing qualifier, else the words just before it."""
        if number.post is not None:
            return self.post_code[number.post]
        window = before[-8:]
        codes = [self.pre_code[w] for w in self.pre_anywhere.findall(window)]
        for code in (">=", "<="):
            if code in codes:
                return code
        # A bound further back governs the number when only its object lies between them
        # (不超过当年筹集总额的25%).
        bound = self.bound_words.search(before)
        if (
            bound
            and not self.commitment.search(before[bound.end() :])
            and not re.search(r"[,，;；]", before[bound.end() :])
        ):
            bound_code = self.pre_code.get(bound.group())
            if bound_code in (">=", "<="):
                return bound_code
        if number.unit in self.within_units and not before.rstrip().endswith(tuple(self.pre_code)):
            return "<="
        if number.is_range or "~" in codes:
            return "~"
        return "="


def _is_earlier_period(deadline: DeadlineMatch, period_end: int | None) -> bool:
    """True for a plan period (“十三五”时期) that ended before the document's own period began."""
    return (
        period_end is not None
        and deadline.year is not None
        and deadline.year <= period_end - 5
        and "年" not in deadline.text
    )


def _canonical_unit(unit: str) -> str:
    """The unit as written, with full-width signs folded.

    >>> _canonical_unit("／10万"), _canonical_unit("%")
    ('/10万', '%')
    """
    return ascii_digits(unit).replace("／", "/")


@lru_cache(maxsize=1)
def default_target_lexicon() -> TargetLexicon:
    """The target patterns of the shipped lexicons."""
    return TargetLexicon(
        load_lexicon(UNITS_FILE), load_lexicon(COMPARATORS_FILE), default_deadline_lexicon()
    )


def _clean_indicator(text: str) -> str:
    """An indicator without leading connectives, trailing adverbs and outer punctuation.

    >>> _clean_indicator("其中居民健康素养水平进一步")
    '居民健康素养水平'
    """
    text = text.strip(" 　、，,。的\n")
    text = _LEADING_NOISE.sub("", text)
    text = _TRAILING_NOISE.sub("", text)
    return text.strip(" 　、，,的")


def _remove_ranges(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` without the (start, end) ranges."""
    out, last = [], 0
    for start, end in sorted(ranges):
        if start >= last:
            out.append(text[last:start])
            last = end
    out.append(text[last:])
    return "".join(out)


def find_targets(
    text: str,
    plan_period_end: str | None = None,
    past_ranges: tuple[tuple[int, int], ...] = (),
    lexicon: TargetLexicon | None = None,
    keep_past: bool = False,
) -> list[TargetMatch]:
    """The quantitative targets of ``text`` (a whole document or one sentence), sorted by offset.

    ``plan_period_end`` ("2025") is the deadline of targets whose sentence names no year;
    ``past_ranges`` are character ranges (e.g. a 规划背景 section) whose figures are all past.

    >>> [(t.indicator, t.comparator, t.value, t.unit, t.deadline_value) for t in find_targets("到2025年，基层门急诊人次占比达到65%以上。")]
    [('基层门急诊人次占比', '>=', 65.0, '%', '2025')]
    """
    lexicon = lexicon or default_target_lexicon()
    text = ascii_digits(text)
    period_end = (
        int(plan_period_end) if plan_period_end and str(plan_period_end).isdigit() else None
    )
    found, table_lines = table_targets(text, plan_period_end, lexicon)
    paragraph_start = 0
    lead_in: str | None = None  # 到2025年，…。…: the year a paragraph opens with holds for it
    for paragraph in text.split("\n"):
        if _SECTION_LINE.match(paragraph) or not _FULL_STOP.search(paragraph):
            lead_in = None  # a new section, or a heading: the lead-in year ends
        if paragraph_start in table_lines or not _NUMERAL.search(paragraph):
            paragraph_start += len(paragraph) + 1
            continue  # no number, no target; past context is per paragraph
        past_context = False
        for s_start, s_end in sentence_bounds(paragraph):
            start = paragraph_start + s_start
            sentence = paragraph[s_start:s_end]
            if not _NUMERAL.search(sentence) and "五" not in sentence:
                # Only the past-context cues matter here (近年来, 以来 …).
                if lexicon.context_cues.search(sentence) and not lexicon.future_cues.search(
                    sentence
                ):
                    past_context = True
                continue
            deadlines = lexicon.deadlines.find(sentence)
            future = lexicon.names_future(sentence, deadlines, period_end)
            if lexicon.opens_past_context(sentence, deadlines, period_end) and not future:
                past_context = True
            elif future:
                past_context = False
            in_past_range = any(a <= start < b for a, b in past_ranges)
            past = in_past_range or past_context or lexicon.reports_past(sentence)
            if past and not keep_past:
                continue
            matches = _sentence_targets(
                sentence, start, deadlines, lead_in or plan_period_end, lexicon
            )
            # A past cue (累计, 已, 截至) makes its own clause past, not the whole sentence.
            past_clauses = [
                (start + m.start(), start + m.end())
                for m in _CLAUSE.finditer(sentence)
                if lexicon.past_cues.search(m.group()) and not lexicon.bounds(m.group())
            ]
            if past_clauses:
                flagged = [
                    replace(t, is_past=True)
                    if any(a <= t.start < b for a, b in past_clauses)
                    else t
                    for t in matches
                ]
                matches = flagged if keep_past else [t for t in flagged if not t.is_past]
            # Only a year the sentence opens with 到/至 (到2025年，…) leads the sentences after it.
            opening = next(
                (d for d in deadlines if d.year and not d.is_status and d.value != "annual"), None
            )
            opening_words = _OPENING_WORDS.match(sentence)
            words = opening_words.group() if opening_words else ""
            if (
                opening is not None
                and re.search(r"[到至]\s*$", words)
                and opening.start <= len(words) + 2
            ):
                lead_in = str(opening.year)
            if past:
                matches = [replace(m, is_past=True) for m in matches]
            found.extend(matches)
        paragraph_start += len(paragraph) + 1
    return sorted(found, key=lambda t: (t.start, t.end))


# A target table's value cell: ≥25, ≤14, 78.6, 90%以上.
_CELL_VALUE = re.compile(
    r"(?P<cmp>[≥≤><]|不低于|不少于|不高于|不超过)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|‰)?\s*(?P<post>以上|以下|以内|左右)?"
)
_CELL_CODES = {
    "≥": ">=",
    ">": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "以上": ">=",
    "≤": "<=",
    "<": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "以下": "<=",
    "以内": "<=",
    "左右": "~",
}
_YEAR_COLUMN = re.compile(r"((?:19|20)\d{2})\s*年")


def table_targets(
    text: str, plan_period_end: str | None, lexicon: TargetLexicon | None = None
) -> tuple[list[TargetMatch], set[int]]:
    """Targets of indicator tables flattened to text, and the starts of the lines they hold.

    A header names an indicator column (指标) and a target column (目标, 目标值, 2025年目标, or the
    last year column); rows under it are read from the right (a row may leave out a merged first
    cell): the target cell gives value and comparator (≥25, ≤14), the unit cell the unit, the cell
    before the unit the indicator. Base-year columns are past figures and give nothing.

    >>> text = "指标 单位 2020年 2025年目标 属性\\n人均预期寿命 岁 77.6 78.6 预期性\\n婴儿死亡率 ‰ 4.8 ≤4.5 约束性"
    >>> [(t.indicator, t.comparator, t.value, t.unit, t.deadline_value) for t in table_targets(text, None)[0]]
    [('人均预期寿命', '=', 78.6, '岁', '2025'), ('婴儿死亡率', '<=', 4.5, '‰', '2025')]
    """
    found: list[TargetMatch] = []
    lines: set[int] = set()
    offsets, pos = [], 0
    rows = text.split("\n")
    for row in rows:
        offsets.append(pos)
        pos += len(row) + 1
    i = 0
    while i < len(rows):
        header = rows[i].split()
        columns = _target_columns(header) if "指标" in rows[i] and "。" not in rows[i] else None
        if columns is None:
            i += 1
            continue
        target_col, unit_col, year, indicator_col = columns
        deadline = year or plan_period_end
        lines.add(offsets[i])
        j = i + 1
        while j < len(rows):
            cells = list(re.finditer(r"\S+", rows[j]))
            need = len(header) - min(
                c for c in (target_col, unit_col if unit_col is not None else target_col)
            )
            if len(cells) < max(need, 3) or "。" in rows[j] or _target_columns(rows[j].split()):
                break
            lines.add(offsets[j])
            target = _table_row_target(
                rows[j],
                offsets[j],
                cells,
                len(header),
                target_col,
                unit_col,
                indicator_col,
                deadline,
                lexicon or default_target_lexicon(),
            )
            if target is not None:
                found.append(target)
            j += 1
        i = j
    return found, lines


def _target_columns(header: list[str]) -> tuple[int, int | None, str | None, int] | None:
    """(target column, unit column, the target column's year, indicator column) of a target-table
    header."""
    if len(header) < 3 or not any("指标" in h for h in header):
        return None
    targets = [k for k, h in enumerate(header) if "目标" in h] or [
        k for k, h in enumerate(header) if _YEAR_COLUMN.fullmatch(h)
    ][-1:]
    if not targets:
        return None
    target_col = targets[-1]
    unit_col = next((k for k, h in enumerate(header) if "单位" in h), None)
    indicator_col = next(k for k, h in enumerate(header) if "指标" in h and "属性" not in h)
    year = _YEAR_COLUMN.search(header[target_col])
    return target_col, unit_col, year.group(1) if year else None, indicator_col


def _table_row_target(
    row: str,
    start: int,
    cells: list[re.Match[str]],
    width: int,
    target_col: int,
    unit_col: int | None,
    indicator_col: int,
    deadline: str | None,
    lexicon: TargetLexicon,
) -> TargetMatch | None:
    """The target of one table row, its cells aligned on the header from the right."""
    shift = len(cells) - width
    value_cell = cells[target_col + shift] if target_col + shift >= 0 else None
    value = _CELL_VALUE.fullmatch(value_cell.group()) if value_cell else None
    if value_cell is None or value is None:
        return None
    unit = ""
    if unit_col is not None and unit_col + shift >= 0:
        unit_cell = cells[unit_col + shift]
        indicator_cell = cells[unit_col + shift - 1] if unit_col + shift - 1 >= 0 else None
        unit = unit_cell.group() if unit_cell.group() not in ("—", "-", "/") else ""
    else:
        indicator_cell = cells[indicator_col + shift] if indicator_col + shift >= 0 else None
    if indicator_cell is None or _CELL_VALUE.fullmatch(indicator_cell.group()):
        return None
    indicator, indicator_end = indicator_cell.group(), indicator_cell.end()
    in_brackets = re.search(r"[(（](?P<unit>[^()（）]{1,8})[)）]$", indicator)
    if in_brackets and not unit:
        # 人均预期寿命(岁): the unit written after the indicator
        unit = in_brackets.group("unit")
        indicator, indicator_end = (
            indicator[: in_brackets.start()],
            indicator_cell.start() + in_brackets.start(),
        )
    unit = lexicon.unit_form(value.group("unit") or unit)
    code = _CELL_CODES.get(value.group("cmp") or value.group("post") or "", "=")
    year = int(deadline) if deadline and deadline.isdigit() else None
    return TargetMatch(
        start=start + value_cell.start(),
        end=start + value_cell.end(),
        text=value_cell.group(),
        value=float(value.group("num")),
        unit=unit,
        comparator=code,
        indicator=indicator,
        indicator_start=start + indicator_cell.start(),
        indicator_end=start + indicator_end,
        deadline=None,
        deadline_value=deadline,
        deadline_year=year,
        sentence_start=start,
    )


def _sentence_targets(
    sentence: str,
    offset: int,
    deadlines: list[DeadlineMatch],
    plan_period_end: str | None,
    lexicon: TargetLexicon,
) -> list[TargetMatch]:
    """The targets of one sentence (``offset`` is its start in the text)."""
    targets: list[TargetMatch] = []
    for clause_match in _CLAUSE.finditer(sentence):
        c_start = clause_match.start()
        clause = clause_match.group()
        if not _NUMERAL.search(clause):
            continue
        numbers = [n for n in lexicon.numbers(clause) if not _is_age_band(clause, n, lexicon)]
        if not numbers:
            continue
        deadline_ranges = [
            (d.start - c_start, d.end - c_start)
            for d in deadlines
            if d.start >= c_start and d.end <= clause_match.end()
        ]
        context = _Clause(
            clause, c_start, offset, numbers, deadlines, deadline_ranges, plan_period_end, lexicon
        )
        groups = _list_groups(clause, numbers)
        committed = False
        floor = 0  # where the next indicator may begin
        for i, group in enumerate(groups):
            # 设置1个市办医院、1个县办医院: an item listed after a committed one shares its verb.
            inherited = (
                committed
                and i > 0
                and bool(_LISTED_ITEM.fullmatch(clause[groups[i - 1][-1].end : group[0].start]))
            )
            found = _group_targets(context, group, inherited, floor)
            committed = bool(found)
            targets.extend(found)
            # A count that commits nobody and is followed by its noun (等24种重大疾病) qualifies the
            # thing measured next: the next indicator still begins before it.
            modifier = (
                not found
                and _WORD.match(clause[group[-1].end : group[-1].end + 1] or "。") is not None
            )
            if not modifier:
                floor = group[-1].end
    return targets


def _is_age_band(clause: str, number: _Number, lexicon: TargetLexicon) -> bool:
    """True for a number naming who is meant (65岁及以上老年人, 5岁以下儿童), part of an indicator."""
    return (
        number.unit in lexicon.qualifier_units
        and _WORD.search(clause[number.end : number.end + 1]) is not None
    )


def _list_groups(clause: str, numbers: list[_Number]) -> list[list[_Number]]:
    """Numbers joined only by 、/和/及 (分别达到4人、8.5人) form one group."""
    groups: list[list[_Number]] = []
    for number in numbers:
        if groups and _LIST_JOINER.match(clause[groups[-1][-1].end : number.start]):
            groups[-1].append(number)
        else:
            groups.append([number])
    return groups


@dataclass(frozen=True)
class _Clause:
    """One clause of a sentence and what its targets are read against."""

    text: str
    start: int  # in its sentence
    offset: int  # the sentence's start in the text
    numbers: list[_Number]  # the clause's numbers, age bands left out
    deadlines: list[DeadlineMatch]  # the whole sentence's, in sentence offsets
    deadline_ranges: list[tuple[int, int]]  # the deadlines inside the clause, in clause offsets
    plan_period_end: str | None  # the year a target without one takes ("2025")
    lexicon: TargetLexicon


def _group_targets(
    context: _Clause, group: list[_Number], inherited: bool = False, floor: int | None = None
) -> list[TargetMatch]:
    """Targets for one group of listed numbers of a clause, or none if they commit nobody
    (``inherited``: the group is a list item after a committed one, and shares its verb;
    ``floor``: where the indicator may begin at the latest)."""
    clause, c_start, offset, numbers = context.text, context.start, context.offset, context.numbers
    deadlines, deadline_ranges = context.deadlines, context.deadline_ranges
    plan_period_end, lexicon = context.plan_period_end, context.lexicon
    head, last = group[0], group[-1]
    index = numbers.index(head)
    left = numbers[index - 1].end if index > 0 else 0
    if floor is not None:
        left = min(left, floor)
    before = clause[left : head.start]
    after = clause[
        last.end : numbers[numbers.index(last) + 1].start
        if numbers.index(last) + 1 < len(numbers)
        else len(clause)
    ]
    follows_noun = _WORD.search(after) is not None
    pre_match = lexicon.pre.search(before)
    commits = (
        inherited
        or lexicon.commitment_end.search(before) is not None
        or (
            pre_match is not None
            and lexicon.pre_code.get(_verb_of(pre_match.group(), lexicon)) in (">=", "<=")
        )
    )
    verb_adjacent = pre_match is not None or commits
    if head.unit in lexicon.qualifier_units and follows_noun:
        return []  # 65岁及以上老年人…: an age band, not a commitment
    if follows_noun:
        # Number before the thing measured: 100%县级中医医院达到…, 建成45个左右省级重点专科.
        has_deadline = (
            plan_period_end is not None
            or _deadline_before(deadlines, head.start + c_start) is not None
        )
        if not ((commits and has_deadline) or head.unit in lexicon.share_units):
            return []
        removed = [
            (n.start, n.end) for n in numbers if n.unit not in lexicon.within_units
        ] + deadline_ranges
        if pre_match is not None and lexicon.pre_code.get(_verb_of(pre_match.group(), lexicon)) in (
            ">=",
            "<=",
            "~",
        ):
            removed.append((left + pre_match.start(), left + pre_match.end()))
        indicator_text = _clean_indicator(_remove_ranges(clause, removed))
        ind_start, ind_end = 0, len(clause)
        indicators = [indicator_text] * len(group)
    else:
        # Thing measured before the number: 覆盖率达到20%, 分别达到1∶0.53、1∶1.01.
        has_commitment = (
            verb_adjacent
            or lexicon.commitment.search(before) is not None
            or last.post is not None
            or lexicon.pre_anywhere.search(before) is not None
        )
        has_deadline = (
            plan_period_end is not None
            or _deadline_before(deadlines, head.start + c_start) is not None
        )
        weak = (
            pre_match is not None
            and _verb_of(pre_match.group(), lexicon) in _DESCRIPTIVE_VERBS
            and last.post is None
        )
        if not has_commitment or (weak and not has_deadline):
            return []  # 其中女性占比为52%: a description, not a commitment
        verb_at = pre_match.start() if pre_match is not None else len(before)
        if pre_match is None:
            # 补偿比应达到我省限定费用的80%: the indicator ends at the verb, not at its object.
            verb = None
            for verb in lexicon.pre_anywhere.finditer(before):
                pass
            if verb is not None and "的" in before[verb.end() :]:
                verb_at = verb.start()
        ind_start, ind_end = left, left + verb_at
        span_text = clause[ind_start:ind_end]
        local_deadlines = [
            (a - left, b - left) for a, b in deadline_ranges if a >= left and b <= ind_end
        ]
        indicator_text = _clean_indicator(_remove_ranges(span_text, local_deadlines))
        if not indicator_text:
            return []
        items = [i for i in _ITEM_SPLIT.split(indicator_text) if i]
        indicators = (
            items if len(group) > 1 and len(items) == len(group) else [indicator_text] * len(group)
        )
    deadline = _deadline_before(deadlines, head.start + c_start)
    if deadline is not None and deadline.value == "annual" and deadline.start < c_start:
        # 每年 holds for its own clause (每年开展体检不少于1次，管理率达到72%: the rate is not annual)
        deadline = _deadline_before(
            [d for d in deadlines if d.value != "annual"], head.start + c_start
        )
    deadline_value = deadline.value if deadline else plan_period_end
    deadline_year = (
        deadline.year
        if deadline
        else (int(plan_period_end) if plan_period_end and plan_period_end.isdigit() else None)
    )
    if deadline is not None and deadline.value == "annual":
        deadline_year = None
    shared_post = next((n.post for n in reversed(group) if n.post is not None), None)
    targets = []
    for number, indicator in zip(group, indicators):
        if number.post is None and shared_post is not None:
            number = _Number(
                number.start,
                number.end,
                number.num_start,
                number.values,
                number.unit,
                shared_post,
                number.is_range,
                number.parts,
            )
        comparator = lexicon.comparator(number, clause[left : head.start])
        item_start, item_end = _item_bounds(clause, ind_start, ind_end, indicator, len(group))
        for value, (p_start, p_end) in zip(number.values, number.parts):
            targets.append(
                TargetMatch(
                    start=offset + c_start + p_start,
                    end=offset + c_start + p_end,
                    text=clause[p_start:p_end],
                    value=value,
                    unit=number.unit,
                    comparator=comparator,
                    indicator=indicator,
                    indicator_start=offset + c_start + item_start,
                    indicator_end=offset + c_start + item_end,
                    deadline=deadline,
                    deadline_value=deadline_value,
                    deadline_year=deadline_year,
                    sentence_start=offset,
                )
            )
    return targets


def _item_bounds(
    clause: str, ind_start: int, ind_end: int, indicator: str, group_size: int
) -> tuple[int, int]:
    """Clause offsets of one listed indicator item (床医比 of 床医比、医护比), else the whole indicator range."""
    if group_size > 1:
        at = clause.find(indicator, ind_start, ind_end)
        if at >= 0:
            return at, at + len(indicator)
    return ind_start, ind_end


def _verb_of(qualifier: str, lexicon: TargetLexicon) -> str:
    """The qualifier word without a trailing 在/到/至/为 particle.

    >>> lex = default_target_lexicon()
    >>> _verb_of("控制在", lex), _verb_of("力争在", lex)
    ('控制在', '力争')
    """
    word = qualifier.strip()
    while word and word not in lexicon.pre_code and word[-1] in "在到至为":
        word = word[:-1].strip()
    return word


def _deadline_before(deadlines: list[DeadlineMatch], position: int) -> DeadlineMatch | None:
    """The last deadline (not a status date) that opens before ``position`` in the sentence."""
    before = [
        d
        for d in deadlines
        if d.start < position and not d.is_status and (d.year or d.value == "annual")
    ]
    return before[-1] if before else None


class TargetRecognizer(MatchComponent):
    """Finds quantitative targets; adds TARGET and INDICATOR spans and their relations."""

    resource_files = (UNITS_FILE, COMPARATORS_FILE)

    def __init__(
        self,
        nlp: Language,
        name: str = "policykg_targets",
        *,
        keep_past: bool = False,
        resources_dir: str | None = None,
    ) -> None:
        self.name = name
        self.keep_past = keep_past
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        comparators = read_yaml_mapping(directory / COMPARATORS_FILE)
        self.lexicon = TargetLexicon(
            read_yaml_mapping(directory / UNITS_FILE), comparators, DeadlineLexicon(comparators)
        )

    def match(self, doc: Doc) -> list[TargetMatch]:
        """The targets of ``doc``, using its plan period and past sections."""
        period = doc._.plan_period_end
        return find_targets(
            doc_text(doc),
            plan_period_end=str(period) if period else None,
            past_ranges=self._past_ranges(doc),
            lexicon=self.lexicon,
            keep_past=self.keep_past,
        )

    def _past_ranges(self, doc: Doc) -> tuple[tuple[int, int], ...]:
        ranges = []
        for section in doc._.sections or ():
            heading, start, end = section.heading, section.start, section.end
            # A heading that names the past (发展基础, 规划背景); not a long task heading that
            # happens to hold the word (…以基层医疗卫生机构为基础…).
            if (
                heading
                and len(str(heading)) <= 12
                and any(word in str(heading) for word in self.lexicon.past_headings)
            ):
                ranges.append((int(start), int(end)))
        return tuple(ranges)

    def set_annotations(self, doc: Doc, matches: list[TargetMatch]) -> None:
        """Add TARGET/INDICATOR spans (and DEADLINE spans not yet present) with relations."""
        deadlines = {(s.start_char, s.end_char): s for s in policykg_spans(doc, DEADLINE)}
        indicators: dict[tuple[int, int, str], Span] = {}
        new_spans: list[Span] = []
        relations = list(doc._.relations or [])
        for match in matches:
            target = doc.char_span(match.start, match.end, label=TARGET, alignment_mode="expand")
            if target is None:
                continue
            target._.value = match.value
            target._.unit = match.unit
            target._.comparator = match.comparator
            target._.indicator = match.indicator
            target._.deadline = match.deadline_value
            target._.deadline_text = match.deadline.text if match.deadline else None
            target._.deadline_year = match.deadline_year
            target._.is_past = match.is_past
            new_spans.append(target)
            key = (match.indicator_start, match.indicator_end, match.indicator)
            indicator = indicators.get(key)
            if indicator is None:
                indicator = doc.char_span(
                    match.indicator_start,
                    match.indicator_end,
                    label=INDICATOR,
                    alignment_mode="expand",
                )
                if indicator is not None:
                    indicator._.indicator = match.indicator
                    indicators[key] = indicator
                    new_spans.append(indicator)
            if indicator is not None:
                relations.append(Relation(target, HAS_INDICATOR, indicator))
            if match.deadline is not None:
                sentence_offset = match.sentence_start
                key2 = (
                    sentence_offset + match.deadline.start,
                    sentence_offset + match.deadline.end,
                )
                dspan = deadlines.get(key2)
                if dspan is None:
                    dspan = deadline_span(doc, match.deadline, offset=sentence_offset)
                    if dspan is not None:
                        deadlines[key2] = dspan
                        new_spans.append(dspan)
                if dspan is not None:
                    relations.append(Relation(target, HAS_DEADLINE, dspan))
        add_spans(doc, new_spans)
        doc._.relations = relations


@Language.factory(
    "policykg_targets",
    assigns=["doc.spans", "doc._.relations"],
    requires=["doc._.plan_period_end", "doc._.sections"],
    default_config={"keep_past": False, "resources_dir": None},
)
def make_target_recognizer(
    nlp: Language, name: str, keep_past: bool, resources_dir: str | None
) -> TargetRecognizer:
    """Build the ``policykg_targets`` component."""
    return TargetRecognizer(nlp, name, keep_past=keep_past, resources_dir=resources_dir)
