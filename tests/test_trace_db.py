"""``trace --db`` on each engine answers what the records answer for the same seed build."""

from __future__ import annotations

import pytest

from pipeline.analysis.trace import BodyTrace, GoalOwnership, goal_owners, trace_body
from pipeline.analysis.trace_db import goals_from_database, trace_from_database
from tests.analysis_records import seed_corpus

pytestmark = pytest.mark.integration


def _facts(trace: BodyTrace) -> list[tuple]:
    """What a trace says, evidence by its offsets and sentence (the records add page/sheet)."""
    return [
        (
            t.doc_id,
            t.task_id,
            t.heading,
            t.role,
            t.leads,
            t.supports,
            (t.evidence.start, t.evidence.end, t.evidence.sentence),
            [
                (g.indicator, g.comparator, g.value, g.unit, g.deadline, g.evidence.start)
                for g in t.targets
            ],
        )
        for t in trace.tasks
    ]


@pytest.fixture(scope="module")
def loaded(engine_seed_graph):
    from pipeline.graphdb.load import load_graph
    from pipeline.graphdb.server import connect

    with connect(engine_seed_graph) as conn:
        conn.clear()
    load_graph(engine_seed_graph)
    with connect(engine_seed_graph) as conn, conn.session(read_only=True) as session:
        yield session


def test_every_responsible_body_traces_the_same_from_the_database(loaded):
    corpus = seed_corpus()
    bodies = sorted({r.body for f in corpus.facts for r in f.responsibilities})
    assert len(bodies) >= 10
    with_targets = 0
    for body in bodies:
        expected = trace_body(body, corpus)
        got = trace_from_database(loaded, body)
        assert _facts(got) == _facts(expected), body
        with_targets += any(t.targets for t in got.tasks)
    assert with_targets >= 3  # the comparison covers targets, not only tasks


def _goal_facts(goals: list[GoalOwnership]) -> list[tuple]:
    return sorted(
        (
            g.target.indicator,
            g.target.comparator,
            g.target.value,
            g.target.unit,
            g.target.deadline,
            (g.target.evidence.start, g.target.evidence.sentence),
            g.doc_id,
            g.document_title,
            g.task_heading,
            g.leads,
            g.supports,
            tuple(sorted(g.issuers)),
            g.match,
        )
        for g in goals
    )


def test_every_indicator_has_the_same_owners_in_the_database(loaded):
    corpus = seed_corpus()
    indicators = sorted({t.indicator for f in corpus.facts for t in f.targets})
    assert len(indicators) >= 20
    owned = 0
    for indicator in [*indicators, "门急诊", "没有这个指标"]:
        expected = goal_owners(indicator, corpus)
        got = goals_from_database(loaded, indicator)
        assert _goal_facts(got) == _goal_facts(expected), indicator
        owned += any(g.leads for g in got)
    assert owned >= 5  # owners compared, not only targets


def test_an_unknown_body_traces_to_nothing(loaded):
    assert trace_from_database(loaded, "没有这个机构").tasks == ()


def _trace_cli(monkeypatch, settings, *args: str, command: str = "trace") -> tuple[int, str]:
    """``policykg trace ARGS --db`` (or ``command``) through the console entry point:
    (exit code, output)."""
    import contextlib
    import io
    import sys
    from types import SimpleNamespace

    from pipeline.cli import analysis_cmd, main

    monkeypatch.setattr(analysis_cmd, "Settings", SimpleNamespace(from_env=lambda: settings))
    monkeypatch.setattr(sys, "argv", ["policykg", command, *args, "--db"])
    monkeypatch.setenv("COLUMNS", "400")
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue()


def test_trace_db_command_prints_the_city_commission_goals(loaded, engine_seed_graph, monkeypatch):
    import json

    code, out = _trace_cli(
        monkeypatch, engine_seed_graph, "聊城市卫生健康委员会", "--format", "json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["body"] == "聊城市卫生健康委员会"
    tasks = [t for d in data["documents"] for t in d["tasks"] if t["role"] == "lead"]
    primary = next(t for t in tasks if t["heading"] == "筑牢基层服务网底")
    assert ("基层门急诊人次占比", 65.0, "2025") in {
        (g["indicator"], g["value"], g["deadline"]) for g in primary["targets"]
    }


def test_trace_db_command_refuses_a_name_the_graph_does_not_hold(
    loaded, engine_seed_graph, monkeypatch
):
    code, out = _trace_cli(monkeypatch, engine_seed_graph, "没有这个机构")
    assert code != 0 and "no body in the database is called" in out, out


def test_goal_db_command_names_the_owners(loaded, engine_seed_graph, monkeypatch):
    import json

    code, out = _trace_cli(
        monkeypatch, engine_seed_graph, "基层门急诊人次占比", "--format", "json", command="goal"
    )
    assert code == 0, out
    rows = json.loads(out)
    assert any(
        r["target"]["value"] == 65.0 and "聊城市卫生健康委员会" in r["leads"] for r in rows
    ), rows
