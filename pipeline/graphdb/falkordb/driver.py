"""The Neo4j driver made to work with FalkorDB's Bolt layer, and the connection that uses it.

Two things the driver cannot be told: FalkorDB writes parameters into the query text unescaped
(so every session escapes string parameters: :func:`escape_parameters`), and it stalls the next
handshake after a Bolt GOODBYE (so connections to it close without one: :func:`suppress_goodbye`,
a patch of the driver's private ``Bolt.close``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import neo4j

from pipeline.config import Settings
from pipeline.errors import QueryError
from pipeline.graphdb.connection import Connection, Send
from pipeline.graphdb.dialect import Statement
from pipeline.graphdb.falkordb.staging import STAGE_LABEL

if TYPE_CHECKING:
    from pipeline.graphdb.writer import GraphWriter

COUNT_STAGE_LINKS = f"MATCH (:{STAGE_LABEL})-[r]->() RETURN count(r) AS n"


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

    _base.Bolt.close = close  # type: ignore[method-assign]  # the patch this module exists for
    _PATCHED = True


class EscapingRunner:
    """Wraps a driver session or transaction so that ``run`` escapes string parameters. The rest
    is the driver's."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner

    def run(self, query: str, parameters: dict | None = None, **kwargs: object) -> neo4j.Result:
        return self._runner.run(query, escape_parameters({**(parameters or {}), **kwargs}))

    def __getattr__(self, name: str) -> object:
        return getattr(self._runner, name)

    def __enter__(self) -> Self:
        self._runner.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._runner.__exit__(*exc_info)


def _escaping(work: Callable[..., Any]) -> Callable[..., Any]:
    """A transaction function handed an escaping transaction."""
    return lambda tx, *args, **kwargs: work(EscapingRunner(tx), *args, **kwargs)


class EscapingSession(EscapingRunner):
    """A FalkorDB session: ``run`` and the transactions it opens escape string parameters."""

    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._runner.execute_read(_escaping(work), *args, **kwargs)

    def execute_write(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._runner.execute_write(_escaping(work), *args, **kwargs)

    def begin_transaction(self, *args: Any, **kwargs: Any) -> EscapingRunner:
        return EscapingRunner(self._runner.begin_transaction(*args, **kwargs))


@dataclass
class FalkorDBConnection(Connection):
    """A connection to FalkorDB; ``settings`` is set when it is the local server (which has a
    Redis port for saves, bulk loads and read-only queries)."""

    settings: Settings | None = None

    def session(self, *, read_only: bool = False) -> neo4j.Session:
        """A write-mode :class:`EscapingSession` (``READ`` sessions see an empty graph there)."""
        return EscapingSession(self.driver.session())  # type: ignore[return-value]

    @contextmanager
    def statements(self) -> Iterator[Send]:
        """On the local server, write statements as ``GRAPH.QUERY`` (:class:`RedisStatements`);
        over Bolt elsewhere."""
        if self.settings is None:
            with super().statements() as send:
                yield send
            return
        from pipeline.graphdb.falkordb.send import RedisStatements
        from pipeline.graphdb.falkordb.server import redis_client

        client = redis_client(self.settings)
        try:
            yield RedisStatements(client)
        finally:
            client.close()

    def run_read_only(self, text: str, params: dict) -> tuple[list[str], list[dict]]:
        """``GRAPH.RO_QUERY`` on the local server; FalkorDB reached over Bolt alone offers no
        read-only path, so ad hoc Cypher is refused there."""
        if self.settings is None:
            raise QueryError(
                "ad hoc Cypher needs a read-only path the server enforces, and FalkorDB over Bolt has none",
                hint="use a named query, or run ad hoc Cypher against the local server or Neo4j",
            )
        from pipeline.graphdb.falkordb.read import read_only_query

        return read_only_query(self.settings, text, params)

    def counts(self) -> tuple[int, int]:
        """``(nodes, relationships)``, the links of a staging in progress left out."""
        nodes, rels = super().counts()
        with self.session(read_only=True) as session:
            staging = session.run(COUNT_STAGE_LINKS).single(strict=True)["n"]
        return nodes, rels - staging

    def open_writer(
        self, *, batch_size: int = 500, on_statement: Callable[[Statement], None] | None = None,
        bulk: bool = False,
    ) -> GraphWriter:  # fmt: skip
        from pipeline.graphdb.falkordb.writer import FalkorDBWriter

        return FalkorDBWriter(self, batch_size=batch_size, on_statement=on_statement,
                              bulk=bulk and self.settings is not None)  # fmt: skip

    def save(self, *, background: bool = False) -> bool:
        """Save the local server's data now (see :func:`pipeline.graphdb.falkordb.server.save`)."""
        if self.settings is None:
            return False
        from pipeline.graphdb.falkordb import server

        return server.save(self.settings, background=background)
