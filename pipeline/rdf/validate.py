"""SHACL validation of a built graph with ``ontology/shapes.ttl`` and the ontology.

The report lists, for every failing node, which shape failed, on which node and property, and why,
sorted so two runs print the same text.

The engine is pyshacl-turbo (a Rust SHACL engine with pySHACL's verdicts and report graph): every
document of a run is validated, and pyshacl spent 12-50 ms on each, the largest cost of a cold run.
The shapes are compiled once per process (:func:`_checker`), a document's sorted N-Triples go to
the engine as text (no rdflib graph is built for them), and only the ontology axioms the shapes read
are added (:func:`_needed_axioms`). ``tests/test_validate_equivalence.py`` checks the verdicts and
the report lines against a plain ``pyshacl.validate`` call with every structural axiom, one
injected violation of each kind at a time and all at once.
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
        raise GraphBuildError(
            f"{path}: not valid Turtle: {exc}", hint="fix the syntax error"
        ) from exc


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
        found.append(
            Violation(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=_shape_name(shapes, results, results.value(result, SH.sourceShape)),
                focus=_short(data, results.value(result, SH.focusNode)) or "?",
                path=_path_text(results, results.value(result, SH.resultPath)),
                value=_short(data, results.value(result, SH.value)),
                message="; ".join(messages) or "constraint not satisfied",
            )
        )
    return tuple(
        sorted(set(found), key=lambda v: (v.focus, v.shape, v.path or "", v.message, v.value or ""))
    )


#: The ontology triples SHACL needs without inference: class and property hierarchies (for
#: ``sh:class`` and ``sh:targetClass`` over subclasses) and the types of named individuals
#: (``sh:class`` on comparators, roles, levels). Labels and definitions are left out: they only
#: make every validated graph bigger (measured: a third of the validation time went on them).
#: :func:`_needed_axioms` narrows them further to the ones the shapes read.
STRUCTURAL = (
    RDF.type,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
)

Triple = tuple[Node, Node, Node]


def _needed_axioms(
    ontology: Graph, shapes: Graph, structural: tuple[Triple, ...]
) -> tuple[Triple, ...]:
    """The structural axioms that can change a verdict of ``shapes`` (SHACL without inference).

    SHACL reads ``rdf:type`` and ``rdfs:subClassOf`` in the data graph only to decide whether a
    node is an instance of a class named by ``sh:targetClass`` or ``sh:class``. So what counts are
    the subclass links among the subclasses of those classes and the ``rdf:type`` axioms that make
    an ontology individual (pk:OpenDeadline) an instance of one of them: a dozen of the ~190
    structural axioms. Property declarations, ``owl:Class`` types and the comparators and roles
    (checked with ``sh:in``) change nothing. This holds while no shape walks or targets a
    structural property (else every structural axiom is kept) and the data graph adds no subclass
    links of its own (see :func:`_axioms_for`).
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
    return tuple(
        (s, p, o)
        for s, p, o in structural
        if o in classes and (p == RDF.type or (p == RDFS.subClassOf and s in classes))
    )


#: The shape of provenance mentions: most of the engine's time on a built document (a document
#: states a mention for every fact), and what the builder can vouch for (``BuiltDocument``).
MENTION_SHAPE = URIRef("https://w3id.org/policykg/shapes#MentionShape")


def _without(shapes: Graph, shape: URIRef) -> Graph:
    """``shapes`` without the node shape ``shape`` and what hangs from it (its property shapes,
    their lists and paths); shared with no other shape in ours (the test checks it)."""
    own: set[Node] = set()
    frontier: list[Node] = [shape]
    while frontier:
        node = frontier.pop()
        if node in own:
            continue
        own.add(node)
        frontier += [o for o in shapes.objects(node) if isinstance(o, BNode)]
    rest = Graph(bind_namespaces="none")
    for prefix, namespace in shapes.namespace_manager.namespaces():
        rest.bind(prefix, namespace)
    for triple in shapes:
        if triple[0] not in own:
            rest.add(triple)
    return rest


