"""FalkorDB's loader statements: a document staged under ``<doc>@pending``, then committed.

FalkorDB honours no transaction and aborts on a statement over ~4 KB (see the package docstring),
so a document cannot be one statement. Its rows are staged under the tag ``<doc>@pending``; one
small fused statement then drops the old version, applies staged changes to nodes that existed
already, swaps the tags and records the hash (:func:`commit_parts`). A part's rows travel as one
string (:mod:`pipeline.graphdb.falkordb.codec`), node parts are per label set *and* property
signature; a statement text starts from ``{rows}``, the clauses naming each row ``w`` (and a node's
property map ``p``). :func:`pack` fuses consecutive parts into one statement under
:data:`MAX_STATEMENT_BYTES` (parts chained with ``WITH count(*)``; a part's rows may spill into
the next statement), sizing each by an upper bound of the text the server writes
(:func:`statement_bytes`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import INDEXED, Statement, quote_name
from pipeline.graphdb.falkordb.codec import (
    ROW_SEPARATOR,
    SEPARATOR_PARAMS,
    ListRows,
    TextRows,
    props_signature,
    safe_text,
)
from pipeline.graphdb.mapping import NODE_KEY_LABEL, PropertyGraph
from pipeline.graphdb.statements import MARK_LOADED, UNMARK_LOADED, Part, compact, uri_prefix

# Taking a tag ``$doc`` off the graph (an old version, or a staging): what only it states goes,
# the rest loses the tag; found through the ``docs`` index (FalkorDB indexes list elements). Deletes
# come before the untagging (FalkorDB applies SET lazily).
DROP_RELATIONSHIPS = "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND r.docs = [$doc] DELETE r"
UNTAG_RELATIONSHIPS = (
    "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND $doc IN r.docs "
    "SET r.docs = [d IN r.docs WHERE d <> $doc]"
)
DROP_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs AND n.docs = [$doc] DETACH DELETE n"
UNTAG_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs SET n.docs = [d IN n.docs WHERE d <> $doc]"
#: FalkorDB's indexes: the core's, and ``docs`` (by which a tag's rows are found).
FALKORDB_INDEXED = (*INDEXED, (NODE_KEY_LABEL, "docs"))


def removal_parts() -> list[Part]:
    """Take the tag ``$doc`` off every node and relationship; drop what only it states."""
    texts = (DROP_RELATIONSHIPS, UNTAG_RELATIONSHIPS, DROP_NODES, UNTAG_NODES)
    return [Part(text) for text in texts]


#: Largest :func:`statement_bytes` the loader sends: ~200 bytes under the measured 4 105-byte
#: abort, for what the estimate does not see.
MAX_STATEMENT_BYTES = 3900

FALKORDB_GRAPH = "falkordb"  # the graph key Bolt reads and writes (the database name is ignored)
PENDING_SUFFIX = "@pending"
BULK_LABEL = "PolicykgBulk"  # marks a bulk load in progress (pipeline.graphdb.falkordb.bulk)
STAGE_LABEL = "PolicykgStage"  # holds property changes to committed nodes until the commit
STAGE_TYPE = "PolicykgStages"  # (:PolicykgStage)-[:PolicykgStages {tag, missing}]->(:Resource)

# FalkorDB staging, tag ``$tag`` = ``<doc>@pending``. Properties and labels go only on nodes this
# staging creates; for a node that already existed and would change, a PolicykgStage node keeps the
# new properties and the link keeps the labels it lacks, for the commit to apply.
STAGE_NODES = (
    "{rows} MERGE (n:Resource {uri: {uri0}}) "
    "ON CREATE SET n += p, n.docs = [$tag]{set_labels} "
    "ON MATCH SET n.docs = coalesce(n.docs, []) + [$tag] "
    "WITH n, p, [x IN $labels WHERE NOT x IN labels(n)] AS missing "
    "WHERE size(n.docs) > 1 AND (size(missing) > 0 "
    "OR any(k IN keys(p) WHERE NOT coalesce(n[k] = p[k], false))) "
    "CREATE (s:" + STAGE_LABEL + ")-[:" + STAGE_TYPE + " {tag: $tag, missing: missing}]->(n) "
    "SET s += p"
)
MERGE_RELATIONSHIPS = (
    "{rows} MATCH (a:Resource {uri: {uri0}}) "
    "MATCH (b:Resource {uri: {uri1}}) MERGE (a)-[r:{type}]->(b) "
    "ON CREATE SET r.docs = [$tag] ON MATCH SET r.docs = coalesce(r.docs, []) + [$tag]"
)

DROP_STAGED = f"MATCH (s:{STAGE_LABEL})-[:{STAGE_TYPE} {{tag: $doc}}]->() DETACH DELETE s"

# The FalkorDB commit of ``$tag`` as ``$doc`` (after the old version of ``$doc`` is dropped).
APPLY_STAGED_PROPERTIES = (
    f"MATCH (s:{STAGE_LABEL})-[:{STAGE_TYPE} {{tag: $tag}}]->(n:Resource) SET n += properties(s)"
)
APPLY_STAGED_LABEL = (
    f"MATCH (:{STAGE_LABEL})-[g:{STAGE_TYPE} {{tag: $tag}}]->(n:Resource) "
    "WHERE $label IN g.missing SET n:{label}"
)
DROP_COMMITTED_STAGE = f"MATCH (s:{STAGE_LABEL})-[:{STAGE_TYPE} {{tag: $tag}}]->() DETACH DELETE s"
COMMIT_RELATIONSHIPS = (
    "MATCH (n:Resource)-[r]->() WHERE $tag IN n.docs AND $tag IN r.docs "
    "SET r.docs = [d IN r.docs WHERE d <> $tag] + [$doc]"
)
COMMIT_NODES = (
    "MATCH (n:Resource) WHERE $tag IN n.docs SET n.docs = [d IN n.docs WHERE d <> $tag] + [$doc]"
)
# Reads.
# Ends the last staging statement: what the commit must apply to nodes that existed already.
STAGED_CHANGES_TAIL = (
    f" OPTIONAL MATCH (:{STAGE_LABEL})-[g:{STAGE_TYPE} {{tag: $tag}}]->() "
    "RETURN count(g) AS changes, collect(g.missing) AS missing"
)
PENDING_NODE_TAGS = (
    "MATCH (n:Resource) WHERE any(d IN n.docs WHERE d ENDS WITH $suffix) "
    "UNWIND n.docs AS d WITH d WHERE d ENDS WITH $suffix RETURN DISTINCT d AS tag"
)
PENDING_STAGE_TAGS = f"MATCH (:{STAGE_LABEL})-[g:{STAGE_TYPE}]->() RETURN DISTINCT g.tag AS tag"


def _extra_labels(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(label for label in labels if label != NODE_KEY_LABEL)


def _labels_clause(labels: tuple[str, ...]) -> str:
    return ", n:" + ":".join(quote_name(label) for label in labels) if labels else ""


def _fill(template: str, layout: ListRows | TextRows) -> str:
    """``template`` reading its rows the way ``layout`` sends them."""
    text = template.replace("{rows}", layout.source()).replace("{uri0}", layout.uri(0))
    return text.replace("{uri1}", layout.uri(1))


def _rows_part(
    template: str, params: dict, rows: list[tuple], uri_fields: tuple[int, ...],
    list_rows: ListRows, text_rows: TextRows | None,
) -> Part:  # fmt: skip
    """A part sending ``rows`` as ``text_rows`` if given (with its list form), else as lists."""
    as_list = Part(_fill(template, list_rows), params, tuple(rows), uri_fields)
    if text_rows is None:
        return as_list
    return Part(_fill(template, text_rows), params, tuple(rows), uri_fields, text_rows, as_list)


def node_parts(pg: PropertyGraph) -> list[Part]:
    """Staging texts, one part per label set and property signature (text rows; one part of list
    rows per label set for rows without a signature)."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for node in pg.nodes:
        as_text = safe_text(node.uri)
        signature = props_signature(node.props) if as_text else None
        key = (_extra_labels(node.labels), signature is not None, signature or ())
        groups[key].append((node.uri, node.props))
    parts = []
    for (labels, as_text, signature), rows in sorted(groups.items()):
        template = STAGE_NODES.replace("{set_labels}", _labels_clause(labels))
        text_rows = TextRows(1, signature) if as_text else None
        params = {"labels": list(labels)}
        parts.append(_rows_part(template, params, rows, (0,), ListRows(props=True), text_rows))
    return parts


