"""RDF → property-graph rows the way neosemantics (n10s) maps them, over ANY vocabulary.

Every IRI/blank-node subject becomes a node with a unique ``uri`` and the label ``Resource``;
``rdf:type`` objects become extra labels (local names); literals become properties named by the
predicate's local name (language tags dropped, numbers and booleans typed, other datatypes as
their lexical form); IRI objects become relationships typed by the predicate's local name.
A predicate with several literal values (or listed in ``MULTIVALUED``) becomes a list.

:func:`read_document` parses a Turtle file with pyoxigraph (about 10x faster than rdflib here) and
maps its triples in one pass (:func:`map_turtle` a Turtle text, the same way); :func:`map_graph`
maps an rdflib graph through :func:`map_triples`. The two give the same rows (tests).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from pipeline.errors import DatabaseError
from pipeline.graphdb.dialect import NODE_KEY_LABEL

if TYPE_CHECKING:  # rdflib is imported where an rdflib graph is mapped, not by every query
    from rdflib import BNode, Graph, Literal, URIRef

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
# Predicates kept as lists even with one value, so queries can use ``x IN n.altLabel``.
MULTIVALUED = frozenset({_SKOS + "altLabel", _SKOS + "hiddenLabel"})
_INTEGER_TYPES = {
    _XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")
}
_FLOAT_TYPES = {_XSD + "decimal", _XSD + "double", _XSD + "float"}
_BOOLEAN_TYPE = _XSD + "boolean"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_IDENT_CHARS = re.compile(r"[^A-Za-z0-9_]")
_BNODE_PREFIX = "urn:policykg:bnode:"
#: Datatypes whose literals map to their lexical form as is (the common case, no conversion).
_PLAIN_TYPES = frozenset({_XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})

#: One triple, mapped: (subject key, predicate IRI, object node key or None, literal value).
MappedTriple = tuple[str, str, str | None, object]


@functools.lru_cache(maxsize=4096)
def local_name(iri: str) -> str:
    """The part of an IRI after the last ``#`` or ``/``, as a plain identifier.

    >>> local_name("https://w3id.org/policykg/ontology#Task")
    'Task'
    >>> local_name("http://purl.org/dc/terms/title")
    'title'
    """
    tail = re.split(r"[#/]", str(iri).rstrip("#/"))[-1]
    name = _IDENT_CHARS.sub("_", tail) or "resource"
    return f"_{name}" if name[0].isdigit() else name


_MULTI_NAMES = frozenset(local_name(p) for p in MULTIVALUED)


def node_uri(term: URIRef | BNode, doc: str) -> str:
    """The ``uri`` key of a node; blank nodes are skolemised per document."""
    from rdflib import BNode

    if isinstance(term, BNode):
        return f"{_BNODE_PREFIX}{doc}:{term}"
    return str(term)


def typed_value(lexical: str, datatype: str | None) -> object:
    """A Bolt-friendly value for a literal's lexical form and datatype IRI.

    >>> typed_value("3", _XSD + "integer"), typed_value("1.5", _XSD + "decimal")
    (3, 1.5)
    >>> typed_value("1", _XSD + "boolean"), typed_value("x", _XSD + "integer")
    (True, 'x')
    """
    try:
        if datatype in _INTEGER_TYPES:
            return int(lexical)
        if datatype in _FLOAT_TYPES:
            return float(lexical)
    except ValueError:
        return lexical
    if datatype == _BOOLEAN_TYPE:
        return lexical.strip().lower() in {"true", "1"}
    return lexical


def literal_value(lit: Literal) -> object:
    """A Bolt-friendly value for an rdflib literal.

    >>> from rdflib import Literal, XSD
    >>> literal_value(Literal("3", datatype=XSD.integer)), literal_value(Literal("1.5", datatype=XSD.decimal))
    (3, 1.5)
    """
    return typed_value(str(lit), str(lit.datatype) if lit.datatype is not None else None)


@dataclass(frozen=True)
class NodeRow:
    uri: str
    labels: tuple[str, ...]
    props: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RelRow:
    start: str
    type: str
    end: str


@dataclass(frozen=True)
class PropertyGraph:
    """The rows of one document's graph, sorted (deterministic)."""

    nodes: tuple[NodeRow, ...]
    relationships: tuple[RelRow, ...]


def _rdflib_triples(graph: Graph, doc: str) -> Iterator[MappedTriple]:
    from rdflib import BNode, Literal, URIRef

    for s, p, o in graph:
        if not isinstance(s, (URIRef, BNode)):
            continue
        if isinstance(o, Literal):
            yield node_uri(s, doc), str(p), None, literal_value(o)
        elif isinstance(o, (URIRef, BNode)):
            yield node_uri(s, doc), str(p), node_uri(o, doc), None


def map_graph(graph: Graph, doc: str) -> PropertyGraph:
    """Map an rdflib graph to node and relationship rows (n10s conventions)."""
    return map_triples(_rdflib_triples(graph, doc), doc)


