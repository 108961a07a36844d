"""The task hierarchy of a policy text: parts (一、), items ((一)), sub-items (1. / (1) / ①).

Chapters (``第一章``, ``第二部分``) are not sections, but each may restart part numbering.
Numbering restarts: when a part number does not increase (``一、起草背景`` after ``七、组织实施``),
the text that follows is another block (a drafting note, an annex, a second document) and not part
of this document's task hierarchy; the hierarchy stops there and the last part ends before it.

Documents without any numbered marker (speeches, articles) may still have short unpunctuated
heading lines between body paragraphs; those become parts with an empty marker.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass

from pipeline.models import Section, SectionKind, Span
from pipeline.sentences import trim_span
from pipeline.structure.text import Line, chinese_number, iter_lines, sentence_spans

_LEAD = r"^[\s*#·•]*"
_CN = "一二三四五六七八九十百"
PART_RE = re.compile(_LEAD + rf"(?P<marker>(?P<num>[{_CN}]+)\s*[、.．])")
ITEM_RE = re.compile(_LEAD + rf"(?P<marker>[(（]\s*(?P<num>[{_CN}]+)\s*[)）])")
CHAPTER_RE = re.compile(_LEAD + rf"第[{_CN}\d]+(?:章|部分|篇)(?:\s|$|[、:：])")
SUBITEM_RE = re.compile(
    _LEAD
    + r"(?P<marker>(?P<num>\d{1,2})\s*[.、．](?![\d.])|[(（]\s*(?P<num2>\d{1,2})\s*[)）]|(?P<num3>[①-⑳]))"
)
_HEADING_STRIP = " \t*。.,，;；:：、!！?？"
_DEPTH = {SectionKind.PART: 0, SectionKind.ITEM: 1, SectionKind.SUBITEM: 2}
# An unmarked heading line: short, no sentence punctuation, not a colon-introduced list.
UNMARKED_HEADING_MAX = 60
BODY_PARAGRAPH_MIN = 50


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: SectionKind
    ordinal: int
    marker: str
    marker_start: int
    marker_end: int
    line: Line


def match_marker(line: Line) -> _Marker | None:
    """The section marker opening ``line``, if any.

    >>> m = match_marker(Line(0, 12, "**二、优化资源配置**"))
    >>> (m.kind.value, m.ordinal, m.marker)
    ('part', 2, '二、')
    >>> match_marker(Line(0, 9, "(三) 提升服务")).ordinal, match_marker(Line(0, 8, "2025年目标")) is None
    (3, True)
    """
    for kind, pattern in (
        (SectionKind.PART, PART_RE),
        (SectionKind.ITEM, ITEM_RE),
        (SectionKind.SUBITEM, SUBITEM_RE),
    ):
        match = pattern.match(line.text)
        if not match:
            continue
        groups = match.groupdict()
        numeral = groups.get("num") or groups.get("num2") or groups.get("num3") or ""
        ordinal = chinese_number(numeral)
        if ordinal is None or ordinal == 0:
            continue
        marker = re.sub(r"\s+", "", match.group("marker"))
        return _Marker(
            kind,
            ordinal,
            marker,
            line.start + match.start("marker"),
            line.start + match.end("marker"),
            line,
        )
    return None


def heading_span(text: str, start: int, line_end: int) -> tuple[int, int]:
    """Offsets of the heading words after a marker: up to the first 。 or the line end, trimmed.

    >>> t = "(一)科学配置医疗资源。强化"
    >>> s, e = heading_span(t, 3, len(t)); t[s:e]
    '科学配置医疗资源'
    """
    stop = text.find("。", start, line_end)
    end = stop if stop >= 0 else line_end
    while start < end and text[start] in _HEADING_STRIP:
        start += 1
    while end > start and text[end - 1] in _HEADING_STRIP:
        end -= 1
    return start, end


@functools.lru_cache(maxsize=2)
def _marked(text: str) -> tuple[tuple[_Marker, ...], int]:
    """Markers in order, and where the hierarchy stops (a restart of part numbering, else the end).

    Kept for the last texts: the structure stage asks twice (sections, then citations' end)."""
    markers: list[_Marker] = []
    last_part = 0
    for line in iter_lines(text):
        if CHAPTER_RE.match(line.text):
            last_part = 0  # a new chapter legitimately restarts the part numbers
            continue
        marker = match_marker(line)
        if marker is None:
            continue
        if marker.kind is SectionKind.PART:
            if marker.ordinal <= last_part:
                return tuple(markers), line.start
            last_part = marker.ordinal
        markers.append(marker)
    return tuple(markers), len(text)


def _unmarked(text: str) -> list[_Marker]:
    """Short heading lines between body paragraphs, for texts without numbered markers."""
    lines = [line for line in iter_lines(text) if line.text.strip()]
    headings: list[_Marker] = []
    seen_body = False
    for i, line in enumerate(lines):
        stripped = line.text.strip(" \t*")
        is_body = len(stripped) >= BODY_PARAGRAPH_MIN and any(p in stripped for p in "。!?！？")
        if (
            seen_body
            and i + 1 < len(lines)
            and 4 <= len(stripped) <= UNMARKED_HEADING_MAX
            and not any(p in stripped for p in "。!?！？;；")
            and stripped[-1] not in ":：,，、"
        ):
            s, _ = trim_span(text, line.start, line.end)
            while text[s] == "*":
                s += 1
            headings.append(_Marker(SectionKind.PART, len(headings) + 1, "", s, s, line))
        seen_body = seen_body or is_body
    return headings if len(headings) >= 2 else []


def _section_ends(markers: list[_Marker], stop: int) -> list[int]:
    """Where each marker's section ends: at the next marker of the same or a shallower depth,
    else at ``stop``. One pass with a stack of open sections (linear in the markers)."""
    ends = [stop] * len(markers)
    open_sections: list[int] = []  # indexes of markers whose end is not found yet, deepest last
    for index, marker in enumerate(markers):
        depth = _DEPTH[marker.kind]
        while open_sections and _DEPTH[markers[open_sections[-1]].kind] >= depth:
            ends[open_sections.pop()] = marker.line.start
        open_sections.append(index)
    return ends


def build_sections(text: str) -> tuple[Section, ...]:
    """The task hierarchy of ``text`` in reading order, ids positional (``p2``, ``p2.i3``, ``p2.i3.s1``).

    Linear in the text: section ends come from one stack pass, paragraphs from a bisection of
    the line starts, repeated ids from a counter per id.
    """
    marked, stop = _marked(text)
    markers = list(marked)
    if not markers:
        markers, stop = _unmarked(text), len(text)
    lines = list(iter_lines(text))
    line_starts = [line.start for line in lines]
    sections: list[Section] = []
    repeats: dict[str, int] = {}  # section id -> how many sections already took it as their base
    parents: dict[int, str] = {}  # depth -> id of the open section at that depth
    for marker, end in zip(markers, _section_ends(markers, stop), strict=True):
        depth = _DEPTH[marker.kind]
        start, end = trim_span(text, marker.marker_start, end)
        parent_id = next((parents[d] for d in range(depth - 1, -1, -1) if d in parents), None)
        letter = {SectionKind.PART: "p", SectionKind.ITEM: "i", SectionKind.SUBITEM: "s"}[
            marker.kind
        ]
        own = f"{letter}{marker.ordinal}"
        section_id = _unique_id(f"{parent_id}.{own}" if parent_id else own, repeats)
        for d in [d for d in parents if d >= depth]:
            del parents[d]
        parents[depth] = section_id
        h_start, h_end = heading_span(text, marker.marker_end, marker.line.end)
        first = max(0, bisect_right(line_starts, start) - 1)
        paragraphs = []
        for line in lines[first:]:
            if line.start >= end:
                break
            if line.end > start and text[max(line.start, start) : min(line.end, end)].strip():
                paragraphs.append(
                    Span(*trim_span(text, max(line.start, start), min(line.end, end)))
                )
        sections.append(
            Section(
                section_id=section_id,
                kind=marker.kind,
                marker=marker.marker,
                ordinal=marker.ordinal,
                heading=text[h_start:h_end],
                start=start,
                end=end,
                heading_start=h_start,
                heading_end=h_end,
                parent_id=parent_id,
                paragraphs=tuple(paragraphs),
                sentences=sentence_spans(text, start, end),
            )
        )
    return tuple(sections)


def _unique_id(base: str, repeats: dict[str, int]) -> str:
    """``base`` the first time, then ``base_2``, ``base_3``, ... (a base ends in a digit after a
    letter, never in ``_k``, so a suffixed id is never another section's base).

    >>> seen = {}
    >>> [_unique_id("i1", seen) for _ in range(3)]
    ['i1', 'i1_2', 'i1_3']
    """
    repeats[base] = repeats.get(base, 0) + 1
    return base if repeats[base] == 1 else f"{base}_{repeats[base]}"


def hierarchy_end(text: str) -> int:
    """Where the task hierarchy stops (the first restart of part numbering), else ``len(text)``."""
    return _marked(text)[1]
