"""``policykg build`` (documents + facts → RDF files) and ``policykg validate`` (SHACL report)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from pipeline.config import Settings
from pipeline.errors import GraphBuildError

log = logging.getLogger(__name__)

DOCUMENTS_DIR = "documents"
FACTS_DIR = "facts"
DOCS_SUBDIR = "docs"


def _read(path: Path, cls: type):  # type: ignore[no-untyped-def]
    from pipeline.store import read_record

    try:
        return read_record(path, cls)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, OSError) as exc:
        raise GraphBuildError(
            f"{path}: not a {cls.__name__} record ({exc})",
            hint="rerun the stage that writes it (`policykg structure` / `policykg extract`)",
        ) from exc


def build_dir(
    in_dir: Path, out_dir: Path, settings: Settings, *, validate: bool = False
) -> dict[str, int]:
    """Build ``out_dir/docs/*.ttl|.nt`` (:func:`pipeline.stages.build` for each document) and the
    merged files from ``in_dir/documents`` + ``in_dir/facts``.

    Returns:
        Counts: documents, triples, and SHACL violations (when ``validate``).
    """
    from pipeline import stages
    from pipeline.models import Document, DocumentFacts
    from pipeline.rdf.export import export_merged, write_document_texts
    from pipeline.store import record_path

    documents_dir, facts_dir = in_dir / DOCUMENTS_DIR, in_dir / FACTS_DIR
    for directory, stage in ((documents_dir, "structure"), (facts_dir, "extract")):
        if not directory.is_dir():
            raise GraphBuildError(
                f"{directory}: no such directory", hint=f"run `policykg {stage}` first"
            )
    docs_out = out_dir / DOCS_SUBDIR
    counts = {"documents": 0, "triples": 0, "violations": 0}
    written: set[Path] = set()
    failures: list[str] = []
    for path in sorted(documents_dir.glob("*.json")):
        document = _read(path, Document)
        facts_path = record_path(facts_dir, document.doc_id)
        if not facts_path.is_file():
            raise GraphBuildError(
                f"{facts_path}: no facts for {path.name}", hint="run `policykg extract` first"
            )
        facts = _read(facts_path, DocumentFacts)
        rdf = stages.build(document, facts, settings, validate=validate)
        written.update(write_document_texts(rdf.doc_id, rdf.ntriples, rdf.turtle, docs_out))
        counts["documents"] += 1
        counts["triples"] += rdf.triples
        if not rdf.conforms:
            counts["violations"] += len(rdf.violations)
            failures.append(f"{document.doc_id}: " + "\n  ".join(rdf.violations))
    for stale in sorted(docs_out.glob("*.ttl")) + sorted(docs_out.glob("*.nt")):
        if stale not in written:  # a document that no longer exists upstream
            stale.unlink()
    if counts["documents"]:
        export_merged(settings.with_overrides(graph_dir=out_dir))
    if failures:
        raise GraphBuildError(
            "the graph violates the SHACL shapes:\n" + "\n".join(failures),
            hint="fix the extraction or ontology/shapes.ttl, then rebuild",
        )
    return counts


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build_cmd(
        in_dir: Path = typer.Option(
            Path("data/interim"), "--in", help="Directory holding documents/ and facts/."
        ),
        out_dir: Path = typer.Option(
            Path("data/graph"), "--out", help="Directory to write the RDF files into."
        ),
        validate: bool = typer.Option(
            False, "--validate", help="Also check every document graph with SHACL."
        ),
    ) -> None:
        """Build the RDF graph: docs/*.ttl, policykg.ttl, policykg.nt, policykg.jsonld."""
        from rich.console import Console
        from rich.table import Table

        settings = Settings.from_env()
        counts = build_dir(
            settings.path(in_dir), settings.path(out_dir), settings, validate=validate
        )
        table = Table(title=f"build → {out_dir}")
        for key in counts:
            table.add_column(key, justify="right")
        table.add_row(*(str(v) for v in counts.values()))
        Console().print(table)

    @app.command("validate")
    def validate_cmd(
        graph_file: Path = typer.Argument(
            Path("data/graph/policykg.nt"), help="Turtle (.ttl) or N-Triples (.nt) file to check."
        ),
    ) -> None:
        """Check a built graph against ontology/shapes.ttl; exit 1 on any violation."""
        from rdflib import Graph
        from rich.console import Console

        from pipeline.rdf.validate import validate_graph

        settings = Settings.from_env()
        path = settings.path(graph_file)
        if not path.is_file():
            raise GraphBuildError(f"{path}: no such file", hint="run `policykg build` first")
        rdf_format = (
            "nt" if path.suffix == ".nt" else "json-ld" if path.suffix == ".jsonld" else "turtle"
        )
        try:
            graph = Graph().parse(path, format=rdf_format)
        except Exception as exc:
            raise GraphBuildError(
                f"{path}: cannot parse as {rdf_format}: {exc}",
                hint="rebuild it with `policykg build`",
            ) from exc
        report = validate_graph(graph, settings)
        console = Console(highlight=False)
        if report.conforms:
            console.print(f"[green]{path}: {report}[/green]")
            return
        console.print(f"[red]{path}: {report.text.splitlines()[0]}[/red]")
        for violation in report.violations:
            console.print(f"  {violation.line()}", markup=False)
        raise typer.Exit(code=1)
