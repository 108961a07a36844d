"""Pieces that cover runs of characters behave exactly as one piece per character would.

A run (``unit=False``) stands for as many one-character pieces as it has characters; every step
cuts it only where a one-character list would have a boundary anyway. The oracle here is the
same code fed with runs exploded into single characters: any cut at a wrong place, a wrong raw
offset after a cut, or a unit piece cut open shows up as a difference.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.ingest import decode_raw, ingest_bytes
from pipeline.ingest.clean import (
    Line,
    clean_line,
    clean_lines,
    fold_width,
    normalise_chars,
    normalise_fragment,
    simplified,
    split_lines,
)
from pipeline.ingest.pieces import Piece, drop, from_raw, map_text, rewrite, to_offset_map

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEED_NAMES = sorted(p.name for p in RAW.iterdir() if p.is_file())

# Markup, entities, width, script and pinyin cases mixed into slices of the seed documents.
SNIPPETS = (
    "醫(yī)療",
    "衛(wèi)生",
    "體系（ｔǐ）",
    "(yī)",
    "（含中医）",
    "(一)",
    "(5G)",
    "(abc)",
    "ㄔO(shè)",
    "&amp;",
    "&lt;",
    "&#20013;",
    "&#10;",
    "&nbsp;",
    "&foo;",
    "&foo;(lián)",
    "?ldquo;",
    "<p>",
    "</p>",
    "<br/>",
    "<span class='x'>",
    "</span>",
    "<td>",
    '<a href="u">',
    "</a>",
    "<script>var a;</script>",
    "<!-- c -->",
    '<p class="x',
    "**",
    "[链接](http://x.cn)",
    "![图](a.png)",
    "<http://www.nhc.gov.cn>",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\u3000",
    "\u200b",
    "\x07",
    "\t",
    "\u00a0",
    "ＡＢ１２",
    "，",
    "：",
    "（",
    "）",
    "頭髮",
    "發展",
    "乾隆",
    "# ",
    "> ",
    "· ",
    "- ",
    "(上接第1版)",
    "(下转第2版)",
    "新华社北京3月23日电 ",
    "2023年3月23日",
    "首页 > 新闻 > 正文",
    "返回首页",
    " ",
)
ALPHABET = "ab中醫医（）()ａ１ \u3000\n\r\t&;#<>pā*[]!_-·"


@cache
def _seed_text(name: str) -> str:
    return decode_raw((RAW / name).read_bytes())[0]


@st.composite
def _seed_slice(draw: st.DrawFn) -> str:
    text = _seed_text(draw(st.sampled_from(SEED_NAMES)))
    start = draw(st.integers(0, len(text) - 1))
    return text[start : start + draw(st.integers(1, 120))]


MIXED_TEXT = st.lists(
    st.one_of(_seed_slice(), st.sampled_from(SNIPPETS), st.text(ALPHABET, min_size=1, max_size=8)),
    min_size=1,
    max_size=30,
).map("".join)


def _explode(pieces: list[Piece]) -> list[Piece]:
    """Runs as one-character pieces; unit pieces as they are."""
    out: list[Piece] = []
    for piece in pieces:
        if piece.unit:
            out.append(piece)
        else:
            start = piece.start
            out.extend(Piece(ch, start + i, start + i + 1) for i, ch in enumerate(piece.text))
    return out


def _rows(pieces: list[Piece]) -> list[tuple[str, int, int, bool]]:
    return [(p.text, p.start, p.end, p.unit) for p in _explode(pieces)]


def _line_rows(lines: list[Line]) -> list[tuple[object, ...]]:
    return [
        (_rows(line.pieces), line.terminator, line.heading, line.continuation) for line in lines
    ]


def _assert_runs_act_as_characters(raw: str) -> None:
    as_runs = normalise_chars(from_raw(raw))
    as_chars = normalise_chars(_explode(from_raw(raw)))
    assert _rows(as_runs) == _rows(as_chars)
    lines_runs, lines_chars = clean_lines(as_runs), clean_lines(as_chars)
    assert _line_rows(lines_runs) == _line_rows(lines_chars)
    flat_runs = [p for line in lines_runs for p in line.pieces]
    flat_chars = [p for line in lines_chars for p in line.pieces]
    assert to_offset_map(flat_runs) == to_offset_map(flat_chars)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_pieces_runs_act_as_characters_on_seed(name: str) -> None:
    _assert_runs_act_as_characters(_seed_text(name))


@settings(max_examples=300, deadline=None)
@given(raw=MIXED_TEXT)
def test_pieces_runs_act_as_characters_on_mixed_text(raw: str) -> None:
    _assert_runs_act_as_characters(raw)


_SPACE_TO = {ch: " " for ch in " \t\u00a0\u3000"} | {ch: "\n" for ch in "\r\f\v\x85\u2028\u2029"}


def _char_may_become(raw_char: str, clean_char: str) -> bool:
    """Whether one raw character may come out as ``clean_char`` in a character-by-character span."""
    folded = fold_width(raw_char)
    if raw_char in "\r\n" and clean_char == " ":
        return True  # a wrapped line joined where a space stood (pipeline/ingest/layout.py)
    return clean_char in {raw_char, folded, simplified(folded), _SPACE_TO.get(raw_char)}


@settings(max_examples=200, deadline=None)
@given(raw=MIXED_TEXT)
def test_pieces_clean_characters_map_to_their_raw_span(raw: str) -> None:
    try:
        articles = ingest_bytes("mixed.txt", raw.encode("utf-8"))
    except InputError:  # nothing left after cleaning (or binary): no offsets to check
        return
    for article in articles:
        for seg in article.offsets.segments:
            clean = article.text[seg.clean_start : seg.clean_end]
            if seg.linear:
                pairs = zip(raw[seg.raw_start : seg.raw_end], clean)
                assert all(_char_may_become(r, c) for r, c in pairs), (seg, clean)
            else:
                assert normalise_fragment(raw[seg.raw_start : seg.raw_end]).strip() == clean.strip()


def test_pieces_unit_piece_is_never_cut_by_a_later_match() -> None:
    # "&foo;" stays as it is but is a unit: the pinyin match that starts inside it takes it all.
    (article,) = ingest_bytes("unit.txt", "前&foo;(lián)后".encode())
    assert article.text == "前;后"
    assert article.offsets.to_list() == [[0, 1, 0, 1], [1, 2, 1, 12], [2, 3, 12, 13]]


def test_pieces_match_inside_a_unit_an_earlier_match_took_is_skipped() -> None:
    pieces = [Piece("a", 0, 1), Piece("XY", 1, 5, unit=True), Piece("b", 5, 6)]
    out = rewrite(pieces, re.compile("aX|Yb"), lambda _: "Z")
    assert out == [Piece("Z", 0, 5, unit=True), Piece("b", 5, 6)]


@pytest.mark.parametrize(
    ("raw", "span", "expected"),
    [
        ("abcdef", (2, 4), [("ab", 0, 2, False), ("X", 2, 4, True), ("ef", 4, 6, False)]),
        ("abcdef", (0, 6), [("X", 0, 6, True)]),
        ("abcdef", (5, 6), [("abcde", 0, 5, False), ("X", 5, 6, True)]),
    ],
)
def test_pieces_rewrite_cuts_a_run_at_the_match(
    raw: str, span: tuple[int, int], expected: list[tuple[str, int, int, bool]]
) -> None:
    pattern = re.compile(re.escape(raw[span[0] : span[1]]))
    out = rewrite(from_raw(raw), pattern, lambda _: "X")
    assert [(p.text, p.start, p.end, p.unit) for p in out] == expected


def test_pieces_rewrite_keeps_a_range_of_pieces_as_they_are() -> None:
    pieces = rewrite(from_raw("xa&lt;bcy"), re.compile("&lt;"), lambda _: "<")
    out = rewrite(pieces, re.compile("a<b"), lambda m: (m.start() + 1, m.end()))
    unit = Piece("<", 2, 6, unit=True)
    assert out == [Piece("x", 0, 1), unit, Piece("b", 6, 7), Piece("cy", 7, 9)]


def test_pieces_map_text_converts_a_length_changing_run_char_by_char() -> None:
    out = map_text(from_raw("甲ab乙"), lambda s: s.replace("a", "").replace("b", "bbb"))
    assert [(p.text, p.start, p.end, p.unit) for p in out] == [
        ("甲", 0, 1, False),
        ("bbb", 2, 3, True),
        ("乙", 3, 4, False),
    ]


def test_pieces_split_lines_cuts_runs_at_newlines_but_not_units() -> None:
    unit = Piece("丁\n戊", 6, 9, unit=True)
    lines = split_lines(from_raw("甲\n\n乙丙\n") + [unit])
    assert [(line.pieces, line.terminator) for line in lines] == [
        ([Piece("甲", 0, 1)], Piece("\n", 1, 2)),
        ([], Piece("\n", 2, 3)),
        ([Piece("乙丙", 3, 5)], Piece("\n", 5, 6)),
        ([unit], None),
    ]


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        (
            [Piece("  # 标题 ", 0, 7), Piece(" 注 ", 7, 20, unit=True), Piece(" \u3000", 20, 22)],
            [("标题 ", 4, 7), (" 注 ", 7, 20)],
        ),
        (
            [Piece(" ", 0, 1, unit=True), Piece(" 注 ", 1, 12, unit=True), Piece("甲 ", 12, 14)],
            [(" 注 ", 1, 12), ("甲", 12, 13)],
        ),
    ],
)
def test_pieces_clean_line_strips_run_ends_but_not_unit_text(
    pieces: list[Piece], expected: list[tuple[str, int, int]]
) -> None:
    line = clean_line(Line(pieces))
    assert line is not None
    assert [(p.text, p.start, p.end) for p in line.pieces] == expected


def test_pieces_rewrite_without_a_match_returns_the_pieces() -> None:
    raw = _seed_text(SEED_NAMES[0])
    pieces = from_raw(raw)
    assert rewrite(pieces, re.compile("\x00"), drop) is pieces
