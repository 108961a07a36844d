"""FalkorDB's :class:`~pipeline.graphdb.writer.GraphWriter`: staging and commit, or a bulk load.

Per document (FalkorDB has no rollback and ~4 KB statements): the rows are staged under
``<doc>@pending``; one small fused statement then drops the old version, applies staged changes to
nodes that existed already, swaps the tags and records the hash (:mod:`.staging`). A failure purges
the staging at once; what a killed server left staged is purged when it starts again and whenever
a writer opens (:func:`purge_pending`).

Into an empty local graph, a writer allowed to (``bulk``) sends the documents it is given through
``GRAPH.BULK`` instead (:mod:`.bulk`), in chunks as they come; :meth:`FalkorDBWriter.finish` sends
the rest. If the bulk load fails, the graph is empty again and the writer loads the same documents
one by one. A long load saves the local server every :data:`CHECKPOINT_SECONDS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import redis
from neo4j.exceptions import DriverError, Neo4jError

from pipeline.errors import DatabaseError, QueryError
from pipeline.graphdb.connection import Send
from pipeline.graphdb.falkordb import server
from pipeline.graphdb.falkordb.bulk import BulkWriter
from pipeline.graphdb.falkordb.send import ServerLost, StatementRejected
from pipeline.graphdb.falkordb.staging import (
    BULK_LABEL,
    EXISTING_INDEXES,
    PENDING_NODE_TAGS,
    PENDING_STAGE_TAGS,
    PENDING_SUFFIX,
    PROPERTY_KEYS_STATEMENT,
    commit_statement,
    index_statements,
    pending_tag,
    prepare_document,
    purge_statement,
    removal_statement,
    schema_statements,
)
from pipeline.graphdb.mapping import PropertyGraph
from pipeline.graphdb.statements import CLEAR_GRAPH, COUNT_ALL_NODES, LOADED_DOCUMENTS
from pipeline.graphdb.writer import DocumentFile, GraphWriter, StatementHook, lost_server, rejected

if TYPE_CHECKING:
    import neo4j

    from pipeline.graphdb.dialect import Statement
    from pipeline.graphdb.falkordb.driver import FalkorDBConnection

log = logging.getLogger(__name__)

BULK_IN_PROGRESS = f"MATCH (b:{BULK_LABEL}) RETURN count(b) AS n"
INTERRUPTED_BULK = "bulk load"

#: A long load saves a local server this often (a foreground SAVE: 0.3 s for 2 090 documents), so
#: that a server that dies or deadlocks mid-load (see :class:`.server.Watchdog`) restarts with
#: most of it, and the rerun redoes only what came after.
CHECKPOINT_SECONDS = 120.0


def purge_pending(conn: FalkorDBConnection) -> tuple[str, ...]:
    """Purge every staging left by an interrupted load (every ``*@pending`` tag); returns the tags.

    A graph left by an interrupted bulk load (the graph was empty before it) is cleared instead,
    and ``("bulk load",)`` returned. Run at server start and whenever a writer opens. Assumes no
    other load is running.
    """
    try:
        with conn.session() as session:
            if session.run(BULK_IN_PROGRESS).single(strict=True)["n"]:
                session.run(CLEAR_GRAPH).consume()
                return (INTERRUPTED_BULK,)
            tags = {r["tag"] for r in session.run(PENDING_NODE_TAGS, {"suffix": PENDING_SUFFIX})}
            tags |= {r["tag"] for r in session.run(PENDING_STAGE_TAGS)}
        with conn.statements() as send:
            for tag in sorted(tags):
                send(purge_statement(tag))
    except Neo4jError as exc:
        raise DatabaseError(
            f"purging rows of an interrupted load failed: {exc.message or exc.code}",
            hint="restart the server with `policykg db stop && policykg db start`",
        ) from exc
    return tuple(sorted(tags))


def _loaded_documents(conn: FalkorDBConnection, session: neo4j.Session) -> dict[str, str]:
    """The load records, ``{doc: sha256}``: from the local server in one Redis reply (over Bolt,
    FalkorDB sends a record per message: 0.3-0.6 s for 2 090 documents, a tenth of that so)."""
    if conn.settings is not None:
        try:
            _columns, rows = conn.run_read_only(LOADED_DOCUMENTS, {})
        except QueryError as exc:  # the Bolt path still answers
            log.debug("reading the load records over Redis failed (%s)", exc)
        else:
            return {row["doc"]: row["sha256"] for row in rows}
    return {r["doc"]: r["sha256"] for r in session.run(LOADED_DOCUMENTS)}


def ensure_schema(conn: FalkorDBConnection) -> None:
    """Create the missing indexes, and make the schema know the staging's property names."""
    with conn.session() as session:
        existing = {
            (r["label"], prop) for r in session.run(EXISTING_INDEXES) for prop in r["properties"]
        }
        for text in index_statements(existing):
            session.run(text).consume()
        known = {r["propertyKey"] for r in session.run(PROPERTY_KEYS_STATEMENT)}
        for text in schema_statements(known):
            session.run(text).consume()


