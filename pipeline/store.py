"""Reading and writing records: the one module besides the graph loader that touches files.

Stages are pure functions over records; the CLI uses these helpers at the edges.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pipeline.errors import InputError, ResourceError
from pipeline.models import from_jsonable, to_jsonable

T = TypeVar("T")


def dumps(record: Any) -> str:
    """Deterministic one-line JSON (sorted keys, UTF-8 kept readable)."""
    return json.dumps(to_jsonable(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are for other tools and users too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, record: Any, *, indent: int | None = 2) -> None:
    text = json.dumps(to_jsonable(record), ensure_ascii=False, sort_keys=True, indent=indent)
    atomic_write_text(path, text + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Write one record per line; returns the count."""
    lines = [dumps(r) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)


def iter_jsonl(path: Path, cls: type[T]) -> Iterator[T]:
    """Stream records of type ``cls`` from a JSONL file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield from_jsonable(cls, json.loads(line))


def read_record(path: Path, cls: type[T]) -> T:
    return from_jsonable(cls, read_json(path))


def record_stem(doc_id: str) -> str:
    """File stem for a document's per-document records: ``003_ab#0`` -> ``003_ab.0``.

    >>> record_stem("003_e14da291fa1a9871#0")
    '003_e14da291fa1a9871.0'
    """
    return doc_id.replace("#", ".")


def record_path(directory: Path, doc_id: str, suffix: str = ".json") -> Path:
    return directory / f"{record_stem(doc_id)}{suffix}"


def read_raw(path: Path) -> bytes:
    """The bytes of a raw file (``data/raw`` is never written)."""
    return path.read_bytes()


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML resource file holding a mapping; :class:`ResourceError` naming the file otherwise."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResourceError(f"{path} is missing", hint="restore it from the repository") from exc
    except yaml.YAMLError as exc:
        raise ResourceError(f"{path} is not valid YAML: {exc}", hint="fix the file") from exc
    if not isinstance(data, dict):
        raise ResourceError(f"{path} must hold a mapping at the top level", hint="fix the file")
    return data


def raw_files(paths: Iterable[Path]) -> list[Path]:
    """The named files plus the files inside named directories, sorted; hidden files skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or directory", hint="check the raw path")
    return found
