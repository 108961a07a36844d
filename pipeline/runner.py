"""The whole DAG, document by document, rebuilding only what changed.

:func:`run` is a straight sequence, :data:`STAGES`: scan the raw files against the manifest
(:mod:`pipeline.manifest`), remove what vanished, process the changed files and write their
records and graphs, export the merged graph, load the database, analyse the corpus, and export the
neo4j-admin CSVs and ``.cypher`` script. A raw file whose content and pipeline fingerprint are
unchanged is skipped entirely; a changed one is re-ingested, re-extracted, rebuilt and reloaded; a
removed one has its records, its graphs and its database subgraph deleted. The merged exports are
incremental (:mod:`pipeline.rdf.merged`). Documents stream through the stages with a bounded
number in flight: nothing holds the whole corpus.

Every raw file goes through one function, :func:`process_file`: the stage functions of
:mod:`pipeline.stages` (ingest → structure → extract → build: RDF and SHACL) in order, the same
ones the CLI's single-stage commands call, whichever executor runs it: this process
(``workers == 1`` or few files), local worker processes (``workers > 1``, each builds the spaCy
pipeline once in its initializer), or a Dask cluster (``executor == dask``; raw bytes go out in
partitions, JSON records come back). Each executor yields the same :class:`FileResult`, written
by the same :func:`apply_result`, so the outputs are byte-for-byte identical. The database is
reached only through the writer interface (:class:`pipeline.graphdb.writer.GraphWriter`) and its
connection.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import stages
from pipeline.config import Executor, Settings
from pipeline.errors import (
    FileFailedError,
    GraphBuildError,
    InputError,
    PolicyKGError,
    RunLockedError,
    file_failure,
)  # fmt: skip
from pipeline.manifest import MANIFEST, FileEntry, Manifest, fingerprint, load_manifest, stat_key
from pipeline.models import Article, Document, DocumentFacts, SkippedFile, to_jsonable
from pipeline.rdf.documents import DocumentRDF
from pipeline.store import (
    atomic_write_bytes,
    atomic_write_text,
    display_name,
    raw_files,
    read_raw,
    record_path,
    record_stem,
    release_replaced,
)  # fmt: skip

if TYPE_CHECKING:
    from pipeline.graphdb.background import LoaderThread
    from pipeline.graphdb.connection import Connection
    from pipeline.graphdb.writer import DocumentFile, GraphWriter

log = logging.getLogger(__name__)

#: Fewer changed files than this are processed here: starting workers would cost more.
POOL_MIN_FILES = 4
#: Raw files per Dask task: big enough to amortise scheduling, small enough to stream.
DASK_PARTITION = 8


@dataclass(frozen=True)
class Stage:
    """One step of :func:`run`: what it reads and what it writes (paths under the project)."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]


#: The run's DAG, in the order :func:`run` takes the stages.
STAGES = (
    Stage("scan", ("data/raw/*", "data/interim/manifest.json"), ()),
    Stage("remove", ("data/interim/manifest.json",), ()),
    Stage("process", ("data/raw/*",), ()),  # ingest → structure → extract → RDF → SHACL
    Stage(
        "write",
        (),
        ("data/interim/{articles,documents,facts}/*.json", "data/graph/docs/*.{ttl,nt}"),
    ),
    Stage("export", ("data/graph/docs/*.nt",), ("data/graph/policykg.{nt,ttl,jsonld}",)),
    Stage("load", ("data/graph/docs/*.ttl",), ("database",)),
    Stage(
        "analyse",
        ("data/interim/{documents,facts}/*.json",),
        ("data/graph/analysis.ttl", "data/graph/analysis_rows.json", "database"),
    ),
    Stage(
        "export import files",
        ("data/graph/docs/*.ttl", "data/graph/analysis_rows.json"),
        ("data/graph/import/*", "data/graph/policykg.cypher"),
    ),
    Stage("manifest", (), ("data/interim/manifest.json",)),
)

#: ``progress(stage, done, total)``: called as work advances (the CLI draws bars from it).
ProgressFn = Callable[[str, int, int], None]


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


@dataclass
class RunSummary:
    raw_files: int = 0
    raw_bytes: int = 0
    changed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    documents: int = 0
    relevant_documents: int = 0
    bodies: int = 0
    tasks: int = 0
    targets: int = 0
    programmes: int = 0
    responsibilities: int = 0
    processed_documents: int = 0
    processed_bytes: int = 0
    loaded_documents: int = 0
    loaded_rows: int = 0
    times: StageTimes = field(default_factory=StageTimes)
    outputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentOutput:
    """Everything written for one document, serialised where it was computed: its records, its
    RDF and, with the RDF, the SHA-256 of its Turtle and its property-graph rows
    (:mod:`pipeline.graphdb.rows`)."""

    doc_id: str
    article_json: str
    document_json: str
    facts_json: str | None
    rdf: DocumentRDF | None
    turtle_sha256: str | None = None
    rows: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "article": self.article_json,
            "document": self.document_json,
            "facts": self.facts_json,
            "rdf": None if self.rdf is None else self.rdf.to_json(),
            "turtle_sha256": self.turtle_sha256,
            "rows": None if self.rows is None else base64.b64encode(self.rows).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentOutput:
        rdf = None if data["rdf"] is None else DocumentRDF.from_json(data["rdf"])
        rows = data.get("rows")
        return cls(data["doc_id"], data["article"], data["document"], data["facts"], rdf,
                   data.get("turtle_sha256"), None if rows is None else base64.b64decode(rows))  # fmt: skip


