"""Character and line normalisation of decoded text, with offsets kept.

The clean-text convention (every later stage can rely on it):

- Newlines: ``\\r\\n``, ``\\r``, form feed and Unicode line separators become ``\\n``. A paragraph
  is one line; lines are separated by exactly one ``\\n``; no empty lines; no leading or trailing
  spaces on a line. Block HTML tags and ``<br>`` are paragraph breaks.
- Script: Traditional Chinese is converted to Simplified (OpenCC ``t2s``; Simplified text passes
  through unchanged). Pinyin annotations right after a Han character -- Latin letters with at
  least one tone mark in ``()`` or ``（）``, as in ``醫(yī)療`` (or after a mojibake character), or one
  toneless lower-case syllable, as in ``關(guan) 於`` (a space after it goes too) -- are
  removed; other parentheses
  (``(一)``, ``(含中医)``, ``(2021—2025年)``, ``(5G)``) are kept.
- Width: full-width forms U+FF01..U+FF5E become their ASCII counterparts, so digits and Latin
  letters are half-width AND ``，：；（）！？`` become ``,:;()!?``. A ``.`` typed for ``。`` (after
  a Han character or a closing mark, before no digit or letter) becomes ``。``. Ideographic punctuation that has
  no ASCII twin is kept as is: ``。、“”‘’《》〈〉〔〕【】—…·``. Regexes downstream therefore match
  ``(`` ``)`` ``:`` ``;`` ``,`` only, never their full-width forms.
- Spaces: runs of spaces, tabs, no-break and ideographic spaces become one ASCII space (spaces
  between Han characters are kept as one space: they often separate title parts); zero-width
  characters and stray control characters are removed.
- Markup: see :mod:`pipeline.ingest.markup`; line-start Markdown (``#`` headings, ``>`` quotes) and
  list bullets (``·``, ``•``, ``-``) are removed; page furniture lines (breadcrumbs, navigation,
  contact lines, spam title lists) are dropped by the patterns in
  ``pipeline/resources/ingest_patterns.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.ingest.lexicon import ingest_patterns
from pipeline.ingest.markup import strip_markup
from pipeline.ingest.pieces import Piece, drop, from_raw, map_text, rewrite, text_of

NEWLINE = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
# Anti-scraping noise a forum page sprinkles into lines: five or more one- or two-character ASCII
# tokens in a row, with symbols among them (``( _8 M1 x* {3 N# y1 D9 w``).
SCRAPE_NOISE = re.compile(r"(?<![!-~])(?:[!-~]{1,2} ){4,}[!-~]{0,2}(?![!-~])")
WHITESPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# Mostly right after a Han character (醫(yī)), but also after a character mangled by mojibake
# (ㄔO(shè)); the tone mark is what makes it pinyin, so any preceding character is accepted.
PINYIN = re.compile(rf"([^\n(（]?)[(（]([a-zA-Z{_TONED}]{{1,8}})[)）](?: (?=[\u4e00-\u9fff]))?")
# A toneless syllable (``關(guan) 於(yu)``): initial + final, lower case; counted as pinyin only
# right after a Han character.
PINYIN_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|in|un|ia|ie|iu|ua|uo|ui|ue|ve|a|o|e|i|u|v)"
)
_TONED_SET = frozenset(_TONED)
# The parenthesised part of a PINYIN match alone: a cheap test (PINYIN's optional first group
# makes the engine try it at every position) that tells when PINYIN cannot match at all.
PINYIN_NOTE = re.compile(rf"[(（][a-zA-Z{_TONED}]{{1,8}}[)）]")
FULL_WIDTH = re.compile("[\uff01-\uff5e]")
# ``.`` typed for ``。``: after a Han character or a closing mark, before no digit, letter or dot.
# The match takes the character before it, so no segment boundary falls between the two.
SENTENCE_PERIOD = re.compile(r"[\u4e00-\u9fff”’)》」』】%‰]\.(?![0-9A-Za-z.])")
_HALF_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # -> U+0021..


def fold_width(text: str) -> str:
    """Full-width ASCII forms to half-width.

    >>> fold_width("（２０２５年）：ＡＢ，")
    '(2025年):AB,'
    """
    # A regex pass touches only the full-width characters; str.translate looks up every one.
    return FULL_WIDTH.sub(_half_width, text)


def _half_width(match: re.Match[str]) -> str:
    return _HALF_WIDTH[match.group()]


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s); Simplified text is returned unchanged.

    >>> simplified("醫療衛生服務體系")
    '医疗卫生服务体系'
    """
    return _opencc().convert(text)


