"""Named Cypher files under ``queries/``: their header, parameters, running and output formats."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import Neo4jError

from pipeline.config import Settings
from pipeline.errors import QueryError
from pipeline.graphdb.connection import Connection

_HEADER = re.compile(r"^//\s*(title|description|params|example):\s*(.*)$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_WRITE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV|FOREACH)\b|\bCALL\s+(db\.idx|dbms|apoc)",
    re.IGNORECASE,
)
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    example: str
    parameters: tuple[str, ...]
    text: str


def parse_query_file(path: Path) -> NamedQuery:
    """Read a query file: its ``// key: value`` comment header and its Cypher."""
    fields: dict[str, str] = {}
    last = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match:
            last = match.group(1)
            fields[last] = match.group(2).strip()
        elif line.startswith("//") and last:
            fields[last] += " " + line.lstrip("/ ").strip()
    text = path.read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
    params = tuple(sorted(set(_PARAM.findall(_STRING.sub("''", body)))))
    return NamedQuery(path.stem, fields.get("title", path.stem), fields.get("description", ""),
                      fields.get("example", ""), params, body.strip())  # fmt: skip


def list_queries(settings: Settings) -> list[NamedQuery]:
    """Every query file, sorted by name."""
    directory = settings.path(settings.queries_dir)
    return [parse_query_file(p) for p in sorted(directory.glob("*.cypher"))]


def get_query(settings: Settings, name: str) -> NamedQuery:
    path = settings.path(settings.queries_dir) / f"{name}.cypher"
    if not path.is_file():
        known = ", ".join(q.name for q in list_queries(settings))
        raise QueryError(f"unknown query {name!r}", hint=f"known queries: {known}")
    return parse_query_file(path)


def coerce(value: str) -> object:
    """A CLI parameter value: integers and floats become numbers, the rest stays text.

    >>> coerce("2025"), coerce("0.5"), coerce("卫生健康委")
    (2025, 0.5, '卫生健康委')
    """
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def parse_params(pairs: list[str]) -> dict[str, object]:
    """``["key=value", ...]`` -> a parameter dict."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise QueryError(f"bad parameter {pair!r}", hint="write --param key=value")
        params[key.strip()] = coerce(value)
    return params


def check_read_only(text: str) -> None:
    """Refuse a statement that could write (keywords outside string literals)."""
    match = _WRITE.search(_STRING.sub("''", text))
    if match:
        raise QueryError(
            f"ad hoc queries are read-only; found {match.group(0).upper()!r}",
            hint="use `policykg load` to change the graph",
        )


def run_cypher(conn: Connection, text: str, params: dict) -> tuple[list[str], list[dict]]:
    """Run a statement; returns ``(columns, rows)``."""
    try:
        with conn.session(read_only=True) as session:
            result = session.run(text, params)
            rows = [record.data() for record in result]
            columns = list(result.keys())
    except Neo4jError as exc:
        raise QueryError(f"the server rejected the query: {exc.message or exc.code}") from exc
    return columns, rows


def run_query(conn: Connection, query: NamedQuery, params: dict) -> tuple[list[str], list[dict]]:
    """Run a named query after checking its parameters are all given."""
    missing = [p for p in query.parameters if p not in params]
    if missing:
        raise QueryError(
            f"query {query.name!r} needs parameter(s) {', '.join(missing)}",
            hint=f"example: {query.example}",
        )
    return run_cypher(conn, query.text, params)


def format_rows(columns: list[str], rows: list[dict], fmt: str) -> str:
    """Rows as ``json`` or ``csv`` text (``table`` is drawn by the CLI)."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2, sort_keys=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                             for v in (row.get(c) for c in columns)])  # fmt: skip
        return out.getvalue()
    raise QueryError(f"unknown format {fmt!r}", hint="use table, json or csv")