@dataclass
class FileResult:
    """What the per-document stages made of one raw file (or why they could not).

    Workers send this back: record texts and RDF texts, already serialised, so the process that
    writes the files does no per-document computing of its own.
    """

    source: str
    sha256: str
    size: int
    outputs: list[DocumentOutput]
    counts: dict[str, Any]
    error: PolicyKGError | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def raw_inputs(raw_dir: Path, skipped: list[SkippedFile] | None = None) -> list[Path]:
    """The raw files of ``raw_dir``, sorted; hidden files ignored, and links leading out of it,
    subdirectories and special files appended to ``skipped`` (:func:`pipeline.store.raw_files`)."""
    if not raw_dir.is_dir():
        raise InputError(
            f"{raw_dir}: raw directory not found", hint="put raw documents in data/raw"
        )
    passed: list[tuple[Path, str]] = []
    files = raw_files([raw_dir], passed)
    if skipped is not None:
        skipped += [SkippedFile(path.name, InputError.code, reason) for path, reason in passed]
    return files


# --------------------------------------------------------------------------- per-file work


def process_raw(source: str, data: bytes, nlp: Any) -> tuple[list[Document], list[DocumentFacts]]:
    """Ingest, structure and extract one raw file (pure: bytes in, records out)."""
    documents = list(stages.structure(stages.ingest(source, data).articles))
    return documents, [stages.extract(document, nlp) for document in documents]


def _record_json(record: Any) -> str:
    return json.dumps(to_jsonable(record), ensure_ascii=False, sort_keys=True) + "\n"


def process_file(settings: Settings, source: str, sha: str, data: bytes, nlp: Any) -> FileResult:
    """Every per-document stage for one raw file: ingest → structure → extract → RDF → SHACL.

    Whatever goes wrong with this one file (unreadable input, a parser's recursion limit, a bug)
    comes back as the result's ``error``, naming the file: the other files go on."""
    try:
        return _stages(settings, source, sha, data, nlp)
    except Exception as exc:
        log.debug("%s failed", source, exc_info=True)
        return FileResult(
            source, sha, len(data), [], file_counts([], []), file_failure(source, exc)
        )


def _stages(settings: Settings, source: str, sha: str, data: bytes, nlp: Any) -> FileResult:
    """The stage functions of :mod:`pipeline.stages` in order, each timed."""
    seconds: dict[str, float] = {}

    def timed(stage: str, started: float) -> float:
        now = time.perf_counter()
        seconds[stage] = seconds.get(stage, 0.0) + now - started
        return now

    t = time.perf_counter()
    articles: tuple[Article, ...] = stages.ingest(source, data).articles
    t = timed("ingest", t)
    documents = stages.structure(articles)
    t = timed("structure", t)
    facts = [stages.extract(document, nlp) for document in documents]
    t = timed("extract", t)
    by_id = {f.doc_id: f for f in facts}
    outputs = []
    for doc in documents:
        doc_facts = by_id.get(doc.doc_id)
        rdf = None if doc_facts is None else stages.build(doc, doc_facts, settings, on_stage=timed)
        digest, rows = None, None
        if rdf is not None and rdf.conforms:
            from pipeline.graphdb.rows import mapped_rows

            t = time.perf_counter()
            digest, rows = mapped_rows(rdf.turtle, record_stem(doc.doc_id))
            timed("map rows", t)
        t = time.perf_counter()
        outputs.append(
            DocumentOutput(
                doc.doc_id,
                _record_json(doc.article),
                _record_json(doc),
                None if doc_facts is None else _record_json(doc_facts),
                rdf,
                digest,
                rows,
            )
        )
        timed("serialise records", t)
    return FileResult(source, sha, len(data), outputs, file_counts(documents, facts), None, seconds)


_WORKER_NLP: dict[tuple[str, str], Any] = {}


def _nlp_for(settings: Settings) -> Any:
    """The spaCy pipeline for ``settings``, built once per process."""
    key = (settings.segmenter.value, str(settings.pkuseg_model or ""))
    if key not in _WORKER_NLP:
        from pipeline.nlp import build_nlp

        _WORKER_NLP[key] = build_nlp(settings)
    return _WORKER_NLP[key]


#: Allocations between two young-generation collections in a process that runs the stages.
GC_YOUNG_THRESHOLD = 20_000


