"""Mapping, statements, server and loader tests (unit on small Turtle; integration on the seeds)."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb import server
from pipeline.graphdb.dialect import Statement, quote_name
from pipeline.graphdb.falkordb import server as falkordb_server
from pipeline.graphdb.falkordb.driver import escape_parameters
from pipeline.graphdb.falkordb.staging import (
    MAX_STATEMENT_BYTES,
    pack,
    prepare_document,
    statement_bytes,
)
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.mapping import map_graph, read_document
from pipeline.graphdb.ports import bolt_answers
from pipeline.graphdb.statements import Part, batch_statements, document_statements

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
def test_start_on_a_running_server_is_a_no_op(graph_server):
    before = server.status(graph_server)
    assert server.start(graph_server) == before and before.running


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_killed_unreaped_process_counts_as_gone(tmp_path):
    """A server killed but not yet reaped must not make start() a no-op."""
    child = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / falkordb_server.PID_FILE).write_text(f"{child.pid}\n")
        assert falkordb_server._read_pid(tmp_path) == child.pid
        child.kill()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not falkordb_server._is_dying(child.pid):
            time.sleep(0.01)
        assert falkordb_server._read_pid(tmp_path) is None  # a zombie: killed, never waited for
    finally:
        child.wait()


@pytest.mark.integration
def test_load_twice_is_idempotent(engine_graph, engine_server):
    files = _write_docs(engine_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    first = load_documents(engine_graph, files)
    assert first.loaded == ("a.0", "b.0")
    counts = engine_graph.counts()
    again = load_documents(engine_graph, files)
    assert again.unchanged == ("a.0", "b.0") and engine_graph.counts() == counts
    assert counts == (5, 3)


@pytest.mark.integration
def test_the_first_staged_change_of_a_brand_new_graph_is_applied(graph, graph_server):
    """A graph key that never held a staging link (new server, or after a bulk load) must still
    apply the changes a document stages to a node another document created."""
    client = falkordb_server.redis_client(graph_server, timeout=60)
    client.delete("falkordb")
    client.close()
    renamed = DOC_B.replace('"某市卫生健康委员会"@zh', '"某市卫生健康委"@zh')
    load_documents(graph, _write_docs(graph_server, {"a.0": SMALL_TTL}))
    load_documents(graph, _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": renamed}))
    with graph.session() as session:
        label = session.run(
            "MATCH (n {uri: 'http://example.org/id/body/1'}) RETURN n.prefLabel AS l"
        ).single()["l"]
        stages = session.run("MATCH (s:PolicykgStage) RETURN count(s) AS n").single()["n"]
    assert (label, stages) == ("某市卫生健康委", 0)


@pytest.mark.integration
def test_counts_leave_out_the_links_of_a_staging_in_progress(graph, graph_server):
    load_documents(graph, _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B}))
    counts = graph.counts()
    with graph.session() as s:  # what a staging leaves until its commit: a stage node and link
        s.run(
            "MATCH (n:Body) CREATE (:PolicykgStage {prefLabel: 'x'})-[:PolicykgStages {tag: 't'}]->(n)"
        ).consume()
        s.run(
            "MATCH (a:Task), (b:Body) WITH a, b LIMIT 1 CREATE (a)-[:ANSWERS]->(b)"
        ).consume()  # counts
    assert graph.counts() == (counts[0], counts[1] + 1)


@pytest.mark.integration
def test_a_long_load_checkpoints_between_documents(graph, graph_server, monkeypatch):
    from pipeline.graphdb.falkordb import writer

    files = _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    saved = []

    def checkpoint() -> bool:
        with graph.session() as session:
            saved.append(session.run("MATCH (m:PolicykgLoad) RETURN count(m) AS n").single()["n"])
        return True

    monkeypatch.setattr(graph, "save", checkpoint)
    load_documents(graph, files)
    assert saved == []  # a short load: no checkpoint
    monkeypatch.setattr(writer, "CHECKPOINT_SECONDS", 0.0)
    load_documents(graph, _write_docs(graph_server, {"a.0": DOC_B, "b.0": SMALL_TTL}))
    assert saved == [2, 2]  # after each document, with its load record in place


@pytest.mark.integration
def test_removed_document_disappears_but_shared_body_stays(engine_graph, engine_server):
    files = _write_docs(engine_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    load_documents(engine_graph, files)
    summary = load_documents(engine_graph, {"b.0": files["b.0"]})
    assert summary.removed == ("a.0",)
    with engine_graph.session() as s:
        uris = {r["u"] for r in s.run("MATCH (n:Resource) RETURN n.uri AS u")}
        docs = s.run("MATCH (n:Body) RETURN n.docs AS d").single()["d"]
    assert uris == {"http://example.org/id/task/2", "http://example.org/id/body/1"}
    assert docs == ["b.0"]


@pytest.mark.integration
def test_changed_document_is_replaced(engine_graph, engine_server):
    files = _write_docs(engine_server, {"a.0": SMALL_TTL})
    load_documents(engine_graph, files)
    files = _write_docs(engine_server, {"a.0": DOC_B})
    assert load_documents(engine_graph, files).loaded == ("a.0",)
    assert engine_graph.counts() == (2, 1)


@pytest.mark.integration
def test_statements_are_constant_strings(engine_graph, engine_server):
    files = _write_docs(engine_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    texts = []
    load_documents(engine_graph, files, on_statement=lambda st: texts.append(st.text))
    assert texts
    for text in texts:
        assert not re.search(r"[\u4e00-\u9fff]", text)
        assert "example.org" not in text and "'" not in text


@pytest.mark.integration
def test_seed_documents_load(engine_seed_graph):
    from pipeline.graphdb.load import load_graph

    with server.connect(engine_seed_graph) as conn:
        conn.clear()
    summary = load_graph(engine_seed_graph)
    assert len(summary.loaded) >= 5 and summary.nodes > 500
    again = load_graph(engine_seed_graph)
    assert (again.nodes, again.relationships) == (summary.nodes, summary.relationships)


def test_read_document_maps_seed_documents_like_rdflib(seed_docs):
    for doc, path in seed_docs.items():
        assert read_document(path, doc) == map_graph(Graph().parse(path, format="turtle"), doc), doc


def test_read_document_broken_turtle_is_one_line_error(tmp_path):
    path = tmp_path / "broken.0.ttl"
    path.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(DatabaseError, match="broken.0.ttl: not valid Turtle"):
        read_document(path, "broken.0")


def test_seed_statements_fit_the_falkordb_limit(seed_docs):
    for doc, path in seed_docs.items():
        pg = read_document(path, doc)
        prepared = prepare_document(doc, "0" * 64, pg, 500, replacing=True)
        assert prepared.statements
        for st in prepared.statements:
            assert statement_bytes(st.text, st.params) <= MAX_STATEMENT_BYTES


def test_neo4j_document_is_a_few_batched_statements(seed_docs):
    for doc, path in seed_docs.items():
        pg = read_document(path, doc)
        statements = document_statements(doc, "0" * 64, pg, 500, replacing=True)
        rows = [row for st in statements for row in st.params.get("rows", [])]
        assert len(rows) == len(pg.nodes) + len(pg.relationships)
        # two removals, the nodes and relationships per batch of 500, the load record
        batches = -(-len(pg.nodes) // 500) + -(-len(pg.relationships) // 500)
        assert len(statements) == 2 + batches + 1


def _sent_rows(statement: Statement) -> list[tuple[str, dict]]:
    """The (uri, props) node rows a packed statement carries, uris rebuilt from their prefixes."""
    keys = [k for k in statement.params if k.startswith("rows")]
    keys.sort(key=lambda k: int(k.split("_")[1]))
    rows = [row for key in keys for row in statement.params[key]]
    return [(statement.params["pre"][row[0]] + row[1], row[2]) for row in rows]


MERGE_TEXT = "UNWIND $rows AS w MERGE (n:Resource {uri: $pre[w[0]] + w[1]}) SET n += w[2]"
LIMIT = MAX_STATEMENT_BYTES


def test_pack_fuses_parts_and_spills_rows_into_next_statement():
    rows = tuple((f"http://example.org/id/task/{i}", {"heading": "任务" * 40}) for i in range(60))
    part = Part(MERGE_TEXT, {}, rows, (0,))
    mark = Part("MERGE (m:PolicykgLoad {doc: $doc})")
    statements = pack([part, mark], {"doc": "d"}, 500)
    assert len(statements) > 1
    assert [row for st in statements for row in _sent_rows(st)] == list(rows)
    assert "$rows_0" in statements[0].text and "PolicykgLoad" in statements[-1].text
    for st in statements:
        assert statement_bytes(st.text, st.params) <= LIMIT


def test_pack_refuses_a_row_too_long_for_falkordb():
    part = Part(MERGE_TEXT, {}, (("http://example.org/id/x", {"sentence": "长" * 2000}),), (0,))
    with pytest.raises(DatabaseError, match="exceeds the server's message limit"):
        pack([part], {"tag": "t"}, 500)
    assert len(batch_statements([part], {"tag": "t"}, 500)) == 1


@pytest.mark.parametrize(
    ("value", "escaped"),
    [("it's", "it\\'s"), ("a\\b", "a\\\\b"), ("ok' y='2", "ok\\' y=\\'2"), ("中文", "中文")],
)
def test_escape_parameters(value, escaped):
    assert escape_parameters({"rows": [[value]]}) == {"rows": [[escaped]]}


TRICKY = ["it's", "a\\'b", "ok' tag='victim", "back\\slash", "x\\", "“引号”与'单引号'"]


@pytest.mark.integration
def test_strings_with_quotes_and_backslashes_load_exactly(engine_graph, engine_server):
    literals = " ; ".join(f"ex:note {Literal(t).n3()}" for t in TRICKY)
    turtle = f"@prefix ex: <http://example.org/onto#> .\n<http://example.org/id/q> {literals} ."
    files = _write_docs(engine_server, {"q.0": turtle})
    assert load_documents(engine_graph, files).loaded == ("q.0",)
    with engine_graph.session() as s:
        record = s.run("MATCH (n:Resource {uri: $uri}) RETURN n.note AS note, n.docs AS docs",
                       {"uri": "http://example.org/id/q"}).single()  # fmt: skip
        found = s.run("MATCH (n:Resource) WHERE $v IN n.note RETURN count(n) AS c",
                      {"v": "ok' tag='victim"}).single()  # fmt: skip
    assert sorted(record["note"]) == sorted(TRICKY) and record["docs"] == ["q.0"]
    assert found["c"] == 1


@pytest.mark.integration
def test_statement_at_the_size_limit_is_accepted(graph, graph_server):
    sentence = "长" * 1100  # 3.3 KB in one row: the statement is just under the budget
    turtle = f'<http://example.org/id/long> <http://example.org/onto#sentence> "{sentence}" .'
    files = _write_docs(graph_server, {"long.0": turtle})
    pg = read_document(files["long.0"], "long.0")
    prepared = prepare_document("long.0", "0" * 64, pg, 500, replacing=False)
    assert max(statement_bytes(s.text, s.params) for s in prepared.statements) > 3800
    assert load_documents(graph, files).loaded == ("long.0",)
    with graph.session() as s:
        assert s.run("MATCH (n:Resource) RETURN n.sentence AS t").single()["t"] == sentence


@pytest.mark.integration
def test_too_long_literal_is_refused_before_it_reaches_the_server(graph, graph_server):
    turtle = f'<http://example.org/id/h> <http://example.org/onto#t> "{"长" * 2000}" .'
    files = _write_docs(graph_server, {"huge.0": turtle})
    with pytest.raises(DatabaseError, match="message limit"):
        load_documents(graph, files)
    assert graph.counts() == (0, 0)
    assert bolt_answers(graph_server.local_bolt_port)  # the server is still up


def _listening(port: int) -> list[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc/net/tcp (Linux)")
def test_bolt_listens_on_loopback_only(graph_server):
    addresses = _listening(graph_server.local_bolt_port)
    assert addresses, "nothing listens on the Bolt port"
    assert set(addresses) <= LOOPBACK, addresses
    assert set(_listening(graph_server.local_redis_port)) <= LOOPBACK


def test_bind_shim_without_compiler_warns_and_starts_unshimmed(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(falkordb_server.shutil, "which", lambda name: None)
    assert falkordb_server.bind_shim(tmp_path) is None
    assert "Bolt will listen on all interfaces" in caplog.text
    assert "LD_PRELOAD" not in falkordb_server._server_environment(tmp_path) or \
        "bindlocal" not in falkordb_server._server_environment(tmp_path)["LD_PRELOAD"]  # fmt: skip


def test_bind_shim_is_built_once_and_reused(tmp_path):
    first = falkordb_server.bind_shim(tmp_path)
    if first is None:
        pytest.skip("no C compiler here")
    stamp = first.stat().st_mtime_ns
    assert falkordb_server.bind_shim(tmp_path) == first and first.stat().st_mtime_ns == stamp


@pytest.mark.integration
def test_falkordb_transaction_functions_escape_parameters_too(graph):
    value = "ok' v='2"
    with graph.session() as session:
        got = session.execute_read(lambda tx: tx.run("RETURN $v AS v", {"v": value}).single()["v"])
    assert got == value


@pytest.mark.integration
def test_falkordb_redis_requires_the_password_kept_private(graph_server):
    import redis

    db_dir = graph_server.path(graph_server.db_dir)
    password = falkordb_server.redis_password(graph_server)
    assert stat.S_IMODE(db_dir.stat().st_mode) == 0o700
    for name in ("password", "redis.conf"):
        assert stat.S_IMODE((db_dir / name).stat().st_mode) == 0o600
    anonymous = redis.Redis(host="127.0.0.1", port=graph_server.local_redis_port)
    with pytest.raises(redis.AuthenticationError):  # NOAUTH (or HELLO refused without AUTH)
        anonymous.execute_command("GRAPH.QUERY", "falkordb", "RETURN 1")
    anonymous.close()
    with pytest.raises(redis.AuthenticationError):
        falkordb_server.redis_client(graph_server, password=password + "x").ping()
    assert falkordb_server.redis_client(graph_server).ping()
    pid = server.status(graph_server).pid
    assert password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()


TYPED_TTL = """
@prefix ex: <http://example.org/onto#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/id/a> a ex:Task, ex:Goal ; ex:count 3 ; ex:share "1.5"^^xsd:decimal ;
    ex:ratio "2.5e0"^^xsd:double ; ex:done true ;
    ex:day "2024-01-01"^^xsd:date ; ex:heading "任务"@zh, "task"@en, "任务"@zh ;
    skos:altLabel "别名" ; a <urn:policykg:bnode:odd> .
