"""One settings object for the whole pipeline: paths, batch sizes, server URI.

Built from defaults, then the environment (``POLICYKG_*``, ``NEO4J_*``), then CLI flags
(``Settings.with_overrides``). Paths are relative to the project root unless absolute.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from urllib.parse import unquote

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def _project_root() -> Path:
    """The directory holding ``pyproject.toml`` above the package, else the working directory."""
    env = os.environ.get("POLICYKG_ROOT")
    if env:
        return Path(env).resolve()
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^@/?#\s]*)@")


def split_uri_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """``uri`` without its ``user:password@`` part, and the user and password it held.

    >>> split_uri_credentials("neo4j+s://neo4j:s%40cret@db.example:7687")
    ('neo4j+s://db.example:7687', 'neo4j', 's@cret')
    >>> split_uri_credentials("bolt://127.0.0.1:7687")
    ('bolt://127.0.0.1:7687', None, None)
    """
    match = _USERINFO.match(uri)
    if not match:
        return uri, None, None
    user, sep, password = match.group("userinfo").partition(":")
    return (
        match.group("scheme") + uri[match.end() :],
        unquote(user) or None,
        unquote(password) if sep else None,
    )


def redact_secrets(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with the password of every URI in it, and each of ``secrets``, replaced by ``***``.

    >>> redact_secrets("cannot reach bolt://neo4j:hunter2@db:7687 (hunter2)", ("hunter2",))
    'cannot reach bolt://neo4j:***@db:7687 (***)'
    """
    text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://[^:@/?#\s]*:)[^@/?#\s]*@", r"\1***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def environment_secrets(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The passwords the environment hands the CLI (``NEO4J_PASSWORD``, one inside ``NEO4J_URI``),
    and their URL-encoded forms, for :func:`redact_secrets`."""
    env = os.environ if environ is None else environ
    found = [
        env.get("NEO4J_PASSWORD") or "",
        split_uri_credentials(env.get("NEO4J_URI") or "")[2] or "",
    ]
    match = _USERINFO.match(env.get("NEO4J_URI") or "")
    if match and ":" in match.group("userinfo"):
        found.append(match.group("userinfo").partition(":")[2])
    return tuple(sorted({s for s in found if len(s) >= 3}, key=len, reverse=True))


def available_cpus() -> int:
    """CPUs this process may run on (the default number of worker processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Segmenter(str, Enum):
    """How the blank ``zh`` tokenizer segments words."""

    CHAR = "char"
    JIEBA = "jieba"
    PKUSEG = "pkuseg"


class Engine(str, Enum):
    """Which local graph server ``policykg db start`` runs (without ``NEO4J_URI``)."""

    NEO4J = "neo4j"
    FALKORDB = "falkordb"


class Executor(str, Enum):
    """Where extraction runs: this process, local worker processes, or a Dask cluster."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=_project_root)
    raw_dir: Path = Path("data/raw")
    interim_dir: Path = Path("data/interim")
    graph_dir: Path = Path("data/graph")
    db_dir: Path = Path("data/db")
    bench_dir: Path = Path("data/bench")
    ontology_dir: Path = Path("ontology")
    queries_dir: Path = Path("queries")
    segmenter: Segmenter = Segmenter.CHAR
    pkuseg_model: Path | None = None
    workers: int = field(default_factory=lambda: available_cpus())
    executor: Executor = Executor.LOCAL
    scheduler: str | None = None
    batch_size: int = 500
    # Graph server. Without NEO4J_URI a local server is the target: ``engine`` says which one
    # (None: the one running under db_dir, else Neo4j where Java is installed, else FalkorDB;
    # see pipeline.graphdb.server.local_engine).
    engine: Engine | None = None
    neo4j_uri: str | None = None
    neo4j_username: str | None = None
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str | None = None
    local_bolt_port: int = 17687
    local_redis_port: int = 16379

    def __post_init__(self) -> None:
        # A password inside NEO4J_URI moves to the credentials: the URI gets printed, and the
        # driver refuses userinfo in a URI anyway.
        if self.neo4j_uri:
            uri, user, password = split_uri_credentials(self.neo4j_uri)
            if uri != self.neo4j_uri:
                object.__setattr__(self, "neo4j_uri", uri)
                object.__setattr__(self, "neo4j_username", self.neo4j_username or user)
                object.__setattr__(self, "neo4j_password", self.neo4j_password or password)

    def path(self, p: Path) -> Path:
        """Resolve ``p`` against the project root."""
        return p if p.is_absolute() else self.root / p

    def ontology_path(self) -> Path:
        """The ontology directory: under the root, else the one beside the package (a bare data root)."""
        path = self.path(self.ontology_dir)
        shipped = PACKAGE_DIR.parent / self.ontology_dir
        if not path.is_dir() and not self.ontology_dir.is_absolute() and shipped.is_dir():
            return shipped
        return path

    @property
    def uses_local_server(self) -> bool:
        return not self.neo4j_uri

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.local_bolt_port}"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        base = cls()
        changes: dict[str, object] = {}
        if env.get("NEO4J_URI"):
            changes["neo4j_uri"] = env["NEO4J_URI"]
            changes["neo4j_username"] = env.get("NEO4J_USERNAME")
            changes["neo4j_password"] = env.get("NEO4J_PASSWORD")
            changes["neo4j_database"] = env.get("NEO4J_DATABASE")
        if env.get("POLICYKG_BOLT_PORT"):
            changes["local_bolt_port"] = int(env["POLICYKG_BOLT_PORT"])
        if env.get("POLICYKG_REDIS_PORT"):
            changes["local_redis_port"] = int(env["POLICYKG_REDIS_PORT"])
        if env.get("POLICYKG_ENGINE"):
            changes["engine"] = Engine(env["POLICYKG_ENGINE"])
        if env.get("POLICYKG_SEGMENTER"):
            changes["segmenter"] = Segmenter(env["POLICYKG_SEGMENTER"])
        if env.get("POLICYKG_PKUSEG_MODEL"):
            changes["pkuseg_model"] = Path(env["POLICYKG_PKUSEG_MODEL"])
        if env.get("POLICYKG_WORKERS"):
            changes["workers"] = int(env["POLICYKG_WORKERS"])
        return base.with_overrides(**changes)