def tune_gc() -> None:
    """Collect garbage less often in a process that runs the per-document stages.

    Building and validating one document's graph allocates about a hundred thousand short-lived
    objects (rdflib terms, pyshacl shapes and results), and with CPython's default threshold (a
    young collection every 700 allocations, each promoting survivors towards full collections that
    walk the spaCy pipeline and the gazetteers) the collector took 13-27% of the CPU time of
    building and validating 650 bench documents, in three interleaved pairs of runs. What exists
    now (the pipeline, the shapes) is frozen out of the collector's scans, and young collections
    run every :data:`GC_YOUNG_THRESHOLD` allocations; the garbage of a few documents waits a little
    longer to be freed.
    """
    import gc

    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


@contextmanager
def collecting_less_often() -> Iterator[None]:
    """Young collections every :data:`GC_YOUNG_THRESHOLD` allocations in this process for the
    duration, as in the workers (:func:`tune_gc`), then the thresholds as they were.

    The parent of a run creates millions of short-lived objects too (the results it writes, the
    rows the import export shards); with the default thresholds the collector took about a tenth
    of the cold import export on the bench corpus."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def die_with_parent(parent_pid: int) -> None:
    """Have this process end when ``parent_pid`` (the run that started it) does.

    A killed run must leave no worker behind: on Linux the kernel sends SIGTERM when the parent
    exits (``PR_SET_PDEATHSIG``); a parent already gone before that was set is caught by the pid
    check. Elsewhere workers notice a dead parent only when their call queue breaks.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker_init(settings: Settings, parent_pid: int | None = None) -> None:
    if parent_pid is not None:
        die_with_parent(parent_pid)
    release_inherited_lock()
    # An error here is raised again by the first file, as the run's error: a failing
    # initializer would only break the pool, which reads as a dying worker.
    with contextlib.suppress(Exception):
        _nlp_for(settings)
    tune_gc()


def _process_in_worker(settings: Settings, source: str, sha: str, data: bytes) -> FileResult:
    return process_file(settings, source, sha, data, _nlp_for(settings))


def result_to_json(result: FileResult) -> dict[str, Any]:
    """A :class:`FileResult` as plain JSON data (what Dask workers send back)."""
    error = (
        None
        if result.error is None
        else {"code": result.error.code, "message": result.error.message, "hint": result.error.hint}
    )
    return {
        "source": result.source,
        "sha256": result.sha256,
        "size": result.size,
        "outputs": [o.to_json() for o in result.outputs],
        "counts": result.counts,
        "error": error,
        "seconds": result.seconds,
    }


def result_from_json(data: dict[str, Any]) -> FileResult:
    """Inverse of :func:`result_to_json`."""
    error = data["error"]
    return FileResult(
        data["source"],
        data["sha256"],
        data["size"],
        [DocumentOutput.from_json(o) for o in data["outputs"]],
        data["counts"],
        None
        if error is None
        else _error_of_code(error.get("code", InputError.code))(
            error["message"], hint=error["hint"]
        ),
        data["seconds"],
    )


def _error_of_code(code: str) -> type[PolicyKGError]:
    """The error class carrying ``code`` (a generic one for an unknown code)."""
    from pipeline import errors

    classes = [
        c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, PolicyKGError)
    ]
    return next((c for c in classes if c.code == code), errors.FileFailedError)


def process_partition_json(
    settings: Settings, items: list[tuple[str, str, bytes]]
) -> list[dict[str, Any]]:
    """Dask task: process a partition of raw files, return JSON records (nlp built once per worker)."""
    nlp = _nlp_for(settings)
    return [
        result_to_json(process_file(settings, source, sha, data, nlp))
        for source, sha, data in items
    ]


# --------------------------------------------------------------------------- records


def write_outputs(settings: Settings, outputs: list[DocumentOutput]) -> list[Path]:
    """Write each document's Article, Document and DocumentFacts records, its RDF files and its
    property-graph rows; returns the Turtle files written."""
    from pipeline.graphdb.rows import rows_path
    from pipeline.rdf.export import write_document_texts

    interim = settings.path(settings.interim_dir)
    graph_dir = settings.path(settings.graph_dir)
    docs_dir = graph_dir / "docs"
    turtle_files = []
    for out in outputs:
        atomic_write_text(record_path(interim / "articles", out.doc_id), out.article_json)
        atomic_write_text(record_path(interim / "documents", out.doc_id), out.document_json)
        if out.facts_json is not None:
            atomic_write_text(record_path(interim / "facts", out.doc_id), out.facts_json)
        if out.rdf is not None:
            ttl, _nt = write_document_texts(out.doc_id, out.rdf.ntriples, out.rdf.turtle, docs_dir)
            turtle_files.append(ttl)
            kept = rows_path(graph_dir, ttl.stem)
            if out.rows is not None:
                atomic_write_bytes(kept, out.rows)
            else:  # rows of an earlier Turtle are never read for this one, but take no room
                kept.unlink(missing_ok=True)
    return turtle_files


