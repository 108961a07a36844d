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

from pipeline.config import Settings
from pipeline.errors import DatabaseError
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
    """Open a driver to the configured server; raises DatabaseError with what to do."""
    uri = settings.bolt_uri
    parsed = urlparse(uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 7687
    if settings.uses_local_server:
        suppress_goodbye(host, port)
        auth = None
    else:
        auth = (settings.neo4j_username or "neo4j", settings.neo4j_password or "")
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=10)
    try:
        try:
            driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            hint = "run `policykg db start`" if settings.uses_local_server else "check NEO4J_URI"
            raise DatabaseError(f"cannot reach the graph server at {uri}", hint=hint) from exc
        except Neo4jError as exc:
            raise DatabaseError(
                f"the graph server at {uri} refused the connection: {exc.message}",
                hint="check NEO4J_USERNAME / NEO4J_PASSWORD",
            ) from exc
        if settings.uses_local_server:
            dialect = Dialect.FALKORDB
        else:
            dialect = _detect(driver, settings.neo4j_database)
            if dialect is Dialect.FALKORDB:
                suppress_goodbye(host, port)
        if settings.uses_local_server:
            from pipeline.graphdb.server import Watchdog

            with Watchdog(settings):
                yield Connection(driver, dialect, settings.neo4j_database)
        else:
            yield Connection(driver, dialect, settings.neo4j_database)
    finally:
        driver.close()
