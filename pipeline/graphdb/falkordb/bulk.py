"""A first load into an empty local FalkorDB with ``GRAPH.BULK``: the whole corpus in seconds.

The document-by-document writer (:mod:`.writer`) pays for what a rebuild needs:
each document staged and committed on its own, in statements under FalkorDB's ~4 KB Bolt limit,
with the ``docs`` lists of widely shared nodes rewritten per document. Into an empty database
none of that is needed. This module writes the graph that loader would write, with the same
nodes, labels, properties, ``docs`` lists (in load order) and ``PolicykgLoad`` records, through
FalkorDB's bulk-insert command over the Redis protocol. It is FalkorDB's counterpart of
``neo4j-admin database import`` for Neo4j, which has no such command over Bolt; a Neo4j target
keeps the document-by-document load (see docs/GRAPHDB.md).

How (format learnt from the command's documented wire layout; the encoder is ours):

- Documents stream in (:meth:`BulkBuilder.add`); every node is created once, when a document
  first states it, with ids given in creation order. Edges refer to those ids. Chunks go to the
  server while the corpus is still being extracted (:class:`BulkWriter`, driven by the writer).
- A node or relationship that a later document states again is not sent twice: what that
  document adds (its tag in ``docs``, labels, properties, last writer wins as in ``SET n += p``)
  is collected and applied at the end by a few ``UNWIND`` statements (:meth:`BulkBuilder.updates`).
- Values are typed exactly (strings as is, 64-bit integers, doubles, booleans, lists of these):
  the ``falkordb-bulk-loader`` CSV tool strips strings, reads ``""`` as null and guesses the type
  of every list item, which this graph cannot afford.
- A ``PolicykgBulk`` node marks a bulk load in progress; it goes last. A graph that still holds it
  was left by an interrupted bulk load and is cleared by the next load
  (:func:`.writer.purge_pending`), then loaded again from scratch.
"""

from __future__ import annotations

import array
import logging
import struct
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import redis

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import NODE_KEY, NODE_KEY_LABEL, quote_name
from pipeline.graphdb.falkordb.literals import UnwritableValue, cypher_literal
from pipeline.graphdb.falkordb.staging import BULK_LABEL, FALKORDB_GRAPH, index_statements
from pipeline.graphdb.mapping import PropertyGraph
from pipeline.graphdb.statements import LOAD_LABEL

log = logging.getLogger(__name__)

DOCS = "docs"
#: A chunk is sent once its encoded entities reach this size (the server buffers one whole call).
CHUNK_BYTES = 4 << 20
#: Every index's state (``OPERATIONAL`` once populated), and how long a bulk load waits for them.
INDEX_STATUS = "CALL db.indexes() YIELD status RETURN status"
INDEX_WAIT_S = 600
#: Rows per ``UNWIND`` statement applying what later documents add to nodes created earlier.
UPDATE_ROWS = 5000

# Value type tags of the bulk-insert wire format.
_NULL, _BOOL, _DOUBLE, _STRING, _LONG, _ARRAY = 0, 1, 2, 3, 4, 5
_INT64 = range(-(2**63), 2**63)
_STRING_TAG = bytes((_STRING,))


