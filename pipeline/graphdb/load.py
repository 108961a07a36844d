"""Bring the database in line with ``data/graph/docs/*.ttl`` through a :class:`GraphWriter`.

:func:`sync_documents` removes the documents whose Turtle is gone, writes the changed ones (a
document whose Turtle hash equals the recorded one is skipped without parsing) and finishes the
writer. :func:`load_graph` does it on the configured server; which writer, and whether an empty
graph is bulk-loaded, is the engine's business (:meth:`Connection.open_writer`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.graphdb import server
from pipeline.graphdb.connection import Connection
from pipeline.graphdb.rows import SUFFIX as ROWS_SUFFIX
from pipeline.graphdb.rows import rows_dir
from pipeline.graphdb.writer import DocumentFile, GraphWriter, StatementHook
from pipeline.manifest import stat_key
from pipeline.store import files_by_stem

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
    raw_stems = _raw_file_stems(settings.path(settings.raw_dir))
    return {doc: path for doc, path in files_by_stem(docs_dir, ".ttl").items()
            if doc.split(".")[0] in raw_stems}  # fmt: skip


def _raw_file_stems(raw_dir: Path) -> set[str]:
    """The stems of the regular files in ``raw_dir`` (links followed)."""
    try:
        with os.scandir(raw_dir) as entries:
            return {Path(e.name).stem for e in entries if e.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


#: Under ``data/cache/<graph dir>/load/``: each Turtle file's SHA-256 with the ``stat`` it had.
DIGESTS = "turtle-sha256.json"


def _digest_cache(settings: Settings) -> Path:
    graph_dir = settings.path(settings.graph_dir)
    return graph_dir.parent / "cache" / graph_dir.name / "load" / DIGESTS


def load_files(settings: Settings) -> dict[str, DocumentFile]:
    """:func:`document_files` as the loader takes them, each with its Turtle's SHA-256: read again
    only for a file whose size, modification and change times or inode differ from when it was
    last hashed (kept in :data:`DIGESTS`), so a load after one document changed reads one file,
    not the corpus."""
    cache = _digest_cache(settings)
    try:
        known = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    current: dict[str, list] = {}
    files = {}
    kept = rows_dir(settings.path(settings.graph_dir))
    for doc, path in document_files(settings).items():
        key = stat_key(path)
        entry = known.get(doc)
        if isinstance(entry, list) and len(entry) == 5 and entry[:4] == key:
            digest = str(entry[4])
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        current[doc] = [*key, digest]
        files[doc] = DocumentFile(doc, path, digest, kept / f"{doc}{ROWS_SUFFIX}")
    if current != known:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(current, sort_keys=True), encoding="utf-8")
            partial.replace(cache)
        except OSError as exc:  # only a cache: the next load hashes again
            log.warning("could not write %s (%s)", cache, exc)
    return files


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a load allocates rows by the hundred thousand,
    few of them in cycles, and each collection would walk all that the loader holds (about a
    fifth of a first load's Python time). Reference counting still frees what is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sync_documents(writer: GraphWriter, files: Mapping[str, Path | DocumentFile]) -> LoadSummary:
    """Remove vanished documents, write changed ones (``files``: Turtle, or a
    :class:`DocumentFile`, by document key), finish the writer."""
    with gc_paused():
        recorded = writer.loaded()
        removed = sorted(set(recorded) - set(files))
        for doc in removed:
            writer.remove(doc)
        loaded, unchanged, rows = [], [], 0
        for doc, file in sorted(files.items()):
            document = file if isinstance(file, DocumentFile) else DocumentFile(doc, file)
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
    files: Mapping[str, Path | DocumentFile],
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
    then writes its data to disk if anything changed (in a forked child: the call does not
    wait). An empty graph is bulk-loaded (a local FalkorDB through ``GRAPH.BULK``, Neo4j several
    documents per transaction; not when ``on_statement`` watches the statements)."""
    with server.connect(settings) as conn:
        summary = load_documents(conn, load_files(settings), batch_size=settings.batch_size,
                                 on_statement=on_statement, bulk=on_statement is None)  # fmt: skip
        if save and (summary.loaded or summary.removed):
            conn.save(background=True)  # the writer is done: no write of ours meets the fork
    return summary


__all__ = [
    "DocumentFile",
    "LoadSummary",
    "document_files",
    "gc_paused",
    "load_documents",
    "load_files",
    "load_graph",
    "sync_documents",
]
