"""Load per-document RDF (``data/graph/docs/*.ttl``) into the graph database, document by document.

Every node and relationship carries ``docs``, the documents that state it, so a changed document's
subgraph is replaced alone and a vanished document is removed. Loading a document is all or
nothing (the statements are in :mod:`pipeline.graphdb.statements`):

- Neo4j: one transaction drops the old version, merges the rows and records the document's hash
  on a ``PolicykgLoad`` node.
- FalkorDB (no rollback, ~4 KB statements): the rows are staged under ``<doc>@pending``; one small
  fused statement then drops the old version, applies staged changes to nodes that existed
  already, swaps the tags and records the hash. A failure purges the staging at once; what a
  killed server left staged is purged when it starts again and at the start of every load
  (:func:`purge_pending`).

Unchanged documents (same Turtle hash as recorded) are skipped without parsing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import neo4j
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb.connection import Connection, connect
from pipeline.graphdb.dialect import (
    PROPERTY_KEYS_STATEMENT,
    Dialect,
    Statement,
    existing_indexes_statement,
    index_statements,
    schema_statements,
)
from pipeline.graphdb.mapping import PropertyGraph, read_document
from pipeline.graphdb.statements import (
    BULK_LABEL,
    LOAD_LABEL,
    MARK_LOADED,
    PENDING_NODE_TAGS,
    PENDING_STAGE_TAGS,
    PENDING_SUFFIX,
    STAGE_LABEL,
    STAGE_TYPE,
    STAGED_CHANGES_TAIL,
    UNMARK_LOADED,
    Part,
    commit_parts,
    document_parts,
    pack,
    purge_parts,
    removal_parts,
)

log = logging.getLogger(__name__)

LOADED_DOCUMENTS = f"MATCH (m:{LOAD_LABEL}) RETURN m.doc AS doc, m.sha256 AS sha256 ORDER BY doc"
# Counted from the stores' own totals (constant time on FalkorDB and Neo4j): every relationship
# joins Resource nodes except the PolicykgStages links of a staging in progress. Matching
# ``(:Resource)-[r]->(:Resource)`` instead walks every relationship (0.5 s on 194 000).
COUNT_NODES = "MATCH (n:Resource) RETURN count(n) AS n"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS n"
COUNT_STAGE_LINKS = f"MATCH (:{STAGE_LABEL})-[r]->() RETURN count(r) AS n"
BULK_IN_PROGRESS = f"MATCH (b:{BULK_LABEL}) RETURN count(b) AS n"
INTERRUPTED_BULK = "bulk load"

StatementHook = Callable[[Statement], None]

#: A long load saves a local server this often (a foreground SAVE: 0.3 s for 2 090 documents), so
#: that a server that dies or deadlocks mid-load (see :class:`~pipeline.graphdb.server.Watchdog`)
#: restarts with most of it, and the rerun redoes only what came after.
CHECKPOINT_SECONDS = 120.0


@dataclass(frozen=True)
class LoadSummary:
    loaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    nodes: int
    relationships: int
    rows: int = 0  # node and relationship rows written for the loaded documents


def _batches(rows: list, size: int, max_bytes: int) -> Iterable[list]:
    """Runs of at most ``size`` rows whose JSON encoding stays under ``max_bytes``."""
    batch: list = []
    used = 0
    for row in rows:
        cost = len(json.dumps(row, ensure_ascii=False).encode("utf-8")) + 8
        if cost > max_bytes:
            raise DatabaseError(
                f"a row of {cost} bytes exceeds the server's message limit ({max_bytes})",
                hint="use Neo4j (NEO4J_URI) for documents with very long literals",
            )
        if batch and (len(batch) >= size or used + cost > max_bytes):
            yield batch
            batch, used = [], 0
        batch.append(row)
        used += cost
    if batch:
        yield batch


def document_sha(path: Path) -> str:
    """What a load record keeps of a document: the hash of its Turtle file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pending_tag(doc: str) -> str:
    """The ``docs`` entry marking rows staged for ``doc`` but not committed yet.

    >>> pending_tag("a.0")
    'a.0@pending'
    """
    return f"{doc}{PENDING_SUFFIX}"


@dataclass(frozen=True)
class PreparedDocument:
    """One document mapped and cut into statements, ready to send (built ahead of sending).

    ``statements``: on Neo4j the whole transaction; on FalkorDB the staging, whose last statement
    returns what the commit must apply (:data:`STAGED_CHANGES_TAIL`).
    """

    doc: str
    sha256: str
    replacing: bool
    rows: int
    labels: frozenset[str]
    statements: tuple[Statement, ...]


