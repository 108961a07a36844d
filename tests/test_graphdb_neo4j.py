"""The local Neo4j 5 (tools/neo4j-local): auth, loopback, schema, and all-or-nothing documents
proven by a real transaction (an exception mid-document, and a killed server)."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import neo4j
import pytest
from conftest import _free_port
from test_graphdb import DOC_B, LOOPBACK, SMALL_TTL, _listening, _write_docs

from pipeline.config import Engine, Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb import neo4j_local, server
from pipeline.graphdb.credentials import read_password
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.ports import port_in_use
from pipeline.graphdb.server import connect

pytestmark = pytest.mark.integration

DOC_A2 = (
    SMALL_TTL.replace("筑牢基层服务网底", "改写后的任务").replace('"65.0"', '"70.0"')
    + """
<http://example.org/id/task/9> a <http://example.org/onto#Task> ;
    <http://example.org/onto#leadBody> <http://example.org/id/body/1> .
"""
)
DUMP = """
MATCH (n) OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props, type(r) AS type, properties(r) AS rprops,
       m.uri AS target
"""


def _dump(conn) -> list[str]:
    """Everything in the graph, nodes with their outgoing relationships, as sorted text."""
    with conn.session() as session:
        return sorted(repr(sorted(r.data().items())) for r in session.run(DUMP))


def test_neo4j_password_is_private_and_required(neo4j_server):
    db_dir = neo4j_server.path(neo4j_server.db_dir)
    assert stat.S_IMODE(db_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((db_dir / "password").stat().st_mode) == 0o600
    uri = neo4j_server.bolt_uri
    for auth in (None, ("neo4j", "neo4j"), ("neo4j", read_password(neo4j_server) + "x")):
        with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
            with pytest.raises((neo4j.exceptions.AuthError, neo4j.exceptions.ClientError)):
                driver.verify_connectivity()
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", read_password(neo4j_server))) as driver:
        driver.verify_connectivity()


def test_neo4j_refuses_a_password_file_others_can_read(neo4j_server, tmp_path):
    settings = neo4j_server.with_overrides(db_dir=tmp_path)
    (tmp_path / "password").write_text("a-long-enough-password\n")
    os.chmod(tmp_path / "password", 0o644)
    with pytest.raises(DatabaseError, match="readable by other users"):
        read_password(settings)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc/net/tcp (Linux)")
def test_neo4j_listens_on_loopback_bolt_only(neo4j_server):
    addresses = _listening(neo4j_server.local_bolt_port)
    assert addresses and set(addresses) <= LOOPBACK, addresses
    pid = server.status(neo4j_server).pid
    inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    sockets = {i[len("socket:[") : -1] for i in inodes if i.startswith("socket:[")}
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in sockets:
                listening.add(int(fields[1].split(":")[1], 16))
    assert listening == {neo4j_server.local_bolt_port}  # no HTTP, no other connector


def test_neo4j_status_names_the_engine_and_version(neo4j_server):
    state = server.status(neo4j_server)
    assert state.running and state.engine is Engine.NEO4J and state.redis_port is None
    with connect(neo4j_server) as conn, conn.session() as session:
        record = session.run(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        ).single()
    assert (record["name"], record["edition"]) == ("Neo4j Kernel", "community")
    assert record["version"].startswith("5.26.")


def test_neo4j_uri_is_a_unique_constraint(neo4j_server):
    with connect(neo4j_server) as conn:
        conn.clear()
        load_documents(conn, _write_docs(neo4j_server, {"a.0": SMALL_TTL}))
        with conn.session() as session:
            rows = session.run(
                "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
                "RETURN type, labelsOrTypes, properties"
            ).data()
            assert {
                "type": "UNIQUENESS",
                "labelsOrTypes": ["Resource"],
                "properties": ["uri"],
            } in rows
            with pytest.raises(neo4j.exceptions.ConstraintError):
                session.run("CREATE (:Resource {uri: 'http://example.org/id/task/1'})").consume()


def test_neo4j_exception_mid_document_keeps_the_previous_version(neo4j_server):
    with connect(neo4j_server) as conn:
        conn.clear()
        files = _write_docs(neo4j_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
        load_documents(conn, files)
        before, counts = _dump(conn), conn.counts()
        sent = []

        def fail_midway(statement):
            sent.append(statement.text)
            if len(sent) == 4:  # the old version dropped, its new nodes merged
                raise RuntimeError("injected failure mid-document")

        files = _write_docs(neo4j_server, {"a.0": DOC_A2, "b.0": DOC_B})
        with pytest.raises(RuntimeError, match="injected"):
            load_documents(conn, files, on_statement=fail_midway)
        assert any(text.startswith("UNWIND $rows") for text in sent[:3])
        assert _dump(conn) == before and conn.counts() == counts
        assert load_documents(conn, files).loaded == ("a.0",)
        assert _dump(conn) != before
        with conn.session() as session:
            heading = session.run(
                "MATCH (t:Task {uri: 'http://example.org/id/task/1'}) RETURN t.heading AS h"
            ).single()["h"]
        assert heading == ["改写后的任务"] or heading == "改写后的任务"


@pytest.fixture
def own_neo4j(tmp_path, neo4j_server):
    """A Neo4j of this test's own, since the test kills it."""
    settings = Settings(root=tmp_path, engine=Engine.NEO4J, local_bolt_port=_free_port())
    server.start(settings)
    yield settings
    server.stop(settings)