<http://example.org/id/b> ex:refers <http://example.org/id/a> .
"""
BLANK_TTL = """
@prefix ex: <http://example.org/onto#> .
<http://example.org/id/a> ex:part [ a ex:Part ; ex:n 1, 2 ] ; ex:kind _:k .
_:k ex:label "k" ; a _:t .
"""


def test_read_document_maps_typed_literals_lists_and_blank_nodes_like_rdflib(tmp_path):
    path = tmp_path / "typed.0.ttl"
    path.write_text(TYPED_TTL, encoding="utf-8")
    pg = read_document(path, "typed.0")
    assert pg == map_graph(Graph().parse(path, format="turtle"), "typed.0")
    node = next(n for n in pg.nodes if n.uri == "http://example.org/id/a")
    assert node.labels == ("Goal", "Resource", "Task")
    assert node.props["count"] == 3 and node.props["share"] == 1.5 and node.props["done"] is True
    assert node.props["day"] == "2024-01-01" and node.props["ratio"] == 2.5
    assert node.props["heading"] == ["task", "任务"] and node.props["altLabel"] == ["别名"]
    assert ("http://example.org/id/a", "type", "urn:policykg:bnode:odd") in {
        (r.start, r.type, r.end) for r in pg.relationships
    }  # an IRI that looks like a skolemised blank node is no label, as with rdflib
    path.write_text(BLANK_TTL, encoding="utf-8")
    pg = read_document(path, "typed.0")  # blank node ids differ between parsers: by shape
    parts = {n.uri: n for n in pg.nodes if n.uri.startswith("urn:policykg:bnode:typed.0:")}
    assert sorted((n.labels, sorted(n.props.items())) for n in parts.values()) == [
        (("Part", "Resource"), [("n", [1, 2])]),
        (("Resource",), []),
        (("Resource",), [("label", "k")]),
    ]
    edges = sorted((r.start in parts, r.type, r.end in parts) for r in pg.relationships)
    assert edges == [(False, "kind", True), (False, "part", True), (True, "type", True)]


def test_load_files_rehashes_only_files_whose_stat_changed(tmp_path):
    import hashlib

    from pipeline.graphdb.load import load_files

    settings = Settings(root=tmp_path)
    raw = settings.path(settings.raw_dir)
    raw.mkdir(parents=True)
    for stem in ("a", "b"):
        (raw / f"{stem}.txt").write_text("x", encoding="utf-8")
    files = _write_docs(settings, {"a.0": SMALL_TTL, "b.0": DOC_B})
    first = load_files(settings)
    assert {doc: f.sha256 for doc, f in first.items()} == {
        doc: hashlib.sha256(path.read_bytes()).hexdigest() for doc, path in files.items()
    }
    # a cached digest is believed while the file's stat is the one recorded with it...
    cache = tmp_path / "data" / "cache" / "graph" / "load" / "turtle-sha256.json"
    recorded = json.loads(cache.read_text(encoding="utf-8"))
    recorded["a.0"][4] = "cached"
    cache.write_text(json.dumps(recorded), encoding="utf-8")
    assert load_files(settings)["a.0"].sha256 == "cached"
    # ... and not once the file is written again
    files["a.0"].write_text(SMALL_TTL + "\n", encoding="utf-8")
    again = load_files(settings)
    assert again["a.0"].sha256 == hashlib.sha256(files["a.0"].read_bytes()).hexdigest()
    assert again["b.0"].sha256 == first["b.0"].sha256


@pytest.mark.integration
def test_local_falkordb_writes_go_over_redis_not_bolt(graph, graph_server, monkeypatch):
    """FalkorDB's Bolt layer keeps the server's main thread busy for a second or two after each
    write; the writer sends the local server's staging and commit statements as GRAPH.QUERY."""
    from pipeline.graphdb.falkordb import send as falkordb_send

    over_redis: list[str] = []
    real = falkordb_send.RedisStatements.__call__

    def spy(self, statement):
        over_redis.append(statement.text)
        return real(self, statement)

    monkeypatch.setattr(falkordb_send.RedisStatements, "__call__", spy)
    over_bolt: list[str] = []
    real_session = graph.session

    def watched_session(*args, **kwargs):
        session = real_session(*args, **kwargs)
        run = session.run
        session.run = lambda text, *a, **k: over_bolt.append(text) or run(text, *a, **k)
        return session

    monkeypatch.setattr(graph, "session", watched_session)
    files = _write_docs(graph_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    summary = load_documents(graph, files)
    assert summary.loaded == ("a.0", "b.0") and graph.counts() == (5, 3)
    assert any("MERGE" in text for text in over_redis)
    assert any("PolicykgLoad" in text for text in over_redis)  # the commits
    assert not [text for text in over_bolt if "MERGE" in text or "PolicykgLoad" in text]


@pytest.mark.integration
def test_redis_statements_return_values_exactly_floats_included(graph, graph_server):
    """Over the Redis port a float parameter arrives as sent; FalkorDB's Bolt layer writes it
    with ``%f`` (1e-07 became 0.0)."""
    from pipeline.graphdb.dialect import Statement
    from pipeline.graphdb.falkordb.send import RedisStatements
    from pipeline.graphdb.falkordb.server import redis_client

    client = redis_client(graph_server)
    try:
        send = RedisStatements(client)
        text = "它's \\ ok\n"
        assert send(Statement("RETURN $s AS s, [1, 2] AS l", {"s": text})) == {
            "s": text,
            "l": [1, 2],
        }
        for value in (1e-07, 123456.789012345, -2.5):
            assert send(Statement("RETURN $x AS x", {"x": value}))["x"] == value
        assert send(Statement("MATCH (n:Nothing) RETURN n.x AS x", {})) is None
        with graph.session() as session:
            assert session.run("RETURN $x AS x", {"x": 1e-07}).single()["x"] == 0.0  # over Bolt
    finally:
        client.close()
