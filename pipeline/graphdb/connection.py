"""Neo4j driver sessions from Settings, for Neo4j 5 (NEO4J_URI) or the local FalkorDB server."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from pipeline.config import Engine, Settings, split_uri_credentials
from pipeline.errors import DatabaseError
from pipeline.graphdb.credentials import USERNAME, password_path, read_password
from pipeline.graphdb.dialect import DETECT_STATEMENT, Dialect, escape_parameters, suppress_goodbye

log = logging.getLogger(__name__)


class EscapingRunner:
    """Wraps a driver session or transaction so that ``run`` escapes string parameters: FalkorDB
    writes parameters into the query text unescaped (see ``dialect``). The rest is the driver's."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner

    def run(self, query: str, parameters: dict | None = None, **kwargs: object) -> neo4j.Result:
        return self._runner.run(query, escape_parameters({**(parameters or {}), **kwargs}))

    def __getattr__(self, name: str) -> object:
        return getattr(self._runner, name)

    def __enter__(self) -> EscapingRunner:
        self._runner.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._runner.__exit__(*exc_info)


def _escaping(work: Callable[..., Any]) -> Callable[..., Any]:
    """A transaction function handed an escaping transaction."""
    return lambda tx, *args, **kwargs: work(EscapingRunner(tx), *args, **kwargs)


class EscapingSession(EscapingRunner):
    """A FalkorDB session: ``run`` and the transactions it opens escape string parameters."""

    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._runner.execute_read(_escaping(work), *args, **kwargs)

    def execute_write(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._runner.execute_write(_escaping(work), *args, **kwargs)

    def begin_transaction(self, *args: Any, **kwargs: Any) -> EscapingRunner:
        return EscapingRunner(self._runner.begin_transaction(*args, **kwargs))


@dataclass
class Connection:
    """An open driver, the dialect of the server behind it, and the database to use."""

    driver: neo4j.Driver
    dialect: Dialect
    database: str | None

    def session(self, *, read_only: bool = False) -> neo4j.Session:
        """A driver session (on FalkorDB: a write-mode :class:`EscapingSession`)."""
        mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
        if self.dialect is Dialect.FALKORDB:
            # READ mode sessions see an empty graph there
            return EscapingSession(self.driver.session())  # type: ignore[return-value]
        return self.driver.session(database=self.database, default_access_mode=mode)


def _detect(driver: neo4j.Driver, database: str | None) -> Dialect:
    try:
        with driver.session(database=database) as session:
            session.run(DETECT_STATEMENT).consume()
        return Dialect.NEO4J
    except Neo4jError:
        return Dialect.FALKORDB


@contextmanager
def connect(settings: Settings) -> Iterator[Connection]:
    """Open a driver to the configured server; raises DatabaseError with what to do.

    The local server is Neo4j or FalkorDB (:func:`pipeline.graphdb.server.local_engine`); the local
    Neo4j is logged into with the password under ``data/db/``.
    """
    from pipeline.graphdb.server import local_engine, redact_uri

    uri, user, password = split_uri_credentials(settings.bolt_uri)  # Settings did it already
    uri_auth = (user or "neo4j", password or "") if user or password else None
    shown = redact_uri(uri)
    parsed = urlparse(uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 7687
    engine = local_engine(settings) if settings.uses_local_server else None
    if engine is Engine.FALKORDB:
        suppress_goodbye(host, port)
        auth = None
    elif engine is Engine.NEO4J:
        try:
            auth = (USERNAME, read_password(settings))
        except DatabaseError:
            if not password_path(settings).exists():  # never started here
                raise DatabaseError(f"cannot reach the graph server at {shown}",
                                    hint="run `policykg db start`") from None
            raise
    elif settings.neo4j_username or settings.neo4j_password or uri_auth is None:
        auth = (settings.neo4j_username or "neo4j", settings.neo4j_password or "")
    else:
        auth = uri_auth
    options: dict[str, Any] = {"connection_timeout": 10}
    if engine is Engine.NEO4J:  # hints such as "label does not exist yet" are no news here
        options["notifications_min_severity"] = "OFF"
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, **options)
    try:
        try:
            driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            hint = "run `policykg db start`" if settings.uses_local_server else "check NEO4J_URI"
            raise DatabaseError(f"cannot reach the graph server at {shown}", hint=hint) from exc
        except Neo4jError as exc:
            raise DatabaseError(
                f"the graph server at {shown} refused the connection: {exc.message}",
                hint="check NEO4J_USERNAME / NEO4J_PASSWORD" if engine is None
                else f"check {password_path(settings)}",
            ) from exc
        if engine is Engine.FALKORDB:
            dialect = Dialect.FALKORDB
        elif engine is Engine.NEO4J:
            dialect = Dialect.NEO4J
        else:
            dialect = _detect(driver, settings.neo4j_database)
            if dialect is Dialect.FALKORDB:
                suppress_goodbye(host, port)
        if engine is Engine.FALKORDB:
            from pipeline.graphdb.server import Watchdog

            with Watchdog(settings):
                yield Connection(driver, dialect, settings.neo4j_database)
        else:
            yield Connection(driver, dialect, settings.neo4j_database)
    finally:
        driver.close()