def remove_records(settings: Settings, doc_ids: Iterable[str]) -> None:
    """Delete the per-document records and graph files of ``doc_ids``."""
    from pipeline.graphdb.rows import rows_path

    interim = settings.path(settings.interim_dir)
    graph_dir = settings.path(settings.graph_dir)
    for doc_id in doc_ids:
        for sub in ("articles", "documents", "facts"):
            record_path(interim / sub, doc_id).unlink(missing_ok=True)
        for suffix in (".ttl", ".nt"):
            record_path(graph_dir / "docs", doc_id, suffix).unlink(missing_ok=True)
        rows_path(graph_dir, record_stem(doc_id)).unlink(missing_ok=True)


def file_counts(documents: Sequence[Document], facts: Sequence[DocumentFacts]) -> dict[str, Any]:
    """What one raw file contributes to the run summary (kept in the manifest)."""
    return {
        "documents": len(documents),
        "relevant": sum(int(d.article.relevant) for d in documents),
        "tasks": sum(1 for d in documents for s in d.sections if s.kind.value == "item"),
        "targets": sum(len(f.targets) for f in facts),
        "responsibilities": sum(len(f.responsibilities) for f in facts),
        "bodies": sorted({b.canonical for f in facts for b in f.bodies}),
        "programmes": sorted({p.name for f in facts for p in f.programmes}),
    }


# --------------------------------------------------------------------------- scan


#: A raw file to process: its path, SHA-256, size and ``stat`` (:func:`pipeline.manifest.stat_key`).
Todo = tuple[Path, str, int]


def changed_inputs(
    settings: Settings,
    manifest: Manifest,
    force: bool = False,
    skipped: list[SkippedFile] | None = None,
    *,
    current: str | None = None,
    stats: dict[str, list[int]] | None = None,
) -> tuple[list[Todo], list[str]]:
    """Raw files to (re)process with their hashes and sizes, and raw files that disappeared.

    Change is decided by content hash (never timestamps alone): a file whose ``stat`` is the one
    recorded when it was hashed is not read again; any other is hashed, and a copy that keeps its
    mtime is still seen as changed. ``current`` is the run's fingerprint (computed when absent).
    The entries of files found unchanged get their ``stat`` recorded; those of the files to
    process go into ``stats``, for their entries once processed.
    """
    raw_dir = settings.path(settings.raw_dir)
    stale = force or manifest.fingerprint != (current or fingerprint(settings))
    files = manifest.files
    todo: list[Todo] = []
    present = set()
    for path in raw_inputs(raw_dir, skipped):
        entry = files.get(path.name)
        try:
            stat = stat_key(path)
            if not stale and entry is not None and entry.counts is not None and entry.stat == stat:
                present.add(path.name)
                _say_skipped_again(entry, path.name, skipped)
                continue
            data = read_raw(path)
        except (OSError, InputError) as exc:
            reason = (
                exc.message
                if isinstance(exc, InputError)
                else f"cannot read it ({exc.strerror or exc})"
            )
            if skipped is not None:
                skipped.append(SkippedFile(path.name, InputError.code, reason))
            continue
        present.add(path.name)
        sha = hashlib.sha256(data).hexdigest()
        if stale or entry is None or entry.sha256 != sha or entry.counts is None:
            todo.append((path, sha, len(data)))
            if stats is not None:
                stats[path.name] = stat
        else:
            entry.stat = stat
            _say_skipped_again(entry, path.name, skipped)
    removed = sorted(set(files) - present)
    return todo, removed


def _say_skipped_again(entry: FileEntry, name: str, skipped: list[SkippedFile] | None) -> None:
    """A file skipped before and still unfixed is listed again."""
    if entry.skipped and skipped is not None:
        skipped.append(SkippedFile(name, entry.skipped_code or InputError.code, entry.skipped))


# --------------------------------------------------------------------------- executors


def _window(settings: Settings) -> int:
    return max(2, 4 * max(1, settings.workers))


def iter_processed(settings: Settings, todo: list[tuple[Path, str, int]]) -> Iterator[FileResult]:
    """Process raw files on the configured executor, yielding results in input order.

    At most a small window of files is in flight, so memory does not grow with the corpus.
    """
    if not todo:
        return
    if settings.executor is Executor.DASK:
        yield from _iter_dask(settings, todo)
    elif _uses_pool(settings, todo):
        yield from _iter_pool(settings, todo)
    else:
        nlp = _nlp_for(settings)
        for item in todo:
            data = _read_or_fail(item)
            yield (
                data
                if isinstance(data, FileResult)
                else process_file(settings, item[0].name, item[1], data, nlp)
            )


def _uses_pool(settings: Settings, todo: list[tuple[Path, str, int]]) -> bool:
    """Whether the files go to other processes (a local pool or Dask) rather than this one."""
    return settings.executor is Executor.DASK or (
        settings.workers > 1 and len(todo) >= POOL_MIN_FILES
    )


