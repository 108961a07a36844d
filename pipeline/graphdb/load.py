"""Load per-document RDF (``data/graph/docs/*.ttl``) into the graph database, one document at a time.

Batched ``UNWIND $rows AS row MERGE …`` statements, all values as parameters. Every node and
relationship carries ``docs``, the documents that state it; replacing a document first takes its
name off every ``docs`` list and deletes what no document keeps, then merges the new rows, then
records the document's hash on a ``PolicykgLoad`` node — all in one atomic unit (a transaction on
Neo4j, one fused statement on FalkorDB), so a failure leaves the previous state.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from rdflib import Graph

from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb.connection import Connection, connect
from pipeline.graphdb.dialect import (
    Dialect,
    Statement,
    existing_indexes_statement,
    fuse,
    index_statements,
    quote_name,
)
from pipeline.graphdb.mapping import NODE_KEY_LABEL, PropertyGraph, map_graph

log = logging.getLogger(__name__)

UNLINK_RELATIONSHIPS = "MATCH ()-[r]->() WHERE $doc IN r.docs SET r.docs = [d IN r.docs WHERE d <> $doc]"
DROP_RELATIONSHIPS = "MATCH ()-[r]->() WHERE size(r.docs) = 0 DELETE r"
UNLINK_NODES = (
    "MATCH (n:Resource) WHERE $doc IN n.docs SET n.docs = [d IN n.docs WHERE d <> $doc]"
)
DROP_NODES = "MATCH (n:Resource) WHERE size(n.docs) = 0 DETACH DELETE n"
MERGE_NODES = (
    "UNWIND $rows AS row MERGE (n:Resource {uri: row.uri}) SET n += row.props, "
    "n.docs = CASE WHEN $doc IN coalesce(n.docs, []) THEN n.docs "
    "ELSE coalesce(n.docs, []) + [$doc] END"
)
MERGE_RELATIONSHIPS = (
    "UNWIND $rows AS row MATCH (a:Resource {uri: row.start}) MATCH (b:Resource {uri: row.end}) "
    "MERGE (a)-[r:{type}]->(b) SET r.docs = CASE WHEN $doc IN coalesce(r.docs, []) THEN r.docs "
    "ELSE coalesce(r.docs, []) + [$doc] END"
)
MARK_LOADED = "MERGE (m:PolicykgLoad {doc: $doc}) SET m.sha256 = $sha256"
UNMARK_LOADED = "MATCH (m:PolicykgLoad {doc: $doc}) DELETE m"
LOADED_DOCUMENTS = "MATCH (m:PolicykgLoad) RETURN m.doc AS doc, m.sha256 AS sha256 ORDER BY doc"
COUNTS = (
    "MATCH (n:Resource) WITH count(n) AS nodes "
    "OPTIONAL MATCH (:Resource)-[r]->(:Resource) RETURN nodes, count(r) AS relationships"
)

StatementHook = Callable[[Statement], None]


@dataclass(frozen=True)
class LoadSummary:
    loaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    nodes: int
    relationships: int


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


def pending_tag(doc: str) -> str:
    """The ``docs`` entry marking rows staged for ``doc`` but not committed yet."""
    return f"{doc}@pending"


def removal_statements(doc: str) -> list[Statement]:
    """Take ``doc`` off every node and relationship and drop what no document keeps."""
    params = {"doc": doc}
    return [
        Statement(UNLINK_RELATIONSHIPS, params),
        Statement(DROP_RELATIONSHIPS, {}),
        Statement(UNLINK_NODES, params),
        Statement(DROP_NODES, {}),
        Statement(UNMARK_LOADED, params),
    ]


def document_statements(
    doc: str, pg: PropertyGraph, batch_size: int, max_bytes: int = 4_000_000
) -> list[Statement]:
    """Merge statements writing ``pg`` tagged ``doc`` (constant texts, values as params)."""
    statements: list[Statement] = []
    by_labels: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for node in pg.nodes:
        by_labels[node.labels].append({"uri": node.uri, "props": node.props})
    for labels, rows in sorted(by_labels.items()):
        extra = [label for label in labels if label != NODE_KEY_LABEL]
        text = MERGE_NODES + (" SET n:" + ":".join(quote_name(lb) for lb in extra) if extra else "")
        for batch in _batches(rows, batch_size, max_bytes):
            statements.append(Statement(text, {"rows": batch, "doc": doc}))
    by_type: dict[str, list[dict]] = defaultdict(list)
    for rel in pg.relationships:
        by_type[rel.type].append({"start": rel.start, "end": rel.end})
    for rel_type, rows in sorted(by_type.items()):
        text = MERGE_RELATIONSHIPS.replace("{type}", quote_name(rel_type))
        for batch in _batches(rows, batch_size, max_bytes):
            statements.append(Statement(text, {"rows": batch, "doc": doc}))
    return statements


COMMIT_RELATIONSHIPS = (
    "MATCH ()-[r]->() WHERE $pending IN r.docs "
    "SET r.docs = [d IN r.docs WHERE d <> $pending] + [$doc]"
)
COMMIT_NODES = (
    "MATCH (n:Resource) WHERE $pending IN n.docs "
    "SET n.docs = [d IN n.docs WHERE d <> $pending] + [$doc]"
)


def replace_document(
    conn: Connection,
    doc: str,
    sha256: str,
    pg: PropertyGraph,
    batch_size: int,
    on_statement: StatementHook | None = None,
) -> None:
    """Replace ``doc``'s subgraph by ``pg`` so that readers see the old or the new one, never half.

    Neo4j: removal + merges + marker in one transaction. FalkorDB (no transactions, 4 KB
    statements): purge leftovers of an earlier failed staging, stage the rows under
    :func:`pending_tag`, then one small fused statement drops the old version and commits.
    """
    mark = Statement(MARK_LOADED, {"doc": doc, "sha256": sha256})
    if conn.dialect.atomic_transactions:
        statements = removal_statements(doc)[:-1] + document_statements(doc, pg, batch_size) + [mark]
        execute_atomically(conn, statements, on_statement)
        return
    pending = pending_tag(doc)
    execute_atomically(conn, removal_statements(pending)[:-1], on_statement)
    for st in document_statements(pending, pg, batch_size, conn.dialect.max_message_bytes):
        execute_atomically(conn, [st], on_statement)
    tags = {"doc": doc, "pending": pending}
    commit = removal_statements(doc)[:-1] + [
        Statement(COMMIT_RELATIONSHIPS, tags),
        Statement(COMMIT_NODES, tags),
        mark,
    ]
    execute_atomically(conn, commit, on_statement)


def execute_atomically(conn: Connection, statements: list[Statement], on_statement: StatementHook | None = None) -> None:
    """Run ``statements`` as one unit: a transaction on Neo4j, one fused statement on FalkorDB."""
    if conn.dialect.atomic_transactions:
        def work(tx):  # type: ignore[no-untyped-def]
            for st in statements:
                if on_statement:
                    on_statement(st)
                tx.run(st.text, st.params).consume()

        with conn.session() as session:
            session.execute_write(work)
        return
    fused = fuse(statements)
    if on_statement:
        on_statement(fused)
    with conn.session() as session:
        session.run(fused.text, fused.params).consume()


def ensure_indexes(conn: Connection) -> None:
    """Create the indexes/constraints on the keys the loader and queries use (idempotent)."""
    existing: set[tuple[str, str]] = set()
    listing = existing_indexes_statement(conn.dialect)
    with conn.session() as session:
        if listing:
            for record in session.run(listing):
                for prop in record["properties"]:
                    existing.add((record["label"], prop))
        for text in index_statements(conn.dialect, existing):
            session.run(text).consume()


def graph_counts(conn: Connection) -> tuple[int, int]:
    """``(nodes, relationships)`` of the loaded graph (bookkeeping nodes excluded)."""
    with conn.session(read_only=True) as session:
        record = session.run(COUNTS).single()
    return (record["nodes"], record["relationships"]) if record else (0, 0)


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


def parse_turtle(path: Path) -> Graph:
    """Parse one Turtle file; a broken file is a one-line DatabaseError naming it."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many parser types
        raise DatabaseError(
            f"{path}: not valid Turtle ({type(exc).__name__}: {str(exc)[:120]})",
            hint="rebuild it with `policykg build`",
        ) from exc
    return graph


