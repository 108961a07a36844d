"""``make graph`` on the local Neo4j: the run loads and analyses into it, a rerun loads nothing, and
the exports it writes (the ``.cypher`` script, the typed CSVs through ``LOAD CSV`` and through
``neo4j-admin database import``) rebuild the very graph it loaded, with the same answers to every
file in ``queries/``."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.graphdb.queries import parse_query_file, run_query
from pipeline.graphdb.server import connect
from tests.conftest import _free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
PARAMS = {"body": "卫生健康委", "indicator": "门急诊", "year": 2025, "programme": "千县工程",
          "document": "中办发", "fact": "/lead/"}  # fmt: skip
RESOURCES = """
MATCH (n:Resource) OPTIONAL MATCH (n)-[r]->(m)
RETURN n.uri AS uri, labels(n) AS labels, properties(n) AS props, type(r) AS type,
       properties(r) AS rprops, m.uri AS target
"""


def _statements(script: str) -> list[str]:
    text = "\n".join(line for line in script.splitlines() if not line.startswith("//"))
    return [s.strip() for s in re.split(r";\s*$", text, flags=re.MULTILINE) if s.strip()]


def _state(settings) -> tuple:
    """Counts, every node and relationship, and every query's answers."""
    answers = {}
    with connect(settings) as conn:
        counts = conn.counts()
        with conn.session() as session:
            dump = sorted(repr(sorted(_normal(r.data()).items())) for r in session.run(RESOURCES))
        for path in sorted((ROOT / "queries").glob("*.cypher")):
            query = parse_query_file(path)
            rows = run_query(conn, query, {k: PARAMS[k] for k in query.parameters})[1]
            answers[query.name] = sorted(repr(sorted(_unordered(row).items())) for row in rows)
    return counts, dump, answers


def _unordered(row: dict) -> dict:
    """``row`` with its lists sorted: ``collect()`` gives no order, on any engine."""
    return {k: sorted(v, key=repr) if isinstance(v, list) else v for k, v in row.items()}


def _normal(record: dict) -> dict:
    record["labels"] = sorted(record["labels"])
    for key in ("props", "rprops"):
        record[key] = sorted((record[key] or {}).items())
    return record


def _same(state: tuple, expected: tuple) -> None:
    """``state`` equals ``expected``; else the first differing rows, to see why."""
    assert state[0] == expected[0]
    missing, extra = set(expected[1]) - set(state[1]), set(state[1]) - set(expected[1])
    assert not (missing or extra), (sorted(missing)[:2], sorted(extra)[:2])
    assert state[2] == expected[2]


def _run_script(settings, script: str) -> None:
    with connect(settings) as conn, conn.session() as session:
        for statement in _statements(script):
            session.run(statement).consume()


@pytest.fixture(scope="module")
def built(neo4j_server, tmp_path_factory):
    """The seed raw files run through ``policykg run`` (load and analysis) on the local Neo4j."""
    from pipeline.runner import run

    root = tmp_path_factory.mktemp("neo4j_run")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    settings = neo4j_server.with_overrides(root=root, workers=2)
    with connect(settings) as conn:
        conn.clear()
    summary = run(settings)
    return settings, summary


def test_run_loads_and_analyses_into_neo4j_and_a_rerun_loads_nothing(built):
    from pipeline.runner import run

    settings, summary = built
    written = {p.stem for p in (settings.path(settings.graph_dir) / "docs").glob("*.ttl")}
    with connect(settings) as conn, conn.session() as session:
        recorded = {r["doc"] for r in session.run("MATCH (m:PolicykgLoad) RETURN m.doc AS doc")}
        links = session.run("MATCH (:Task)-[r:ANSWERS]->(:Task) RETURN count(r) AS n").single()["n"]
        ranked = session.run(
            "MATCH (b:Body) WHERE b.degree IS NOT NULL RETURN count(b) AS n"
        ).single()["n"]
    assert written and recorded == written and summary.loaded_documents == len(written)
    assert links > 0 and ranked > 0
    before = _state(settings)
    again = run(settings)
    assert again.loaded_documents == 0 and _state(settings) == before


