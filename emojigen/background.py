"""Work a result needs done but its requester need not wait for: today, encoding and writing the kept
source photo (tens of milliseconds for a large photo). One worker thread, in order; a failure is logged
and never reaches a request that has already been answered.

`settle()` waits until everything handed over so far is done (the tests, the command line before it
exits, and a clean shutdown use it). Pending work is also finished when the interpreter exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, what: str, work: Callable[[], object]) -> None:
        def run() -> None:
            try:
                work()
            except Exception:  # logged here: nobody waits on this future
                log.exception("background work failed: %s", what)

        with self._lock:
            if self._pool is None:  # the thread starts with the first piece of work, not at import
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emojigen-background")
            future = self._pool.submit(run)
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def settle(self, timeout: float | None = 60.0) -> None:
        """Wait for everything submitted so far."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)