@dataclass(frozen=True)
class _Checker:
    """What validation needs that no document changes: built once per process and ontology dir."""

    shapes: Graph  # as written in shapes.ttl: names the shapes in the report
    compiled: Any  # pyshacl_turbo.CompiledShapes of ``shapes``
    prefixes: tuple[tuple[str, str], ...]
    needed_axioms: tuple[Triple, ...]
    structural_axioms: tuple[Triple, ...]
    needed_ntriples: str  # ``needed_axioms`` as N-Triples lines
    structural_ntriples: str
    #: ``shapes`` without :data:`MENTION_SHAPE`, compiled: for a document whose builder vouches
    #: for its mentions (:class:`pipeline.rdf.build.BuiltDocument`).
    compiled_without_mentions: Any = None


@lru_cache(maxsize=4)
def _checker(ontology_dir: Path) -> _Checker:
    import pyshacl_turbo

    from pipeline.rdf.export import ntriples_text

    ontology, shapes = _ontology_and_shapes(ontology_dir)
    structural = tuple(
        sorted(t for t in ontology if t[1] in STRUCTURAL and not isinstance(t[0], BNode))
    )
    needed = _needed_axioms(ontology, shapes, structural)
    return _Checker(
        shapes=shapes,
        compiled=pyshacl_turbo.compile_shapes(shapes),
        compiled_without_mentions=pyshacl_turbo.compile_shapes(_without(shapes, MENTION_SHAPE)),
        prefixes=tuple((str(p), str(n)) for p, n in ontology.namespace_manager.namespaces()),
        needed_axioms=needed,
        structural_axioms=structural,
        needed_ntriples=ntriples_text(needed),
        structural_ntriples=ntriples_text(structural),
    )


def _bind_prefixes(graph: Graph, namespaces: Iterable[tuple[str, Any]], checker: _Checker) -> None:
    for prefix, namespace in namespaces:
        graph.bind(prefix, namespace, override=False)
    known = {str(p) for p, _ in graph.namespace_manager.namespaces()}
    for prefix, namespace in checker.prefixes:
        if prefix not in known:
            graph.bind(prefix, namespace, override=False)


def _axioms_for(own_subclasses: bool, checker: _Checker) -> tuple[Triple, ...]:
    """The ontology axioms to mix into a data graph: the ones the shapes read, or every structural
    one if the data has subclass links of its own (they can join classes the shapes do not name to
    ones they do)."""
    return checker.structural_axioms if own_subclasses else checker.needed_axioms


@lru_cache(maxsize=1)
def _project_names() -> Graph:
    """An empty graph with the project's prefixes bound: how reports name nodes of built documents."""
    names = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        names.bind(prefix, namespace)
    return names


def _report(
    conforms: bool, results: Graph, checker: _Checker, names: Graph, triples: int
) -> ValidationReport:
    violations = () if conforms else _violations(results, checker.shapes, names)
    log.debug("SHACL: %d results on %d triples", len(violations), triples)
    return ValidationReport(conforms=bool(conforms), violations=violations, triples=triples)


def validate_graph(
    graph: Graph, settings: Settings | None = None, *, inplace: bool = False
) -> ValidationReport:
    """Validate ``graph`` against the shapes, with the ontology's structural axioms mixed in.

    Args:
        graph: the data graph.
        settings: where the ontology and shapes are (defaults from the environment).
        inplace: add the axioms to ``graph`` itself instead of to a copy (for a big graph that is
            thrown away after validation).

    Returns:
        A :class:`ValidationReport`; ``conforms`` is False when any shape has a Violation.
    """
    settings = settings or Settings.from_env()
    checker = _checker(settings.ontology_path())
    triples = len(graph)
    if inplace:
        data = graph
    else:
        data = Graph(bind_namespaces="none")
        for prefix, namespace in graph.namespace_manager.namespaces():
            data.bind(prefix, namespace)
        for triple in graph:
            data.add(triple)
    _bind_prefixes(data, (), checker)
    for triple in _axioms_for((None, RDFS.subClassOf, None) in graph, checker):
        data.add(triple)
    conforms, results, _text = checker.compiled.validate(data, allow_warnings=True)
    return _report(conforms, results, checker, graph, triples)


