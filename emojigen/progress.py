"""Progress as nested spans that only move forward, and the time spent in each named stage.

A request owns the whole bar, 0 to 1. A span hands a part of its range to each piece of work inside it
(a pack gives each member its own slice, a member gives each frame its own), so a report from inside a
member can never land before one that came earlier. Stage times add up across members and frames.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float], None]


class Tracker:
    """What one request reports: progress (never backwards) and seconds per stage."""

    def __init__(self, callback: ProgressCallback | None = None) -> None:
        self.callback = callback
        self.timings: dict[str, float] = {}
        self.last = 0.0
        self.started = time.perf_counter()
        self._lock = threading.Lock()  # a pack draws its members on two threads

    def report(self, label: str, fraction: float) -> None:
        with self._lock:
            fraction = min(1.0, max(self.last, fraction))  # forward only, whatever a span computes
            self.last = fraction
            if self.callback is not None:
                self.callback(label, fraction)

    def add_time(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def total(self) -> float:
        """Seconds since the request started: every stage and all bookkeeping between them."""
        return time.perf_counter() - self.started

    def root(self) -> Span:
        return Span(self, 0.0, 1.0)

    def done(self) -> None:
        self.report("done", 1.0)


class Span:
    """A part [start, end) of the bar, split among stages or children."""

    def __init__(self, tracker: Tracker, start: float, end: float, prefix: str = "") -> None:
        self.tracker = tracker
        self.start = start
        self.end = end
        self.prefix = prefix

    def at(self, fraction: float) -> float:
        return self.start + (self.end - self.start) * fraction

    def child(self, lo: float, hi: float, label: str = "") -> Span:
        """The part of this span from `lo` to `hi` (fractions of it)."""
        prefix = f"{self.prefix}{label} · " if label else self.prefix
        return Span(self.tracker, self.at(lo), self.at(hi), prefix)

    def split(self, count: int, label: str = "") -> list[Span]:
        """`count` equal children in order (pack members, animation frames)."""
        return [self.child(i / count, (i + 1) / count, f"{label} {i + 1}/{count}" if label else "")
                for i in range(count)]

    def report(self, label: str, fraction: float) -> None:
        self.tracker.report(self.prefix + label, self.at(fraction))

    @contextmanager
    def stage(self, name: str, lo: float = 0.0, hi: float = 1.0) -> Iterator[Span]:
        """A named, timed stage that covers [lo, hi] of this span; yields the stage's own span for
        progress within it (diffusion steps)."""
        self.report(name, lo)
        started = time.perf_counter()
        try:
            yield self.child(lo, hi, "")
        finally:
            elapsed = time.perf_counter() - started
            self.tracker.add_time(name, elapsed)
            log.debug("stage %-7s %7.1f ms", name, elapsed * 1000)

    def steps(self, name: str) -> Callable[[int, int], None]:
        """A step reporter (step, total) for work that counts its own steps."""
        return lambda step, total: self.report(f"{name} {step}/{total}", step / max(1, total))