def test_run_writes_typed_exports(built):
    settings, _ = built
    imports = settings.path(settings.graph_dir) / "import"
    header = (imports / "nodes.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:2] == ["uri:ID", ":LABEL"]
    assert {"degree:long", "betweenness:double", "docs:string[]", "altLabel:string[]"} <= set(
        header
    )
    assert all(re.search(r":(long|double|boolean|string)(\[\])?$", col) for col in header[2:])
    rel_header = (imports / "relationships.csv").read_text(encoding="utf-8").splitlines()[0]
    assert rel_header == ":START_ID,:TYPE,:END_ID,docs:string[],score:double"
    assert ',"ANSWERS",' in (imports / "relationships.csv").read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in (imports / "neo4j-admin-import.sh").read_text()


def test_the_cypher_script_and_the_csvs_rebuild_the_loaded_graph(built):
    settings, _ = built
    loaded = _state(settings)
    assert loaded[0][0] > 500 and all(loaded[2].values())  # a real graph; every query answers
    graph_dir = settings.path(settings.graph_dir)

    with connect(settings) as conn:
        conn.clear()
    _run_script(settings, (graph_dir / "policykg.cypher").read_text(encoding="utf-8"))
    _same(_state(settings), loaded)

    with connect(settings) as conn:
        conn.clear()
    import_dir = settings.path(settings.db_dir) / "neo4j" / "import"
    import_dir.mkdir(parents=True, exist_ok=True)
    for name in ("nodes.csv", "relationships.csv"):
        shutil.copy(graph_dir / "import" / name, import_dir / name)
    _run_script(settings, (graph_dir / "import" / "load_csv.cypher").read_text(encoding="utf-8"))
    _same(_state(settings), loaded)


def test_trace_and_goal_agree_with_the_database(built):
    """``policykg trace``/``goal`` read the records; the named queries ask Neo4j the same."""
    from pipeline.analysis import load_corpus
    from pipeline.analysis.trace import goal_owners, trace_body

    settings, _ = built
    corpus = load_corpus(settings)
    body = "聊城市卫生健康委员会"
    traced = {(t.heading, t.role.value) for t in trace_body(body, corpus).tasks}
    owners = {
        (g.task_heading, lead)
        for g in goal_owners("基层门急诊人次占比", corpus)
        for lead in g.leads
    }
    with connect(settings) as conn:
        rows = run_query(
            conn, parse_query_file(ROOT / "queries" / "goals_of_body.cypher"), {"body": body}
        )[1]
        owned = run_query(conn, parse_query_file(ROOT / "queries" / "owners_of_indicator.cypher"),
                          {"indicator": "基层门急诊人次占比"})[1]  # fmt: skip
    assert traced and traced == {(r["task"], r["role"]) for r in rows}
    assert owners and owners <= {(r["task"], r["body"]) for r in owned if r["role"] == "lead"}


def _admin_arguments(script: str, database: str) -> list[str]:
    """The arguments the exported ``neo4j-admin-import.sh`` gives ``neo4j-admin`` (its database
    argument filled in), so that the test runs that very command."""
    line = next(x for x in script.splitlines() if x.startswith("exec neo4j-admin "))
    words = shlex.split(line.replace('"${1:-neo4j}"', database))
    assert words[:2] == ["exec", "neo4j-admin"]
    return words[2:]


def test_the_import_tool_builds_the_loaded_graph_from_the_csvs(built, tmp_path):
    """``neo4j-admin database import full`` (Neo4j's own tool, run from the module's Maven
    classpath) with the arguments of the exported script, into a fresh store, then a second local
    Neo4j started on it: the same counts, nodes, relationships and query answers as the load."""
    from pipeline.graphdb import neo4j_local

    settings, _ = built
    loaded = _state(settings)
    assert loaded[0][0] > 500 and all(loaded[2].values())
    imports = settings.path(settings.graph_dir) / "import"
    arguments = _admin_arguments((imports / "neo4j-admin-import.sh").read_text(), "neo4j")
    assert arguments[:3] == ["database", "import", "full"]

    db_dir = tmp_path / "data" / "db"
    home = db_dir / neo4j_local.HOME_DIR
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("")
    environment = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    command = ["java", "-Xmx768m", "-XX:+UseSerialGC", "-cp", neo4j_local._classpath(),
               "org.neo4j.cli.AdminTool", *arguments]  # fmt: skip
    result = subprocess.run(command, cwd=imports, env=environment, capture_output=True,
                            text=True, check=False, timeout=600)  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    assert (home / "data" / "databases" / "neo4j").is_dir()

    imported = settings.with_overrides(db_dir=db_dir, local_bolt_port=_free_port())
    neo4j_local.start(imported)
    try:
        _same(_state(imported), loaded)
    finally:
        neo4j_local.stop(imported)
