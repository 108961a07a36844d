"""SHACL validation of a built graph with ``ontology/shapes.ttl`` and the ontology (pyshacl).

The report lists, for every failing node, which shape failed, on which node and property, and why,
sorted so two runs print the same text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import OWL, RDF, RDFS, SH

log = logging.getLogger(__name__)

ONTOLOGY_FILE = "policykg.ttl"
SHAPES_FILE = "shapes.ttl"


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL result: the shape that failed, the node, the property path, the value, the message."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str

    def line(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: {self.shape} failed on {self.focus}{where}{value}: {self.message}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of :func:`validate_graph`; ``str()`` is the readable report."""

    conforms: bool
    violations: tuple[Violation, ...]
    triples: int

    @property
    def text(self) -> str:
        if self.conforms:
            return f"conforms: {self.triples} triples satisfy every shape"
        head = f"does not conform: {len(self.violations)} result(s) on {self.triples} triples"
        return "\n".join([head, *(f"  {v.line()}" for v in self.violations)])

    def __str__(self) -> str:
        return self.text


def _load_turtle(path: Path) -> Graph:
    if not path.is_file():
        raise GraphBuildError(f"{path}: file not found", hint="restore it from the repository")
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise GraphBuildError(f"{path}: not valid Turtle: {exc}", hint="fix the syntax error") from exc


@lru_cache(maxsize=4)
def _ontology_and_shapes(ontology_dir: Path) -> tuple[Graph, Graph]:
    return _load_turtle(ontology_dir / ONTOLOGY_FILE), _load_turtle(ontology_dir / SHAPES_FILE)


def load_ontology(settings: Settings | None = None) -> Graph:
    """The ontology graph (``ontology/policykg.ttl``), parsed once per directory."""
    settings = settings or Settings.from_env()
    return _ontology_and_shapes(settings.ontology_path())[0]


def load_shapes(settings: Settings | None = None) -> Graph:
    """The SHACL shapes graph (``ontology/shapes.ttl``), parsed once per directory."""
    settings = settings or Settings.from_env()
    return _ontology_and_shapes(settings.ontology_path())[1]


def _short(graph: Graph, node: Node | None) -> str | None:
    """A readable name for a node: prefixed IRI where a prefix is bound, the literal otherwise."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - an IRI that has no prefixed form
            return f"<{node}>"
    return node.n3(graph.namespace_manager) if hasattr(node, "n3") else str(node)


def _path_text(results: Graph, path: Node | None) -> str | None:
    if path is None:
        return None
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_short(results, inverse)}"
    return _short(results, path)


def _shape_name(shapes: Graph, results: Graph, shape: Node | None) -> str:
    """The node shape a result belongs to (property shapes are blank nodes inside one)."""
    if isinstance(shape, URIRef):
        return _short(shapes, shape) or str(shape)
    owner = shapes.value(predicate=SH.property, object=shape) if shape is not None else None
    name = shapes.value(shape, SH.name) if shape is not None else None
    base = _short(shapes, owner) if isinstance(owner, URIRef) else "shape"
    return f"{base} ({name})" if name else str(base)


def _violations(results: Graph, shapes: Graph, data: Graph) -> tuple[Violation, ...]:
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        found.append(Violation(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            shape=_shape_name(shapes, results, results.value(result, SH.sourceShape)),
            focus=_short(data, results.value(result, SH.focusNode)) or "?",
            path=_path_text(results, results.value(result, SH.resultPath)),
            value=_short(data, results.value(result, SH.value)),
            message="; ".join(messages) or "constraint not satisfied",
        ))
    return tuple(sorted(set(found), key=lambda v: (v.focus, v.shape, v.path or "", v.message, v.value or "")))


#: The ontology triples SHACL needs without inference: class and property hierarchies (for
#: ``sh:class`` and ``sh:targetClass`` over subclasses) and the types of named individuals
#: (``sh:class`` on comparators, roles, levels). Labels and definitions are left out: they only
#: make every validated graph bigger (measured: a third of the validation time went on them).
STRUCTURAL = (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)


@lru_cache(maxsize=4)
def _ontology_mixin(ontology_dir: Path) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[Node, Node, Node], ...]]:
    """The ontology axioms mixed into a data graph before validation (prefixes and triples)."""
    ontology = _ontology_and_shapes(ontology_dir)[0]
    prefixes = tuple((str(p), str(n)) for p, n in ontology.namespace_manager.namespaces())
    axioms = sorted(t for t in ontology if t[1] in STRUCTURAL and not isinstance(t[0], BNode))
    return prefixes, tuple(axioms)


def _with_ontology(graph: Graph, settings: Settings | None, *, inplace: bool = False) -> Graph:
    """``graph`` plus the ontology axioms: a new graph, or ``graph`` itself when ``inplace``."""
    settings = settings or Settings.from_env()
    prefixes, axioms = _ontology_mixin(settings.ontology_path())
    if inplace:
        mixed = graph
    else:
        mixed = Graph(bind_namespaces="none")
        for prefix, namespace in graph.namespace_manager.namespaces():
            mixed.bind(prefix, namespace, override=False)
        for triple in graph:
            mixed.add(triple)
    known = {str(p) for p, _ in mixed.namespace_manager.namespaces()}
    for prefix, namespace in prefixes:
        if prefix not in known:
            mixed.bind(prefix, namespace, override=False)
    add = mixed.add
    for triple in axioms:
        add(triple)
    return mixed


def validate_graph(graph: Graph, settings: Settings | None = None, *, inplace: bool = False) -> ValidationReport:
    """Validate ``graph`` against the shapes, with the ontology's structural axioms mixed in.

    Args:
        graph: the data graph.
        settings: where the ontology and shapes are (defaults from the environment).
        inplace: add the axioms to ``graph`` itself instead of a copy (for a graph that is
            thrown away after validation; saves a copy per document).

    Returns:
        A :class:`ValidationReport`; ``conforms`` is False when any shape has a Violation.
    """
    import pyshacl

    shapes = load_shapes(settings)
    triples = len(graph)
    conforms, results, _text = pyshacl.validate(
        _with_ontology(graph, settings, inplace=inplace), shacl_graph=shapes, ont_graph=None,
        inference="none", abort_on_first=False, allow_warnings=True, advanced=False, inplace=True,
    )
    violations = _violations(results, shapes, graph)
    log.debug("SHACL: %d results on %d triples", len(violations), triples)
    return ValidationReport(conforms=bool(conforms), violations=violations, triples=triples)
