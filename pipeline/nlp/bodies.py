"""Component ``policykg_bodies``: party and government bodies named in running text (BODY spans).

Gazetteer aliases are found with one trie regex over ``doc.text``; the place prefix before each hit
(聊城市, 市, 中共…, 国家) is resolved against ``doc._.jurisdiction`` (see :mod:`pipeline.resolve`).
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.models import Level
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.extensions import BODY, add_spans, doc_text
from pipeline.resolve import BodyMatch, Gazetteer


def doc_level(doc: Doc) -> Level | None:
    """``doc._.level`` as a Level (accepts the enum or its value)."""
    value = doc._.level
    if value is None or isinstance(value, Level):
        return value
    try:
        return Level(value)
    except ValueError:
        return None


class BodyRecognizer(MatchComponent):
    """Finds BODY spans with the gazetteer; sets ``span._.canonical`` and ``span._.kind``."""

    resource_files = ("bodies.tsv", "places.tsv")

    def __init__(self, nlp: Language, name: str, resources_dir: str | None = None) -> None:
        self.name = name
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        self.gazetteer = Gazetteer.load(directory / "bodies.tsv", directory / "places.tsv")

    def match(self, doc: Doc) -> list[BodyMatch]:
        return self.gazetteer.scan(doc_text(doc), doc._.jurisdiction, doc_level(doc))

    def set_annotations(self, doc: Doc, matches: list[BodyMatch]) -> None:
        spans: list[Span] = []
        for m in matches:
            span = doc.char_span(m.start, m.end, label=BODY, alignment_mode="expand")
            if span is None or m.body is None:
                continue
            span._.canonical = m.body.canonical
            span._.kind = m.body.kind
            spans.append(span)
        add_spans(doc, spans)


@Language.factory(
    "policykg_bodies",
    assigns=["doc.spans"],
    requires=["doc._.jurisdiction"],
    default_config={"resources_dir": None},
)
def make_bodies(nlp: Language, name: str, resources_dir: str | None) -> BodyRecognizer:
    return BodyRecognizer(nlp, name, resources_dir)
