"""The loader's Cypher: constant texts over parameters, and rows packed into statements that fit.

Rows travel compact. A node row is ``[prefix, suffix, props]`` and a relationship row
``[start prefix, start suffix, end prefix, end suffix]``; a uri is ``$pre[prefix] + suffix``, where
``$pre`` lists the uri prefixes (up to the last ``/`` or ``#``) the statement uses. A document's
uris share a handful of prefixes, so this halves what is sent. On FalkorDB a part's rows travel as
one string instead, and node parts are per label set *and* property signature
(:mod:`pipeline.graphdb.codec`); a statement text starts from ``{rows}``, the clauses naming each
row ``w`` (and a node's property map ``p``). :func:`pack` fills each statement up to the
dialect's size (FalkorDB: one fused statement under ~4 KB, several parts chained with
``WITH count(*)``; Neo4j: one statement per part and batch, run in one transaction).

Every relationship a document states starts at a node the document states, so relationships of a
document are reached through its nodes (``(n:Resource)-[r]->()`` with ``$doc IN n.docs`` uses the
``docs`` index) instead of a scan of every relationship.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.errors import DatabaseError
from pipeline.graphdb.codec import (
    ROW_SEPARATOR,
    SEPARATOR_PARAMS,
    ListRows,
    TextRows,
    props_signature,
    safe_text,
)
from pipeline.graphdb.dialect import Dialect, Statement, escaped_size, quote_name
from pipeline.graphdb.mapping import NODE_KEY_LABEL, PropertyGraph

_AROUND_PUNCTUATION = re.compile(r"\s*([(){}\[\],:=+<>*^])\s*")


@functools.lru_cache(maxsize=1024)
def compact(text: str) -> str:
    """``text`` without the spaces around punctuation: a FalkorDB statement must fit ~4 KB, and
    statement texts are a third of it. Only for texts without string literals.

    >>> compact("MATCH (n:Resource {uri: $u}) SET n.docs = [d IN n.docs WHERE d <> $t]")
    'MATCH(n:Resource{uri:$u})SET n.docs=[d IN n.docs WHERE d<>$t]'
    """
    if "'" in text or '"' in text:
        raise ValueError("compact() is for statement texts without string literals")
    return _AROUND_PUNCTUATION.sub(r"\1", text).strip()


PENDING_SUFFIX = "@pending"
BULK_LABEL = "PolicykgBulk"  # marks a bulk load in progress (pipeline.graphdb.bulk)
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
# Neo4j (inside the document's transaction), 5.26+: one statement for all of a document's nodes, one for all its relationships, labels
# and types given per row (dynamic labels and types): a document is three or four statements.
MERGE_NODES_DYNAMIC = (
    "UNWIND $rows AS w MERGE (n:Resource {uri: $pre[w[0]] + w[1]}) "
    "SET n += w[2], n.docs = coalesce(n.docs, []) + [$tag], n:$(w[3])"
)
MERGE_RELATIONSHIPS_DYNAMIC = (
    "UNWIND $rows AS w MATCH (a:Resource {uri: $pre[w[0]] + w[1]}) "
    "MATCH (b:Resource {uri: $pre[w[2]] + w[3]}) MERGE (a)-[r:$(w[4])]->(b) "
    "ON CREATE SET r.docs = [$tag] ON MATCH SET r.docs = coalesce(r.docs, []) + [$tag]"
)
MERGE_RELATIONSHIPS = (
    "{rows} MATCH (a:Resource {uri: {uri0}}) "
    "MATCH (b:Resource {uri: {uri1}}) MERGE (a)-[r:{type}]->(b) "
    "ON CREATE SET r.docs = [$tag] ON MATCH SET r.docs = coalesce(r.docs, []) + [$tag]"
)

# Taking a tag ``$doc`` off the graph (an old version, or a failed staging): what only it states
# goes, the rest loses the tag. Deletes come before the untagging (FalkorDB applies SET lazily).
DROP_RELATIONSHIPS = "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND r.docs = [$doc] DELETE r"
UNTAG_RELATIONSHIPS = (
    "MATCH (n:Resource)-[r]->() WHERE $doc IN n.docs AND $doc IN r.docs "
    "SET r.docs = [d IN r.docs WHERE d <> $doc]"
)
DROP_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs AND n.docs = [$doc] DETACH DELETE n"
UNTAG_NODES = "MATCH (n:Resource) WHERE $doc IN n.docs SET n.docs = [d IN n.docs WHERE d <> $doc]"
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
LOAD_LABEL = "PolicykgLoad"  # one node per loaded document: {doc, sha256} of its Turtle file
MARK_LOADED = f"MERGE (m:{LOAD_LABEL} {{doc: $doc}}) SET m.sha256 = $sha"
UNMARK_LOADED = f"MATCH (m:{LOAD_LABEL} {{doc: $doc}}) DELETE m"

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


@dataclass(frozen=True)
class Part:
    """A piece of a statement: constant text over its own params (``$rows``, …) and shared ones.

    ``rows`` hold tuples whose fields at ``uri_fields`` are uris, sent as (prefix index, suffix).
    Rows are sent as lists, or with ``text_rows`` as one string (FalkorDB); then ``as_list`` is
    the same part with list rows, for a row that only fits a statement beside its shorter text.
    """

    text: str
    params: dict = field(default_factory=dict)
    rows: tuple[tuple, ...] = ()
    uri_fields: tuple[int, ...] = ()
    text_rows: TextRows | None = None
    as_list: Part | None = None


def uri_prefix(uri: str) -> str:
    """The part of a uri up to its last ``/`` or ``#`` (shared by many uris).

    >>> uri_prefix("https://w3id.org/policykg/id/body/国务院"), uri_prefix("urn:x")
    ('https://w3id.org/policykg/id/body/', '')
    """
    return uri[: max(uri.rfind("/"), uri.rfind("#")) + 1]


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


def node_parts(pg: PropertyGraph, dialect: Dialect) -> list[Part]:
    """Staging texts on FalkorDB, one part per label set and property signature (text rows; one
    part of list rows per label set for rows without a signature); on Neo4j direct merges, one
    part per label set."""
    if dialect.atomic_transactions:
        rows = [(node.uri, node.props, list(node.labels)) for node in pg.nodes]
        return [Part(MERGE_NODES_DYNAMIC, {}, tuple(rows), (0,))] if rows else []
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for node in pg.nodes:
        as_text = dialect.splices_parameters and safe_text(node.uri)
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


def relationship_parts(pg: PropertyGraph, dialect: Dialect) -> list[Part]:
    """One part per relationship type (types are identifiers from the ontology, quoted); on
    FalkorDB rows travel as text unless a uri holds a separator (then a part of list rows). On
    Neo4j one part, the type given per row."""
    if dialect.atomic_transactions:
        rows = [(rel.start, rel.end, rel.type) for rel in pg.relationships]
        return [Part(MERGE_RELATIONSHIPS_DYNAMIC, {}, tuple(rows), (0, 1))] if rows else []
    groups: dict[tuple[str, bool], list[tuple]] = defaultdict(list)
    for rel in pg.relationships:
        as_text = dialect.splices_parameters and safe_text(rel.start) and safe_text(rel.end)
        groups[rel.type, as_text].append((rel.start, rel.end))
    parts = []
    for (rel_type, as_text), rows in sorted(groups.items()):
        template = MERGE_RELATIONSHIPS.replace("{type}", quote_name(rel_type))
        text_rows = TextRows(2) if as_text else None
        parts.append(_rows_part(template, {}, rows, (0, 1), ListRows(), text_rows))
    return parts


def removal_parts() -> list[Part]:
    """Take the tag ``$doc`` off every node and relationship; drop what only it states."""
    texts = (DROP_RELATIONSHIPS, UNTAG_RELATIONSHIPS, DROP_NODES, UNTAG_NODES)
    return [Part(text) for text in texts]


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
    """One statement being filled; its size is an upper bound (:meth:`Dialect.statement_bytes`)."""

    _CHAIN = " WITH count(*) AS _{i}"
    _RETURN = " RETURN _{i} AS done"
    _LIST = 4  # a list's own bytes beyond its items (marker or brackets), and one separator
    _TEXT = 1  # a text row's separator; also what a string's marker may grow beyond ``''``

    def __init__(self, shared: dict, dialect: Dialect) -> None:
        self.dialect = dialect
        self.fused = not dialect.atomic_transactions
        self.texts: list[str] = []
        self.params: dict = dict(shared)
        self.prefixes: list[str] = []
        self.prefix_index: dict[str, int] = {}
        self.rows: list | None = None
        self.text_rows_keys: list[str] = []  # params whose rows are joined into one string
        self.params["pre"] = self.prefixes
        self.size = dialect.statement_bytes(self._RETURN.format(i=99), shared)
        self.size += self._param_bytes("pre", []) + 8  # the params map's own marker, slack

    def _param_bytes(self, key: str, value: object) -> int:
        return self.dialect.value_bytes(key) + self.dialect.value_bytes(value) + 4

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
        if not self.fused:
            return compact(part.text)
        return _rename(compact(part.text), list(part.params) + ["rows"], len(self.texts))

    def _suffix(self) -> str:
        return f"_{len(self.texts)}" if self.fused else ""

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
                extra += self.dialect.value_bytes(prefix) + self._LIST
            encoded += [index, value[len(prefix):]]
        if part.text_rows:
            text = part.text_rows.encode(encoded)
            return text, extra + escaped_size(text) + self._TEXT
        return encoded, extra + self.dialect.value_bytes(encoded) + self._LIST

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
        if not self.fused:
            return Statement(self.texts[0], self.params)
        chained = " ".join(text + self._CHAIN.format(i=i) for i, text in enumerate(self.texts))
        end = " " + compact(tail) if tail else self._RETURN.format(i=len(self.texts) - 1)
        return Statement(chained + end, self.params)


def pack(
    parts: list[Part], shared: dict, dialect: Dialect, max_rows: int, *, tail: str = ""
) -> list[Statement]:
    """Statements doing ``parts`` in order, each within ``dialect.max_statement_bytes``.

    FalkorDB: consecutive parts fused into one statement while it fits (a part's rows may spill
    into the next statement). The last statement ends with ``tail`` (a read ending in ``RETURN``,
    valid alone too) if given, or is followed by it when there is no room.
    Neo4j: one statement per part and batch of at most ``max_rows``.
    """
    fused = not dialect.atomic_transactions
    limit = dialect.max_statement_bytes
    statements: list[Statement] = []
    draft = _Draft(shared, dialect)

    def flush() -> _Draft:
        if draft.texts:
            statements.append(draft.statement())
        return _Draft(shared, dialect)

    for part in parts:
        if not fused:
            draft = flush()
        is_open, taken = False, 0
        for row in part.rows or (None,):
            if is_open and taken >= max_rows:  # a full batch: the part starts again
                is_open, taken = False, 0
                if not fused:
                    draft = flush()
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


def document_parts(pg: PropertyGraph, dialect: Dialect) -> list[Part]:
    """Nodes first (relationships match them), then relationships."""
    return node_parts(pg, dialect) + relationship_parts(pg, dialect)
