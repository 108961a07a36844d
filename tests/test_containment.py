"""One bad raw file never stops the others: every stage contains per-file failures and says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOOD = "004_9ee0ee2d1a04337c.txt"
YAML_BOMB = (
    "---\ntitle: "
    + "[" * 500
    + "\n---\n关于加强医疗服务的通知\n一、总体要求\n（一）加强医疗服务。\n"
).encode()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw directory: one seed file, a YAML bomb, and a file the tests make fail."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(RAW / GOOD, raw / GOOD)
    (raw / "bomb.md").write_bytes(YAML_BOMB)
    (raw / "buggy.txt").write_bytes("关于加强医疗服务的通知\n一、总体要求\n".encode())
    return raw


def _fail_on_buggy(real):
    def wrapped(source, data, *args):
        if source == "buggy.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(source, data, *args)

    return wrapped


def test_parse_front_matter_survives_deep_nesting():
    from pipeline.ingest.markup import parse_front_matter

    front = parse_front_matter(YAML_BOMB.decode())
    assert front.body_start > 0 and "nests too deeply" in front.warnings[0]


def test_ingest_reports_a_failing_file_and_writes_the_others(raw, tmp_path, monkeypatch, capsys):
    from pipeline import ingest
    from pipeline.cli.ingest_cmd import ingest_paths

    monkeypatch.setattr(ingest, "ingest_file", _fail_on_buggy(ingest.ingest_file))
    report = ingest_paths([raw], tmp_path / "interim")
    status = {i["source"]: i["status"] for i in report["inputs"]}
    assert status == {GOOD: "ok", "bomb.md": "ok", "buggy.txt": "skipped"}
    assert [(s.source, s.code) for s in report["skipped"]] == [("buggy.txt", "E900")]
    lines = [line for line in capsys.readouterr().err.splitlines() if "buggy.txt" in line]
    assert len(lines) == 1 and "RecursionError" in lines[0]
    assert (tmp_path / "interim" / "articles" / "004_9ee0ee2d1a04337c.0.json").is_file()


def test_structure_reports_a_failing_file_and_writes_the_others(raw, tmp_path, monkeypatch, capsys):
    from pipeline import structure
    from pipeline.cli.ingest_cmd import ingest_paths
    from pipeline.cli.structure_cmd import structure_dir

    ingest_paths([raw], tmp_path)
    real = structure.structure_articles

    def failing(articles):
        if articles[0].source == "bomb.md":
            raise ValueError("a bug")
        return real(articles)

    monkeypatch.setattr(structure, "structure_articles", failing)
    failures = []
    rows = structure_dir(tmp_path, tmp_path, failures)
    assert [(f.source, f.code) for f in failures] == [("bomb.md", "E900")]
    assert {r["doc_id"].split("#")[0] for r in rows} == {"004_9ee0ee2d1a04337c", "buggy"}
    assert "bomb.md: ValueError: a bug" in capsys.readouterr().err


def test_facts_records_reports_a_failing_file_and_goes_on(raw, monkeypatch):
    from pipeline import runner
    from pipeline.cli.eval_cmd import facts_records

    monkeypatch.setattr(runner, "process_raw", _fail_on_buggy(runner.process_raw))
    records = {r["source"]: r for r in facts_records([raw], Settings())}
    assert set(records) == {GOOD, "bomb.md", "buggy.txt"}
    assert "RecursionError" in records["buggy.txt"]["error"] and records[GOOD]["documents"]


def test_run_skips_a_failing_file_and_builds_the_others(raw, monkeypatch):
    from pipeline import runner

    real = runner._stages

    def stages(settings, source, *args):
        if source == "buggy.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(settings, source, *args)

    monkeypatch.setattr(runner, "_stages", stages)
    settings = Settings(root=raw.parents[1], workers=1)
    summary = runner.run(settings, load=False, analyse=False)
    assert sorted(summary.changed_files) == [GOOD, "bomb.md"]
    assert [(s.source, s.code) for s in summary.skipped] == [("buggy.txt", "E900")]
    assert "RecursionError" in summary.skipped[0].reason
    assert list((raw.parents[1] / "data" / "graph" / "docs").glob("004_9ee0ee2d1a04337c.*.ttl"))
    manifest = json.loads(
        (raw.parents[1] / "data" / "interim" / "manifest.json").read_text(encoding="utf-8")
    )
    assert "RecursionError" in manifest["files"]["buggy.txt"]["skipped"]


def test_failed_file_result_travels_as_json_with_its_code():
    from pipeline.errors import FileFailedError
    from pipeline.runner import FileResult, result_from_json, result_to_json

    result = FileResult("a.txt", "0", 1, [], {}, FileFailedError("a.txt: RecursionError"))
    back = result_from_json(json.loads(json.dumps(result_to_json(result))))
    assert isinstance(back.error, FileFailedError) and back.error.message == "a.txt: RecursionError"


def test_long_document_is_extracted_in_pieces_with_the_same_facts(monkeypatch):
    from pipeline import extract
    from pipeline.ingest import ingest_bytes
    from pipeline.nlp import build_nlp
    from pipeline.structure import structure_articles

    nlp = build_nlp()
    document = structure_articles(ingest_bytes(GOOD, (RAW / GOOD).read_bytes()))[0]
    whole = extract.extract_document(document, nlp)
    monkeypatch.setattr(extract, "PIECE_CHARS", 1500)
    assert len(extract.text_pieces(document.text, 1500, [s.start for s in document.sections])) > 2
    pieces = extract.extract_document(document, nlp)
    for field in ("bodies", "body_mentions", "institutions", "targets", "programmes"):
        assert getattr(pieces, field) == getattr(whole, field), field
    # a role convention stated once (排第一位为牵头单位，下同) does not cross a piece boundary
    assert [(r.task_id, r.body, r.provenance) for r in pieces.responsibilities] == [
        (r.task_id, r.body, r.provenance) for r in whole.responsibilities
    ]


def test_document_longer_than_spacy_max_length_completes():
    from pipeline.extract import extract_document
    from pipeline.ingest import ingest_bytes
    from pipeline.nlp import build_nlp
    from pipeline.structure import structure_articles

    nlp = build_nlp()
    seed = (RAW / "003_e14da291fa1a9871.txt").read_bytes()
    document = structure_articles(ingest_bytes("three.txt", seed * 3))[
        0
    ]  # one article, 30 000 chars
    whole = extract_document(document, nlp)
    nlp.max_length = 2000  # spaCy would refuse the text: it must go in pieces
    assert len(document.text) > 10 * nlp.max_length
    pieces = extract_document(document, nlp)
    assert len(pieces.targets) == len(whole.targets) > 0
    assert (pieces.targets, pieces.body_mentions) == (whole.targets, whole.body_mentions)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "POLICYKG_ROOT": str(cwd)}
    return subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd, env=env)  # fmt: skip


def test_cli_strict_exits_non_zero_when_a_file_is_skipped(raw, tmp_path):
    os.symlink("/etc/passwd", raw / "passwd.txt")
    plain = _cli("facts", str(raw), cwd=tmp_path)
    strict = _cli("facts", str(raw), "--strict", cwd=tmp_path)
    assert plain.returncode == 0 and strict.returncode == 1
    assert "root:" not in plain.stdout
    skipped = [line for line in plain.stderr.splitlines() if "passwd.txt" in line]
    assert len(skipped) == 1 and "outside the raw directory" in skipped[0]
    assert {json.loads(line)["source"] for line in plain.stdout.splitlines()} >= {
        GOOD,
        "bomb.md",
        "passwd.txt",
    }


def test_offset_map_lookups_stay_linear_in_the_segments():
    import sys

    from pipeline.models import OffsetMap, Segment

    def traced_lines(n: int) -> int:
        offsets = OffsetMap(tuple(Segment(i, i + 1, 2 * i, 2 * i + 1) for i in range(n)))
        count = 0

        def tracer(frame, event, arg):
            nonlocal count
            if frame.f_code.co_filename.endswith("models.py"):
                count += event == "line"
                return tracer
            return None

        sys.settrace(tracer)
        try:
            for i in range(0, n, 10):
                offsets.to_raw(i, i + 1)
        finally:
            sys.settrace(None)
        return count

    small, large = traced_lines(2_000), traced_lines(8_000)
    assert large <= 5 * small, (small, large)  # a list of every start per lookup made it ~16x


@pytest.mark.slow
def test_run_survives_a_worker_that_dies_on_one_file(tmp_path, monkeypatch):
    from pipeline import runner

    raw = tmp_path / "data" / "raw"
    shutil.copytree(RAW, raw)
    (raw / "killer.txt").write_bytes("关于加强医疗服务的通知\n一、总体要求\n".encode())
    real = runner._stages

    def stages(settings, source, *args):
        if source == "killer.txt":  # runs in a forked worker: it dies as if killed
            os._exit(9)
        return real(settings, source, *args)

    monkeypatch.setattr(runner, "_stages", stages)
    summary = runner.run(Settings(root=tmp_path, workers=2), load=False, analyse=False)
    assert sorted(summary.changed_files) == sorted(p.name for p in RAW.iterdir())
    assert [(s.source, s.code) for s in summary.skipped] == [("killer.txt", "E900")]
    assert "worker process died" in summary.skipped[0].reason
