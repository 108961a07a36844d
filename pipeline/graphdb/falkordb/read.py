"""Ad hoc Cypher on the local FalkorDB through ``GRAPH.RO_QUERY``: the server refuses any write.

FalkorDB's Bolt layer ignores a session's ``READ`` access mode (a ``CREATE`` in a read session
writes, and a read session without a database name writes into a graph called ``mode``), so the
read-only path goes over the Redis protocol. Parameters travel in the statement's ``CYPHER k=v``
prefix, rendered as escaped literals; replies come in the compact, typed form and become the
values ``record.data()`` gives on Bolt (a node or a relationship as its property map, a path as
the list of its nodes and relationships).
"""

from __future__ import annotations

from typing import Any

import redis

from pipeline.config import Settings
from pipeline.errors import QueryError
from pipeline.graphdb.falkordb.literals import UnwritableValue, cypher_literal, plain_name
from pipeline.graphdb.falkordb.server import redis_client
from pipeline.graphdb.falkordb.staging import FALKORDB_GRAPH

# Compact reply value types (FalkorDB's ``ValueType``).
NULL, STRING, INTEGER, BOOLEAN, DOUBLE, ARRAY, EDGE, NODE, PATH, MAP, POINT, VECTOR = range(1, 13)


def statement_with_parameters(text: str, params: dict[str, object]) -> str:
    """``CYPHER k=v ... <text>`` (the statement alone without parameters); a value without an
    exact literal is a QueryError.

    >>> statement_with_parameters("RETURN $b", {"b": "x'"})
    "CYPHER b='x\\\\'' RETURN $b"
    """
    if not params:
        return text
    try:
        prefix = " ".join(
            f"{plain_name(k)}={cypher_literal(v, exact_floats=False)}" for k, v in params.items()
        )
    except UnwritableValue as exc:
        raise QueryError(
            f"parameter: {exc.message}", hint=exc.hint or "pass numbers and plain text"
        ) from exc
    return f"CYPHER {prefix} {text}"


class ReplySchema:
    """Label, relationship type and property key names by id (compact replies carry ids)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._names: dict[str, list[str]] = {}

    def name(self, procedure: str, index: int) -> str:
        names = self._names.get(procedure)
        if names is None or index >= len(names):
            reply = self._client.execute_command(
                "GRAPH.RO_QUERY", FALKORDB_GRAPH, f"CALL {procedure}()", "--compact"
            )
            names = self._names[procedure] = [reply_text(row[0][1]) for row in reply[1]]
        return names[index] if index < len(names) else f"#{index}"


def reply_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _properties(schema: ReplySchema, props: list[Any]) -> dict[str, Any]:
    return {
        schema.name("db.propertyKeys", key): reply_value(schema, [kind, value])
        for key, kind, value in props
    }


def reply_value(schema: ReplySchema, typed: list[Any]) -> Any:
    """A compact ``[type, value]`` reply as a Python value."""
    kind, value = typed
    if kind == NULL:
        return None
    if kind == STRING:
        return reply_text(value)
    if kind == INTEGER:
        return int(value)
    if kind == BOOLEAN:
        return reply_text(value) == "true"
    if kind == DOUBLE:
        return float(value)
    if kind == ARRAY:
        return [reply_value(schema, item) for item in value]
    if kind == NODE:
        return _properties(schema, value[2])
    if kind == EDGE:
        return _properties(schema, value[4])
    if kind == PATH:
        nodes, edges = (reply_value(schema, part) for part in value)
        steps: list[Any] = []
        for i, node in enumerate(nodes):
            steps.append(node)
            if i < len(edges):
                steps.append(edges[i])
        return steps
    if kind == MAP:
        return {
            reply_text(value[i]): reply_value(schema, value[i + 1]) for i in range(0, len(value), 2)
        }
    if kind == POINT:
        return {"latitude": float(value[0]), "longitude": float(value[1])}
    if kind == VECTOR:
        return [float(v) for v in value]
    return value if isinstance(value, (int, float)) else reply_text(value)


def read_only_query(
    settings: Settings, text: str, params: dict[str, object]
) -> tuple[list[str], list[dict]]:
    """Run ``text`` with ``GRAPH.RO_QUERY`` on the local server; ``(columns, rows)``.

    A statement that could write is refused by the server (:class:`QueryError`)."""
    statement = statement_with_parameters(text, params)
    client = redis_client(settings)
    try:
        if not client.exists(FALKORDB_GRAPH):
            return [], []
        reply = client.execute_command("GRAPH.RO_QUERY", FALKORDB_GRAPH, statement, "--compact")
        columns = [reply_text(name) for _kind, name in reply[0]] if len(reply) > 2 else []
        schema = ReplySchema(client)
        rows = [dict(zip(columns, (reply_value(schema, cell) for cell in row), strict=True))
                for row in (reply[1] if len(reply) > 2 else [])]  # fmt: skip
    except redis.ResponseError as exc:
        raise QueryError(
            f"the server rejected the query: {exc}",
            hint="ad hoc queries are read-only; use `policykg load` to change the graph",
        ) from exc
    except redis.RedisError as exc:
        raise QueryError(
            f"cannot run the query on the local server: {exc}", hint="run `policykg db start`"
        ) from exc
    finally:
        client.close()
    return columns, rows
