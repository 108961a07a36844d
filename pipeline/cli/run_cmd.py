"""``policykg run``: every stage on ``data/raw``, incrementally, ending with a summary."""

from __future__ import annotations

import time
from typing import Any

import typer

from pipeline.config import Executor, Segmenter, Settings


def print_summary(summary: Any, console: Any) -> None:
    """The run's counts, per-stage times and output locations as a rich table."""
    from rich.markup import escape
    from rich.table import Table

    from pipeline.store import display_name

    table = Table(title="policykg run", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    changed = len(summary.changed_files)
    table.add_row(
        "raw files",
        f"{summary.raw_files} ({changed} rebuilt, {len(summary.removed_files)} removed, "
        f"{len(summary.skipped)} skipped)",
    )
    table.add_row("documents", f"{summary.documents} ({summary.relevant_documents} relevant)")
    for name in ("bodies", "tasks", "targets", "programmes", "responsibilities"):
        table.add_row(name, str(getattr(summary, name)))
    if summary.loaded_documents:
        table.add_row("loaded", f"{summary.loaded_documents} documents, {summary.loaded_rows} rows")
    for stage, seconds in summary.times.seconds.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    for name, where in summary.outputs.items():
        table.add_row(f"output: {name}", where)
    console.print(table)
    for skip in summary.skipped:
        console.print(
            f"[yellow]skipped {escape(display_name(skip.source))}: {escape(f'[{skip.code}] {skip.reason}')}[/yellow]",
            markup=True,
            highlight=False,
        )
    for note in summary.notes:
        console.print(f"[yellow]note: {note}[/yellow]")


def ingest_report(manifest: dict[str, Any], skipped: list[Any]) -> dict[str, Any]:
    """What each raw file gave (its documents) or why it was skipped, from the run's manifest
    and the files the run skipped (every unfixed one, on every run).

    >>> from pipeline.models import SkippedFile
    >>> report = ingest_report({"files": {"a.txt": {"sha256": "1", "doc_ids": ["a#0"]}}},
    ...                        [SkippedFile("b.bin", "E100", "binary")])
    >>> [(i["source"], i["status"]) for i in report["inputs"]], report["counts"]
    ([('a.txt', 'ok'), ('b.bin', 'skipped')], {'files': 2, 'ingested': 1, 'skipped': 1, 'documents': 1})
    """
    inputs = {
        name: {
            "source": name,
            "status": "ok",
            "sha256": entry.get("sha256"),
            "documents": entry.get("doc_ids", []),
        }
        for name, entry in manifest.get("files", {}).items()
    }
    for skip in skipped:
        inputs[skip.source] = {
            "source": skip.source,
            "status": "skipped",
            "code": skip.code,
            "reason": skip.reason,
        }
    rows = [inputs[name] for name in sorted(inputs)]
    return {
        "inputs": rows,
        "skipped": [{"source": s.source, "code": s.code, "reason": s.reason} for s in skipped],
        "counts": {
            "files": len(rows),
            "ingested": sum(r["status"] == "ok" for r in rows),
            "skipped": sum(r["status"] == "skipped" for r in rows),
            "documents": sum(len(r.get("documents", [])) for r in rows),
        },
    }


def write_ingest_report(settings: Settings, summary: Any) -> Any:
    """``data/interim/ingest_report.json`` for this run (see :func:`ingest_report`)."""
    from pipeline.manifest import MANIFEST, load_manifest
    from pipeline.store import write_json

    interim = settings.path(settings.interim_dir)
    path = interim / "ingest_report.json"
    manifest = load_manifest(interim / MANIFEST).to_json()
    write_json(path, ingest_report(manifest, summary.skipped))
    return path


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_cmd(
        workers: int = typer.Option(None, help="Extraction processes on this machine."),
        executor: Executor = typer.Option(Executor.LOCAL, help="local | dask"),
        scheduler: str = typer.Option(
            None, help="Dask scheduler address, e.g. tcp://127.0.0.1:8786."
        ),
        segmenter: Segmenter = typer.Option(None, help="char | jieba | pkuseg"),
        force: bool = typer.Option(False, help="Rebuild every document, ignoring the manifest."),
        no_load: bool = typer.Option(False, "--no-load", help="Stop after building the RDF graph."),
        no_analysis: bool = typer.Option(
            False, "--no-analysis", help="Skip the corpus-wide analysis."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Exit non-zero if any raw file is skipped."
        ),
    ) -> None:
        """Run ingest → structure → extract → build → validate → load → analyse on data/raw, rebuilding only what changed."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from pipeline.runner import run

        settings = Settings.from_env().with_overrides(
            workers=workers, executor=executor, scheduler=scheduler, segmenter=segmenter
        )
        console = Console()
        bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(f"{stage}", total=total or None)
            bars.update(tasks[stage], completed=done, total=total or None)

        with bars:
            summary = run(
                settings, force=force, load=not no_load, analyse=not no_analysis, progress=progress
            )
        report_path = write_ingest_report(settings, summary)
        summary.outputs["ingest report"] = str(report_path)
        print_summary(summary, console)
        if strict and summary.skipped:
            raise SystemExit(1)

    @app.command("watch")
    def watch_cmd(
        interval: float = typer.Option(
            0.5, min=0.05, help="Seconds between two looks at data/raw."
        ),
        workers: int = typer.Option(None, help="Extraction processes when many files change."),
        segmenter: Segmenter = typer.Option(None, help="char | jieba | pkuseg"),
        no_load: bool = typer.Option(False, "--no-load", help="Do not load the database."),
        no_analysis: bool = typer.Option(
            False, "--no-analysis", help="Skip the corpus-wide analysis."
        ),
    ) -> None:
        """Run like `policykg run`, then again whenever data/raw changes (Ctrl-C stops): one
        process keeps the spaCy pipeline, so a one-file rebuild skips the start-up."""
        from rich.console import Console
        from rich.markup import escape

        from pipeline.store import display_name
        from pipeline.watch import Watcher, watch

        settings = Settings.from_env().with_overrides(workers=workers, segmenter=segmenter)
        console = Console(highlight=False)
        watcher = Watcher(settings, load=not no_load, analyse=not no_analysis)
        console.print(
            f"watching {escape(display_name(settings.path(settings.raw_dir)))} (Ctrl-C stops)"
        )

        def said(summary: Any, seconds: float) -> None:
            what = ", ".join(summary.changed_files[:5]) + (
                " …" if len(summary.changed_files) > 5 else ""
            )
            line = (f"{time.strftime('%H:%M:%S')} {len(summary.changed_files)} rebuilt"
                    f"{' (' + what + ')' if what else ''}, {len(summary.removed_files)} removed, "
                    f"{summary.loaded_documents} documents loaded, {seconds:.2f} s")  # fmt: skip
            console.print(escape(line))
            for skip in summary.skipped:
                console.print(escape(f"  skipped {skip.source}: [{skip.code}] {skip.reason}"))
            for note in summary.notes:
                console.print(escape(f"  note: {note}"))

        def failed(exc: Any) -> None:
            console.print(escape(f"{time.strftime('%H:%M:%S')} {exc}"))

        try:
            watch(watcher, interval=interval, on_run=said, on_error=failed)
        except KeyboardInterrupt:
            console.print("stopped")