def relationship_parts(pg: PropertyGraph) -> list[Part]:
    """One part per relationship type (types are identifiers from the ontology, quoted); rows
    travel as text unless a uri holds a separator (then a part of list rows)."""
    groups: dict[tuple[str, bool], list[tuple]] = defaultdict(list)
    for rel in pg.relationships:
        as_text = safe_text(rel.start) and safe_text(rel.end)
        groups[rel.type, as_text].append((rel.start, rel.end))
    parts = []
    for (rel_type, as_text), rows in sorted(groups.items()):
        template = MERGE_RELATIONSHIPS.replace("{type}", quote_name(rel_type))
        text_rows = TextRows(2) if as_text else None
        parts.append(_rows_part(template, {}, rows, (0, 1), ListRows(), text_rows))
    return parts


def purge_parts() -> list[Part]:
    """Undo a staging tagged ``$doc`` (``<doc>@pending``): its stage nodes, then its rows."""
    return [Part(DROP_STAGED)] + removal_parts()


def commit_parts(*, replacing: bool, staged_changes: int, deferred_labels: list[str]) -> list[Part]:
    """FalkorDB commit of ``$tag`` as ``$doc``: drop the old version (when ``replacing``), apply
    the ``staged_changes`` to existing nodes and the labels they lack, swap the tags, record."""
    parts = removal_parts() if replacing else []
    if staged_changes:
        parts.append(Part(APPLY_STAGED_PROPERTIES))
        parts += [
            Part(APPLY_STAGED_LABEL.replace("{label}", quote_name(label)), {"label": label})
            for label in sorted(deferred_labels)
        ]
        parts.append(Part(DROP_COMMITTED_STAGE))
    return parts + [Part(COMMIT_RELATIONSHIPS), Part(COMMIT_NODES), Part(MARK_LOADED)]


