"""Mapping, dialect, server and loader tests (unit on small Turtle; integration on the seeds)."""

from __future__ import annotations

import re
import shutil

import pytest
from rdflib import Graph

from pipeline.errors import DatabaseError
from pipeline.graphdb import server
from pipeline.graphdb.dialect import Statement, fuse, quote_name
from pipeline.graphdb.load import graph_counts, load_documents
from pipeline.graphdb.mapping import map_graph

SMALL_TTL = """
@prefix ex: <http://example.org/onto#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/id/task/1> a ex:Task ; ex:heading "筑牢基层服务网底"@zh ; ex:ordinal 3 ;
    ex:hasTarget <http://example.org/id/target/1> .
<http://example.org/id/target/1> a ex:Target ; ex:targetValue "65.0"^^xsd:decimal ;
    ex:unit "%" ; ex:measures <http://example.org/id/indicator/1> .
<http://example.org/id/body/1> a ex:Body, ex:Department ; skos:prefLabel "某市卫生健康委员会"@zh ;
    skos:altLabel "卫生健康委"@zh .
"""


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_mapping_labels_properties_relationships():
    pg = map_graph(_graph(SMALL_TTL), "d1")
    nodes = {n.uri: n for n in pg.nodes}
    body = nodes["http://example.org/id/body/1"]
    assert body.labels == ("Body", "Department", "Resource")
    assert body.props == {"prefLabel": "某市卫生健康委员会", "altLabel": ["卫生健康委"]}
    target = nodes["http://example.org/id/target/1"]
    assert target.props["targetValue"] == 65.0
    assert nodes["http://example.org/id/task/1"].props["ordinal"] == 3
    # an object IRI with no triples of its own still becomes a node
    assert nodes["http://example.org/id/indicator/1"].labels == ("Resource",)
    assert {(r.type, r.end.rsplit("/", 2)[-2]) for r in pg.relationships} == {
        ("hasTarget", "target"),
        ("measures", "indicator"),
    }


def test_mapping_is_deterministic():
    assert map_graph(_graph(SMALL_TTL), "d1") == map_graph(_graph(SMALL_TTL), "d1")


@pytest.mark.parametrize("name", ["Task", "has_Target", "a1"])
def test_quote_name_accepts_identifiers(name):
    assert quote_name(name) == f"`{name}`"


@pytest.mark.parametrize("name", ["a`b", "x y", "中文", "1a", ""])
def test_quote_name_rejects_anything_else(name):
    with pytest.raises(ValueError):
        quote_name(name)


def test_fuse_renames_parameters_per_part():
    fused = fuse([Statement("MATCH (n {k: $doc}) SET n.x = 1", {"doc": "a"}),
                  Statement("MERGE (m {k: $doc})", {"doc": "b"})])  # fmt: skip
    assert fused.params == {"p0_doc": "a", "p1_doc": "b"}
    assert "$doc" not in fused.text and "$p1_doc" in fused.text


def _write_docs(settings, texts: dict[str, str]) -> dict:
    docs_dir = settings.path(settings.graph_dir) / "docs"
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    files = {}
    for doc, text in texts.items():
        path = docs_dir / f"{doc}.ttl"
        path.write_text(text, encoding="utf-8")
        files[doc] = path
    return files


DOC_B = """
@prefix ex: <http://example.org/onto#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/id/task/2> a ex:Task ; ex:heading "另一任务"@zh ;
    ex:leadBody <http://example.org/id/body/1> .
<http://example.org/id/body/1> a ex:Body ; skos:prefLabel "某市卫生健康委员会"@zh .
"""


@pytest.mark.integration
def test_server_reports_taken_port(graph_server):
    taken = graph_server.with_overrides(db_dir=graph_server.root / "other_db")
    with pytest.raises(DatabaseError, match="already taken"):
        server.start(taken)


@pytest.mark.integration
def test_load_twice_is_idempotent(graph, graph_server):
    files = _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    first = load_documents(graph, files)
    assert first.loaded == ("a.0", "b.0")
    counts = graph_counts(graph)
    again = load_documents(graph, files)
    assert again.unchanged == ("a.0", "b.0") and graph_counts(graph) == counts
    assert counts == (5, 3)


@pytest.mark.integration
def test_removed_document_disappears_but_shared_body_stays(graph, graph_server):
    files = _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    load_documents(graph, files)
    summary = load_documents(graph, {"b.0": files["b.0"]})
    assert summary.removed == ("a.0",)
    with graph.session() as s:
        uris = {r["u"] for r in s.run("MATCH (n:Resource) RETURN n.uri AS u")}
        docs = s.run("MATCH (n:Body) RETURN n.docs AS d").single()["d"]
    assert uris == {"http://example.org/id/task/2", "http://example.org/id/body/1"}
    assert docs == ["b.0"]


@pytest.mark.integration
def test_changed_document_is_replaced(graph, graph_server):
    files = _write_docs(graph_server, {"a.0": SMALL_TTL})
    load_documents(graph, files)
    files = _write_docs(graph_server, {"a.0": DOC_B})
    assert load_documents(graph, files).loaded == ("a.0",)
    assert graph_counts(graph) == (2, 1)


@pytest.mark.integration
def test_failure_mid_document_leaves_previous_state_and_rerun_completes(graph, graph_server):
    files = _write_docs(graph_server, {"a.0": SMALL_TTL})
    load_documents(graph, files)
    before = graph_counts(graph)
    files = _write_docs(graph_server, {"a.0": DOC_B})
    calls = []

    def fault(statement):
        calls.append(statement)
        if len(calls) == 3:  # after the purge and the first staged batch
            raise RuntimeError("injected fault")

    with pytest.raises(RuntimeError):
        load_documents(graph, files, on_statement=fault)
    with graph.session() as s:
        visible = s.run("MATCH (n:Resource) WHERE 'a.0' IN n.docs RETURN count(n) AS c").single()["c"]
    assert visible == before[0]  # the committed version is intact
    assert load_documents(graph, files).loaded == ("a.0",)
    assert graph_counts(graph) == (2, 1)


@pytest.mark.integration
def test_statements_are_constant_strings(graph, graph_server):
    files = _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    texts = []
    load_documents(graph, files, on_statement=lambda st: texts.append(st.text))
    assert texts
    for text in texts:
        assert not re.search(r"[\u4e00-\u9fff]", text)
        assert "example.org" not in text and "'" not in text


@pytest.mark.integration
def test_seed_documents_load(seed_graph):
    from pipeline.graphdb.connection import connect
    from pipeline.graphdb.load import clear_graph, load_graph

    with connect(seed_graph) as conn:
        clear_graph(conn)
    summary = load_graph(seed_graph)
    assert len(summary.loaded) >= 5 and summary.nodes > 500
    again = load_graph(seed_graph)
    assert (again.nodes, again.relationships) == (summary.nodes, summary.relationships)
