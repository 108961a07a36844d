"""``policykg structure``: ``articles/<stem>.<i>.json`` -> ``documents/<stem>.<i>.json``."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from pipeline.errors import StructureError, file_failure

if TYPE_CHECKING:
    from pipeline.models import SkippedFile

ARTICLES_DIR = "articles"
DOCUMENTS_DIR = "documents"


def _read_articles(articles_dir: Path) -> list[Any]:
    """Every article record under ``articles_dir``; a clear error names a missing dir or a bad file."""
    from pipeline.models import Article
    from pipeline.store import read_record

    if not articles_dir.is_dir():
        raise StructureError(
            f"{articles_dir} does not exist",
            hint="run `policykg ingest data/raw --out data/interim` first",
        )
    articles = []
    for path in sorted(articles_dir.glob("*.json")):
        try:
            articles.append(read_record(path, Article))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise StructureError(
                f"{path}: not an article record ({type(exc).__name__}: {exc})",
                hint="re-run policykg ingest",
            ) from exc
    return articles


def structure_dir(
    inp: Path, out: Path, failures: list[SkippedFile] | None = None
) -> list[dict[str, Any]]:
    """Structure the articles of ``inp/articles``, those of each raw file together
    (:func:`pipeline.stages.structure`), and write ``out/documents``; one summary row per
    document. A raw file whose articles fail is reported (one line on stderr, and in
    ``failures``) and left out; the others are still structured."""
    from pipeline import stages
    from pipeline.models import SkippedFile
    from pipeline.store import display_name, record_path, source_key, write_json

    by_source: dict[str, list[Any]] = defaultdict(list)
    for article in _read_articles(inp / ARTICLES_DIR):
        by_source[article.source].append(article)
    rows = []
    for source in sorted(by_source):
        written: set[str] = set()
        try:
            documents = stages.structure(by_source[source])
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
            failure = file_failure(source, exc)
            print(f"policykg: skipped {display_name(source)}: {failure}", file=sys.stderr)
            if failures is not None:
                failures.append(SkippedFile(source, failure.code, failure.message))
            continue
        for document in documents:
            target = record_path(out / DOCUMENTS_DIR, document.doc_id)
            write_json(target, document)
            written.add(target.name)
            meta = document.metadata
            rows.append(
                {
                    "doc_id": document.doc_id,
                    "relevant": document.article.relevant,
                    "title": meta.title,
                    "doc_number": meta.doc_number,
                    "date": meta.date,
                    "jurisdiction": meta.jurisdiction,
                    "sections": len(document.sections),
                    "citations": len(document.citations),
                }
            )
        _remove_stale(out / DOCUMENTS_DIR, source_key(source), written)
    return rows


def _remove_stale(documents_dir: Path, stem: str, keep: set[str]) -> None:
    """Delete document files of ``stem`` left over from an earlier run that had more articles."""
    for old in documents_dir.glob(f"{stem}.*.json"):
        if old.name not in keep and old.name[len(stem) + 1 : -5].isdigit():
            old.unlink()


def register(app: typer.Typer) -> None:
    @app.command("structure")
    def structure_cmd(
        inp: Path = typer.Option(
            Path("data/interim"), "--in", help="Interim directory holding articles/."
        ),
        out: Path = typer.Option(
            Path("data/interim"), "--out", help="Interim directory to write documents/ into."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Exit non-zero if any file is skipped."
        ),
    ) -> None:
        """Read metadata, citations and the task hierarchy of every ingested article."""
        from rich.console import Console
        from rich.table import Table

        failures: list[SkippedFile] = []
        rows = structure_dir(inp, out, failures)
        table = Table(title=f"{len(rows)} documents -> {out / DOCUMENTS_DIR}")
        for column in ("doc_id", "title", "文号", "date", "area", "sections", "cites"):
            table.add_column(column)
        for row in rows:
            if row["relevant"]:
                table.add_row(
                    row["doc_id"],
                    row["title"] or "",
                    row["doc_number"] or "",
                    row["date"] or "",
                    row["jurisdiction"] or "",
                    str(row["sections"]),
                    str(row["citations"]),
                )
        Console(stderr=True, width=200).print(table)
        if failures:
            print(f"policykg: {len(failures)} file(s) skipped", file=sys.stderr)
            if strict:
                raise SystemExit(1)