def prepare_document(
    doc: str, sha256: str, pg: PropertyGraph, dialect: Dialect, batch_size: int, *, replacing: bool
) -> PreparedDocument:
    """Cut ``pg`` into the statements that write it as ``doc`` (see :class:`PreparedDocument`)."""
    if dialect.atomic_transactions:
        parts = removal_parts() if replacing else []
        parts += document_parts(pg, dialect) + [Part(MARK_LOADED)]
        statements = pack(parts, {"doc": doc, "tag": doc, "sha": sha256}, dialect, batch_size)
    else:
        shared = {"tag": pending_tag(doc)}
        parts = document_parts(pg, dialect)
        statements = pack(parts, shared, dialect, batch_size, tail=STAGED_CHANGES_TAIL)
    labels = frozenset(label for node in pg.nodes for label in node.labels)
    rows = len(pg.nodes) + len(pg.relationships)
    return PreparedDocument(doc, sha256, replacing, rows, labels, tuple(statements))


def _run(
    session: neo4j.Session, statement: Statement, on_statement: StatementHook | None
) -> neo4j.Record | None:
    """Send one statement outside any transaction (FalkorDB's unit of atomicity)."""
    if on_statement:
        on_statement(statement)
    return session.run(statement.text, statement.params).single(strict=False)


def _run_in_transaction(
    conn: Connection, statements: list[Statement], on_statement: StatementHook | None
) -> None:
    """Send ``statements`` in one explicit transaction (Neo4j: BEGIN … COMMIT; any failure,
    including an exception raised by ``on_statement``, rolls back the whole of it).

    Not a retried transaction function: a lost server fails the document at once, and the
    next load redoes it (nothing of it was committed)."""
    with conn.session() as session, session.begin_transaction() as tx:
        for statement in statements:
            if on_statement:
                on_statement(statement)
            tx.run(statement.text, statement.params).consume()
        tx.commit()


def _one_statement(parts: list[Part], shared: dict, dialect: Dialect) -> Statement:
    """``parts`` fused into the single statement FalkorDB runs atomically."""
    statements = pack(parts, shared, dialect, max_rows=1_000_000)
    if len(statements) != 1:
        raise DatabaseError(
            f"an atomic step of {len(parts)} parts does not fit one statement "
            f"({dialect.max_statement_bytes} bytes)",
            hint="report this; use Neo4j (NEO4J_URI) meanwhile",
        )
    return statements[0]


def remove_document(conn: Connection, doc: str, on_statement: StatementHook | None = None) -> None:
    """Take ``doc`` out of the graph (and its load record) atomically."""
    parts = removal_parts() + [Part(UNMARK_LOADED)]
    if conn.dialect.atomic_transactions:
        _run_in_transaction(conn, pack(parts, {"doc": doc}, conn.dialect, 1), on_statement)
    else:
        with conn.session() as session:
            _run(session, _one_statement(parts, {"doc": doc}, conn.dialect), on_statement)


def purge_staging(conn: Connection, tag: str) -> None:
    """Remove everything staged under ``tag`` (a compensating rollback), in one statement."""
    with conn.session() as session:
        _run(session, _one_statement(purge_parts(), {"doc": tag}, conn.dialect), None)


def purge_pending(conn: Connection) -> tuple[str, ...]:
    """Purge every staging left by an interrupted load (every ``*@pending`` tag); returns the tags.

    A graph left by an interrupted bulk load (:mod:`pipeline.graphdb.bulk`; the graph was empty
    before it) is cleared instead, and ``("bulk load",)`` returned. Run at server start and
    before every load. Assumes no other load is running.
    """
    if conn.dialect.atomic_transactions:
        return ()  # Neo4j rolls back an interrupted document itself
    try:
        with conn.session() as session:
            if session.run(BULK_IN_PROGRESS).single()["n"]:  # see pipeline.graphdb.bulk
                session.run("MATCH (n) DETACH DELETE n").consume()
                return (INTERRUPTED_BULK,)
            tags = {r["tag"] for r in session.run(PENDING_NODE_TAGS, {"suffix": PENDING_SUFFIX})}
            tags |= {r["tag"] for r in session.run(PENDING_STAGE_TAGS)}
        for tag in sorted(tags):
            purge_staging(conn, tag)
    except Neo4jError as exc:
        raise DatabaseError(
            f"purging rows of an interrupted load failed: {exc.message or exc.code}",
            hint="restart the server with `policykg db stop && policykg db start`",
        ) from exc
    return tuple(sorted(tags))


def _commit_statement(
    prepared: PreparedDocument, staged: neo4j.Record | None, dialect: Dialect
) -> Statement:
    """The fused commit, given what the staging reported (existing nodes it would change and
    the labels of this document some of them lack)."""
    changes = staged["changes"] if staged else 0
    missing = {label for row in (staged["missing"] if staged else []) for label in (row or [])}
    parts = commit_parts(
        replacing=prepared.replacing,
        staged_changes=changes,
        deferred_labels=sorted(missing & prepared.labels),
    )
    shared = {"doc": prepared.doc, "tag": pending_tag(prepared.doc), "sha": prepared.sha256}
    return _one_statement(parts, shared, dialect)


