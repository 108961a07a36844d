"""``policykg bench-corpus`` (generate documents) and ``policykg bench`` (measure the stages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from pipeline.bench import LONG_DOCUMENT_MB, MEMORY_FILES
from pipeline.config import Settings


def print_bench(result: dict[str, Any], console: Any) -> None:
    """The benchmark figures as a rich table."""
    from rich.table import Table

    table = Table(
        title=f"policykg bench: {result['documents']} documents, {result['megabytes']} MB"
    )
    for column in ("what", "seconds", "docs/s", "MB/s"):
        table.add_column(column, justify="right" if column != "what" else "left")

    def row(name: str, rates: dict[str, float]) -> None:
        table.add_row(
            name,
            f"{rates['seconds']:.2f}",
            f"{rates['docs_per_s']:.1f}",
            f"{rates['mb_per_s']:.2f}",
        )

    row("end to end (cold, wall clock)", result["end_to_end"])
    table.add_row("[dim]stages below: seconds summed over worker processes[/dim]", "", "", "")
    for stage, rates in result["stages"].items():
        row(f"  {stage}", rates)
    row("extract, one process", result["reference"]["extract_one_process"])
    row("reference: blank zh", result["reference"]["blank_zh_tokenisation"])
    row("reference: regex pass", result["reference"]["regex_pass"])
    row("generate corpus", result["generate_corpus"])
    console.print(table)
    console.print(f"extract / blank-zh tokenisation: {result['extract_over_blank_zh']}×")
    console.print(
        f"rebuild, nothing changed: {result['rebuild_unchanged_s']:.2f} s; "
        f"one document changed: {result['rebuild_one_changed_s']:.2f} s as `policykg watch` "
        f"rebuilds it (rebuilt {', '.join(result['rebuild_one_changed_files']) or 'nothing'}, "
        f"{result['rebuild_one_changed_loaded']} document(s) reloaded)"
    )
    fresh = result.get("rebuild_one_changed_new_process_s")
    if fresh is not None:
        console.print(f"one document changed, in a new `policykg run` process: {fresh:.2f} s")
    analysis = result["analysis"]
    console.print(
        f"analysis (corpus-wide, apart from ingest → load): {analysis['seconds']:.2f} s, "
        f"{analysis['task_links']} cascade links, peak {analysis['peak_memory_mib']} MiB "
        "(its own process)"
    )
    first_trace = result["cli"].get("trace_first_call")
    if first_trace is not None:
        console.print(
            f"policykg trace, first call after the records changed (rebuilds the trace index): "
            f"{first_trace:.2f} s"
        )
    load = result["load"]
    console.print(
        f"load ({result.get('engine')}): {load['rows']} rows in {load['seconds']} s, "
        f"{load['rows_per_s']} rows/s"
    )
    reload = result.get("reload_one")
    if reload:
        console.print(
            f"reload of one changed file: {reload['rows']} rows in {reload['seconds']} s, "
            f"{reload['rows_per_s']} rows/s"
        )
    console.print(
        f"peak memory (MiB): process tree {result['peak_tree_memory_mib']} during the cold run; "
        f"largest single process {result['peak_memory_mib']}"
    )
    long = result.get("long_document")
    if long:
        console.print(
            f"one {long['megabytes']} MB raw file: {long['seconds']} s, {long['documents']} document(s), "
            f"peak {long['peak_memory_mib']} MiB"
            + (f", error: {long['error']}" if long["error"] else "")
        )
    first = result.get("first_load")
    if first:
        console.print(
            f"first load into an emptied database ({result.get('engine')}): {first['rows']} rows in "
            f"{first['seconds']} s, {first['rows_per_s']} rows/s"
        )
    print_targets(result["targets"], console)
    for note in result["notes"]:
        console.print(f"[yellow]note: {note}[/yellow]")
    console.print(f"written: {result['result_path']}")


def print_targets(targets: list[dict[str, Any]], console: Any) -> None:
    """Each target of issue 20 beside the measured figure, with a plain verdict."""
    from rich.table import Table

    table = Table(title="targets")
    for column in ("what", "measured", "target", "verdict"):
        table.add_column(column, justify="left" if column == "what" else "right")
    colours = {"pass": "green", "fail": "red", "not measured": "yellow"}
    for row in targets:
        value = row["value"]
        shown = (
            "—"
            if value is None
            else (f"{value:.3g}" if isinstance(value, float) and value < 100 else f"{value:,.0f}")
        )
        table.add_row(
            row["name"], shown, row["target"], f"[{colours[row['verdict']]}]{row['verdict']}[/]"
        )
    console.print(table)


def print_memory_bench(result: dict[str, Any], console: Any) -> None:
    analysis = result["analysis"]
    console.print(
        f"memory bench: {result['raw_files']} raw files, {result['documents']} documents, "
        f"{result['megabytes']} MB; cold run {result['cold_seconds']} s ({result['workers']} workers), "
        f"analysis {analysis['seconds']} s"
    )
    print_targets(result["targets"], console)
    console.print(f"written: {result['result_path']}")


def register(app: typer.Typer) -> None:
    @app.command("bench-corpus")
    def bench_corpus_cmd(
        docs: int = typer.Option(1000, "--docs", min=1, help="How many documents to generate."),
        out: Path = typer.Option(..., "--out", help="Directory to write them to."),
        seed: int = typer.Option(7, help="Seed: the same seed gives the same bytes."),
    ) -> None:
        """Generate N realistic documents recombined from data/raw (deterministic, streamed)."""
        from rich.progress import track

        from pipeline.bench.corpus import generate_corpus

        settings = Settings.from_env()
        written = 0
        for _ in track(
            generate_corpus(settings.path(settings.raw_dir), out, docs, seed),
            total=docs,
            description="generating",
        ):
            written += 1
        print(f"{written} documents in {out}")

    @app.command("bench")
    def bench_cmd(
        docs: int = typer.Option(
            None,
            "--docs",
            min=1,
            show_default=False,
            help=f"Generated documents to measure on [default: 1000; with --memory {MEMORY_FILES}].",
        ),
        workers: int = typer.Option(None, help="Extraction processes."),
        seed: int = typer.Option(7, help="Corpus seed."),
        no_load: bool = typer.Option(False, "--no-load", help="Do not load into the graph server."),
        long_mb: int = typer.Option(
            LONG_DOCUMENT_MB,
            "--long-mb",
            min=0,
            help="Also time one raw file of this many MB (0: skip).",
        ),
        memory: bool = typer.Option(
            False,
            "--memory",
            help="Only the memory targets: a cold run and the "
            "analysis on --docs files (default 10 000), no database.",
        ),
    ) -> None:
        """Measure every stage on a generated corpus; writes data/bench/result.json and prints each
        target beside its figure (with --memory: data/bench/result-memory.json)."""
        from rich.console import Console

        from pipeline.bench.bench import run_bench, run_memory_bench

        settings = Settings.from_env().with_overrides(workers=workers)
        console = Console()
        if memory:
            files = docs or MEMORY_FILES
            with console.status(f"measuring memory on {files} generated files…"):
                result = run_memory_bench(settings, files=files, seed=seed)
            print_memory_bench(result, console)
            return
        docs = docs or 1000
        with console.status(f"benchmarking on {docs} generated documents…"):
            result = run_bench(settings, docs=docs, seed=seed, load=not no_load, long_mb=long_mb)
        print_bench(result, console)
