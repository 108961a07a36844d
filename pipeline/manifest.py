"""The run's memory of what it built: ``data/interim/manifest.json``, and the code fingerprint.

For each raw file the manifest keeps the SHA-256 of its bytes, the ``stat`` it had when hashed,
the documents it produced and what they hold (or why it was skipped), all under a fingerprint of
the pipeline (version, code and the settings that change outputs). A raw file whose ``stat`` is
the recorded one is unchanged without being read (a rewrite, even one that restores the mtime,
changes the ctime); any other is hashed, and only a new hash means new content. A missing or
corrupt manifest, or another fingerprint, rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pipeline
from pipeline.config import Settings
from pipeline.store import atomic_write_text

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 3

_DIGESTED = {".py", ".tsv", ".yaml", ".yml", ".cfg", ".txt", ".json", ".ttl", ".cypher"}


def fingerprint(settings: Settings) -> str:
    """What, besides the input bytes, changes the outputs: the code version and NLP settings.

    It hashes the whole package, so a run computes it once (:func:`pipeline.runner.run`)."""
    key = json.dumps(
        {
            "version": pipeline.__version__,
            "manifest": MANIFEST_VERSION,
            "segmenter": settings.segmenter.value,
            "pkuseg_model": str(settings.pkuseg_model or ""),
            "code": _code_digest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _code_digest() -> str:
    """Digest of the package's source and resources, so a code change invalidates the cache."""
    digest = hashlib.sha256()
    root = Path(pipeline.__file__).parent
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or path.parts[-2:-1] == ("bench",):
            continue
        if path.is_file() and path.suffix in _DIGESTED:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stat_key(path: Path) -> list[int]:
    """What tells a rewritten file from the one hashed: size, mtime, ctime and inode."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


@dataclass
class FileEntry:
    """One raw file as last built: its hash and size, its documents and their counts (see
    :func:`pipeline.runner.file_counts`), or why it was skipped."""

    sha256: str
    size: int
    doc_ids: list[str] = field(default_factory=list)
    counts: dict[str, Any] | None = None
    skipped: str | None = None
    skipped_code: str | None = None
    stat: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sha256": self.sha256, "size": self.size, "doc_ids": self.doc_ids}
        for name in ("counts", "skipped", "skipped_code", "stat"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        return cls(
            str(data.get("sha256", "")),
            int(data.get("size", 0)),
            list(data.get("doc_ids", [])),
            data.get("counts"),
            data.get("skipped"),
            data.get("skipped_code"),
            data.get("stat"),
        )


@dataclass
class Manifest:
    """Every raw file's :class:`FileEntry` under the fingerprint they were built with.

    Beside them: ``database``, the stamp of what the last complete load pass left in the local server
    (:func:`pipeline.runner.database_stamp`), so a run that changed nothing need not connect.
    """

    fingerprint: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    database: str | None = None
    #: The JSON this manifest was read from (or last saved as): an unchanged one is not rewritten.
    saved: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files = data.get("files")
        if not isinstance(files, dict):
            raise TypeError("no files")
        return cls(
            data.get("fingerprint"),
            {k: FileEntry.from_json(v) for k, v in files.items()},
            data.get("database"),
            data,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "fingerprint": self.fingerprint,
            "files": {name: self.files[name].to_json() for name in sorted(self.files)},
        }
        if self.database is not None:
            data["database"] = self.database
        return data

    def doc_ids(self, name: str) -> list[str]:
        entry = self.files.get(name)
        return [] if entry is None else entry.doc_ids

    def save(self, path: Path) -> None:
        """Write the manifest to ``path``, unless it holds what was read from there.

        One line per raw file and per graph: ``json.dumps`` with ``indent`` runs the pure-Python
        encoder, about ten times slower than the C one on a thousand entries.
        """
        data = self.to_json()
        if data == self.saved and path.exists():
            return
        atomic_write_text(path, manifest_text(data))
        self.saved = data


def manifest_text(data: dict[str, Any]) -> str:
    """``data`` as the manifest's JSON text: the top-level keys sorted, one line per entry of
    its objects.

    >>> print(manifest_text({"version": 3, "files": {"b": {"size": 2}, "a": {"size": 1}}}), end="")
    {
     "files": {
      "a": {"size":1},
      "b": {"size":2}
     },
     "version": 3
    }
    """

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    lines = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict) and value:
            entries = ",\n".join(f"  {dump(k)}: {dump(value[k])}" for k in sorted(value))
            lines.append(f" {dump(key)}: {{\n{entries}\n }}")
        else:
            lines.append(f" {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def load_manifest(path: Path) -> Manifest:
    """The manifest at ``path``, or an empty one (missing or corrupt: everything is rebuilt)."""
    if path.exists():
        try:
            return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, AttributeError):
            pass
        log.warning("%s is corrupt; rebuilding everything", path)
    return Manifest()


__all__ = ["MANIFEST", "FileEntry", "Manifest", "fingerprint", "load_manifest", "stat_key"]
