"""A model loaded at most once, on first use, under a lock. A failure is remembered and raised again, so
a model that cannot load is reported on every request without being retried (and slowing each one)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from emojigen.errors import EmojigenError

T = TypeVar("T")


class LoadOnce(Generic[T]):
    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self.value: T | None = None
        self.error: EmojigenError | None = None

    def get(self) -> T:
        if self.value is not None:
            return self.value
        with self._lock:
            if self.value is None:
                if self.error is not None:
                    raise self.error
                try:
                    self.value = self._load()
                except EmojigenError as exc:
                    self.error = exc
                    raise
        return self.value
