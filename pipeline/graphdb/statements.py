"""The loader's Cypher (Neo4j 5): constant texts over typed parameters, and rows cut into batches.

Rows travel compact. A node row is ``[prefix, suffix, props, labels]`` and a relationship row
``[start prefix, start suffix, end prefix, end suffix, type]``; a uri is ``$pre[prefix] + suffix``,
where ``$pre`` lists the uri prefixes (up to the last ``/`` or ``#``) of the batch. A document's uris
share a handful of prefixes, so this halves what is sent. Labels and types are given per row
(Neo4j 5.26's dynamic labels and types), so a document is three or four statements, all run in one
transaction (:class:`pipeline.graphdb.writer.Neo4jWriter`).

Every node and relationship carries ``docs``, the documents stating it (on both engines; the
exports write it too). On Neo4j that list is not indexed: a range index keeps a list as one value
of at most 8 KB, so a body restated by a few hundred documents cannot be indexed, and ``$d IN
n.docs`` cannot use such an index anyway. Instead a document's load record (``PolicykgLoad``, unique
on ``doc``) keeps ``uris``, the nodes the document states, and an old version is found from there
through the ``uri`` constraint (:data:`DOCUMENT_NODES`). Every relationship a document states
starts at a node it states, so its relationships are reached through those nodes instead of a scan
of every relationship. (FalkorDB indexes list elements and finds ``$doc IN n.docs`` by its index;
its adapter keeps its own statements.)

A first load into an empty Neo4j database may write several new documents per transaction
(:func:`bulk_statements`): their rows merged in Python, created rather than merged, each document
still all or nothing (its rows and its load record commit together).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import INDEXED, NODE_KEY, Statement

if TYPE_CHECKING:  # rdflib, which mapping imports, is not needed to run a query
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

LOAD_LABEL = "PolicykgLoad"  # one node per loaded document: {doc, sha256} of its Turtle file

# Taking a document ``$doc`` off the graph (an old version) on Neo4j: everything it states loses
# its tag, and what then has none goes; its nodes are those its load record lists (no index on
# ``docs``), its relationships start at them.
DOCUMENT_NODES = (
    f"MATCH (m:{LOAD_LABEL} {{doc: $doc}}) UNWIND coalesce(m.uris, []) AS u "
    "MATCH (n:Resource {uri: u})"
)
UNTAG_DOCUMENT_RELATIONSHIPS = (
    f"{DOCUMENT_NODES}-[r]->() WHERE $doc IN r.docs SET r.docs = [d IN r.docs WHERE d <> $doc] "
    "WITH r WHERE r.docs = [] DELETE r"
)
UNTAG_DOCUMENT_NODES = (
    f"{DOCUMENT_NODES} SET n.docs = [d IN n.docs WHERE d <> $doc] "
    "WITH n WHERE n.docs = [] DETACH DELETE n"
)
#: A load record written before records listed their nodes gets its ``uris`` (once, by a scan).
BACKFILL_URIS = (
    f"MATCH (m:{LOAD_LABEL}) WHERE m.uris IS NULL "
    "CALL (m) { MATCH (n:Resource) WHERE m.doc IN n.docs RETURN collect(n.uri) AS uris } "
    "SET m.uris = uris RETURN count(m) AS n"
)

LOAD_LABEL = "PolicykgLoad"  # one node per loaded document: {doc, sha256} of its Turtle file
MARK_LOADED = f"MERGE (m:{LOAD_LABEL} {{doc: $doc}}) SET m.sha256 = $sha"
MARK_LOADED_WITH_NODES = f"MERGE (m:{LOAD_LABEL} {{doc: $doc}}) SET m.sha256 = $sha, m.uris = $uris"
UNMARK_LOADED = f"MATCH (m:{LOAD_LABEL} {{doc: $doc}}) DELETE m"

# Reads. Counted from the stores' own totals (constant time on both engines).
LOADED_DOCUMENTS = f"MATCH (m:{LOAD_LABEL}) RETURN m.doc AS doc, m.sha256 AS sha256 ORDER BY doc"
COUNT_NODES = "MATCH (n:Resource) RETURN count(n) AS n"
COUNT_ALL_NODES = "MATCH (n) RETURN count(n) AS n"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN count(r) AS n"
CLEAR_GRAPH = "MATCH (n) DETACH DELETE n"
#: Neo4j: the graph cleared in transactions of their own (one transaction for the whole of the
#: bench graph, 76 000 nodes and 192 000 relationships, exceeds the 256 MiB a transaction may
#: use); run outside an explicit transaction.
CLEAR_GRAPH_IN_BATCHES = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"


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
    """Take the document ``$doc`` off every node and relationship it states (reached from its
    load record); drop what only it states."""
    return [Part(UNTAG_DOCUMENT_RELATIONSHIPS), Part(UNTAG_DOCUMENT_NODES)]


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
    parts += document_parts(pg) + [Part(MARK_LOADED_WITH_NODES)]
    shared = {"doc": doc, "tag": doc, "sha": sha256, "uris": [node.uri for node in pg.nodes]}
    return batch_statements(parts, shared, batch_size)


def removal_statements(doc: str) -> list[Statement]:
    """The transaction taking ``doc`` (and its load record) out of the graph."""
    return batch_statements(removal_parts() + [Part(UNMARK_LOADED)], {"doc": doc}, 1)


def index_statements() -> list[str]:
    """The uniqueness constraints on ``uri`` and on the load records' ``doc``, and the indexes the
    queries rely on (each a schema statement of its own, idempotent); an index on ``docs`` that
    an older loader created is dropped (see the module docstring).

    >>> index_statements()[0]
    'CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE'
    """
    statements = []
    for label, prop in (*INDEXED, (LOAD_LABEL, "doc")):
        name = f"{label.lower()}_{prop.lower()}"
        if prop == NODE_KEY or label == LOAD_LABEL:
            statements.append(
                f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
            )
        else:
            statements.append(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
    return [*statements, "DROP INDEX resource_docs IF EXISTS"]


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


# A first load into an empty database, several new documents per transaction: nodes and
# relationships no earlier transaction of the load wrote are created, the others updated.
CREATE_NODES = (
    "UNWIND $rows AS w CREATE (n:$(w[3]) {uri: $pre[w[0]] + w[1]}) SET n += w[2], n.docs = w[4]"
)
UPDATE_NODES = (
    "UNWIND $rows AS w MATCH (n:Resource {uri: $pre[w[0]] + w[1]}) "
    "SET n += w[2], n.docs = n.docs + w[4], n:$(w[3])"
)
CREATE_RELATIONSHIPS = (
    "UNWIND $rows AS w MATCH (a:Resource {uri: $pre[w[0]] + w[1]}) "
    "MATCH (b:Resource {uri: $pre[w[2]] + w[3]}) CREATE (a)-[r:$(w[4])]->(b) SET r.docs = w[5]"
)
UPDATE_RELATIONSHIPS = (
    "UNWIND $rows AS w MATCH (a:Resource {uri: $pre[w[0]] + w[1]}) "
    "MATCH (b:Resource {uri: $pre[w[2]] + w[3]}) MERGE (a)-[r:$(w[4])]->(b) "
    "SET r.docs = coalesce(r.docs, []) + w[5]"
)
CREATE_LOAD_RECORDS = (
    f"UNWIND $rows AS w CREATE (m:{LOAD_LABEL} {{doc: w[0], sha256: w[1], uris: w[2]}})"
)


@dataclass
class BulkState:
    """What the transactions of one bulk load have committed: node uris and relationship keys
    (the database was empty before, and nobody else writes during the load)."""

    nodes: set[str] = field(default_factory=set)
    relationships: set[tuple[str, str, str]] = field(default_factory=set)

    def committed(self, written: BulkState) -> None:
        """Add what a transaction of the load ``written`` (it committed)."""
        self.nodes |= written.nodes
        self.relationships |= written.relationships


def bulk_statements(
    documents: list[tuple[str, str, PropertyGraph]], state: BulkState, batch_size: int
) -> tuple[list[Statement], BulkState]:
    """One transaction writing ``documents`` (``(doc, sha256, rows)``, in load order) as the
    per-document statements would one after another: properties merged in that order (the last
    writer wins), labels united, ``docs`` in load order; and what it writes (for
    :meth:`BulkState.committed`)."""
    nodes: dict[str, tuple[dict, set[str], list[str]]] = {}
    rels: dict[tuple[str, str, str], list[str]] = {}
    for doc, _sha, pg in documents:
        for node in pg.nodes:
            props, labels, docs = nodes.setdefault(node.uri, ({}, set(), []))
            props.update(node.props)
            labels.update(node.labels)
            docs.append(doc)
        for rel in pg.relationships:
            rels.setdefault((rel.start, rel.end, rel.type), []).append(doc)
    new_nodes: list[tuple] = []
    old_nodes: list[tuple] = []
    new_rels: list[tuple] = []
    old_rels: list[tuple] = []
    for uri, (props, labels, docs) in nodes.items():
        row = (uri, props, sorted(labels), docs)
        (old_nodes if uri in state.nodes else new_nodes).append(row)
    for key, docs in rels.items():
        (old_rels if key in state.relationships else new_rels).append((*key, docs))
    records = tuple((doc, sha, [node.uri for node in pg.nodes]) for doc, sha, pg in documents)
    parts = [
        Part(CREATE_NODES, {}, tuple(new_nodes), (0,)),
        Part(UPDATE_NODES, {}, tuple(old_nodes), (0,)),
        Part(CREATE_RELATIONSHIPS, {}, tuple(new_rels), (0, 1)),
        Part(UPDATE_RELATIONSHIPS, {}, tuple(old_rels), (0, 1)),
        Part(CREATE_LOAD_RECORDS, {}, records),
    ]
    statements = batch_statements([part for part in parts if part.rows], {}, batch_size)
    return statements, BulkState(set(nodes), set(rels))
