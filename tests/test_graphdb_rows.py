"""Rows kept by the builder (pipeline.graphdb.rows): what a run writes beside each Turtle file,
and when the loader and the import-file export take them instead of parsing the Turtle."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.graphdb.load import load_files
from pipeline.graphdb.mapping import read_document
from pipeline.graphdb.rows import read_rows, rows_dir, rows_path
from pipeline.runner import DocumentOutput, run

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Settings:
    """The seed documents run through every stage, without the database."""
    root = tmp_path_factory.mktemp("rows")
    shutil.copytree(RAW, root / "data" / "raw")
    settings = Settings(root=root)
    run(settings, load=False, analyse=False)
    return settings


@pytest.fixture
def settings(built: Settings, tmp_path: Path) -> Settings:
    """A copy of the built root a test may change."""
    shutil.copytree(built.root, tmp_path / "root")
    return built.with_overrides(root=tmp_path / "root")


def _turtle(settings: Settings) -> list[Path]:
    return sorted((settings.path(settings.graph_dir) / "docs").glob("*.ttl"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, doc: str) -> None:
        raise AssertionError(f"{path.name} was parsed")

    monkeypatch.setattr("pipeline.graphdb.writer.read_document", refuse)


def test_a_run_keeps_every_documents_rows_as_its_turtle_maps(built):
    turtle = _turtle(built)
    graph_dir = built.path(built.graph_dir)
    assert len(turtle) >= 5
    assert sorted(p.stem for p in rows_dir(graph_dir).iterdir()) == [p.stem for p in turtle]
    for path in turtle:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        kept = read_rows(rows_path(graph_dir, path.stem), digest)
        assert kept is not None and kept == read_document(path, path.stem), path.name
        assert read_rows(rows_path(graph_dir, path.stem), "0" * 64) is None


def test_the_loader_and_the_export_take_the_kept_rows_without_parsing(settings, monkeypatch):
    from pipeline.graphdb.export import export_graph_files

    graph_dir = settings.path(settings.graph_dir)
    expected = {p.stem: read_document(p, p.stem) for p in _turtle(settings)}
    written = {name: Path(path).read_bytes() for name, path in export_graph_files(settings).items()}
    shutil.rmtree(graph_dir.parent / "cache" / graph_dir.name / "import")  # a cold export next
    _no_parsing(monkeypatch)
    assert {doc: f.graph() for doc, f in load_files(settings).items()} == expected
    again = export_graph_files(settings)
    assert {name: Path(path).read_bytes() for name, path in again.items()} == written


def test_rows_of_another_turtle_or_a_damaged_file_are_not_taken(settings):
    first, second = _turtle(settings)[:2]
    graph_dir = settings.path(settings.graph_dir)
    extra = '<https://w3id.org/policykg/ontology#edited> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
    first.write_text(first.read_text(encoding="utf-8") + extra, encoding="utf-8")
    rows_path(graph_dir, second.stem).write_bytes(b"\x80\x05not a pickle")
    files = load_files(settings)
    edited = files[first.stem].graph()
    assert "https://w3id.org/policykg/ontology#edited" in {n.uri for n in edited.nodes}
    assert edited == read_document(first, first.stem)
    assert files[second.stem].graph() == read_document(second, second.stem)


def test_a_removed_raw_file_takes_its_rows_with_it(settings):
    graph_dir = settings.path(settings.graph_dir)
    raw = min(settings.path(settings.raw_dir).iterdir())
    before = {p.stem for p in rows_dir(graph_dir).iterdir()}
    raw.unlink()
    run(settings, load=False, analyse=False)
    after = {p.stem for p in rows_dir(graph_dir).iterdir()}
    assert after == {p.stem for p in _turtle(settings)}
    assert after < before and all(not stem.startswith(raw.stem) for stem in after)


def test_the_rows_travel_with_a_documents_json(built):
    """What Dask workers send back keeps the rows and the Turtle's digest."""
    graph_dir = built.path(built.graph_dir)
    path = _turtle(built)[0]
    data = rows_path(graph_dir, path.stem).read_bytes()
    out = DocumentOutput("d#0", "{}", "{}", None, None, "ab" * 32, data)
    back = DocumentOutput.from_json(out.to_json())
    assert back == out and back.rows == data


