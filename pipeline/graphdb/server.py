"""The graph server: which engine, starting and stopping the local one, and connecting to it.

This is the one place the core chooses an engine, and the one module of the core that imports
the FalkorDB adapter (:mod:`pipeline.graphdb.falkordb`). The local engine is the one asked for
(``--engine``, ``POLICYKG_ENGINE``), else the one running under data/db/, else Neo4j where Java is
installed (:mod:`pipeline.graphdb.neo4j_local`), else FalkorDB. A remote server (``NEO4J_URI``) is
told apart by whether it has ``dbms.components()``. Everything after :func:`connect` goes through
the connection it yields (sessions, read-only queries, counts, :meth:`Connection.open_writer`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipeline.config import Engine, Settings, split_uri_credentials
from pipeline.errors import DatabaseError
from pipeline.graphdb import neo4j_local
from pipeline.graphdb.connection import Connection, open_driver, uses_neo4j_dialect
from pipeline.graphdb.credentials import USERNAME, password_path, read_password
from pipeline.graphdb.dialect import Dialect
from pipeline.graphdb.falkordb import server as falkordb_server
from pipeline.graphdb.falkordb.driver import FalkorDBConnection, suppress_goodbye

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerState:
    running: bool
    pid: int | None
    bolt_port: int
    redis_port: int | None  # FalkorDB's Redis port; None for Neo4j
    db_dir: Path
    engine: Engine = Engine.FALKORDB

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def local_engine(settings: Settings) -> Engine:
    """The local engine meant: the settings' own, else the one running, else the default (Neo4j
    where ``java`` is on PATH and the module is built or Maven can build it, else FalkorDB)."""
    if settings.engine is not None:
        return settings.engine
    if neo4j_local.read_pid(settings.path(settings.db_dir)) is not None:
        return Engine.NEO4J
    if falkordb_server.running_pid(settings) is not None:
        return Engine.FALKORDB
    return Engine.NEO4J if neo4j_local.can_run() else Engine.FALKORDB


def with_engine(settings: Settings) -> Settings:
    """``settings`` with its local engine decided (:func:`local_engine`)."""
    if settings.engine is not None or not settings.uses_local_server:
        return settings
    return settings.with_overrides(engine=local_engine(settings))


def status(settings: Settings) -> ServerState:
    """The local server of :func:`local_engine`: running or not, from its pid file."""
    engine = local_engine(settings)
    db_dir = settings.path(settings.db_dir)
    if engine is Engine.NEO4J:
        pid = neo4j_local.read_pid(db_dir)
        return ServerState(pid is not None, pid, settings.local_bolt_port, None, db_dir, engine)
    pid = falkordb_server.running_pid(settings)
    return ServerState(
        pid is not None, pid, settings.local_bolt_port, settings.local_redis_port, db_dir, engine
    )


def start(settings: Settings, *, timeout: float | None = None) -> ServerState:
    """Start the local server of :func:`local_engine` and wait until it answers; a no-op when it
    runs. Refused while the other engine runs under the same data directory. A FalkorDB that was
    killed mid-load has the rows it staged purged."""
    if not settings.uses_local_server:
        raise DatabaseError(
            f"NEO4J_URI is set ({redact_uri(settings.neo4j_uri)}); the local server is not needed",
            hint="unset NEO4J_URI to use a local server",
        )
    settings = with_engine(settings)
    other = Engine.FALKORDB if settings.engine is Engine.NEO4J else Engine.NEO4J
    if status(settings.with_overrides(engine=other)).running:
        raise DatabaseError(
            f"the local {other.value} server runs under {settings.path(settings.db_dir)}",
            hint="stop it first with `policykg db stop`",
        )
    options = {} if timeout is None else {"timeout": timeout}
    if settings.engine is Engine.NEO4J:
        neo4j_local.start(settings, **options)
    else:
        from pipeline.graphdb.falkordb.writer import purge_pending  # redis-py: FalkorDB's alone

        falkordb_server.start(settings, **options)
        with connect(settings) as conn:
            purged = purge_pending(conn)  # type: ignore[arg-type]
        if purged:
            log.warning("purged rows staged by an interrupted load: %s", ", ".join(purged))
    return status(settings)


def stop(settings: Settings) -> bool:
    """Stop the local server (FalkorDB saves its data first); returns whether one was running."""
    if local_engine(settings) is Engine.NEO4J:
        return neo4j_local.stop(settings)
    return falkordb_server.stop(settings)


def save(settings: Settings) -> bool:
    """Write a local FalkorDB's data to disk now (see :func:`falkordb.server.save`); False for
    Neo4j, which commits durably on its own, and when no local FalkorDB runs."""
    if not settings.uses_local_server or local_engine(settings) is Engine.NEO4J:
        return False
    return falkordb_server.save(settings)


def redact_uri(uri: str | None) -> str:
    """``uri`` without a user and password written into it (see ``config.split_uri_credentials``).

    >>> redact_uri("neo4j://user:secret@db.example:7687")
    'neo4j://db.example:7687'
    """
    return split_uri_credentials(uri or "")[0]


@contextmanager
def connect(settings: Settings) -> Iterator[Connection]:
    """Open a connection to the configured server; raises DatabaseError with what to do.

    The local Neo4j is logged into with the password under ``data/db/``; the local FalkorDB is
    watched (:class:`falkordb.server.Watchdog`) while the connection is open.
    """
    uri, user, password = split_uri_credentials(settings.bolt_uri)  # Settings did it already
    shown = redact_uri(uri)
    parsed = urlparse(uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 7687
    engine = local_engine(settings) if settings.uses_local_server else None
    unreachable = "run `policykg db start`" if settings.uses_local_server else "check NEO4J_URI"
    options: dict[str, Any] = {}
    if engine is Engine.FALKORDB:
        suppress_goodbye(host, port)
        auth = None
    elif engine is Engine.NEO4J:
        try:
            auth = (USERNAME, read_password(settings))
        except DatabaseError:
            if not password_path(settings).exists():  # never started here
                raise DatabaseError(
                    f"cannot reach the graph server at {shown}", hint=unreachable
                ) from None
            raise
        options["notifications_min_severity"] = "OFF"  # "label does not exist yet" is no news here
    elif settings.neo4j_username or settings.neo4j_password or not (user or password):
        auth = (settings.neo4j_username or "neo4j", settings.neo4j_password or "")
    else:
        auth = (user or "neo4j", password or "")
    refused = (
        f"check {password_path(settings)}" if engine else "check NEO4J_USERNAME / NEO4J_PASSWORD"
    )
    driver = open_driver(uri, auth, shown=shown, unreachable_hint=unreachable, refused_hint=refused,
                         **options)  # fmt: skip
    try:
        if engine is Engine.FALKORDB:
            with falkordb_server.Watchdog(settings):
                yield FalkorDBConnection(
                    driver, Dialect.FALKORDB, settings.neo4j_database, settings
                )
        elif engine is Engine.NEO4J or uses_neo4j_dialect(driver, settings.neo4j_database):
            yield Connection(driver, Dialect.NEO4J, settings.neo4j_database)
        else:
            suppress_goodbye(host, port)
            yield FalkorDBConnection(driver, Dialect.FALKORDB, settings.neo4j_database)
    finally:
        driver.close()