def _iter_pool(settings: Settings, todo: list[tuple[Path, str, int]]) -> Iterator[FileResult]:
    """Process ``todo`` on a pool of worker processes, results in input order.

    A worker that dies (killed, out of memory) breaks the pool and every file in flight with it.
    A new pool then takes those files one at a time, so only the file that kills a worker again
    is lost, reported like any other failed file; the rest continue in the full window.
    """
    remaining: deque[tuple[Path, str, int]] = deque(todo)
    alone = 0  # files to process one at a time (those in flight when a worker died)
    while remaining:
        pending: deque[tuple[tuple[Path, str, int], Future[FileResult]]] = deque()
        with ProcessPoolExecutor(
            max_workers=settings.workers, initializer=_worker_init, initargs=(settings, os.getpid())
        ) as pool:
            try:
                while remaining or pending:
                    while remaining and len(pending) < (1 if alone else _window(settings)):
                        item = remaining.popleft()
                        data = _read_or_fail(item)
                        if isinstance(data, FileResult):
                            pending.append((item, _done(data)))
                        else:
                            try:
                                future = pool.submit(
                                    _process_in_worker, settings, item[0].name, item[1], data
                                )
                            except BrokenProcessPool:
                                remaining.appendleft(item)
                                raise
                            pending.append((item, future))
                    item, future = pending[0]
                    result = future.result()
                    pending.popleft()
                    alone = max(0, alone - 1)
                    yield result
            except BrokenProcessPool:
                if alone and len(pending) == 1:  # it ran alone: this file kills a worker
                    item = pending.popleft()[0]
                    alone -= 1
                    yield _failed(
                        item, "a worker process died while processing it (killed, or out of memory)"
                    )
                else:
                    log.warning(
                        "a worker process died; retrying the %d file(s) in flight one at a time",
                        len(pending),
                    )
                    alone = len(pending)
                remaining.extendleft(reversed([item for item, _future in pending]))


def _read_or_fail(item: tuple[Path, str, int]) -> bytes | FileResult:
    """The bytes of a raw file, or the failed result of one that vanished or changed kind since the scan."""
    try:
        return read_raw(item[0])
    except (OSError, InputError) as exc:
        return _failed(
            item,
            exc.message
            if isinstance(exc, InputError)
            else f"cannot read it ({exc.strerror or exc})",
        )


def _failed(item: tuple[Path, str, int], reason: str) -> FileResult:
    path, sha, size = item
    return FileResult(
        path.name,
        sha,
        size,
        [],
        file_counts([], []),
        FileFailedError(f"{display_name(path.name)}: {reason}"),
    )


def _done(result: FileResult) -> Future[FileResult]:
    future: Future[FileResult] = Future()
    future.set_result(result)
    return future


def _iter_dask(settings: Settings, todo: list[tuple[Path, str, int]]) -> Iterator[FileResult]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a pinned dependency
        raise PolicyKGError(
            "dask.distributed is not installed", hint="pip install 'dask[distributed]'"
        ) from exc
    if not settings.scheduler:
        raise PolicyKGError(
            "--executor dask needs a scheduler address", hint="pass --scheduler tcp://HOST:PORT"
        )
    try:
        client = Client(settings.scheduler, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise PolicyKGError(
            f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}",
            hint="start one with `dask scheduler` and `dask worker`, or use --executor local",
        ) from exc
    try:
        partitions = [todo[i : i + DASK_PARTITION] for i in range(0, len(todo), DASK_PARTITION)]
        pending: deque[Any] = deque()
        window = max(2, 2 * len(client.nthreads() or {0: 1}))
        for part in partitions:
            items = [(path.name, sha, read_raw(path)) for path, sha, _size in part]
            pending.append(client.submit(process_partition_json, settings, items, pure=False))
            if len(pending) >= window:
                yield from (result_from_json(r) for r in pending.popleft().result())
        while pending:
            yield from (result_from_json(r) for r in pending.popleft().result())
    finally:
        client.close()


# --------------------------------------------------------------------------- export


def export_graph(settings: Settings) -> dict[str, str]:
    """Bring data/graph/policykg.{nt,ttl,jsonld} in line with the per-document graphs."""
    from pipeline.rdf.export import export_merged

    written = export_merged(settings)
    names = {"nt": "graph (N-Triples)", "turtle": "graph (Turtle)", "json-ld": "graph (JSON-LD)"}
    return {names[key]: str(path) for key, path in written.items()}


# --------------------------------------------------------------------------- one run at a time

LOCK_NAME = ".run.lock"
_HELD_LOCK: dict[str, int] = {}  # the lock file descriptor this process holds, if any