def to_simplified(pieces: list[Piece]) -> list[Piece]:
    """Traditional -> Simplified, keeping each character's raw span (OpenCC t2s is 1:1 here).

    A line whose conversion changes its length is converted character by character instead.
    """
    text = text_of(pieces)
    converter = _opencc()
    converted = converter.convert(text)
    if converted == text:
        return pieces
    if len(converted) != len(text):
        converted = "\n".join(_convert_line(converter, line) for line in text.split("\n"))
    out = []
    pos = 0
    for piece in pieces:
        size = len(piece.text)
        new = converted[pos : pos + size]
        out.append(piece if new == piece.text else Piece(new, piece.start, piece.end, piece.unit))
        pos += size
    return out


def _convert_line(converter, line: str) -> str:
    """Convert one line; if a phrase changes its length, convert character by character."""
    converted = converter.convert(line)
    if len(converted) == len(line):
        return converted
    chars = (converter.convert(ch) for ch in line)
    return "".join(new if len(new) == 1 else ch for new, ch in zip(chars, line))


def _pinyin(match: re.Match[str]) -> str | tuple[int, int]:
    letters = match.group(2)
    toneless = (
        len(letters) >= 2
        and "\u4e00" <= match.group(1)[:1] <= "\u9fff"
        and PINYIN_SYLLABLE.fullmatch(letters) is not None
    )
    if not (toneless or _TONED_SET.intersection(letters)):
        return (match.start(), match.end())  # plain Latin in parentheses: keep
    return match.group(1)  # "" for an annotation at a line start: dropped


def normalise_chars(pieces: list[Piece], warnings: list[str] | None = None) -> list[Piece]:
    """Every character-level rule, in order (markup, pinyin, width, script, spaces)."""
    pieces = rewrite(pieces, NEWLINE, lambda _: "\n")
    pieces = rewrite(pieces, CONTROL, drop)
    pieces = strip_markup(pieces, warnings)
    pieces = rewrite(pieces, ZERO_WIDTH, drop)
    if PINYIN_NOTE.search(text_of(pieces)):
        pieces = rewrite(pieces, PINYIN, _pinyin)
    pieces = map_text(pieces, fold_width)
    pieces = to_simplified(pieces)
    if "." in text_of(pieces):
        pieces = rewrite(pieces, SENTENCE_PERIOD, lambda m: m.group()[0] + "。")
    pieces = rewrite(pieces, WHITESPACE, lambda _: " ")
    pieces = rewrite(pieces, SCRAPE_NOISE, _scrape_noise)
    return pieces


def _scrape_noise(match: re.Match[str]) -> str | tuple[int, int]:
    tokens = match.group().split()
    symbols = sum(not ch.isalnum() for ch in match.group() if not ch.isspace())
    mixed = sum(1 for t in tokens if len(t) == 2 and t[0].isalpha() != t[1].isalpha())
    lettered = sum(1 for t in tokens if any(ch.isalpha() for ch in t))
    if lettered < 2 or (symbols < 2 and mixed < 2):
        return (match.start(), match.end())  # keep: short Latin words, ratios (1 : 2 : 3)
    return ""


@dataclass
class Line:
    """One clean line: its content pieces, the break piece that ended it, and what it was."""

    pieces: list[Piece]
    terminator: Piece | None = None
    heading: bool = False  # a Markdown "#" heading
    continuation: bool = False  # started with "(上接第N版)"

    @property
    def text(self) -> str:
        return text_of(self.pieces)


def split_lines(pieces: list[Piece]) -> list[Line]:
    """One :class:`Line` per ``\\n``: a ``\\n`` piece, or a ``\\n`` inside a run, ends a line.

    >>> lines = split_lines(from_raw("ab\\ncd"))
    >>> [(text_of(line.pieces), line.terminator) for line in lines]
    [('ab', Piece(text='\\n', start=2, end=3, unit=False)), ('cd', None)]
    """
    lines = [Line([])]
    for piece in pieces:
        if piece.text == "\n":
            lines[-1].terminator = piece
            lines.append(Line([]))
        elif piece.unit or "\n" not in piece.text:
            lines[-1].pieces.append(piece)
        else:
            _split_run(piece, lines)
    return lines


def _split_run(run: Piece, lines: list[Line]) -> None:
    """Add a run holding ``\\n`` characters to ``lines``, each ``\\n`` ending a line."""
    pos = 0
    for part in run.text.split("\n")[:-1]:
        if part:
            lines[-1].pieces.append(run.cut(pos, pos + len(part)))
        pos += len(part)
        lines[-1].terminator = run.cut(pos, pos + 1)
        lines.append(Line([]))
        pos += 1
    if pos < len(run.text):
        lines[-1].pieces.append(run.cut(pos, len(run.text)))


