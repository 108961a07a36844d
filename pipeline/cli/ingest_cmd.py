"""``policykg ingest``: raw files -> ``articles/<stem>.<i>.json`` + ``ingest_report.json``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from pipeline.errors import InputError, file_failure

REPORT_NAME = "ingest_report.json"
ARTICLES_DIR = "articles"


def _remove_stale(articles_dir: Path, stem: str, keep: set[str]) -> None:
    """Delete article files of ``stem`` left over from an earlier run that made more articles."""
    for old in articles_dir.glob(f"{stem}.*.json"):
        if old.name not in keep and old.name[len(stem) + 1 : -5].isdigit():
            old.unlink()


def ingest_paths(paths: list[Path], out: Path) -> dict[str, Any]:
    """Ingest every raw file (:func:`pipeline.stages.ingest`), write its articles, and return the
    report (also written)."""
    from pipeline import stages
    from pipeline.models import SkippedFile
    from pipeline.store import (
        display_name,
        raw_files,
        read_raw,
        record_path,
        source_key,
        write_json,
    )

    articles_dir = out / ARTICLES_DIR
    inputs: list[dict[str, Any]] = []
    skipped: list[SkippedFile] = []
    passed: list[tuple[Path, str]] = []
    files = raw_files(paths, passed)
    for path, reason in passed:
        print(f"policykg: skipped {display_name(path)}: {reason}", file=sys.stderr)
        skipped.append(SkippedFile(path.name, "E100", reason))
        inputs.append({"source": path.name, "status": "skipped", "code": "E100", "reason": reason})
    for path in files:
        try:
            result = stages.ingest(path.name, read_raw(path))
        except InputError as exc:
            print(f"policykg: skipped {display_name(path)}: {exc}", file=sys.stderr)
            skipped.append(SkippedFile(path.name, exc.code, exc.message))
            inputs.append(
                {"source": path.name, "status": "skipped", "code": exc.code, "reason": exc.message}
            )
            continue
        except OSError as exc:
            print(
                f"policykg: skipped {display_name(path)}: cannot read it ({exc.strerror})",
                file=sys.stderr,
            )
            skipped.append(SkippedFile(path.name, "E100", f"cannot read file: {exc.strerror}"))
            inputs.append(
                {"source": path.name, "status": "skipped", "code": "E100", "reason": str(exc)}
            )
            continue
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
            failure = file_failure(path.name, exc)
            print(f"policykg: skipped {display_name(path)}: {failure}", file=sys.stderr)
            skipped.append(SkippedFile(path.name, failure.code, failure.message))
            inputs.append(
                {
                    "source": path.name,
                    "status": "skipped",
                    "code": failure.code,
                    "reason": failure.message,
                }
            )
            continue
        for warning in result.warnings:
            print(f"policykg: warning: {display_name(path)}: {warning}", file=sys.stderr)
        written: list[dict[str, Any]] = []
        for article in result.articles:
            target = record_path(articles_dir, article.doc_id)
            write_json(target, article)
            written.append(
                {
                    "doc_id": article.doc_id,
                    "path": str(target.relative_to(out)),
                    "chars": len(article.text),
                    "relevant": article.relevant,
                    "relevance_score": article.relevance_score,
                    "headline": article.hints.get("headline"),
                }
            )
        _remove_stale(articles_dir, source_key(path.name), {Path(w["path"]).name for w in written})
        inputs.append(
            {
                "source": path.name,
                "status": "ok",
                "sha256": result.articles[0].source_sha256,
                "encoding": result.encoding,
                "format": result.articles[0].source_format.value,
                "articles": written,
                "warnings": list(result.warnings),
            }
        )
    if passed:  # entries skipped while listing: back into name order
        inputs.sort(key=lambda i: i["source"])
    report = {
        "inputs": inputs,
        "skipped": skipped,
        "counts": {
            "files": len(inputs),
            "ingested": sum(1 for i in inputs if i["status"] == "ok"),
            "skipped": len(skipped),
            "articles": sum(len(i.get("articles", [])) for i in inputs),
            "relevant": sum(a["relevant"] for i in inputs for a in i.get("articles", [])),
        },
    }
    write_json(out / REPORT_NAME, report)
    return report


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        raw: list[Path] = typer.Argument(..., help="Raw files or directories (e.g. data/raw)."),
        out: Path = typer.Option(Path("data/interim"), "--out", help="Interim directory."),
        strict: bool = typer.Option(
            False, "--strict", help="Exit non-zero if any file is skipped."
        ),
    ) -> None:
        """Decode, clean and split raw files into articles (one JSON per article)."""
        from rich.console import Console

        report = ingest_paths(raw, out)
        counts = report["counts"]
        Console(stderr=True).print(
            f"ingested {counts['ingested']}/{counts['files']} files -> {counts['articles']} articles "
            f"({counts['relevant']} relevant), {counts['skipped']} skipped; report {out / REPORT_NAME}",
            soft_wrap=True,
        )
        if strict and counts["skipped"]:
            # SystemExit, not typer.Exit: the console script runs the app with
            # standalone_mode=False, where click turns typer.Exit into a return value.
            raise SystemExit(1)
