"""Where the analysis leaves the process: ``data/graph/analysis.ttl`` and the graph database.

``analysis.ttl`` refers to bodies and tasks of the built graph by their IRIs. Before it is
written it is checked with the SHACL shapes of ``ontology/shapes.ttl`` that target what it
states (metrics on bodies, coordination pairs, ANSWERS links, cascade matches), together with
the ``rdf:type`` of every node it refers to, read from the merged ``data/graph/policykg.nt`` in
one streaming pass: a metric on a body or a link to a task that the built graph does not have
is a violation, not a silent dangling IRI. (The built graph itself was checked by the build.)

:func:`run_analysis` is what the pipeline runner calls after loading the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Graph, URIRef

from pipeline.analysis import Analysis, analyse
from pipeline.analysis.cascade import DEFAULT_THRESHOLD
from pipeline.analysis.corpus import Corpus, load_corpus
from pipeline.analysis.export import ANALYSIS_TERMS, analysis_graph, database_rows
from pipeline.config import Settings
from pipeline.errors import AnalysisError, GraphBuildError
from pipeline.rdf.export import MERGED_STEM
from pipeline.rdf.namespace import ONTOLOGY_IRI, RDF, RDFS, SH
from pipeline.rdf.validate import load_ontology, load_shapes

log = logging.getLogger(__name__)

ANALYSIS_TTL = "analysis.ttl"
MERGED_NT = f"{MERGED_STEM}.nt"
_TYPE = f" <{RDF.type}> ".encode()
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


@dataclass(frozen=True)
class AnalysisSummary:
    """What :func:`run_analysis` did; ``database`` is None when the database was not written."""

    turtle: Path
    triples: int
    bodies: int
    pairs: int
    document_links: int
    task_links: int
    reprints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    database: str | None = None

    def lines(self) -> list[str]:
        """The summary in words, one line each (for the CLI and the run summary)."""
        lines = [
            (
                f"analysis: {self.bodies} bodies ranked, {self.pairs} coordinating pairs, "
                f"{self.task_links} cascade links under {self.document_links} implementation links"
            ),
            f"wrote {self.turtle} ({self.triples} triples, SHACL: 0 violations)",
        ]
        lines += [
            f"same document: {doc_id} also published as {', '.join(others)}"
            for doc_id, others in self.reprints.items()
        ]
        if self.database:
            lines.append(self.database)
        return lines


# --------------------------------------------------------------------------- checking


def referenced_nodes(graph: Graph) -> set[URIRef]:
    """IRIs ``graph`` refers to without describing them (bodies and tasks of the built graph)."""
    own = set(graph.subjects(RDF.type, None))
    nodes = {n for triple in graph for n in (triple[0], triple[2]) if isinstance(n, URIRef)}
    return {n for n in nodes - own if not str(n).startswith(ONTOLOGY_IRI)}


def type_triples(merged_nt: Path, nodes: Iterable[URIRef]) -> Graph:
    """The ``rdf:type`` triples of ``nodes`` in a merged N-Triples file (one streaming pass)."""
    if not merged_nt.is_file():
        raise AnalysisError(
            f"{merged_nt}: no built graph to check the analysis against",
            hint="run `policykg run` (or `make graph`) first",
        )
    wanted = {f"<{node}>".encode() for node in nodes}
    lines = []
    with merged_nt.open("rb") as stream:  # bytes: most lines are passed over, none decoded
        for line in stream:
            if _TYPE in line:
                subject, _, _ = line.partition(_TYPE)
                if subject in wanted:
                    lines.append(line)
    return Graph().parse(data=b"".join(lines).decode("utf-8"), format="nt")


def analysis_shapes(shapes: Graph) -> Graph:
    """The node shapes of ``shapes`` that target analysis terms, with their property shapes."""
    selected = Graph()
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):  # type: ignore[type-var]
        targets = {o for p in _TARGETS for o in shapes.objects(shape, p)}
        if targets & ANALYSIS_TERMS:
            selected += shapes.cbd(shape)
    return selected


@dataclass(frozen=True)
class AnalysisCheck:
    """The SHACL check of an analysis graph: the shapes applied, the triples checked, failures."""

    shapes: int
    triples: int
    violations: tuple[str, ...]


def check_context(graph: Graph, settings: Settings) -> Graph:
    """What the analysis shapes read besides ``graph``: the types of the built graph's nodes it
    refers to, and the ontology's class hierarchy."""
    context = type_triples(settings.path(settings.graph_dir) / MERGED_NT, referenced_nodes(graph))
    for triple in load_ontology(settings).triples((None, RDFS.subClassOf, None)):
        context.add(triple)
    return context