def _rename(text: str, names: list[str], index: int) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\${name}\b", f"${name}_{index}", text)
    return text


class _Draft:
    """One statement being filled; its size is an upper bound (:func:`statement_bytes`)."""

    _CHAIN = " WITH count(*) AS _{i}"
    _RETURN = " RETURN _{i} AS done"
    _LIST = 4  # a list's own bytes beyond its items (marker or brackets), and one separator
    _TEXT = 1  # a text row's separator; also what a string's marker may grow beyond ``''``

    def __init__(self, shared: dict) -> None:
        self.texts: list[str] = []
        self.params: dict = dict(shared)
        self.prefixes: list[str] = []
        self.prefix_index: dict[str, int] = {}
        self.rows: list | None = None
        self.text_rows_keys: list[str] = []  # params whose rows are joined into one string
        self.params["pre"] = self.prefixes
        self.size = statement_bytes(self._RETURN.format(i=99), shared)
        self.size += self._param_bytes("pre", []) + 8  # the params map's own marker, slack

    def _param_bytes(self, key: str, value: object) -> int:
        return text_bytes(key) + text_bytes(value) + 4

    def try_add(self, part: Part, row: tuple | None, is_open: bool, limit: int) -> bool:
        """Add ``row`` (opening ``part`` first unless ``is_open``) if the statement stays within
        ``limit`` bytes; ``row`` None adds a part without rows."""
        cost = 0 if is_open else self.open_part(part)
        encoded, row_cost = self.encode(row, part) if row is not None else ([], 0)
        if self.size + cost + row_cost > limit:
            return False
        if not is_open:
            self.add_part(part, cost)
        if row is not None:
            self.add_row(row, part.uri_fields, encoded, row_cost)
        return True

    def _part_text(self, part: Part) -> str:
        return _rename(compact(part.text), list(part.params) + ["rows"], len(self.texts))

    def _suffix(self) -> str:
        return f"_{len(self.texts)}"

    def open_part(self, part: Part) -> int:
        """The bytes ``part``'s text and own params add (the part is not added)."""
        suffix = self._suffix()
        cost = len(self._part_text(part).encode("utf-8"))
        cost += len(self._CHAIN.format(i=len(self.texts)))
        cost += sum(self._param_bytes(key + suffix, value) for key, value in part.params.items())
        if part.rows and part.text_rows:
            cost += self._param_bytes("rows" + suffix, "") + self._TEXT
            if not self.text_rows_keys:
                cost += sum(self._param_bytes(k, v) for k, v in SEPARATOR_PARAMS.items())
        elif part.rows:
            cost += self._param_bytes("rows" + suffix, [])
        return cost

    def add_part(self, part: Part, cost: int) -> None:
        suffix = self._suffix()
        text = self._part_text(part)
        for key, value in part.params.items():
            self.params[key + suffix] = value
        self.rows = [] if part.rows else None
        if part.rows:
            self.params["rows" + suffix] = self.rows
            if part.text_rows:
                self.params.update(SEPARATOR_PARAMS)
                self.text_rows_keys.append("rows" + suffix)
        self.texts.append(text)
        self.size += cost

    def encode(self, row: tuple, part: Part) -> tuple[list | str, int]:
        """``row`` as sent (a list, or a string for ``part.text_rows``), and the bytes it adds
        (new prefixes included)."""
        encoded: list = []
        extra = 0
        new: dict[str, int] = {}
        for position, value in enumerate(row):
            if position not in part.uri_fields:
                encoded.append(value)
                continue
            prefix = uri_prefix(value)
            index = self.prefix_index.get(prefix, new.get(prefix))
            if index is None:
                index = new[prefix] = len(self.prefixes) + len(new)
                extra += text_bytes(prefix) + self._LIST
            encoded += [index, value[len(prefix) :]]
        if isinstance(part.text_rows, TextRows):
            text = part.text_rows.encode(encoded)
            return text, extra + escaped_size(text) + self._TEXT
        return encoded, extra + text_bytes(encoded) + self._LIST

    def add_row(
        self, row: tuple, uri_fields: tuple[int, ...], encoded: list | str, cost: int
    ) -> None:
        for position in uri_fields:
            prefix = uri_prefix(row[position])
            if prefix not in self.prefix_index:
                self.prefix_index[prefix] = len(self.prefixes)
                self.prefixes.append(prefix)
        assert self.rows is not None
        self.rows.append(encoded)
        self.size += cost

    def statement(self, tail: str = "") -> Statement:
        """The statement, ending with ``tail`` (a ``RETURN``) instead of the default one."""
        if not self.prefixes:
            del self.params["pre"]
        for key in self.text_rows_keys:
            self.params[key] = ROW_SEPARATOR.join(self.params[key])
        chained = " ".join(text + self._CHAIN.format(i=i) for i, text in enumerate(self.texts))
        end = " " + compact(tail) if tail else self._RETURN.format(i=len(self.texts) - 1)
        return Statement(chained + end, self.params)


