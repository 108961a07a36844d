"""Every query file runs on the seed graph and returns facts stated in the seed texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import QueryError
from pipeline.graphdb.queries import (
    check_read_only,
    list_queries,
    parse_query_file,
    run_query,
)  # fmt: skip

ROOT = Path(__file__).resolve().parents[1]

QUERIES = {
    q.name: q for q in [parse_query_file(p) for p in sorted((ROOT / "queries").glob("*.cypher"))]
}
PARAMS = {"body": "卫生健康委", "indicator": "门急诊", "year": 2025, "programme": "千县工程",
          "document": "中办发", "fact": "/lead/"}  # fmt: skip


def test_every_query_file_has_a_header():
    for query in QUERIES.values():
        assert query.title and query.description and query.example.startswith("policykg query")
        assert set(query.parameters) <= set(PARAMS)


@pytest.mark.parametrize(
    "text", ["MATCH (n) DETACH DELETE n", "MATCH (n) SET n.x = 1", "CREATE (n)"]
)
def test_check_read_only_refuses_writes(text):
    with pytest.raises(QueryError):
        check_read_only(text)


def test_check_read_only_ignores_keywords_in_strings():
    check_read_only("MATCH (n) WHERE n.heading CONTAINS 'SET' RETURN n")


@pytest.fixture(scope="module")
def loaded(engine_seed_graph):
    """The seed graph loaded on each engine (FalkorDB, Neo4j): every query test runs on both."""
    from pipeline.graphdb.load import load_graph
    from pipeline.graphdb.server import connect

    with connect(engine_seed_graph) as conn:
        conn.clear()
    load_graph(engine_seed_graph)
    with connect(engine_seed_graph) as conn:
        yield conn


def _run(conn, name):
    query = QUERIES[name]
    return run_query(conn, query, {k: PARAMS[k] for k in query.parameters})[1]


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_runs(loaded, name):
    assert _run(loaded, name), f"{name} returned no rows on the seed graph"


@pytest.mark.integration
def test_owners_of_indicator_finds_lead_of_primary_care_target(loaded):
    rows = _run(loaded, "owners_of_indicator")
    assert {"indicator": "基层门急诊人次占比", "comparator": "≥", "value": 65.0, "unit": "%", "deadline": "2025",
            "task": "筑牢基层服务网底", "body": "聊城市卫生健康委员会", "role": "lead"} in rows  # fmt: skip


@pytest.mark.integration
@pytest.mark.parametrize(
    "alias", ["卫生健康委", "市卫健委", "聊城市卫健委", "聊城市卫生健康委员会"]
)
def test_goals_of_body_matches_any_alias(loaded, alias):
    query = QUERIES["goals_of_body"]
    rows = run_query(loaded, query, {"body": alias})[1]
    assert any(r["task"] == "筑牢基层服务网底" and r["role"] == "lead"
               and r["body"] == "聊城市卫生健康委员会" for r in rows)  # fmt: skip


@pytest.mark.integration
def test_programme_tasks_links_qianxian_to_county_medical_community(loaded):
    rows = _run(loaded, "programme_tasks")
    assert any(
        r["programme"] == "千县工程" and r["task"] == "全面推进紧密型县域医共体建设" for r in rows
    )


@pytest.mark.integration
def test_due_by_year_excludes_later_deadlines(loaded):
    query = QUERIES["due_by_year"]
    rows = run_query(loaded, query, {"year": 2025})[1]
    assert rows, "the seed graph has targets due by 2025"
    assert all(int(str(r["deadline"])[:4]) <= 2025 for r in rows)
    assert not run_query(loaded, query, {"year": 2020})[1], "no seed target is due by 2020"
    assert any(r["indicator"] == "基层门急诊人次占比" for r in _run(loaded, "due_by_year"))


@pytest.mark.integration
def test_provenance_gives_source_sentence(loaded):
    rows = _run(loaded, "provenance")
    assert rows, "provenance returned nothing"
    assert all(r["source"].endswith(".txt") and r["sentence"] for r in rows)


@pytest.mark.integration
def test_named_query_missing_parameter_is_an_error(loaded):
    with pytest.raises(QueryError, match="needs parameter"):
        run_query(loaded, QUERIES["goals_of_body"], {})


def test_list_queries_uses_settings_dir():
    from pipeline.config import Settings

    assert {q.name for q in list_queries(Settings())} >= {"goals_of_body", "owners_of_indicator"}


@pytest.mark.integration
@pytest.mark.parametrize("suffix", ["'", "' body='市卫健委", "\\"])
def test_goals_of_body_parameter_is_data_even_with_quotes(loaded, suffix):
    # FalkorDB writes parameters into the query text; unescaped, "x' body='y" would override $body.
    rows = run_query(loaded, QUERIES["goals_of_body"], {"body": "市卫健委" + suffix})[1]
    assert rows == []


# --------------------------------------------------------------------------- the read-only guard

#: Statements that write, each hiding its write from a naive keyword check in its own way.
BYPASSES = [
    "MATCH (n) /* ' */ CREATE (:X {v: 7}) /* ' */ RETURN 1",
    "WITH 1 AS `'` CREATE (:X) RETURN 1",
    "// it's\nCREATE (:X) RETURN 1",
    "MATCH (n) // it's\nCREATE (:X) RETURN 1",
    'WITH "it\'s" AS s CREATE (:X {s: s}) RETURN 1',
    "WITH 'a\\'b' AS s CREATE (:X) RETURN s",
    "WITH 1 AS `a``'` CREATE (:X) RETURN 1",
    "CALL { CREATE (:X) } RETURN 1",
    "MATCH (n) CALL { WITH n CREATE (:X) } RETURN 1",
    "MATCH (n) CALL (n) { SET n.v = 1 } RETURN 1",
    "FOREACH (i IN [1] | CREATE (:X))",
    "UNWIND [1] AS i FOREACH (j IN [i] | MERGE (:X {v: j}))",
    "LOAD CSV FROM 'file:///etc/passwd' AS row CREATE (:X {r: row[0]})",
    "load csv from 'file:///etc/passwd' as row return row",
    "CALL db.idx.fulltext.createNodeIndex('X', 'v')",
    "CALL db.idx.fulltext.drop('X')",
    "CALL `db`.`idx`.fulltext.createNodeIndex('X', 'v')",
    "CALL apoc.create.node(['X'], {})",
    "CALL apoc.cypher.runWrite('CREATE (:X)', {})",
    "MATCH (n) CALL apoc.refactor.rename.label('A', 'B') YIELD total RETURN 1",
    "MATCH (n) RETURN n UNION MATCH (n) DETACH DELETE n RETURN n",
    "MATCH (n)\tREMOVE n:Resource",
    "CREATE INDEX FOR (n:X) ON (n.v)",
    "DROP INDEX ON :X(v)",
    "MATCH (n) SeT n.v = 1",
    "INSERT (:X)",
    "MATCH (n) /* unterminated comment CREATE (:X)",
    "MATCH (n) WHERE n.v = 'unterminated RETURN n",
    "MATCH (n) WITH n AS `unterminated RETURN n",
]


@pytest.mark.parametrize("text", BYPASSES)
def test_check_read_only_refuses_hidden_writes(text):
    with pytest.raises(QueryError):
        check_read_only(text)


@pytest.mark.parametrize("text", [
    "MATCH (n:Resource) WHERE n.heading CONTAINS 'CREATE' RETURN n.uri /* SET */ // DELETE",
    "MATCH (n:`Create`) RETURN n.`set`, n.merge, $delete",
    "MATCH (n)-[:REMOVE]->(m) RETURN count(*)",
    "CALL db.labels()",
    "CALL db.labels() YIELD label RETURN label",
    "CALL { MATCH (n) RETURN count(n) AS c } RETURN c",
    "RETURN 'it''s' AS s",
    "WITH 'x' AS `it's` RETURN `it's`",
])  # fmt: skip
def test_check_read_only_accepts_reads(text):
    check_read_only(text)


def test_cypher_literal_keeps_quotes_as_data():
    from pipeline.graphdb.falkordb.read import statement_with_parameters

    statement = statement_with_parameters("RETURN $b", {"b": "x' RETURN 1 //", "n": 2})
    assert statement == "CYPHER b='x\\' RETURN 1 //' n=2 RETURN $b"
    with pytest.raises(QueryError, match="bad name"):
        statement_with_parameters("RETURN 1", {"a b": 1})


def _node_count(settings) -> int:
    from pipeline.graphdb.falkordb.server import redis_client
    from pipeline.graphdb.falkordb.staging import FALKORDB_GRAPH

    client = redis_client(settings)
    try:
        reply = client.execute_command("GRAPH.QUERY", FALKORDB_GRAPH, "MATCH (n) RETURN count(n)")
        return int(reply[1][0][0])
    finally:
        client.close()


@pytest.mark.integration
@pytest.mark.parametrize("text", [t for t in BYPASSES if "unterminated" not in t and "apoc" not in t
                                  and "INSERT" not in t and "CALL (n)" not in t])  # fmt: skip
def test_run_read_only_server_refuses_writes_without_the_text_check(
    graph, graph_server, monkeypatch, text
):
    # The server's read-only path alone must refuse: switch the text check off.
    from pipeline.graphdb import queries

    graph.session().run("CREATE (:Resource {uri: 'a', v: 1})").consume()
    before = _node_count(graph_server)
    monkeypatch.setattr(queries, "check_read_only", lambda text: None)
    with pytest.raises(QueryError):
        queries.run_read_only(graph, text, {})
    assert _node_count(graph_server) == before
    labels = queries.run_read_only(graph, "MATCH (n) RETURN labels(n) AS l, n.v AS v", {})[1]
    assert labels == [{"l": ["Resource"], "v": 1}]


@pytest.mark.integration
def test_run_read_only_returns_typed_values_and_parameters(graph, graph_server):
    from pipeline.graphdb.queries import run_read_only

    graph.session().run(
        "CREATE (:Resource {uri: 'a', n: 2, f: 1.5, ok: true, l: ['x', 'y']})-[:R {w: 3}]->(:Resource {uri: 'b'})"
    ).consume()
    columns, rows = run_read_only(
        graph,
        "MATCH (a {uri: $u})-[r]->(b) RETURN a, r.w AS w, b.uri AS b, {k: a.l} AS m, $q AS q, $x AS x",
        {"u": "a", "q": "it's", "x": 0.1},
    )  # fmt: skip
    assert columns == ["a", "w", "b", "m", "q", "x"]
    assert rows == [{"a": {"uri": "a", "n": 2, "f": 1.5, "ok": True, "l": ["x", "y"]}, "w": 3, "b": "b",
                     "m": {"k": ["x", "y"]}, "q": "it's", "x": 0.1}]  # fmt: skip


def test_run_read_only_uses_a_read_session_on_neo4j():
    from pipeline.graphdb.connection import Connection
    from pipeline.graphdb.dialect import Dialect
    from pipeline.graphdb.falkordb.driver import FalkorDBConnection
    from pipeline.graphdb.queries import run_read_only

    modes = []

    class Result:
        def __iter__(self):
            return iter([])

        def keys(self):
            return ["x"]

    class Session:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def run(self, text, params):
            return Result()

    class Driver:
        def session(self, **kwargs):
            modes.append(kwargs.get("default_access_mode"))
            return Session()

    assert run_read_only(Connection(Driver(), Dialect.NEO4J, None), "RETURN 1 AS x", {}) == (
        ["x"],
        [],
    )
    assert modes == ["READ"]
    with pytest.raises(QueryError, match="read-only path"):  # a remote FalkorDB (no Redis port)
        run_read_only(FalkorDBConnection(Driver(), Dialect.FALKORDB, None), "RETURN 1", {})


# --------------------------------------------------------------------------- output as a user reads it


def _cli(monkeypatch, settings, *args):
    """``policykg query ARGS`` against the seed graph, through the console entry point;
    (exit code, stdout, stderr)."""
    import contextlib
    import io
    import sys

    from pipeline.cli import db_cmd, main

    monkeypatch.setattr(db_cmd, "_settings", lambda: settings)
    monkeypatch.setattr(sys, "argv", ["policykg", "query", *args])
    monkeypatch.setenv("COLUMNS", "400")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
    return code, out.getvalue(), err.getvalue()


def _csv(monkeypatch, settings, *args):
    import csv
    import io

    code, out, err = _cli(monkeypatch, settings, *args, "--format", "csv")
    assert code == 0, err
    assert out.endswith("\n")
    return list(csv.DictReader(io.StringIO(out)))


@pytest.mark.integration
def test_query_csv_joins_lists_and_writes_whole_numbers(loaded, engine_seed_graph, monkeypatch):
    rows = _csv(monkeypatch, engine_seed_graph, "programme_tasks", "-p", "programme=千县工程")
    bodies = next(r["bodies"] for r in rows if r["task"] == "全面推进紧密型县域医共体建设")
    assert "聊城市卫生健康委员会、" in bodies and "[" not in bodies and '"' not in bodies
    due = _csv(monkeypatch, engine_seed_graph, "due_by_year", "-p", "year=2025")
    primary = next(r for r in due if r["indicator"] == "基层门急诊人次占比")
    assert (primary["comparator"], primary["value"], primary["unit"], primary["deadline"]) == (
        "≥",
        "65",
        "%",
        "2025",
    )
    assert not any(r["value"].endswith(".0") for r in due)


@pytest.mark.integration
def test_query_cascade_and_documents_citing_list_each_pair_once(
    loaded, engine_seed_graph, monkeypatch
):
    citing = _csv(monkeypatch, engine_seed_graph, "documents_citing", "-p", "document=中办发")
    pairs = [(r["cited"], r["citing"]) for r in citing]
    assert len(pairs) == len(set(pairs)) >= 1
    assert {r["relation"] for r in citing} <= {"implements", "cites"}
    assert any(r["relation"] == "implements" for r in citing)
    cascade = _csv(monkeypatch, engine_seed_graph, "cascade", "-p", "document=中办发")
    tasks = [(r["source"], r["implementer"], r["section"]) for r in cascade]
    assert len(tasks) == len(set(tasks)) > 5


@pytest.mark.integration
def test_query_year_in_chinese_numerals_reads_as_digits(loaded, engine_seed_graph, monkeypatch):
    digits = _csv(monkeypatch, engine_seed_graph, "due_by_year", "-p", "year=2025")
    assert (
        digits
        and _csv(monkeypatch, engine_seed_graph, "due_by_year", "-p", "year=二〇二五") == digits
    )
    code, out, err = _cli(monkeypatch, engine_seed_graph, "due_by_year", "-p", "year=明年")
    assert code == 2 and out == "" and "year='明年' is not a whole number" in err


@pytest.mark.integration
def test_query_table_and_json_end_with_newline(loaded, engine_seed_graph, monkeypatch):
    import json

    code, out, _ = _cli(
        monkeypatch, engine_seed_graph, "owners_of_indicator", "-p", "indicator=门急诊"
    )
    assert code == 0 and out.endswith("\n") and "65.0" not in out and "≥" in out
    code, out, _ = _cli(
        monkeypatch,
        engine_seed_graph,
        "owners_of_indicator",
        "-p",
        "indicator=门急诊",
        "--format",
        "json",
    )
    assert code == 0 and out.endswith("]\n")
    assert {"indicator": "基层门急诊人次占比", "comparator": "≥", "value": 65, "unit": "%", "deadline": "2025",
            "task": "筑牢基层服务网底", "body": "聊城市卫生健康委员会", "role": "lead"} in json.loads(out)  # fmt: skip


@pytest.mark.integration
def test_query_typo_gives_the_servers_message_with_its_place(
    loaded, engine_seed_graph, monkeypatch
):
    code, _, err = _cli(monkeypatch, engine_seed_graph, "--cypher", "MATCH (n)\nRETRUN n")
    assert code == 2
    assert "unknown error" not in err.lower() and "line 2" in err and "column" in err


@pytest.mark.integration
def test_named_query_typo_over_bolt_gives_the_servers_message(
    loaded, engine_seed_graph, monkeypatch, tmp_path
):
    # Named queries run over Bolt, where FalkorDB sends a code but no message.
    (tmp_path / "broken.cypher").write_text(
        "// title: t\n// description: d\n// params: (none)\n// example: policykg query broken\n"
        "MATCH (t:Task)\nRETURN t.heading AS task ORDERBY task\n",
        encoding="utf-8",
    )
    settings = engine_seed_graph.with_overrides(queries_dir=tmp_path)
    code, _, err = _cli(monkeypatch, settings, "broken")
    assert code == 2
    assert "unknown error" not in err.lower() and "line 2" in err and "broken.cypher" in err


@pytest.mark.integration
def test_deadline_timeline_shows_each_deadline_once_and_none_blank(loaded):
    rows = _run(loaded, "deadline_timeline")
    deadlines = [r["deadline"] for r in rows]
    assert all(deadlines) and len(deadlines) == len(set(deadlines))
    assert "2025" in deadlines and not any(d.endswith("-12-31") for d in deadlines)
