"""``policykg facts`` (gold-format JSON lines) and ``policykg eval`` (scores against gold)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from pipeline.config import Settings
from pipeline.errors import EvaluationError, file_failure

log = logging.getLogger(__name__)


def facts_records(paths: list[Path], settings: Settings) -> Iterator[dict[str, Any]]:
    """Run ingest → structure → extract on each raw file and yield its gold-format record.

    A file that cannot be ingested yields a record with no documents and an ``error`` field, so
    the other files are still processed.
    """
    from pipeline.facts import gold_record
    from pipeline.nlp import build_nlp
    from pipeline.runner import process_raw
    from pipeline.store import display_name, raw_files, read_raw

    nlp = build_nlp(settings)
    passed: list[tuple[Path, str]] = []
    files = raw_files(paths, passed)
    for path, reason in passed:
        print(f"policykg: skipped {display_name(path)}: {reason}", file=sys.stderr)
        yield {"source": path.name, "documents": [], "error": reason}
    for path in files:
        try:
            documents, facts = process_raw(path.name, read_raw(path), nlp)
            record = gold_record(path.name, documents, facts)
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
            failure = file_failure(path.name, exc)
            print(f"policykg: skipped {display_name(path)}: {failure}", file=sys.stderr)
            yield {"source": path.name, "documents": [], "error": str(failure)}
            continue
        yield record


def _print_scores(scores: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Extraction scores")
    for column in ("field", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="right" if column != "field" else "left")
    for name, counts in scores.fields.items():
        d = counts.as_dict()
        table.add_row(
            name,
            f"{d['precision']:.3f}",
            f"{d['recall']:.3f}",
            f"{d['f1']:.3f}",
            str(d["tp"]),
            str(d["fp"]),
            str(d["fn"]),
        )
    console.print(table)
    meta = scores.as_dict()["metadata"]
    per_field = ", ".join(f"{k} {v:.2f}" for k, v in meta["per_field"].items())
    console.print(
        f"metadata accuracy {meta['accuracy']:.3f} over {meta['documents']} relevant documents ({per_field})"
    )
    for err in scores.errors:
        console.print(f"[red]{err['source']}: {err['error']}[/red]")


def register(app: typer.Typer) -> None:
    @app.command("facts")
    def facts_cmd(
        paths: list[Path] = typer.Argument(..., help="Raw files or directories of raw files."),
        segmenter: str = typer.Option(None, help="char | jieba | pkuseg"),
        pkuseg_model: Path = typer.Option(None, help="Model directory for the pkuseg segmenter."),
        strict: bool = typer.Option(
            False, "--strict", help="Exit non-zero if any file is skipped."
        ),
    ) -> None:
        """Print one gold-format JSON object per raw file, one per line (a skipped file: an
        ``error`` field and no documents)."""
        from pipeline.config import Segmenter

        settings = Settings.from_env().with_overrides(
            segmenter=Segmenter(segmenter) if segmenter else None, pkuseg_model=pkuseg_model
        )
        skipped = 0
        for record in facts_records(paths, settings):
            skipped += "error" in record
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        if strict and skipped:
            raise SystemExit(1)

    @app.command("eval")
    def eval_cmd(
        gold: Path = typer.Option(
            ...,
            "--gold",
            help="Directory holding raw/, gold/ (and bodies*.tsv here or in its parent).",
        ),
        pred: Path = typer.Option(
            None,
            "--pred",
            help="Score this JSONL of `policykg facts` output instead of running the pipeline.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
        details: bool = typer.Option(
            False, "--details", help="With --json, include per-document details."
        ),
        segmenter: str = typer.Option(None, help="char | jieba | pkuseg"),
        pkuseg_model: Path = typer.Option(None, help="Model directory for the pkuseg segmenter."),
    ) -> None:
        """Score extraction against hand-written gold (precision/recall/F1 per field, metadata accuracy)."""
        from pipeline.config import Segmenter
        from pipeline.evaluate import load_aliases, read_gold_dir, score

        gold_records = read_gold_dir(gold)
        if pred is not None:
            try:
                predicted = [
                    json.loads(line)
                    for line in pred.read_text(encoding="utf-8").splitlines()
                    if line.strip()
                ]
            except (OSError, json.JSONDecodeError) as exc:
                raise EvaluationError(f"{pred}: cannot read predictions: {exc}") from exc
        else:
            settings = Settings.from_env().with_overrides(
                segmenter=Segmenter(segmenter) if segmenter else None, pkuseg_model=pkuseg_model
            )
            predicted = list(facts_records([gold / "raw"], settings))
        scores = score(gold_records, predicted, load_aliases(gold))
        if as_json:
            result = scores.as_dict()
            if not details:
                result.pop("documents")
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        else:
            _print_scores(scores)
