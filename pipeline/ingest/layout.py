"""Page layout repairs on clean lines: hard line wraps joined.

PDF copy-paste and e-paper pages break every line at the page width, mid-sentence and even
mid-name (``国家\\n卫生健康委``). Later stages read a paragraph per line, so the breaks are
joined here, with offsets kept (a joined line break is a dropped piece).

A text is *hard-wrapped* when most of its longer lines share one display width (ASCII characters
count half): the wrap width ``W``. There a line at least ``WRAP_FILL`` of ``W`` wide that does not
end a sentence continues on the next line. Anywhere, a line that leaves a bracket open
(``(``, ``《``, ``〔``, ``“``) continues on the next line when that line closes it.
"""

from __future__ import annotations

import re

from pipeline.ingest.clean import Line
from pipeline.ingest.lexicon import ingest_patterns
from pipeline.ingest.pieces import Piece

WRAP_FILL = 0.85
WRAP_MIN_LINES = 5
WRAP_MIN_SHARE = 0.35
WRAP_MAX_WIDTH = 100
# A line opening a section, an article or a table row: never the rest of the line before it.
SECTION_START = re.compile(
    r"\s*(?:[一二三四五六七八九十]+\s*[、.]|\(\s*[一二三四五六七八九十]+\s*\)|\d{1,2}\s*[、.](?!\d)"
    r"|\(\d{1,2}\)|[①-⑳]|第[一二三四五六七八九十\d]+[章节条部]|\d{1,3}[ \t]+(?=[\u4e00-\u9fff]))"
)
# A running header or footer ends with its page number: never joined to the text below it.
PAGE_NUMBER_END = re.compile(r"[^\d\s.]\s+\d{1,3}$")
# Punctuation inside a line (its section marker aside) makes it prose, not a heading or a name.
_PROSE_MARK = re.compile(r"[，,、。;；]")

# A line that is only a date (a signature's): never the rest of the line above it.
DATE_LINE = re.compile(
    r"\s*[(（]?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[)）]?\s*$"
)
# A bracketed note after a full stop closes the paragraph: "…。(责任单位:市卫生健康委)".
_CLOSING_NOTE = re.compile(r"[。!?！？;；][(（][^()（）]*[)）]$")
# A table row: its number, a space, then cells.
_TABLE_ROW = re.compile(r"\s*\d{1,3}[ \t]+\S")
_SENTENCE_END = frozenset("。!?！？;；:：")
_OPENERS = {"(": ")", "《": "》", "〔": "〕", "“": "”", "[": "]", "【": "】"}
_BRACKETS = re.compile("[" + re.escape("".join(_OPENERS) + "".join(_OPENERS.values())) + "]")
_BRACKET_LOOKAHEAD = 3  # lines a bracket may stay open across
_BRACKET_SPAN = 240  # characters a bracketed run may cover


def display_width(text: str) -> float:
    """Width on a page: ASCII characters are half as wide as Chinese ones.

    >>> display_width("2023年工作要点"), display_width("卫生健康委")
    (7.0, 5.0)
    """
    # encoding to ASCII while ignoring the rest keeps exactly the half-width characters
    return len(text) - 0.5 * len(text.encode("ascii", "ignore"))


def wrap_width(widths: list[float]) -> float | None:
    """The width a hard-wrapped text breaks its lines at, or None for flowing text.

    >>> wrap_width([38.0] * 5 + [3.0])
    38.0
    >>> wrap_width([120.0, 300.0, 45.0, 80.0]) is None
    True
    """
    widths = sorted(w for w in widths if w >= 10)
    if len(widths) < WRAP_MIN_LINES:
        return None
    top = widths[int(0.9 * (len(widths) - 1))]
    if top > WRAP_MAX_WIDTH:
        return None
    full = sum(1 for w in widths if w >= WRAP_FILL * top)
    if full < WRAP_MIN_LINES or full < WRAP_MIN_SHARE * len(widths):
        return None
    return top


def _fill_share(measures: list[float], width: float | None) -> float:
    if width is None:
        return -1.0
    long = [m for m in measures if m >= 10]
    return sum(1 for m in long if m >= WRAP_FILL * width) / max(len(long), 1)


def _raw_lengths(lines: list[Line], raw: str) -> list[float]:
    """Characters of each line as the raw file has it, indentation included."""
    out = []
    for line in lines:
        if not line.pieces:
            out.append(0.0)
            continue
        # From the raw line's start (indentation counts) to its last kept character: what a
        # cleaning step dropped at the end (anti-scraping noise) is no part of the width.
        start = raw.rfind("\n", 0, line.pieces[0].start) + 1
        out.append(float(line.pieces[-1].end - start))
    return out


