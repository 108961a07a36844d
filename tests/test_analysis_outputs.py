"""Publishing the analysis of the seed documents: analysis.ttl (SHACL-checked) and the database.

The project root is built from data/raw through every stage (records, per-document graphs,
the merged N-Triples); the database tests load it into the session's local graph server.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from analysis_records import seed_corpus
from rdflib import Graph

from pipeline.analysis import analyse, run_analysis
from pipeline.analysis.corpus import load_corpus
from pipeline.analysis.outputs import ANALYSIS_TTL, check_analysis_graph
from pipeline.config import Engine, Settings
from pipeline.errors import AnalysisError, GraphBuildError
from pipeline.rdf import document_graph
from pipeline.rdf.export import export_merged, write_document_graph
from pipeline.rdf.iris import body_iri, task_iri
from pipeline.rdf.namespace import PK
from pipeline.store import record_path, write_json

ROOT = Path(__file__).resolve().parents[1]
HEALTH = "聊城市卫生健康委员会"
CITY_COUNTY_TASK = "全面推进紧密型县域医共体建设"
NATIONAL_COUNTY_TASK = "推进县域医共体建设"
OPINION_TITLE = "关于进一步完善医疗卫生服务体系的意见"


def _article(stem: str, title: str) -> str:
    """The seed article of raw file ``stem`` titled ``title``."""
    return next(
        d.doc_id
        for d in seed_corpus().relevant_documents()
        if d.doc_id.startswith(stem) and d.metadata.title == title
    )


@dataclass(frozen=True)
class SeedIds:
    city_plan: str
    opinion: str  # the whole 意见
    reprint: str  # a news page reprinting its first half


@pytest.fixture(scope="module")
def ids() -> SeedIds:
    return SeedIds(
        _article("003_", "聊城市进一步完善医疗卫生服务体系的实施方案"),
        _article("001_", OPINION_TITLE),
        _article("000_", OPINION_TITLE),
    )


def _section(doc_id: str, heading: str):
    """The task IRI of the section of ``doc_id`` headed ``heading``."""
    document = seed_corpus().document(doc_id)
    return task_iri(doc_id, next(s.section_id for s in document.sections if s.heading == heading))


def build_seed_project(root: Path) -> Path:
    """Fill ``root`` with the seed records, their graphs, the merged graph and data/raw."""
    corpus = seed_corpus()
    for doc in corpus.documents:
        write_json(record_path(root / "data/interim/documents", doc.doc_id), doc, indent=None)
        facts = corpus.facts_of(doc.doc_id)
        if facts is not None:
            write_document_graph(document_graph(doc, facts), doc.doc_id, root / "data/graph/docs")
    for facts in corpus.facts:
        write_json(record_path(root / "data/interim/facts", facts.doc_id), facts, indent=None)
    export_merged(Settings(root=root), jsonld=False)
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_project(tmp_path_factory.mktemp("analysis_project"))


@pytest.fixture(scope="module")
def summary(project: Path):
    return run_analysis(Settings(root=project), write_db=False)


# --------------------------------------------------------------------------- analysis.ttl


def test_run_analysis_writes_checked_turtle(project: Path, summary, ids: SeedIds) -> None:
    assert summary.turtle == project / "data" / "graph" / ANALYSIS_TTL
    assert summary.database is None
    graph = Graph().parse(summary.turtle, format="turtle")
    assert len(graph) == summary.triples > 0
    city_task = _section(ids.city_plan, CITY_COUNTY_TASK)
    assert graph.value(city_task, PK.answersTask) == _section(ids.opinion, NATIONAL_COUNTY_TASK)
    degrees = {s: int(o) for s, o in graph.subject_objects(PK.degree)}
    assert max(degrees, key=degrees.get) == body_iri(HEALTH)
    assert summary.bodies == len(degrees)


def test_run_analysis_names_the_reprint(summary, ids: SeedIds) -> None:
    assert summary.reprints == {ids.opinion: (ids.reprint,)}
    assert f"same document: {ids.opinion} also published as {ids.reprint}" in summary.lines()
    assert summary.document_links == 1


def test_analysis_turtle_links_only_the_representative_opinion(summary, ids: SeedIds) -> None:
    graph = Graph().parse(summary.turtle, format="turtle")
    targets = {str(o) for o in graph.objects(None, PK.answersTask)}
    opinion_tasks = str(task_iri(ids.opinion, "p1")).removesuffix("p1")
    assert targets and all(t.startswith(opinion_tasks) for t in targets)


def test_check_analysis_graph_passes_on_the_seeds(project: Path) -> None:
    settings = Settings(root=project)
    result = analyse(load_corpus(settings))
    from pipeline.analysis.export import analysis_graph

    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    before = set(graph)
    check = check_analysis_graph(graph, settings)
    assert check.violations == () and check.shapes == 4
    assert set(graph) == before  # the types and classes it was checked with are taken out again


def test_load_corpus_reads_sections_without_spans_and_shares_sentences(project: Path) -> None:
    corpus = load_corpus(Settings(root=project))
    sections = [s for d in corpus.documents for s in d.sections]
    assert sections and all(s.heading is not None for s in sections)
    assert all(s.paragraphs == () and s.sentences == () for s in sections)
    mentions = [m for f in corpus.facts for m in f.body_mentions]
    by_text: dict[str, list[int]] = {}
    for mention in mentions:
        by_text.setdefault(mention.provenance.sentence, []).append(id(mention.provenance.sentence))
    assert any(len(ids) > 1 for ids in by_text.values())  # sentences naming several bodies
    assert all(len(set(ids)) == 1 for ids in by_text.values())  # one string per distinct text


def test_check_analysis_graph_flags_a_task_the_graph_lacks(project: Path, ids: SeedIds) -> None:
    graph = Graph()
    missing = task_iri(ids.city_plan, "p99.i9")
    graph.add((missing, PK.answersTask, _section(ids.opinion, NATIONAL_COUNTY_TASK)))
    before = set(graph)
    with pytest.raises(GraphBuildError, match="only a pk:Task of the built graph") as info:
        check_analysis_graph(graph, Settings(root=project))
    assert "p99.i9" in str(info.value)
    assert set(graph) == before


def test_the_analysis_check_reports_what_pyshacl_reports(project: Path) -> None:
    """The check's engine (pyshacl-turbo) against pySHACL itself, on the seeds' analysis graph
    with a violation of every analysis shape: the same verdict and the same report lines."""
    import pyshacl
    import pyshacl_turbo
    from rdflib import BNode, Literal
    from rdflib.namespace import RDF, XSD

    from pipeline.analysis.export import analysis_graph
    from pipeline.analysis.outputs import _violation_lines, analysis_shapes, check_context
    from pipeline.rdf.validate import load_shapes

    settings = Settings(root=project)
    result = analyse(load_corpus(settings))
    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    body = next(graph.subjects(PK.degree, None))
    task = next(graph.objects(None, PK.answersTask))
    graph.add((body, PK.answersTask, body))  # a body answering a body
    graph.add((task, PK.degree, Literal(-1)))  # metrics on a task: negative, the rest missing
    match, pair = BNode(), BNode()
    graph.add((match, RDF.type, PK.CascadeMatch))  # no implementing task, scores out of range
    graph.add((match, PK.implementedTask, body))
    graph.add((match, PK.matchScore, Literal("1.5", datatype=XSD.decimal)))
    graph.add((match, PK.headingScore, Literal("high")))
    graph.add((pair, RDF.type, PK.CoordinationPair))  # one member, no strength, shared tasks 0
    graph.add((pair, PK.pairMember, body))
    graph.add((pair, PK.sharedTasks, Literal(0)))
    graph += check_context(graph, settings)
    shapes = analysis_shapes(load_shapes(settings))

    ours, our_results, _ = pyshacl_turbo.compile_shapes(shapes).validate(graph, allow_warnings=True)
    theirs, their_results, _ = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    lines = sorted(_violation_lines(our_results))
    assert not ours and not theirs
    assert lines == sorted(_violation_lines(their_results))
    messages = {line.rsplit(": ", 1)[1] for line in lines}
    assert {
        "only a pk:Task of the built graph can answer a task",
        "a task can only answer a pk:Task of the built graph",
        "network metrics must describe a pk:Body of the built graph",
        "a ranked body needs exactly one xsd:integer degree >= 0",
        "a cascade match needs exactly one implementing pk:Task of the built graph",
        "a cascade match needs exactly one xsd:decimal score in [0, 1]",
        "a coordination pair needs exactly two pk:Body members of the built graph",
        "a coordination pair needs exactly one xsd:integer count of shared tasks >= 1",
    } <= messages


def test_check_analysis_graph_needs_the_built_graph(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="no built graph"):
        check_analysis_graph(Graph(), Settings(root=tmp_path))


# --------------------------------------------------------------------------- the database


@pytest.fixture(scope="module")
def database(engine_server: Settings, project: Path):
    """Settings of the session's graph server (each engine) with the seeds loaded and analysed
    into it."""
    from pipeline.graphdb.load import load_graph
    from pipeline.graphdb.server import connect

    settings = engine_server.with_overrides(root=project)
    with connect(settings) as conn:
        conn.clear()
    load_graph(settings)
    summary = run_analysis(settings, write_db=True)
    return settings, summary


def _rows(settings: Settings, text: str, **params: object) -> list[dict]:
    from pipeline.graphdb.queries import run_cypher
    from pipeline.graphdb.server import connect

    with connect(settings) as conn:
        return run_cypher(conn, text, params)[1]


@pytest.mark.integration
def test_database_follows_answers_from_city_task_to_national_task(database, ids: SeedIds) -> None:
    settings, summary = database
    assert summary.database == (
        f"database: metrics on {summary.bodies}/{summary.bodies} bodies, "
        f"{summary.task_links}/{summary.task_links} ANSWERS links"
    )
    rows = _rows(
        settings,
        """
        MATCH (cd:PolicyDocument)-[:hasTask]->(c:Task {heading: $city})-[r:ANSWERS]->(n:Task)
        MATCH (nd:PolicyDocument)-[:hasTask]->(n)
        RETURN cd.documentId AS city_doc, n.heading AS national, nd.documentId AS national_doc,
               r.score AS score""",
        city=CITY_COUNTY_TASK,
    )
    assert [(r["city_doc"], r["national"], r["national_doc"]) for r in rows] == [
        (ids.city_plan, NATIONAL_COUNTY_TASK, ids.opinion)
    ]
    assert 0.5 <= rows[0]["score"] <= 1.0


@pytest.mark.integration
def test_database_city_commission_carries_network_metrics(database, project: Path) -> None:
    settings, _ = database
    rows = _rows(
        settings,
        """
        MATCH (b:Body) WHERE b.degree IS NOT NULL
        RETURN b.prefLabel AS body, b.degree AS degree, b.betweenness AS betweenness,
               b.coordinationStrength AS strength
        ORDER BY degree DESC, body""",
    )
    first = analyse(load_corpus(Settings(root=project))).rankings[0]
    assert rows[0] == {
        "body": HEALTH,
        "degree": first.degree,
        "betweenness": first.betweenness,
        "strength": first.strength,
    }
    assert rows[0]["degree"] > rows[1]["degree"] and rows[0]["betweenness"] > 0


@pytest.mark.integration
def test_goal_cascade_query_follows_national_goals_to_city_targets(database, ids: SeedIds) -> None:
    from pipeline.graphdb.queries import get_query, run_query
    from pipeline.graphdb.server import connect

    settings, summary = database
    query = get_query(Settings(root=ROOT), "goal_cascade")
    with connect(settings) as conn:
        rows = run_query(conn, query, {})[1]
    answered = [r for r in rows if r["implementing_task"] is not None]
    assert len(answered) == summary.task_links
    county = next(r for r in answered if r["goal"] == NATIONAL_COUNTY_TASK)
    assert (
        county["national_id"],
        county["implementing_id"],
        county["implementing_task"],
        county["depth"],
    ) == (ids.opinion, ids.city_plan, CITY_COUNTY_TASK, 1)
    assert HEALTH in county["lead_bodies"]
    family = next(r for r in answered if r["goal"] == "健全家庭医生制度")
    assert family["implementing_task"] == "做实家庭医生签约服务"
    signed = {
        "indicator": "重点人群签约率",
        "comparator": "≥",
        "value": 90.0,
        "unit": "%",
        "deadline": "2025",
    }
    assert signed in family["targets"]
    # the reprint's copy of the 意见 answers nothing; its goals are listed unanswered
    assert not any(r["national_id"] == ids.reprint for r in answered)
    assert any(r["national_id"] == ids.reprint for r in rows)
    assert rows[: len(answered)] == answered  # answered goals first


@pytest.mark.integration
def test_write_analysis_batches_fit_the_server_message_limit(database, project: Path) -> None:
    from pipeline.analysis.database import write_analysis
    from pipeline.analysis.export import database_rows
    from pipeline.graphdb.dialect import Dialect

    settings, summary = database
    loose = analyse(load_corpus(Settings(root=project)), threshold=0.3)  # more links
    rows = database_rows(loose.rankings, loose.task_links)
    answers_bytes = len(json.dumps(rows["answers"], ensure_ascii=False).encode("utf-8"))
    assert answers_bytes > Dialect.FALKORDB.max_message_bytes  # one batch would crash the server
    sent = []
    falkordb = settings.engine is Engine.FALKORDB
    try:
        write_analysis(settings, rows, on_statement=sent.append)
        sizes = [len(json.dumps(s.params, ensure_ascii=False).encode("utf-8")) for s in sent]
        assert max(sizes) <= (Dialect.FALKORDB if falkordb else Dialect.NEO4J).max_message_bytes
        assert sum(1 for s in sent if "ANSWERS" in s.text and s.params) >= (2 if falkordb else 1)
        count = _rows(settings, "MATCH (:Task)-[r:ANSWERS]->(:Task) RETURN count(r) AS n")
        assert count == [{"n": len(loose.task_links)}]  # all written, the old ones dropped
    finally:
        run_analysis(settings, write_db=True)
    count = _rows(settings, "MATCH (:Task)-[r:ANSWERS]->(:Task) RETURN count(r) AS n")
    assert count == [{"n": summary.task_links}]  # rewritten, not doubled


@pytest.mark.integration
def test_analysis_statements_find_their_nodes_through_the_uri_index(database) -> None:
    """A label scan per row made the write quadratic: 10 000 bench files took over half an hour."""
    from pipeline.analysis.database import cypher
    from pipeline.graphdb.falkordb.staging import FALKORDB_GRAPH

    settings, _ = database
    if settings.engine is Engine.NEO4J:
        from pipeline.graphdb.load import load_graph
        from pipeline.graphdb.server import connect

        # plans follow the graph's statistics: plan against the loaded seed graph (tests on other
        # modules may have emptied the session's server since this module loaded it)
        load_graph(settings)
        with connect(settings) as conn, conn.session() as session:
            for name in ("write_answers", "write_body_metrics"):
                text = "CYPHER replan=force EXPLAIN " + cypher(name)
                plan = str(session.run(text, {"rows": []}).consume().plan)
                operators = re.findall(r"'operatorType': '([A-Za-z]+)", plan)
                assert "NodeUniqueIndexSeek" in operators and "NodeByLabelScan" not in operators, (
                    name,
                    operators,
                )
        return
    from pipeline.graphdb.falkordb.server import redis_client

    client = redis_client(settings)
    for name in ("write_answers", "write_body_metrics"):
        text = cypher(name).replace("$rows", '[{from_iri: "a", to_iri: "b", iri: "c"}]')
        plan = [
            line.decode() for line in client.execute_command("GRAPH.EXPLAIN", FALKORDB_GRAPH, text)
        ]
        assert any("Node By Index Scan" in line for line in plan), (name, plan)
        assert not any("Label Scan" in line for line in plan), (name, plan)
