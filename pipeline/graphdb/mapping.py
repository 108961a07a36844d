"""RDF → property-graph rows the way neosemantics (n10s) maps them, over ANY vocabulary.

Every IRI/blank-node subject becomes a node with a unique ``uri`` and the label ``Resource``;
``rdf:type`` objects become extra labels (local names); literals become properties named by the
predicate's local name (language tags dropped, numbers and booleans typed, other datatypes as
their lexical form); IRI objects become relationships typed by the predicate's local name.
A predicate with several literal values (or listed in ``MULTIVALUED``) becomes a list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from pipeline.graphdb.dialect import NODE_KEY_LABEL

# Predicates kept as lists even with one value, so queries can use ``x IN n.altLabel``.
MULTIVALUED = frozenset({SKOS.altLabel, SKOS.hiddenLabel})
_INTEGER_TYPES = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.nonNegativeInteger,
                  XSD.positiveInteger}  # fmt: skip
_FLOAT_TYPES = {XSD.decimal, XSD.double, XSD.float}
_IDENT_CHARS = re.compile(r"[^A-Za-z0-9_]")


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


def node_uri(term: URIRef | BNode, doc: str) -> str:
    """The ``uri`` key of a node; blank nodes are skolemised per document."""
    if isinstance(term, BNode):
        return f"urn:policykg:bnode:{doc}:{term}"
    return str(term)


def literal_value(lit: Literal) -> object:
    """A Bolt-friendly value for a literal.

    >>> literal_value(Literal("3", datatype=XSD.integer)), literal_value(Literal("1.5", datatype=XSD.decimal))
    (3, 1.5)
    """
    dt = lit.datatype
    try:
        if dt in _INTEGER_TYPES:
            return int(lit)
        if dt in _FLOAT_TYPES:
            return float(lit)
        if dt == XSD.boolean:
            return lit.toPython() is True
    except (TypeError, ValueError):
        pass
    return str(lit)


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


def map_graph(graph: Graph, doc: str) -> PropertyGraph:
    """Map an rdflib graph to node and relationship rows (n10s conventions)."""
    labels: dict[str, set[str]] = defaultdict(set)
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    multi: set[str] = {local_name(p) for p in MULTIVALUED}
    rels: set[RelRow] = set()
    for s, p, o in graph:
        if not isinstance(s, (URIRef, BNode)):
            continue
        uri = node_uri(s, doc)
        labels[uri]
        if p == RDF.type and isinstance(o, URIRef):
            labels[uri].add(local_name(o))
        elif isinstance(o, Literal):
            values[uri][local_name(p)].append(literal_value(o))
        elif isinstance(o, (URIRef, BNode)):
            target = node_uri(o, doc)
            labels[target]
            rels.add(RelRow(uri, local_name(p), target))
    nodes = []
    for uri in sorted(labels):
        props = {}
        for key, vals in sorted(values[uri].items()):
            vals = sorted(set(vals), key=lambda v: (type(v).__name__, v))
            props[key] = vals if (len(vals) > 1 or key in multi) else vals[0]
        label_set = tuple(sorted(labels[uri] | {NODE_KEY_LABEL}))
        nodes.append(NodeRow(uri, label_set, props))
    relationships = tuple(sorted(rels, key=lambda r: (r.start, r.type, r.end)))
    return PropertyGraph(tuple(nodes), relationships)
