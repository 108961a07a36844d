"""The stage benchmark: one cold run, a no-change rebuild and a one-document rebuild on a generated corpus.

Measured in one process, on the same text: documents/s and MB/s of each stage and end to end,
peak memory, load rows/s, and two references — bare ``spacy.blank("zh")`` tokenisation through
``nlp.pipe`` and a single regex pass. Absolute seconds differ between machines, so the targets of
issue 20 are ratios to the tokenisation reference of the same run, or plain limits where the cost
does not grow with the corpus (:data:`TARGETS`, judged by :func:`verdicts`). The memory targets are
for 10 000 raw files: :func:`run_memory_bench`, a mode of its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from pipeline.bench import MEMORY_FILES
from pipeline.bench.corpus import generate_corpus
from pipeline.config import Settings
from pipeline.watch import Watcher

if TYPE_CHECKING:
    from pipeline.runner import RunSummary

log = logging.getLogger(__name__)

#: The reference regex pass: numbers with a unit and document-number brackets (a typical scan).
_REFERENCE_PATTERN = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|‰|个|张|所|人|岁)|〔\d{4}〕\d+号|[牵配]头|配合"
)


class TreeMemory:
    """Samples the resident memory of this process plus all its descendants (worker processes).

    ``ru_maxrss`` reports one process at a time; the figure that matters on a machine is the sum
    over the process tree at its worst moment, so a thread reads ``/proc`` every ``interval`` s.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mib = max(self.peak_mib, tree_rss_mib())

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, tree_rss_mib())
            self._stop.wait(self.interval)


def tree_rss_mib(root: int | None = None) -> float:
    """Resident memory of process ``root`` (default: this one) and its descendants, in MiB."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:  # the process ended while we looked
            continue
        pid, ppid = int(entry.name), int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return round(total / 1024, 1)


def peak_memory_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its finished children, in MiB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self": round(own, 1), "children": round(children, 1)}


#: The bench's local graph server listens this far above the project's ports.
BENCH_PORT_OFFSET = 10


def bench_settings(settings: Settings, corpus: Path) -> Settings:
    """Settings that read the generated corpus and write under data/bench, never data/interim."""
    bench = settings.path(settings.bench_dir)
    return replace(
        settings,
        raw_dir=corpus,
        interim_dir=bench / "interim",
        graph_dir=bench / "graph",
        # its own local server (FalkorDB has one graph per server), never the project's graph
        db_dir=bench / "db",
        local_bolt_port=settings.local_bolt_port + BENCH_PORT_OFFSET,
        local_redis_port=settings.local_redis_port + BENCH_PORT_OFFSET,
        # a remote server gets a database of its own; a local one is the bench's own already
        # (and Neo4j Community serves one database only)
        neo4j_database=settings.neo4j_database
        or (None if settings.uses_local_server else "policykg_bench"),
    )


def _clean_texts(settings: Settings) -> Iterator[str]:
    for path in sorted((settings.path(settings.interim_dir) / "articles").glob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))["text"]


def _documents(settings: Settings) -> Iterator[Any]:
    from pipeline.models import Document
    from pipeline.store import read_record

    for path in sorted((settings.path(settings.interim_dir) / "documents").glob("*.json")):
        yield read_record(path, Document)


def reference_timings(settings: Settings) -> dict[str, float]:
    """Seconds, in this one process and on the same clean texts: blank-zh tokenisation, our
    extraction stage, and one regex pass.

    The run's own extract figure is summed over worker processes that share the cores with the
    rest of the pipeline, so the ratio to tokenisation is taken from this sequential pass instead.
    """
    import spacy

    from pipeline.extract import extract_documents
    from pipeline.nlp import build_nlp

    blank = spacy.blank("zh")
    t0 = time.perf_counter()
    tokens = sum(len(doc) for doc in blank.pipe(_clean_texts(settings), batch_size=64))
    t1 = time.perf_counter()
    hits = sum(len(_REFERENCE_PATTERN.findall(text)) for text in _clean_texts(settings))
    t2 = time.perf_counter()
    chars = sum(len(text) for text in _clean_texts(settings))
    nlp = build_nlp(settings)
    extract_s, facts = 0.0, 0
    for document in _documents(settings):  # streamed; reading the records is not timed
        t3 = time.perf_counter()
        facts += sum(1 for _ in extract_documents([document], nlp))
        extract_s += time.perf_counter() - t3
    return {
        "blank_zh": t1 - t0,
        "regex": t2 - t1,
        "extract": extract_s,
        "tokens": tokens,
        "regex_hits": hits,
        "chars": chars,
        "facts": facts,
    }


def _rates(seconds: float, docs: int, mb: float) -> dict[str, float]:
    seconds = max(seconds, 1e-9)
    return {
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1),
        "mb_per_s": round(mb / seconds, 2),
    }


def analysis_timing(settings: Settings, *, write_db: bool) -> dict[str, Any]:
    """Seconds and peak memory of the corpus-wide analysis (``policykg analyze``), measured apart.

    The analysis ranks and matches across the whole corpus, so unlike the streaming stages it
    holds every record; it is timed on its own, after the cold run, and not counted in ingest →
    load. It runs in a new process (spawned, not forked), as ``policykg analyze`` does, so its
    peak resident memory is its own and not what the bench process kept from the cold run.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        return pool.submit(_analysis_worker, settings, write_db).result()


