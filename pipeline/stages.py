"""The per-file stages, one function per stage boundary: records in, records out.

    raw bytes ──ingest──▶ IngestResult (Articles) ──structure──▶ Documents
        ──extract──▶ DocumentFacts (one per Document) ──build──▶ DocumentRDF (N-Triples, Turtle,
        SHACL violations)

These are the functions every caller runs: the runner's :func:`pipeline.runner.process_file`
composes all four for one raw file (whichever executor runs it), and the CLI's single-stage
commands (``policykg ingest``, ``structure``, ``extract``, ``build``) call the one of their stage
for each of their inputs. None of them opens a file or a connection: reading and writing stay
with the callers (:mod:`pipeline.store`, :mod:`pipeline.rdf.export`), and so does deciding what a
failure skips. The stage modules are imported when a stage first runs, so importing this module
costs nothing (the CLI starts without spaCy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

    from pipeline.config import Settings
    from pipeline.ingest import IngestResult
    from pipeline.models import Article, Document, DocumentFacts
    from pipeline.rdf.documents import DocumentRDF, StageClock


def ingest(source: str, data: bytes) -> IngestResult:
    """Decode, clean and split one raw file (``source`` is its file name) into articles.

    Raises:
        InputError: naming ``source``, for a file that cannot be read as a document.
    """
    from pipeline.ingest import ingest_file

    return ingest_file(source, data)


def structure(articles: Sequence[Article]) -> tuple[Document, ...]:
    """Metadata, citations, task hierarchy and sentences of the articles of one raw file, read
    together (a newspaper page's dates help date its articles)."""
    from pipeline.structure import structure_articles

    return structure_articles(articles)


def extract(document: Document, nlp: Language) -> DocumentFacts:
    """Bodies, responsibilities, targets and programmes of one document, with provenance."""
    from pipeline.extract import extract_document

    return extract_document(document, nlp)


def build(
    document: Document,
    facts: DocumentFacts,
    settings: Settings,
    *,
    validate: bool = True,
    on_stage: StageClock | None = None,
) -> DocumentRDF:
    """One document's graph, serialised, and (unless ``validate`` is False) checked against the
    SHACL shapes ``settings`` name; ``on_stage`` is told when building and validating end."""
    from pipeline.rdf.documents import document_rdf

    return document_rdf(document, facts, settings, validate=validate, on_stage=on_stage)


__all__ = ["build", "extract", "ingest", "structure"]
