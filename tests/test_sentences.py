"""The one sentence rule (``pipeline.sentences``): the nlp pipeline's sentences and the structure
stage's clauses, and the two stages actually using it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import spacy

from pipeline.sentences import (
    CLAUSE_END,
    SENTENCE_END,
    sentence_bounds,
    sentence_ends,
    sentence_starts,
)
from pipeline.structure.text import sentence_spans

TEXT = "一、目标；到2025年，覆盖率达到90%。“建成体系！”\n  （二）任务？！\n”落实"


def _pieces(text: str, terminators: str) -> list[str]:
    return [text[a:b] for a, b in sentence_bounds(text, terminators)]


@pytest.mark.parametrize(
    ("terminators", "expected"),
    [
        (
            SENTENCE_END,
            ["一、目标；到2025年，覆盖率达到90%。", "“建成体系！”", "（二）任务？", "！", "”落实"],
        ),
        (
            CLAUSE_END,
            [
                "一、目标；",
                "到2025年，覆盖率达到90%。",
                "“建成体系！”",
                "（二）任务？",
                "！",
                "”落实",
            ],
        ),
    ],
    ids=["nlp", "clauses"],
)
def test_sentence_bounds_split_by_the_terminators_given(terminators, expected) -> None:
    assert _pieces(TEXT, terminators) == expected


def test_sentence_bounds_keep_a_closer_with_its_mark_but_not_after_a_line_break() -> None:
    assert _pieces("甲。”乙）。\n）丙", SENTENCE_END) == ["甲。”", "乙）。", "）丙"]


def test_sentence_bounds_of_a_range_use_the_texts_offsets() -> None:
    text = "前言。甲；乙。后记"
    assert sentence_bounds(text, CLAUSE_END, start=3, end=7) == [(3, 5), (5, 7)]
    assert sentence_bounds(text, SENTENCE_END, start=3, end=7) == [(3, 7)]


def test_sentence_bounds_leave_out_blank_sentences_and_surrounding_whitespace() -> None:
    assert sentence_bounds("\n  甲。 \n\n 乙 ") == [(3, 5), (9, 10)]
    assert sentence_bounds(" \n\n ") == []


def test_sentence_starts_are_where_the_bounds_start_after_a_boundary() -> None:
    text = "\n甲。 乙！\n丙"
    assert sentence_starts(text) == [0, 1, 4, 7]
    assert sentence_starts(text)[1:] == [a for a, _ in sentence_bounds(text)]


def test_sentence_ends_without_line_breaks_among_the_terminators_runs_across_lines() -> None:
    assert list(sentence_ends("甲\n乙。丙", "。")) == [4]
    assert sentence_bounds("甲\n乙", "") == [(0, 3)]


def test_structure_sentences_are_the_clauses_of_the_rule() -> None:
    assert [(s.start, s.end) for s in sentence_spans(TEXT)] == sentence_bounds(TEXT, CLAUSE_END)


def test_sentence_component_marks_the_starts_of_the_rule() -> None:
    import pipeline.nlp.sentences  # noqa: F401 - registers policykg_sentences

    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_sentences")
    doc = nlp(TEXT)
    assert [s.text.strip() for s in doc.sents] == _pieces(TEXT, SENTENCE_END)


def test_the_rule_imports_no_spacy_or_numpy() -> None:
    code = (
        "import sys, pipeline.sentences, pipeline.structure.text;"
        "print(sorted(m for m in ('spacy', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
