"""Bring the database in line with ``data/graph/docs/*.ttl`` through a :class:`GraphWriter`.

:func:`sync_documents` removes the documents whose Turtle is gone, writes the changed ones (a
document whose Turtle hash equals the recorded one is skipped without parsing) and finishes the
writer. :func:`load_graph` does it on the configured server; which writer, and whether an empty
graph is bulk-loaded, is the engine's business (:meth:`Connection.open_writer`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.graphdb import server
from pipeline.graphdb.connection import Connection
from pipeline.graphdb.writer import DocumentFile, GraphWriter, StatementHook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadSummary:
    loaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    nodes: int
    relationships: int
    rows: int = 0  # node and relationship rows written for the loaded documents


def document_files(settings: Settings) -> dict[str, Path]:
    """The per-document Turtle files whose raw source still exists, by document key (file stem)."""
    docs_dir = settings.path(settings.graph_dir) / "docs"
    raw_dir = settings.path(settings.raw_dir)
    raw_stems = {p.stem for p in raw_dir.iterdir() if p.is_file()} if raw_dir.is_dir() else set()
    files = {}
    for path in sorted(docs_dir.glob("*.ttl")) if docs_dir.is_dir() else []:
        doc = path.stem
        if doc.split(".")[0] in raw_stems:
            files[doc] = path
    return files


def sync_documents(writer: GraphWriter, files: Mapping[str, Path | DocumentFile]) -> LoadSummary:
    """Remove vanished documents, write changed ones (``files``: Turtle, or the document as the
    loader takes it, by document key), finish the writer."""
    recorded = writer.loaded()
    removed = sorted(set(recorded) - set(files))
    for doc in removed:
        writer.remove(doc)
    loaded, unchanged, rows = [], [], 0
    for doc, path in sorted(files.items()):
        document = path if isinstance(path, DocumentFile) else DocumentFile(doc, path)
        written = writer.update(document)
        if written is None:
            unchanged.append(doc)
        else:
            loaded.append(doc)
            rows += written
    writer.finish()
    nodes, rels = writer.counts()
    return LoadSummary(tuple(loaded), tuple(unchanged), tuple(removed), nodes, rels, rows)


def load_documents(
    conn: Connection,
    files: dict[str, Path],
    *,
    batch_size: int = 500,
    on_statement: StatementHook | None = None,
    bulk: bool = False,
) -> LoadSummary:
    """:func:`sync_documents` with a writer of its own on ``conn``."""
    writer = conn.open_writer(batch_size=batch_size, on_statement=on_statement, bulk=bulk)
    try:
        return sync_documents(writer, files)
    finally:
        writer.close()


def load_graph(
    settings: Settings, *, on_statement: StatementHook | None = None, save: bool = True
) -> LoadSummary:
    """Load ``data/graph/docs/*.ttl`` into the configured server; with ``save``, a local server
    then writes its data to disk if anything changed. An empty graph is bulk-loaded (a local
    FalkorDB through ``GRAPH.BULK``, Neo4j several documents per transaction; not when
    ``on_statement`` watches the statements)."""
    with server.connect(settings) as conn:
        summary = load_documents(conn, document_files(settings), batch_size=settings.batch_size,
                                 on_statement=on_statement, bulk=on_statement is None)  # fmt: skip
        if save and (summary.loaded or summary.removed):
            conn.save()
    return summary


__all__ = [
    "DocumentFile",
    "LoadSummary",
    "document_files",
    "load_documents",
    "load_graph",
    "sync_documents",
]