class FalkorDBWriter(GraphWriter):
    """Writes to FalkorDB (see the module docstring). Opening one creates the indexes, purges what
    an interrupted load left and reads which documents the database holds."""

    def __init__(
        self, conn: FalkorDBConnection, *, batch_size: int = 500, on_statement: StatementHook | None = None,
        bulk: bool = False,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.batch_size = batch_size
        self.on_statement = on_statement
        ensure_schema(conn)
        purged = purge_pending(conn)
        if purged:
            log.warning("purged rows staged by an interrupted load: %s", ", ".join(purged))
        with conn.session() as session:
            self._recorded = _loaded_documents(conn, session)
            empty = (
                bulk
                and on_statement is None
                and not session.run(COUNT_ALL_NODES).single(strict=True)["n"]
            )
        self._bulk: BulkWriter | None = None
        self._bulked: list[DocumentFile] = []  # given to the bulk load, for the fallback
        if empty and conn.settings is not None:
            self._bulk = BulkWriter(server.redis_client(conn.settings))
        self._last_checkpoint = time.monotonic()

    def write(self, document: DocumentFile) -> int:
        if self._bulk is not None:
            rows = self._bulk_add(document)
            if rows is not None:
                return rows
        rows = super().write(document)
        self._checkpoint()
        return rows

    def _write_graph(self, document: DocumentFile, pg: PropertyGraph, *, replacing: bool) -> None:
        """Stage, then commit in one statement: readers of committed data see the old version or
        the new one. On any failure (an error raised by ``on_statement`` included) the staging is
        purged before the error propagates."""
        prepared = prepare_document(
            document.doc, document.sha256, pg, self.batch_size, replacing=replacing
        )
        try:
            with self.conn.statements() as direct:
                send = self._hooked(direct)
                staged = None
                for statement in prepared.statements:
                    staged = send(statement)
                changes = staged["changes"] if staged else 0
                missing = {
                    label for row in (staged["missing"] if staged else []) for label in (row or [])
                }
                send(commit_statement(prepared, changes, missing))
        except BaseException as exc:
            self._undo_staging(prepared.doc)
            if isinstance(exc, ServerLost):
                raise lost_server(document) from exc
            if isinstance(exc, StatementRejected):
                raise rejected(document, exc.message) from exc
            raise

    def _hooked(self, direct: Send) -> Send:
        """``direct``, the statement hook told of each statement first."""
        hook = self.on_statement
        if hook is None:
            return direct

        def send(statement: Statement) -> Mapping[str, Any] | None:
            hook(statement)
            return direct(statement)

        return send

    def _undo_staging(self, doc: str) -> None:
        """Compensating rollback; if the server is gone, say when it happens instead."""
        try:
            with self.conn.statements() as send:
                send(purge_statement(pending_tag(doc)))
        except (DriverError, OSError, DatabaseError) as exc:
            log.warning(
                "could not purge the staged rows of %s now (%s); they are purged when the server "
                "starts or the next load begins", doc, type(exc).__name__,
            )  # fmt: skip

    def _checkpoint(self) -> None:
        """Save a local server when :data:`CHECKPOINT_SECONDS` passed since the last save."""
        if time.monotonic() - self._last_checkpoint >= CHECKPOINT_SECONDS:
            self.conn.save()
            self._last_checkpoint = time.monotonic()

    def remove(self, doc: str) -> None:
        self.finish()
        with self.conn.statements() as send:
            self._hooked(send)(removal_statement(doc))
        self._recorded.pop(doc, None)

    def counts(self) -> tuple[int, int]:
        self.finish()
        return self.conn.counts()

    # ----------------------------------------------------------------------- the bulk load

    def _bulk_add(self, document: DocumentFile) -> int | None:
        """Add ``document`` to the bulk load; None when the bulk load has failed meanwhile (its
        documents are then loaded one by one)."""
        assert self._bulk is not None
        try:
            if not self._bulked:
                self._bulk.begin()
            rows = self._bulk.add(document.doc, document.sha256, document.graph())
        except (DatabaseError, redis.RedisError) as exc:
            self._bulk_failed(exc)
            return None
        self._bulked.append(document)
        self._recorded[document.doc] = document.sha256
        return rows

    def finish(self) -> None:
        """Complete a bulk load in progress (the rest of its rows, the restatements, the load
        records, the indexes); on failure load its documents one by one instead."""
        if self._bulk is None:
            return
        if not self._bulked:
            self._close_bulk()
            return
        try:
            self._bulk.finish()
        except (DatabaseError, redis.RedisError) as exc:
            self._bulk_failed(exc)
            return
        self._close_bulk()
        ensure_schema(self.conn)
        log.info("bulk-loaded %d documents", len(self._bulked))
        self._bulked = []

    def _bulk_failed(self, exc: Exception) -> None:
        """Drop the partial bulk load (the graph is empty again) and write its documents one by one."""
        log.warning("bulk load not possible (%s); loading document by document", exc)
        assert self._bulk is not None
        self._bulk.abandon()
        self._close_bulk()
        documents, self._bulked = self._bulked, []
        for document in documents:
            self._recorded.pop(document.doc, None)
        ensure_schema(self.conn)
        for document in documents:
            self.write(document)

    def _close_bulk(self) -> None:
        if self._bulk is not None:
            self._bulk.close()
            self._bulk = None

    def close(self) -> None:
        """Drop an unfinished bulk load (a cancelled run); the next load starts again."""
        if self._bulk is not None and self._bulked:
            self._bulk.abandon()
        self._close_bulk()