def encode_value(value: object) -> bytes:
    """One property value in the bulk-insert wire format (type tag, then the value).

    >>> encode_value(3), encode_value("中")
    (b'\\x04\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00', b'\\x03\\xe4\\xb8\\xad\\x00')
    >>> encode_value([True, 0.5])[:9]
    b'\\x05\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00'
    """
    if type(value) is str:  # most values: the common case first
        if "\0" in value:
            raise UnwritableValue("a string holding NUL cannot be written by the bulk insert")
        return _STRING_TAG + value.encode("utf-8") + b"\0"
    if isinstance(value, bool):
        return struct.pack("=B?", _BOOL, value)
    if isinstance(value, int):
        if value not in _INT64:
            raise UnwritableValue(f"integer {value} does not fit 64 bits")
        return struct.pack("=Bq", _LONG, value)
    if isinstance(value, float):
        return struct.pack("=Bd", _DOUBLE, value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        if b"\0" in data:
            raise UnwritableValue("a string holding NUL cannot be written by the bulk insert")
        return bytes((_STRING,)) + data + b"\0"
    if isinstance(value, (list, tuple)):
        if any(isinstance(item, (list, tuple)) for item in value):
            raise UnwritableValue("nested lists are not property values")
        return struct.pack("=Bq", _ARRAY, len(value)) + b"".join(encode_value(v) for v in value)
    raise UnwritableValue(f"no bulk encoding for a {type(value).__name__} value")


def _name(text: str) -> bytes:
    """A label, type or key as the wire format writes names: UTF-8, NUL-terminated."""
    quote_name(text)  # only plain identifiers (they are also written into statements)
    return text.encode() + b"\0"


@dataclass
class _Restated:
    """What documents after the first add to a node: their tags, labels and properties."""

    docs: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    props: dict = field(default_factory=dict)


@dataclass
class _Chunk:
    """What the next ``GRAPH.BULK`` call creates: node rows grouped into tokens by label set and
    keys (``(key, uri, row)``; ``key`` is -1 for the marker) and relationships still by key."""

    nodes: dict[tuple[str, tuple[str, ...]], list[tuple[int, str, bytes]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    relationships: list[tuple[int, str, int, str]] = field(default_factory=list)
    size: int = 0

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.relationships


def _name_list(labels: str) -> bytes:
    """Labels joined by ``:``, which the bulk insert gives every node of the token."""
    for label in labels.split(":"):
        quote_name(label)
    return labels.encode() + b"\0"


def _token(header: bytes, keys: tuple[str, ...], rows: Iterable[bytes]) -> bytes:
    return header + struct.pack("=I", len(keys)) + b"".join(map(_name, keys)) + b"".join(rows)


class BulkBuilder:
    """Turns documents, in load order, into ``GRAPH.BULK`` calls and the final updates.

    Pure (no I/O): :class:`BulkWriter` sends what it builds. Each node gets a key when first seen;
    its server id (ids count from 0 in creation order, token by token, in a new graph) is known
    once its chunk is taken. Relationships are deduplicated on packed integer keys, so a large
    corpus costs a few dozen bytes per relationship here.
    """

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}  # uri -> key (order of first sight)
        self._server_ids = array.array("q")  # key -> server id (-1 until its chunk is taken)
        self._types: dict[str, int] = {}
        self._relationships: set[int] = set()
        self._restated: dict[str, _Restated] = {}  # by uri
        self._restated_relationships: dict[tuple[str, str, str], list[str]] = {}
        self._chunk = _Chunk()
        self._next_id = 0
        self._begun = False
        self.last_node: tuple[int, str] | None = None  # (server id, uri) of the last node created
        self.documents: list[tuple[str, str]] = []  # (doc, sha256) in load order
        self._doc_set: set[str] = set()
        self._tags: dict[str, bytes] = {}  # doc -> its encoded ``[doc]``
        self._layouts: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...] | None]] = {}
        self.rows = 0

    def add(self, doc: str, sha256: str, pg: PropertyGraph) -> None:
        """Add one document's rows (what the document-by-document writer would write for it, in
        this order)."""
        if doc in self._doc_set:
            raise UnwritableValue(f"document {doc} given twice to one bulk load")
        self._doc_set.add(doc)
        self.documents.append((doc, sha256))
        self.rows += len(pg.nodes) + len(pg.relationships)
        chunk = self._chunk
        tag = encode_value([doc])  # every row created here carries ``docs = [doc]``
        self._tags[doc] = tag
        for node in pg.nodes:
            key = self._keys.get(node.uri)
            if key is not None:
                restated = self._restated.setdefault(node.uri, _Restated())
                restated.docs.append(doc)
                restated.labels.update(node.labels)
                restated.props.update(node.props)
                continue
            key = self._keys[node.uri] = len(self._keys)
            self._server_ids.append(-1)
            props = node.props
            prop_keys = tuple(props)
            layout = self._layouts.get(prop_keys)
            if layout is None:  # the token's keys, and the order to read them in (None: as is)
                ordered = tuple(sorted(prop_keys))
                layout = self._layouts[prop_keys] = (
                    (NODE_KEY, *ordered, DOCS),
                    None if ordered == prop_keys else ordered,
                )
            names, order = layout
            values = props.values() if order is None else [props[k] for k in order]
            row = b"".join([encode_value(node.uri), *map(encode_value, values), tag])
            chunk.nodes[(":".join(node.labels), names)].append((key, node.uri, row))
            chunk.size += len(row)
        keys = self._keys
        for rel in pg.relationships:
            start, end = keys[rel.start], keys[rel.end]
            type_index = self._types.setdefault(rel.type, len(self._types))
            packed = ((start << 40 | end) << 16) | type_index
            if packed in self._relationships:
                self._restated_relationships.setdefault((rel.start, rel.type, rel.end), []).append(
                    doc
                )
                continue
            self._relationships.add(packed)
            chunk.relationships.append((start, rel.type, end, doc))
            chunk.size += 32

    @property
    def chunk_bytes(self) -> int:
        """Bytes of entities waiting for the next call (roughly)."""
        return self._chunk.size

    def take_chunk(self) -> list[bytes | str | int] | None:
        """The next ``GRAPH.BULK`` arguments (after the graph name), or None if nothing waits."""
        chunk, self._chunk = self._chunk, _Chunk()
        if chunk.empty and self._begun:
            return None
        if not self._begun:  # the first call creates the graph and the in-progress marker
            chunk.nodes[(BULK_LABEL, ("started",))].append((-1, "", encode_value(time.time())))
        node_tokens = []
        for (labels, names), rows in chunk.nodes.items():
            for key, uri, _row in rows:
                if key >= 0:
                    self._server_ids[key] = self._next_id
                    self.last_node = (self._next_id, uri)
                self._next_id += 1
            node_tokens.append(_token(_name_list(labels), names, (row for _k, _u, row in rows)))
        by_type: dict[str, list[bytes]] = defaultdict(list)
        ids, tags, pack = self._server_ids, self._tags, struct.Struct("=QQ").pack
        for start, rel_type, end, doc in chunk.relationships:
            by_type[rel_type].append(pack(ids[start], ids[end]) + tags[doc])
        rel_tokens = [_token(_name(rel_type), (DOCS,), rows) for rel_type, rows in by_type.items()]
        head: list[bytes | str | int] = [] if self._begun else ["BEGIN"]
        self._begun = True
        nodes = sum(len(rows) for rows in chunk.nodes.values())
        return [*head, nodes, len(chunk.relationships), len(node_tokens), len(rel_tokens),
                *node_tokens, *rel_tokens]  # fmt: skip

    def records_chunk(self) -> list[bytes | str | int]:
        """A ``GRAPH.BULK`` call creating the ``PolicykgLoad`` record of every document."""
        rows = [encode_value(doc) + encode_value(sha256) for doc, sha256 in self.documents]
        self._next_id += len(rows)
        return [len(rows), 0, 1, 0, _token(_name(LOAD_LABEL), ("doc", "sha256"), rows)]

    def updates(self) -> list[str]:
        """Statements applying what later documents added to nodes and relationships created
        earlier (tags appended in load order, labels added, properties overwritten). They find
        nodes by ``uri`` (indexed by then): an ``id(n) = w[0]`` filter is not an id seek when
        ``w`` comes from ``UNWIND``, but a scan per row."""
        statements: list[str] = []
        node_rows = [f"[{cypher_literal(uri)}, {cypher_literal(r.docs)}, {cypher_literal(r.props)}]"
                     for uri, r in self._restated.items()]  # fmt: skip
        statements += _unwind(node_rows, f"MATCH (n:{NODE_KEY_LABEL} {{{NODE_KEY}: w[0]}}) "
                                         "SET n.docs = n.docs + w[1], n += w[2]")  # fmt: skip
        by_labels: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for uri, restated in self._restated.items():
            by_labels[tuple(sorted(restated.labels))].append(cypher_literal(uri))
        for labels, uris in sorted(by_labels.items()):
            set_labels = ":".join(quote_name(label) for label in labels)
            statements += _unwind(
                uris, f"MATCH (n:{NODE_KEY_LABEL} {{{NODE_KEY}: w}}) SET n:{set_labels}"
            )
        by_type: dict[str, list[str]] = defaultdict(list)
        for (start, rel_type, end), docs in self._restated_relationships.items():
            by_type[rel_type].append(
                f"[{cypher_literal(start)}, {cypher_literal(end)}, {cypher_literal(docs)}]"
            )
        for rel_type, rows in sorted(by_type.items()):
            statements += _unwind(rows, f"MATCH (a:{NODE_KEY_LABEL} {{{NODE_KEY}: w[0]}})-[r:{quote_name(rel_type)}]->"
                                        f"(b:{NODE_KEY_LABEL} {{{NODE_KEY}: w[1]}}) SET r.docs = r.docs + w[2]")  # fmt: skip
        return statements


