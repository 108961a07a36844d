"""The merged graph files (``policykg.nt``, ``.ttl``, ``.jsonld``), kept up to date incrementally.

The merged N-Triples are the sorted, de-duplicated union of the per-document files, and Turtle and
JSON-LD are pyoxigraph's rendering of them. For N-Triples sorted by line, each rendering is the
concatenation of the renderings of consecutive runs of whole subjects (a subject's lines are
contiguous in sorted order). So the merged graph is kept in *shards*, contiguous ranges of
subjects under ``data/cache/merged/``: each holds its lines, how many documents state each line,
and its own Turtle and JSON-LD text.

A rebuild takes the changed documents' previous lines out (the N-Triples each document had when
last merged, kept as a hard link, so the runner's atomic replace leaves the old text readable) and
puts their new lines in (a file rewritten in place, not replaced, has no previous text left: that
means a cold build); only the shards whose lines changed are rendered again, and the three
merged files are the concatenation of the shards: a one-document change rewrites a few small
shards and copies the rest. A cold build (no shard state, or most documents changed) streams every
document through one external merge instead. The merged files are byte for byte what a full
merge and conversion write (``tests/test_rdf_merged.py``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.store import atomic_concatenate

if TYPE_CHECKING:
    from pipeline.convert import Renderer

log = logging.getLogger(__name__)

STATE_VERSION = 1
#: Lines per shard when shards are made; a shard that grows past twice this is split.
SHARD_LINES = 4000
#: Above this share of changed documents, a cold build is cheaper than the delta.
COLD_SHARE = 0.25
#: Processes rendering the shards of a cold build.
RENDER_PROCESSES = 2
#: Files merged at once by the external merge of a cold build.
SORT_BATCH = 256

FORMATS = ("nt", "turtle", "json-ld")
SUFFIX = {"nt": ".nt", "turtle": ".ttl", "json-ld": ".jsonld"}


@dataclass
class Shard:
    """A contiguous range of subjects: from ``key`` (its first subject, ``b""`` for the first
    shard) up to the next shard's key."""

    key: bytes
    name: str


@dataclass
class MergedState:
    """What the shard directory holds: the documents merged (with the ``stat`` of the N-Triples
    file each was merged from), the shards in order, and the merged files last written."""

    target: str
    prefixes: dict[str, str]
    docs: dict[str, list[int]] = field(default_factory=dict)
    shards: list[Shard] = field(default_factory=list)
    outputs: dict[str, list[int]] = field(default_factory=dict)
    next_name: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "version": STATE_VERSION,
            "target": self.target,
            "prefixes": self.prefixes,
            "docs": self.docs,
            "shards": [[s.key.decode("utf-8"), s.name] for s in self.shards],
            "outputs": self.outputs,
            "next_name": self.next_name,
        }

    @classmethod
    def from_json(cls, data: dict) -> MergedState:  # type: ignore[type-arg]
        return cls(
            data["target"],
            data["prefixes"],
            data["docs"],
            [Shard(key.encode("utf-8"), name) for key, name in data["shards"]],
            data["outputs"],
            data["next_name"],
        )

    def new_name(self) -> str:
        self.next_name += 1
        return f"{self.next_name:06d}"