def load_documents(
    conn: Connection,
    files: dict[str, Path],
    *,
    batch_size: int = 500,
    on_statement: StatementHook | None = None,
) -> LoadSummary:
    """Bring the database in line with ``files``: load changed documents, drop vanished ones."""
    ensure_indexes(conn)
    with conn.session(read_only=True) as session:
        loaded = {r["doc"]: r["sha256"] for r in session.run(LOADED_DOCUMENTS)}
    done, unchanged, removed = [], [], []
    for doc in sorted(set(loaded) - set(files)):
        execute_atomically(conn, removal_statements(doc), on_statement)
        removed.append(doc)
    for doc, path in sorted(files.items()):
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if loaded.get(doc) == sha256:
            unchanged.append(doc)
            continue
        pg = map_graph(parse_turtle(path), doc)
        try:
            replace_document(conn, doc, sha256, pg, batch_size, on_statement)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise DatabaseError(
                f"lost the graph server while loading {path.name}; nothing of it was kept",
                hint="restart the server and rerun `policykg load`",
            ) from exc
        except Neo4jError as exc:
            raise DatabaseError(
                f"the graph server rejected {path.name}: {exc.message or exc.code}; "
                "nothing of it was kept",
                hint="check the Turtle file and rerun `policykg load`",
            ) from exc
        done.append(doc)
        log.info("loaded %s (%d nodes, %d relationships)", doc, len(pg.nodes), len(pg.relationships))
    nodes, rels = graph_counts(conn)
    return LoadSummary(tuple(done), tuple(unchanged), tuple(removed), nodes, rels)


def load_graph(settings: Settings, *, on_statement: StatementHook | None = None) -> LoadSummary:
    """Load ``data/graph/docs/*.ttl`` into the configured server (see module docstring)."""
    files = document_files(settings)
    with connect(settings) as conn:
        return load_documents(conn, files, batch_size=settings.batch_size, on_statement=on_statement)


def clear_graph(conn: Connection) -> None:
    """Delete every node and relationship (tests and `policykg load --reset`)."""
    with conn.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()


__all__ = ["Dialect", "LoadSummary", "load_graph", "load_documents", "clear_graph"]