@contextmanager
def run_lock(settings: Settings) -> Iterator[None]:
    """Hold the checkout's run lock (``data/interim/.run.lock``) while the body runs.

    ``flock`` on an open file: the kernel drops it when the holder exits, however it exits, so a
    killed run leaves no stale lock. The holder's pid is written in the file for the message a
    second run gives; the file is emptied again on release.
    """
    import fcntl

    path = settings.path(settings.interim_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise RunLockedError(
            f"another policykg run (pid {holder}) is working in {settings.root}",
            hint=f"wait for it to finish, or stop it (kill {holder}) and rerun",
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD_LOCK["fd"] = fd
        yield
    finally:
        _HELD_LOCK.pop("fd", None)
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor releases the lock


def release_inherited_lock() -> None:
    """In a forked worker: close the run lock's descriptor, so the lock goes with the run."""
    fd = _HELD_LOCK.pop("fd", None)
    if fd is not None:
        os.close(fd)


# --------------------------------------------------------------------------- the run


def run(
    settings: Settings,
    *,
    force: bool = False,
    load: bool = True,
    analyse: bool = True,
    progress: ProgressFn | None = None,
    on_document: Callable[[str], None] | None = None,
    code: str | None = None,
) -> RunSummary:
    """Bring ``data/interim``, ``data/graph`` and the database up to date with ``data/raw``
    (one run at a time per checkout: :func:`run_lock`). ``code``: the code fingerprint
    (:func:`pipeline.manifest.fingerprint`) when the caller computed it already."""
    with run_lock(settings), collecting_less_often():
        try:
            return _run(
                settings,
                force=force,
                load=load,
                analyse=analyse,
                progress=progress,
                on_document=on_document,
                code=code,
            )
        finally:
            release_replaced()  # the replaced export files, freed on another thread meanwhile


def _run(
    settings: Settings,
    *,
    force: bool,
    load: bool,
    analyse: bool,
    progress: ProgressFn | None,
    on_document: Callable[[str], None] | None,
    code: str | None = None,
) -> RunSummary:
    """The stages of :data:`STAGES`, in order."""
    interim = settings.path(settings.interim_dir)
    graph_dir = settings.path(settings.graph_dir)
    summary = RunSummary()
    tick = progress or (lambda stage, done, total: None)
    manifest = load_manifest(interim / MANIFEST)
    code = code or fingerprint(settings)  # once per run: it hashes the whole package

    # scan: which raw files changed (a stat, and a hash only when the stat differs)
    t0 = time.perf_counter()
    stats: dict[str, list[int]] = {}
    todo, removed = changed_inputs(settings, manifest, force, summary.skipped, current=code,
                                   stats=stats)  # fmt: skip
    summary.times.add("scan", time.perf_counter() - t0)
    try:
        # remove: the records and graphs of raw files that disappeared
        t0 = time.perf_counter()
        for name in removed:
            remove_records(settings, manifest.doc_ids(name))
            manifest.files.pop(name, None)
            summary.removed_files.append(name)
        summary.times.add("remove", time.perf_counter() - t0)
        changed = bool(todo or removed)

        # load is skipped when the local server still holds what the last load pass left there
        if load or changed:
            from pipeline.graphdb.load import load_files
        documents = load_files(settings) if load and not changed else None
        held = documents is not None and manifest.database == database_stamp(settings, documents)
        if load and not held:
            manifest.database = None  # until this run's load pass is complete
        analysing = analyse and (changed or not (graph_dir / "analysis.ttl").exists())
        # the import files go beside the merged export when no analysis has to come first and
        # few files changed (rendered in this process then: no worker forked beside threads)
        beside = changed and not analysing and len(todo) + len(removed) < POOL_MIN_FILES
        importing: Future[tuple[dict[str, str] | None, float]] | None = None
        # the database: opened before the processing when workers load alongside it; else on
        # a thread beside it (reaching the server and reading what it holds took 0.2-0.3 s of a
        # one-file rebuild on the bench's FalkorDB), waited for before the load pass
        with (
            contextlib.ExitStack() as database,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="open") as opener,
        ):
            opening = (
                opener.submit(database.enter_context, graph_writer(settings, True))
                if load and not held and not _uses_pool(settings, todo)
                else None
            )
            target = (
                None
                if opening
                else database.enter_context(graph_writer(settings, load and not held))
            )
            # process and write: every per-document stage, then the records and graphs written
            # (loaded alongside when workers do the processing)
            process_and_write(settings, manifest, todo, stats, summary, target, tick, on_document)
            # export: the merged graph files, beside the final load pass
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="export") as side:
                exporting = (
                    side.submit(_timed, export_graph, settings)
                    if changed or not (graph_dir / "policykg.nt").exists()
                    else None
                )
                loading = target is not None or opening is not None
                if loading or beside:
                    t0 = time.perf_counter()
                    documents = current = load_files(settings)
                    summary.times.add("load" if loading else "export", time.perf_counter() - t0)
                    if beside:
                        importing = side.submit(_timed, import_files,
                                                settings.with_overrides(workers=1), changed, current)  # fmt: skip
                    if opening is not None:
                        t0 = time.perf_counter()
                        target = opening.result()
                        summary.times.add("load", time.perf_counter() - t0)
                    # load: the database in line with the per-document graphs
                    if target is not None:
                        t0 = time.perf_counter()
                        load_database(settings, target.writer, summary, current)
                        summary.times.add("load", time.perf_counter() - t0)
                if exporting is not None:
                    outputs, seconds = exporting.result()
                    summary.outputs.update(outputs)
                    summary.times.add("export", seconds)
                if importing is not None:
                    _add_import_files(summary, *importing.result())
            if target is not None and summary.loaded_documents + len(removed):
                # one save, after the export: their writes contend (measured on the bench graph:
                # SAVE 0.3 s alone, 2.1-2.4 s beside the export)
                t0 = time.perf_counter()
                target.conn.save(background=True)  # the writer is idle: no write meets the fork
                summary.times.add("load", time.perf_counter() - t0)
            if target is not None and documents is not None:
                manifest.database = database_stamp(settings, documents)

        # analyse: rankings and cascade links over the whole corpus
        if analysing:
            t0 = time.perf_counter()
            analyse_corpus(settings, summary, write_db=load)
            summary.times.add("analyse", time.perf_counter() - t0)
        # export: the neo4j-admin CSVs and the .cypher script (graphs and analysis included)
        if importing is None:
            _add_import_files(summary, *_timed(import_files, settings, changed))
    finally:
        manifest.fingerprint = code
        manifest.save(interim / MANIFEST)
    _count(manifest, summary)
    summary.raw_files = len(manifest.files)
    summary.raw_bytes = sum(e.size for e in manifest.files.values())
    summary.outputs["records"] = str(interim)
    summary.outputs.setdefault("graph", str(graph_dir))
    if load:
        summary.outputs["database"] = settings.bolt_uri
    return summary