def test_neo4j_killed_mid_document_keeps_the_previous_version_and_rerun_completes(own_neo4j):
    files = _write_docs(own_neo4j, {"a.0": SMALL_TTL, "b.0": DOC_B})
    with connect(own_neo4j) as conn:
        load_documents(conn, files)
        before = _dump(conn)
    sent = []

    def kill_midway(statement):
        sent.append(statement.text)
        if len(sent) == 4:  # the old version dropped, its new nodes merged
            os.kill(server.status(own_neo4j).pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (  # dead, and its Bolt socket closed
                server.status(own_neo4j).running or port_in_use(own_neo4j.local_bolt_port)
            ):
                time.sleep(0.05)

    files = _write_docs(own_neo4j, {"a.0": DOC_A2, "b.0": DOC_B})
    with pytest.raises(DatabaseError, match="lost the graph server"):
        with connect(own_neo4j) as conn:
            load_documents(conn, files, on_statement=kill_midway)
    assert not server.status(own_neo4j).running
    server.start(own_neo4j)  # recovers from its transaction log
    with connect(own_neo4j) as conn:
        assert _dump(conn) == before
        assert load_documents(conn, files).loaded == ("a.0",)
        assert _dump(conn) != before


def test_start_refuses_a_second_engine_on_the_same_data(neo4j_server):
    other = neo4j_server.with_overrides(engine=Engine.FALKORDB)
    with pytest.raises(DatabaseError, match="neo4j server runs"):
        server.start(other)


def test_local_engine_is_the_running_one(neo4j_server):
    undecided = Settings(root=neo4j_server.root, db_dir=neo4j_server.db_dir,
                         local_bolt_port=neo4j_server.local_bolt_port)  # fmt: skip
    assert server.local_engine(undecided) is Engine.NEO4J


def test_redact_uri_hides_a_password():
    assert server.redact_uri("bolt://u:p%40ss@h:7687") == "bolt://h:7687"
    assert server.redact_uri("bolt://h:7687") == "bolt://h:7687"


def test_module_build_is_up_to_date(neo4j_server):
    assert neo4j_local.is_built()


def test_cli_start_status_name_the_engine_and_never_print_the_password(tmp_path, neo4j_server):
    from analysis_records import run_cli

    (tmp_path / "data" / "raw").mkdir(parents=True)
    env = {"POLICYKG_BOLT_PORT": str(_free_port()), "COLUMNS": "200"}
    started = run_cli(tmp_path, "db", "start", "--engine", "neo4j", env=env)
    try:
        assert started.returncode == 0, started.stderr
        status = run_cli(tmp_path, "db", "status", env=env)
        assert status.returncode == 0, status.stderr
        password = (tmp_path / "data" / "db" / "password").read_text().strip()
        port = env["POLICYKG_BOLT_PORT"]
        assert "running neo4j" in status.stdout and f"bolt://127.0.0.1:{port}" in status.stdout
        assert "user neo4j" in status.stdout and "0 nodes, 0 relationships (neo4j)" in status.stdout
        logs = [p.read_text(errors="replace") for p in (tmp_path / "data" / "db").rglob("*.log")]
        for text in [started.stdout, started.stderr, status.stdout, status.stderr, *logs]:
            assert password not in text
        shown = run_cli(tmp_path, "db", "password", env=env)
        assert shown.stdout.strip() == password
    finally:
        stopped = run_cli(tmp_path, "db", "stop", env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout


def test_cli_never_prints_a_password_written_in_neo4j_uri(tmp_path):
    from analysis_records import run_cli

    env = {"NEO4J_URI": "bolt://analyst:hunter2-secret@127.0.0.1:9"}
    for args in (("db", "status"), ("db", "start"), ("query", "--cypher", "RETURN 1")):
        result = run_cli(tmp_path, *args, env=env)
        assert "hunter2-secret" not in result.stdout + result.stderr, args
