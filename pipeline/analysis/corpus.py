"""The analyst's view of the built graph: documents with their facts, and how to read them.

:class:`Corpus` is a pure, in-memory pair of ``Document`` / ``DocumentFacts`` records keyed by
``doc_id``; :func:`load_corpus` is the one reader (``data/interim/documents`` and ``facts``).
It reads each document without what no analysis reads (the clean text, its offset map, the
sentence spans and each section's paragraph and sentence spans: evidence comes with the facts),
so the corpus held in memory does not grow with the documents' length; the text's length is kept
for choosing among reprints. The facts' provenance strings (the sentence every mention in it
repeats, the source, the place) are read into one shared string per distinct text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipeline.config import Settings
from pipeline.errors import AnalysisError
from pipeline.models import Document, DocumentFacts, Level, Section, Target, TaskDeadline

log = logging.getLogger(__name__)
_Record = TypeVar("_Record")

#: Rank of a document level, national first (for ordering cascades top-down).
LEVEL_RANK = {Level.NATIONAL: 0, Level.PROVINCIAL: 1, Level.MUNICIPAL: 2, Level.COUNTY: 3}


@dataclass(frozen=True)
class Corpus:
    """Documents and their extracted facts, sorted by ``doc_id``."""

    documents: tuple[Document, ...]
    facts: tuple[DocumentFacts, ...]
    #: ``doc_id`` -> length of the clean text, for documents read without it (:func:`load_corpus`)
    text_lengths: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _docs: dict[str, Document] = field(init=False, repr=False, compare=False)
    _facts: dict[str, DocumentFacts] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", tuple(sorted(self.documents, key=lambda d: d.doc_id)))
        object.__setattr__(self, "facts", tuple(sorted(self.facts, key=lambda f: f.doc_id)))
        object.__setattr__(self, "_docs", {d.doc_id: d for d in self.documents})
        object.__setattr__(self, "_facts", {f.doc_id: f for f in self.facts})

    @classmethod
    def of(cls, documents: Iterable[Document], facts: Iterable[DocumentFacts]) -> Corpus:
        return cls(tuple(documents), tuple(facts))

    def text_length(self, document: Document) -> int:
        """The length of ``document``'s clean text (read with it, or recorded when it was dropped)."""
        return self.text_lengths.get(document.doc_id, len(document.article.text))

    def document(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def facts_of(self, doc_id: str) -> DocumentFacts | None:
        return self._facts.get(doc_id)

    def relevant_documents(self) -> list[Document]:
        return [d for d in self.documents if d.article.relevant]

    def title(self, doc_id: str) -> str:
        """The document's title, else its ``doc_id``."""
        doc = self._docs.get(doc_id)
        return (doc.metadata.title if doc else None) or doc_id

    def section(self, doc_id: str, section_id: str | None) -> Section | None:
        doc = self._docs.get(doc_id)
        if doc is None or section_id is None:
            return None
        return next((s for s in doc.sections if s.section_id == section_id), None)

    def deadline_of_task(self, doc_id: str, task_id: str | None) -> TaskDeadline | None:
        """The deadline a task table's row gives the task itself, if any."""
        facts = self._facts.get(doc_id)
        if facts is None or task_id is None:
            return None
        return next((d for d in facts.task_deadlines if d.task_id == task_id), None)

    def targets_of_task(self, doc_id: str, task_id: str | None) -> list[Target]:
        """Targets set under a task (its own id or one of its sub-items), in text order."""
        facts = self._facts.get(doc_id)
        if facts is None or task_id is None:
            return []
        found = [t for t in facts.targets if t.task_id and in_task(t.task_id, task_id)]
        return sorted(found, key=lambda t: (t.provenance.start, t.provenance.end))


def in_task(section_id: str, task_id: str) -> bool:
    """True when ``section_id`` is the task itself or one of its descendants.

    >>> in_task("p2.i3.s1", "p2.i3"), in_task("p2.i3", "p2.i3"), in_task("p2.i30", "p2.i3")
    (True, True, False)
    """
    return section_id == task_id or section_id.startswith(task_id + ".")


def load_corpus(settings: Settings) -> Corpus:
    """Read every ``Document`` and ``DocumentFacts`` record the pipeline wrote under ``interim``."""
    from pipeline.models import from_jsonable
    from pipeline.store import read_json

    interim = settings.path(settings.interim_dir)
    doc_dir, facts_dir = interim / "documents", interim / "facts"
    doc_files = sorted(doc_dir.glob("*.json")) if doc_dir.is_dir() else []
    if not doc_files:
        raise AnalysisError(
            f"{doc_dir}: no built documents to analyse",
            hint="run `policykg run` (or `make graph`) first",
        )
    lengths: dict[str, int] = {}
    documents = [
        _read(path, Document, from_jsonable, read_json, lambda d: _without_text(d, lengths))
        for path in doc_files
    ]
    facts_files = sorted(facts_dir.glob("*.json")) if facts_dir.is_dir() else []
    shared: dict[str, str] = {}
    facts = [
        _read(path, DocumentFacts, from_jsonable, read_json, lambda d: _shared_strings(d, shared))
        for path in facts_files
    ]
    log.info("loaded %d documents and %d facts records", len(documents), len(facts))
    return Corpus(tuple(documents), tuple(facts), lengths)


def _without_text(data: dict, lengths: dict[str, int]) -> dict:
    """A Document record's JSON without what no analysis reads: the clean text (its length goes
    to ``lengths``), the offset map, the sentence spans and each section's paragraph and sentence
    spans (most of a document's record once the text is gone), the source locations and tables."""
    article = data["article"]
    lengths[article["doc_id"]] = len(article["text"])
    article["text"] = ""
    article["offsets"] = []
    article["locations"] = []
    article["tables"] = []
    data["sentences"] = []
    for section in data["sections"]:
        section["paragraphs"] = []
        section["sentences"] = []
    return data


#: The facts that carry a provenance (each with its own copy of the sentence in the JSON).
_WITH_PROVENANCE = ("body_mentions", "institutions", "responsibilities", "targets", "programmes")
_PROVENANCE_STRINGS = ("sentence", "source", "doc_id", "location")


def _shared_strings(data: dict, shared: dict[str, str]) -> dict:
    """A DocumentFacts record's JSON with each provenance's sentence, source and place, and each
    task heading, one shared string per distinct text: every mention in a sentence repeats it."""
    for key in _WITH_PROVENANCE:
        for fact in data.get(key, ()):
            provenance = fact["provenance"]
            for name in _PROVENANCE_STRINGS:
                text = provenance.get(name)
                if text is not None:
                    provenance[name] = shared.setdefault(text, text)
            heading = fact.get("task_heading")
            if heading is not None:
                fact["task_heading"] = shared.setdefault(heading, heading)
    return data


def _read(
    path: Path,
    cls: type[_Record],
    from_jsonable: Callable[[type[_Record], Any], _Record],
    read_json: Callable[[Path], Any],
    prepare: Callable[[dict], dict] | None = None,
) -> _Record:
    try:
        data = read_json(path)
        if prepare is not None:
            data = prepare(data)
        return from_jsonable(cls, data)
    except (ValueError, KeyError, TypeError) as exc:
        raise AnalysisError(
            f"{path}: unreadable {cls.__name__} record ({type(exc).__name__}: {exc})",
            hint="rebuild it with `policykg run --force`",
        ) from exc
