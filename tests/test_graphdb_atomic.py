"""A document loads all or nothing, on the real seed documents (FalkorDB: staging + fused commit).

The seed documents are loaded; then a changed version of the largest one is loaded with a fault
injected part-way. Right after the failed call (no rerun) the graph must equal the committed
state; a rerun then loads the new version, and loading again changes nothing.
"""

from __future__ import annotations

import shutil

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from pipeline.errors import DatabaseError
from pipeline.graphdb.falkordb.codec import FIELD_SEPARATOR, ROW_SEPARATOR
from pipeline.graphdb.falkordb.staging import prepare_document
from pipeline.graphdb.falkordb.writer import purge_pending
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.mapping import read_document

pytestmark = pytest.mark.integration

CHANGED_DOC = "003_e14da291fa1a9871.0"  # 408 nodes; shares 国务院 and other bodies with the rest
SHARED_BODY = URIRef("https://w3id.org/policykg/id/body/国务院")
NEW_LABEL = "TestOrgan"
NEW_ALIAS = "测试别名"
ONTOLOGY = Namespace("https://w3id.org/policykg/ontology#")
PENDING = "ENDS WITH '@pending'"


def _changed_version(path) -> tuple[str, set[str]]:
    """The document's Turtle with a shared body changed (new alias, new type), its title changed
    and its first 20 mentions dropped; returns the Turtle and the dropped uris."""
    graph = Graph().parse(path, format="turtle")
    assert (SHARED_BODY, None, None) in graph, "the seed document no longer states 国务院"
    graph.add((SHARED_BODY, SKOS.altLabel, Literal(NEW_ALIAS, lang="zh")))
    graph.add((SHARED_BODY, RDF.type, ONTOLOGY[NEW_LABEL]))
    mentions = sorted(str(s) for s in graph.subjects(RDF.type, ONTOLOGY.Mention))[:20]
    for uri in mentions:
        graph.remove((URIRef(uri), None, None))
        graph.remove((None, None, URIRef(uri)))
    for document in graph.subjects(RDF.type, ONTOLOGY.PolicyDocument):
        if str(document).endswith(CHANGED_DOC):
            graph.set((document, DCTERMS.title, Literal("改过的标题", lang="zh")))
    return graph.serialize(format="turtle"), set(mentions)


def _snapshot(conn) -> dict:
    """Every node (labels, properties), relationship (with docs) and load record, comparable."""
    with conn.session() as session:
        nodes = {
            r["uri"]: (sorted(r["labels"]), r["props"])
            for r in session.run(
                "MATCH (n:Resource) "
                "RETURN n.uri AS uri, labels(n) AS labels, properties(n) AS props"
            )
        }
        rels = sorted(
            (r["a"], r["t"], r["b"], r["docs"])
            for r in session.run(
                "MATCH (a:Resource)-[r]->(b:Resource) "
                "RETURN a.uri AS a, type(r) AS t, b.uri AS b, r.docs AS docs"
            )
        )
        records = session.run("MATCH (m:PolicykgLoad) RETURN m.doc AS doc, m.sha256 AS sha")
        loads = sorted((r["doc"], r["sha"]) for r in records)
    return {"nodes": nodes, "relationships": rels, "loads": loads}


def _leftovers(conn) -> dict[str, int]:
    """Rows tagged ``*@pending`` and stage nodes (all must be 0 outside a load)."""
    queries = {
        "pending nodes": f"MATCH (n:Resource) WHERE any(d IN n.docs WHERE d {PENDING}) RETURN count(n) AS c",
        "pending relationships": f"MATCH ()-[r]->() WHERE any(d IN r.docs WHERE d {PENDING}) RETURN count(r) AS c",
        "stage nodes": "MATCH (s:PolicykgStage) RETURN count(s) AS c",
    }
    with conn.session() as session:
        return {name: session.run(text).single()["c"] for name, text in queries.items()}


@pytest.fixture
def seed_files(graph, seed_docs, tmp_path):
    """The seed documents loaded; returns (files, the changed version of CHANGED_DOC's files)."""
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir()
    files = {doc: shutil.copy(path, docs_dir / path.name) for doc, path in seed_docs.items()}
    assert CHANGED_DOC in files, sorted(files)
    load_documents(graph, files)
    changed_dir = tmp_path / "changed"
    changed_dir.mkdir()
    changed = dict(files)
    text, dropped = _changed_version(files[CHANGED_DOC])
    changed[CHANGED_DOC] = changed_dir / f"{CHANGED_DOC}.ttl"
    changed[CHANGED_DOC].write_text(text, encoding="utf-8")
    return files, changed, dropped


def _raise_on(index: int):
    """A statement hook raising on its ``index``-th statement (1-based)."""
    seen = []

    def hook(statement):
        seen.append(statement)
        if len(seen) == index:
            raise RuntimeError("injected fault")

    hook.seen = seen
    return hook


def _rejected_on(index: int):
    """A statement hook that makes the server reject its ``index``-th statement: every row's uri
    prefix index out of range, so a staged node's uri is null (FalkorDB refuses to MERGE on it)."""
    seen = []

    def hook(statement):
        seen.append(statement)
        if len(seen) == index:
            for key, rows in statement.params.items():
                if key.startswith("rows"):
                    rows = rows.split(ROW_SEPARATOR)
                    broken = ["99999" + row[row.index(FIELD_SEPARATOR) :] for row in rows]
                    statement.params[key] = ROW_SEPARATOR.join(broken)

    hook.seen = seen
    return hook


