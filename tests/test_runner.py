"""The runner: incremental scan by content hash, and whole runs on the seed documents."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.manifest import Manifest
from pipeline.runner import changed_inputs, fingerprint, load_manifest, run

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    return Settings(root=tmp_path)


def _manifest_for(settings: Settings, *, stat: bool = False) -> Manifest:
    """A manifest recording every raw file as processed (as a finished run leaves it; with
    ``stat``, with the ``stat`` each file had when hashed)."""
    from pipeline.manifest import stat_key

    files = {}
    for path in sorted(settings.path(settings.raw_dir).iterdir()):
        files[path.name] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "size": path.stat().st_size,
            "doc_ids": [],
            "counts": {},
            **({"stat": stat_key(path)} if stat else {}),
        }
    return Manifest.from_json({"fingerprint": fingerprint(settings), "files": files})


def test_changed_inputs_empty_manifest_lists_every_raw_file(settings):
    todo, removed = changed_inputs(settings, Manifest())
    assert [p.name for p, _, _ in todo] == sorted(p.name for p in RAW.iterdir())
    for path, sha, size in todo:
        assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
        assert size == path.stat().st_size
    assert removed == []


@pytest.mark.parametrize("stat", [False, True], ids=["hashed", "by-stat"])
def test_changed_inputs_unchanged_files_are_skipped(settings, stat):
    assert changed_inputs(settings, _manifest_for(settings, stat=stat)) == ([], [])


def test_changed_inputs_reads_no_file_whose_stat_is_recorded(settings, monkeypatch):
    from pipeline import runner

    manifest = _manifest_for(settings, stat=True)
    edited = settings.path(settings.raw_dir) / "004_9ee0ee2d1a04337c.txt"
    edited.write_bytes(edited.read_bytes() + b"\n")
    read: list[str] = []
    real_read = runner.read_raw
    monkeypatch.setattr(runner, "read_raw", lambda path: read.append(path.name) or real_read(path))
    todo, _ = changed_inputs(settings, manifest)
    assert read == [edited.name] and [p.name for p, _, _ in todo] == [edited.name]


def test_changed_inputs_records_the_stat_of_a_touched_but_identical_file(settings):
    manifest = _manifest_for(settings, stat=True)
    path = settings.path(settings.raw_dir) / "003_e14da291fa1a9871.txt"
    os.utime(path, ns=(1, 1))
    assert changed_inputs(settings, manifest) == ([], [])
    assert manifest.files[path.name].stat[1] == 1  # hashed once: not read again next time


def test_changed_inputs_touched_but_identical_file_is_skipped(settings):
    manifest = _manifest_for(settings)
    path = settings.path(settings.raw_dir) / "003_e14da291fa1a9871.txt"
    os.utime(path, ns=(1, 1))
    assert changed_inputs(settings, manifest) == ([], [])


def test_changed_inputs_same_size_and_mtime_but_new_content_is_reprocessed(settings):
    manifest = _manifest_for(settings, stat=True)  # the ctime tells the rewrite apart
    path = settings.path(settings.raw_dir) / "003_e14da291fa1a9871.txt"
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[-2:] = b"!\n"
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert [p.name for p, _, _ in changed_inputs(settings, manifest)[0]] == [path.name]


def test_changed_inputs_edited_file_is_reprocessed(settings):
    manifest = _manifest_for(settings)
    path = settings.path(settings.raw_dir) / "004_9ee0ee2d1a04337c.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    todo, removed = changed_inputs(settings, manifest)
    assert [p.name for p, _, _ in todo] == [path.name]
    assert removed == []


def test_changed_inputs_deleted_file_is_reported_removed(settings):
    manifest = _manifest_for(settings)
    (settings.path(settings.raw_dir) / "000_84d2e6405c0b6c5b.txt").unlink()
    assert changed_inputs(settings, manifest) == ([], ["000_84d2e6405c0b6c5b.txt"])


@pytest.mark.parametrize("force", [True, False])
def test_changed_inputs_stale_fingerprint_or_force_rebuilds_all(settings, force):
    manifest = _manifest_for(settings, stat=True)
    if not force:
        manifest.fingerprint = "an older pipeline"
    todo, _ = changed_inputs(settings, manifest, force=force)
    assert len(todo) == len(list(RAW.iterdir()))


def test_load_manifest_corrupt_file_means_rebuild(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_manifest(path) == Manifest()


def test_manifest_save_leaves_an_unchanged_manifest_alone(tmp_path):
    path = tmp_path / "manifest.json"
    manifest = Manifest("abc", database="stamp")
    manifest.save(path)
    before = path.stat()
    again = load_manifest(path)
    assert again == manifest and again.database == "stamp"
    again.save(path)
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    again.database = None
    again.save(path)
    assert load_manifest(path).database is None


# --------------------------------------------------------------------------- whole runs


def _snapshot(settings: Settings) -> dict[str, bytes]:
    roots = [settings.path(settings.interim_dir), settings.path(settings.graph_dir)]
    return {
        str(p.relative_to(settings.root)): p.read_bytes()
        for root in roots
        if root.exists()
        for p in sorted(root.rglob("*"))
        # the manifest and the trace index's stamp are caches keyed by file times, not outputs
        if p.is_file() and p.name not in ("manifest.json", "trace_index.stamp")
    }


@pytest.mark.slow
def test_run_seeds_then_rebuild_only_what_changed(settings):
    first = run(settings, load=False)
    assert sorted(first.changed_files) == sorted(p.name for p in RAW.iterdir() if not first.skipped)
    assert first.documents >= len(first.changed_files)
    assert first.relevant_documents >= 4 and first.tasks > 0 and first.bodies > 0
    docs = sorted((settings.path(settings.interim_dir) / "facts").glob("*.json"))
    assert docs, "facts records are written"
    # the corpus-wide analysis ran after the build: the 聊城 plan's tasks answer the national 意见's
    analysis = settings.path(settings.graph_dir) / "analysis.ttl"
    assert first.outputs["analysis"] == str(analysis)
    assert "answersTask" in analysis.read_text(encoding="utf-8")
    assert "analyse" in first.times.seconds

    again = run(settings, load=False)
    assert again.changed_files == [] and again.removed_files == []
    assert "analyse" not in again.times.seconds  # nothing changed, nothing to re-analyse
    assert (again.documents, again.bodies, again.targets) == (
        first.documents,
        first.bodies,
        first.targets,
    )

    edited = settings.path(settings.raw_dir) / "004_9ee0ee2d1a04337c.txt"
    edited.write_bytes(edited.read_bytes() + b"\n")
    assert run(settings, load=False).changed_files == [edited.name]

    gone = settings.path(settings.raw_dir) / "003_e14da291fa1a9871.txt"
    gone.unlink()
    removal = run(settings, load=False)
    assert removal.removed_files == [gone.name]
    assert not list((settings.path(settings.interim_dir) / "documents").glob("003_*"))


@pytest.mark.slow
@pytest.mark.parametrize("edits", [1, 4])
def test_rebuild_updates_the_merged_graph_and_writes_what_a_cold_build_writes(
    settings, tmp_path, monkeypatch, edits
):
    """One edited file is redone in this process; four go to a pool of two workers. The merged
    graph takes in the changed documents alone (no full merge)."""
    from pipeline import runner
    from pipeline.rdf import merged

    settings = settings.with_overrides(workers=2)
    run(settings, load=False)
    docs_dir = settings.path(settings.graph_dir) / "docs"
    raw = sorted(settings.path(settings.raw_dir).iterdir(), reverse=True)
    edited = sorted(p.name for p in raw[:edits])
    stems = tuple(name.split(".")[0] + "." for name in edited)
    before = {p.name: p.read_bytes() for p in docs_dir.glob("*.nt") if p.name.startswith(stems)}
    for path in raw[:edits]:
        path.write_bytes(
            path.read_bytes().replace("。".encode(), "。各级卫生健康委负责落实。".encode(), 1)
        )
    monkeypatch.setattr(merged, "COLD_SHARE", 1.0)  # four of five files changed: still a delta
    colds, deltas = [], []
    real_cold, real_delta = merged.MergedGraph._cold, merged.MergedGraph._delta
    monkeypatch.setattr(
        merged.MergedGraph, "_cold", lambda s, *a: colds.append(1) or real_cold(s, *a)
    )
    monkeypatch.setattr(
        merged.MergedGraph, "_delta", lambda s, *a: deltas.append(a[3]) or real_delta(s, *a)
    )
    pooled, real_pool = [], runner._iter_pool
    monkeypatch.setattr(runner, "_iter_pool", lambda *a: pooled.append(1) or real_pool(*a))
    rebuilt = run(settings, load=False)

    assert sorted(rebuilt.changed_files) == edited
    assert bool(pooled) == (edits >= runner.POOL_MIN_FILES)
    after = {p.name: p.read_bytes() for p in docs_dir.glob("*.nt") if p.name.startswith(stems)}
    assert after.keys() == before.keys() and any(after[k] != before[k] for k in after)
    changed_docs = sorted(k[: -len(".nt")] for k in after if after[k] != before[k])
    assert not colds and deltas and set(changed_docs) <= set(deltas[0])
    cold = Settings(root=tmp_path / "cold")
    shutil.copytree(settings.path(settings.raw_dir), cold.path(cold.raw_dir))
    run(cold, load=False)
    assert _snapshot(settings) == _snapshot(cold)


@pytest.mark.slow
def test_rebuild_without_analysis_exports_the_import_files_beside_the_merged_graph(
    settings, tmp_path, monkeypatch
):
    """With no analysis to wait for, a one-file rebuild writes the import files on a side
    thread while the merged graph is written: the same bytes as a cold build."""
    import threading

    from pipeline import runner

    run(settings, load=False, analyse=False)
    edited = sorted(settings.path(settings.raw_dir).iterdir())[1]
    edited.write_bytes(
        edited.read_bytes().replace("。".encode(), "。各级卫生健康委负责落实。".encode(), 1)
    )
    threads, real = [], runner.import_files
    monkeypatch.setattr(
        runner, "import_files",
        lambda *a: threads.append(threading.current_thread().name) or real(*a),
    )  # fmt: skip
    rebuilt = run(settings, load=False, analyse=False)
    assert rebuilt.changed_files == [edited.name]
    assert len(threads) == 1 and threads[0].startswith("export")
    assert "neo4j import (cypher)" in rebuilt.outputs
    cold = Settings(root=tmp_path / "cold")
    shutil.copytree(settings.path(settings.raw_dir), cold.path(cold.raw_dir))
    run(cold, load=False, analyse=False)
    assert _snapshot(settings) == _snapshot(cold)


def test_a_server_out_of_reach_fails_a_small_run_after_its_files_are_kept(tmp_path):
    """A run of a few files reaches for the database beside the processing: a server that
    cannot be reached is the run's one error, once the file's records and graphs are written
    (the next run, with the server back, loads them; the manifest says nothing was loaded)."""
    from pipeline.errors import DatabaseError

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    seed = min(RAW.iterdir(), key=lambda p: p.stat().st_size)
    shutil.copy(seed, raw / seed.name)
    settings = Settings(root=tmp_path, neo4j_uri="bolt://127.0.0.1:9")
    with pytest.raises(DatabaseError, match="bolt://127.0.0.1:9"):
        run(settings, load=True, analyse=False)
    manifest = load_manifest(settings.path(settings.interim_dir) / "manifest.json")
    assert list(manifest.files) == [seed.name] and manifest.database is None
    assert any((settings.path(settings.interim_dir) / "articles").iterdir())
    assert run(settings, load=False, analyse=False).changed_files == []


@pytest.mark.slow
def test_run_two_workers_writes_the_same_bytes_as_one(settings, tmp_path):
    run(settings, load=False)
    parallel = Settings(root=tmp_path / "parallel", workers=2)
    shutil.copytree(RAW, parallel.path(parallel.raw_dir))
    run(parallel, load=False)
    assert _snapshot(parallel) == _snapshot(settings)


@pytest.mark.slow
def test_run_stops_on_a_shacl_violation_and_redoes_the_file_next_time(settings, monkeypatch):
    from pipeline.rdf import build
    from pipeline.rdf.namespace import PK

    real = build.built_document

    def without_units(doc, facts):  # a real violation: targets lose their unit
        built = real(doc, facts)
        lines = built.ntriples.splitlines(keepends=True)
        kept = "".join(line for line in lines if f" <{PK.unit}> " not in line)
        return build.BuiltDocument(kept, built.mentions_conform)

    monkeypatch.setattr(build, "built_document", without_units)
    with pytest.raises(GraphBuildError, match="SHACL"):
        run(settings, load=False)
    monkeypatch.undo()
    assert run(settings, load=False).changed_files  # the failed file was not marked done


# --------------------------------------------------------------------------- runs that load


@pytest.fixture
def loading(graph, graph_server, tmp_path) -> Settings:
    """Settings on the seed raw files whose database is the (emptied) test server."""
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    running = graph_server.path(graph_server.db_dir)  # the server the run finds already started
    return graph_server.with_overrides(root=tmp_path, db_dir=running, workers=2)  # a worker pool


def _recorded(settings: Settings) -> set[str]:
    from pipeline.graphdb.server import connect

    with connect(settings) as conn, conn.session() as session:
        return {r["doc"] for r in session.run("MATCH (m:PolicykgLoad) RETURN m.doc AS doc")}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("bulk_load", [True, False], ids=["bulk-into-empty-graph", "one-by-one"])
def test_run_loads_documents_alongside_extraction(loading, monkeypatch, caplog, bulk_load):
    from pipeline import runner
    from pipeline.graphdb import load
    from pipeline.graphdb.falkordb import bulk
    from pipeline.graphdb.falkordb.driver import FalkorDBConnection

    bulk_calls: list[int] = []
    real_send = bulk.BulkWriter._send
    monkeypatch.setattr(
        bulk.BulkWriter, "_send", lambda self, a: bulk_calls.append(1) or real_send(self, a)
    )
    if not bulk_load:  # as when the graph holds documents already
        real_open = FalkorDBConnection.open_writer
        monkeypatch.setattr(
            FalkorDBConnection,
            "open_writer",
            lambda self, **kw: real_open(self, **{**kw, "bulk": False}),
        )
    final_passes = []
    real_sync = load.sync_documents
    monkeypatch.setattr(
        load,
        "sync_documents",
        lambda w, f: final_passes.append(real_sync(w, f)) or final_passes[-1],
    )
    events: list[str] = []
    real_export, real_save = runner.export_graph, FalkorDBConnection.save

    def export_graph(*args):
        written = real_export(*args)
        events.append("exported")
        return written

    monkeypatch.setattr(runner, "export_graph", export_graph)
    monkeypatch.setattr(  # the run saves through its connection, never around it
        FalkorDBConnection,
        "save",
        lambda self, **kwargs: events.append("saved") or real_save(self, **kwargs),
    )
    turtle = loading.path(loading.graph_dir) / "docs"
    summary = run(loading, analyse=False)
    written = {p.stem for p in turtle.glob("*.ttl")}
    assert written and _recorded(loading) == written
    # every document went in while the others were being extracted; the final pass found each
    # one unchanged by its hash, so nothing was loaded twice
    assert set(final_passes[0].unchanged) == written and not final_passes[0].loaded
    assert summary.loaded_documents == len(written)
    assert summary.times.seconds["load (alongside extraction)"] > 0
    assert (
        "final load pass takes over" not in caplog.text
        and "bulk load not possible" not in caplog.text
    )
    assert bool(bulk_calls) == bulk_load
    # what the thread loaded is saved to disk once, after the export (their writes contend)
    assert events == ["exported", "saved"]
    again = run(loading, analyse=False)
    assert again.loaded_documents == 0 and _recorded(loading) == written
    assert events == ["exported", "saved"]  # nothing changed: no export, no save


@pytest.mark.integration
@pytest.mark.slow
def test_run_with_nothing_changed_leaves_the_loaded_server_alone(loading, monkeypatch):
    from pipeline import runner
    from pipeline.graphdb import server

    run(loading, load=True, analyse=False)
    written = _recorded(loading)
    connections: list[int] = []
    real_connect = server.connect
    monkeypatch.setattr(server, "connect", lambda *a, **k: connections.append(1) or real_connect(*a, **k))  # fmt: skip
    again = run(loading, analyse=False)
    assert connections == [] and again.loaded_documents == 0
    # a Turtle file written since (by hand): its new hash goes to the database
    edited = min((loading.path(loading.graph_dir) / "docs").glob("*.ttl"))
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    changed = run(loading, analyse=False)
    assert connections and changed.loaded_documents == 1 and _recorded(loading) == written
    # another server process (restarted, perhaps on other data): the load pass runs again
    connections.clear()
    assert run(loading, analyse=False).loaded_documents == 0 and connections == []
    monkeypatch.setattr(runner, "_process_start", lambda pid: "a later start")
    assert run(loading, analyse=False).loaded_documents == 0 and connections


@pytest.mark.integration
@pytest.mark.slow
def test_run_load_falls_back_to_the_final_pass_when_the_background_load_fails(
    loading, monkeypatch, caplog
):
    from pipeline.errors import DatabaseError
    from pipeline.graphdb.falkordb.writer import FalkorDBWriter

    real_write = FalkorDBWriter.write
    failed: list[str] = []

    def lost_once(self, document):  # the first document written alongside fails, once
        if not failed:
            failed.append(document.doc)
            raise DatabaseError("injected: the server went away for a moment")
        return real_write(self, document)

    monkeypatch.setattr(FalkorDBWriter, "write", lost_once)
    monkeypatch.setattr(FalkorDBWriter, "_bulk_add", lambda self, document: None)  # one by one
    summary = run(loading, analyse=False)
    assert "injected" in caplog.text and "final load pass takes over" in caplog.text
    written = {p.stem for p in (loading.path(loading.graph_dir) / "docs").glob("*.ttl")}
    assert _recorded(loading) == written and summary.loaded_documents == len(written)


@pytest.mark.integration
@pytest.mark.slow
def test_run_falls_back_to_one_by_one_when_the_bulk_load_fails(loading, monkeypatch, caplog):
    from pipeline.errors import DatabaseError
    from pipeline.graphdb.falkordb import bulk

    def unwritable(self, doc, sha256, pg):
        raise DatabaseError(f"injected: {doc} cannot be written by the bulk load")

    monkeypatch.setattr(bulk.BulkWriter, "add", unwritable)
    summary = run(loading, analyse=False)
    assert "bulk load not possible" in caplog.text and "loading document by document" in caplog.text
    written = {p.stem for p in (loading.path(loading.graph_dir) / "docs").glob("*.ttl")}
    assert _recorded(loading) == written and summary.loaded_documents == len(written)


def test_pool_workers_collect_garbage_less_often(settings):
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.runner import GC_YOUNG_THRESHOLD, _worker_init

    with ProcessPoolExecutor(max_workers=1, initializer=_worker_init, initargs=(settings,)) as pool:
        threshold, frozen = pool.submit(_gc_state).result()
    assert threshold[0] == GC_YOUNG_THRESHOLD != gc.get_threshold()[0]
    assert frozen > 10_000  # the spaCy pipeline and the gazetteers are out of the collector's scans


def _gc_state():
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_changed_inputs_lists_an_unfixed_skipped_file_again(settings):
    manifest = _manifest_for(settings)
    name = min(manifest.files)
    manifest.files[name].skipped = "not a text file"
    manifest.files[name].skipped_code = "E100"
    skipped = []
    todo, _ = changed_inputs(settings, manifest, skipped=skipped)
    assert todo == [] and [(s.source, s.code, s.reason) for s in skipped] == [
        (name, "E100", "not a text file")
    ]


@pytest.mark.slow
def test_run_lists_a_skipped_file_on_every_run_and_writes_the_ingest_report(tmp_path):
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from analysis_records import run_cli

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(RAW / "003_e14da291fa1a9871.txt", raw)
    (raw / "broken.txt").write_bytes(bytes(range(256)) * 8)
    for attempt in (1, 2):
        run = run_cli(tmp_path, "run", "--no-load", "--no-analysis")
        assert run.returncode == 0, run.stderr
        assert "skipped broken.txt" in run.stdout, f"run {attempt} did not list it"
        report = json.loads(
            (tmp_path / "data" / "interim" / "ingest_report.json").read_text(encoding="utf-8")
        )
        assert [i["source"] for i in report["inputs"] if i["status"] == "skipped"] == ["broken.txt"]
        assert report["counts"]["ingested"] == 1 and report["counts"]["documents"] >= 1
