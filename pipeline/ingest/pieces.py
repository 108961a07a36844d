"""Offset-carrying text: a list of pieces, each a bit of clean text tied to a raw span.

Every cleaning step rewrites the piece list instead of a plain string, so the clean text never
loses track of where it came from. There are two kinds of piece:

- a *run* (``unit=False``): text of the same length as its raw span that maps character by
  character (untouched raw text, or text after a 1:1 conversion such as 醫 -> 医). A run stands
  for as many one-character pieces as it has characters, so it is cut wherever a rewrite needs
  a boundary inside it;
- a *unit* (``unit=True``): the replacement of a whole match (``&amp;`` -> ``&``,
  ``醫(yī)`` -> ``医``, ``<p>`` -> ``\\n``). It maps as a whole and is never cut: a later match that
  touches it takes all of it.

Dropped raw text simply has no piece. No piece is empty.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate

from pipeline.models import OffsetMap, Segment


@dataclass(slots=True)
class Piece:
    """``text`` (clean) came from ``raw[start:end]``; a unit piece is never cut (see above)."""

    text: str
    start: int
    end: int
    unit: bool = False

    @property
    def linear(self) -> bool:
        """Whether the piece maps character by character (its text has its raw span's length)."""
        return len(self.text) == self.end - self.start

    def cut(self, lo: int, hi: int) -> Piece:
        """The run's characters ``text[lo:hi]`` with their raw span (a run only).

        >>> Piece("abcd", 10, 14).cut(1, 3)
        Piece(text='bc', start=11, end=13, unit=False)
        """
        if lo == 0 and hi == len(self.text):
            return self
        return Piece(self.text[lo:hi], self.start + lo, self.start + hi)


# What a rewrite callback returns: a replacement string (one unit piece over the whole match;
# "" drops the match), or a (start, end) range of the match's text whose pieces are kept as they
# are while the rest of the match is dropped.
Replacement = str | tuple[int, int]


def from_raw(raw: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """``raw[start:end]`` as one run (no piece at all when it is empty).

    >>> from_raw("ab&c", 1, 3)
    [Piece(text='b&', start=1, end=3, unit=False)]
    """
    stop = len(raw) if end is None else end
    return [Piece(raw[start:stop], start, stop)] if start < stop else []


def text_of(pieces: Iterable[Piece]) -> str:
    """The clean text of ``pieces``.

    >>> text_of([Piece("ab", 0, 2), Piece("&", 2, 7, unit=True)])
    'ab&'
    """
    return "".join([p.text for p in pieces])  # a list joins faster than a generator


def _text_starts(pieces: list[Piece]) -> list[int]:
    """Clean-text offset where each piece starts, plus the total length at the end.

    >>> _text_starts([Piece("ab", 0, 2), Piece("&", 2, 7, unit=True), Piece("c", 7, 8)])
    [0, 2, 3, 4]
    """
    return list(accumulate((len(p.text) for p in pieces), initial=0))


def _covering(pieces: list[Piece], starts: list[int], lo: int, hi: int) -> list[Piece]:
    """The pieces holding clean text ``[lo, hi)``: runs cut at ``lo`` and ``hi``, units whole.

    >>> ps = [Piece("abc", 0, 3), Piece("&", 3, 8, unit=True), Piece("de", 8, 10)]
    >>> [(p.text, p.start, p.end) for p in _covering(ps, _text_starts(ps), 1, 5)]
    [('bc', 1, 3), ('&', 3, 8), ('d', 8, 9)]
    """
    if lo >= hi:
        return []
    first = bisect_right(starts, lo) - 1
    last = bisect_right(starts, hi - 1) - 1
    if first == last:
        piece = pieces[first]
        if piece.unit:
            return [piece]
        return [piece.cut(lo - starts[first], hi - starts[first])]
    head, tail = pieces[first], pieces[last]
    out = [head if head.unit else head.cut(lo - starts[first], len(head.text))]
    out.extend(pieces[first + 1 : last])
    out.append(tail if tail.unit else tail.cut(0, hi - starts[last]))
    return out


def rewrite(
    pieces: list[Piece], pattern: re.Pattern[str], replace: Callable[[re.Match[str]], Replacement]
) -> list[Piece]:
    """Apply ``replace`` to every match of ``pattern`` in the pieces' text.

    A match is widened to the whole of any unit piece it touches; a match that touches a unit
    piece an earlier match already took is skipped. Without a match, ``pieces`` comes back as is.

    >>> out = rewrite(from_raw("a&amp;b"), re.compile("&amp;"), lambda m: "&")
    >>> [(p.text, p.start, p.end) for p in out]
    [('a', 0, 1), ('&', 1, 6), ('b', 6, 7)]
    """
    text = text_of(pieces)
    starts: list[int] | None = None  # built on the first non-empty match
    out: list[Piece] = []
    done = 0  # clean offset up to which pieces are copied or replaced
    for match in pattern.finditer(text):
        lo, hi = match.span()
        if lo == hi or lo < done:  # empty, or inside a unit piece an earlier match took
            continue
        if starts is None:
            starts = _text_starts(pieces)
        first = bisect_right(starts, lo) - 1
        last = bisect_right(starts, hi - 1) - 1
        head, tail = pieces[first], pieces[last]
        if head.unit:
            lo = starts[first]
        if tail.unit:
            hi = starts[last + 1]
        out.extend(_covering(pieces, starts, done, lo))
        result = replace(match)
        if isinstance(result, str):
            if result:
                raw_start = head.start + (lo - starts[first])
                raw_end = tail.end if tail.unit else tail.start + (hi - starts[last])
                out.append(Piece(result, raw_start, raw_end, unit=True))
        else:
            out.extend(_covering(pieces, starts, *result))
        done = hi
    if starts is None:
        return pieces
    out.extend(_covering(pieces, starts, done, len(text)))
    return out


def drop(_match: re.Match[str]) -> Replacement:
    """A :func:`rewrite` callback that removes the match."""
    return ""


def map_text(pieces: list[Piece], convert: Callable[[str], str]) -> list[Piece]:
    """Convert each piece's text on its own (character-level normalisation); empty results drop.

    ``convert`` must map each character on its own (its result for a string is the join of its
    results for the characters). A run whose result keeps its length stays one run; otherwise the
    run is converted character by character, so every result keeps its own character's span.

    >>> out = map_text(from_raw("aXb"), lambda s: s.replace("X", "YY"))
    >>> [(p.text, p.start, p.end, p.unit) for p in out]
    [('a', 0, 1, False), ('YY', 1, 2, True), ('b', 2, 3, False)]
    """
    out: list[Piece] = []
    for piece in pieces:
        new = convert(piece.text)
        if new == piece.text:
            out.append(piece)
        elif piece.unit:
            if new:
                out.append(Piece(new, piece.start, piece.end, unit=True))
        elif len(new) == len(piece.text):
            out.append(Piece(new, piece.start, piece.end))
        else:
            out.extend(_map_chars(piece, convert))
    return out


def _map_chars(run: Piece, convert: Callable[[str], str]) -> list[Piece]:
    """Convert a run character by character: unchanged stretches stay runs."""
    out: list[Piece] = []
    keep_from = 0  # start of the current stretch of 1:1 results
    pending: list[str] = []
    for i, char in enumerate(run.text):
        new = convert(char)
        if len(new) == 1:
            pending.append(new)
            continue
        if pending:
            out.append(Piece("".join(pending), run.start + keep_from, run.start + i))
            pending = []
        if new:
            out.append(Piece(new, run.start + i, run.start + i + 1, unit=True))
        keep_from = i + 1
    if pending:
        out.append(Piece("".join(pending), run.start + keep_from, run.end))
    return out


def to_offset_map(pieces: list[Piece]) -> tuple[str, OffsetMap]:
    """The clean text of ``pieces`` and its :class:`OffsetMap` (linear runs merged).

    >>> text, m = to_offset_map(rewrite(from_raw("ab&lt;c"), re.compile("&lt;"), lambda _: "<"))
    >>> text, m.to_list()
    ('ab<c', [[0, 2, 0, 2], [2, 3, 2, 6], [3, 4, 6, 7]])
    """
    segments: list[Segment] = []
    clean = 0
    run: list[int] | None = None  # [clean_start, clean_end, raw_start, raw_end] of a linear run
    for piece in pieces:
        size = len(piece.text)
        linear = size == piece.end - piece.start
        if linear and run is not None and run[3] == piece.start:
            run[1] += size
            run[3] = piece.end
        else:
            if run is not None:
                segments.append(Segment(*run))
                run = None
            if linear:
                run = [clean, clean + size, piece.start, piece.end]
            else:
                segments.append(Segment(clean, clean + size, piece.start, piece.end))
        clean += size
    if run is not None:
        segments.append(Segment(*run))
    return text_of(pieces), OffsetMap(tuple(segments))