def _expected_counts(files: dict) -> tuple[int, int]:
    """Distinct nodes and relationships of the documents, from the mapping alone."""
    nodes, rels = set(), set()
    for doc, path in files.items():
        pg = read_document(path, doc)
        nodes |= {n.uri for n in pg.nodes}
        rels |= set(pg.relationships)
    return len(nodes), len(rels)


def _staging_statements(graph, path) -> int:
    pg = read_document(path, CHANGED_DOC)
    prepared = prepare_document(CHANGED_DOC, "x", pg, 500, replacing=True)
    return len(prepared.statements)


@pytest.mark.parametrize(
    ("make_fault", "error"),
    [
        (lambda n: _raise_on(3), RuntimeError),  # mid-staging, raised client-side
        (lambda n: _rejected_on(3), DatabaseError),  # mid-staging, rejected by the server
        (lambda n: _raise_on(n + 1), RuntimeError),  # everything staged, the commit not sent
    ],
    ids=["hook-raises-mid-staging", "server-rejects-mid-staging", "fault-before-commit"],
)
def test_load_fault_mid_document_leaves_committed_state(graph, seed_files, make_fault, error):
    _files, changed, _dropped = seed_files
    staging = _staging_statements(graph, changed[CHANGED_DOC])
    assert staging >= 4, "the document must take several statements for the fault to be mid-way"
    before, counts = _snapshot(graph), graph.counts()
    fault = make_fault(staging)

    with pytest.raises(error):
        load_documents(graph, changed, on_statement=fault)

    assert len(fault.seen) in {3, staging + 1}  # the fault did fire where intended
    assert _leftovers(graph) == {"pending nodes": 0, "pending relationships": 0, "stage nodes": 0}
    assert graph.counts() == counts
    assert _snapshot(graph) == before  # properties, labels, docs and load records as committed


def test_load_rerun_after_fault_loads_new_version_once(graph, seed_files):
    files, changed, dropped = seed_files
    before_counts = graph.counts()
    with pytest.raises(RuntimeError):
        load_documents(graph, changed, on_statement=_raise_on(3))

    summary = load_documents(graph, changed)

    assert summary.loaded == (CHANGED_DOC,) and summary.removed == ()
    with graph.session() as session:
        body = session.run(
            "MATCH (b:Resource {uri: $uri}) "
            "RETURN labels(b) AS labels, b.altLabel AS alt, b.docs AS docs",
            {"uri": str(SHARED_BODY)},
        ).single()
        title = session.run(
            "MATCH (d:PolicyDocument) WHERE d.uri ENDS WITH $doc RETURN d.title AS t",
            {"doc": CHANGED_DOC},
        ).single()["t"]
        kept = session.run(
            "MATCH (n:Resource) WHERE n.uri IN $uris RETURN count(n) AS c",
            {"uris": sorted(dropped)},
        ).single()["c"]
    assert NEW_LABEL in body["labels"] and NEW_ALIAS in body["alt"]
    assert CHANGED_DOC in body["docs"] and len(body["docs"]) > 1  # still shared with others
    assert title == "改过的标题"
    assert kept == 0  # mentions only the old version stated are gone
    assert before_counts == _expected_counts(files)
    assert graph.counts() == _expected_counts(changed)
    assert graph.counts()[0] <= before_counts[0] - len(dropped)
    after = _snapshot(graph)
    again = load_documents(graph, changed)
    assert again.loaded == () and len(again.unchanged) == len(changed)
    assert _snapshot(graph) == after


def test_staging_leaves_committed_nodes_as_readers_saw_them(graph, seed_files):
    _files, changed, _dropped = seed_files
    before = _snapshot(graph)["nodes"]
    observed = {}

    def inspect_before_commit(statement):
        if "PolicykgLoad" in statement.text:  # the commit, about to be sent
            observed["nodes"] = _snapshot(graph)["nodes"]
            observed["leftovers"] = _leftovers(graph)

    load_documents(graph, changed, on_statement=inspect_before_commit)

    staged = observed["leftovers"]
    assert staged["pending nodes"] > 0 and staged["stage nodes"] > 0  # the shadow path was used
    for uri, (labels, props) in before.items():
        now_labels, now_props = observed["nodes"][uri]
        committed_docs = [d for d in now_props["docs"] if not d.endswith("@pending")]
        assert now_labels == labels, uri
        assert {**now_props, "docs": committed_docs} == props, uri


def test_load_purges_leftover_staging_first(graph, seed_files):
    files, changed, _dropped = seed_files
    before = _snapshot(graph)
    pg = read_document(changed[CHANGED_DOC], CHANGED_DOC)
    prepared = prepare_document(CHANGED_DOC, "x", pg, 500, replacing=True)
    with graph.session() as session:  # a staging whose loader died before it could commit
        for statement in prepared.statements[:-1]:
            session.run(statement.text, statement.params).consume()
    assert _leftovers(graph)["pending nodes"] > 0

    summary = load_documents(graph, files)

    assert summary.loaded == () and len(summary.unchanged) == len(files)
    assert _leftovers(graph) == {"pending nodes": 0, "pending relationships": 0, "stage nodes": 0}
    assert _snapshot(graph) == before
    assert purge_pending(graph) == ()