def _unwind(rows: list[str], body: str) -> list[str]:
    """``UNWIND [rows] AS w <body>`` in statements of at most :data:`UPDATE_ROWS` rows."""
    return [f"UNWIND [{', '.join(rows[i : i + UPDATE_ROWS])}] AS w {body}"
            for i in range(0, len(rows), UPDATE_ROWS)]  # fmt: skip


# --------------------------------------------------------------------------- the server side


def _node_count(client: redis.Redis) -> int:
    """Nodes in the local graph (0 when its key does not exist yet)."""
    if not client.exists(FALKORDB_GRAPH):
        return 0
    reply = client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, "MATCH (n) RETURN count(n)")
    return int(reply[1][0][0])


class BulkWriter:
    """Sends what a :class:`BulkBuilder` builds to the local server through ``client`` (Redis)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self.builder = BulkBuilder()
        # chunks go out on a thread of their own, one in flight, so that the server inserts one
        # chunk while the next documents are parsed and encoded here
        self._sender: ThreadPoolExecutor | None = None
        self._sending: Future[None] | None = None

    def begin(self) -> None:
        """Drop the empty graph key (``GRAPH.BULK BEGIN`` creates the graph; its indexes are
        created again at the end). Refuses a graph that holds anything."""
        if _node_count(self._client):
            raise DatabaseError("a bulk load needs an empty graph", hint="use `policykg load`")
        self._client.delete(FALKORDB_GRAPH)

    def add(self, doc: str, sha256: str, pg: PropertyGraph) -> int:
        """Add a document (sending a chunk when one is full); returns its rows."""
        self.builder.add(doc, sha256, pg)
        if self.builder.chunk_bytes >= CHUNK_BYTES:
            self.flush()
        return len(pg.nodes) + len(pg.relationships)

    def flush(self, *, wait: bool = False) -> None:
        """Send the rows waiting (after the chunk in flight; its error, if any, is raised here);
        with ``wait``, return once the server has inserted them."""
        arguments = self.builder.take_chunk()
        if arguments is not None:
            self._wait()
            if self._sender is None:
                self._sender = ThreadPoolExecutor(1, thread_name_prefix="policykg-bulk")
            self._sending = self._sender.submit(self._send, arguments)
        if wait:
            self._wait()

    def _wait(self) -> None:
        """Wait for the chunk in flight; raise its error."""
        sending, self._sending = self._sending, None
        if sending is not None:
            sending.result()

    def _send(self, arguments: list[bytes | str | int]) -> None:
        reply = self._client.execute_command("GRAPH.BULK", FALKORDB_GRAPH, *arguments)
        text = reply.decode() if isinstance(reply, bytes) else str(reply)
        nodes, relationships = (int(part.split()[0]) for part in text.split(", "))
        counts = arguments[1:3] if arguments[0] == "BEGIN" else arguments[0:2]
        expected = [int(count) for count in counts]
        if [nodes, relationships] != expected:
            raise DatabaseError(f"the bulk insert created {text}, not {expected[0]} nodes and "
                                f"{expected[1]} edges", hint="report this; the document-by-document load still works")  # fmt: skip

    def finish(self) -> None:
        """Send the rest, check the ids, apply the updates, write the load records, drop the marker."""
        self.flush(wait=True)
        self._check_ids()
        for statement in index_statements(existing=set()):
            self._client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, statement)
        self._await_indexes()
        for statement in self.builder.updates():
            self._client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, statement)
        if self.builder.documents:
            self._send(self.builder.records_chunk())
        self._client.execute_command(
            "GRAPH.QUERY", FALKORDB_GRAPH, f"MATCH (b:{BULK_LABEL}) DELETE b"
        )

    def _await_indexes(self) -> None:
        """Return once every index is populated. FalkorDB fills an index created over existing
        nodes in the background, and a ``MATCH`` on the key meanwhile can miss nodes: the updates
        that follow find nodes by ``uri``, and one that ran too early was lost (seen in CI)."""
        deadline = time.monotonic() + INDEX_WAIT_S
        while True:
            reply = self._client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, INDEX_STATUS)
            statuses = [row[0].decode() if isinstance(row[0], bytes) else str(row[0])
                        for row in reply[1]]  # fmt: skip
            if all(status == "OPERATIONAL" for status in statuses):
                return
            if time.monotonic() > deadline:
                raise DatabaseError(f"the bulk load's indexes are not ready after {INDEX_WAIT_S} s "
                                    f"({', '.join(statuses)})", hint="try again; the document-by-document load still works")  # fmt: skip
            time.sleep(0.01)

    def _check_ids(self) -> None:
        """The server gave the ids the builder assumed (checked on the last node created)."""
        if self.builder.last_node is None:
            return
        node_id, uri = self.builder.last_node
        reply = self._client.execute_command(
            "GRAPH.QUERY", FALKORDB_GRAPH, f"MATCH (n) WHERE id(n) = {node_id} RETURN n.{NODE_KEY}"
        )
        found = reply[1][0][0].decode() if reply[1] else None
        if found != uri:
            raise DatabaseError(f"bulk insert: node {node_id} is {found!r}, not {uri!r}",
                                hint="report this; the document-by-document load still works")  # fmt: skip

    def abandon(self) -> None:
        """Drop what this bulk load wrote (the graph was empty before it)."""
        try:
            self._wait()
        except Exception:  # noqa: BLE001, S110 - it failed or not, the graph is dropped next
            pass
        try:
            self._client.delete(FALKORDB_GRAPH)
        except Exception as exc:  # noqa: BLE001 - the marker makes the next load clear it
            log.warning("could not drop the partial bulk load (%s); the next load clears it", exc)

    def close(self) -> None:
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None
        self._client.close()


__all__ = ["BulkBuilder", "BulkWriter", "encode_value"]
