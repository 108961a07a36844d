"""Analysis results as RDF (``data/graph/analysis.ttl``) and as rows for the graph database.

Bodies and tasks are named with the IRIs of the RDF build (``pipeline.rdf.iris``), so the
analysis triples join the main graph: ``pk:degree`` / ``pk:betweenness`` /
``pk:coordinationStrength`` on bodies, a reified ``pk:CoordinationPair`` per linked pair, and
``pk:answersTask`` from a task to the task of the implemented document it answers (with a
``pk:CascadeMatch`` carrying the score).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from pipeline.analysis.cascade import TaskMatch
from pipeline.analysis.network import BodyRank, CoordinationPair
from pipeline.rdf.iris import body_iri, iri_segment, task_iri
from pipeline.rdf.namespace import ID_BASE, ONTOLOGY_IRI
from pipeline.store import record_stem


class PKA(DefinedNamespace):
    """The analysis terms, in the ontology's namespace (``pk:``); unknown terms raise."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    CoordinationPair: URIRef
    CascadeMatch: URIRef
    degree: URIRef
    betweenness: URIRef
    coordinationStrength: URIRef
    sharedTasks: URIRef
    pairMember: URIRef
    answersTask: URIRef
    implementingTask: URIRef
    implementedTask: URIRef
    matchScore: URIRef


def ontology_namespace() -> type[PKA]:
    """The namespace of the analysis terms."""
    return PKA


def pair_iri(pair: CoordinationPair) -> URIRef:
    """The reified coordination pair of two bodies (names in sorted order).

    >>> str(pair_iri(CoordinationPair("甲局", "乙委", 1.0, 1)))
    'https://w3id.org/policykg/id/coordination/甲局/乙委'
    """
    return URIRef(f"{ID_BASE}coordination/{iri_segment(pair.first)}/{iri_segment(pair.second)}")


def match_iri(match: TaskMatch) -> URIRef:
    """The cascade match of an implementing task to an implemented task."""
    def task(doc_id: str, task_id: str) -> str:
        return f"{iri_segment(record_stem(doc_id))}/{iri_segment(task_id)}"

    own = task(match.implementing_doc, match.implementing_task)
    their = task(match.implemented_doc, match.implemented_task)
    return URIRef(f"{ID_BASE}cascade/{own}/{their}")


def analysis_graph(
    rankings: Iterable[BodyRank], pairs: Iterable[CoordinationPair], matches: Iterable[TaskMatch]
) -> Graph:
    """The analysis results as an rdflib graph (deterministic triples)."""
    pkg = PKA
    graph = Graph()
    graph.bind("pk", Namespace(ONTOLOGY_IRI + "#"))
    for rank in rankings:
        body = body_iri(rank.body)
        graph.add((body, pkg.degree, Literal(rank.degree, datatype=XSD.integer)))
        graph.add((body, pkg.coordinationStrength, Literal(rank.strength, datatype=XSD.decimal)))
        graph.add((body, pkg.betweenness, Literal(rank.betweenness, datatype=XSD.decimal)))
    for pair in pairs:
        node = pair_iri(pair)
        graph.add((node, RDF.type, pkg.CoordinationPair))
        graph.add((node, pkg.pairMember, body_iri(pair.first)))
        graph.add((node, pkg.pairMember, body_iri(pair.second)))
        graph.add((node, pkg.coordinationStrength, Literal(pair.strength, datatype=XSD.decimal)))
        graph.add((node, pkg.sharedTasks, Literal(pair.shared_tasks, datatype=XSD.integer)))
    for match in matches:
        own = task_iri(match.implementing_doc, match.implementing_task)
        their = task_iri(match.implemented_doc, match.implemented_task)
        graph.add((own, pkg.answersTask, their))
        node = match_iri(match)
        graph.add((node, RDF.type, pkg.CascadeMatch))
        graph.add((node, pkg.implementingTask, own))
        graph.add((node, pkg.implementedTask, their))
        graph.add((node, pkg.matchScore, Literal(match.score, datatype=XSD.decimal)))
    return graph


def database_rows(
    rankings: Iterable[BodyRank], matches: Iterable[TaskMatch]
) -> dict[str, list[dict[str, Any]]]:
    """Parameters of the analysis write queries: ``bodies`` (properties), ``answers`` (links)."""
    bodies = [
        {"name": r.body, "iri": str(body_iri(r.body)), "degree": r.degree, "strength": r.strength,
         "betweenness": r.betweenness}
        for r in rankings
    ]
    answers = [
        {"from_doc": m.implementing_doc, "from_task": m.implementing_task,
         "from_iri": str(task_iri(m.implementing_doc, m.implementing_task)),
         "to_doc": m.implemented_doc, "to_task": m.implemented_task,
         "to_iri": str(task_iri(m.implemented_doc, m.implemented_task)),
         "score": m.score}
        for m in matches
    ]
    return {"bodies": bodies, "answers": answers}
