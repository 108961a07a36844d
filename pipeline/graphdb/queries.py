"""Named Cypher files under ``queries/``: their header, parameters, running and output formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import QueryError
from pipeline.graphdb.connection import Connection

_HEADER = re.compile(r"^//\s*(title|description|params|example):\s*(.*)$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
#: Clause words that write (data, schema, users, databases): refused outside names.
WRITE_WORDS = frozenset(
    [
        "CREATE",
        "MERGE",
        "DELETE",
        "DETACH",
        "SET",
        "REMOVE",
        "DROP",
        "FOREACH",
        "LOAD",
        "INSERT",
        "ALTER",
        "GRANT",
        "DENY",
        "REVOKE",
        "RENAME",
        "START",
        "STOP",
        "TERMINATE",
        "ENABLE",
        "DEALLOCATE",
        "REALLOCATE",
    ]
)
#: Procedures an ad hoc query may CALL (lower case): the read-only ones of Neo4j and FalkorDB.
READ_PROCEDURES = frozenset(
    [
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.indexes",
        "db.constraints",
        "db.meta.stats",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
        "db.idx.fulltext.querynodes",
        "db.idx.fulltext.queryrelationships",
        "db.idx.vector.querynodes",
        "db.idx.vector.queryrelationships",
        "db.index.fulltext.querynodes",
        "db.index.fulltext.queryrelationships",
        "dbms.procedures",
        "dbms.functions",
        "dbms.components",
        "algo.pagerank",
        "algo.bfs",
        "algo.sspaths",
        "algo.sppaths",
        "algo.wcc",
        "algo.betweenness",
        "algo.labelpropagation",
        "algo.msf",
    ]
)
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<line_comment>//[^\n\r]*)
    |(?P<block_comment>/\*.*?\*/)
    |(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<quoted>`(?:[^`]|``)*`)
    |(?P<word>[^\W\d]\w*)
    |(?P<number>\d[\w.]*)
    |(?P<symbol>.)""",
    re.VERBOSE | re.DOTALL,
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
    #: The ``// params:`` header line, e.g. ``year (integer) - e.g. 2025`` (declares the types).
    declared: str = ""


def parse_query_file(path: Path) -> NamedQuery:
    """Read a query file: its ``// key: value`` comment header and its Cypher."""
    fields: dict[str, str] = {}
    last = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("//"):
            break  # the header is the file's leading comment block
        match = _HEADER.match(line)
        if match:
            last = match.group(1)
            fields[last] = match.group(2).strip()
        elif line.startswith("//  ") and last:  # an indented line continues the field
            fields[last] += " " + line.lstrip("/ ").strip()
        else:
            last = None  # a plain comment
    text = path.read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
    params = tuple(sorted(set(_PARAM.findall(_STRING.sub("''", body)))))
    return NamedQuery(path.stem, fields.get("title", path.stem), fields.get("description", ""),
                      fields.get("example", ""), params, body.strip(), fields.get("params", ""))  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class Token:
    """A Cypher token: ``kind`` is ``word``, ``quoted`` (a backtick name), ``string``, ``number``
    or ``symbol``; comments and whitespace are not tokens."""

    kind: str
    text: str


def cypher_tokens(text: str) -> list[Token]:
    """The tokens of a Cypher statement, comments and whitespace dropped; :class:`QueryError` on an
    unterminated comment, string or backtick name (the server could read those differently).

    >>> [t.text for t in cypher_tokens("MATCH (n) /* ' */ RETURN n.`a``b` // it's")]
    ['MATCH', '(', 'n', ')', 'RETURN', 'n', '.', 'a`b']
    """
    tokens = []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup or "symbol", match.group()
        if kind in ("space", "line_comment", "block_comment"):
            continue
        opener = "/*" if text.startswith("/*", match.start()) else value
        if kind == "symbol" and opener in _OPENERS:
            raise QueryError(f"unterminated {_OPENERS[opener]} at character {match.start()}",
                             hint="close it, or remove it")  # fmt: skip
        if kind == "quoted":
            value = value[1:-1].replace("``", "`")
        tokens.append(Token(kind, value))
    return tokens


_OPENERS = {"/*": "comment", "'": "string", '"': "string", "`": "backtick name"}


def write_clause(text: str) -> str | None:
    """The first thing in ``text`` that could write (a write clause, or a CALL of a procedure that
    is not known to read), else None. Words right after ``.``, ``:`` or ``$`` are property, label
    and parameter names, and backtick names are names, so neither counts.

    >>> write_clause("MATCH (n:Set) WHERE n.create = 'DELETE' RETURN n"), write_clause("MATCH (n) SET n.v = 1")
    (None, 'SET')
    >>> write_clause("CALL db.labels()"), write_clause("CALL apoc.create.node(['X'], {})")
    (None, 'CALL apoc.create.node')
    """
    tokens = cypher_tokens(text)
    for i, token in enumerate(tokens):
        if token.kind != "word" or (i and tokens[i - 1].text in (".", ":", "$")):
            continue
        word = token.text.upper()
        if word in WRITE_WORDS:
            return word
        if word == "CALL":
            name = _procedure_name(tokens, i + 1)
            if name is not None and name.lower() not in READ_PROCEDURES:
                return f"CALL {name}"
    return None


def _procedure_name(tokens: list[Token], start: int) -> str | None:
    """The dotted procedure name starting at ``tokens[start]`` (None for a ``CALL {}`` subquery)."""
    parts: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].kind in ("word", "quoted"):
        parts.append(tokens[i].text)
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
        else:
            break
    if not parts:
        return None if start < len(tokens) and tokens[start].text in "{(" else "?"
    return ".".join(parts)


def check_read_only(text: str) -> None:
    """Refuse a statement that could write: the first line of defence, before the server's own
    read-only execution (:func:`run_read_only`)."""
    found = write_clause(text)
    if found:
        raise QueryError(
            f"ad hoc queries are read-only; found {found!r}",
            hint="use `policykg load` to change the graph",
        )


def run_read_only(conn: Connection, text: str, params: dict) -> tuple[list[str], list[dict]]:
    """Run ad hoc Cypher so that the server itself refuses any write: the text check first, then
    the connection's read-only path (a ``READ`` session on Neo4j, ``GRAPH.RO_QUERY`` on the local
    FalkorDB; FalkorDB reached over Bolt alone has none, so it refuses)."""
    check_read_only(text)
    return conn.run_read_only(text, params)


def run_cypher(conn: Connection, text: str, params: dict) -> tuple[list[str], list[dict]]:
    """Run a statement in a read session; ``(columns, rows)``."""
    return conn.run_cypher(text, params)


def run_query(conn: Connection, query: NamedQuery, params: dict) -> tuple[list[str], list[dict]]:
    """Run a named query after checking its parameters are all given."""
    missing = [p for p in query.parameters if p not in params]
    if missing:
        raise QueryError(
            f"query {query.name!r} needs parameter(s) {', '.join(missing)}",
            hint=f"example: {query.example}",
        )
    return run_cypher(conn, query.text, params)
