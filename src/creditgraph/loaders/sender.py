"""A background thread that hands jobs to the engine, so the loader reads on while it writes.

Both writers use one: the MERGE batches of :mod:`creditgraph.loaders.writer` and the GRAPH.BULK
calls of :mod:`creditgraph.loaders.bulk`. Jobs wait in a bounded queue (the bound is what the
loader may hold ahead of the engine); an error in the thread is kept and raised in the
producer at its next call, and jobs after it are dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Sender:
    """Runs ``handle(job)`` for each job ``put``, in order, in a thread of its own."""

    def __init__(self, handle: Callable[[object], None], *, maxsize: int, name: str) -> None:
        self._handle = handle
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def put(self, job: object) -> None:
        """Queue ``job``, waiting while the queue is full; raise the thread's error if any."""
        self.raise_if_failed()
        while True:
            try:
                self._queue.put(job, timeout=0.5)
                return
            except queue.Full:
                self.raise_if_failed()

    def idle(self) -> bool:
        """Whether no job is queued or in hand."""
        return self._queue.unfinished_tasks == 0

    def raise_if_failed(self) -> None:
        """Raise the error a job raised in the thread, if one did."""
        if self._error is not None:
            raise self._error

    def join(self) -> None:
        """Wait until every queued job is done (or dropped after an error)."""
        self._queue.put(None)
        self._thread.join()

    def stop(self, timeout: float) -> None:
        """Drop the jobs not started yet and wait up to ``timeout`` s for the one in hand."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
        self._queue.put(None)
        self._thread.join(timeout=timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is not None:
                    continue
                self._handle(job)
            except BaseException as exc:  # noqa: BLE001 - handed to the producer thread
                self._error = exc
            finally:
                self._queue.task_done()
