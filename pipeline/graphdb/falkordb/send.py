"""Write statements to the local FalkorDB over its Redis port instead of its Bolt layer.

Measured on the 2 090-document bench graph: after each write it receives over Bolt, FalkorDB's
main thread stays busy for 0.7-2.2 s (Redis answers nothing meanwhile: the save that ends a load
and the next command wait), while the same statement sent as ``GRAPH.QUERY`` leaves it idle.
:meth:`pipeline.graphdb.falkordb.driver.FalkorDBConnection.statements` sends the loader's and
the analysis' statements this way when the server is the local one (it has a Redis port).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import redis

from pipeline.errors import DatabaseError
from pipeline.graphdb.falkordb.read import (
    ReplySchema,
    reply_text,
    reply_value,
    statement_with_parameters,
)
from pipeline.graphdb.falkordb.staging import FALKORDB_GRAPH

if TYPE_CHECKING:
    from pipeline.graphdb.dialect import Statement


class ServerLost(DatabaseError):
    """The local server went away (or stopped answering) while a statement was sent."""


class StatementRejected(DatabaseError):
    """The local server refused a statement."""


class RedisStatements:
    """``send(statement)``: ``GRAPH.QUERY`` with the parameters in the ``CYPHER k=v`` prefix (as
    FalkorDB's Bolt layer itself writes them into the text), the first row as a dict.

    Floats fare better this way: the prefix carries Python's shortest ``repr`` and FalkorDB reads
    it as a double (``1e-07`` and ``123456.789012345`` come back as sent), where the Bolt layer
    writes ``%f`` (``0.0`` and ``123456.789012``, measured)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._schema = ReplySchema(client)

    def __call__(self, statement: Statement) -> Mapping[str, Any] | None:
        text = statement_with_parameters(statement.text, statement.params)
        try:
            reply = self._client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, text, "--compact")
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise ServerLost(
                f"lost the local graph server: {exc}", hint="run `policykg db start` and rerun"
            ) from exc
        except redis.ResponseError as exc:
            raise StatementRejected(str(exc), hint="see the server's log under data/db/") from exc
        if len(reply) < 3 or not reply[1]:
            return None
        columns = [reply_text(name) for _kind, name in reply[0]]
        return dict(
            zip(columns, (reply_value(self._schema, cell) for cell in reply[1][0]), strict=True)
        )