def pack(parts: list[Part], shared: dict, max_rows: int, *, tail: str = "") -> list[Statement]:
    """Statements doing ``parts`` in order, each within :data:`MAX_STATEMENT_BYTES`: consecutive
    parts fused into one statement while it fits (a part's rows may spill into the next
    statement; a part takes at most ``max_rows`` rows at a time). The last statement ends with
    ``tail`` (a read ending in ``RETURN``, valid alone too) if given, or is followed by it when
    there is no room.
    """
    limit = MAX_STATEMENT_BYTES
    statements: list[Statement] = []
    draft = _Draft(shared)

    def flush() -> _Draft:
        if draft.texts:
            statements.append(draft.statement())
        return _Draft(shared)

    for part in parts:
        is_open, taken = False, 0
        for row in part.rows or (None,):
            if is_open and taken >= max_rows:  # a full batch: the part starts again
                is_open, taken = False, 0
            if not draft.try_add(part, row, is_open, limit):
                if draft.texts:
                    draft = flush()
                    is_open, taken = False, 0
                if not draft.try_add(part, row, is_open, limit):
                    if part.as_list is None or not draft.try_add(part.as_list, row, False, limit):
                        raise DatabaseError(
                            f"one row of {part.text[:40]}… exceeds the server's message limit "
                            f"({limit} bytes)",
                            hint="use Neo4j (NEO4J_URI) for documents with very long literals",
                        )
                    is_open, taken = False, 0  # sent as a list; the next row reopens ``part``
                    continue
            is_open, taken = True, taken + (row is not None)
    if tail and draft.texts and draft.size + len(tail.encode("utf-8")) <= limit:
        statements.append(draft.statement(tail))
    else:
        flush()
        if tail:
            statements.append(Statement(compact(tail), dict(shared)))
    return statements


def document_parts(pg: PropertyGraph) -> list[Part]:
    """Nodes first (relationships match them), then relationships."""
    return node_parts(pg) + relationship_parts(pg)


def one_statement(parts: list[Part], shared: dict) -> Statement:
    """``parts`` fused into the single statement FalkorDB runs atomically."""
    statements = pack(parts, shared, max_rows=1_000_000)
    if len(statements) != 1:
        raise DatabaseError(
            f"an atomic step of {len(parts)} parts does not fit one statement ({MAX_STATEMENT_BYTES} bytes)",
            hint="report this; use Neo4j (NEO4J_URI) meanwhile",
        )
    return statements[0]


