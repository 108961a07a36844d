"""The one interface every engine's loader implements, and its Neo4j implementation.

A :class:`GraphWriter` writes a document (replacing its old version, all or nothing), removes a
document, lists what is loaded with the fingerprint (the Turtle file's SHA-256) each was loaded
from, finishes what it holds back, and closes. Every node and relationship carries ``docs``, the
documents that state it, so a changed document's subgraph is replaced alone and a vanished one is
removed; a ``PolicykgLoad`` node per document keeps its fingerprint.

:class:`Neo4jWriter` writes each document in one explicit transaction
(:func:`pipeline.graphdb.statements.document_statements`): a failure anywhere, the server's death
included, leaves the previous version as it was. FalkorDB's writer is
:class:`pipeline.graphdb.falkordb.writer.FalkorDBWriter`.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import Statement
from pipeline.graphdb.mapping import PropertyGraph, read_document
from pipeline.graphdb.rows import read_rows
from pipeline.graphdb.statements import (
    BACKFILL_URIS,
    COUNT_ALL_NODES,
    LOADED_DOCUMENTS,
    BulkState,
    bulk_statements,
    document_statements,
    index_statements,
    removal_statements,
)

if TYPE_CHECKING:
    from pipeline.graphdb.connection import Connection

log = logging.getLogger(__name__)

#: ``on_statement(statement)``: called before each statement is sent (tests inject faults there).
StatementHook = Callable[[Statement], None]


@dataclass(frozen=True)
class DocumentFile:
    """A document as the loader takes it: its key (the Turtle file's stem) and its Turtle file;
    ``digest``, when the caller knows the file's SHA-256 already
    (:func:`pipeline.graphdb.load.load_files`); ``rows``, where the builder may have kept its
    rows (:mod:`pipeline.graphdb.rows`: taken when they were mapped from this Turtle)."""

    doc: str
    path: Path
    digest: str | None = field(default=None, compare=False)
    rows: Path | None = field(default=None, compare=False)

    @property
    def sha256(self) -> str:
        """The document's fingerprint: the SHA-256 of its Turtle file (read once, if not given;
        a plain property: ``cached_property`` takes a lock on every read, 25 µs a document)."""
        if self.digest is None:
            object.__setattr__(self, "digest", hashlib.sha256(self.path.read_bytes()).hexdigest())
        assert self.digest is not None
        return self.digest

    def graph(self) -> PropertyGraph:
        """The document's rows: those the builder kept for this Turtle, else parsed from it (a
        broken file is a DatabaseError)."""
        return self.graph_and_source()[0]

    def graph_and_source(self) -> tuple[PropertyGraph, Path | None]:
        """:meth:`graph`, and the builder's rows file when the rows came from it (else None)."""
        if self.rows is not None:
            kept = read_rows(self.rows, self.sha256)
            if kept is not None:
                return kept, self.rows
        return read_document(self.path, self.doc), None


def lost_server(document: DocumentFile) -> DatabaseError:
    """The error of a document whose load lost the server (nothing of it committed)."""
    return DatabaseError(
        f"lost the graph server while loading {document.path.name}; nothing of it was committed",
        hint="restart the server (`policykg db start`) and rerun `policykg load`",
    )


def rejected(document: DocumentFile, reason: str) -> DatabaseError:
    """The error of a document the server refused (nothing of it kept)."""
    return DatabaseError(
        f"the graph server rejected {document.path.name}: {reason}; nothing of it was kept",
        hint="check the Turtle file and rerun `policykg load`",
    )


class GraphWriter(ABC):
    """Loads documents into one graph database, one document at a time.

    An engine implements :meth:`_write_graph` (one document, all or nothing), :meth:`remove` and
    :meth:`counts`, and fills ``_recorded`` (what the database holds) when it opens.
    """

    _recorded: dict[str, str]

    def loaded(self) -> dict[str, str]:
        """The documents the database holds (or will once :meth:`finish` ran), by key, with the
        fingerprint of the Turtle each was loaded from."""
        return dict(self._recorded)

    def write(self, document: DocumentFile) -> int:
        """Replace ``document``'s subgraph (all or nothing); returns the rows written. Driver
        errors become one DatabaseError line naming the file."""
        pg = document.graph()
        try:
            self._write_graph(document, pg, replacing=document.doc in self._recorded)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise lost_server(document) from exc
        except Neo4jError as exc:
            raise rejected(document, exc.message or exc.code or "") from exc
        self._recorded[document.doc] = document.sha256
        rows = len(pg.nodes) + len(pg.relationships)
        log.info("loaded %s (%d rows)", document.doc, rows)
        return rows

    @abstractmethod
    def _write_graph(self, document: DocumentFile, pg: PropertyGraph, *, replacing: bool) -> None:
        """Write ``pg`` as ``document`` (``replacing``: the database holds an older version)."""

    @abstractmethod
    def remove(self, doc: str) -> None:
        """Take ``doc`` out of the database: what only it states goes."""

    @abstractmethod
    def counts(self) -> tuple[int, int]:
        """``(nodes, relationships)`` of the loaded graph (bookkeeping left out)."""

    def finish(self) -> None:
        """Send whatever the writer holds back (a bulk load's rest); a no-op by default."""

    def close(self) -> None:
        """Release what the writer holds; what was not finished is dropped."""

    def update(self, document: DocumentFile) -> int | None:
        """Write ``document`` unless the database holds this very Turtle already; the rows
        written, or None when it was unchanged (its Turtle is not parsed then)."""
        if self._recorded.get(document.doc) == document.sha256:
            return None
        return self.write(document)


#: A bulk load on Neo4j commits its documents in transactions of about this many rows.
BULK_ROWS = 20_000
#: ... sent in ``UNWIND`` batches of this many rows.
BULK_BATCH = 5_000


