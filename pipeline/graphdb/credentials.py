"""The local graph server's password: generated at its first start, kept 0600 under ``data/db/``.

``data/db/`` itself is made 0700. The CLI and the loaders read the password from there; it is never
printed (``policykg db password`` shows it on request) nor written to a log.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import DatabaseError

PASSWORD_FILE = "password"
USERNAME = "neo4j"  # the one user of the local Neo4j; FalkorDB's Redis has its default user


def secure_db_dir(settings: Settings) -> Path:
    """``data/db/`` created if needed and restricted to its owner (0700)."""
    db_dir = settings.path(settings.db_dir)
    db_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(db_dir, 0o700)
    return db_dir


def password_path(settings: Settings) -> Path:
    return settings.path(settings.db_dir) / PASSWORD_FILE


def ensure_password(settings: Settings) -> str:
    """The local server's password, generated (and written 0600) when there is none yet."""
    path = secure_db_dir(settings) / PASSWORD_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_password(settings)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(24) + "\n")
    return read_password(settings)


def read_password(settings: Settings) -> str:
    """The local server's password; raises DatabaseError when it is missing or readable by others."""
    path = password_path(settings)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DatabaseError(
            f"the local server's password file {path} cannot be read",
            hint="run `policykg db start` (it creates one)",
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise DatabaseError(
            f"{path} is readable by other users",
            hint=f"chmod 600 {path}, or delete it and restart the server",
        )
    if len(text) < 8:
        raise DatabaseError(
            f"{path} holds no usable password", hint="delete it and restart the server"
        )
    return text