def pending_tag(doc: str) -> str:
    """The ``docs`` entry marking rows staged for ``doc`` but not committed yet.

    >>> pending_tag("a.0")
    'a.0@pending'
    """
    return f"{doc}{PENDING_SUFFIX}"


@dataclass(frozen=True)
class PreparedDocument:
    """One document mapped and cut into its staging statements, whose last one returns what the
    commit must apply (:data:`STAGED_CHANGES_TAIL`)."""

    doc: str
    sha256: str
    replacing: bool
    rows: int
    labels: frozenset[str]
    statements: tuple[Statement, ...]


def prepare_document(
    doc: str, sha256: str, pg: PropertyGraph, batch_size: int, *, replacing: bool
) -> PreparedDocument:
    """Cut ``pg`` into the statements that stage it for ``doc`` (see :class:`PreparedDocument`)."""
    statements = pack(
        document_parts(pg), {"tag": pending_tag(doc)}, batch_size, tail=STAGED_CHANGES_TAIL
    )
    labels = frozenset(label for node in pg.nodes for label in node.labels)
    rows = len(pg.nodes) + len(pg.relationships)
    return PreparedDocument(doc, sha256, replacing, rows, labels, tuple(statements))


def commit_statement(prepared: PreparedDocument, changes: int, missing: set[str]) -> Statement:
    """The fused commit of ``prepared``, given what its staging reported: how many existing nodes
    it would change, and the labels of this document some of them lack."""
    parts = commit_parts(replacing=prepared.replacing, staged_changes=changes,
                         deferred_labels=sorted(missing & prepared.labels))  # fmt: skip
    return one_statement(
        parts, {"doc": prepared.doc, "tag": pending_tag(prepared.doc), "sha": prepared.sha256}
    )


def removal_statement(doc: str) -> Statement:
    """The one statement taking ``doc`` (and its load record) out of the graph."""
    return one_statement(removal_parts() + [Part(UNMARK_LOADED)], {"doc": doc})


def purge_statement(tag: str) -> Statement:
    """The one statement removing everything staged under ``tag`` (a compensating rollback)."""
    return one_statement(purge_parts(), {"doc": tag})


def index_statements(existing: set[tuple[str, str]]) -> list[str]:
    """Statements creating the indexes the loader and queries rely on that are not in ``existing``
    (no ``IF NOT EXISTS``, no constraints in Cypher).

    >>> index_statements({("Resource", "uri")})[0]
    'CREATE INDEX FOR (n:Resource) ON (n.prefLabel)'
    """
    return [
        f"CREATE INDEX FOR (n:{label}) ON (n.{prop})"
        for label, prop in FALKORDB_INDEXED
        if (label, prop) not in existing
    ]


EXISTING_INDEXES = "CALL db.indexes() YIELD label, properties RETURN label, properties"
#: The property names statements filter on before any write may have created them.
SCHEMA_NAMES = ("tag", "missing")
PROPERTY_KEYS_STATEMENT = "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey"


def schema_statements(known: set[str]) -> list[str]:
    """Statements making the schema know the staging links' property names (see the package
    docstring, "Attribute schema"): one link created and deleted at once.

    >>> schema_statements({"tag", "missing"})
    []
    """
    if set(SCHEMA_NAMES) <= known:
        return []
    props = ", ".join(f"{name}: []" for name in SCHEMA_NAMES)
    return [f"CREATE (s:{STAGE_LABEL})-[:{STAGE_TYPE} {{{props}}}]->(s) DETACH DELETE s"]


def _header_size(size: int) -> int:
    """Bytes of a PackStream string/list/map marker for ``size`` items or bytes."""
    return 1 if size < 16 else 2 if size < 256 else 3 if size < 65536 else 5


def escaped_size(text: str) -> int:
    """UTF-8 bytes of ``text`` once its string parameters are escaped, without quotes.

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
        return max(len(str(value)), _packed_int_size(value))
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


def _packed_int_size(value: int) -> int:
    """Bytes of an integer in PackStream."""
    if -16 <= value <= 127:
        return 1
    if -128 <= value <= 127:
        return 2
    if -32768 <= value <= 32767:
        return 3
    return 5 if -(2**31) <= value < 2**31 else 9


def statement_bytes(text: str, params: dict) -> int:
    """Bytes of a statement (query and parameters) as the server must buffer them.

    >>> statement_bytes("RETURN $x", {"x": [1, 1, 1]})
    36
    """
    return 2 + len("CYPHER ") + text_bytes(text) + text_bytes(params)
