"""Offset-carrying text: a list of pieces, each a bit of clean text tied to a raw span.

Every cleaning step rewrites the piece list instead of a plain string, so the clean text never
loses track of where it came from. A piece whose text has the length of its raw span maps
character by character (an identity run, or a 1:1 conversion such as 醫 -> 医); any other piece
maps as a unit (``&amp;`` -> ``&``, ``醫(yī)`` -> ``医``, ``<p>`` -> ``\\n``). Dropped raw text simply
has no piece.
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
    """``text`` (clean) came from ``raw[start:end]``."""

    text: str
    start: int
    end: int

    @property
    def linear(self) -> bool:
        return len(self.text) == self.end - self.start


# What a rewrite callback returns: a replacement string (one unit piece over the whole match;
# "" drops the match), or a (start, end) range of the match's text whose pieces are kept as they
# are while the rest of the match is dropped.
Replacement = str | tuple[int, int]


def from_raw(raw: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """One piece per character of ``raw[start:end]``.

    >>> [p.text for p in from_raw("ab&c", 1, 3)]
    ['b', '&']
    """
    stop = len(raw) if end is None else end
    return [Piece(raw[i], i, i + 1) for i in range(start, stop)]


def text_of(pieces: Iterable[Piece]) -> str:
    return "".join([p.text for p in pieces])  # a list joins faster than a generator


def _owners(pieces: list[Piece]) -> tuple[str, Callable[[int], int]]:
    """The joined text and a function giving, for a character offset, the index of its piece.

    >>> text, owner = _owners([Piece("a", 0, 1), Piece("bc", 1, 5), Piece("", 5, 6), Piece("d", 6, 7)])
    >>> text, [owner(i) for i in range(len(text))]
    ('abcd', [0, 1, 1, 3])
    """
    ends: list[int] = []  # cumulative end offset of each piece, built on the first lookup

    def owner(offset: int) -> int:
        if not ends:
            ends.extend(accumulate(len(p.text) for p in pieces))
        return bisect_right(ends, offset)

    return text_of(pieces), owner


def rewrite(
    pieces: list[Piece], pattern: re.Pattern[str], replace: Callable[[re.Match[str]], Replacement]
) -> list[Piece]:
    """Apply ``replace`` to every match of ``pattern`` in the pieces' text.

    >>> out = rewrite(from_raw("a&amp;b"), re.compile("&amp;"), lambda m: "&")
    >>> [(p.text, p.start, p.end) for p in out]
    [('a', 0, 1), ('&', 1, 6), ('b', 6, 7)]
    """
    text, owner = _owners(pieces)
    out: list[Piece] = []
    done = 0  # index of the first piece not yet copied
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        first, last = owner(match.start()), owner(match.end() - 1)
        if first < done:  # overlaps a multi-character piece already rewritten
            continue
        out.extend(pieces[done:first])
        result = replace(match)
        if isinstance(result, str):
            if result:
                out.append(Piece(result, pieces[first].start, pieces[last].end))
        else:
            keep_start, keep_end = result
            if keep_start < keep_end:
                out.extend(pieces[owner(keep_start) : owner(keep_end - 1) + 1])
        done = last + 1
    out.extend(pieces[done:])
    return out


def drop(_match: re.Match[str]) -> Replacement:
    """A :func:`rewrite` callback that removes the match."""
    return ""


def map_text(pieces: list[Piece], convert: Callable[[str], str]) -> list[Piece]:
    """Convert each piece's text on its own (character-level normalisation); empty results drop."""
    out = []
    for piece in pieces:
        new = convert(piece.text)
        if new == piece.text:
            out.append(piece)
        elif new:
            out.append(Piece(new, piece.start, piece.end))
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
        if piece.linear and run is not None and run[3] == piece.start:
            run[1] += size
            run[3] = piece.end
        else:
            if run is not None:
                segments.append(Segment(*run))
                run = None
            if piece.linear:
                run = [clean, clean + size, piece.start, piece.end]
            else:
                segments.append(Segment(clean, clean + size, piece.start, piece.end))
        clean += size
    if run is not None:
        segments.append(Segment(*run))
    return text_of(pieces), OffsetMap(tuple(segments))
