"""``policykg db start|stop|status``, ``policykg load`` and ``policykg query``."""

from __future__ import annotations

from functools import cache
from typing import Any

import typer

from pipeline.config import Engine, Settings


@cache
def _console() -> Any:
    """The rich console, made on first use (importing rich slows ``policykg --help``)."""
    from rich.console import Console

    return Console()


def _settings() -> Settings:
    return Settings.from_env()


def _print_connect(settings: Settings, state: object) -> None:
    """How to connect to the running local server, without its password."""
    from pipeline.graphdb.credentials import USERNAME, password_path

    if state.engine is Engine.NEO4J:  # type: ignore[attr-defined]
        _console().print(
            f"connect: {state.bolt_uri} user {USERNAME}; password: "  # type: ignore[attr-defined]
            "`policykg db password`",
            soft_wrap=True,
        )
        _console().print(f"password file: {password_path(settings)}", soft_wrap=True)
    else:
        _console().print(
            f"connect: {state.bolt_uri} (Bolt, no user: FalkorDB cannot authenticate Bolt; "  # type: ignore[attr-defined]
            f"loopback only)"
        )


def register(app: typer.Typer) -> None:
    db = typer.Typer(
        help="Run the local graph server, Neo4j or FalkorDB (data under data/db/).",
        no_args_is_help=True,
    )

    @db.command("start")
    def start(
        engine: Engine = typer.Option(
            None,
            "--engine",
            help="neo4j or falkordb (default: the one "
            "running, else neo4j where Java is installed, else falkordb).",
        ),
    ) -> None:
        """Start the local server (detached, bound to 127.0.0.1, password-protected) and wait until
        it answers."""
        from pipeline.graphdb import server

        settings = _settings().with_overrides(engine=engine)
        if not settings.uses_local_server:
            _console().print(
                f"NEO4J_URI is set ({server.redact_uri(settings.neo4j_uri)}): "
                "the local server is not needed."
            )
            return
        state = server.start(settings)
        _console().print(
            f"running {state.engine.value} (pid {state.pid}) {state.bolt_uri}, "
            f"data in {state.db_dir}"
        )
        _print_connect(settings, state)

    @db.command("stop")
    def stop() -> None:
        """Stop the local server (FalkorDB saves its data first)."""
        from pipeline.graphdb import server

        settings = _settings()
        if not settings.uses_local_server:
            _console().print(
                f"NEO4J_URI is set ({server.redact_uri(settings.neo4j_uri)}): "
                "no local server to stop."
            )
            return
        _console().print("stopped" if server.stop(settings) else "not running")

    @db.command("status")
    def status() -> None:
        """Which server runs, where, how to connect, and its node and relationship counts."""
        from pipeline.graphdb import server

        settings = _settings()
        if settings.uses_local_server:
            state = server.status(settings)
            if not state.running:
                _console().print(f"stopped (engine {state.engine.value}; data in {state.db_dir})")
                return
            _console().print(
                f"running {state.engine.value} (pid {state.pid}) {state.bolt_uri}, "
                f"data in {state.db_dir}"
            )
            _print_connect(settings, state)
        else:
            _console().print(f"remote server {server.redact_uri(settings.neo4j_uri)}")
        with server.connect(settings) as conn:
            nodes, rels = conn.counts()
        _console().print(f"{nodes} nodes, {rels} relationships ({conn.dialect.value})")

    @db.command("password")
    def password() -> None:
        """Print the local server's password (only this command prints it)."""
        from pipeline.graphdb.credentials import read_password

        print(read_password(_settings()))

    app.add_typer(db, name="db")

    @app.command("load")
    def load(
        export: bool = typer.Option(True, help="Also write neo4j-admin CSVs and policykg.cypher."),
        reset: bool = typer.Option(
            False, help="Delete everything in the graph first, then load all."
        ),
    ) -> None:
        """Load data/graph/docs/*.ttl into the graph server (per-document, idempotent; an empty
        local graph is bulk-loaded)."""
        from pipeline.graphdb import server
        from pipeline.graphdb.export import export_graph_files
        from pipeline.graphdb.load import load_graph

        settings = _settings()
        if reset:
            with server.connect(settings) as conn:
                conn.clear()
        summary = load_graph(settings)
        if export:
            paths = export_graph_files(settings)
            _console().print("wrote " + ", ".join(str(p) for p in paths.values()))
        _console().print(
            f"loaded {len(summary.loaded)}, unchanged {len(summary.unchanged)}, "
            f"removed {len(summary.removed)} documents; "
            f"{summary.nodes} nodes, {summary.relationships} relationships"
        )

    @app.command("query")
    def query(
        name: str = typer.Argument(
            None, help="A query file name under queries/ (without .cypher)."
        ),
        param: list[str] = typer.Option([], "--param", "-p", help="key=value, repeatable."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
        cypher: str = typer.Option(None, "--cypher", help="A read-only ad hoc statement."),
    ) -> None:
        """Run a named query (or --cypher) with --param key=value; no name lists the queries."""
        from pipeline.cli.query_output import (
            adhoc_params,
            csv_text,
            json_text,
            named_params,
            server_message,
            split_pairs,
            table_cells,
        )  # fmt: skip
        from pipeline.errors import QueryError
        from pipeline.graphdb.queries import (
            check_read_only,
            get_query,
            list_queries,
            run_query,
            run_read_only,
        )
        from pipeline.graphdb.server import connect

        settings = _settings()
        given = split_pairs(param)
        if fmt not in ("table", "json", "csv"):
            raise QueryError(f"unknown format {fmt!r}", hint="use table, json or csv")
        if not name and not cypher:
            for q in list_queries(settings):
                _console().print(
                    f"[bold]{q.name}[/bold] ({', '.join(q.parameters) or 'no params'}): {q.title}"
                )
            return
        if cypher:
            check_read_only(cypher)  # before connecting: a refused statement needs no server
            params, named = adhoc_params(given), None
        else:
            named = get_query(settings, name)
            params = named_params(named.name, named.parameters, named.declared, given)
        with connect(settings) as conn:
            try:
                if named is None:
                    columns, rows = run_read_only(conn, cypher, params)
                else:
                    columns, rows = run_query(conn, named, params)
            except QueryError as exc:
                said = (
                    server_message(
                        exc.__cause__, settings, cypher if named is None else named.text, params
                    )
                    if exc.__cause__ is not None
                    else None
                )
                if said is None:
                    raise
                where = "the statement" if named is None else f"queries/{named.name}.cypher"
                raise QueryError(
                    f"the server rejected the query: {said}", hint=f"fix {where}"
                ) from exc
        if named is not None and named.name == "goals_of_body" and not rows:
            _suggest_bodies(settings, str(params.get("body", "")))
        if fmt == "table":
            from rich.table import Table

            table = Table(*columns)
            for cells in table_cells(columns, rows):
                table.add_row(*cells)
            _console().print(table)
        else:
            print(csv_text(columns, rows) if fmt == "csv" else json_text(rows), end="")


def _suggest_bodies(settings: Settings, name: str) -> None:
    """On stderr: the known bodies a name that matched nothing may have meant."""
    import sys

    from pipeline.analysis.bodies import did_you_mean
    from pipeline.analysis.trace_index import open_trace_index
    from pipeline.errors import AnalysisError

    try:  # the names trace resolves by, from its index: no read of every record
        names = open_trace_index(settings).names()
    except AnalysisError:
        return
    if name in names.bodies:  # a known body the graph holds no goals for: nothing to suggest
        return
    hint = did_you_mean(name, names)
    if hint:
        print(f"policykg: no body is called {name!r}; {hint}", file=sys.stderr)
