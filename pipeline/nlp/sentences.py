"""Component ``policykg_sentences``: ``is_sent_start`` where the nlp rule of
:mod:`pipeline.sentences` starts a sentence (after 。！？!? and line breaks; vectorised)."""

from __future__ import annotations

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.extensions import doc_text
from pipeline.sentences import SENTENCE_END, sentence_starts


class SentenceSegmenter:
    """Marks ``is_sent_start`` at the character offsets :func:`pipeline.sentences.sentence_starts`
    finds."""

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
    default_config={"terminators": SENTENCE_END},
)
def make_sentences(nlp: Language, name: str, terminators: str) -> SentenceSegmenter:
    return SentenceSegmenter(nlp, name, terminators)
