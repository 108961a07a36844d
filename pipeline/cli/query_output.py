"""What ``policykg query`` reads and prints: typed parameters, cells that read right, the
server's own message for a rejected statement.

Kept apart from :mod:`pipeline.graphdb.queries` (which finds and runs the query files): this
module only turns the user's ``key=value`` words into parameters and the rows into text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from pipeline.errors import QueryError

#: ``year (integer)`` in a query's ``// params:`` header line.
_DECLARED = re.compile(r"([A-Za-z_]\w*)\s*\((integer|number|string)\)")
#: How a list reads in a cell: 聊城市卫生健康委员会、聊城市财政局.
LIST_SEPARATOR = "、"
_COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "~": "≈", "=": "="}
#: FalkorDB's error text over its own protocol: the message, the place, the statement around it.
_FALKOR_ERROR = re.compile(
    r"errMsg:\s*(?P<message>.*?)\s+line:\s*(?P<line>\d+),\s*column:\s*(?P<column>\d+)"
    r"(?:,\s*offset:\s*\d+)?(?:\s+errCtx:\s*(?P<context>.*?)\s+errCtxOffset:\s*(?P<offset>\d+))?\s*$",
    re.DOTALL,
)
_UNKNOWN = "An unknown error occurred"


# --------------------------------------------------------------------------- parameters


def split_pairs(pairs: list[str]) -> dict[str, str]:
    """``["key=value", ...]`` -> ``{key: value}`` (text as typed).

    >>> split_pairs(["year=2025", "body = 市卫健委"])
    {'year': '2025', 'body': '市卫健委'}
    """
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"bad parameter {pair!r}", hint="write --param key=value")
        found[key.strip()] = value.strip()
    return found


def declared_types(declared: str) -> dict[str, str]:
    """The parameter types a ``// params:`` line declares.

    >>> declared_types("year (integer) - e.g. 2025"), declared_types("(none)")
    ({'year': 'integer'}, {})
    """
    return {name: kind for name, kind in _DECLARED.findall(declared)}


def whole_number(name: str, text: str) -> int:
    """``text`` as a whole number: digits, or Chinese numerals read by cn2an.

    >>> whole_number("year", "2025"), whole_number("year", "二〇二五"), whole_number("n", "十二")
    (2025, 2025, 12)
    """
    try:
        return int(text)
    except ValueError:
        pass
    try:
        import cn2an

        number = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError):
        number = None
    if number is not None and float(number).is_integer():
        return int(number)
    raise QueryError(
        f"parameter {name}={text!r} is not a whole number",
        hint=f"write it in digits or Chinese numerals, e.g. {name}=2025",
    )


def number(name: str, text: str) -> int | float:
    """``text`` as a number (digits or Chinese numerals)."""
    try:
        value = float(text)
    except ValueError:
        return whole_number(name, text)
    return int(value) if value.is_integer() and "." not in text else value


def named_params(
    name: str, parameters: tuple[str, ...], declared: str, given: dict[str, str]
) -> dict[str, object]:
    """The parameters of a named query, each converted to its declared type; a parameter the
    query does not take, or a value that is not of its type, is refused with a message."""
    unknown = sorted(set(given) - set(parameters))
    if unknown:
        takes = ", ".join(parameters) or "none"
        raise QueryError(
            f"query {name!r} takes no parameter {', '.join(unknown)}",
            hint=f"its parameters: {takes}",
        )
    kinds = declared_types(declared)
    params: dict[str, object] = {}
    for key, text in given.items():
        kind = kinds.get(key, "string")
        if kind == "integer":
            params[key] = whole_number(key, text)
        elif kind == "number":
            params[key] = number(key, text)
        else:
            if not text:
                raise QueryError(f"parameter {key} is empty", hint=f"give a value: {key}=…")
            params[key] = text
    return params


def adhoc_params(given: dict[str, str]) -> dict[str, object]:
    """Parameters of ad hoc Cypher: numbers where the text is one, the rest text.

    >>> adhoc_params({"y": "2025", "r": "0.5", "b": "卫健委"})
    {'y': 2025, 'r': 0.5, 'b': '卫健委'}
    """
    params: dict[str, object] = {}
    for key, text in given.items():
        for kind in (int, float):
            try:
                params[key] = kind(text)
                break
            except ValueError:
                continue
        else:
            params[key] = text
    return params


# --------------------------------------------------------------------------- cells


def plain(value: Any) -> Any:
    """``value`` with whole floats as integers, through lists and maps (for JSON).

    >>> plain({"v": 65.0, "l": [1.5, 2.0], "s": "x"})
    {'v': 65, 'l': [1.5, 2], 's': 'x'}
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def target_text(target: dict[str, Any]) -> str:
    """A target map (indicator, comparator, value, unit, deadline) as one phrase.

    >>> target_text({"indicator": "签约率", "comparator": "≥", "value": 75.0, "unit": "%", "deadline": "2025"})
    '签约率 ≥ 75%（2025）'
    """
    unit = target.get("unit") or ""
    value = cell_text(target.get("value"))
    amount = f"1∶{value}" if unit == "ratio" else f"{value}{unit}"
    comparator = _COMPARATOR_SYMBOLS.get(
        target.get("comparator") or "", target.get("comparator") or ""
    )
    deadline = f"（{target['deadline']}）" if target.get("deadline") else ""
    return " ".join(p for p in (target.get("indicator") or "", comparator, amount) if p) + deadline


