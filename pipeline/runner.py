"""The whole DAG, document by document, rebuilding only what changed.

A manifest (``data/interim/manifest.json``) records, for each raw file, the SHA-256 of its bytes
and the documents it produced, under a fingerprint of the pipeline (version + settings that change
outputs). A raw file whose hash and fingerprint are unchanged is skipped entirely; a changed one is
re-ingested, re-extracted, rebuilt and reloaded; a removed one has its records, its Turtle and its
database subgraph deleted. Documents stream through the stages: nothing holds the whole corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pipeline
from pipeline.config import Settings
from pipeline.errors import InputError
from pipeline.models import Article, Document, DocumentFacts, SkippedFile
from pipeline.store import atomic_write_text, read_raw, record_path, write_json

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


@dataclass
class RunSummary:
    raw_files: int = 0
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
    times: StageTimes = field(default_factory=StageTimes)
    outputs: dict[str, str] = field(default_factory=dict)


def fingerprint(settings: Settings) -> str:
    """What, besides the input bytes, changes the outputs: the code version and NLP settings."""
    key = json.dumps(
        {
            "version": pipeline.__version__,
            "segmenter": settings.segmenter.value,
            "pkuseg_model": str(settings.pkuseg_model or ""),
            "code": _code_digest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _code_digest() -> str:
    """Digest of the package's source and resources, so a code change invalidates the cache."""
    digest = hashlib.sha256()
    root = Path(pipeline.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".tsv", ".yaml", ".yml", ".cfg", ".txt", ".json"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_manifest(path: Path) -> dict[str, Any]:
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            log.warning("%s is corrupt; rebuilding everything", path)
    return {"fingerprint": None, "files": {}}


def raw_inputs(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))


# --------------------------------------------------------------------------- per-file work

_WORKER_NLP: Any = None


def _worker_init(settings: Settings) -> None:
    global _WORKER_NLP
    from pipeline.nlp import build_nlp

    _WORKER_NLP = build_nlp(settings)


def process_raw(source: str, data: bytes, nlp: Any) -> tuple[list[Document], list[DocumentFacts]]:
    """Ingest, structure and extract one raw file (pure: bytes in, records out)."""
    from pipeline.extract import extract_documents
    from pipeline.ingest import ingest_bytes
    from pipeline.structure import structure_article

    articles: tuple[Article, ...] = ingest_bytes(source, data)
    documents = [structure_article(a) for a in articles]
    facts = list(extract_documents(documents, nlp))
    return documents, facts


def _process_in_worker(source: str, data: bytes) -> tuple[list[Document], list[DocumentFacts]]:
    return process_raw(source, data, _WORKER_NLP)


def write_records(settings: Settings, documents: list[Document], facts: list[DocumentFacts]) -> None:
    interim = settings.path(settings.interim_dir)
    for doc in documents:
        write_json(record_path(interim / "articles", doc.doc_id), doc.article, indent=None)
        write_json(record_path(interim / "documents", doc.doc_id), doc, indent=None)
    for fact in facts:
        write_json(record_path(interim / "facts", fact.doc_id), fact, indent=None)


def remove_records(settings: Settings, doc_ids: list[str]) -> None:
    interim = settings.path(settings.interim_dir)
    for doc_id in doc_ids:
        for sub in ("articles", "documents", "facts"):
            record_path(interim / sub, doc_id).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the run


def changed_inputs(settings: Settings, manifest: dict[str, Any], force: bool = False) -> tuple[list[tuple[Path, str]], list[str]]:
    """Raw files to (re)process with their hashes, and names of raw files that disappeared."""
    raw_dir = settings.path(settings.raw_dir)
    fp = fingerprint(settings)
    stale = force or manifest.get("fingerprint") != fp
    files = manifest.get("files", {})
    todo = []
    present = set()
    for path in raw_inputs(raw_dir):
        present.add(path.name)
        sha = hashlib.sha256(read_raw(path)).hexdigest()
        if stale or files.get(path.name, {}).get("sha256") != sha:
            todo.append((path, sha))
    removed = sorted(set(files) - present)
    return todo, removed


