"""SHACL validation of a built graph with ``ontology/shapes.ttl`` and the ontology (pyshacl).

The report lists, for every failing node, which shape failed, on which node and property, and why,
sorted so two runs print the same text.

Every document of a run is validated, so the invariant work is done once per process (see
:class:`_Checker`): the shapes are harvested once, with property shapes given their node shape's
targets (:func:`_hoisted_shapes`), only the ontology axioms the shapes read are mixed into the
data (:func:`_needed_axioms`), and only the data triples the shapes can read are copied into the
graph pyshacl walks (:func:`_read_predicates`). The verdicts and the report text are those of a
plain ``pyshacl.validate`` call on the whole graph with every structural axiom
(``tests/test_validate_equivalence.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import OWL, PREFIXES, RDF, RDFS, SH

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
    """A result path as SPARQL writes it: ``pk:p``, ``^pk:p``, ``pk:p|pk:q`` (the paths our shapes use)."""
    if path is None:
        return None
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_text(results, inverse)}"
    alternatives = results.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(results, p) or "?" for p in results.items(alternatives))
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
#: :func:`_needed_axioms` narrows them further to the ones the shapes read.
STRUCTURAL = (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)

#: The target declarations a node shape hands down to its property shapes (:func:`_hoisted_shapes`).
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

Triple = tuple[Node, Node, Node]


def _needed_axioms(
    ontology: Graph, shapes: Graph, structural: tuple[Triple, ...]
) -> tuple[Triple, ...]:
    """The structural axioms that can change a verdict of ``shapes`` (pyshacl without inference).

    pyshacl reads ``rdf:type`` and ``rdfs:subClassOf`` in the data graph only to decide whether a
    node is an instance of a class named by ``sh:targetClass`` or ``sh:class``. So what counts are
    the subclass links among the subclasses of those classes and the ``rdf:type`` axioms that make
    an ontology individual (pk:OpenDeadline) an instance of one of them: a dozen of the ~190
    structural axioms. Property declarations, ``owl:Class`` types and the comparators and roles
    (checked with ``sh:in``) change nothing. This holds while no shape walks or targets a
    structural property (else every structural axiom is kept) and the data graph adds no subclass
    links of its own (see :func:`_with_ontology`).
    """
    shape_terms = set(shapes.subjects()) | set(shapes.objects())
    if any(predicate in shape_terms for predicate in STRUCTURAL):
        return structural
    classes = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    frontier = list(classes)
    while frontier:
        for subclass in ontology.subjects(RDFS.subClassOf, frontier.pop()):
            if subclass not in classes:
                classes.add(subclass)
                frontier.append(subclass)
    return tuple((s, p, o) for s, p, o in structural
                 if o in classes and (p == RDF.type or (p == RDFS.subClassOf and s in classes)))


#: Shape terms after which a data triple of any predicate can change a verdict: a closed shape
#: reads every property of its focus nodes, SPARQL-based and SHACL-AF features read what they like.
READS_ANYTHING = (SH.closed, SH.sparql, SH.select, SH.target, SH.rule, SH.js, SH.expression)


def _read_predicates(shapes: Graph) -> frozenset[Node] | None:
    """The predicates of the data triples that can change a verdict of ``shapes``; None for all.

    Without inference, pyshacl reads the data graph along the paths the shapes name (``sh:path``
    and the paths inside it, ``sh:lessThan`` and the other property pairs, ``sh:targetSubjectsOf``
    and ``sh:targetObjectsOf``) and through ``rdf:type`` and ``rdfs:subClassOf`` for class targets
    and ``sh:class``. Each of these is an IRI written in the shapes graph, so every IRI of the
    shapes graph plus those two is a superset of what is read. A quarter of a document's triples
    fall outside it (mention texts, alternative labels, section markers, ``pk:hasTask`` links) and
    are left out of the graph pyshacl walks.
    """
    terms = set(shapes.subjects()) | set(shapes.predicates()) | set(shapes.objects())
    if any(term in terms for term in READS_ANYTHING):
        return None
    return frozenset({term for term in terms if isinstance(term, URIRef)} | {RDF.type, RDFS.subClassOf})


def _hoisted_shapes(shapes: Graph) -> Graph:
    """A copy of ``shapes`` in which each node shape's property shapes carry its targets themselves.

    pyshacl checks a node shape's ``sh:property`` shapes one focus node at a time, rebuilding
    every constraint from the shapes graph for each node (27 mentions x 7 property shapes per
    document took most of the validation time). A property shape with the node shape's targets
    means the same (the same focus nodes meet the same constraints; each result names the same
    source shape, path, value and message) and is checked once over all its focus nodes. A node
    shape left with no constraint of its own loses its targets too, as it can produce no result.
    Untouched: node shapes that another triple refers to (``sh:node``, ``sh:or`` members), that
    are deactivated, have a severity or a SHACL-AF target, and property shapes used twice.
    """
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS

    # SimpleMemory keeps no per-context indexes, so the many lookups of every run are cheaper.
    hoisted = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in shapes.namespace_manager.namespaces():
        hoisted.bind(prefix, namespace)
    for triple in shapes:
        hoisted.add(triple)
    referenced = set(shapes.objects())
    for node_shape in sorted(shapes.subjects(RDF.type, SH.NodeShape)):
        targets = [(p, o) for p in TARGETS for o in shapes.objects(node_shape, p)]
        special = any((node_shape, p, None) in shapes for p in (SH.deactivated, SH.severity, SH.target))
        if not targets or special or node_shape in referenced:
            continue
        for property_shape in sorted(shapes.objects(node_shape, SH.property)):
            used_once = len(set(shapes.subject_predicates(property_shape))) == 1
            if not used_once or any((property_shape, p, None) in shapes for p in TARGETS):
                continue
            hoisted.remove((node_shape, SH.property, property_shape))
            for predicate, target in targets:
                hoisted.add((property_shape, predicate, target))
        if not any(p in ALL_CONSTRAINT_PARAMETERS for p in hoisted.predicates(node_shape)):
            for predicate, target in targets:
                hoisted.remove((node_shape, predicate, target))
    return hoisted


@dataclass(frozen=True)
class _Checker:
    """What validation needs that no document changes: built once per process and ontology dir.

    ``pyshacl.validate()`` harvests the shapes graph into shape objects on every call (several ms
    per document); here they are harvested once and only the data graph is new per call. This is
    safe because pyshacl keeps no per-run state in its shapes while the SHACL-AF (``advanced``)
    and JavaScript features are off, as they are here.
    """

    shapes: Graph  # as written in shapes.ttl: names the shapes in the report
    shapes_graph: Any  # pyshacl.shapes_graph.ShapesGraph over _hoisted_shapes(shapes)
    prefixes: tuple[tuple[str, str], ...]
    needed_axioms: tuple[Triple, ...]
    structural_axioms: tuple[Triple, ...]
    read_predicates: frozenset[Node] | None  # of the data triples that can change a verdict


class _Parameters(list):
    """pyshacl's list of constraint parameters, with a hashed membership test.

    For every shape it checks, and again for every value node of an ``sh:or``/``sh:xone`` member,
    pyshacl 0.40 tests each of the shape's predicates with ``p in ALL_CONSTRAINT_PARAMETERS``: a
    scan of ~40 IRIs, each compared by a Python-level ``__eq__``. That was 10% of the profile
    of validating 300 bench documents. pyshacl reads the list from ``pyshacl.shape.CONSTRAINT_PARAMS``
    once it is set; this puts an equal list there whose ``in`` is a set lookup. Nothing else
    changes: a copy (pyshacl copies it to extend it when SHACL-AF is on) is a plain list again.
    """

    def __init__(self, parameters: Iterable[Node]) -> None:
        super().__init__(parameters)
        self._index = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._index


def _index_constraint_parameters() -> None:
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    pyshacl.shape.CONSTRAINT_PARAMS = (_Parameters(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


@lru_cache(maxsize=4)
def _checker(ontology_dir: Path) -> _Checker:
    from pyshacl.monkey import apply_patches
    from pyshacl.shapes_graph import ShapesGraph

    apply_patches()  # the rdflib fixes pyshacl.validate() applies before it validates
    _index_constraint_parameters()
    ontology, shapes = _ontology_and_shapes(ontology_dir)
    structural = tuple(sorted(
        t for t in ontology if t[1] in STRUCTURAL and not isinstance(t[0], BNode)))
    shapes_graph = ShapesGraph(_hoisted_shapes(shapes), logger=log)
    shapes_graph.shapes  # noqa: B018 - reading the property harvests the shapes
    return _Checker(
        shapes=shapes,
        shapes_graph=shapes_graph,
        prefixes=tuple((str(p), str(n)) for p, n in ontology.namespace_manager.namespaces()),
        needed_axioms=_needed_axioms(ontology, shapes, structural),
        structural_axioms=structural,
        read_predicates=_read_predicates(shapes),
    )


def _bind_prefixes(graph: Graph, namespaces: Iterable[tuple[str, Any]], checker: _Checker) -> None:
    for prefix, namespace in namespaces:
        graph.bind(prefix, namespace, override=False)
    known = {str(p) for p, _ in graph.namespace_manager.namespaces()}
    for prefix, namespace in checker.prefixes:
        if prefix not in known:
            graph.bind(prefix, namespace, override=False)


def _add_axioms(graph: Graph, checker: _Checker) -> Graph:
    """Mix the ontology axioms into ``graph``: the ones the shapes read, or every structural one if
    the data has subclass links of its own (they can join classes the shapes do not name to ones
    they do)."""
    own_subclasses = (None, RDFS.subClassOf, None) in graph
    add = graph.add
    for triple in checker.structural_axioms if own_subclasses else checker.needed_axioms:
        add(triple)
    return graph


def _readable_copy(triples: Iterable[Triple], checker: _Checker, namespaces: Iterable[tuple[str, Any]]) -> Graph:
    """A new graph of the ``triples`` the shapes can read (:func:`_read_predicates`), with the
    ontology axioms. Triples about a blank node stay whatever their predicate: a report that names
    a blank node prints its properties."""
    copy = Graph(bind_namespaces="none")
    _bind_prefixes(copy, namespaces, checker)
    read = checker.read_predicates
    add = copy.add
    for triple in triples:
        if read is None or triple[1] in read or isinstance(triple[0], BNode):
            add(triple)
    return _add_axioms(copy, checker)


@lru_cache(maxsize=1)
def _project_names() -> Graph:
    """An empty graph with the project's prefixes bound: how reports name nodes of built documents."""
    names = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        names.bind(prefix, namespace)
    return names


