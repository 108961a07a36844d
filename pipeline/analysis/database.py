"""The graph-database side of the analyses: write body metrics and ANSWERS links over Bolt.

The statements live in ``resources/analysis/*.cypher`` (parameterised, batched with ``UNWIND``,
idempotent); nodes are found by their ``uri`` property, the IRI the RDF build gave them (the
graphdb mapping's node key). Batches are cut by their encoded size for the server's dialect
(FalkorDB crashes on a Bolt message over about 4 KB; see ``Dialect.max_message_bytes``).
On Neo4j the whole write is one transaction; FalkorDB honours none, so there each statement
commits alone (the write is idempotent: a rerun after a failure repairs it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pipeline.config import RESOURCES_DIR, Settings
from pipeline.errors import DatabaseError, ResourceError
from pipeline.graphdb.dialect import Dialect, Statement

log = logging.getLogger(__name__)

CYPHER_DIR = RESOURCES_DIR / "analysis"

#: ``on_statement(statement)``: called before each statement is sent (tests measure them).
StatementHook = Callable[[Statement], None]


def cypher(name: str) -> str:
    """The text of ``resources/analysis/<name>.cypher``."""
    path = CYPHER_DIR / f"{name}.cypher"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceError(f"{path}: cannot read ({exc})", hint="restore the file") from exc


def analysis_statements(
    rows: dict[str, list[dict[str, Any]]], dialect: Dialect, batch_size: int
) -> list[Statement]:
    """The statements writing ``rows`` (from ``export.database_rows``): drop the old ANSWERS
    links, then body metrics and new links in batches that fit the dialect's message size."""
    from pipeline.graphdb.statements import json_batches

    statements = [Statement(cypher("clear_answers"), {})]
    for name, key in (("write_body_metrics", "bodies"), ("write_answers", "answers")):
        text = cypher(name)
        for batch in json_batches(rows.get(key, []), batch_size, dialect.max_message_bytes):
            statements.append(Statement(text, {"rows": batch}))
    return statements


def write_analysis(
    settings: Settings,
    rows: dict[str, list[dict[str, Any]]],
    *,
    on_statement: StatementHook | None = None,
) -> str:
    """Write body metrics and ANSWERS relationships; returns a one-line summary."""
    from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

    from pipeline.graphdb import server

    bodies, answers = rows.get("bodies", []), rows.get("answers", [])
    try:
        with server.connect(settings) as connection:
            statements = analysis_statements(rows, connection.dialect, settings.batch_size)
            counts = _execute(connection, statements, on_statement)
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        raise DatabaseError(
            f"lost the graph server at {settings.bolt_uri}",
            hint="check it with `policykg db status` and rerun",
        ) from exc
    except Neo4jError as exc:
        raise DatabaseError(
            f"writing the analysis failed: {exc.message or exc.code}",
            hint="reload the graph with `policykg load` and rerun",
        ) from exc
    server.save(settings)
    updated, linked = counts.get("updated", 0), counts.get("linked", 0)
    log.info("analysis written: %d bodies, %d ANSWERS links", updated, linked)
    return (
        f"database: metrics on {updated}/{len(bodies)} bodies, "
        f"{linked}/{len(answers)} ANSWERS links"
    )


def _execute(
    connection: Any, statements: list[Statement], on_statement: StatementHook | None
) -> dict[str, int]:
    """Run ``statements`` (one transaction where the dialect has them, else one at a time: on
    the local FalkorDB over Redis, :meth:`Connection.statements`); sums the counts they return
    by column name."""
    counts: dict[str, int] = {}

    def run(send: Any) -> None:
        counts.clear()  # a retried transaction starts over
        for statement in statements:
            if on_statement:
                on_statement(statement)
            record = send(statement)
            for key, value in record.items() if record else ():
                counts[key] = counts.get(key, 0) + int(value or 0)

    if connection.dialect.atomic_transactions:
        with connection.session() as session:
            session.execute_write(
                lambda tx: run(lambda st: tx.run(st.text, st.params).single(strict=False))
            )
    else:
        with connection.statements() as send:
            run(send)
    return counts
