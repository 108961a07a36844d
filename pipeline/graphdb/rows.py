"""Each document's property-graph rows as its builder mapped them, so that loads and exports do
not parse its Turtle again.

A run maps every document it builds where the document was built (a worker process), with
:func:`pipeline.graphdb.mapping.map_turtle`: the parser and mapping of
:func:`~pipeline.graphdb.mapping.read_document`, on the very Turtle text written to
``data/graph/docs/``. The rows go to ``data/cache/graph/rows/<doc>.rows`` with the SHA-256 of that
Turtle and a digest of the mapping code (:func:`mapping_key`). A reader takes them only when both
match (:func:`read_rows`): a Turtle file written by anything else (``policykg build``, a hand
edit, another version of the builder) is parsed as before, and so is one whose rows other mapping
code made. The loader and the import-file export both read every document's rows: parsing the
Turtle was most of a first load's Python time and of a cold export's.

A rows file is only ever replaced (written beside and renamed), never rewritten in place: the
import-file export keeps the rows it took in as a hard link to the file
(:mod:`pipeline.graphdb.export_shards`), which must go on holding those rows.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path

from pipeline.graphdb.mapping import PropertyGraph, map_turtle

#: Written into every rows file; a file of another version is not read.
VERSION = 1
SUFFIX = ".rows"


@functools.cache
def mapping_key() -> str:
    """A digest of the code that maps Turtle to rows (``mapping`` and the ``dialect`` names it
    uses): rows mapped by other code are not taken, even for the same Turtle."""
    from pipeline.graphdb import dialect, mapping

    digest = hashlib.sha256(f"{VERSION}".encode())
    for module in (mapping, dialect):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def rows_dir(graph_dir: Path) -> Path:
    """Where the rows of the documents under ``graph_dir`` are kept: ``data/cache/graph/rows``
    for ``data/graph``."""
    return graph_dir.parent / "cache" / graph_dir.name / "rows"


def rows_path(graph_dir: Path, doc: str) -> Path:
    return rows_dir(graph_dir) / f"{doc}{SUFFIX}"


def turtle_digest(turtle: bytes) -> str:
    """The SHA-256 the loader fingerprints a document by (that of its Turtle file's bytes)."""
    return hashlib.sha256(turtle).hexdigest()


def mapped_rows(turtle: str, doc: str) -> tuple[str, bytes]:
    """The digest of ``turtle`` (a document's Turtle, as written to its file) and its rows,
    mapped and encoded for :func:`read_rows`."""
    data = turtle.encode("utf-8")
    digest = turtle_digest(data)
    return digest, encode(map_turtle(data, doc), digest)


def encode(pg: PropertyGraph, digest: str) -> bytes:
    """``pg`` as a rows file's bytes, mapped from the Turtle whose SHA-256 is ``digest``."""
    return pickle.dumps((mapping_key(), digest, pg), protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes, digest: str) -> PropertyGraph | None:
    """The rows in ``data`` if they were mapped from the Turtle whose SHA-256 is ``digest`` by
    this code; None for anything else (another Turtle, other mapping code, a damaged file)."""
    try:
        mapped_by, mapped_from, pg = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError, MemoryError):  # fmt: skip
        return None  # a damaged or foreign file: a miss
    if mapped_by != mapping_key() or mapped_from != digest or not isinstance(pg, PropertyGraph):
        return None
    return pg


def kept_rows(path: Path) -> PropertyGraph:
    """The rows in the rows file at ``path``, whatever Turtle and code they were mapped from (a
    document's earlier rows, taken out of the import files again); a ``TypeError`` (or the
    unpickler's error) for a file that holds none."""
    with path.open("rb") as f:
        kept = pickle.load(f)
    pg = kept[-1] if isinstance(kept, tuple) and len(kept) == 3 else None
    if not isinstance(pg, PropertyGraph):
        raise TypeError(f"{path.name}: not a document's rows")
    return pg


def read_rows(path: Path, digest: str) -> PropertyGraph | None:
    """The rows kept at ``path`` for the Turtle whose SHA-256 is ``digest``, or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return decode(data, digest)


__all__ = [
    "decode",
    "encode",
    "kept_rows",
    "mapped_rows",
    "read_rows",
    "rows_dir",
    "rows_path",
    "turtle_digest",
]
