"""The analyst's commands end to end on literal records written to a temporary project root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from analysis_records import HEALTH, NATIONAL_HEALTH, literal_corpus
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import record_path, write_json

ROOT = Path(__file__).resolve().parent.parent
POLICYKG = ROOT / ".venv" / "bin" / "policykg"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    corpus = literal_corpus()
    for doc in corpus.documents:
        write_json(record_path(tmp_path / "data/interim/documents", doc.doc_id), doc, indent=None)
    for facts in corpus.facts:
        write_json(record_path(tmp_path / "data/interim/facts", facts.doc_id), facts, indent=None)
    monkeypatch.setenv("POLICYKG_ROOT", str(tmp_path))
    return tmp_path


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POLICYKG_ROOT": str(project)}
    command = [str(POLICYKG)] if POLICYKG.exists() else [sys.executable, "-m", "pipeline.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)


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
    run = _cli(project, "trace", "卫生健康委员会")
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "ambiguous" in lines[0]
    assert HEALTH in lines[0] and NATIONAL_HEALTH in lines[0]


def test_trace_without_records_says_what_to_do(tmp_path: Path) -> None:
    run = _cli(tmp_path, "trace", "市卫健委")
    assert run.returncode != 0
    assert "policykg run" in run.stderr and "Traceback" not in run.stderr


def test_goal_lists_owners(project: Path) -> None:
    data = json.loads(_invoke("goal", "重点人群签约率", "--format", "json"))
    assert {g["doc_id"] for g in data} == {"901_national#0", "902_city#0"}
    city = next(g for g in data if g["doc_id"] == "902_city#0")
    assert HEALTH in city["leads"]


def test_analyze_writes_turtle(project: Path) -> None:
    out = _invoke("analyze", "--no-db")
    assert HEALTH in out
    turtle = (project / "data/graph/analysis.ttl").read_text(encoding="utf-8")
    assert "pk:answersTask" in turtle and "pk:betweenness" in turtle and "pk:CoordinationPair" in turtle


def test_report_writes_page(project: Path) -> None:
    _invoke("report")
    page = (project / "data/graph/report/index.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "临河市进一步完善医疗卫生服务体系的实施方案" in page


def test_analyze_without_database_server_still_writes_turtle(project: Path) -> None:
    env = {"POLICYKG_BOLT_PORT": "9", "COLUMNS": "300"}  # discard port: nothing listens there
    run = subprocess.run([str(POLICYKG), "analyze", "--db"], capture_output=True, text=True,
                         env={**os.environ, "POLICYKG_ROOT": str(project), **env}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "database not updated" in run.stdout and "policykg db start" in run.stdout
    assert (project / "data/graph/analysis.ttl").exists()


def test_write_analysis_unreachable_server_is_one_clear_error() -> None:
    from pipeline.analysis.dbsource import write_analysis
    from pipeline.config import Settings
    from pipeline.errors import DatabaseError

    settings = Settings().with_overrides(local_bolt_port=9)
    with pytest.raises(DatabaseError, match="cannot reach the graph server at bolt://127.0.0.1:9"):
        write_analysis(settings, {"bodies": [], "answers": []})