def check_analysis_graph(graph: Graph, settings: Settings) -> AnalysisCheck:
    """Validate ``graph`` with the analysis shapes and the types of the nodes it refers to.

    The engine is pyshacl-turbo, as for the documents (:mod:`pipeline.rdf.validate`): pySHACL's
    verdicts and report graph (``tests/test_analysis_outputs.py`` compares the report lines of
    both on a violation of every analysis shape), 0.6 s instead of 1.5 s on the bench corpus'
    analysis.

    Raises:
        AnalysisError: there is no built graph (``policykg.nt``) to check against.
        GraphBuildError: a shape is violated; the message gives the count and the first one.
    """
    import pyshacl_turbo

    shapes = analysis_shapes(load_shapes(settings))
    # The shapes read the analysis triples with the types of the nodes they refer to and the
    # class hierarchy. Those are added to ``graph`` for the check and taken out again, rather
    # than ``graph`` copied: it grows with the cascade links (150 000 triples at 10 000 files).
    added = [triple for triple in check_context(graph, settings) if triple not in graph]
    for triple in added:
        graph.add(triple)
    try:
        _, results, _ = pyshacl_turbo.compile_shapes(shapes).validate(graph, allow_warnings=True)
    finally:
        for triple in added:
            graph.remove(triple)
    violations = tuple(sorted(_violation_lines(results)))
    check = AnalysisCheck(len(set(shapes.subjects(RDF.type, SH.NodeShape))), len(graph), violations)
    if violations:
        raise GraphBuildError(
            f"{ANALYSIS_TTL} does not conform to the shapes: {len(violations)} violation(s); "
            f"first: {violations[0]}",
            hint="rebuild the graph with `policykg run`, then rerun `policykg analyze`",
        )
    return check


def _violation_lines(results: Graph) -> Iterable[str]:
    """One line per SHACL result: focus node, path, offending value and message."""
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage) or "constraint not satisfied"
        where = f" {path.n3()}" if path is not None else ""
        what = f" {value.n3()}" if value is not None and value != focus else ""
        yield f"{focus.n3() if focus is not None else '?'}{where}{what}: {message}"


# --------------------------------------------------------------------------- writing


def write_analysis_turtle(settings: Settings, result: Analysis) -> tuple[Path, int]:
    """Check and write ``data/graph/analysis.ttl``; returns its path and triple count."""
    from pipeline.rdf.export import ntriples_text, turtle_from_ntriples
    from pipeline.store import atomic_write_text

    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    check_analysis_graph(graph, settings)
    path = settings.path(settings.graph_dir) / ANALYSIS_TTL
    atomic_write_text(path, turtle_from_ntriples(ntriples_text(graph)))
    log.info("wrote %s (%d triples)", path, len(graph))
    return path, len(graph)


def write_analysis_rows(settings: Settings, result: Analysis) -> Path:
    """``data/graph/analysis_rows.json``: what the database write sends, for the graph exports
    (:mod:`pipeline.graphdb.export`) to include."""
    import json

    from pipeline.graphdb.export import ANALYSIS_ROWS
    from pipeline.store import atomic_write_text

    path = settings.path(settings.graph_dir) / ANALYSIS_ROWS
    rows = database_rows(result.rankings, result.task_links)
    atomic_write_text(path, json.dumps(rows, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def write_analysis_database(settings: Settings, result: Analysis) -> str:
    """Write the metrics and ANSWERS links into the graph database; returns what it did."""
    from pipeline.analysis.database import write_analysis

    return write_analysis(settings, database_rows(result.rankings, result.task_links))


def summarise(
    result: Analysis, turtle: Path, triples: int, database: str | None
) -> AnalysisSummary:
    """The :class:`AnalysisSummary` of a published analysis."""
    return AnalysisSummary(
        turtle=turtle,
        triples=triples,
        bodies=len(result.rankings),
        pairs=len(result.pairs),
        document_links=len(result.document_links),
        task_links=len(result.task_links),
        reprints=dict(result.reprints.groups),
        database=database,
    )


def run_analysis(
    settings: Settings, *, write_db: bool, threshold: float = DEFAULT_THRESHOLD
) -> AnalysisSummary:
    """Analyse the built records, write ``analysis.ttl`` (SHACL-checked) and, with ``write_db``,
    the body metrics and ANSWERS links in the database.

    Args:
        settings: paths and the graph server; reads ``data/interim/{documents,facts}`` and
            ``data/graph/policykg.nt``, so run it after the build (and after the load when
            ``write_db``: the links join nodes the load wrote).
        write_db: also write into the graph database.
        threshold: minimum cascade score of a task link.

    Returns:
        An :class:`AnalysisSummary`. Raises ``AnalysisError`` (no records or no built graph),
        ``GraphBuildError`` (a SHACL violation: nothing is written) or ``DatabaseError``.
    """
    from pipeline.analysis.trace_index import records_fingerprint, write_trace_index

    fingerprint = records_fingerprint(settings.path(settings.interim_dir))
    result = analyse(load_corpus(settings), threshold)
    write_trace_index(settings, result.corpus, fingerprint)
    # What follows reads the results, not the records: the records are let go before the
    # analysis graph is built and checked, so the two never sit in memory together.
    result = replace(result, corpus=Corpus.of((), ()))
    turtle, triples = write_analysis_turtle(settings, result)
    write_analysis_rows(settings, result)
    database = write_analysis_database(settings, result) if write_db else None
    return summarise(result, turtle, triples, database)
