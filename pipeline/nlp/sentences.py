"""Component ``policykg_sentences``: sentence starts after 。！？ and line breaks (vectorised)."""

from __future__ import annotations

import re

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.extensions import doc_text


def sentence_starts(text: str, terminators: str) -> list[int]:
    """Character offsets where a sentence starts.

    >>> sentence_starts("一。二！\\n三", "。！\\n")
    [0, 2, 5]
    """
    pattern = re.compile(f"[{re.escape(terminators)}]+\\s*")
    starts = [0]
    for m in pattern.finditer(text):
        if m.end() < len(text):
            starts.append(m.end())
    return starts


#: Where a sentence ends: the one rule of the package (the component's default, the targets'
#: sentences, provenance when a document has no structure-stage sentences).
TERMINATORS = "。！？!?\n"


def sentence_bounds(text: str, terminators: str = TERMINATORS) -> list[tuple[int, int]]:
    """``(start, end)`` of the non-blank sentences of ``text`` (the spans between
    :func:`sentence_starts`, trailing blanks and line breaks left out).

    >>> sentence_bounds("到2025年，甲。乙！\\n\\n丙")
    [(0, 9), (9, 11), (13, 14)]
    """
    starts = sentence_starts(text, terminators)
    bounds = []
    for start, end in zip(starts, [*starts[1:], len(text)]):
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            bounds.append((start, end))
    return bounds


class SentenceSegmenter:
    """Marks ``is_sent_start`` at the character offsets :func:`sentence_starts` finds."""

    def __init__(self, nlp: Language, name: str, terminators: str) -> None:
        self.name = name
        self.terminators = terminators

    def __call__(self, doc: Doc) -> Doc:
        starts = self.match(doc)
        self.set_annotations(doc, starts)
        return doc

    def match(self, doc: Doc) -> numpy.ndarray:
        """Per token: 1 where a sentence starts, -1 elsewhere."""
        idx = doc.to_array("IDX").astype("int64")
        boundaries = numpy.asarray(sentence_starts(doc_text(doc), self.terminators), dtype="int64")
        marks = numpy.where(numpy.isin(idx, boundaries), 1, -1).astype("uint64")
        return marks

    def set_annotations(self, doc: Doc, marks: numpy.ndarray) -> None:
        if len(doc):
            doc.from_array([SENT_START], marks.reshape(-1, 1))  # type: ignore[arg-type]


@Language.factory(
    "policykg_sentences",
    assigns=["token.is_sent_start"],
    default_config={"terminators": TERMINATORS},
)
def make_sentences(nlp: Language, name: str, terminators: str) -> SentenceSegmenter:
    return SentenceSegmenter(nlp, name, terminators)
