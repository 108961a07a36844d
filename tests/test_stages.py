"""The run's stage list (``runner.STAGES``) names what a run writes: every file pattern a stage
writes matches a file after a run on the seed documents."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.runner import STAGES, run

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _expand(pattern: str) -> list[str]:
    """``a/{b,c}/*.json`` → ``a/b/*.json``, ``a/c/*.json``."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [
        expanded
        for choice in match.group(1).split(",")
        for expanded in _expand(pattern[: match.start()] + choice + pattern[match.end() :])
    ]


def test_stages_are_in_run_order_and_unique():
    names = [stage.name for stage in STAGES]
    assert names[0] == "scan" and names[-1] == "manifest" and len(set(names)) == len(names)
    assert names.index("process") < names.index("export") < names.index("load")


@pytest.mark.slow
def test_every_output_a_stage_names_is_written(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, workers=1)
    shutil.copytree(RAW, settings.path(settings.raw_dir))
    run(settings, load=False)
    patterns = [p for stage in STAGES for p in stage.writes if p != "database"]
    assert patterns
    for pattern in patterns:
        for expanded in _expand(pattern):
            assert list(tmp_path.glob(expanded)), f"{expanded}: nothing written"


# ------------------------------------------------------------- the per-file stage functions

SEED = "003_e14da291fa1a9871.txt"  # a raw file with targets, responsibilities and programmes


@pytest.fixture(scope="module")
def nlp():
    from pipeline.runner import _nlp_for

    return _nlp_for(Settings())


def test_stage_functions_compose_to_what_process_file_returns(nlp) -> None:
    from pipeline import stages
    from pipeline.runner import process_file

    data = (RAW / SEED).read_bytes()
    result = process_file(Settings(), SEED, "sha", data, nlp)
    documents = stages.structure(stages.ingest(SEED, data).articles)
    rdfs = [stages.build(d, stages.extract(d, nlp), Settings()) for d in documents]
    assert result.error is None and documents
    assert [o.doc_id for o in result.outputs] == [d.doc_id for d in documents]
    assert [o.rdf.ntriples for o in result.outputs if o.rdf] == [r.ntriples for r in rdfs]
    assert any(r.triples for r in rdfs) and all(r.conforms for r in rdfs)
    assert {"ingest", "structure", "extract", "build rdf", "validate"} <= set(result.seconds)


def test_process_file_runs_the_stage_functions(nlp, monkeypatch) -> None:
    from pipeline import stages
    from pipeline.runner import process_file

    extracted: list[str] = []
    real = stages.extract

    def extract(document, nlp):
        extracted.append(document.doc_id)
        return real(document, nlp)

    monkeypatch.setattr(stages, "extract", extract)
    result = process_file(Settings(), SEED, "sha", (RAW / SEED).read_bytes(), nlp)
    assert extracted == [o.doc_id for o in result.outputs]


@pytest.mark.slow
def test_cli_stage_commands_write_what_the_run_writes(nlp, tmp_path: Path) -> None:
    import json

    from pipeline.cli.build_cmd import build_dir
    from pipeline.cli.extract_cmd import extract_dir
    from pipeline.cli.ingest_cmd import ingest_paths
    from pipeline.cli.structure_cmd import structure_dir
    from pipeline.runner import process_file
    from pipeline.store import record_path

    settings = Settings(root=tmp_path)
    ingest_paths([RAW / SEED], tmp_path)
    structure_dir(tmp_path, tmp_path)
    extract_dir(tmp_path, tmp_path, settings)
    build_dir(tmp_path, tmp_path / "graph", settings, validate=True)
    result = process_file(settings, SEED, "sha", (RAW / SEED).read_bytes(), nlp)
    assert result.outputs
    for out in result.outputs:
        written = {
            kind: json.loads(record_path(tmp_path / kind, out.doc_id).read_text(encoding="utf-8"))
            for kind in ("articles", "documents", "facts")
        }
        assert written["articles"] == json.loads(out.article_json)
        assert written["documents"] == json.loads(out.document_json)
        assert written["facts"] == json.loads(out.facts_json or "null")
        nt = record_path(tmp_path / "graph" / "docs", out.doc_id, ".nt").read_text(encoding="utf-8")
        assert out.rdf is not None and nt == out.rdf.ntriples


def test_extract_command_skips_a_document_its_stage_fails_on(tmp_path: Path, monkeypatch, capsys):
    from pipeline import stages
    from pipeline.cli.extract_cmd import extract_dir
    from pipeline.cli.ingest_cmd import ingest_paths
    from pipeline.cli.structure_cmd import structure_dir

    ingest_paths([RAW / SEED], tmp_path)
    rows = structure_dir(tmp_path, tmp_path)
    failing = rows[0]["doc_id"]

    def extract(document, nlp):
        if document.doc_id == failing:
            raise ValueError("a bug")
        return _blank_facts(document, nlp)

    monkeypatch.setattr(stages, "extract", extract)
    counts = extract_dir(tmp_path, tmp_path, Settings())
    assert counts["skipped"] == 1 and counts["documents"] == len(rows) - 1
    assert f"skipped {failing}" in capsys.readouterr().err


def _blank_facts(document, nlp):
    from pipeline.models import DocumentFacts

    return DocumentFacts(document.doc_id, document.article.source, (), (), (), (), (), (), ())


def test_build_command_builds_each_document_through_its_stage(tmp_path: Path, monkeypatch):
    from pipeline import stages
    from pipeline.cli.build_cmd import build_dir
    from pipeline.cli.ingest_cmd import ingest_paths
    from pipeline.cli.structure_cmd import structure_dir
    from pipeline.store import record_path, write_json

    ingest_paths([RAW / SEED], tmp_path)
    rows = structure_dir(tmp_path, tmp_path)
    for row in rows:
        write_json(record_path(tmp_path / "facts", row["doc_id"]), _blank_facts_of(tmp_path, row))
    built: list[str] = []
    real = stages.build

    def build(document, facts, settings, **kwargs):
        built.append(document.doc_id)
        return real(document, facts, settings, **kwargs)

    monkeypatch.setattr(stages, "build", build)
    counts = build_dir(tmp_path, tmp_path / "graph", Settings(root=tmp_path))
    assert built == sorted(built) and set(built) == {r["doc_id"] for r in rows}
    assert counts["documents"] == len(rows) and counts["triples"] > 0


def _blank_facts_of(root: Path, row: dict):
    from pipeline.models import Document
    from pipeline.store import read_record, record_path

    return _blank_facts(read_record(record_path(root / "documents", row["doc_id"]), Document), None)
