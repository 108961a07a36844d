"""The local Neo4j server: Neo4j Community 5.26 embedded (``tools/neo4j-local``), Bolt on loopback.

``make setup`` builds the Maven module (:func:`ensure_built` does it on demand); :func:`start` runs
``java … policykg.Neo4jLocal`` detached, with data and logs under ``data/db/neo4j/`` and the password
of ``data/db/password`` (:mod:`pipeline.graphdb.credentials`); :func:`stop` sends SIGTERM, on which
Neo4j shuts down cleanly.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from pipeline.config import PACKAGE_DIR, Settings
from pipeline.errors import DatabaseError
from pipeline.graphdb.credentials import ensure_password, password_path, secure_db_dir
from pipeline.graphdb.ports import bolt_answers, port_in_use, process_stat

log = logging.getLogger(__name__)

PID_FILE = "neo4j.pid"
LOG_FILE = "neo4j.log"
HOME_DIR = "neo4j"
MAIN_CLASS = "policykg.Neo4jLocal"
#: Small on purpose: the machines are shared (2 cores, 24 GiB); the bench corpus fits.
JAVA_OPTIONS = ("-Xms128m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
PAGECACHE = "128m"


def module_dir() -> Path:
    """``tools/neo4j-local`` of this checkout (``POLICYKG_NEO4J_MODULE`` overrides it)."""
    env = os.environ.get("POLICYKG_NEO4J_MODULE")
    return Path(env) if env else PACKAGE_DIR.parent / "tools" / "neo4j-local"


def java_available() -> bool:
    """Whether this machine can run (and build) the local Neo4j: ``java`` on PATH."""
    return shutil.which("java") is not None


def can_run() -> bool:
    """Whether the local Neo4j can run here: Java, and the module built or Maven to build it."""
    return java_available() and (is_built() or shutil.which("mvn") is not None)


def _classpath_file() -> Path:
    return module_dir() / "target" / "classpath.txt"


def is_built() -> bool:
    """Whether the module's classes exist and its classpath file is newer than its sources (a
    build touches it last)."""
    target = _classpath_file()
    classes = module_dir() / "target" / "classes" / "policykg" / "Neo4jLocal.class"
    if not (target.is_file() and classes.is_file()):
        return False
    built = target.stat().st_mtime
    sources = [module_dir() / "pom.xml", *module_dir().glob("src/**/*.java")]
    return all(s.stat().st_mtime <= built for s in sources)


def ensure_built(*, timeout: float = 3600.0) -> None:
    """Build ``tools/neo4j-local`` with Maven unless it is up to date (a cold Maven cache downloads
    Neo4j's jars from Maven Central once)."""
    if is_built():
        return
    mvn = shutil.which("mvn")
    if mvn is None or not java_available():
        raise DatabaseError(
            "the local Neo4j needs Java 17+ and Maven to build tools/neo4j-local",
            hint="install them, or use `--engine falkordb` / POLICYKG_ENGINE=falkordb",
        )
    command = [mvn, "-q", "-B", "-f", str(module_dir() / "pom.xml"), "package"]
    log.info("building the local Neo4j: %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    if result.returncode == 0 and _classpath_file().is_file():
        _classpath_file().touch()
    if result.returncode != 0 or not is_built():
        raise DatabaseError(
            f"building tools/neo4j-local failed: {(result.stdout + result.stderr).strip()[-800:]}",
            hint="run `mvn -f tools/neo4j-local/pom.xml package` to see why",
        )


def _classpath() -> str:
    return os.pathsep.join(
        [str(module_dir() / "target" / "classes"), _classpath_file().read_text().strip()]
    )


def read_pid(db_dir: Path) -> int | None:
    """The pid of the local Neo4j under ``db_dir`` while it runs, else None."""
    try:
        pid = int((db_dir / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    stat = process_stat(pid)
    if stat is None or MAIN_CLASS.encode() not in cmdline or stat[0] in {"Z", "X"}:
        return None
    return pid


def start(settings: Settings, *, timeout: float = 180.0) -> int:
    """Start the local Neo4j detached and wait until it is ready; a no-op when it runs. The pid."""
    db_dir = secure_db_dir(settings)
    pid = read_pid(db_dir)
    if pid is not None:
        _wait_ready(settings, pid, timeout)
        return pid
    if port_in_use(settings.local_bolt_port):
        raise DatabaseError(
            f"port {settings.local_bolt_port} on 127.0.0.1 is already taken",
            hint="stop what runs there, or set POLICYKG_BOLT_PORT to a free port",
        )
    ensure_built()
    ensure_password(settings)
    home = db_dir / HOME_DIR
    command = ["java", *JAVA_OPTIONS, "-cp", _classpath(), MAIN_CLASS,
               "--home", str(home), "--port", str(settings.local_bolt_port),
               "--password-file", str(password_path(settings)), "--pagecache", PAGECACHE]  # fmt: skip
    log_path = db_dir / LOG_FILE
    with open(log_path, "ab") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                   start_new_session=True, cwd=db_dir)  # fmt: skip
    (db_dir / PID_FILE).write_text(f"{process.pid}\n")
    _wait_ready(settings, process.pid, timeout, process)
    return process.pid


def _wait_ready(
    settings: Settings, pid: int, timeout: float, process: subprocess.Popen | None = None
) -> None:
    """Wait until Bolt on the local port accepts the password (the launcher set it before)."""
    db_dir = settings.path(settings.db_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise DatabaseError(
                f"the local Neo4j exited while starting (status {process.returncode})",
                hint=f"see {db_dir / LOG_FILE}",
            )
        if process is None and read_pid(db_dir) != pid:
            raise DatabaseError(
                "the local Neo4j stopped while starting", hint=f"see {db_dir / LOG_FILE}"
            )
        if bolt_answers(settings.local_bolt_port) and _ready_logged(db_dir / LOG_FILE):
            return
        time.sleep(0.2)
    raise DatabaseError(
        f"the local Neo4j did not answer on port {settings.local_bolt_port} within {timeout:.0f} s",
        hint=f"see {db_dir / LOG_FILE}",
    )


def _ready_logged(log_path: Path) -> bool:
    """Whether the launcher's last start printed READY (the password is set by then)."""
    try:
        text = log_path.read_bytes()[-65536:]
    except OSError:
        return False
    start = text.rfind(b"policykg-neo4j starting")
    return text.find(b"READY bolt://", max(start, 0)) >= 0


def stop(settings: Settings, *, timeout: float = 60.0) -> bool:
    """Stop the local Neo4j (SIGTERM: a clean shutdown); returns whether one was running."""
    db_dir = settings.path(settings.db_dir)
    pid = read_pid(db_dir)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_pid(db_dir) is None:
            _reap(pid)
            return True
        _reap(pid)
        time.sleep(0.1)
    raise DatabaseError(
        f"the local Neo4j (pid {pid}) did not stop within {timeout:.0f} s", hint=f"kill {pid}"
    )


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is a child of this process (started here), so it leaves no zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