def process_and_write(
    settings: Settings,
    manifest: Manifest,
    todo: list[Todo],
    stats: dict[str, list[int]],
    summary: RunSummary,
    target: GraphTarget | None,
    tick: ProgressFn,
    on_document: Callable[[str], None] | None = None,
) -> None:
    """Process ``todo`` on the configured executor and write each file's records and graphs as
    its result comes in (:func:`apply_result`). With a ``target`` and a worker pool, a thread
    loads the written documents meanwhile (a head start for the final load pass)."""
    tick("documents", 0, len(todo))
    background = (
        _load_alongside(target.writer)
        if target is not None and _uses_pool(settings, todo)
        else None
    )
    try:
        for done, result in enumerate(iter_processed(settings, todo), start=1):
            apply_result(settings, manifest, result, summary, background, stats.get(result.source))
            tick("documents", done, len(todo))
            if on_document:
                on_document(result.source)
    finally:
        if background is not None:
            background.finish(cancel=sys.exc_info()[0] is not None)
            summary.loaded_documents += len(background.loaded)
            summary.loaded_rows += background.rows
            summary.times.add("load (alongside extraction)", background.seconds)


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the seconds it took."""
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0


@dataclass(frozen=True)
class GraphTarget:
    """The database a run loads: the connection (for saving) and its writer."""

    conn: Connection
    writer: GraphWriter


@contextmanager
def graph_writer(settings: Settings, load: bool) -> Iterator[GraphTarget | None]:
    """The database's connection and writer for the run (starting the local server first if
    needed), or None when the run does not load."""
    if not load:
        yield None
        return
    from pipeline.graphdb import server

    if settings.uses_local_server:
        server.start(settings)
    with server.connect(settings) as conn:
        writer = conn.open_writer(batch_size=settings.batch_size, bulk=True)
        try:
            yield GraphTarget(conn, writer)
        finally:
            writer.close()


def _load_alongside(writer: GraphWriter) -> LoaderThread:
    """Start handing documents to ``writer`` as they are written."""
    from pipeline.graphdb.background import LoaderThread

    return LoaderThread(writer)


def database_stamp(settings: Settings, documents: Mapping[str, DocumentFile]) -> str | None:
    """What a complete load pass of ``documents`` leaves in the local server: the server process
    (its pid and start time) and a digest of every document's key and Turtle SHA-256. None when
    the server is not local or not running (the load pass then always runs).

    The stamp assumes what policykg assumes of its local server: only policykg's loads change
    the documents it holds, and a server started again may hold anything.
    """
    if not settings.uses_local_server:
        return None
    from pipeline.graphdb.server import status

    state = status(settings)
    started = _process_start(state.pid) if state.running and state.pid is not None else None
    if started is None:
        return None
    digest = hashlib.sha256()
    for doc in sorted(documents):
        digest.update(f"{doc} {documents[doc].sha256}\n".encode())
    return f"{state.engine.value} {settings.bolt_uri} {state.pid} {started} {digest.hexdigest()}"


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``), or None where
    that cannot be read: a pid reused by a new server then gives another stamp."""
    from pipeline.graphdb.ports import process_stat

    fields = process_stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def load_database(
    settings: Settings,
    writer: GraphWriter,
    summary: RunSummary,
    documents: Mapping[str, DocumentFile],
) -> bool:
    """Bring the database in line with ``documents`` (:func:`pipeline.graphdb.load.load_files`)
    through ``writer``; returns whether the database changed. It does not save a local server
    (the caller does)."""
    from pipeline.graphdb.load import sync_documents

    loaded = sync_documents(writer, documents)
    summary.loaded_documents += len(loaded.loaded)
    summary.loaded_rows += loaded.rows
    if loaded.removed:
        summary.notes.append(f"removed from the database: {', '.join(loaded.removed)}")
    return bool(loaded.loaded or loaded.removed)