#: How a subclass link reads in N-Triples (a data graph that states its own needs every axiom).
_SUBCLASS_NT = f" <{RDFS.subClassOf}> "


def validate_ntriples(
    ntriples: str,
    settings: Settings | None = None,
    *,
    triples: int | None = None,
    mentions_conform: bool = False,
) -> ValidationReport:
    """Validate a document's N-Triples text (:func:`pipeline.rdf.export.ntriples_text`) as
    :func:`validate_graph` validates its graph, without parsing it into rdflib.

    ``triples`` is the number of distinct triples, for the report, when the caller knows it.
    ``mentions_conform``: the builder vouches that every mention node satisfies
    :data:`MENTION_SHAPE` (:class:`pipeline.rdf.build.BuiltDocument`), so the engine's first
    verdict leaves that shape out; a document it does not accept is validated again with every
    shape, for the report. Nodes are named in the report with the project's prefixes, as in a
    built document's graph.
    """
    from pyshacl_turbo.rdf import Input

    settings = settings or Settings.from_env()
    checker = _checker(settings.ontology_path())
    axioms = checker.structural_ntriples if _SUBCLASS_NT in ntriples else checker.needed_ntriples
    count = len(set(ntriples.splitlines())) if triples is None else triples
    compiled = checker.compiled_without_mentions if mentions_conform else checker.compiled
    if _conforms_quickly(compiled, ntriples + axioms):
        return ValidationReport(conforms=True, violations=(), triples=count)
    data = Input(ntriples + axioms, "nt", None, {}, {})
    conforms, results, _text = checker.compiled.validate(data, allow_warnings=True)
    return _report(conforms, results, checker, _project_names(), count)


def _conforms_quickly(compiled: Any, ntriples: str) -> bool:
    """Whether the engine finds ``ntriples`` conforming, asked without the report graph.

    ``CompiledShapes.validate`` turns the engine's report into an rdflib graph and binds every
    prefix of the shapes in it on every call, even for a conforming document (a quarter of the
    validation time of the bench documents, none of which fails). Here the compiled engine is
    called as ``validate`` calls it for a text input and only its verdict is read; False (a
    violation, a warning from the engine, or an engine without that entry point) sends the caller
    through ``validate`` for the report. ``tests/test_validate_equivalence.py`` checks both ways.
    """
    native = getattr(compiled, "_native", None)
    if native is None:
        return False
    try:
        conforms, _report, _text, _data, warnings = native.validate(
            ntriples, "nt", None,  # source, format, base
            False, 100, 15,  # no rules; pyshacl-turbo's default depths
            False, False, True, False,  # include_data, allow_infos, allow_warnings, abort_on_first
            [], [], [],  # every focus node and shape; no prefixes
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - another engine version, an input it refuses: ask validate
        return False
    return bool(conforms) and not warnings


def validate_triples(
    triples: Sequence[Triple], settings: Settings | None = None, *, distinct: int | None = None
) -> ValidationReport:
    """Validate a built document's triples (:func:`pipeline.rdf.build.document_triples`) as
    :func:`validate_graph` validates their graph (through their N-Triples: :func:`validate_ntriples`).

    ``distinct`` is the number of distinct triples, for the report, when the caller knows it.
    """
    from pipeline.rdf.export import ntriples_text

    ntriples = ntriples_text(triples)
    return validate_ntriples(
        ntriples, settings, triples=ntriples.count("\n") if distinct is None else distinct
    )
