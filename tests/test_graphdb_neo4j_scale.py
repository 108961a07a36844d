"""Neo4j at the scale that used to fail: a node restated by hundreds of documents, and the bulk
first load (several documents per transaction) writing what the document-by-document load writes."""

from __future__ import annotations

import logging
import shutil

import pytest
from test_graphdb import _write_docs

from pipeline.graphdb import writer as writer_module
from pipeline.graphdb.dialect import Statement
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.server import connect

pytestmark = pytest.mark.integration

BODY = "http://example.org/id/body/shared"
#: Long keys, so that few documents make a ``docs`` list over the 8 KB a range index entry holds.
KEY = "a-fairly-long-document-key-as-a-province-would-have-{:04d}.0"
RESTATING = 250

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) RETURN a.uri AS a, type(r) AS type, properties(r) AS props, b.uri AS b"
)


def _restating(i: int, heading: str = "任务") -> str:
    """Document ``i``: its own task led by the shared body, which it restates."""
    return f"""
@prefix ex: <http://example.org/onto#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/id/task/{i}> a ex:Task ; ex:heading "{heading}{i}"@zh ;
    ex:leadBody <{BODY}> .
<{BODY}> a ex:Body ; skos:prefLabel "某市卫生健康委员会"@zh .
"""


def _dump(conn) -> tuple[list, list]:
    """Every node (labels, properties: ``docs`` and load records' ``uris`` in their order) and
    relationship, sorted."""
    with conn.session() as session:
        nodes = sorted(
            repr((sorted(r["labels"]), sorted(r["props"].items()))) for r in session.run(NODES)
        )
        rels = sorted(repr((r["a"], r["type"], sorted(r["props"].items()), r["b"]))
                      for r in session.run(RELATIONSHIPS))  # fmt: skip
    return nodes, rels


def _body_docs(conn) -> list[str]:
    with conn.session() as session:
        return session.run("MATCH (n {uri: $u}) RETURN n.docs AS d", {"u": BODY}).single()["d"]


@pytest.fixture
def neo4j_graph(neo4j_server):
    with connect(neo4j_server) as conn:
        conn.clear()
        yield conn


@pytest.mark.parametrize("bulk", [False, True], ids=["one-by-one", "bulk"])
def test_a_body_restated_by_hundreds_of_documents_loads_replaces_and_removes(
    neo4j_graph, neo4j_server, bulk
):
    texts = {KEY.format(i): _restating(i) for i in range(RESTATING)}
    files = _write_docs(neo4j_server, texts)
    summary = load_documents(neo4j_graph, files, bulk=bulk)
    assert len(summary.loaded) == RESTATING
    docs = _body_docs(neo4j_graph)
    assert docs == sorted(texts) and len("".join(docs).encode()) > 8192
    assert neo4j_graph.counts() == (RESTATING + 1, RESTATING)

    changed, gone = KEY.format(7), KEY.format(11)
    texts[changed] = _restating(7, heading="改写")
    del texts[gone]
    files = _write_docs(neo4j_server, texts)
    summary = load_documents(neo4j_graph, files)
    assert (summary.loaded, summary.removed) == ((changed,), (gone,))
    assert sorted(_body_docs(neo4j_graph)) == sorted(texts)
    assert neo4j_graph.counts() == (RESTATING, RESTATING - 1)
    with neo4j_graph.session() as session:
        headings = {r["h"] for r in session.run("MATCH (t:Task) RETURN t.heading AS h")}
        indexed = {r["p"][0] for r in session.run("SHOW INDEXES YIELD properties RETURN properties AS p")
                   if r["p"]}  # fmt: skip
    assert "改写7" in headings and "任务7" not in headings and "任务11" not in headings
    assert "docs" not in indexed and {"uri", "prefLabel", "doc"} <= indexed


def test_the_bulk_load_writes_what_the_document_loader_writes(
    neo4j_graph, seed_docs, tmp_path, monkeypatch
):
    files = dict(seed_docs)
    for doc, path in seed_docs.items():  # a copy under other keys restates every shared row
        shutil.copy(path, tmp_path / f"copy_{path.name}")
        files[f"copy_{doc}"] = tmp_path / f"copy_{path.name}"
    load_documents(neo4j_graph, files)
    one_by_one = _dump(neo4j_graph)
    neo4j_graph.clear()
    transactions = []
    real = writer_module.bulk_statements
    monkeypatch.setattr(writer_module, "BULK_ROWS", 1500)  # several transactions
    monkeypatch.setattr(writer_module, "bulk_statements",
                        lambda *args: transactions.append(1) or real(*args))  # fmt: skip
    load_documents(neo4j_graph, files, bulk=True)
    bulked = _dump(neo4j_graph)
    assert len(transactions) > 1
    assert len(bulked[0]) > 500 and any("copy_" in n and "', '" in n for n in bulked[0])
    assert one_by_one == bulked


def test_a_failed_bulk_transaction_ends_as_the_one_by_one_load_would(
    neo4j_graph, seed_docs, monkeypatch, caplog
):
    load_documents(neo4j_graph, dict(seed_docs))
    expected = _dump(neo4j_graph)
    neo4j_graph.clear()
    real = writer_module.bulk_statements

    def failing(documents, state, batch_size):
        statements, written = real(documents, state, batch_size)
        return [*statements, Statement("RETURN 1 / 0 AS boom", {})], written

    monkeypatch.setattr(writer_module, "bulk_statements", failing)
    with caplog.at_level(logging.WARNING):
        summary = load_documents(neo4j_graph, dict(seed_docs), bulk=True)
    assert len(summary.loaded) == len(seed_docs)
    assert "loading document by document" in caplog.text
    assert _dump(neo4j_graph) == expected


def test_a_load_record_without_its_node_list_gets_one(neo4j_graph, neo4j_server):
    """A database an older loader wrote (records without ``uris``) still replaces documents."""
    texts = {KEY.format(i): _restating(i) for i in range(3)}
    load_documents(neo4j_graph, _write_docs(neo4j_server, texts))
    with neo4j_graph.session() as session:
        session.run("MATCH (m:PolicykgLoad) REMOVE m.uris").consume()
    texts[KEY.format(1)] = _restating(1, heading="改写")
    load_documents(neo4j_graph, _write_docs(neo4j_server, texts))
    with neo4j_graph.session() as session:
        headings = sorted(r["h"] for r in session.run("MATCH (t:Task) RETURN t.heading AS h"))
        missing = session.run(
            "MATCH (m:PolicykgLoad) WHERE m.uris IS NULL RETURN count(m) AS n"
        ).single()["n"]
    assert headings == ["任务0", "任务2", "改写1"] and missing == 0
