"""The one sentence rule: where a sentence ends, for the structure stage and the nlp pipeline.

Plain ``re``, no spaCy or numpy, so the structure stage imports it without the nlp stack. Both
stages find their sentences with :func:`sentence_ends` and differ only in the terminators they
pass:

- the nlp pipeline's sentences (``doc.sents`` through ``policykg_sentences``, the targets'
  sentences) end at :data:`SENTENCE_END`: full stops, question and exclamation marks, line breaks;
- the structure stage's sentences (``Document.sentences``, the provenance sentence of every
  fact) are clauses: they end at :data:`CLAUSE_END`, which adds the semicolons.

A closing quote or bracket right after a mark (:data:`CLOSERS`) stays with the sentence it closes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

#: Ends of the nlp pipeline's sentences: full stops, question and exclamation marks, line breaks.
SENTENCE_END = "。！？!?\n"
#: Ends of the structure stage's sentences (clauses): :data:`SENTENCE_END` and the semicolons.
CLAUSE_END = "。！？；!?;\n"
#: Closing quotes and brackets that belong to the sentence whose end mark they follow.
CLOSERS = "”’」』)）"


@lru_cache(maxsize=8)
def _end_pattern(terminators: str) -> re.Pattern[str]:
    marks = terminators.replace("\n", "")
    # a mark and the closers after it; no closers after a line break: a quote that opens a line
    # belongs to that line
    pattern = f"[{re.escape(marks)}][{re.escape(CLOSERS)}]*" if marks else ""
    if "\n" in terminators:
        pattern = f"{pattern}|\\n" if pattern else "\\n"
    return re.compile(pattern or "(?!)")


def sentence_ends(
    text: str, terminators: str = SENTENCE_END, *, start: int = 0, end: int | None = None
) -> Iterator[int]:
    """The offsets in ``text[start:end]`` where a sentence ends: the one definition of a sentence
    boundary (:func:`sentence_bounds` and :func:`sentence_starts` are its two views).

    A sentence ends after each of ``terminators`` and the :data:`CLOSERS` right after it; after a
    line break (when it is one of ``terminators``) no closer is taken. Two marks in a row
    (``！？``) end two sentences, the second one the mark alone.

    Args:
        text: The text.
        terminators: The characters that end a sentence (:data:`SENTENCE_END` or
            :data:`CLAUSE_END`).
        start: Where in ``text`` to begin.
        end: Where in ``text`` to stop (its length by default).

    Yields:
        Offsets in ``text``, ascending.

    >>> list(sentence_ends("甲！？”乙"))
    [2, 4]
    >>> list(sentence_ends("甲；乙\\n”丙"))
    [4]
    >>> list(sentence_ends("甲；乙\\n”丙", CLAUSE_END))
    [2, 4]
    """
    stop = len(text) if end is None else end
    for match in _end_pattern(terminators).finditer(text, start, stop):
        yield match.end()


def sentence_bounds(
    text: str, terminators: str = SENTENCE_END, *, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """``(start, end)`` of the non-blank sentences of ``text[start:end]`` (in ``text``'s
    offsets): the spans between :func:`sentence_ends`, whitespace around them left out. The
    arguments are those of :func:`sentence_ends`.

    The nlp pipeline's sentences (a semicolon ends none):

    >>> text = "甲；乙。“丙！”\\n  丁"
    >>> [text[a:b] for a, b in sentence_bounds(text)]
    ['甲；乙。', '“丙！”', '丁']

    The structure stage's sentences (clauses):

    >>> [text[a:b] for a, b in sentence_bounds(text, CLAUSE_END)]
    ['甲；', '乙。', '“丙！”', '丁']
    >>> sentence_bounds(text, CLAUSE_END, start=2, end=4)
    [(2, 4)]
    """
    stop = len(text) if end is None else end
    bounds = []
    cut = start
    for end_at in sentence_ends(text, terminators, start=start, end=stop):
        bounds.append(trim_span(text, cut, end_at))
        cut = end_at
    bounds.append(trim_span(text, cut, stop))
    return [(a, b) for a, b in bounds if b > a]


def sentence_starts(text: str, terminators: str = SENTENCE_END) -> list[int]:
    """The offsets where sentences start: 0, then the first non-blank character after each of
    :func:`sentence_ends` (where ``policykg_sentences`` marks ``is_sent_start``).

    >>> sentence_starts("一。二！\\n三")
    [0, 2, 5]
    >>> sentence_starts("\\n\\n一。  \\n")
    [0, 2]
    """
    starts = [0]
    for cut in sentence_ends(text, terminators):
        while cut < len(text) and text[cut].isspace():
            cut += 1
        if starts[-1] < cut < len(text):
            starts.append(cut)
    return starts


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without surrounding whitespace.

    >>> trim_span(" ab ", 0, 4)
    (1, 3)
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


__all__ = [
    "CLAUSE_END",
    "CLOSERS",
    "SENTENCE_END",
    "sentence_bounds",
    "sentence_ends",
    "sentence_starts",
    "trim_span",
]