def iter_processed(
    settings: Settings, todo: list[tuple[Path, str]]
) -> Iterator[tuple[Path, str, list[Document], list[DocumentFacts] | None, InputError | None]]:
    """Process raw files locally (one process or ``settings.workers`` processes), in input order."""
    if settings.workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=settings.workers, initializer=_worker_init, initargs=(settings,)) as pool:
            futures = [(path, sha, pool.submit(_process_in_worker, path.name, read_raw(path))) for path, sha in todo]
            for path, sha, future in futures:
                try:
                    documents, facts = future.result()
                    yield path, sha, documents, facts, None
                except InputError as exc:
                    yield path, sha, [], None, exc
        return
    from pipeline.nlp import build_nlp

    nlp = build_nlp(settings) if todo else None
    for path, sha in todo:
        try:
            documents, facts = process_raw(path.name, read_raw(path), nlp)
            yield path, sha, documents, facts, None
        except InputError as exc:
            yield path, sha, [], None, exc


def run(
    settings: Settings,
    *,
    force: bool = False,
    on_document: Callable[[str], None] | None = None,
) -> RunSummary:
    """Bring ``data/interim`` up to date with ``data/raw``; returns what was done."""
    interim = settings.path(settings.interim_dir)
    manifest_path = interim / MANIFEST
    manifest = load_manifest(manifest_path)
    summary = RunSummary()
    started = time.perf_counter()
    todo, removed = changed_inputs(settings, manifest, force)
    summary.times.add("scan", time.perf_counter() - started)
    files = manifest.setdefault("files", {})
    summary.raw_files = len(raw_inputs(settings.path(settings.raw_dir)))

    for name in removed:
        remove_records(settings, files.pop(name, {}).get("doc_ids", []))
        summary.removed_files.append(name)

    t0 = time.perf_counter()
    for path, sha, documents, facts, error in iter_processed(settings, todo):
        old_ids = files.get(path.name, {}).get("doc_ids", [])
        if error is not None:
            summary.skipped.append(SkippedFile(path.name, error.code, error.message))
            remove_records(settings, old_ids)
            files[path.name] = {"sha256": sha, "doc_ids": [], "skipped": error.message}
            continue
        new_ids = [d.doc_id for d in documents]
        remove_records(settings, [i for i in old_ids if i not in new_ids])
        write_records(settings, documents, facts or [])
        files[path.name] = {"sha256": sha, "doc_ids": new_ids}
        summary.changed_files.append(path.name)
        if on_document:
            on_document(path.name)
    summary.times.add("ingest+structure+extract", time.perf_counter() - t0)

    manifest["fingerprint"] = fingerprint(settings)
    manifest["files"] = dict(sorted(files.items()))
    atomic_write_text(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    _count(settings, summary)
    summary.outputs["interim"] = str(interim)
    return summary


def _count(settings: Settings, summary: RunSummary) -> None:
    """Totals over the current facts records (cheap: reads the per-document JSON)."""
    interim = settings.path(settings.interim_dir)
    bodies: set[str] = set()
    programmes: set[str] = set()
    for path in sorted((interim / "documents").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        summary.documents += 1
        summary.relevant_documents += int(doc["article"]["relevant"])
        summary.tasks += sum(1 for s in doc["sections"] if s["kind"] == "item")
    for path in sorted((interim / "facts").glob("*.json")):
        facts = json.loads(path.read_text(encoding="utf-8"))
        bodies.update(b["canonical"] for b in facts["bodies"])
        programmes.update(p["name"] for p in facts["programmes"])
        summary.targets += len(facts["targets"])
        summary.responsibilities += len(facts["responsibilities"])
    summary.bodies = len(bodies)
    summary.programmes = len(programmes)
