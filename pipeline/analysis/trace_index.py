"""The trace index: what ``policykg trace`` and ``policykg goal`` answer from, in one small file.

Reading every record of a built corpus takes seconds (2 090 documents: 2-3 s), and a trace needs
only one body's tasks. The index holds, for the corpus with reprints folded, the names a body is
resolved against (:class:`~pipeline.analysis.trace.BodyNames`), each responsible or issuing body's
trace (:func:`~pipeline.analysis.trace.body_traces`) and every target with its owners
(:func:`~pipeline.analysis.trace.goal_rows`), as JSON rows of an SQLite file
``data/interim/trace_index.sqlite``.

The analysis writes it (:func:`write_trace_index`, from ``run_analysis``) with a fingerprint of
the records it read (their names, sizes and modification times) and of the code that computes a
trace. :func:`open_trace_index` uses the file only while both fingerprints still hold; otherwise
it reads the records as before and writes the index again, so an answer never comes from stale
records. The fingerprint lives beside the index, in ``trace_index.stamp``: it holds modification
times, so keeping it out of the index leaves the index's bytes a function of the records alone (two
builds of the same input write the same file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.analysis.corpus import Corpus
from pipeline.analysis.trace import (
    BodyNames,
    BodyTrace,
    Evidence,
    GoalOwnership,
    IssuedTargets,
    TracedTarget,
    TracedTask,
    body_traces,
    goal_rows,
    match_goals,
)
from pipeline.config import Settings
from pipeline.models import Body, Role, from_jsonable, to_jsonable

log = logging.getLogger(__name__)

INDEX_NAME = "trace_index.sqlite"
#: The fingerprint of the records the index was written from (written after the index).
STAMP_NAME = "trace_index.stamp"
#: The modules whose code decides what a trace holds: a change to one of them makes the index stale.
_CODE = ("trace.py", "trace_index.py", "corpus.py", "reprints.py", "cascade.py")
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE traces (body TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE goals (indicator TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX goals_by_indicator ON goals (indicator);
"""


# --------------------------------------------------------------------------- fingerprint