def _run(data: Graph, checker: _Checker, names: Graph, triples: int) -> ValidationReport:
    from pyshacl.graph_abstraction import DataGraph
    from pyshacl.validator import Validator

    validator = Validator(DataGraph.from_rdflib(data), shacl_graph=checker.shapes_graph.graph, options={
        "inference": "none", "abort_on_first": False, "allow_warnings": True, "advanced": False,
        "inplace": True, "logger": log})
    validator.shacl_graph = checker.shapes_graph  # the shapes harvested once, not a fresh harvest
    conforms, results, _text = validator.run()
    violations = _violations(results, checker.shapes, names)
    log.debug("SHACL: %d results on %d triples", len(violations), triples)
    return ValidationReport(conforms=bool(conforms), violations=violations, triples=triples)


def validate_graph(graph: Graph, settings: Settings | None = None, *, inplace: bool = False) -> ValidationReport:
    """Validate ``graph`` against the shapes, with the ontology's structural axioms mixed in.

    Args:
        graph: the data graph.
        settings: where the ontology and shapes are (defaults from the environment).
        inplace: add the axioms to ``graph`` itself instead of validating a copy of the triples the
            shapes can read (for a big graph that is thrown away after validation).

    Returns:
        A :class:`ValidationReport`; ``conforms`` is False when any shape has a Violation.
    """
    settings = settings or Settings.from_env()
    checker = _checker(settings.ontology_path())
    triples = len(graph)
    if inplace:
        _bind_prefixes(graph, (), checker)
        data = _add_axioms(graph, checker)
    else:
        data = _readable_copy(graph, checker, graph.namespace_manager.namespaces())
    return _run(data, checker, graph, triples)


def validate_triples(
    triples: Sequence[Triple], settings: Settings | None = None, *, distinct: int | None = None
) -> ValidationReport:
    """Validate a built document's triples (:func:`pipeline.rdf.build.document_triples`) as
    :func:`validate_graph` validates their graph, without building that graph first.

    ``distinct`` is the number of distinct triples, for the report, when the caller knows it.
    Nodes are named in the report with the project's prefixes, as in a built document's graph.
    """
    settings = settings or Settings.from_env()
    checker = _checker(settings.ontology_path())
    data = _readable_copy(triples, checker, PREFIXES.items())
    return _run(data, checker, _project_names(), len(set(triples)) if distinct is None else distinct)
