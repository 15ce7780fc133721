"""What depends only on the photo and the face chosen (the decoded picture, the faces and landmarks, the
head crop and its cut-out) is kept in a bounded in-memory LRU, so another feeling on the same photo
costs only the expression, the finish and the export.

Keyed by a hash of the photo's bytes (not its file name: Gradio gives each upload a new path), the face
asked for and the working size. Bounded by memory; safe under concurrent requests. The cached arrays are
made read-only, so no request can change what another one reads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.notices import Notice


@dataclass(frozen=True)
class CachedPhoto:
    prepared: Any  # pipeline.Prepared (its arrays read-only)
    notices: tuple[Notice, ...]  # what detection said about the face (quality, how many faces)
    size: int  # bytes held


def content_digest(source: Any) -> str | None:
    """A hash of a photo's content (its bytes, or an array's pixels), or None when it cannot be read
    here (the loader will say why)."""
    digest = hashlib.blake2b(digest_size=16)
    if isinstance(source, np.ndarray):
        digest.update(repr((source.shape, source.dtype.str)).encode())
        digest.update(np.ascontiguousarray(source).data)
    elif isinstance(source, bytes):
        digest.update(source)
    elif isinstance(source, (str, Path)) and Path(source).is_file():
        with open(source, "rb") as photo:
            for block in iter(lambda: photo.read(1 << 20), b""):
                digest.update(block)
    else:
        return None
    return digest.hexdigest()


def photo_key(digest: str | None, face: int | None, work_side: int) -> str | None:
    """The photo cache's key: the photo's content, the face asked for and the working size."""
    return None if digest is None else f"{digest}:{face}:{work_side}"


class PhotoCache:
    def __init__(self, max_mb: float) -> None:
        self.budget = int(max_mb * 1024 * 1024)
        self._entries: OrderedDict[str, CachedPhoto] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str | None) -> CachedPhoto | None:
        if key is None or self.budget <= 0:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str | None, prepared: Any, notices: list[Notice]) -> None:
        if key is None or self.budget <= 0:
            return
        kept = prepared.source
        arrays = [a for a in (prepared.subject.image, prepared.subject.landmarks, prepared.subject.alpha,
                              kept and kept.pixels) if a is not None]
        for array in arrays:
            array.setflags(write=False)
        # The kept source's PNG is encoded later and held too: its raw size is an upper bound for it.
        size = sum(a.nbytes for a in arrays) + (kept.pixels.nbytes if kept is not None else 0)
        entry = CachedPhoto(prepared, tuple(notices), size)
        if entry.size > self.budget:
            return
        with self._lock:
            if key in self._entries:
                self._held -= self._entries.pop(key).size
            self._entries[key] = entry
            self._held += entry.size
            while self._held > self.budget:
                self._held -= self._entries.popitem(last=False)[1].size

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"photos": len(self._entries), "mb": round(self._held / 1024 / 1024, 1),
                    "budget_mb": round(self.budget / 1024 / 1024, 1), "hits": self.hits, "misses": self.misses}
