"""Loading survives the server being killed mid-document: nothing partial, and a rerun completes."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.config import Settings
from pipeline.graphdb import server
from pipeline.graphdb.connection import connect
from pipeline.graphdb.load import graph_counts, load_documents

from conftest import _free_port  # noqa: E402 - pytest puts tests/ on sys.path
from test_graphdb import DOC_B, SMALL_TTL, _write_docs

pytestmark = pytest.mark.integration


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, since the test kills it."""
    settings = Settings(root=tmp_path, local_bolt_port=_free_port(), local_redis_port=_free_port())
    server.start(settings)
    yield settings
    server.stop(settings)


def _killed(settings: Settings) -> None:
    pid = server.status(settings).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def test_load_killed_mid_document_leaves_nothing_partial_and_rerun_completes(own_server):
    files = _write_docs(own_server, {"a.0": SMALL_TTL, "b.0": DOC_B})
    with connect(own_server) as conn:
        load_documents(conn, {"a.0": files["a.0"]})
    calls = []

    def kill_on_third_statement(statement):
        calls.append(statement)
        if len(calls) == 3:
            _killed(own_server)

    with pytest.raises(Exception):  # the driver loses its connection mid-document
        with connect(own_server) as conn:
            load_documents(conn, files, on_statement=kill_on_third_statement)

    deadline = time.monotonic() + 20  # a forked snapshot child may hold the ports a moment longer
    while time.monotonic() < deadline and any(
        server.port_in_use(p) for p in (own_server.local_bolt_port, own_server.local_redis_port)
    ):
        time.sleep(0.2)
    server.start(own_server)
    with connect(own_server) as conn:
        with conn.session() as session:
            pending = session.run(
                "MATCH (n:Resource) WHERE any(d IN n.docs WHERE d ENDS WITH '@pending') RETURN count(n) AS c"
            ).single()["c"]
        assert pending == 0
        summary = load_documents(conn, files)
        assert set(summary.loaded) | set(summary.unchanged) == {"a.0", "b.0"}
        with conn.session() as session:
            docs = sorted({d for r in session.run("MATCH (n:Resource) RETURN n.docs AS ds") for d in r["ds"]})
        assert docs == ["a.0", "b.0"]
        counts = graph_counts(conn)
        assert load_documents(conn, files).unchanged == ("a.0", "b.0")
        assert graph_counts(conn) == counts
