"""The stage benchmark: one cold run, a no-change rebuild and a one-document rebuild on a generated corpus.

Measured in one process, on the same text: documents/s and MB/s of each stage and end to end,
peak memory, load rows/s, and two references — bare ``spacy.blank("zh")`` tokenisation through
``nlp.pipe`` and a single regex pass — so the extraction cost reads as a multiple of tokenisation.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.bench.corpus import generate_corpus
from pipeline.config import Settings
from pipeline.runner import RunSummary, run

log = logging.getLogger(__name__)

#: The reference regex pass: numbers with a unit and document-number brackets (a typical scan).
_REFERENCE_PATTERN = re.compile(r"\d+(?:\.\d+)?\s*(?:%|‰|个|张|所|人|岁)|〔\d{4}〕\d+号|[牵配]头|配合")


def peak_memory_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its finished children, in MiB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self": round(own, 1), "children": round(children, 1)}


def bench_settings(settings: Settings, corpus: Path) -> Settings:
    """Settings that read the generated corpus and write under data/bench, never data/interim."""
    bench = settings.path(settings.bench_dir)
    return replace(
        settings,
        raw_dir=corpus,
        interim_dir=bench / "interim",
        graph_dir=bench / "graph",
        neo4j_database=settings.neo4j_database or "policykg_bench",
    )


def _clean_texts(settings: Settings) -> Iterator[str]:
    for path in sorted((settings.path(settings.interim_dir) / "articles").glob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))["text"]


def reference_timings(settings: Settings) -> dict[str, float]:
    """Seconds for blank-zh tokenisation and for one regex pass over the extracted clean texts."""
    import spacy

    blank = spacy.blank("zh")
    t0 = time.perf_counter()
    tokens = sum(len(doc) for doc in blank.pipe(_clean_texts(settings), batch_size=64))
    t1 = time.perf_counter()
    hits = sum(len(_REFERENCE_PATTERN.findall(text)) for text in _clean_texts(settings))
    t2 = time.perf_counter()
    chars = sum(len(text) for text in _clean_texts(settings))
    return {"blank_zh": t1 - t0, "regex": t2 - t1, "tokens": tokens, "regex_hits": hits, "chars": chars}


def _rates(seconds: float, docs: int, mb: float) -> dict[str, float]:
    seconds = max(seconds, 1e-9)
    return {"seconds": round(seconds, 3), "docs_per_s": round(docs / seconds, 1), "mb_per_s": round(mb / seconds, 2)}


def _timed_run(settings: Settings, **kwargs: Any) -> tuple[RunSummary, float]:
    t0 = time.perf_counter()
    summary = run(settings, **kwargs)
    return summary, time.perf_counter() - t0


def run_bench(settings: Settings, *, docs: int = 1000, seed: int = 7, load: bool = True) -> dict[str, Any]:
    """Generate ``docs`` documents, run the pipeline cold, then rebuild twice; returns the figures."""
    bench_dir = settings.path(settings.bench_dir)
    corpus = bench_dir / f"corpus_{docs}"
    t0 = time.perf_counter()
    paths = list(generate_corpus(settings.path(settings.raw_dir), corpus, docs, seed))
    generate_s = time.perf_counter() - t0
    keep = set(paths)
    for stale in corpus.glob("bench_*.txt"):  # a previous, larger corpus in the same directory
        if stale not in keep:
            stale.unlink()
    bsettings = bench_settings(settings, corpus)
    for sub in (bsettings.interim_dir, bsettings.graph_dir):
        shutil.rmtree(bsettings.path(sub), ignore_errors=True)

    cold, cold_s = _timed_run(bsettings, force=True, load=load)
    memory_after_cold = peak_memory_mib()
    unchanged, unchanged_s = _timed_run(bsettings, load=load)
    victim = paths[len(paths) // 2]
    original = victim.read_bytes()
    victim.write_bytes(original.replace("。".encode(), "；".encode(), 1) + "\n".encode())
    try:
        one, one_s = _timed_run(bsettings, load=load)
    finally:
        victim.write_bytes(original)
    refs = reference_timings(bsettings)

    mb = cold.processed_bytes / 1e6
    n = cold.processed_documents
    stages = {stage: _rates(sec, n, mb) for stage, sec in sorted(cold.times.seconds.items())}
    extract_s = cold.times.seconds.get("extract", 0.0)
    result: dict[str, Any] = {
        "documents": n,
        "raw_files": cold.raw_files,
        "megabytes": round(mb, 2),
        "workers": settings.workers,
        "executor": settings.executor.value,
        "generate_corpus": _rates(generate_s, docs, mb),
        "end_to_end": _rates(cold_s, n, mb),
        "stages": stages,
        "reference": {
            "blank_zh_tokenisation": _rates(refs["blank_zh"], n, mb),
            "regex_pass": _rates(refs["regex"], n, mb),
            "tokens": refs["tokens"],
            "chars": refs["chars"],
        },
        "extract_over_blank_zh": round(extract_s / max(refs["blank_zh"], 1e-9), 2) if extract_s else None,
        "rebuild_unchanged_s": round(unchanged_s, 3),
        "rebuild_unchanged_files": len(unchanged.changed_files),
        "rebuild_one_changed_s": round(one_s, 3),
        "rebuild_one_changed_files": one.changed_files,
        "load": {
            "documents": cold.loaded_documents,
            "rows": cold.loaded_rows,
            "rows_per_s": round(cold.loaded_rows / max(cold.times.seconds.get("load", 0.0), 1e-9), 1)
            if cold.loaded_rows
            else None,
        },
        "peak_memory_mib": peak_memory_mib(),
        "peak_memory_after_cold_mib": memory_after_cold,
        "notes": cold.notes,
        "targets": {
            "extract_within_3x_blank_zh": None,
            "end_to_end_under_60s": cold_s < 60,
            "unchanged_rebuild_under_2s": unchanged_s < 2,
            "one_changed_rebuild_under_5s": one_s < 5 and len(one.changed_files) == 1,
        },
    }
    if result["extract_over_blank_zh"] is not None:
        result["targets"]["extract_within_3x_blank_zh"] = result["extract_over_blank_zh"] <= 3
    out = bench_dir / "result.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    result["result_path"] = str(out)
    return result