def read_document(path: Path, doc: str) -> PropertyGraph:
    """Parse one document's Turtle file (pyoxigraph) and map it; a broken file is a DatabaseError.

    Gives the same rows as ``map_graph(Graph().parse(path), doc)`` (and as :func:`map_triples`
    over its triples), in one pass without the intermediate triples: the loaders spend most of
    their Python time here (unless the builder kept the rows: :mod:`pipeline.graphdb.rows`).
    """
    try:
        return _map_parsed(ox.parse(path=path, format=ox.RdfFormat.TURTLE), doc)
    except (SyntaxError, ValueError, OSError) as exc:
        raise DatabaseError(
            f"{path}: not valid Turtle ({type(exc).__name__}: {str(exc)[:120]})",
            hint="rebuild it with `policykg build`",
        ) from exc


def map_turtle(turtle: bytes, doc: str) -> PropertyGraph:
    """:func:`read_document` of a Turtle text (UTF-8): the same parser, the same rows."""
    return _map_parsed(ox.parse(turtle, format=ox.RdfFormat.TURTLE), doc)


def _map_parsed(triples: Iterator[Any], doc: str) -> PropertyGraph:
    """The rows of pyoxigraph's ``triples`` of document ``doc``, mapped in one pass."""
    labels: dict[str, set[str]] = {}
    values: dict[str, dict[str, list]] = {}
    rels: set[tuple[str, str, str]] = set()
    names: dict[str, str] = {}  # predicate IRI -> local name, for this file
    blank = f"{_BNODE_PREFIX}{doc}:"
    named_node, blank_node, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    for triple in triples:
        term = triple.subject
        kind = type(term)
        if kind is named_node:
            subject = term.value
        elif kind is blank_node:
            subject = blank + term.value
        else:  # pragma: no cover - an RDF-star triple term: not mapped
            continue
        if subject not in labels:
            labels[subject] = set()
        predicate = triple.predicate.value
        obj = triple.object
        kind = type(obj)
        if kind is literal:
            name = names.get(predicate) or names.setdefault(predicate, local_name(predicate))
            datatype = obj.datatype.value
            value = obj.value if datatype in _PLAIN_TYPES else typed_value(obj.value, datatype)
            node_values = values.get(subject)
            if node_values is None:
                values[subject] = {name: [value]}
            elif name in node_values:
                node_values[name].append(value)
            else:
                node_values[name] = [value]
            continue
        if kind is named_node:
            target = obj.value
            if predicate == _RDF_TYPE and not target.startswith(_BNODE_PREFIX):
                labels[subject].add(local_name(target))
                continue
        elif kind is blank_node:
            target = blank + obj.value
        else:  # pragma: no cover - an RDF-star triple term: not mapped
            continue
        if target not in labels:
            labels[target] = set()
        name = names.get(predicate) or names.setdefault(predicate, local_name(predicate))
        rels.add((subject, name, target))
    return _rows(labels, values, rels)


def map_triples(triples: Iterable[MappedTriple], doc: str) -> PropertyGraph:
    """Node and relationship rows from mapped triples (n10s conventions; sorted, deterministic)."""
    labels: dict[str, set[str]] = defaultdict(set)
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    rels: set[tuple[str, str, str]] = set()
    for uri, predicate, target, value in triples:
        labels[uri]
        if target is None:
            values[uri][local_name(predicate)].append(value)
        elif predicate == _RDF_TYPE and not target.startswith(_BNODE_PREFIX):
            labels[uri].add(local_name(target))
        else:
            labels[target]
            rels.add((uri, local_name(predicate), target))
    return _rows(labels, values, rels)


def _sort_key(value: object) -> tuple[str, object]:
    return (type(value).__name__, value)


def _rows(
    labels: dict[str, set[str]], values: dict[str, dict[str, list]], rels: set[tuple[str, str, str]]
) -> PropertyGraph:
    """The sorted rows: a node per key of ``labels`` (its ``values`` by property name, a list
    when several or ``MULTIVALUED``), a relationship per ``(start, type, end)``."""
    multi = _MULTI_NAMES
    label_sets: dict[frozenset[str], tuple[str, ...]] = {}
    nodes = []
    for uri in sorted(labels):
        props = {}
        node_values = values.get(uri)
        if node_values:
            for key in sorted(node_values):
                vals = node_values[key]
                if len(vals) > 1:
                    vals = sorted(set(vals), key=_sort_key)
                props[key] = vals if (len(vals) > 1 or key in multi) else vals[0]
        own = frozenset(labels[uri])
        label_set = label_sets.get(own)
        if label_set is None:
            label_set = label_sets[own] = tuple(sorted(own | {NODE_KEY_LABEL}))
        nodes.append(NodeRow(uri, label_set, props))
    relationships = tuple(RelRow(start, rel_type, end) for start, rel_type, end in sorted(rels))
    return PropertyGraph(tuple(nodes), relationships)
