"""``policykg watch``: rebuild as the raw files change, in one process that keeps its pipeline.

A ``policykg run`` in a new process pays, before it reads the one file an analyst edited, for
importing spaCy and building the pipeline (compiling the lexicons' regular expressions): about
1.5 s, twice what rebuilding the file costs. :class:`Watcher` pays that once, then polls
``data/raw`` (a ``stat`` of each entry) and calls :func:`pipeline.runner.run` when what it sees
has changed and then held still for one more poll (an editor saving in several writes is one
change). Each rebuild is the run's own incremental run: the same outputs, byte for byte.

The process keeps the code it started with. A run records the code fingerprint it ran with, so a
watcher whose package changed on disk stops (:class:`CodeChangedError`) rather than write outputs
stamped with code it is not running.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

from pipeline.config import Settings
from pipeline.errors import CodeChangedError, PolicyKGError
from pipeline.manifest import stat_key

if TYPE_CHECKING:
    from pipeline.runner import RunSummary

log = logging.getLogger(__name__)

#: A short notice of this project's own, in the shape rebuilt documents take (a title, a 文号,
#: numbered tasks naming who leads, a target and a deadline), run through the stages by
#: :meth:`Watcher.warm`.
WARM_UP_TEXT = """\
示例市卫生健康委员会关于推进基层卫生服务能力提升的实施方案
示卫发〔2026〕1号
一、工作目标
到2027年底，县域内就诊率达到90%以上，每个乡镇卫生院至少配备2名全科医生。
二、重点任务
（一）完善服务网络。市卫生健康委牵头，市财政局、市人力资源社会保障局配合，2027年6月底前完成。
（二）加强人才队伍。各县（市、区）人民政府负责，持续推进。
示例市卫生健康委员会
2026年3月1日
"""

#: What a rebuild imports after its stages: the merged and import exports and the loader.
WARM_UP_MODULES = (
    "pipeline.convert",
    "pipeline.rdf.merged",
    "pipeline.graphdb.export",
    "pipeline.graphdb.export_shards",
    "pipeline.graphdb.load",
    "pipeline.graphdb.writer",
)

#: What a poll sees of the raw directory: each entry's name and its
#: :func:`pipeline.manifest.stat_key` (what the run's scan compares too).
Snapshot = tuple[tuple[str | int, ...], ...]


def snapshot(raw_dir: Path) -> Snapshot:
    """The entries of ``raw_dir`` as :data:`Snapshot` (links followed; an entry gone between the
    listing and its ``stat`` is left out: the next poll sees the directory as it is then)."""
    seen: list[tuple[str | int, ...]] = []
    try:
        with os.scandir(raw_dir) as entries:
            for entry in entries:
                try:
                    seen.append((entry.name, *stat_key(Path(entry.path))))
                except OSError:
                    continue
    except (FileNotFoundError, NotADirectoryError):
        return ()
    return tuple(sorted(seen))


@dataclass
class Watcher:
    """Runs of ``settings``' pipeline whenever ``data/raw`` changes (see the module's text)."""

    settings: Settings
    load: bool = True
    analyse: bool = True
    code: str = field(default="", init=False)  # the fingerprint it started with (:meth:`warm`)
    _seen: Snapshot | None = field(default=None, init=False, repr=False)
    _pending: Snapshot | None = field(default=None, init=False, repr=False)

    def warm(self) -> None:
        """Pay now what the first rebuild would pay on top of the later ones (0.6-0.8 s on the
        bench corpus): build the spaCy pipeline; run every per-document stage once on
        :data:`WARM_UP_TEXT`, discarded (the SHACL shapes compiled, the lexicons' first
        matches); import the export and database modules. Note the code fingerprint the
        process runs."""
        import importlib

        from pipeline.manifest import fingerprint
        from pipeline.runner import _nlp_for, process_file

        self.code = fingerprint(self.settings)
        data = WARM_UP_TEXT.encode("utf-8")
        result = process_file(self.settings, "warm-up.txt", "0" * 64, data, _nlp_for(self.settings))
        if result.error is not None:  # a rebuild reports its own failures; this one is only said
            log.warning("warming the stages up failed: %s", result.error.message)
        for module in WARM_UP_MODULES:
            importlib.import_module(module)

    def rebuild(self) -> RunSummary:
        """One run now (:func:`pipeline.runner.run`), with the pipeline this process built."""
        from pipeline.manifest import fingerprint
        from pipeline.runner import run

        if not self.code:
            self.warm()
        now = fingerprint(self.settings)
        if now != self.code:
            raise CodeChangedError(
                "policykg's code or resources changed since this watcher started",
                hint="start `policykg watch` again, so the rebuilds run the new code",
            )
        self._seen = snapshot(self.settings.path(self.settings.raw_dir))
        return run(self.settings, load=self.load, analyse=self.analyse, code=self.code)

    def poll(self) -> RunSummary | None:
        """Rebuild when the raw directory changed and held still since the last poll; the run's
        summary, or None when nothing was run."""
        now = snapshot(self.settings.path(self.settings.raw_dir))
        if now == self._seen:
            self._pending = None
            return None
        if now != self._pending:  # still changing, or a change just seen: wait one poll
            self._pending = now
            return None
        self._pending = None
        return self.rebuild()


def watch(
    watcher: Watcher,
    *,
    interval: float = 0.5,
    stop: Event | None = None,
    on_run: Callable[[RunSummary, float], None] | None = None,
    on_error: Callable[[PolicyKGError], None] | None = None,
) -> None:
    """Bring everything up to date, then poll every ``interval`` seconds until ``stop`` is set:
    ``on_run`` gets each run's summary and its seconds, ``on_error`` each run's failure (a file that cannot be
    read, another run holding the lock); the watcher goes on after a failure, except a change
    of its own code, which ends it."""
    stop = stop or Event()
    watcher.warm()
    attempt: Callable[[], RunSummary | None] = watcher.rebuild
    while not stop.is_set():
        started = time.monotonic()
        try:
            summary = attempt()
        except CodeChangedError:
            raise
        except PolicyKGError as exc:  # the change counts as seen: the next one runs again
            if on_error is not None:
                on_error(exc)
        else:
            if summary is not None and on_run is not None:
                on_run(summary, time.monotonic() - started)
        attempt = watcher.poll
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
