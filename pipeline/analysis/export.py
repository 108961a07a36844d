"""Analysis results as RDF (``data/graph/analysis.ttl``) and as rows for the graph database.

Bodies and tasks are named with the IRIs of the RDF build (``pipeline.rdf.iris``), so the
analysis triples join the main graph: ``pk:degree`` / ``pk:betweenness`` /
``pk:coordinationStrength`` on bodies, a reified ``pk:CoordinationPair`` per linked pair, and
``pk:answersTask`` from a task to the task of the implemented document it answers (with a
``pk:CascadeMatch`` carrying the scores). Every term is declared in ``ontology/policykg.ttl``
and checked by the shapes of ``ontology/shapes.ttl`` (see :mod:`pipeline.analysis.outputs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef

from pipeline.analysis.cascade import TaskMatch
from pipeline.analysis.network import BodyRank, CoordinationPair
from pipeline.rdf.iris import body_iri, iri_segment, task_iri
from pipeline.rdf.namespace import ID_BASE, PK, PREFIXES
from pipeline.store import record_stem

#: The ontology terms the analysis states (what its shapes in ``ontology/shapes.ttl`` target).
ANALYSIS_TERMS = frozenset(
    {
        PK.CoordinationPair,
        PK.CascadeMatch,
        PK.degree,
        PK.betweenness,
        PK.coordinationStrength,
        PK.sharedTasks,
        PK.pairMember,
        PK.answersTask,
        PK.implementingTask,
        PK.implementedTask,
        PK.matchScore,
        PK.headingScore,
        PK.targetScore,
    }
)


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


def _decimal(value: float) -> Literal:
    """An ``xsd:decimal`` literal in plain notation (``1e-05`` is not a decimal lexical form).

    >>> str(_decimal(0.00001)), str(_decimal(2.0))
    ('0.00001', '2.0')
    """
    text = f"{value:.6f}".rstrip("0")
    return Literal(text + "0" if text.endswith(".") else text, datatype=XSD.decimal)


def analysis_graph(
    rankings: Iterable[BodyRank], pairs: Iterable[CoordinationPair], matches: Iterable[TaskMatch]
) -> Graph:
    """The analysis results as an rdflib graph (deterministic triples)."""
    graph = Graph(bind_namespaces="none")
    for prefix in ("pk", "xsd", "rdf"):
        graph.bind(prefix, PREFIXES[prefix])
    for rank in rankings:
        body = body_iri(rank.body)
        graph.add((body, PK.degree, Literal(rank.degree, datatype=XSD.integer)))
        graph.add((body, PK.coordinationStrength, _decimal(rank.strength)))
        graph.add((body, PK.betweenness, _decimal(rank.betweenness)))
    for pair in pairs:
        node = pair_iri(pair)
        graph.add((node, RDF.type, PK.CoordinationPair))
        graph.add((node, PK.pairMember, body_iri(pair.first)))
        graph.add((node, PK.pairMember, body_iri(pair.second)))
        graph.add((node, PK.coordinationStrength, _decimal(pair.strength)))
        graph.add((node, PK.sharedTasks, Literal(pair.shared_tasks, datatype=XSD.integer)))
    for match in matches:
        own = task_iri(match.implementing_doc, match.implementing_task)
        their = task_iri(match.implemented_doc, match.implemented_task)
        graph.add((own, PK.answersTask, their))
        node = match_iri(match)
        graph.add((node, RDF.type, PK.CascadeMatch))
        graph.add((node, PK.implementingTask, own))
        graph.add((node, PK.implementedTask, their))
        graph.add((node, PK.matchScore, _decimal(match.score)))
        graph.add((node, PK.headingScore, _decimal(match.heading_score)))
        if match.target_score is not None:
            graph.add((node, PK.targetScore, _decimal(match.target_score)))
    return graph


def database_rows(
    rankings: Iterable[BodyRank], matches: Iterable[TaskMatch]
) -> dict[str, list[dict[str, Any]]]:
    """Parameters of the analysis write queries (``resources/analysis/write_*.cypher``):
    ``bodies`` (node IRI and metrics) and ``answers`` (the two task IRIs and the score). Only
    what the statements use, as FalkorDB takes about 4 KB per statement."""
    bodies = [
        {
            "iri": str(body_iri(r.body)),
            "degree": r.degree,
            "strength": r.strength,
            "betweenness": r.betweenness,
        }
        for r in rankings
    ]
    answers = [
        {
            "from_iri": str(task_iri(m.implementing_doc, m.implementing_task)),
            "to_iri": str(task_iri(m.implemented_doc, m.implemented_task)),
            "score": m.score,
        }
        for m in matches
    ]
    return {"bodies": bodies, "answers": answers}