class Neo4jWriter(GraphWriter):
    """Writes to Neo4j 5, one explicit transaction per document.

    Opening one creates the constraints and indexes (each schema statement in its own
    transaction) and reads which documents the database holds. Transactions are not retried:
    a lost server fails the document at once, and the next load redoes it (nothing of it was
    committed).

    Into an empty database, a writer allowed to (``bulk``, and no ``on_statement``) holds the
    documents it is given and commits them several at a time, about :data:`BULK_ROWS` rows per
    transaction (:func:`pipeline.graphdb.statements.bulk_statements`); :meth:`finish` sends the
    rest. A document still commits whole or not at all, with its load record. If such a
    transaction fails, the writer writes its documents one by one instead (and stops bulking).
    """

    def __init__(
        self, conn: Connection, *, batch_size: int = 500, on_statement: StatementHook | None = None,
        bulk: bool = False,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.batch_size = batch_size
        self.on_statement = on_statement
        with conn.session() as session:
            for text in index_statements():
                session.run(text).consume()
            session.run(BACKFILL_URIS).consume()
            self._recorded = {r["doc"]: r["sha256"] for r in session.run(LOADED_DOCUMENTS)}
            empty = (
                bulk
                and on_statement is None
                and not session.run(COUNT_ALL_NODES).single(strict=True)["n"]
            )
        self._bulk: BulkState | None = BulkState() if empty else None
        self._held: list[tuple[DocumentFile, PropertyGraph]] = []
        self._held_rows = 0
        # the bulk transaction being committed on the sender thread, with its documents
        self._sender: ThreadPoolExecutor | None = None
        self._in_flight: tuple[Future[None], list[tuple[DocumentFile, PropertyGraph]]] | None = None

    def _transaction(self, statements: list[Statement]) -> None:
        """Send ``statements`` in one explicit transaction: any failure, including an exception
        raised by ``on_statement``, rolls back the whole of it."""
        with self.conn.session() as session, session.begin_transaction() as tx:
            for statement in statements:
                if self.on_statement:
                    self.on_statement(statement)
                tx.run(statement.text, statement.params).consume()
            tx.commit()

    def write(self, document: DocumentFile) -> int:
        if self._bulk is None or document.doc in self._recorded:
            self.finish()  # an older version of it may be held
            return super().write(document)
        try:
            pg = document.graph()
        except DatabaseError:
            self.finish()  # the documents before it are committed, as one by one
            raise
        rows = len(pg.nodes) + len(pg.relationships)
        self._held.append((document, pg))
        self._held_rows += rows
        self._recorded[document.doc] = document.sha256
        if self._held_rows >= BULK_ROWS:
            self._send_held()
        return rows

    def _send_held(self) -> None:
        """Commit the documents held for the bulk load in one transaction, on the sender thread,
        once the transaction before it committed; on failure write them one by one (and write
        every later document so too)."""
        assert self._bulk is not None
        held, self._held, self._held_rows = self._held, [], 0
        if not held:
            return
        documents = [(document.doc, document.sha256, pg) for document, pg in held]
        # built while the transaction before it may still run: its rows count as written, which
        # holds by the time this one is sent (it is not sent if that one failed)
        statements, written = bulk_statements(documents, self._bulk, BULK_BATCH)
        self._bulk.committed(written)
        if not self._collect():
            self._write_one_by_one(held)
            return
        if self._sender is None:
            self._sender = ThreadPoolExecutor(1, thread_name_prefix="policykg-neo4j-bulk")
        self._in_flight = (self._sender.submit(self._transaction, statements), held)

    def _collect(self) -> bool:
        """Wait for the bulk transaction in flight; False if the bulk load has failed (then, or
        before), after its documents were written one by one."""
        if self._in_flight is None:
            return self._bulk is not None
        sending, held = self._in_flight
        self._in_flight = None
        try:
            sending.result()
        except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
            log.warning("bulk load not possible (%s); loading document by document", exc)
            self._write_one_by_one(held)
            return False
        log.info("bulk-loaded %d documents", len(held))
        return self._bulk is not None

    def _write_one_by_one(self, held: list[tuple[DocumentFile, PropertyGraph]]) -> None:
        """Write ``held`` (not committed) document by document, and every later document too."""
        self._bulk = None
        for document, _pg in held:
            self._recorded.pop(document.doc, None)
        for document, _pg in held:
            super().write(document)

    def finish(self) -> None:
        if self._bulk is not None and self._held:
            self._send_held()
        bulked = self._in_flight is not None
        self._collect()
        if bulked and self._bulk is not None:
            with self.conn.session() as session:  # the planner's index statistics, current
                session.run("CALL db.resampleOutdatedIndexes()").consume()

    def close(self) -> None:
        """Drop the documents held for a bulk load (a cancelled run): they were not committed.
        A transaction already sent is waited for (it commits or not, whole)."""
        if self._in_flight is not None:
            sending, held = self._in_flight
            self._in_flight = None
            try:
                sending.result()
            except (Neo4jError, ServiceUnavailable, SessionExpired):
                self._held = held + self._held
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None
        for document, _pg in self._held:
            self._recorded.pop(document.doc, None)
        self._held, self._held_rows = [], 0

    def _write_graph(self, document: DocumentFile, pg: PropertyGraph, *, replacing: bool) -> None:
        self._transaction(document_statements(document.doc, document.sha256, pg, self.batch_size,
                                              replacing=replacing))  # fmt: skip

    def remove(self, doc: str) -> None:
        self.finish()
        self._transaction(removal_statements(doc))
        self._recorded.pop(doc, None)

    def counts(self) -> tuple[int, int]:
        self.finish()
        return self.conn.counts()
