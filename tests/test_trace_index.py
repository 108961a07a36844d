"""The trace index answers as the records do, and is never read once the records have changed."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from analysis_records import HEALTH, NATIONAL_HEALTH, literal_corpus, seed_corpus

from pipeline.analysis.corpus import Corpus
from pipeline.analysis.reprints import find_reprints, without_reprints
from pipeline.analysis.trace import (
    BodyNames,
    body_candidates,
    corpus_bodies,
    goal_owners,
    resolve_body_name,
    trace_body,
)
from pipeline.analysis.trace_index import (
    INDEX_NAME,
    STAMP_NAME,
    open_trace_index,
    read_trace_index,
    records_fingerprint,
    write_trace_index,
)
from pipeline.config import Settings
from pipeline.errors import AnalysisError
from pipeline.store import record_path, write_json


def _distinct(corpus: Corpus) -> Corpus:
    return without_reprints(corpus, find_reprints(corpus))


def _write_records(root: Path, corpus: Corpus) -> Settings:
    settings = Settings(root=root)
    interim = settings.path(settings.interim_dir)
    for doc in corpus.documents:
        write_json(record_path(interim / "documents", doc.doc_id), doc, indent=None)
    for facts in corpus.facts:
        write_json(record_path(interim / "facts", facts.doc_id), facts, indent=None)
    return settings


@pytest.mark.parametrize("source", ["literal", "seed"])
def test_trace_index_answers_as_the_records(tmp_path: Path, source: str) -> None:
    corpus = _distinct(literal_corpus() if source == "literal" else seed_corpus())
    settings = Settings(root=tmp_path)
    write_trace_index(settings, corpus, "fp")
    index = read_trace_index(tmp_path / "data/interim" / INDEX_NAME, "fp")
    assert index is not None
    assert index.names() == BodyNames.of(corpus)
    bodies = list(corpus_bodies(corpus))
    assert len(bodies) >= 3
    for body in [*bodies, "没有这个机构"]:
        assert index.trace(body) == trace_body(body, corpus), body
    indicators = sorted({t.indicator for f in corpus.facts for t in f.targets})
    assert indicators
    for query in [*indicators, "签约率", "门急诊占比", "婴儿死亡率"]:
        assert index.goals(query) == goal_owners(query, corpus), query


def test_trace_index_resolves_names_as_the_corpus() -> None:
    corpus = _distinct(literal_corpus())
    names = BodyNames.of(corpus)
    for name in ["市卫健委", "卫生健康委", "国家卫健委", "市医保局", HEALTH]:
        assert body_candidates(name, names) == body_candidates(name, corpus), name
    assert resolve_body_name("市卫健委", names) == HEALTH
    with pytest.raises(AnalysisError, match="ambiguous") as info:
        resolve_body_name("卫生健康委员会", names)
    assert NATIONAL_HEALTH in str(info.value)


def test_open_trace_index_writes_the_index_and_reads_it_back(tmp_path: Path) -> None:
    corpus = literal_corpus()
    settings = _write_records(tmp_path, corpus)
    path = tmp_path / "data/interim" / INDEX_NAME
    assert not path.exists()
    open_trace_index(settings).close()
    assert path.is_file()
    stamp = (tmp_path / "data/interim" / STAMP_NAME).read_text(encoding="ascii").strip()
    assert stamp == records_fingerprint(tmp_path / "data/interim")
    written = path.stat().st_mtime_ns
    again = open_trace_index(settings)
    assert path.stat().st_mtime_ns == written  # up to date: read, not written again
    assert again.trace(HEALTH) == trace_body(HEALTH, _distinct(corpus))


def test_open_trace_index_rebuilds_when_a_record_changes(tmp_path: Path) -> None:
    corpus = literal_corpus()
    settings = _write_records(tmp_path, corpus)
    before = open_trace_index(settings).trace(HEALTH)
    assert before.tasks
    # the city document's facts without its responsibilities: the body leads nothing any more
    city = next(f for f in corpus.facts if any(r.body == HEALTH for r in f.responsibilities))
    changed = replace(city, responsibilities=())
    path = record_path(tmp_path / "data/interim/facts", city.doc_id)
    write_json(path, changed, indent=None)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = open_trace_index(settings).trace(HEALTH)
    assert after.tasks == ()
    others = [f for f in corpus.facts if f.doc_id != city.doc_id]
    assert after == trace_body(HEALTH, _distinct(Corpus.of(corpus.documents, [*others, changed])))


def test_open_trace_index_without_records_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="no built documents"):
        open_trace_index(Settings(root=tmp_path))


def test_query_suggestion_reads_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli.db_cmd import _suggest_bodies

    settings = _write_records(tmp_path, literal_corpus())
    _suggest_bodies(settings, "临河市卫建委")
    assert HEALTH in capsys.readouterr().err
    assert (tmp_path / "data/interim" / INDEX_NAME).is_file()
    _suggest_bodies(settings, HEALTH)  # a known body without goals: nothing to suggest
    assert capsys.readouterr().err == ""


def test_the_index_bytes_depend_on_the_records_only(tmp_path: Path) -> None:
    """Two builds of the same records write the same index file (its fingerprint, which holds
    modification times, is kept in the stamp beside it)."""
    corpus = literal_corpus()
    first = _write_records(tmp_path / "a", corpus)
    second = _write_records(tmp_path / "b", corpus)
    open_trace_index(first).close()
    open_trace_index(second).close()
    a, b = (tmp_path / d / "data/interim" / INDEX_NAME for d in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    stamps = [(tmp_path / d / "data/interim" / STAMP_NAME).read_text() for d in ("a", "b")]
    assert all(len(s.strip()) == 64 for s in stamps)