def _is_prose(line: str) -> bool:
    """Whether a line is running text (punctuation after its section marker), so that ending it
    without a full stop means the sentence goes on.

    >>> _is_prose("(五)以 2023年全国科普日活动、全国"), _is_prose("(一)指导思想"), _is_prose("一、总体要求")
    (True, False, False)
    """
    marker = SECTION_START.match(line)
    return _PROSE_MARK.search(line[marker.end() if marker else 0 :]) is not None


def _open_bracket(text: str) -> str | None:
    """The closer the line still waits for: the last bracket it opens and leaves open."""
    stack: list[str] = []
    for ch in _BRACKETS.findall(text):  # every other character leaves the stack as it is
        if ch in _OPENERS:
            stack.append(_OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
    return stack[-1] if stack else None


def _closes_soon(texts: list[str], i: int, closer: str) -> bool:
    """Whether the next lines close ``closer`` within a bracket's reach, before opening another
    and before a new section starts."""
    opener = next(o for o, c in _OPENERS.items() if c == closer)
    seen = 0
    for text in texts[i + 1 : i + 1 + _BRACKET_LOOKAHEAD]:
        if SECTION_START.match(text):
            return False
        at, again = text.find(closer), text.find(opener)
        if at >= 0 and (again < 0 or at < again):
            return seen + at <= _BRACKET_SPAN
        if again >= 0:
            return False
        seen += len(text)
    return False


def unwrap_lines(lines: list[Line], raw: str | None = None) -> list[Line]:
    """Join the lines a hard wrap or an open bracket split (the break piece is dropped).

    The wrap width is looked for in the display widths of the clean lines, then in the raw
    lines' character counts (a tool that wrapped at N characters, indentation included).
    """
    if len(lines) < 2:
        return lines
    texts = [line.text for line in lines]
    candidates = [[display_width(t) for t in texts]]
    if raw is not None:
        candidates.append(_raw_lengths(lines, raw))
    # The measure most of whose lines fill its width is the one the text was wrapped by.
    width, measures = max(
        ((wrap_width(m), m) for m in candidates),
        key=lambda wm: _fill_share(wm[1], wm[0]),
    )
    patterns = ingest_patterns()
    joins: list[bool] = []
    run = ""  # the text of the line being built (lines already joined to it included)
    for i, text in enumerate(texts[:-1]):
        stripped = text.rstrip()
        run = run + stripped if joins and joins[-1] else stripped
        # In a wrapped text a line runs on when it fills the width, or when it stops mid-sentence
        # after a comma (the rest of a line that was wrapped twice).
        wrapped = (
            width is not None
            and (measures[i] >= WRAP_FILL * width or _is_prose(stripped))
            and stripped[-1:] not in _SENTENCE_END
            and not _CLOSING_NOTE.search((texts[i - 1] if i else "") + stripped)
            and not SECTION_START.match(texts[i + 1])
            and not (_TABLE_ROW.match(stripped) and len(stripped.split()) >= 3)
            and not patterns.field_label.match(texts[i + 1])
            and not patterns.field_label.match(stripped)
            and not DATE_LINE.match(texts[i + 1])
            and not (patterns.title_end.search(stripped) and not _is_prose(stripped))
            and not PAGE_NUMBER_END.search(stripped)
        )
        closer = _open_bracket(run[-_BRACKET_SPAN:])
        joins.append(wrapped or (closer is not None and _closes_soon(texts, i, closer)))
    out: list[Line] = [lines[0]]
    for line, join in zip(lines[1:], joins):
        if join:
            last = out[-1]
            # A break the raw text put next to a space (a table cell, a Latin word) stays a space.
            # A table row's cells are separated by spaces: a break inside a row separates too.
            spaced = last.terminator is not None and (
                (raw is not None and _spaced_break(raw, last, line)) or len(last.text.split()) >= 4
            )
            terminator = last.terminator
            gap = (
                [Piece(" ", terminator.start, terminator.end, unit=True)]
                if spaced and terminator
                else []
            )
            out[-1] = Line(
                last.pieces + gap + line.pieces, line.terminator, last.heading, last.continuation
            )
        else:
            out.append(line)
    return out


def _spaced_break(raw: str, before: Line, after: Line) -> bool:
    """Whether the raw text has a space or two beside the break between two lines (a cell or
    word separator; a deeper indent is the page margin)."""
    if not before.pieces or not after.pieces or before.terminator is None:
        return False
    left = raw[before.pieces[-1].end : before.terminator.start]
    right = raw[before.terminator.end : after.pieces[0].start]
    spaces = sum(ch in " \t\u3000" for ch in left + right)
    return 1 <= spaces <= 3


__all__ = ["display_width", "unwrap_lines", "wrap_width"]