def import_files(
    settings: Settings, changed: bool = True, documents: Mapping[str, DocumentFile] | None = None
) -> dict[str, str] | None:
    """The neo4j-admin import CSVs and the ``.cypher`` script, written again when what they
    hold changed (the per-document graphs, the analysis results); what was written, by name, or
    None when they were current. ``documents``: :func:`pipeline.graphdb.load.load_files`, when
    the caller read it already."""
    from pipeline.graphdb.export import export_graph_files, exports_current

    if not changed and exports_current(settings):
        return None
    written = export_graph_files(settings, documents)
    return {f"neo4j import ({name})": str(path) for name, path in written.items()}


def _add_import_files(summary: RunSummary, written: dict[str, str] | None, seconds: float) -> None:
    if written is not None:
        summary.outputs.update(written)
        summary.times.add("export", seconds)


def analyse_corpus(settings: Settings, summary: RunSummary, *, write_db: bool) -> None:
    """Network rankings and cascade links over the whole corpus, into analysis.ttl (and the database)."""
    from pipeline.analysis import run_analysis

    if not any((settings.path(settings.interim_dir) / "documents").glob("*.json")):
        return  # an empty corpus: nothing to rank or match
    result = run_analysis(settings, write_db=write_db)
    summary.outputs["analysis"] = str(result.turtle)
    summary.notes.extend(result.lines()[:1])
    if result.database:
        summary.notes.append(result.database)


def apply_result(
    settings: Settings,
    manifest: Manifest,
    result: FileResult,
    summary: RunSummary,
    background: LoaderThread | None = None,
    stat: list[int] | None = None,
) -> None:
    """Write what one raw file produced and update its manifest entry; stop on a SHACL violation.

    With ``background``, each written document's Turtle is handed to it for loading; ``stat`` is
    the raw file's as scanned."""
    for stage, seconds in result.seconds.items():
        summary.times.add(stage, seconds)
    old_ids = manifest.doc_ids(result.source)
    if result.error is not None:
        summary.skipped.append(SkippedFile(result.source, result.error.code, result.error.message))
        remove_records(settings, old_ids)
        manifest.files[result.source] = FileEntry(
            result.sha256, result.size, [], result.counts, result.error.message,
            result.error.code, stat,
        )  # fmt: skip
        return
    for out in result.outputs:
        if out.rdf is not None and not out.rdf.conforms:
            raise GraphBuildError(
                f"{out.doc_id}: the RDF graph violates the SHACL shapes: "
                + "; ".join(out.rdf.violations)[:500],
                hint="fix the extraction or the shapes, then rerun `policykg run`",
            )
    new_ids = [out.doc_id for out in result.outputs]
    remove_records(settings, [i for i in old_ids if i not in new_ids])
    t0 = time.perf_counter()
    written = write_outputs(settings, result.outputs)
    summary.times.add("write files", time.perf_counter() - t0)
    if background is not None:
        from pipeline.graphdb.rows import rows_path
        from pipeline.graphdb.writer import DocumentFile

        graph_dir = settings.path(settings.graph_dir)
        for out, ttl in zip([o for o in result.outputs if o.rdf is not None], written, strict=True):
            rows = rows_path(graph_dir, ttl.stem)
            background.submit(DocumentFile(ttl.stem, ttl, out.turtle_sha256, rows))
    manifest.files[result.source] = FileEntry(
        result.sha256, result.size, new_ids, result.counts, stat=stat
    )
    summary.changed_files.append(result.source)
    summary.processed_documents += len(result.outputs)
    summary.processed_bytes += result.size


def _count(manifest: Manifest, summary: RunSummary) -> None:
    """Totals over every raw file's manifest counts (no record is re-read)."""
    bodies: set[str] = set()
    programmes: set[str] = set()
    for entry in manifest.files.values():
        counts = entry.counts or {}
        summary.documents += counts.get("documents", 0)
        summary.relevant_documents += counts.get("relevant", 0)
        summary.tasks += counts.get("tasks", 0)
        summary.targets += counts.get("targets", 0)
        summary.responsibilities += counts.get("responsibilities", 0)
        bodies.update(counts.get("bodies", []))
        programmes.update(counts.get("programmes", []))
    summary.bodies = len(bodies)
    summary.programmes = len(programmes)


__all__ = [
    "STAGES",
    "FileResult",
    "RunSummary",
    "apply_result",
    "changed_inputs",
    "fingerprint",
    "iter_processed",
    "load_manifest",
    "process_and_write",
    "process_raw",
    "run",
]