def records_fingerprint(interim: Path) -> str:
    """A digest of the records under ``interim`` (names, sizes, modification times) and of the
    code that reads them into traces; cheap enough to take on every call."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for sub in ("documents", "facts"):
        folder = interim / sub
        try:
            entries = sorted(
                (e.name, e.stat()) for e in os.scandir(folder) if e.name.endswith(".json")
            )
        except FileNotFoundError:
            entries = []
        for name, stat in entries:
            digest.update(f"{sub}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- JSON rows


def _evidence(data: dict[str, Any]) -> Evidence:
    return Evidence(**data)


def _target(data: dict[str, Any]) -> TracedTarget:
    return TracedTarget(**{**data, "evidence": _evidence(data["evidence"])})


def _task(data: dict[str, Any]) -> TracedTask:
    return TracedTask(
        **{
            **data,
            "role": Role(data["role"]),
            "leads": tuple(data["leads"]),
            "supports": tuple(data["supports"]),
            "evidence": _evidence(data["evidence"]),
            "targets": tuple(_target(t) for t in data["targets"]),
            "deadline_evidence": (
                _evidence(data["deadline_evidence"]) if data.get("deadline_evidence") else None
            ),
        }
    )


def _issued(data: dict[str, Any]) -> IssuedTargets:
    rows = tuple((heading, _target(target)) for heading, target in data["targets"])
    return IssuedTargets(data["doc_id"], data["document_title"], rows)


def trace_from_json(data: dict[str, Any]) -> BodyTrace:
    """The :class:`BodyTrace` of a row written by :func:`write_trace_index`."""
    return BodyTrace(
        data["body"],
        tuple(_task(t) for t in data["tasks"]),
        tuple(_issued(i) for i in data["issued"]),
    )


def goal_from_json(data: dict[str, Any]) -> GoalOwnership:
    """The :class:`GoalOwnership` of a row written by :func:`write_trace_index`."""
    return GoalOwnership(
        **{
            **data,
            "target": _target(data["target"]),
            "leads": tuple(data["leads"]),
            "supports": tuple(data["supports"]),
            "issuers": tuple(data["issuers"]),
        }
    )


def _dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- the index


class TraceIndex:
    """An open trace index (read only)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def names(self) -> BodyNames:
        """The names bodies are resolved against."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'names'").fetchone()
        data = json.loads(row[0])
        return BodyNames(
            {b["canonical"]: from_jsonable(Body, b) for b in data["bodies"]},
            frozenset((surface, canonical) for surface, canonical in data["surfaces"]),
            tuple(data["jurisdictions"]),
        )

    def trace(self, body: str) -> BodyTrace:
        """What :func:`~pipeline.analysis.trace.trace_body` gives for ``body``."""
        row = self._db.execute("SELECT data FROM traces WHERE body = ?", (body,)).fetchone()
        return trace_from_json(json.loads(row[0])) if row else BodyTrace(body, ())

    def goals(self, query: str, minimum: float = 0.8) -> list[GoalOwnership]:
        """What :func:`~pipeline.analysis.trace.goal_owners` gives for ``query``."""
        from pipeline.analysis.trace import indicator_match

        indicators = [r[0] for r in self._db.execute("SELECT DISTINCT indicator FROM goals")]
        matching = [i for i in indicators if indicator_match(query, i) >= minimum]
        return match_goals(query, self._rows(matching), minimum)

    def _rows(self, indicators: list[str]) -> Iterator[GoalOwnership]:
        """The goal rows of ``indicators``, in the order they were written."""
        rows: list[tuple[int, str]] = []
        for start in range(0, len(indicators), 500):  # SQLite's bound-parameter limit
            chunk = indicators[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            statement = f"SELECT rowid, data FROM goals WHERE indicator IN ({marks})"
            rows.extend(self._db.execute(statement, chunk))
        for _rowid, data in sorted(rows):
            yield goal_from_json(json.loads(data))

    def close(self) -> None:
        self._db.close()


def _fill(connection: sqlite3.Connection, corpus: Corpus) -> None:
    """Write the index of ``corpus`` (reprints folded) into an empty database."""
    names = BodyNames.of(corpus)
    connection.executescript(_SCHEMA)
    names_row = {
        "bodies": [to_jsonable(b) for b in names.bodies.values()],
        "surfaces": sorted(names.surfaces),
        "jurisdictions": list(names.jurisdictions),
    }
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("names", json.dumps(names_row, ensure_ascii=False))],
    )
    connection.executemany(
        "INSERT INTO traces VALUES (?, ?)",
        ((body, _dumps(trace)) for body, trace in body_traces(corpus).items()),
    )
    connection.executemany(
        "INSERT INTO goals VALUES (?, ?)",
        ((row.target.indicator, _dumps(row)) for row in goal_rows(corpus)),
    )
    connection.commit()


def write_trace_index(settings: Settings, corpus: Corpus, fingerprint: str) -> Path:
    """Write the index of ``corpus`` (one article per policy document) to
    ``data/interim/trace_index.sqlite``, replacing any old one at once."""
    interim = settings.path(settings.interim_dir)
    interim.mkdir(parents=True, exist_ok=True)
    path = interim / INDEX_NAME
    fd, tmp = tempfile.mkstemp(dir=interim, prefix=f".{INDEX_NAME}.", suffix=".tmp")
    os.close(fd)
    try:
        connection = sqlite3.connect(tmp)
        try:
            _fill(connection, corpus)
        finally:
            connection.close()
        os.chmod(tmp, 0o644)
        (interim / STAMP_NAME).unlink(missing_ok=True)  # no stamp: the index is rebuilt
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_stamp(interim / STAMP_NAME, fingerprint)
    return path


def _write_stamp(path: Path, fingerprint: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(fingerprint + "\n", encoding="ascii")
    os.replace(tmp, path)


def _stamp(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def read_trace_index(path: Path, fingerprint: str) -> TraceIndex | None:
    """The index at ``path`` if it is there, readable and of ``fingerprint``."""
    if not path.is_file() or _stamp(path.with_name(STAMP_NAME)) != fingerprint:
        return None
    try:
        index = TraceIndex(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))
        index.names()  # readable
        return index
    except (sqlite3.Error, TypeError) as exc:
        log.warning("%s: unreadable trace index (%s); reading the records", path, exc)
    return None


def open_trace_index(settings: Settings) -> TraceIndex:
    """The trace index of the built records: the file when it is up to date, else built from the
    records now (and written for the next call; in memory only if it cannot be written)."""
    from pipeline.analysis.corpus import load_corpus
    from pipeline.analysis.reprints import find_reprints, without_reprints

    interim = settings.path(settings.interim_dir)
    fingerprint = records_fingerprint(interim)
    index = read_trace_index(interim / INDEX_NAME, fingerprint)
    if index is not None:
        return index
    corpus = load_corpus(settings)
    corpus = without_reprints(corpus, find_reprints(corpus))
    try:
        index = read_trace_index(write_trace_index(settings, corpus, fingerprint), fingerprint)
    except OSError as exc:
        log.warning("cannot write the trace index under %s: %s", interim, exc)
    if index is None:
        connection = sqlite3.connect(":memory:")
        _fill(connection, corpus)
        index = TraceIndex(connection)
    return index