def own_peak_mib() -> float:
    """Peak resident memory of this process's own address space, in MiB.

    ``VmHWM`` from ``/proc/self/status`` (Linux): ``ru_maxrss`` would not do in a spawned
    process, as Linux carries the high-water mark of the forked copy of the parent (all of the
    parent's resident memory) across ``exec`` into it.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _analysis_worker(settings: Settings, write_db: bool) -> dict[str, Any]:
    from pipeline.analysis import run_analysis

    t0 = time.perf_counter()
    summary = run_analysis(settings, write_db=write_db)
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 3),
        "peak_memory_mib": own_peak_mib(),
        "task_links": summary.task_links,
        "database": summary.database,
    }


def _engine(settings: Settings) -> str:
    """The graph engine the bench loaded into: ``neo4j``/``falkordb`` (local) or ``remote``."""
    from pipeline.graphdb.server import local_engine

    return local_engine(settings).value if settings.uses_local_server else "remote"


def _empty_database(settings: Settings) -> None:
    """Start from an empty graph so the cold run loads everything (the bench's own server)."""
    from pipeline.graphdb import server

    if settings.uses_local_server:
        server.start(settings)
    with server.connect(settings) as conn:
        conn.clear()


def long_document_timing(settings: Settings, megabytes: int) -> dict[str, Any]:
    """Seconds and peak memory of one raw file of ``megabytes`` MB (a seed text, repeated)
    through a worker's stages (ingest → structure → extract in pieces → RDF → SHACL), in a
    fresh process so its peak resident memory is its own."""
    from concurrent.futures import ProcessPoolExecutor

    path = settings.path(settings.bench_dir) / "long" / f"long_{megabytes}mb.txt"
    if not path.exists() or path.stat().st_size < megabytes * 1_000_000:
        # the largest seed text, repeated: one article (a seed's title opens no new one)
        seed = max(
            sorted(settings.path(settings.raw_dir).glob("*.txt")), key=lambda p: p.stat().st_size
        ).read_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(seed * (megabytes * 1_000_000 // max(len(seed), 1) + 1))
    with ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_long_document_worker, settings, path).result()


def _long_document_worker(settings: Settings, path: Path) -> dict[str, Any]:
    from pipeline.runner import _nlp_for, process_file

    nlp = _nlp_for(settings)
    data = path.read_bytes()
    t0 = time.perf_counter()
    result = process_file(settings, path.name, "0" * 64, data, nlp)
    return {
        "megabytes": round(len(data) / 1e6, 1),
        "seconds": round(time.perf_counter() - t0, 1),
        "documents": len(result.outputs),
        "error": None if result.error is None else str(result.error),
        "stages": {k: round(v, 1) for k, v in result.seconds.items()},
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


@dataclass(frozen=True)
class Target:
    """One target of issue 20: where the figure is in the result, the limit, and its direction."""

    name: str
    path: tuple[str, ...]  # keys into the result
    limit: float
    at_most: bool  # the figure must be <= limit (else >= limit)
    unit: str

    def text(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.limit:g}{self.unit}"


#: Ratios are over the bench's own blank-zh tokenisation of the same corpus, in the same run.
TARGETS: tuple[Target, ...] = (
    Target(
        "cold end to end / blank-zh tokenisation", ("ratios", "cold_over_blank_zh"), 2, True, "x"
    ),
    Target(
        "one-document rebuild / blank-zh tokenisation",
        ("ratios", "one_changed_over_blank_zh"),
        0.1,
        True,
        "x",
    ),
    Target(
        "no-change rebuild / blank-zh tokenisation",
        ("ratios", "unchanged_over_blank_zh"),
        0.03,
        True,
        "x",
    ),
    Target(
        "first load into an empty database, rows/s",
        ("first_load", "rows_per_s"),
        70_000,
        False,
        " rows/s",
    ),
    Target("reload of one changed document, s", ("reload_one", "seconds"), 0.5, True, " s"),
    Target("policykg --help, s", ("cli", "help"), 0.3, True, " s"),
    Target("policykg query --help, s", ("cli", "query_help"), 0.3, True, " s"),
    Target("policykg trace BODY, s", ("cli", "trace"), 1, True, " s"),
    Target("policykg goal TEXT, s", ("cli", "goal"), 1, True, " s"),
    Target("policykg query goals_of_body, s", ("cli", "query"), 1, True, " s"),
)

#: The memory targets, for :func:`run_memory_bench` on :data:`MEMORY_FILES` raw files.
MEMORY_TARGETS: tuple[Target, ...] = (
    Target(
        "peak memory of the process tree, cold run, MiB",
        ("peak_tree_memory_mib",),
        1024,
        True,
        " MiB",
    ),
    Target("peak memory of the analysis, MiB", ("analysis", "peak_memory_mib"), 1024, True, " MiB"),
)


def _figure(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = result
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, (int, float)) else None


def verdicts(result: dict[str, Any], targets: tuple[Target, ...] = TARGETS) -> list[dict[str, Any]]:
    """Each target with the run's figure and a verdict: ``pass``, ``fail`` or ``not measured``.

    >>> verdicts({"ratios": {"cold_over_blank_zh": 2.5}}, TARGETS[:1])[0]["verdict"]
    'fail'
    """
    rows = []
    for target in targets:
        value = _figure(result, target.path)
        if value is None:
            verdict = "not measured"
        else:
            verdict = (
                "pass"
                if (value <= target.limit if target.at_most else value >= target.limit)
                else "fail"
            )
        rows.append(
            {"name": target.name, "value": value, "target": target.text(), "verdict": verdict}
        )
    return rows


def _ratio(seconds: float, reference: float) -> float:
    return round(seconds / max(reference, 1e-9), 3)


def first_load_timing(settings: Settings) -> dict[str, Any]:
    """Rows/s of loading every built document into an emptied database (the first load, apart
    from extraction: alongside it, the loader mostly waits for documents)."""
    from pipeline.graphdb.load import load_graph

    _empty_database(settings)
    t0 = time.perf_counter()
    summary = load_graph(settings, save=False)
    seconds = time.perf_counter() - t0
    return {
        "documents": len(summary.loaded),
        "rows": summary.rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(summary.rows / max(seconds, 1e-9), 1) if summary.rows else None,
    }


#: Runs of each command line; the median is reported (start-up time is noisy on a shared machine).
CLI_RUNS = 3


def _cli_root(settings: Settings) -> Path:
    """A project root whose data/ is the bench's (links), for the CLI commands the bench times."""
    root = settings.path(settings.bench_dir) / "cli-root"
    (root / "data").mkdir(parents=True, exist_ok=True)
    links = {
        root / "data" / "interim": settings.path(settings.interim_dir),
        root / "data" / "graph": settings.path(settings.graph_dir),
        root / "data" / "db": settings.path(settings.db_dir),
        root / "queries": settings.path(settings.queries_dir),
        root / "ontology": settings.ontology_path(),
    }
    for link, target in links.items():
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target.resolve())
    return root


def _sample_query_terms(settings: Settings) -> tuple[str | None, str | None]:
    """A body named responsible (else any body) and a target's indicator from the bench's records
    (the most frequent of each, ties by name), for the trace, goal and query timings."""
    from collections import Counter

    from pipeline.models import DocumentFacts
    from pipeline.store import read_record

    responsible: Counter[str] = Counter()
    bodies: Counter[str] = Counter()
    indicators: Counter[str] = Counter()
    for path in sorted((settings.path(settings.interim_dir) / "facts").glob("*.json"))[:200]:
        facts = read_record(path, DocumentFacts)
        responsible.update(r.body for r in facts.responsibilities)
        bodies.update(b.canonical for b in facts.bodies)
        indicators.update(t.indicator for t in facts.targets)
    pick = lambda counts: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None
    return pick(responsible) or pick(bodies), pick(indicators)


def cli_timings(settings: Settings, *, server: bool) -> dict[str, float | None]:
    """Wall-clock seconds (median of :data:`CLI_RUNS`) of ``policykg`` command lines, each a new
    process as a user runs it: ``--help``, ``query --help``, and on the bench's records ``trace``,
    ``goal`` and (``server``: against the running graph server) ``query goals_of_body``; also
    ``trace_first_call``, a trace that finds the trace index stale and rebuilds it."""
    executable = Path(sys.executable).with_name("policykg")
    command = (
        [str(executable)]
        if executable.exists()
        else [sys.executable, "-c", "from pipeline.cli import main; main()"]
    )
    env = {
        **os.environ,
        "POLICYKG_ROOT": str(_cli_root(settings)),
        "POLICYKG_BOLT_PORT": str(settings.local_bolt_port),
        "POLICYKG_REDIS_PORT": str(settings.local_redis_port),
    }
    body, indicator = _sample_query_terms(settings)
    lines: dict[str, list[str] | None] = {
        "help": ["--help"],
        "query_help": ["query", "--help"],
        "trace": ["trace", body, "--format", "json"] if body else None,
        "goal": ["goal", indicator, "--format", "json"] if indicator else None,
        "query": ["query", "goals_of_body", "--param", f"body={body}", "--format", "json"]
        if body and server
        else None,
    }
    timings: dict[str, float | None] = {}
    if lines["trace"] is not None:
        # trace and goal answer from the trace index the analysis writes; the one-file rebuild
        # above changed records after it, so the first call finds the index stale, reads every
        # record and writes it again. That call is its own figure; the target is the median
        # of the calls after it, the state after a `policykg run` (which analyses).
        t0 = time.perf_counter()
        first = subprocess.run(command + lines["trace"], env=env, capture_output=True, check=False)
        timings["trace_first_call"] = (
            round(time.perf_counter() - t0, 3) if first.returncode == 0 else None
        )
    for name, args in lines.items():
        if args is None:
            timings[name] = None
            continue
        runs = []
        for _ in range(CLI_RUNS):
            t0 = time.perf_counter()
            done = subprocess.run(command + args, env=env, capture_output=True, check=False)
            runs.append(time.perf_counter() - t0)
            if done.returncode != 0:
                log.warning(
                    "bench: policykg %s failed: %s",
                    " ".join(args),
                    done.stderr.decode(errors="replace")[-300:],
                )
                break
        timings[name] = round(statistics.median(runs), 3) if done.returncode == 0 else None
    return timings


def run_settle(settings: Settings, *, load: bool) -> None:
    """An untimed run that brings every output up to date (after the analysis, out of a run)."""
    from pipeline.runner import run

    run(settings, load=load, analyse=False)


def fresh_process_rebuild(settings: Settings, corpus: Path, *, load: bool) -> float | None:
    """Seconds a new Python process takes to import policykg and run (without the analysis) on
    the bench corpus: what `policykg run` costs after an edit, start-up included (None, with a
    warning, when that process fails)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.bench.bench import bench_settings\n"
        "from pipeline.config import Settings\n"
        "from pipeline.runner import run\n"
        "settings = bench_settings(Settings.from_env(), Path(sys.argv[1]))\n"
        "run(settings, load=sys.argv[2] == 'load', analyse=False)\n"
    )
    env = {**os.environ, "POLICYKG_ROOT": str(settings.root)}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(corpus), "load" if load else "no-load"],
                          env=env, check=False, capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        log.warning("the rebuild in a new process failed: %s", done.stderr.strip()[-500:])
        return None
    return seconds


def _timed_run(settings: Settings, **kwargs: Any) -> tuple[RunSummary, float]:
    from pipeline.runner import run

    t0 = time.perf_counter()
    summary = run(settings, **kwargs)
    return summary, time.perf_counter() - t0


def run_bench(
    settings: Settings, *, docs: int = 1000, seed: int = 7, load: bool = True, long_mb: int = 0
) -> dict[str, Any]:
    """Generate ``docs`` documents, run the pipeline cold, then rebuild twice; with ``long_mb``,
    also one raw file of that many MB (:func:`long_document_timing`); returns the figures."""
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
    if load:
        _empty_database(bsettings)

    with TreeMemory() as tree:
        cold, cold_s = _timed_run(bsettings, force=True, load=load, analyse=False)
    memory_after_cold = peak_memory_mib()
    analysis = analysis_timing(bsettings, write_db=load)
    # the analysis changed what the import files hold: one untimed run writes them again, so the
    # no-change rebuild below finds nothing to do, as after a `policykg run` that analysed
    run_settle(bsettings, load=load)
    unchanged, unchanged_s = _timed_run(bsettings, load=load, analyse=False)
    victim = paths[len(paths) // 2]
    original = victim.read_bytes()
    # an edit that changes the document's graph (a sentence inserted shifts every offset after
    # it), so the rebuild re-extracts, re-exports and reloads that document: as `policykg
    # watch` rebuilds it (the process built its pipeline before the edit), then, the edit
    # undone, as a new `policykg run` process does (start-up included)
    watcher = Watcher(bsettings, load=load, analyse=False)
    watcher.warm()
    victim.write_bytes(original.replace("。".encode(), "。各级卫生健康部门负责落实。".encode(), 1))
    try:
        t0 = time.perf_counter()
        one = watcher.rebuild()
        one_s = time.perf_counter() - t0
    finally:
        victim.write_bytes(original)
    fresh_s = fresh_process_rebuild(settings, corpus, load=load)
    victim_docs = len(
        list((bsettings.path(bsettings.graph_dir) / "docs").glob(f"{victim.stem}.*.ttl"))
    )
    refs = reference_timings(bsettings)
    first_load = first_load_timing(bsettings) if load else None
    cli = cli_timings(bsettings, server=load)

    mb = cold.processed_bytes / 1e6
    load_stages = ("load", "load (alongside extraction)")
    load_s = sum(cold.times.seconds.get(stage, 0.0) for stage in load_stages)
    reload_s = sum(one.times.seconds.get(stage, 0.0) for stage in load_stages)
    n = cold.processed_documents
    stages = {stage: _rates(sec, n, mb) for stage, sec in sorted(cold.times.seconds.items())}
    extract_s = refs["extract"]
    one_rebuilt = one.changed_files == [victim.name] and (
        not load or 1 <= one.loaded_documents <= victim_docs
    )
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
            "extract_one_process": _rates(refs["extract"], n, mb),
            "blank_zh_tokenisation": _rates(refs["blank_zh"], n, mb),
            "regex_pass": _rates(refs["regex"], n, mb),
            "tokens": refs["tokens"],
            "chars": refs["chars"],
        },
        "extract_over_blank_zh": round(extract_s / max(refs["blank_zh"], 1e-9), 2)
        if extract_s
        else None,
        "ratios": {
            "cold_over_blank_zh": _ratio(cold_s, refs["blank_zh"]),
            # a rebuild that did not redo exactly the edited file measures something else
            "one_changed_over_blank_zh": _ratio(one_s, refs["blank_zh"]) if one_rebuilt else None,
            "unchanged_over_blank_zh": _ratio(unchanged_s, refs["blank_zh"])
            if not unchanged.changed_files
            else None,
        },
        "rebuild_unchanged_s": round(unchanged_s, 3),
        "rebuild_unchanged_files": len(unchanged.changed_files),
        "rebuild_one_changed_s": round(one_s, 3),
        "rebuild_one_changed_new_process_s": round(fresh_s, 3) if fresh_s is not None else None,
        "rebuild_one_changed_files": one.changed_files,
        "rebuild_one_changed_loaded": one.loaded_documents,
        "rebuild_one_changed_stages": {
            stage: round(sec, 3) for stage, sec in sorted(one.times.seconds.items())
        },
        "load": {  # alongside the extraction of the cold run: mostly waiting for documents
            "documents": cold.loaded_documents,
            "rows": cold.loaded_rows,
            "seconds": round(load_s, 3),
            "rows_per_s": round(cold.loaded_rows / max(load_s, 1e-9), 1)
            if cold.loaded_rows
            else None,
        },
        "first_load": first_load,
        "engine": _engine(bsettings),
        "reload_one": {  # the edited file's documents loaded again (their old version replaced)
            "documents": one.loaded_documents,
            "rows": one.loaded_rows,
            "seconds": round(reload_s, 3) if load else None,
            "rows_per_s": round(one.loaded_rows / max(reload_s, 1e-9), 1)
            if one.loaded_rows
            else None,
        },
        "cli": cli,
        "peak_memory_mib": peak_memory_mib(),
        "peak_tree_memory_mib": tree.peak_mib,
        "analysis": analysis,
        "long_document": long_document_timing(
            bsettings.with_overrides(raw_dir=settings.raw_dir), long_mb
        )
        if long_mb
        else None,
        "peak_memory_after_cold_mib": memory_after_cold,
        "notes": cold.notes,
    }
    result["targets"] = verdicts(result)
    if load and bsettings.uses_local_server:  # its own server: stopped, so the next bench may
        from pipeline.graphdb import server  # run the other engine on the same data directory

        server.stop(bsettings)
    out = bench_dir / "result.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    out.write_text(text, encoding="utf-8")
    (bench_dir / f"result-{result['engine']}.json").write_text(text, encoding="utf-8")
    result["result_path"] = str(out)
    return result


def run_memory_bench(
    settings: Settings, *, files: int = MEMORY_FILES, seed: int = 7
) -> dict[str, Any]:
    """Peak memory of a cold run (ingest → export, no database: the server's memory is its own
    configuration) and of the analysis on ``files`` generated raw files; writes
    ``data/bench/result-memory.json``."""
    bench_dir = settings.path(settings.bench_dir)
    corpus = bench_dir / f"corpus_{files}"
    paths = set(generate_corpus(settings.path(settings.raw_dir), corpus, files, seed))
    for stale in corpus.glob("bench_*.txt"):
        if stale not in paths:
            stale.unlink()
    bsettings = bench_settings(settings, corpus)
    for sub in (bsettings.interim_dir, bsettings.graph_dir):
        shutil.rmtree(bsettings.path(sub), ignore_errors=True)
    with TreeMemory() as tree:
        cold, cold_s = _timed_run(bsettings, force=True, load=False, analyse=False)
    result: dict[str, Any] = {
        "raw_files": cold.raw_files,
        "documents": cold.processed_documents,
        "megabytes": round(cold.processed_bytes / 1e6, 2),
        "workers": settings.workers,
        "cold_seconds": round(cold_s, 1),
        "peak_tree_memory_mib": tree.peak_mib,
        "analysis": analysis_timing(bsettings, write_db=False),
    }
    result["targets"] = verdicts(result, MEMORY_TARGETS)
    out = bench_dir / "result-memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    result["result_path"] = str(out)
    return result
