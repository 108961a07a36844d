"""The loader's Cypher (Neo4j 5): constant texts over typed parameters, and rows cut into batches.

Rows travel compact. A node row is ``[prefix, suffix, props, labels]`` and a relationship row
``[start prefix, start suffix, end prefix, end suffix, type]``; a uri is ``$pre[prefix] + suffix``,
where ``$pre`` lists the uri prefixes (up to the last ``/`` or ``#``) of the batch. A document's uris
share a handful of prefixes, so this halves what is sent. Labels and types are given per row
(Neo4j 5.26's dynamic labels and types), so a document is three or four statements, all run in one
transaction (:class:`pipeline.graphdb.writer.Neo4jWriter`).

Every relationship a document states starts at a node the document states, so relationships of a
document are reached through its nodes (``(n:Resource)-[r]->()`` with ``$doc IN n.docs`` uses the
``docs`` index) instead of a scan of every relationship.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import INDEXED, NODE_KEY, Statement
from pipeline.graphdb.mapping import PropertyGraph

_AROUND_PUNCTUATION = re.compile(r"\s*([(){}\[\],:=+<>*^])\s*")


@functools.lru_cache(maxsize=1024)
def compact(text: str) -> str:
    """``text`` without the spaces around punctuation (smaller messages, and FalkorDB's must fit
    ~4 KB). Only for texts without string literals.

    >>> compact("MATCH (n:Resource {uri: $u}) SET n.docs = [d IN n.docs WHERE d <> $t]")
    'MATCH(n:Resource{uri:$u})SET n.docs=[d IN n.docs WHERE d<>$t]'
    """
    if "'" in text or '"' in text:
        raise ValueError("compact() is for statement texts without string literals")
    return _AROUND_PUNCTUATION.sub(r"\1", text).strip()


# Writing a document tagged ``$tag`` (one statement for its nodes, one for its relationships).
MERGE_NODES_DYNAMIC = (
    "UNWIND $rows AS w MERGE (n:Resource {uri: $pre[w[0]] + w[1]}) "
    "SET n += w[2], n.docs = coalesce(n.docs, []) + [$tag], n:$(w[3])"
)
MERGE_RELATIONSHIPS_DYNAMIC = (
    "UNWIND $rows AS w MATCH (a:Resource {uri: $pre[w[0]] + w[1]}) "
    "MATCH (b:Resource {uri: $pre[w[2]] + w[3]}) MERGE (a)-[r:$(w[4])]->(b) "
    "ON CREATE SET r.docs = [$tag] ON MATCH SET r.docs = coalesce(r.docs, []) + [$tag]"
)

# Taking a tag ``$doc`` off the graph (an old version): what only it states goes, the rest loses
# the tag. Deletes come before the untagging (FalkorDB, which shares these, applies SET lazily).
DROP_RELATIONSHIPS = "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND r.docs = [$doc] DELETE r"
UNTAG_RELATIONSHIPS = (
    "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND $doc IN r.docs "
    "SET r.docs = [d IN r.docs WHERE d <> $doc]"
)
DROP_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs AND n.docs = [$doc] DETACH DELETE n"
UNTAG_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs SET n.docs = [d IN n.docs WHERE d <> $doc]"

LOAD_LABEL = "PolicykgLoad"  # one node per loaded document: {doc, sha256} of its Turtle file
MARK_LOADED = f"MERGE (m:{LOAD_LABEL} {{doc: $doc}}) SET m.sha256 = $sha"
UNMARK_LOADED = f"MATCH (m:{LOAD_LABEL} {{doc: $doc}}) DELETE m"

# Reads. Counted from the stores' own totals (constant time on both engines).
LOADED_DOCUMENTS = f"MATCH (m:{LOAD_LABEL}) RETURN m.doc AS doc, m.sha256 AS sha256 ORDER BY doc"
COUNT_NODES = "MATCH (n:Resource) RETURN count(n) AS n"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS n"
CLEAR_GRAPH = "MATCH (n) DETACH DELETE n"


@dataclass(frozen=True)
class Part:
    """A piece of work: constant text over its own params (``$rows``, …) and shared ones.

    ``rows`` hold tuples whose fields at ``uri_fields`` are uris, sent as (prefix index, suffix).
    The FalkorDB adapter also sends rows as one string (``text_rows``, with ``as_list`` the same
    part with list rows, for a row that only fits a statement beside its shorter text).
    """

    text: str
    params: dict = field(default_factory=dict)
    rows: tuple[tuple, ...] = ()
    uri_fields: tuple[int, ...] = ()
    text_rows: object | None = None
    as_list: Part | None = None


def uri_prefix(uri: str) -> str:
    """The part of a uri up to its last ``/`` or ``#`` (shared by many uris).

    >>> uri_prefix("https://w3id.org/policykg/id/body/国务院"), uri_prefix("urn:x")
    ('https://w3id.org/policykg/id/body/', '')
    """
    return uri[: max(uri.rfind("/"), uri.rfind("#")) + 1]


def removal_parts() -> list[Part]:
    """Take the tag ``$doc`` off every node and relationship; drop what only it states."""
    texts = (DROP_RELATIONSHIPS, UNTAG_RELATIONSHIPS, DROP_NODES, UNTAG_NODES)
    return [Part(text) for text in texts]


def document_parts(pg: PropertyGraph) -> list[Part]:
    """A document's nodes (one part, labels per row), then its relationships (types per row)."""
    nodes = tuple((node.uri, node.props, list(node.labels)) for node in pg.nodes)
    rels = tuple((rel.start, rel.end, rel.type) for rel in pg.relationships)
    parts = [Part(MERGE_NODES_DYNAMIC, {}, nodes, (0,))] if nodes else []
    return parts + ([Part(MERGE_RELATIONSHIPS_DYNAMIC, {}, rels, (0, 1))] if rels else [])


