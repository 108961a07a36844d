"""Every query file runs on the seed graph and returns facts stated in the seed texts."""

from __future__ import annotations

import pytest

from pipeline.errors import QueryError
from pipeline.graphdb.queries import (
    check_read_only, format_rows, list_queries, parse_params, parse_query_file, run_query,
)  # fmt: skip
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

QUERIES = {q.name: q for q in [parse_query_file(p) for p in sorted((ROOT / "queries").glob("*.cypher"))]}
PARAMS = {"body": "卫生健康委", "indicator": "门急诊", "year": 2025, "programme": "千县工程",
          "document": "中办发", "fact": "/lead/"}  # fmt: skip


def test_every_query_file_has_a_header():
    for query in QUERIES.values():
        assert query.title and query.description and query.example.startswith("policykg query")
        assert set(query.parameters) <= set(PARAMS)


@pytest.mark.parametrize("text", ["MATCH (n) DETACH DELETE n", "MATCH (n) SET n.x = 1", "CREATE (n)"])
def test_check_read_only_refuses_writes(text):
    with pytest.raises(QueryError):
        check_read_only(text)


def test_check_read_only_ignores_keywords_in_strings():
    check_read_only("MATCH (n) WHERE n.heading CONTAINS 'SET' RETURN n")


def test_parse_params_types_values():
    assert parse_params(["year=2025", "body=卫生健康委"]) == {"year": 2025, "body": "卫生健康委"}


def test_format_rows_csv_and_json():
    rows = [{"a": 1, "b": ["x", "y"]}]
    assert format_rows(["a", "b"], rows, "csv") == 'a,b\n1,"[""x"", ""y""]"\n'
    assert '"a": 1' in format_rows(["a", "b"], rows, "json")


@pytest.fixture(scope="module")
def loaded(engine_seed_graph):
    """The seed graph loaded on each engine (FalkorDB, Neo4j): every query test runs on both."""
    from pipeline.graphdb.connection import connect
    from pipeline.graphdb.load import clear_graph, load_graph

    with connect(engine_seed_graph) as conn:
        clear_graph(conn)
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
    assert {"indicator": "基层门急诊人次占比", "value": 65.0, "unit": "%", "deadline": "2025",
            "task": "筑牢基层服务网底", "body": "聊城市卫生健康委员会", "role": "lead"} in rows  # fmt: skip


@pytest.mark.integration
@pytest.mark.parametrize("alias", ["卫生健康委", "市卫健委", "聊城市卫健委", "聊城市卫生健康委员会"])
def test_goals_of_body_matches_any_alias(loaded, alias):
    query = QUERIES["goals_of_body"]
    rows = run_query(loaded, query, {"body": alias})[1]
    assert any(r["task"] == "筑牢基层服务网底" and r["role"] == "lead"
               and r["body"] == "聊城市卫生健康委员会" for r in rows)  # fmt: skip


@pytest.mark.integration
def test_programme_tasks_links_qianxian_to_county_medical_community(loaded):
    rows = _run(loaded, "programme_tasks")
    assert any(r["programme"] == "千县工程" and r["task"] == "全面推进紧密型县域医共体建设" for r in rows)


@pytest.mark.integration
def test_due_by_year_excludes_later_deadlines(loaded):
    query = QUERIES["due_by_year"]
    rows = run_query(loaded, query, {"year": 2024})[1]
    assert all(int(r["deadline"][:4]) <= 2024 for r in rows)
    assert any(r["indicator"] == "基层门急诊人次占比" for r in _run(loaded, "due_by_year"))


@pytest.mark.integration
def test_provenance_gives_source_sentence(loaded):
    rows = _run(loaded, "provenance")
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
