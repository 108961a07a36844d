"""One document's RDF as the pipeline keeps it: sorted N-Triples, Turtle and the SHACL verdict.

Built where the document was extracted (a worker process or a Dask worker), so graph building,
serialisation and validation run in parallel with the rest of the corpus; only plain text comes
back to the process that writes the files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.config import Settings
from pipeline.models import Document, DocumentFacts
from pipeline.rdf import build
from pipeline.rdf.export import turtle_from_ntriples
from pipeline.rdf.validate import validate_ntriples


@dataclass(frozen=True, slots=True)
class DocumentRDF:
    """A document's graph as N-Triples and Turtle, and the SHACL violations found in it."""

    doc_id: str
    ntriples: str
    turtle: str
    triples: int
    violations: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "ntriples": self.ntriples,
            "turtle": self.turtle,
            "triples": self.triples,
            "violations": list(self.violations),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentRDF:
        return cls(
            data["doc_id"],
            data["ntriples"],
            data["turtle"],
            data["triples"],
            tuple(data["violations"]),
        )


#: ``on_stage(stage, started)``: told when a stage that began at ``started`` ends; returns the time.
StageClock = Callable[[str, float], float]


def document_rdf(
    document: Document,
    facts: DocumentFacts,
    settings: Settings | None = None,
    *,
    validate: bool = True,
    on_stage: StageClock | None = None,
) -> DocumentRDF:
    """Build, serialise and (unless ``validate`` is False) SHACL-check one document's graph."""
    clock = on_stage or (lambda _stage, _started: time.perf_counter())
    started = time.perf_counter()
    built = build.built_document(document, facts)
    ntriples = built.ntriples
    count = ntriples.count("\n")
    turtle = turtle_from_ntriples(ntriples)
    started = clock("build rdf", started)
    violations: tuple[str, ...] = ()
    if validate:
        report = validate_ntriples(
            ntriples, settings, triples=count, mentions_conform=built.mentions_conform
        )
        if not report.conforms:
            violations = tuple(v.line() for v in report.violations)
        clock("validate", started)
    return DocumentRDF(document.doc_id, ntriples, turtle, count, violations)
