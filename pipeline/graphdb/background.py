"""Loading documents into the database while the rest of the corpus is still being extracted.

The extraction workers keep the cores busy while a load mostly waits on the server, one statement
at a time; side by side, most of the load disappears into the extraction. This is only a head
start: the run's final pass (:func:`pipeline.graphdb.load.load_documents`) still checks every
document, removes vanished ones, and finds the ones loaded here unchanged by their hash. So a
failure here is logged and left to that pass, which reports it properly if it persists.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

from pipeline.config import Settings
from pipeline.graphdb import server
from pipeline.graphdb.connection import connect
from pipeline.graphdb.load import DocumentLoader

log = logging.getLogger(__name__)

DONE = None  # put on the queue after the last document


class LoaderThread:
    """A thread that loads the documents submitted to it, in submission order, while the caller
    goes on extracting; subclasses say how (``_work`` reads ``self._queue`` up to ``DONE``)."""

    thread_name = "policykg-load"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._queue: queue.SimpleQueue[tuple[str, Path] | None] = queue.SimpleQueue()
        self._failed = threading.Event()
        self._cancelled = threading.Event()
        self.loaded: list[str] = []
        self.rows = 0
        self.seconds = 0.0  # spent loading (the thread's own wall clock)
        self._thread = threading.Thread(target=self._work, name=self.thread_name, daemon=True)
        self._thread.start()

    def submit(self, doc: str, path: Path) -> None:
        """Load ``doc`` from ``path`` (already written) when the thread gets to it."""
        if not self._failed.is_set():
            self._queue.put((doc, path))

    def finish(self, *, cancel: bool = False) -> None:
        """Wait until every submitted document is loaded (or the thread gave up); with
        ``cancel`` (the run failed), only for the document being loaded now."""
        if cancel:
            self._cancelled.set()
        self._queue.put(DONE)
        self._thread.join()

    def _work(self) -> None:
        raise NotImplementedError


class BackgroundLoader(LoaderThread):
    """Loads each submitted document's Turtle file document by document (:class:`DocumentLoader`)."""

    def _work(self) -> None:
        done = False
        try:
            with connect(self._settings) as conn:
                loader = DocumentLoader(conn, batch_size=self._settings.batch_size,
                                        checkpoint=lambda: server.save(self._settings))  # fmt: skip
                while (item := self._queue.get()) is not DONE:
                    if self._cancelled.is_set():
                        continue
                    started = time.perf_counter()
                    doc, path = item
                    rows = loader.load(doc, path)
                    if rows is not None:
                        self.loaded.append(doc)
                        self.rows += rows
                    self.seconds += time.perf_counter() - started
                done = True
        except Exception as exc:  # noqa: BLE001 - the final pass retries and reports
            self._failed.set()
            log.warning("loading alongside extraction stopped (%s); the final load pass "
                        "takes over", exc)  # fmt: skip
            while not done and self._queue.get() is not DONE:  # so that finish() returns
                pass
