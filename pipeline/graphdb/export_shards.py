"""The rows of the neo4j-admin CSVs and the ``.cypher`` script, kept up to date incrementally.

:func:`pipeline.graphdb.export.export_graph_files` writes every node (by ``uri``) and every
relationship (by start, type, end) of all documents, merged. Re-reading every document's Turtle
and rendering every row again made a one-document rebuild cost as much as a cold export. So the
rows are kept in *shards*: contiguous ranges of ``uri`` (a relationship goes with its start node),
under ``data/cache/graph/import/``, each holding what every document states of its nodes and
relationships, and its rendered CSV rows and Cypher lines. A rebuild parses the changed documents
alone, takes their previous rows (kept per document) out of the shards they fall in and puts the
new ones in, renders those shards again, and concatenates every shard's text. The CSV columns and
the array delimiter depend on every row: each shard keeps a summary of its keys and values, and a
shard rendered with other columns than the combined ones is rendered again.

How rows merge (:func:`merge_node`, :func:`merge_rel`) and how they are rendered are
:mod:`pipeline.graphdb.export`'s; this module only keeps them.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from pipeline.graphdb.mapping import NodeRow, PropertyGraph, RelRow
from pipeline.graphdb.rows import encode, kept_rows

log = logging.getLogger(__name__)
_Kept = TypeVar("_Kept")

STATE_VERSION = 2
#: Rows (nodes and relationships) per shard when shards are made; past three times this, a
#: shard is split.
SHARD_ROWS = 1500
#: Above this share of changed documents, reading every document again is as cheap.
COLD_SHARE = 0.25
#: A cold build never holds every document's rows at once: it spills each document's rows into
#: buckets of about this many shards' rows (bucket keys placed from a sample of the rows), then
#: cuts one bucket at a time into shards.
BUCKET_SHARDS = 16
#: One row in this many, chosen by a hash of its key, is sampled to place the buckets.
SAMPLE_EVERY = 32
#: Bucket files a cold build keeps open while it spills (all closed when one more is needed).
OPEN_BUCKETS = 128

#: A document's contribution to a node: its labels and its properties.
Contribution = tuple[tuple[str, ...], dict[str, Any]]
RelKey = tuple[str, str, str]


@dataclass
class ShardRows:
    """What the documents state of the nodes and relationships of one shard."""

    nodes: dict[str, dict[str, Contribution]] = field(default_factory=dict)
    rels: dict[RelKey, set[str]] = field(default_factory=dict)

    def size(self) -> int:
        return len(self.nodes) + len(self.rels)

    def sorted_uris(self) -> list[str]:
        return sorted(set(self.nodes) | {start for start, _, _ in self.rels})

    def add(self, doc: str, pg: PropertyGraph, keep: Callable[[str], bool]) -> None:
        for node in pg.nodes:
            if keep(node.uri):
                contributions = self.nodes.setdefault(node.uri, {})
                mine = (tuple(node.labels), dict(node.props))
                # what many documents state alike (a body's names) is kept once: pickle
                # writes a shared object once
                same = next(iter(contributions.values()), None)
                contributions[doc] = same if same == mine else mine
        for rel in pg.relationships:
            if keep(rel.start):
                self.rels.setdefault((rel.start, rel.type, rel.end), set()).add(doc)

    def remove(self, doc: str, pg: PropertyGraph, keep: Callable[[str], bool]) -> None:
        for node in pg.nodes:
            if keep(node.uri):
                contributions = self.nodes.get(node.uri, {})
                contributions.pop(doc, None)
                if not contributions:
                    self.nodes.pop(node.uri, None)
        for rel in pg.relationships:
            if keep(rel.start):
                key = (rel.start, rel.type, rel.end)
                docs = self.rels.get(key, set())
                docs.discard(doc)
                if not docs:
                    self.rels.pop(key, None)


@dataclass
class Shard:
    """A range of ``uri`` from ``key`` (``""`` for the first) to the next shard's key, with the
    summary of its rendered rows (:class:`Rendered`) and the overlay it was rendered with."""

    key: str
    name: str
    summary: Any = None
    overlay: str = ""
    csv_context: Any = None


@dataclass
class ExportState:
    target: str
    docs: dict[str, list[int]] = field(default_factory=dict)
    shards: list[Shard] = field(default_factory=list)
    next_name: int = 0

    def new_name(self) -> str:
        self.next_name += 1
        return f"{self.next_name:06d}"


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


#: ``read(path, doc)``: one document's rows and, when the builder kept exactly these rows, the
#: file holding them (:mod:`pipeline.graphdb.rows`), else None.
ReadRows = Callable[[Path, str], tuple[PropertyGraph, Path | None]]


class ShardedRows:
    """The shard directory ``cache``; ``read`` gives one document's rows (:data:`ReadRows`)."""

    def __init__(self, cache: Path, target: Path, read: ReadRows):
        self.cache = cache
        self.target = str(target)
        self.read = read
        self.shard_dir = cache / "shards"
        self.doc_dir = cache / "docs"
        self.state_path = cache / "state.pickle"

    # ------------------------------------------------------------------ files

    def _load_state(self) -> ExportState | None:
        try:
            with self.state_path.open("rb") as f:
                version, state = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return None
        if version != STATE_VERSION or not isinstance(state, ExportState):
            return None
        return state if state.target == self.target else None

    def save_state(self, state: ExportState) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump((STATE_VERSION, state), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.state_path)

    def shard_rows(self, shard: Shard) -> ShardRows:
        return read_shard_rows(self.shard_dir, shard.name)

    def _write_rows(self, shard: Shard, rows: ShardRows) -> None:
        _dump(self.shard_dir / f"{shard.name}.rows", rows)

    def text_path(self, shard: Shard, part: str) -> Path:
        return self.shard_dir / f"{shard.name}.{part}"

    def _drop(self, shard: Shard) -> None:
        for path in self.shard_dir.glob(f"{shard.name}.*"):
            path.unlink()

    def _doc_rows(self, doc: str) -> PropertyGraph:
        """The rows ``doc`` had when it was last taken in (for taking them out again)."""
        return kept_rows(self.doc_dir / f"{doc}.rows")

    def _keep_doc_rows(self, doc: str, pg: PropertyGraph, source: Path | None) -> None:
        """Keep ``doc``'s rows for its next change: a hard link to the builder's rows file
        ``source`` when it holds them (the builder replaces its files, never rewrites one in
        place, so the link keeps these rows), else a file in the same format."""
        path = self.doc_dir / f"{doc}.rows"
        if source is not None:
            try:
                os.link(source, path)
                return
            except OSError:  # another file system, or no hard links there: a copy of the rows
                pass
        path.write_bytes(encode(pg, ""))

    # ------------------------------------------------------------------ the update

    def update(self, files: dict[str, Path]) -> tuple[ExportState, set[str]]:
        """Bring the shards in line with ``files`` (Turtle by document key); returns the state
        and the names of the shards whose rows changed (every shard after a cold build)."""
        stats = {doc: _stat_key(path) for doc, path in files.items()}
        state = self._load_state()
        if state is not None:
            changed = sorted(d for d in files if state.docs.get(d) != stats[d])
            removed = sorted(set(state.docs) - set(files))
            if len(changed) + len(removed) <= COLD_SHARE * max(len(files), 1):
                if not changed and not removed:
                    return state, set()
                self.state_path.unlink()  # stopped halfway: a cold build next time
                try:
                    return state, self._delta(state, files, stats, changed, removed)
                except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError) as exc:
                    log.warning("updating the import files' rows failed (%s); reading all", exc)
        state = self._cold(files, stats)
        return state, {s.name for s in state.shards}

    def _cold(self, files: dict[str, Path], stats: dict[str, list[int]]) -> ExportState:
        """Every document read again, in bounded memory: each document's rows are kept (for the
        next delta) and sampled, then spilled into buckets of contiguous ``uri``, and each bucket
        is cut into shards on its own. The shards hold the same rows as if every document had been
        merged at once (documents go into a bucket in sorted order, as they would into one merge)."""
        shutil.rmtree(self.cache, ignore_errors=True)
        self.shard_dir.mkdir(parents=True)
        self.doc_dir.mkdir(parents=True)
        state = ExportState(self.target)
        sample: set[tuple[str, ...]] = set()
        docs = sorted(files)
        for doc in docs:
            pg, source = self.read(files[doc], doc)
            self._keep_doc_rows(doc, pg, source)
            state.docs[doc] = stats[doc]
            sample.update(_sampled_rows(pg))
        bounds = _bucket_keys(sample)
        spill = self.cache / "spill"
        spill.mkdir()
        buckets: dict[int, BinaryIO] = {}  # bucket files kept open, not opened once per part
        try:
            for doc in docs:
                for index, part in _split(self._doc_rows(doc), bounds).items():
                    f = buckets.get(index)
                    if f is None:
                        if len(buckets) >= OPEN_BUCKETS:
                            _close_all(buckets)
                        f = buckets[index] = (spill / f"{index:06d}").open("ab")
                    pickle.dump((doc, part), f, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            _close_all(buckets)
        for index, key in enumerate(bounds):
            path = spill / f"{index:06d}"
            if not path.is_file():
                continue  # nothing falls in this range: the shard before it covers it
            rows = ShardRows()
            with path.open("rb") as f:
                while True:
                    try:
                        doc, part = pickle.load(f)
                    except EOFError:
                        break
                    rows.add(doc, part, _everything)
            path.unlink()
            # the first shard starts at "" whatever the first bucket holding rows is
            state.shards.extend(self._cut(state, key if state.shards else "", rows))
        spill.rmdir()
        if not state.shards:
            state.shards = self._cut(state, "", ShardRows())
        return state

    def _cut(self, state: ExportState, first_key: str, rows: ShardRows) -> list[Shard]:
        """``rows`` written as shards of about :data:`SHARD_ROWS` rows, the first from
        ``first_key`` (one pass over the sorted keys)."""
        by_start: dict[str, list[RelKey]] = {}
        for rel_key in rows.rels:
            by_start.setdefault(rel_key[0], []).append(rel_key)
        shards: list[Shard] = []
        part = ShardRows()
        key = first_key
        for uri in rows.sorted_uris():
            if part.size() >= SHARD_ROWS and uri > key:
                shards.append(self._new_shard(state, key, part))
                part, key = ShardRows(), uri
            if uri in rows.nodes:
                part.nodes[uri] = rows.nodes[uri]
            for rel in by_start.get(uri, ()):
                part.rels[rel] = rows.rels[rel]
        shards.append(self._new_shard(state, key, part))
        return shards

    def _new_shard(self, state: ExportState, key: str, rows: ShardRows) -> Shard:
        shard = Shard(key, state.new_name())
        self._write_rows(shard, rows)
        return shard

    def _delta(
        self,
        state: ExportState,
        files: dict[str, Path],
        stats: dict[str, list[int]],
        changed: list[str],
        removed: list[str],
    ) -> set[str]:
        keys = [s.key for s in state.shards]

        def shard_of(uri: str) -> int:
            return bisect_right(keys, uri) - 1

        old = {doc: self._doc_rows(doc) for doc in changed + removed if doc in state.docs}
        read = {doc: self.read(files[doc], doc) for doc in changed}
        new = {doc: pg for doc, (pg, _source) in read.items()}
        touched: set[int] = set()
        for pg in (*old.values(), *new.values()):
            touched.update(shard_of(n.uri) for n in pg.nodes)
            touched.update(shard_of(r.start) for r in pg.relationships)
        replaced: dict[int, list[Shard]] = {}
        for index in sorted(touched):
            shard = state.shards[index]
            upper = keys[index + 1] if index + 1 < len(keys) else None

            def keep(uri: str, low: str = shard.key, high: str | None = upper) -> bool:
                return low <= uri and (high is None or uri < high)

            rows = self.shard_rows(shard)
            for doc, pg in old.items():
                rows.remove(doc, pg, keep)
            for doc, pg in new.items():
                rows.add(doc, pg, keep)
            self._drop(shard)
            replaced[index] = (
                self._cut(state, shard.key, rows)
                if rows.size() > 3 * SHARD_ROWS
                else [Shard(shard.key, state.new_name())]
            )
            if len(replaced[index]) == 1:
                self._write_rows(replaced[index][0], rows)
        for index in sorted(replaced, reverse=True):
            state.shards[index : index + 1] = replaced[index]
        for doc in removed:
            (self.doc_dir / f"{doc}.rows").unlink(missing_ok=True)
            state.docs.pop(doc, None)
        for doc, (pg, source) in read.items():
            (self.doc_dir / f"{doc}.rows").unlink(missing_ok=True)
            self._keep_doc_rows(doc, pg, source)
            state.docs[doc] = stats[doc]
        return {s.name for shards in replaced.values() for s in shards}


def read_shard_rows(shard_dir: Path, name: str) -> ShardRows:
    """The rows kept for shard ``name`` under ``shard_dir``."""
    return _load(shard_dir / f"{name}.rows", ShardRows)


def _close_all(files: dict[int, BinaryIO]) -> None:
    for f in files.values():
        f.close()
    files.clear()


def _everything(_uri: str) -> bool:
    return True


def _sampled_rows(pg: PropertyGraph) -> Iterator[tuple[str, ...]]:
    """One in :data:`SAMPLE_EVERY` of the rows of ``pg`` (a node by its ``uri``, a relationship
    by its key), whichever document states them: ``uri`` first."""
    for node in pg.nodes:
        if zlib.crc32(node.uri.encode()) % SAMPLE_EVERY == 0:
            yield (node.uri,)
    for rel in pg.relationships:
        key = (rel.start, rel.type, rel.end)
        if zlib.crc32("\t".join(key).encode()) % SAMPLE_EVERY == 0:
            yield key


def _bucket_keys(sample: set[tuple[str, ...]]) -> list[str]:
    """Where buckets of about :data:`BUCKET_SHARDS` shards' rows start (``""`` first), from the
    sampled rows.

    >>> _bucket_keys(set())
    ['']
    """
    step = max(1, BUCKET_SHARDS * SHARD_ROWS // SAMPLE_EVERY)
    uris = sorted(row[0] for row in sample)
    keys = [""]
    for uri in uris[step::step]:
        if uri > keys[-1]:
            keys.append(uri)
    return keys


def _split(pg: PropertyGraph, keys: list[str]) -> dict[int, PropertyGraph]:
    """``pg``'s rows by the bucket (index into ``keys``) their ``uri`` falls in; a relationship
    goes with its start node."""
    nodes: dict[int, list[NodeRow]] = {}
    rels: dict[int, list[RelRow]] = {}
    for node in pg.nodes:
        nodes.setdefault(bisect_right(keys, node.uri) - 1, []).append(node)
    for rel in pg.relationships:
        rels.setdefault(bisect_right(keys, rel.start) - 1, []).append(rel)
    return {
        index: PropertyGraph(tuple(nodes.get(index, ())), tuple(rels.get(index, ())))
        for index in sorted(nodes.keys() | rels.keys())
    }


def merged_nodes(
    rows: ShardRows, merge: Callable[[str, dict[str, Contribution]], NodeRow]
) -> list[NodeRow]:
    return [merge(uri, rows.nodes[uri]) for uri in sorted(rows.nodes)]


def merged_rels(
    rows: ShardRows, merge: Callable[[RelKey, set[str]], tuple[RelRow, list[str]]]
) -> list[tuple[RelRow, list[str]]]:
    return [merge(key, rows.rels[key]) for key in sorted(rows.rels)]


def _load(path: Path, cls: type[_Kept]) -> _Kept:
    """The ``cls`` object pickled at ``path`` (a ``TypeError`` for anything else: the caller
    then rebuilds from scratch)."""
    with path.open("rb") as f:
        kept = pickle.load(f)
    if not isinstance(kept, cls):
        raise TypeError(f"{path.name}: not a {cls.__name__}")
    return kept


def _dump(path: Path, kept: object) -> None:
    with path.open("wb") as f:
        pickle.dump(kept, f, protocol=pickle.HIGHEST_PROTOCOL)
