"""The analyst's commands on the seed documents (data/raw through every stage), as run by a user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_records import run_cli
from test_analysis_outputs import build_seed_project
from typer.testing import CliRunner

from pipeline.cli import app

HEALTH = "聊城市卫生健康委员会"
CITY_PLAN_TITLE = "聊城市进一步完善医疗卫生服务体系的实施方案"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_project(tmp_path_factory.mktemp("seed_cli"))


def _invoke(root: Path, *args: str) -> str:
    env = {"POLICYKG_ROOT": str(root), "COLUMNS": "400"}
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_trace_city_commission_json_lists_led_city_tasks_with_2025_targets(root: Path) -> None:
    data = json.loads(_invoke(root, "trace", "市卫生健康委", "--format", "json"))
    assert data["body"] == HEALTH and data["query"] == "市卫生健康委"
    (city,) = [d for d in data["documents"] if d["title"] == CITY_PLAN_TITLE]
    led = {t["heading"]: t for t in city["tasks"] if t["role"] == "lead"}
    assert {"筑牢基层服务网底", "全面推进紧密型县域医共体建设", "完善中医药服务体系"} <= set(led)
    primary = {
        (g["indicator"], g["value"], g["deadline"]) for g in led["筑牢基层服务网底"]["targets"]
    }
    assert ("基层门急诊人次占比", 65.0, "2025") in primary
    outpatient = next(
        g for g in led["筑牢基层服务网底"]["targets"] if g["indicator"] == "基层门急诊人次占比"
    )
    assert "基层门急诊人次占比" in outpatient["evidence"]["sentence"]
    assert all(t["evidence"]["sentence"] for t in city["tasks"])
    years = [
        min((g["year"] for g in t["targets"] if g["year"]), default=9999) for t in city["tasks"]
    ]
    assert years == sorted(years)  # by deadline


def test_trace_city_commission_table(root: Path) -> None:
    out = _invoke(root, "trace", "市卫生健康委")
    assert out.startswith(f"{HEALTH}: leads ")
    assert "筑牢基层服务网底" in out and "基层门急诊人次占比 ≥ 65% (2025)" in out and "牵头" in out


def test_trace_ambiguous_name_on_seeds_lists_candidates(root: Path) -> None:
    run = run_cli(root, "trace", "卫生健康委员会")
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "ambiguous" in line and HEALTH in line and "国家卫生健康委员会" in line


def test_goal_outpatient_share_names_its_owner(root: Path) -> None:
    data = json.loads(_invoke(root, "goal", "基层门急诊人次占比", "--format", "json"))
    first = data[0]
    assert (
        first["target"]["indicator"],
        first["target"]["value"],
        first["target"]["deadline"],
    ) == ("基层门急诊人次占比", 65.0, "2025")
    assert (
        first["document_title"] == CITY_PLAN_TITLE and first["task_heading"] == "筑牢基层服务网底"
    )
    assert first["leads"] == [HEALTH]
    table = _invoke(root, "goal", "基层门急诊人次占比")
    assert "基层门急诊人次占比 ≥ 65%" in table and HEALTH in table


def test_goal_unknown_indicator_is_one_line(root: Path) -> None:
    run = run_cli(root, "goal", "婴儿死亡率")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "policykg: error: [E800] no target's indicator matches '婴儿死亡率' (try fewer words, e.g. 签约率)"
    ]


def test_analyze_on_seeds_ranks_city_commission_first_and_names_the_reprint(root: Path) -> None:
    out = _invoke(root, "analyze", "--no-db")
    rankings = out.split("bodies by co-responsibility")[1].split("strongest coordination")[0]
    first_row = next(line for line in rankings.splitlines() if line.strip("│ ").startswith("1 "))
    assert HEALTH in first_row
    cascade = out.split("cascade: implementing task → implemented task")[1]
    assert "全面推进紧密型县域医共体建设" in cascade and "推进县域医共体建设" in cascade
    assert "also published as 000_84d2e6405c0b6c5b#" in out
    assert "SHACL: 0 violations" in out
    assert (root / "data" / "graph" / "analysis.ttl").is_file()


def test_report_on_seeds_has_every_section(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.html"
    _invoke(root, "report", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    for section in ("explorer", "overview", "matrix", "timeline", "network", "cascade"):
        assert f'id="{section}"' in page
    assert page.count('class="cascade-table"') == 1 and "同文另见" in page
    assert "基层门急诊人次占比 ≥ 65%（2025）" in page  # in the explorer's data


def test_report_to_an_unwritable_place_is_one_line(root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = run_cli(root, "report", "--out", str(blocker / "index.html"))
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "cannot write the report" in line and "--out" in line
