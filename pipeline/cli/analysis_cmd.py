"""``policykg trace | goal | analyze | report``: the analyst's commands over the built graph."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from pipeline.config import Settings

REPORT_PATH = Path("report") / "index.html"


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"


def _comparator(symbol: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "=", "~": "≈"}.get(symbol, symbol)


def _value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _target_text(target: Any) -> str:
    unit = "" if target.unit == "ratio" else target.unit
    prefix = "1∶" if target.unit == "ratio" else ""
    amount = f"{prefix}{_value(target.value)}{unit}"
    return f"{target.indicator} {_comparator(target.comparator)} {amount}"


def _evidence_text(evidence: Any) -> str:
    """The sentence a fact was read in, and the file (with page, sheet or table row) it came from."""
    return f"{evidence.sentence}\n— {evidence.where or evidence.source}"


def _distinct_corpus(settings: Settings) -> Any:
    """The built records, one article per policy document (reprints folded)."""
    from pipeline.analysis.corpus import load_corpus
    from pipeline.analysis.reprints import find_reprints, without_reprints

    corpus = load_corpus(settings)
    return without_reprints(corpus, find_reprints(corpus))


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace_cmd(
        body: str = typer.Argument(..., help="A body's name or alias, e.g. 市卫健委."),
        output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table | json"),
        database: bool = typer.Option(
            False, "--db", help="Ask the running graph database instead of the built records."
        ),
    ) -> None:
        """Goals and targets a body leads and supports, by document and task, by deadline."""
        from dataclasses import asdict

        from rich.console import Console
        from rich.table import Table

        settings = Settings.from_env()
        if database:
            from pipeline.analysis.trace_db import database_trace

            canonical, result = database_trace(settings, body)
        else:
            from pipeline.analysis.trace import LazyGazetteer, resolve_body_name
            from pipeline.analysis.trace_index import open_trace_index

            index = open_trace_index(settings)
            canonical = resolve_body_name(body, index.names(), LazyGazetteer())
            result = index.trace(canonical)
        if output is OutputFormat.JSON:
            data = {
                "body": canonical,
                "query": body,
                "documents": [
                    {"doc_id": doc_id, "title": title, "tasks": [asdict(t) for t in tasks]}
                    for doc_id, title, tasks in result.documents()
                ],
                "issued": [asdict(i) for i in result.issued],
            }
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        console = Console()
        if not result.tasks and not result.issued:
            console.print(f"{canonical}: no task names it as responsible and it issued no targets")
            return
        leads = sum(1 for t in result.tasks if t.role.value == "lead")
        console.print(
            f"[bold]{canonical}[/bold]: leads {leads} task(s), supports {len(result.tasks) - leads}"
        )
        for doc_id, title, tasks in result.documents():
            table = Table(title=f"{title} ({doc_id})", show_lines=True, title_justify="left")
            table.add_column("task")
            table.add_column("role")
            table.add_column("with")
            table.add_column("deadline")
            table.add_column("targets (deadline)")
            table.add_column("evidence")
            for task in tasks:
                others = [b for b in (*task.leads, *task.supports) if b != canonical]
                targets = "\n".join(
                    f"{_target_text(t)} ({t.deadline or '—'})" for t in task.targets
                )
                role = "牵头 lead" if task.role.value == "lead" else "配合 support"
                due = "—"
                if task.deadline and task.deadline_evidence:
                    due = f"{task.deadline}\n{task.deadline_evidence.where}"
                table.add_row(
                    task.heading,
                    role,
                    "、".join(others) or "—",
                    due,
                    targets or "—",
                    _evidence_text(task.evidence),
                )
            console.print(table)
        for issued in result.issued:
            table = Table(
                title=f"issued: {issued.document_title} ({issued.doc_id})",
                show_lines=True,
                title_justify="left",
            )
            for column in ("task", "target", "deadline", "evidence"):
                table.add_column(column)
            for heading, target in issued.targets:
                table.add_row(
                    heading or "—",
                    _target_text(target),
                    target.deadline or "—",
                    _evidence_text(target.evidence),
                )
            console.print(table)

    @app.command("goal")
    def goal_cmd(
        text: str = typer.Argument(..., help="Indicator words, e.g. 基层门急诊人次占比."),
        output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table | json"),
        database: bool = typer.Option(
            False, "--db", help="Ask the running graph database instead of the built records."
        ),
    ) -> None:
        """Who owns the targets whose indicator matches TEXT."""
        from dataclasses import asdict

        from rich.console import Console
        from rich.table import Table

        from pipeline.errors import AnalysisError

        settings = Settings.from_env()
        if database:
            from pipeline.analysis.trace_db import database_goals

            found = database_goals(settings, text)
        else:
            from pipeline.analysis.trace_index import open_trace_index

            found = open_trace_index(settings).goals(text)
        if not found:
            raise AnalysisError(
                f"no target's indicator matches {text!r}", hint="try fewer words, e.g. 签约率"
            )
        if output is OutputFormat.JSON:
            rows = [asdict(g) for g in found]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        table = Table(title=f"targets matching {text}", show_lines=True)
        for column in ("target", "deadline", "document / task", "lead", "support", "evidence"):
            table.add_column(column)
        for goal in found:
            table.add_row(
                _target_text(goal.target),
                goal.target.deadline or "—",
                f"{goal.document_title}\n{goal.task_heading or ''}",
                "、".join(goal.leads) or f"(issuer) {'、'.join(goal.issuers) or '—'}",
                "、".join(goal.supports) or "—",
                _evidence_text(goal.target.evidence),
            )
        Console().print(table)

    @app.command("bodies")
    def bodies_cmd(
        level: str = typer.Option(
            None,
            "--level",
            help="Only this level: national, provincial, municipal, county "
            "(or 国家级, 省级, 市级, 县级).",
        ),
        jurisdiction: str = typer.Option(
            None,
            "--jurisdiction",
            help="Only bodies of a jurisdiction containing this text, e.g. 聊城.",
        ),
        output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table | json"),
    ) -> None:
        """Every known body with its aliases and how many facts name it."""
        from dataclasses import asdict

        from rich.console import Console
        from rich.table import Table

        from pipeline.analysis.bodies import body_table
        from pipeline.errors import AnalysisError

        levels = ("national", "provincial", "municipal", "county", "国家级", "省级", "市级", "县级")
        if level and level not in levels:
            raise AnalysisError(f"unknown level {level!r}", hint=f"use one of {', '.join(levels)}")
        entries = body_table(_distinct_corpus(Settings.from_env()), level, jurisdiction)
        if output is OutputFormat.JSON:
            typer.echo(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=2))
            return
        table = Table(title=f"{len(entries)} bodies", show_lines=False)
        for column in (
            "body",
            "level",
            "jurisdiction",
            "aliases",
            "leads",
            "supports",
            "issued",
            "mentions",
        ):
            table.add_column(
                column,
                justify="right"
                if column in ("leads", "supports", "issued", "mentions")
                else "left",
            )
        for e in entries:
            table.add_row(
                e.canonical,
                e.level,
                e.jurisdiction,
                "、".join(e.aliases),
                str(e.lead_tasks),
                str(e.support_tasks),
                str(e.issued),
                str(e.mentions),
            )
        Console().print(table)

    @app.command("analyze")
    def analyze_cmd(
        threshold: float = typer.Option(0.5, help="Minimum cascade score for a task link."),
        top: int = typer.Option(15, help="Rows per ranking table."),
        db: bool = typer.Option(
            True, "--db/--no-db", help="Also write the results to the database."
        ),
    ) -> None:
        """Rank bodies, match cascades; write data/graph/analysis.ttl and the database."""
        from rich.console import Console

        from pipeline.analysis import analyse
        from pipeline.analysis.corpus import load_corpus
        from pipeline.analysis.outputs import (
            summarise,
            write_analysis_database,
            write_analysis_turtle,
        )
        from pipeline.errors import DatabaseError

        settings = Settings.from_env()
        result = analyse(load_corpus(settings), threshold)
        console = Console()
        for table in _analysis_tables(result, top):
            console.print(table)
        turtle, triples = write_analysis_turtle(settings, result)
        database = None
        if db:
            try:
                database = write_analysis_database(settings, result)
            except DatabaseError as exc:
                console.print(f"[yellow]database not updated: {exc}[/yellow]")
        for line in summarise(result, turtle, triples, database).lines():
            console.print(line, highlight=False)

    @app.command("report")
    def report_cmd(
        out: Path = typer.Option(
            None, help="Where to write the page (default data/graph/report/index.html)."
        ),
        threshold: float = typer.Option(0.5, help="Minimum cascade score for a task link."),
    ) -> None:
        """Write the static, self-contained HTML report."""
        from pipeline.analysis import analyse
        from pipeline.analysis.corpus import load_corpus
        from pipeline.analysis.report import render_report, report_of
        from pipeline.errors import AnalysisError
        from pipeline.store import atomic_write_text

        settings = Settings.from_env()
        page = render_report(report_of(analyse(load_corpus(settings), threshold)))
        target = out or settings.path(settings.graph_dir) / REPORT_PATH
        try:
            atomic_write_text(target, page)
        except OSError as exc:
            raise AnalysisError(
                f"cannot write the report to {target}: {exc.strerror or exc}",
                hint="choose another place with --out",
            ) from exc
        typer.echo(f"wrote {target}")


def _analysis_tables(result: Any, top: int) -> list[Any]:
    """The rankings, the strongest pairs and the cascade links as rich tables."""
    from rich.table import Table

    table = Table(title="bodies by co-responsibility")
    for column in ("#", "body", "degree", "strength", "betweenness", "leads", "supports"):
        table.add_column(column, justify="left" if column == "body" else "right")
    for i, rank in enumerate(result.rankings[:top], 1):
        table.add_row(
            str(i),
            rank.body,
            str(rank.degree),
            f"{rank.strength:.2f}",
            f"{rank.betweenness:.3f}",
            str(rank.lead_tasks),
            str(rank.support_tasks),
        )
    pairs = Table(title="strongest coordination")
    for column in ("body", "body", "strength", "shared tasks"):
        pairs.add_column(column)
    for pair in result.pairs[:top]:
        pairs.add_row(pair.first, pair.second, f"{pair.strength:.2f}", str(pair.shared_tasks))
    links = Table(title="cascade: implementing task → implemented task")
    for column in ("implementing", "task", "answers", "in", "score"):
        links.add_column(column)
    for match in result.task_links[: top * 3]:
        links.add_row(
            match.implementing_doc,
            match.implementing_heading,
            match.implemented_heading,
            match.implemented_doc,
            f"{match.score:.2f}",
        )
    return [table, pairs, links]
