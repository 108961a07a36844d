"""Shared fixtures: the local graph server (session-scoped, on free ports under a temp dir)."""

from __future__ import annotations

import random
import shutil
import socket
from pathlib import Path

import pytest

from pipeline.config import Engine, Settings

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    """A free port below 32768 (FalkorDB ignores a BOLT_PORT above the signed 16-bit range)."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def _server_settings(root: Path, engine: Engine) -> Settings:
    """Settings for a server of its own under ``root``; its data directory is absolute, as its
    password lives there and the seed graph's settings move ``root`` elsewhere."""
    (root / "data" / "raw").mkdir(parents=True)
    return Settings(
        root=root,
        engine=engine,
        db_dir=root / "data" / "db",
        queries_dir=ROOT / "queries",
        local_bolt_port=_free_port(),
        local_redis_port=_free_port(),
    )


@pytest.fixture(scope="session")
def graph_server(tmp_path_factory):
    """A running local FalkorDB server; yields Settings pointing at it; stopped at the end."""
    from pipeline.graphdb import server

    settings = _server_settings(tmp_path_factory.mktemp("graphdb"), Engine.FALKORDB)
    server.start(settings)
    yield settings
    server.stop(settings)


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """A running local Neo4j 5 Community (tools/neo4j-local, built with Maven first if needed);
    yields Settings pointing at it; stopped at the end. Skipped only where Java or Maven is missing."""
    import shutil as _shutil

    from pipeline.graphdb import neo4j_local, server

    if not neo4j_local.is_built() and not (_shutil.which("java") and _shutil.which("mvn")):
        pytest.skip("no java/mvn to build the local Neo4j")
    neo4j_local.ensure_built()
    settings = _server_settings(tmp_path_factory.mktemp("neo4j"), Engine.NEO4J)
    server.start(settings)
    yield settings
    server.stop(settings)


@pytest.fixture(scope="session", params=[Engine.FALKORDB, Engine.NEO4J], ids=lambda e: e.value)
def engine_server(request):
    """Settings for a running local server, once per engine."""
    fixture = "graph_server" if request.param is Engine.FALKORDB else "neo4j_server"
    return request.getfixturevalue(fixture)


@pytest.fixture
def engine_graph(engine_server):
    """An open connection to an empty graph on each engine (cleaned before each test)."""
    from pipeline.graphdb.server import connect

    with connect(engine_server) as conn:
        conn.clear()
        yield conn


@pytest.fixture
def graph(graph_server):
    """An open connection to an empty graph (cleaned before each test)."""
    from pipeline.graphdb.server import connect

    with connect(graph_server) as conn:
        conn.clear()
        yield conn


@pytest.fixture(scope="session")
def seed_docs(tmp_path_factory) -> dict[str, Path]:
    """Per-document Turtle of the seed documents, built from data/raw through every stage."""
    from pipeline.nlp import build_nlp
    from pipeline.rdf import document_graph
    from pipeline.rdf.export import write_document_graph
    from pipeline.runner import process_raw

    out = tmp_path_factory.mktemp("seed_ttl")
    nlp = build_nlp()
    for raw in sorted((ROOT / "data" / "raw").iterdir()):
        documents, facts = process_raw(raw.name, raw.read_bytes(), nlp)
        by_id = {f.doc_id: f for f in facts}
        for doc in documents:
            if doc.doc_id in by_id:
                write_document_graph(document_graph(doc, by_id[doc.doc_id]), doc.doc_id, out)
    return {p.stem: p for p in sorted(out.glob("*.ttl"))}


@pytest.fixture(scope="session")
def seed_graph(graph_server, seed_docs, tmp_path_factory):
    """Settings (same server) whose data/graph/docs and data/raw hold the seed documents."""
    return _seed_root(graph_server, seed_docs, tmp_path_factory)


@pytest.fixture(scope="session")
def engine_seed_graph(engine_server, seed_docs, tmp_path_factory):
    """:func:`seed_graph` on each engine."""
    return _seed_root(engine_server, seed_docs, tmp_path_factory)


def _seed_root(server_settings, seed_docs, tmp_path_factory):
    root = tmp_path_factory.mktemp("seed_root")
    (root / "data" / "raw").mkdir(parents=True)
    docs_dir = root / "data" / "graph" / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    for path in seed_docs.values():
        shutil.copy(path, docs_dir / path.name)
    for raw in (ROOT / "data" / "raw").iterdir():
        shutil.copy(raw, root / "data" / "raw" / raw.name)
    return server_settings.with_overrides(root=root)
