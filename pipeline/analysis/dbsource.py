"""The graph-database side of the analyses: write metrics and ANSWERS links over Bolt.

The statements live in ``resources/analysis/*.cypher`` (parameterised, batched with ``UNWIND``,
idempotent); nodes are found by their ``uri`` property, the IRI the RDF build gave them (the
graphdb mapping's node key). Sessions come from ``pipeline.graphdb.connection.connect``.
"""

from __future__ import annotations

import logging
from typing import Any

from pipeline.analysis.corpus import Corpus
from pipeline.config import RESOURCES_DIR, Settings
from pipeline.errors import DatabaseError, ResourceError

log = logging.getLogger(__name__)

CYPHER_DIR = RESOURCES_DIR / "analysis"
BATCH = 500


def cypher(name: str) -> str:
    """The text of ``resources/analysis/<name>.cypher``."""
    path = CYPHER_DIR / f"{name}.cypher"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceError(f"{path}: cannot read ({exc})", hint="restore the file") from exc


def write_analysis(settings: Settings, rows: dict[str, list[dict[str, Any]]]) -> str:
    """Write body metrics and ANSWERS relationships; returns a one-line summary."""
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    from pipeline.graphdb.connection import connect

    bodies, answers = rows.get("bodies", []), rows.get("answers", [])
    updated = linked = 0
    try:
        with connect(settings) as connection, connection.session() as session:
            session.run(cypher("clear_answers")).consume()
            for i in range(0, len(bodies), BATCH):
                record = session.run(cypher("write_body_metrics"),
                                     rows=bodies[i : i + BATCH]).single()
                updated += record["updated"] if record else 0
            for i in range(0, len(answers), BATCH):
                record = session.run(cypher("write_answers"), rows=answers[i : i + BATCH]).single()
                linked += record["linked"] if record else 0
    except (ServiceUnavailable, OSError) as exc:
        raise DatabaseError(f"lost the graph server at {settings.bolt_uri}",
                            hint="check it with `policykg db status` and rerun") from exc
    except Neo4jError as exc:
        raise DatabaseError(f"writing the analysis failed: {exc.message}",
                            hint="reload the graph with `policykg load` and rerun") from exc
    log.info("analysis written: %d bodies, %d ANSWERS links", updated, linked)
    return (f"database: metrics on {updated}/{len(bodies)} bodies, "
            f"{linked}/{len(answers)} ANSWERS links")


def load_corpus_from_db(settings: Settings) -> Corpus:
    """Documents and facts read back from the graph database (not available yet)."""
    raise DatabaseError("reading traces from the database needs pipeline.graphdb's named queries",
                        hint="drop --db to read the built records")