def _undo_staging(conn: Connection, doc: str) -> None:
    """Compensating rollback after a failed FalkorDB load; if the server is gone, say when it
    happens instead (at the next start or load)."""
    try:
        purge_staging(conn, pending_tag(doc))
    except (DriverError, OSError, DatabaseError) as exc:
        log.warning(
            "could not purge the staged rows of %s now (%s); they are purged when the server "
            "starts or the next load begins", doc, type(exc).__name__,
        )  # fmt: skip


def write_document(
    conn: Connection, prepared: PreparedDocument, on_statement: StatementHook | None = None
) -> None:
    """Replace a document's subgraph: readers of committed data see the old or the new one.

    Neo4j: one transaction. FalkorDB: the staging, then one fused commit; on any failure
    (including an error raised by ``on_statement``) the staging is purged before the error
    propagates.
    """
    if conn.dialect.atomic_transactions:
        _run_in_transaction(conn, list(prepared.statements), on_statement)
        return
    try:
        with conn.session() as session:
            staged = None
            for statement in prepared.statements:
                staged = _run(session, statement, on_statement)
            _run(session, _commit_statement(prepared, staged, conn.dialect), on_statement)
    except BaseException:
        _undo_staging(conn, prepared.doc)
        raise


def replace_document(
    conn: Connection,
    doc: str,
    sha256: str,
    pg: PropertyGraph,
    batch_size: int,
    on_statement: StatementHook | None = None,
    *,
    replacing: bool = True,
) -> None:
    """Replace ``doc``'s subgraph by ``pg`` (see :func:`write_document`).

    ``replacing=False`` (the document has no load record, so nothing in the graph carries its
    tag) skips dropping an old version.
    """
    prepared = prepare_document(doc, sha256, pg, conn.dialect, batch_size, replacing=replacing)
    write_document(conn, prepared, on_statement)


def ensure_indexes(conn: Connection) -> None:
    """Create the indexes/constraints on the keys the loader and queries use, and on FalkorDB make
    the schema know the staging's property names (idempotent)."""
    existing: set[tuple[str, str]] = set()
    listing = existing_indexes_statement(conn.dialect)
    with conn.session() as session:
        if listing:
            for record in session.run(listing):
                for prop in record["properties"]:
                    existing.add((record["label"], prop))
        for text in index_statements(conn.dialect, existing):
            session.run(text).consume()
        if conn.dialect is Dialect.FALKORDB:
            known = {r["propertyKey"] for r in session.run(PROPERTY_KEYS_STATEMENT)}
            for text in schema_statements(conn.dialect, known, STAGE_LABEL, STAGE_TYPE):
                session.run(text).consume()


def graph_counts(conn: Connection) -> tuple[int, int]:
    """``(nodes, relationships)`` of the loaded graph (bookkeeping nodes and links excluded)."""
    with conn.session(read_only=True) as session:
        nodes, rels, staging = (
            session.run(text).single()["n"]
            for text in (COUNT_NODES, COUNT_RELATIONSHIPS, COUNT_STAGE_LINKS)
        )
    return nodes, rels - staging


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


def _loaded_documents(conn: Connection) -> dict[str, str]:
    """The documents in the database and the hash of the Turtle they were loaded from."""
    with conn.session(read_only=True) as session:
        return {r["doc"]: r["sha256"] for r in session.run(LOADED_DOCUMENTS)}


def _write_one(
    conn: Connection, prepared: PreparedDocument, path: Path, on_statement: StatementHook | None
) -> None:
    """Write one prepared document; driver errors become one DatabaseError line naming it."""
    try:
        write_document(conn, prepared, on_statement)
    except (ServiceUnavailable, SessionExpired) as exc:
        raise DatabaseError(
            f"lost the graph server while loading {path.name}; nothing of it was committed",
            hint="restart the server (it purges the staged rows) and rerun `policykg load`",
        ) from exc
    except Neo4jError as exc:
        raise DatabaseError(
            f"the graph server rejected {path.name}: {exc.message or exc.code}; "
            "nothing of it was kept",
            hint="check the Turtle file and rerun `policykg load`",
        ) from exc
    log.info("loaded %s (%d rows)", prepared.doc, prepared.rows)