def _stat_key(path: Path) -> list[int]:
    """What tells a rewritten file from the one merged: size, mtime and inode (every atomic
    write is a new inode, and the link kept of the old one stops its number being reused)."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _current(path: Path, key: list[int]) -> bool:
    try:
        return _stat_key(path) == key
    except OSError:
        return False


def _subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


class MergedGraph:
    """The shard directory ``cache`` serving the merged files under ``graph_dir``."""

    def __init__(self, cache: Path, graph_dir: Path, stem: str, prefixes: dict[str, str]) -> None:
        self.cache = cache
        self.graph_dir = graph_dir
        self.stem = stem
        self.prefixes = prefixes
        self.shard_dir = cache / "shards"
        self.link_dir = cache / "docs"
        self.state_path = cache / "state.json"
        self._renderer: Renderer | None = None

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from pipeline.convert import Renderer

            self._renderer = Renderer(self.prefixes)
        return self._renderer

    def outputs(self, formats: Iterable[str]) -> dict[str, Path]:
        return {f: self.graph_dir / f"{self.stem}{SUFFIX[f]}" for f in formats}

    # ------------------------------------------------------------------ state

    def _load_state(self) -> MergedState | None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                return None
            state = MergedState.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if state.target != str(self.graph_dir) or state.prefixes != self.prefixes:
            return None
        return state

    def _save_state(self, state: MergedState) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # ------------------------------------------------------------------ shard files

    def _path(self, shard: Shard, suffix: str) -> Path:
        return self.shard_dir / f"{shard.name}{suffix}"

    def _read_shard(self, shard: Shard) -> dict[bytes, int]:
        text = self._path(shard, ".nt").read_bytes()
        lines = text.splitlines()
        counts = array("I")
        counts.frombytes(self._path(shard, ".counts").read_bytes())
        if len(counts) != len(lines):
            raise ValueError(f"shard {shard.name}: {len(lines)} lines, {len(counts)} counts")
        return dict(zip(lines, counts, strict=True))

    def _write_shard(self, shard: Shard, lines: dict[bytes, int], *, render: bool) -> None:
        ordered = sorted(lines)
        text = b"".join(line + b"\n" for line in ordered)
        self._path(shard, ".nt").write_bytes(text)
        self._path(shard, ".counts").write_bytes(array("I", (lines[k] for k in ordered)).tobytes())
        if render:
            self._path(shard, ".ttl").write_bytes(self.renderer.turtle(text))
            self._path(shard, ".jsonld").write_bytes(self.renderer.jsonld(text))

    def _drop_shard(self, shard: Shard) -> None:
        for suffix in (".nt", ".counts", ".ttl", ".jsonld"):
            self._path(shard, suffix).unlink(missing_ok=True)

    def _link(self, doc: str, source: Path) -> None:
        target = self.link_dir / f"{doc}.nt"
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed: a copy does as well
            shutil.copyfile(source, target)

    # ------------------------------------------------------------------ the update

    def update(self, sources: dict[str, Path], formats: Iterable[str] = FORMATS) -> dict[str, Path]:
        """Bring the merged files of ``formats`` in line with ``sources`` (N-Triples file by
        document key); returns them by format."""
        stats = {doc: _stat_key(path) for doc, path in sources.items()}
        state = self._load_state()
        changed: list[str] = []
        removed: list[str] = []
        if state is not None:
            changed = sorted(d for d in sources if state.docs.get(d) != stats[d])
            removed = sorted(set(state.docs) - set(sources))
            if len(changed) + len(removed) > COLD_SHARE * max(len(sources), 1) or any(
                state.docs.get(d, [0, 0, -1])[2] == stats[d][2] for d in changed
            ):  # many changes, or a file rewritten in place: its previous lines are lost
                state = None
        if state is None:
            state = self._cold(sources, stats)
        elif changed or removed:
            self.state_path.unlink()  # a run stopped halfway leaves no state: cold next time
            try:
                self._delta(state, sources, stats, changed, removed)
            except (OSError, ValueError) as exc:
                log.warning("updating the merged graph failed (%s); merging everything again", exc)
                state = self._cold(sources, stats)
        else:
            state.outputs = {  # nothing changed: only a missing or edited output is written
                f: key for f, key in state.outputs.items() if _current(self.outputs([f])[f], key)
            }
        written = self.outputs(formats)
        for fmt, path in written.items():
            if fmt not in state.outputs:
                self._assemble(state, fmt, path)
                state.outputs[fmt] = _stat_key(path)
        self._save_state(state)
        return written

    def _cold(self, sources: dict[str, Path], stats: dict[str, list[int]]) -> MergedState:
        """Shards made afresh from every document (an external merge, then one streaming pass)."""
        shutil.rmtree(self.cache, ignore_errors=True)
        self.shard_dir.mkdir(parents=True)
        self.link_dir.mkdir(parents=True)
        state = MergedState(str(self.graph_dir), dict(self.prefixes))
        lines: dict[bytes, int] = {}
        shard = Shard(b"", state.new_name())
        for line, count in _counted_merge([sources[d] for d in sorted(sources)], self.cache):
            if len(lines) >= SHARD_LINES and _subject(line) != _subject(next(reversed(lines))):
                self._write_shard(shard, lines, render=False)
                state.shards.append(shard)
                shard, lines = Shard(_subject(line), state.new_name()), {}
            lines[line] = count
        self._write_shard(shard, lines, render=False)
        state.shards.append(shard)
        self._render_apart([self._path(s, ".nt") for s in state.shards])
        for doc in sorted(sources):
            self._link(doc, sources[doc])
            state.docs[doc] = stats[doc]
        return state

    def _render_apart(self, paths: list[Path]) -> None:
        """Render the shards ``paths`` in :data:`RENDER_PROCESSES` ``python -m pipeline.convert``
        processes at once (pyoxigraph holds the GIL for a whole conversion, and a subprocess,
        unlike a fork, is safe beside the caller's other threads)."""
        package_root = str(Path(__file__).resolve().parents[2])
        pythonpath = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": pythonpath}
        prefixes = json.dumps(self.prefixes)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipeline.convert",
                    "--shards",
                    prefixes,
                    *(str(p) for p in paths[i::RENDER_PROCESSES]),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
            for i in range(min(RENDER_PROCESSES, len(paths)))
        ]
        failures = []
        for proc in procs:
            _, stderr = proc.communicate()
            if proc.returncode != 0:
                failures.append(stderr.decode(errors="replace").strip()[-300:])
        if failures:
            raise ValueError("; ".join(failures))

    def _delta(
        self,
        state: MergedState,
        sources: dict[str, Path],
        stats: dict[str, list[int]],
        changed: list[str],
        removed: list[str],
    ) -> None:
        """Apply the changed and removed documents' lines to the shards they fall in."""
        delta: Counter[bytes] = Counter()
        for doc in changed + removed:
            old = self.link_dir / f"{doc}.nt"
            if doc in state.docs:
                delta.subtract(old.read_bytes().splitlines())
        for doc in changed:
            delta.update(sources[doc].read_bytes().splitlines())
        keys = [s.key for s in state.shards]
        by_shard: dict[int, dict[bytes, int]] = {}
        for line, count in delta.items():
            if count and line.strip():
                index = bisect_right(keys, _subject(line)) - 1
                by_shard.setdefault(index, {})[line] = count
        replaced: dict[int, list[Shard]] = {}
        for index, changes in sorted(by_shard.items()):
            shard = state.shards[index]
            lines = self._read_shard(shard)
            before = set(lines)
            for line, count in changes.items():
                total = lines.get(line, 0) + count
                if total < 0:
                    raise ValueError(
                        f"shard {shard.name}: a line stated by fewer than no documents"
                    )
                if total:
                    lines[line] = total
                else:
                    lines.pop(line, None)
            if set(lines) == before:
                self._write_shard(shard, lines, render=False)
                continue
            replaced[index] = self._reshard(state, shard, lines)
        for index in sorted(replaced, reverse=True):
            state.shards[index : index + 1] = replaced[index]
        if state.shards and state.shards[0].key:
            state.shards[0].key = b""
        if not state.shards:
            state.shards.append(Shard(b"", state.new_name()))
            self._write_shard(state.shards[0], {}, render=True)
        state.outputs = {}  # every merged file is written again
        for doc in removed:
            (self.link_dir / f"{doc}.nt").unlink(missing_ok=True)
            state.docs.pop(doc, None)
        for doc in changed:
            self._link(doc, sources[doc])
            state.docs[doc] = stats[doc]

    def _reshard(self, state: MergedState, shard: Shard, lines: dict[bytes, int]) -> list[Shard]:
        """``shard`` rewritten with ``lines``: dropped when empty, split when grown too big."""
        self._drop_shard(shard)
        if not lines:
            return []
        ordered = sorted(lines)
        pieces: list[list[bytes]] = [ordered]
        if len(ordered) > 2 * SHARD_LINES:
            pieces = []
            start = 0
            while start < len(ordered):
                end = min(start + SHARD_LINES, len(ordered))
                while end < len(ordered) and _subject(ordered[end]) == _subject(ordered[end - 1]):
                    end += 1
                pieces.append(ordered[start:end])
                start = end
        out = []
        for i, piece in enumerate(pieces):
            new = Shard(shard.key if i == 0 else _subject(piece[0]), state.new_name())
            self._write_shard(new, {line: lines[line] for line in piece}, render=True)
            out.append(new)
        return out

    def _assemble(self, state: MergedState, fmt: str, out: Path) -> None:
        """Write the merged file of ``fmt``: the shards' texts in order, between the parts every
        file has once (Turtle's prefixes, JSON-LD's context and brackets)."""
        if fmt == "nt":
            atomic_concatenate(out, [self._path(s, ".nt") for s in state.shards])
        elif fmt == "turtle":
            parts = [self._path(s, ".ttl") for s in state.shards]
            atomic_concatenate(out, [self.renderer.turtle_head, *parts])
        else:
            bodies = [p for s in state.shards if (p := self._path(s, ".jsonld")).stat().st_size]
            pieces: list[bytes | Path] = [self.renderer.jsonld_head]
            for i, body in enumerate(bodies):
                pieces += [b",", body] if i else [body]
            atomic_concatenate(out, [*pieces, b"]}\n"])


