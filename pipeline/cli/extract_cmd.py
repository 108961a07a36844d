"""``policykg extract``: ``documents/*.json`` -> ``facts/*.json`` with the spaCy pipeline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from pipeline.config import Segmenter, Settings
from pipeline.errors import InputError, file_failure

DOCUMENTS_DIR = "documents"
FACTS_DIR = "facts"


def extract_dir(in_dir: Path, out_dir: Path, settings: Settings) -> dict[str, int]:
    """Extract every ``in_dir/documents/*.json`` (:func:`pipeline.stages.extract`) into
    ``out_dir/facts/``; returns counts."""
    from pipeline import stages
    from pipeline.models import Document
    from pipeline.nlp import build_nlp
    from pipeline.store import read_record, record_path, write_json

    documents_dir = in_dir / DOCUMENTS_DIR
    if not documents_dir.is_dir():
        raise InputError(
            f"{documents_dir}: no such directory", hint="run `policykg structure` first"
        )
    nlp = build_nlp(settings)
    counts = {
        "documents": 0,
        "bodies": 0,
        "responsibilities": 0,
        "targets": 0,
        "programmes": 0,
        "skipped": 0,
    }
    for path in sorted(documents_dir.glob("*.json")):
        try:
            document = read_record(path, Document)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{path}: not a Document record ({exc})", hint="rerun `policykg structure`"
            ) from exc
        try:
            facts = stages.extract(document, nlp)
        except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the others
            failure = file_failure(document.article.source, exc)
            print(f"policykg: skipped {document.doc_id}: {failure}", file=sys.stderr)
            counts["skipped"] += 1
            continue
        write_json(record_path(out_dir / FACTS_DIR, facts.doc_id), facts)
        counts["documents"] += 1
        counts["bodies"] += len(facts.bodies)
        counts["responsibilities"] += len(facts.responsibilities)
        counts["targets"] += len(facts.targets)
        counts["programmes"] += len(facts.programmes)
    return counts


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_cmd(
        in_dir: Path = typer.Option(
            Path("data/interim"), "--in", help="Directory holding documents/."
        ),
        out_dir: Path = typer.Option(
            Path("data/interim"), "--out", help="Directory to write facts/ into."
        ),
        segmenter: str = typer.Option(None, help="char | jieba | pkuseg"),
        pkuseg_model: Path = typer.Option(None, help="Model directory for the pkuseg segmenter."),
        strict: bool = typer.Option(
            False, "--strict", help="Exit non-zero if any document is skipped."
        ),
    ) -> None:
        """Extract bodies, responsibilities, targets and programmes from structured documents."""
        from rich.console import Console
        from rich.table import Table

        settings = Settings.from_env().with_overrides(
            segmenter=Segmenter(segmenter) if segmenter else None, pkuseg_model=pkuseg_model
        )
        counts = extract_dir(in_dir, out_dir, settings)
        table = Table(title=f"extract → {out_dir / FACTS_DIR}")
        for key in counts:
            table.add_column(key, justify="right")
        table.add_row(*(str(v) for v in counts.values()))
        Console().print(table)
        if strict and counts["skipped"]:
            raise SystemExit(1)