def _strip(pieces: list[Piece], *, left: bool, right: bool) -> list[Piece]:
    """Drop whitespace at the ends: whitespace characters of a run, unit pieces that are all space.

    >>> ps = [Piece(" ", 0, 1, unit=True), Piece("  ab ", 1, 6), Piece(" x", 6, 9, unit=True)]
    >>> [(p.text, p.start, p.end) for p in _strip(ps, left=True, right=True)]
    [('ab ', 3, 6), (' x', 6, 9)]
    """
    start, end = 0, len(pieces)
    head_cut = 0  # whitespace characters to cut from the head run
    if left:
        while start < end and not pieces[start].text.strip():
            start += 1
        if start < end and not pieces[start].unit:
            text = pieces[start].text
            head_cut = len(text) - len(text.lstrip())
    tail_cut = 0  # whitespace characters to cut from the tail run
    if right:
        while end > start and not pieces[end - 1].text.strip():
            end -= 1
        if end > start and not pieces[end - 1].unit:
            text = pieces[end - 1].text
            tail_cut = len(text) - len(text.rstrip())
    kept = pieces[start:end]
    if not kept or not (head_cut or tail_cut):
        return kept
    if len(kept) == 1:
        only = kept[0]
        return [only.cut(head_cut, len(only.text) - tail_cut)]
    head, tail = kept[0], kept[-1]
    kept[0] = head.cut(head_cut, len(head.text))
    kept[-1] = tail.cut(0, len(tail.text) - tail_cut)
    return kept


def clean_line(line: Line, *, at_start: bool = True, at_end: bool = True) -> Line | None:
    """Apply line rules; None when the line is dropped (empty or page furniture).

    ``at_start``/``at_end`` say whether the line's true start/end is present (False for the cut
    first/last line of a fragment): line-start rules need the start, line-end rules the end, and
    dropping needs both.
    """
    patterns = ingest_patterns()
    pieces = _strip(line.pieces, left=at_start, right=at_end)
    text = text_of(pieces)
    # Each rule rewrites only when its pattern is found: most lines need none of them.
    if at_start:
        prefix = patterns.line_prefix.match(text)
        if prefix:
            line.heading = prefix.group(0).startswith("#")
            pieces = _strip(rewrite(pieces, patterns.line_prefix, drop), left=True, right=False)
            text = text_of(pieces)
        if patterns.continuation_prefix.match(text):
            line.continuation = True
            pieces = rewrite(pieces, patterns.continuation_prefix, drop)
            pieces = _strip(pieces, left=True, right=False)
            text = text_of(pieces)
    if at_end and patterns.continued_suffix.search(text):
        pieces = _strip(rewrite(pieces, patterns.continued_suffix, drop), left=False, right=True)
        text = text_of(pieces)
    line.pieces = pieces
    if at_start and at_end and (not text or patterns.is_noise(text)):
        return None
    return line


def clean_lines(pieces: list[Piece]) -> list[Line]:
    """The kept lines of a whole document."""
    return [kept for line in split_lines(pieces) if (kept := clean_line(line)) is not None]


def normalise_fragment(raw_fragment: str) -> str:
    """Clean a fragment of decoded raw text exactly as the whole file would be cleaned.

    The property: let ``article`` come from ``ingest_bytes(source, data)`` and ``raw`` be
    ``decode_raw(data)[0]``; for any two boundaries ``a <= b`` of ``article.offsets.segments``
    (a segment's ``clean_start`` or ``clean_end``) with ``a < b``, ``(rs, re) =
    article.offsets.to_raw(a, b)`` gives ``normalise_fragment(raw[rs:re]) == article.text[a:b]``.

    It holds because every character rule is local and the fragment starts and ends on kept
    pieces: its first line is not given line-start rules, its last line no line-end rules, and
    neither is dropped; complete lines inside it get every rule. Limits: the fragment must not
    include the article's leading YAML front matter, and OpenCC phrase conversions that depend on
    characters outside the fragment (rare, e.g. 乾隆) may differ at the cut.

    >>> normalise_fragment("醫(yī)療<span>保險</span>&amp;")
    '医疗保险&'
    """
    lines = split_lines(normalise_chars(from_raw(raw_fragment)))
    out: list[str] = []
    last = len(lines) - 1
    for i, line in enumerate(lines):
        kept = clean_line(line, at_start=i > 0, at_end=i < last)
        if kept is None:
            continue
        out.append(kept.text)
        if i < last and kept.terminator is not None:
            out.append(kept.terminator.text)
    return "".join(out)