def cell_text(value: Any) -> str:
    """One value as it reads in a table or CSV cell: lists joined with 、 (sorted, each item once),
    whole numbers without ``.0``, nothing for null.

    >>> cell_text(["市卫健委", "市财政局"]), cell_text(65.0), cell_text(0.5), cell_text(None), cell_text([])
    ('市卫健委、市财政局', '65', '0.5', '', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        # Sorted: a collected list comes in no set order, and a cell should read the same each run.
        return LIST_SEPARATOR.join(sorted({t for t in (cell_text(v) for v in value) if t}))
    if isinstance(value, dict):
        if "indicator" in value and "value" in value:
            return target_text(value)
        return "；".join(f"{k}: {cell_text(v)}" for k, v in value.items())
    return str(value)


def csv_text(columns: list[str], rows: list[dict]) -> str:
    """The rows as CSV (a header line first); every line ends with a newline."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return out.getvalue()


def json_text(rows: list[dict]) -> str:
    """The rows as a JSON array (whole numbers without ``.0``), ending with a newline."""
    return json.dumps(plain(rows), ensure_ascii=False, indent=2) + "\n"


def table_cells(columns: list[str], rows: list[dict]) -> list[list[str]]:
    """The rows' cells as text, in column order, for a drawn table."""
    return [[cell_text(row.get(c)) for c in columns] for row in rows]


# --------------------------------------------------------------------------- server messages


def falkordb_message(text: str) -> str:
    """FalkorDB's error reply as one readable message with its line and column.

    >>> falkordb_message("errMsg: Invalid input 'R': expected RETURN line: 1, column: 14, offset: 13 "
    ...                  "errCtx: MATCH (n) RETRUN n errCtxOffset: 13")
    "Invalid input 'R': expected RETURN (line 1, column 14: MATCH (n) RET⟨R⟩UN n)"
    >>> falkordb_message("'m' not defined")
    "'m' not defined"
    """
    match = _FALKOR_ERROR.match(text.strip())
    if not match:
        return text.strip()
    where = f"line {match['line']}, column {match['column']}"
    context, offset = match["context"], match["offset"]
    if context and offset is not None and int(offset) < len(context):
        at = int(offset)
        where += f": {context[:at]}⟨{context[at]}⟩{context[at + 1 :]}"
    return f"{match['message']} ({where})"


def server_message(exc: BaseException, settings: Any, statement: str, params: dict) -> str | None:
    """The server's own words for a rejected statement, or None when ``exc`` is no rejection.

    Neo4j's message already names the line and column. FalkorDB over Bolt sends only a code
    (the driver then says "An unknown error occurred"); for the local FalkorDB the statement is
    explained (not run) over its own protocol, which gives the message and the place.
    """
    import redis
    from neo4j.exceptions import Neo4jError

    if isinstance(exc, redis.ResponseError):
        return falkordb_message(str(exc))
    if not isinstance(exc, Neo4jError):
        return None
    message = (exc.message or "").strip()
    if message and message != _UNKNOWN:
        return message
    code = (getattr(exc, "metadata", None) or {}).get("code") or exc.code or "unknown error"
    if settings.uses_local_server:
        explained = _explain(settings, statement, params)
        if explained:
            return explained
    return f"{code} (the server gives no message over Bolt)"


def _explain(settings: Any, statement: str, params: dict) -> str | None:
    """FalkorDB's message for ``statement``, from ``GRAPH.EXPLAIN`` (which does not run it)."""
    import redis

    from pipeline.graphdb.falkordb.read import statement_with_parameters
    from pipeline.graphdb.falkordb.server import redis_client
    from pipeline.graphdb.falkordb.staging import FALKORDB_GRAPH

    try:
        client = redis_client(settings)
    except Exception:  # noqa: BLE001 - no local FalkorDB: the caller says what it knows
        return None
    try:
        client.execute_command(
            "GRAPH.EXPLAIN", FALKORDB_GRAPH, statement_with_parameters(statement, params)
        )
    except redis.ResponseError as exc:
        return falkordb_message(str(exc))
    except (redis.RedisError, QueryError):
        return None
    finally:
        client.close()
    return None