def test_per_document_files_are_listed_as_glob_lists_them(built, tmp_path):
    """files_by_stem (one scandir) gives what sorted(glob) gave: name order, hidden files and
    other suffixes left out, nothing for a missing directory."""
    from pipeline.store import files_by_stem

    docs = built.path(built.graph_dir) / "docs"
    assert files_by_stem(docs, ".ttl") == {p.stem: p for p in sorted(docs.glob("*.ttl"))}
    (tmp_path / ".hidden.0.ttl").write_text("")
    (tmp_path / "b.0.ttl").write_text("")
    (tmp_path / "a.10.ttl").write_text("")
    (tmp_path / "a.2.nt").write_text("")
    assert list(files_by_stem(tmp_path, ".ttl").items()) == [
        ("a.10", tmp_path / "a.10.ttl"),
        ("b.0", tmp_path / "b.0.ttl"),
    ]
    assert files_by_stem(tmp_path / "missing", ".ttl") == {}


def test_rows_mapped_by_other_mapping_code_are_not_taken(built, monkeypatch):
    """A change to the mapping code makes every kept row stale, even for the same Turtle."""
    from pipeline.graphdb import rows

    path = _turtle(built)[0]
    kept = rows_path(built.path(built.graph_dir), path.stem)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_rows(kept, digest) is not None
    monkeypatch.setattr(rows, "mapping_key", lambda: "other mapping code")
    assert read_rows(kept, digest) is None


def test_the_import_export_keeps_the_builders_rows_as_links_through_a_rebuild(
    settings, monkeypatch
):
    """The import files' cache keeps each document's rows as a hard link to the builder's file
    (no copy written); a rebuild replaces the builder's file, the link keeps the rows the export
    took in and takes out again: the files are then those of a cold export. The rebuild takes a
    sentence out, so rows the document no longer states must leave the files."""
    from pipeline.graphdb import export_shards
    from pipeline.graphdb.export import export_graph_files

    monkeypatch.setattr(export_shards, "SHARD_ROWS", 60)
    monkeypatch.setattr(export_shards, "COLD_SHARE", 1.0)
    graph_dir = settings.path(settings.graph_dir)
    cache = graph_dir.parent / "cache" / graph_dir.name / "import"
    names = ["import/nodes.csv", "import/relationships.csv", "policykg.cypher"]
    # the national plan: the sentence shifts the offsets in its mentions' IRIs
    raw = max(sorted(settings.path(settings.raw_dir).glob("*.txt")), key=lambda p: p.stat().st_size)
    text = raw.read_text(encoding="utf-8")
    raw.write_text(text.replace("。", "。市卫生健康委牵头。", 1), encoding="utf-8")
    run(settings, load=False, analyse=False)
    shutil.rmtree(cache)  # the copied root holds copies, not links: export cold again
    export_graph_files(settings)
    for path in _turtle(settings):
        kept = rows_path(graph_dir, path.stem).stat()
        assert (cache / "docs" / f"{path.stem}.rows").stat().st_ino == kept.st_ino, path.name

    raw.write_text(text, encoding="utf-8")
    _no_parsing(monkeypatch)
    colds: list[int] = []
    real_cold = export_shards.ShardedRows._cold
    monkeypatch.setattr(
        export_shards.ShardedRows, "_cold", lambda self, *a: colds.append(1) or real_cold(self, *a)
    )
    summary = run(settings, load=False, analyse=False)
    assert summary.changed_files == [raw.name] and not colds  # a delta
    incremental = {name: (graph_dir / name).read_bytes() for name in names}

    shutil.rmtree(cache)
    export_graph_files(settings)
    assert colds and incremental == {name: (graph_dir / name).read_bytes() for name in names}
