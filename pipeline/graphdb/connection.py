"""An open Bolt driver to a Neo4j 5 server: sessions, read-only queries, counts, and its writer.

:func:`pipeline.graphdb.server.connect` opens one for the configured server; for FalkorDB it opens
the adapter's subclass (:class:`pipeline.graphdb.falkordb.driver.FalkorDBConnection`), which
overrides what differs there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from pipeline.errors import DatabaseError, QueryError
from pipeline.graphdb.dialect import Dialect, Statement
from pipeline.graphdb.statements import (
    CLEAR_GRAPH,
    CLEAR_GRAPH_IN_BATCHES,
    COUNT_NODES,
    COUNT_RELATIONSHIPS,
)

if TYPE_CHECKING:
    from pipeline.graphdb.writer import GraphWriter

#: Sends one write statement and gives its first record (None when it returns no row).
Send = Callable[[Statement], Mapping[str, Any] | None]


@dataclass
class Connection:
    """An open driver, the dialect of the server behind it, and the database to use."""

    driver: neo4j.Driver
    dialect: Dialect
    database: str | None

    def session(self, *, read_only: bool = False) -> neo4j.Session:
        """A driver session (``READ`` access mode when ``read_only``)."""
        mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
        return self.driver.session(database=self.database, default_access_mode=mode)

    @contextmanager
    def statements(self) -> Iterator[Send]:
        """Write statements sent one at a time, each in a transaction of its own."""
        with self.session() as session:
            yield lambda statement: session.run(statement.text, statement.params).single(
                strict=False
            )

    def run_read_only(self, text: str, params: dict) -> tuple[list[str], list[dict]]:
        """Run ad hoc Cypher so that the server itself refuses any write (a ``READ`` session)."""
        return self.run_cypher(text, params)

    def run_cypher(self, text: str, params: dict) -> tuple[list[str], list[dict]]:
        """Run a statement in a read session; ``(columns, rows)``."""
        try:
            with self.session(read_only=True) as session:
                result = session.run(text, params)
                rows = [record.data() for record in result]
                columns = list(result.keys())
        except Neo4jError as exc:
            raise QueryError(f"the server rejected the query: {exc.message or exc.code}") from exc
        return columns, rows

    def counts(self) -> tuple[int, int]:
        """``(nodes, relationships)`` of the loaded graph."""
        with self.session(read_only=True) as session:
            nodes, rels = (
                session.run(text).single(strict=True)["n"]
                for text in (COUNT_NODES, COUNT_RELATIONSHIPS)
            )
        return nodes, rels

    def clear(self) -> None:
        """Delete every node and relationship (tests and `policykg load --reset`)."""
        text = CLEAR_GRAPH_IN_BATCHES if self.dialect is Dialect.NEO4J else CLEAR_GRAPH
        with self.session() as session:
            session.run(text).consume()

    def open_writer(
        self, *, batch_size: int = 500, on_statement: Callable[[Statement], None] | None = None,
        bulk: bool = False,
    ) -> GraphWriter:  # fmt: skip
        """The writer for this server (``bulk``: it may bulk-load an empty graph, several
        documents per transaction)."""
        from pipeline.graphdb.writer import Neo4jWriter

        return Neo4jWriter(self, batch_size=batch_size, on_statement=on_statement, bulk=bulk)

    def save(self, *, background: bool = False) -> bool:
        """Make what was written durable (``background``: the server may finish that after this
        returns, when it can); Neo4j commits durably on its own (False: nothing done)."""
        return False


def open_driver(
    uri: str, auth: tuple[str, str] | None, *, shown: str, unreachable_hint: str, refused_hint: str,
    **options: Any,
) -> neo4j.Driver:  # fmt: skip
    """A driver to ``uri`` whose connectivity is verified; raises DatabaseError with what to do
    (``shown``: the uri without credentials)."""
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=10, **options)
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise DatabaseError(
            f"cannot reach the graph server at {shown}", hint=unreachable_hint
        ) from exc
    except Neo4jError as exc:
        driver.close()
        raise DatabaseError(f"the graph server at {shown} refused the connection: {exc.message}",
                            hint=refused_hint) from exc  # fmt: skip
    return driver


def uses_neo4j_dialect(driver: neo4j.Driver, database: str | None) -> bool:
    """Whether the server behind ``driver`` is Neo4j (FalkorDB announces itself as Neo4j over
    Bolt, but has no ``dbms.components()``)."""
    try:
        with driver.session(database=database) as session:
            session.run("CALL dbms.components() YIELD name RETURN name").consume()
        return True
    except Neo4jError:
        return False
