"""The graph-database back end of the analyses (through ``pipeline.graphdb``)."""

from __future__ import annotations

from typing import Any

from pipeline.analysis.corpus import Corpus
from pipeline.config import Settings
from pipeline.errors import DatabaseError


def _graphdb() -> Any:
    try:
        import pipeline.graphdb as graphdb
    except ImportError as exc:
        raise DatabaseError("the graph database module (pipeline.graphdb) is not installed",
                            hint="drop --db to read the built records") from exc
    return graphdb


def load_corpus_from_db(settings: Settings) -> Corpus:
    """Documents and facts read back from the graph database."""
    _graphdb()
    raise DatabaseError("reading the corpus back from the database is not supported yet",
                        hint="drop --db to read the built records")


def write_analysis(settings: Settings, rows: dict[str, list[dict[str, Any]]]) -> str:
    """Write body properties and ANSWERS relationships; returns a one-line summary."""
    _graphdb()
    raise DatabaseError("writing analysis results to the database is not supported yet",
                        hint="the results are in data/graph/analysis.ttl")
