"""Loading survives the server being killed mid-document: nothing partial, and a rerun completes."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import _free_port
from test_graphdb import DOC_B, SMALL_TTL, _write_docs

from pipeline.config import Engine, Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb import server
from pipeline.graphdb.falkordb import server as falkordb_server
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.ports import port_in_use
from pipeline.graphdb.server import connect

pytestmark = pytest.mark.integration


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, since the test kills it."""
    settings = Settings(
        root=tmp_path,
        engine=Engine.FALKORDB,
        local_bolt_port=_free_port(),
        local_redis_port=_free_port(),
    )
    server.start(settings)
    yield settings
    server.stop(settings)


def _snapshot_now(settings: Settings) -> None:
    """Make redis-server write its RDB snapshot now, so staged rows survive the kill."""
    assert server.save(settings)


STAGED_NODES = (
    "MATCH (n:Resource) WHERE any(d IN n.docs WHERE d ENDS WITH '@pending') RETURN count(n) AS c"
)
STAGED_RELATIONSHIPS = (
    "MATCH ()-[r]->() WHERE any(d IN r.docs WHERE d ENDS WITH '@pending') RETURN count(r) AS c"
)
ALL_DOCS = "MATCH (n:Resource) RETURN n.docs AS ds"


def _staged_rows(settings: Settings) -> int:
    with connect(settings) as conn, conn.session() as session:
        return session.run(STAGED_NODES).single()["c"]