def compact_rows(
    rows: Iterable[tuple], uri_fields: tuple[int, ...]
) -> tuple[list[str], list[list]]:
    """``(prefixes, rows)``: each uri field of ``rows`` replaced by (prefix index, suffix).

    >>> compact_rows([("http://x/a", 1), ("http://x/b", 2)], (0,))
    (['http://x/'], [[0, 'a', 1], [0, 'b', 2]])
    """
    prefixes: dict[str, int] = {}
    encoded = []
    for row in rows:
        fields: list = []
        for position, value in enumerate(row):
            if position in uri_fields:
                prefix = uri_prefix(value)
                fields += [prefixes.setdefault(prefix, len(prefixes)), value[len(prefix) :]]
            else:
                fields.append(value)
        encoded.append(fields)
    return list(prefixes), encoded


def batch_statements(parts: list[Part], shared: dict, batch_size: int) -> list[Statement]:
    """Statements doing ``parts`` in order: one per part, and per batch of ``batch_size`` rows."""
    statements = []
    for part in parts:
        text = compact(part.text)
        if not part.rows:
            statements.append(Statement(text, {**shared, **part.params}))
            continue
        for start in range(0, len(part.rows), batch_size):
            prefixes, rows = compact_rows(part.rows[start : start + batch_size], part.uri_fields)
            statements.append(
                Statement(text, {**shared, **part.params, "pre": prefixes, "rows": rows})
            )
    return statements


def document_statements(
    doc: str, sha256: str, pg: PropertyGraph, batch_size: int, *, replacing: bool
) -> list[Statement]:
    """The transaction writing ``pg`` as ``doc``: drop its old version (when ``replacing``), merge
    its rows, record the Turtle's hash."""
    parts = removal_parts() if replacing else []
    parts += document_parts(pg) + [Part(MARK_LOADED)]
    return batch_statements(parts, {"doc": doc, "tag": doc, "sha": sha256}, batch_size)


def removal_statements(doc: str) -> list[Statement]:
    """The transaction taking ``doc`` (and its load record) out of the graph."""
    return batch_statements(removal_parts() + [Part(UNMARK_LOADED)], {"doc": doc}, 1)


def index_statements() -> list[str]:
    """The uniqueness constraint on ``uri`` and the indexes the loader and queries rely on (each
    a schema statement of its own, idempotent).

    >>> index_statements()[0]
    'CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE'
    """
    statements = []
    for label, prop in INDEXED:
        name = f"{label.lower()}_{prop.lower()}"
        if prop == NODE_KEY:
            statements.append(
                f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
            )
        else:
            statements.append(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
    return statements


def json_batches(rows: list, size: int, max_bytes: int) -> Iterator[list]:
    """Runs of at most ``size`` rows whose JSON encoding stays under ``max_bytes``.

    >>> [len(b) for b in json_batches([{"k": "v"}] * 5, 2, 10_000)]
    [2, 2, 1]
    """
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
