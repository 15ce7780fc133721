"""Retention: uploads and results are deleted once they are older than the retention period.

A background sweeper runs at start-up and then every tenth of the period (never more often than every
10 seconds). It deletes each result folder and its kept upload (in the shared bucket too, when results
are kept in object storage; `OutputStore.made` says when each was written), marks the result expired in the
history (the row and its rating stay: ratings are how the product learns), and clears old files from
any other folder it is given (the web server's upload and cache folder).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emojigen.history import History
from emojigen.store import OutputStore

log = logging.getLogger(__name__)
MIN_INTERVAL = 10.0  # seconds


@dataclass(frozen=True)
class Swept:
    results: tuple[str, ...]  # the result ids whose files were deleted
    files: int  # other files deleted (upload and cache folders)


class Sweeper:
    def __init__(self, store: OutputStore, history: History | None, hours: float,
                 folders: Iterable[Path] = ()) -> None:
        if hours <= 0:
            raise ValueError("the retention period must be positive (EMOJIGEN_RETENTION_HOURS)")
        self.store, self.history, self.seconds = store, history, hours * 3600
        self.folders = tuple(Path(f) for f in folders)
        self._stop = threading.Event()

    @property
    def interval(self) -> float:
        return max(MIN_INTERVAL, self.seconds / 10)

    def sweep(self, now: float | None = None) -> Swept:
        """Delete everything older than the retention period, once."""
        cutoff = (time.time() if now is None else now) - self.seconds
        # Results here and, with object storage, in the bucket (which every replica's sweeper sweeps).
        expired = tuple(sorted(i for i, made in self.store.made().items() if made < cutoff))
        for result_id in expired:
            self.store.remove(result_id)
        if expired and self.history is not None:
            try:
                self.history.expire(list(expired))
            except Exception:  # noqa: BLE001 - the files are gone either way; say so and go on
                log.exception("could not mark %d expired results in the history", len(expired))
        files = sum(_clear_old_files(folder, cutoff) for folder in self.folders)
        if expired or files:
            log.info("retention: deleted %d results and %d cached files", len(expired), files)
        return Swept(expired, files)

    def start(self) -> threading.Thread:
        """Sweep now and then every `interval` seconds, in a daemon thread, until stop()."""
        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.sweep()
                except Exception:  # noqa: BLE001 - a failed sweep must not end the sweeping
                    log.exception("retention sweep failed")
                self._stop.wait(self.interval)

        thread = threading.Thread(target=run, name="retention", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def _clear_old_files(folder: Path, cutoff: float) -> int:
    """Delete files last modified before `cutoff` under `folder`, then the folders left empty."""
    if not folder.is_dir():
        return 0
    deleted = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
            elif path.is_dir() and path.stat().st_mtime < cutoff and not any(path.iterdir()):
                path.rmdir()  # an old, empty folder (a new one may be about to receive its file)
        except OSError:  # in use or already gone: the next sweep tries again
            continue
    return deleted
