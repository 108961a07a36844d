"""The graph's names and the few facts callers outside the engines need about the server.

The core speaks Neo4j 5 Cypher. What differs on FalkorDB, and every way around it, lives in
:mod:`pipeline.graphdb.falkordb` (its package docstring lists what was measured); callers that cut
their own batches (the analysis write) only need :attr:`Dialect.max_message_bytes` and whether a
transaction rolls back (:attr:`Dialect.atomic_transactions`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

NODE_KEY_LABEL = "Resource"  # every node carries it, as with n10s
NODE_KEY = "uri"
INDEXED = ((NODE_KEY_LABEL, NODE_KEY), (NODE_KEY_LABEL, "prefLabel"))


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
        """Largest parameter payload, JSON-measured, for callers that batch by JSON size
        (FalkorDB aborts on a Bolt message over about 4 KB)."""
        return 3000 if self is Dialect.FALKORDB else 4_000_000


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