class DocumentLoader:
    """Loads documents one at a time over ``conn``, skipping those whose Turtle is unchanged.

    Opening one purges what an interrupted load left staged and reads which documents the
    database holds, and the hash of the Turtle each was loaded from.
    """

    def __init__(
        self,
        conn: Connection,
        *,
        batch_size: int = 500,
        on_statement: StatementHook | None = None,
        checkpoint: Callable[[], object] | None = None,
    ) -> None:
        self.conn = conn
        self.batch_size = batch_size
        self.on_statement = on_statement
        self.checkpoint = checkpoint  # called every CHECKPOINT_SECONDS of loading
        self._last_checkpoint = time.monotonic()
        ensure_indexes(conn)
        purged = purge_pending(conn)
        if purged:
            log.warning("purged rows staged by an interrupted load: %s", ", ".join(purged))
        self.recorded: dict[str, str] = _loaded_documents(conn)

    def load(self, doc: str, path: Path) -> int | None:
        """Load ``doc`` from ``path`` unless the database holds this very Turtle already;
        returns the rows written, or None when it was unchanged."""
        sha256 = document_sha(path)
        if self.recorded.get(doc) == sha256:
            return None
        pg = read_document(path, doc)
        prepared = prepare_document(doc, sha256, pg, self.conn.dialect, self.batch_size,
                                    replacing=doc in self.recorded)  # fmt: skip
        _write_one(self.conn, prepared, path, self.on_statement)
        self.recorded[doc] = sha256
        if self.checkpoint is not None and time.monotonic() - self._last_checkpoint >= CHECKPOINT_SECONDS:
            self.checkpoint()
            self._last_checkpoint = time.monotonic()
        return prepared.rows

    def remove(self, doc: str) -> None:
        """Take ``doc`` out of the database (what only it states goes)."""
        remove_document(self.conn, doc, self.on_statement)
        self.recorded.pop(doc, None)


def load_documents(
    conn: Connection,
    files: dict[str, Path],
    *,
    batch_size: int = 500,
    on_statement: StatementHook | None = None,
    checkpoint: Callable[[], object] | None = None,
) -> LoadSummary:
    """Bring the database in line with ``files``: load changed documents, drop vanished ones.

    First purges what an interrupted load left staged; a document whose Turtle hash equals the
    recorded one is skipped without parsing. ``checkpoint`` (a local server's save) is called
    every :data:`CHECKPOINT_SECONDS` of loading.
    """
    loader = DocumentLoader(conn, batch_size=batch_size, on_statement=on_statement,
                            checkpoint=checkpoint)  # fmt: skip
    removed = sorted(set(loader.recorded) - set(files))
    for doc in removed:
        loader.remove(doc)
    loaded, unchanged, rows = [], [], 0
    for doc, path in sorted(files.items()):
        written = loader.load(doc, path)
        if written is None:
            unchanged.append(doc)
        else:
            loaded.append(doc)
            rows += written
    nodes, rels = graph_counts(conn)
    return LoadSummary(tuple(loaded), tuple(unchanged), tuple(removed), nodes, rels, rows)


def load_graph(
    settings: Settings, *, on_statement: StatementHook | None = None, save: bool = True
) -> LoadSummary:
    """Load ``data/graph/docs/*.ttl`` into the configured server (see module docstring); with
    ``save``, a local server then writes its data to disk if anything changed.

    An empty local graph is first bulk-loaded (:mod:`pipeline.graphdb.bulk`; not when
    ``on_statement`` watches the statements); the document-by-document pass then finds every
    document unchanged."""
    from pipeline.graphdb import bulk, server

    files = document_files(settings)
    bulked: tuple[list[str], int] = ([], 0)
    if files and on_statement is None and bulk.graph_is_empty(settings):
        try:
            bulked = bulk.bulk_load_files(settings, sorted(files.items()))
        except DatabaseError as exc:  # the graph is empty again: load one by one (a server
            # that is gone fails there with its own error)
            log.warning("bulk load not possible (%s); loading document by document", exc.message)
    with connect(settings) as conn:
        batch_size = settings.batch_size
        summary = load_documents(conn, files, batch_size=batch_size, on_statement=on_statement,
                                 checkpoint=lambda: server.save(settings))  # fmt: skip
    if bulked[0]:  # the pass above found them unchanged
        loaded = set(bulked[0])
        summary = replace(summary, loaded=tuple(sorted(loaded | set(summary.loaded))),
                          unchanged=tuple(d for d in summary.unchanged if d not in loaded),
                          rows=summary.rows + bulked[1])  # fmt: skip
    if save and (summary.loaded or summary.removed):
        server.save(settings)
    return summary


def clear_graph(conn: Connection) -> None:
    """Delete every node and relationship (tests and `policykg load --reset`)."""
    with conn.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()


__all__ = ["Dialect", "DocumentLoader", "LoadSummary", "clear_graph", "load_documents", "load_graph", "purge_pending"]