def _killed(settings: Settings) -> None:
    pid = server.status(settings).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def test_load_killed_mid_document_leaves_nothing_partial_and_rerun_completes(own_server, caplog):
    files = _write_docs(own_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    with connect(own_server) as conn:
        load_documents(conn, {"a.0": files["a.0"]})
    calls, staged = [], []

    def kill_before_commit(statement):
        calls.append(statement)
        if "PolicykgLoad" in statement.text:  # b.0 is staged; its commit is about to be sent
            staged.append(_staged_rows(own_server))
            _snapshot_now(own_server)  # so the staged rows survive the kill into the restart
            _killed(own_server)

    with pytest.raises(DatabaseError, match="lost the graph server"):
        with connect(own_server) as conn:
            load_documents(conn, files, on_statement=kill_before_commit)
    assert len(calls) >= 2 and staged[0] > 0  # the staging went out and was saved before the kill

    deadline = time.monotonic() + 20  # a forked snapshot child may hold the ports a moment longer
    while time.monotonic() < deadline and any(
        port_in_use(p) for p in (own_server.local_bolt_port, own_server.local_redis_port)
    ):
        time.sleep(0.2)
    assert not server.status(own_server).running  # exiting counts as gone, so start() restarts
    server.start(own_server)
    with connect(own_server) as conn:
        with conn.session() as session:
            pending = session.run(STAGED_NODES).single()["c"]
            staged_rels = session.run(STAGED_RELATIONSHIPS).single()["c"]
            loaded = {r["doc"] for r in session.run("MATCH (m:PolicykgLoad) RETURN m.doc AS doc")}
            tagged = {d for r in session.run(ALL_DOCS) for d in r["ds"]}
        assert (pending, staged_rels) == (0, 0)  # purged by server.start, before any load
        assert tagged == loaded == {"a.0"}
        assert "purged rows staged by an interrupted load: b.0@pending" in caplog.text
        summary = load_documents(conn, files)
        assert set(summary.loaded) | set(summary.unchanged) == {"a.0", "b.0"}
        with conn.session() as session:
            docs = sorted({d for r in session.run(ALL_DOCS) for d in r["ds"]})
        assert docs == ["a.0", "b.0"]
        counts = conn.counts()
        assert load_documents(conn, files).unchanged == ("a.0", "b.0")
        assert conn.counts() == counts


def test_no_forked_background_saves_yet_data_survives_a_stop(own_server):
    # a forked save during a Bolt query has deadlocked FalkorDB: saves are explicit and in place
    client = falkordb_server.redis_client(own_server)
    assert client.config_get("save") == {"save": ""}
    client.close()
    files = _write_docs(own_server, {"a.0": SMALL_TTL})
    with connect(own_server) as conn:
        load_documents(conn, files)
        counts = conn.counts()
    assert counts[0] > 0
    server.stop(own_server)
    server.start(own_server)
    with connect(own_server) as conn:
        assert conn.counts() == counts


def _stopped(settings: Settings) -> int:
    """Freeze the server (SIGSTOP): it answers nothing, as a deadlocked FalkorDB does."""
    pid = server.status(settings).pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    return pid


def test_watchdog_leaves_a_server_that_answers_alone(own_server):
    with falkordb_server.Watchdog(own_server, interval=0.1, misses=2) as watch:
        with connect(own_server) as conn, conn.session() as session:
            for _ in range(10):  # busy with queries, still answering PING
                session.run("UNWIND range(1, 2000) AS i RETURN count(i)").consume()
                time.sleep(0.05)
    assert watch.killed is None and server.status(own_server).running


def test_load_on_a_server_that_stops_answering_fails_instead_of_waiting_forever(
    own_server, monkeypatch, caplog
):
    monkeypatch.setattr(falkordb_server, "WATCH_INTERVAL", 0.2)
    monkeypatch.setattr(falkordb_server, "WATCH_MISSES", 3)
    files = _write_docs(own_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    frozen = []

    def freeze_before_the_second_statement(_statement):
        if len(frozen) == 1:
            frozen.append(_stopped(own_server))
        elif not frozen:
            frozen.append(None)

    started = time.monotonic()
    with pytest.raises(DatabaseError, match="lost the graph server while loading a"):
        with connect(own_server) as conn:
            load_documents(conn, files, on_statement=freeze_before_the_second_statement)
    assert time.monotonic() - started < 60
    assert "has deadlocked; killing it" in caplog.text
    pid = frozen[1]
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and falkordb_server._read_pid(own_server.path(own_server.db_dir)) == pid
    ):
        time.sleep(0.05)
    assert not server.status(own_server).running
    server.start(own_server)  # from the last save; the rerun loads both documents
    with connect(own_server) as conn:
        assert load_documents(conn, files).loaded == ("a.0", "b.0")
        assert conn.counts() == (5, 3)


def test_a_save_after_a_background_save_waits_for_it_and_the_data_survives_a_kill(own_server):
    files = _write_docs(own_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    with connect(own_server) as conn:
        load_documents(conn, files)
        counts = conn.counts()
    assert falkordb_server.save(own_server, background=True)
    # Redis refuses SAVE while a background save runs: this one waits for it instead
    assert falkordb_server.save(own_server)
    client = falkordb_server.redis_client(own_server)
    assert client.info("persistence")["rdb_last_bgsave_status"] == "ok"
    client.close()
    _killed(own_server)
    ports = (own_server.local_bolt_port, own_server.local_redis_port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        server.status(own_server).running or any(port_in_use(port) for port in ports)
    ):
        time.sleep(0.05)
    server.start(own_server)
    with connect(own_server) as conn:
        assert conn.counts() == counts
        assert load_documents(conn, files).unchanged == ("a.0", "b.0")


def test_start_waits_for_the_ports_of_a_server_of_ours_still_exiting(tmp_path, monkeypatch):
    """A killed server counts as gone as soon as it begins to exit, but its threads may hold its
    ports a moment longer (seen as "port ... already taken" right after the watchdog's kill):
    ``start`` waits for them then, and refuses at once a port another program holds."""
    settings = Settings(root=tmp_path, engine=Engine.FALKORDB, local_bolt_port=_free_port(),
                        local_redis_port=_free_port())  # fmt: skip
    busy = [True, True, True]
    monkeypatch.setattr(falkordb_server, "port_in_use", lambda port: bool(busy) and busy.pop())
    monkeypatch.setattr(falkordb_server, "_exiting_pid", lambda db_dir: None)
    with pytest.raises(DatabaseError, match="already taken"):
        falkordb_server.start(settings)
    assert len(busy) == 2  # asked once, refused at once

    monkeypatch.setattr(falkordb_server, "_exiting_pid", lambda db_dir: os.getpid())
    try:
        assert falkordb_server.start(settings) == server.status(settings).pid
        assert not busy  # waited until the port was free
    finally:
        server.stop(settings)
