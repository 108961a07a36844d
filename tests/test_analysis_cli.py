"""The analyst's commands end to end on literal records written to a temporary project root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_records import HEALTH, NATIONAL_HEALTH, literal_corpus, run_cli
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from pipeline.rdf import document_graph
from pipeline.rdf.export import export_merged, write_document_graph
from pipeline.store import record_path, write_json


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding the literal records and their built graph (``policykg.nt``)."""
    corpus = literal_corpus()
    for doc in corpus.documents:
        write_json(record_path(tmp_path / "data/interim/documents", doc.doc_id), doc, indent=None)
        write_document_graph(
            document_graph(doc, corpus.facts_of(doc.doc_id)),
            doc.doc_id,
            tmp_path / "data/graph/docs",
        )
    for facts in corpus.facts:
        write_json(record_path(tmp_path / "data/interim/facts", facts.doc_id), facts, indent=None)
    export_merged(Settings(root=tmp_path), jsonld=False)
    monkeypatch.setenv("POLICYKG_ROOT", str(tmp_path))
    return tmp_path


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_trace_json_groups_by_document_and_task(project: Path) -> None:
    data = json.loads(_invoke("trace", "市卫健委", "--format", "json"))
    assert data["body"] == HEALTH
    (document,) = data["documents"]
    tasks = document["tasks"]
    assert tasks[0]["heading"] == "全面推进紧密型县域医共体建设"
    assert tasks[0]["targets"][0]["deadline"] == "2025"
    assert tasks[0]["targets"][0]["evidence"]["sentence"]
    assert [t["role"] for t in tasks].count("support") == 1


def test_trace_table_lists_tasks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    out = _invoke("trace", HEALTH)
    assert "完善中医药服务体系" in out and "牵头" in out and "配合" in out


def test_trace_ambiguous_name_fails_with_candidates(project: Path) -> None:
    run = run_cli(project, "trace", "卫生健康委员会")
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "ambiguous" in lines[0]
    assert HEALTH in lines[0] and NATIONAL_HEALTH in lines[0]


def test_trace_without_records_says_what_to_do(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "trace", "市卫健委")
    assert run.returncode != 0
    assert "policykg run" in run.stderr and "Traceback" not in run.stderr


def test_goal_lists_owners(project: Path) -> None:
    data = json.loads(_invoke("goal", "重点人群签约率", "--format", "json"))
    assert {g["doc_id"] for g in data} == {"901_national#0", "902_city#0"}
    city = next(g for g in data if g["doc_id"] == "902_city#0")
    assert HEALTH in city["leads"]


def test_analyze_writes_checked_turtle(project: Path) -> None:
    out = _invoke("analyze", "--no-db")
    assert HEALTH in out
    turtle = (project / "data/graph/analysis.ttl").read_text(encoding="utf-8")
    assert (
        "pk:answersTask" in turtle
        and "pk:betweenness" in turtle
        and "pk:CoordinationPair" in turtle
    )
    assert "SHACL: 0 violations" in out


def test_analyze_without_built_graph_says_what_to_do(project: Path) -> None:
    (project / "data/graph/policykg.nt").unlink()
    run = run_cli(project, "analyze", "--no-db")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "no built graph" in lines[0] and "policykg run" in lines[0]
    assert not (project / "data/graph/analysis.ttl").exists()


def test_analyze_refuses_records_the_graph_does_not_have(project: Path) -> None:
    # a graph built before the city plan's tasks existed: ANSWERS links would dangle
    merged = project / "data/graph/policykg.nt"
    kept = [
        ln
        for ln in merged.read_text(encoding="utf-8").splitlines(keepends=True)
        if not ln.startswith("<https://w3id.org/policykg/id/doc/902_city.0/task/")
    ]
    merged.write_text("".join(kept), encoding="utf-8")
    run = run_cli(project, "analyze", "--no-db")
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "analysis.ttl does not conform" in line and "902_city.0/task/" in line
    assert "Traceback" not in run.stderr
    assert not (project / "data/graph/analysis.ttl").exists()


@pytest.mark.parametrize("command", ["trace", "goal"])
def test_trace_and_goal_db_without_a_server_say_how_to_start_one(
    project: Path, command: str
) -> None:
    run = run_cli(project, command, "市卫健委", "--db")
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "cannot reach the graph server" in line and "policykg db start" in line


def test_report_writes_page(project: Path) -> None:
    _invoke("report")
    page = (project / "data/graph/report/index.html").read_text(encoding="utf-8")
    assert (
        page.startswith("<!DOCTYPE html>") and "临河市进一步完善医疗卫生服务体系的实施方案" in page
    )


def test_analyze_without_database_server_still_writes_turtle(project: Path) -> None:
    env = {"POLICYKG_BOLT_PORT": "9", "COLUMNS": "300"}  # discard port: nothing listens there
    run = run_cli(project, "analyze", "--db", env=env)
    assert run.returncode == 0, run.stderr
    assert "database not updated" in run.stdout and "policykg db start" in run.stdout
    assert (project / "data/graph/analysis.ttl").exists()


def test_write_analysis_unreachable_server_is_one_clear_error() -> None:
    from pipeline.analysis.database import write_analysis
    from pipeline.config import Settings
    from pipeline.errors import DatabaseError

    settings = Settings().with_overrides(local_bolt_port=9)
    with pytest.raises(DatabaseError, match="cannot reach the graph server at bolt://127.0.0.1:9"):
        write_analysis(settings, {"bodies": [], "answers": []})
