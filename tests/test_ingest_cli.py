"""``policykg ingest``: article files, the report, skipped files and --strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import ingest_cmd
from pipeline.models import Article
from pipeline.store import read_record

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:  # a group, so the command is invoked by name as in policykg
        pass

    ingest_cmd.register(app)
    return app


@pytest.fixture()
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted(RAW.iterdir()):
        shutil.copy(seed, raw / seed.name)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (raw / "broken.md").write_text(
        "---\ntitle: 无结束的头\n<p>加强医疗<span>卫生</span>服务体系建设\n", encoding="utf-8"
    )
    return raw


def test_ingest_cli_writes_articles_and_report(raw_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "interim"
    result = CliRunner().invoke(_app(), ["ingest", str(raw_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "articles").iterdir())
    assert len(names) == 2 + 5 + 1 + 1 + 1 + 1  # seeds + broken.md
    article = read_record(out / "articles" / "002_ad0221d9827c4750.0.json", Article)
    assert "职工基本医疗保险" in article.text and article.offsets.segments
    report = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))
    assert [i["source"] for i in report["inputs"]] == sorted(p.name for p in raw_dir.iterdir())
    skipped = {s["source"]: s for s in report["skipped"]}
    assert set(skipped) == {"empty.txt", "image.png"}
    assert skipped["empty.txt"]["code"] == "E100" and "empty" in skipped["empty.txt"]["reason"]
    broken = next(i for i in report["inputs"] if i["source"] == "broken.md")
    assert broken["status"] == "ok" and broken["warnings"]
    assert report["counts"] == {
        "files": 8,
        "ingested": 6,
        "skipped": 2,
        "articles": 11,
        "relevant": 6,
    }


def test_ingest_cli_names_each_bad_file_on_one_line(raw_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["ingest", str(raw_dir), "--out", str(tmp_path / "o")])
    skipped_lines = [
        line for line in result.stderr.splitlines() if line.startswith("policykg: skipped")
    ]
    assert len(skipped_lines) == 2
    assert any("empty.txt" in line for line in skipped_lines)
    assert any("image.png" in line and "binary" in line for line in skipped_lines)


@pytest.mark.parametrize(("extra", "code"), [([], 0), (["--strict"], 1)])
def test_ingest_cli_strict_exit_code(
    raw_dir: Path, tmp_path: Path, extra: list[str], code: int
) -> None:
    result = CliRunner().invoke(
        _app(), ["ingest", str(raw_dir), "--out", str(tmp_path / "o"), *extra]
    )
    assert result.exit_code == code
    assert (tmp_path / "o" / "ingest_report.json").exists()  # written even when strict fails


def test_ingest_cli_strict_passes_on_clean_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["ingest", str(RAW), "--out", str(tmp_path / "o"), "--strict"]
    )
    assert result.exit_code == 0


def test_ingest_cli_removes_stale_articles(tmp_path: Path) -> None:
    out = tmp_path / "o"
    stale = out / "articles" / "002_ad0221d9827c4750.3.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    CliRunner().invoke(_app(), ["ingest", str(RAW / "002_ad0221d9827c4750.txt"), "--out", str(out)])
    assert sorted(p.name for p in stale.parent.iterdir()) == ["002_ad0221d9827c4750.0.json"]
