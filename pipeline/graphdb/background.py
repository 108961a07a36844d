"""Loading documents into the database while the rest of the corpus is still being extracted.

The extraction workers keep the cores busy while a load mostly waits on the server; side by side,
most of the load disappears into the extraction. This is only a head start: the run's final pass
(:func:`pipeline.graphdb.load.sync_documents`, on the same writer) still checks every document,
removes vanished ones and finds the ones written here unchanged. So a failure here is logged and
left to that pass, which reports it properly if it persists.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from pipeline.graphdb.writer import DocumentFile, GraphWriter

log = logging.getLogger(__name__)

DONE = None  # put on the queue after the last document


class LoaderThread:
    """A thread that hands the documents submitted to it to ``writer``, in submission order,
    while the caller goes on extracting (``seconds`` counts its writing, not its waits)."""

    def __init__(self, writer: GraphWriter) -> None:
        self._writer = writer
        self._queue: queue.SimpleQueue[DocumentFile | None] = queue.SimpleQueue()
        self._failed = threading.Event()
        self._cancelled = threading.Event()
        self.loaded: list[str] = []
        self.rows = 0
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._work, name="policykg-load", daemon=True)
        self._thread.start()

    def submit(self, document: DocumentFile) -> None:
        """Load ``document`` (already written) when the thread gets to it."""
        if not self._failed.is_set():
            self._queue.put(document)

    def finish(self, *, cancel: bool = False) -> None:
        """Wait until every submitted document is loaded (or the thread gave up); with
        ``cancel`` (the run failed), only for the document being loaded now."""
        if cancel:
            self._cancelled.set()
        self._queue.put(DONE)
        self._thread.join()

    def _work(self) -> None:
        while (document := self._queue.get()) is not DONE:
            if self._cancelled.is_set() or self._failed.is_set():
                continue  # drained, so that finish() returns
            started = time.perf_counter()
            try:
                rows = self._writer.update(document)
            except Exception as exc:  # noqa: BLE001 - the final pass retries and reports
                self._failed.set()
                log.warning("loading alongside extraction stopped (%s); the final load pass "
                            "takes over", exc)  # fmt: skip
                continue
            finally:
                self.seconds += time.perf_counter() - started
            if rows is not None:
                self.loaded.append(document.doc)
                self.rows += rows