def _counted_merge(paths: list[Path], workdir: Path) -> Iterator[tuple[bytes, int]]:
    """Every line of the sorted files ``paths`` once, in order, with the number of files
    holding it (GNU ``sort --merge`` in the C locale streams them; without it, a heap merge)."""
    sort = shutil.which("sort")
    if not paths:
        return
    if sort is None:
        import heapq

        with contextlib.ExitStack() as stack:
            sources = [stack.enter_context(p.open("rb")) for p in paths]
            yield from _count_runs(heapq.merge(*sources))
        return
    list_file = workdir / ".merge-files"
    list_file.write_bytes(b"\0".join(str(p).encode() for p in paths) + b"\0")
    command = [sort, "--merge", f"--batch-size={SORT_BATCH}", "-S", "64M", "-T", str(workdir),
               "--files0-from", str(list_file)]  # fmt: skip
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "LC_ALL": "C"},
    )
    try:
        assert proc.stdout is not None
        yield from _count_runs(proc.stdout)
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.wait() != 0:
            raise OSError(f"sort --merge failed: {stderr.decode(errors='replace')[:200]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        list_file.unlink(missing_ok=True)


def _count_runs(lines: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    previous, count = None, 0
    for raw in lines:
        line = raw.rstrip(b"\n")
        if not line.strip():
            continue
        if line == previous:
            count += 1
            continue
        if previous is not None:
            yield previous, count
        previous, count = line, 1
    if previous is not None:
        yield previous, count
