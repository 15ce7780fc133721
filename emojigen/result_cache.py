"""Results people ask for again: an identical request is answered from the result already made, in
milliseconds, instead of being drawn again.

Identical means the same kind, the same photo content (or template), the same reference photo, every
option, and the same seed. The key never holds the photo itself, only a hash of its bytes.

- A seed left out means "a new random one each time" (the page promises it): the same session asking
  again gets a new sticker, not the one it has already seen. Another session may be given that one:
  for it, the stored result is as new as a fresh one.
- Results made from a photo are served to the session that made them only; a template without a photo
  holds nothing of anyone's, so those are shared across users (the frequent template + feeling pairs).
- Each hit is a new result of its own (a new id, history row and result.json) whose files are hard links
  to the stored ones, so retention and history work on it as on any other. An entry is never served
  from a result older than the retention period or whose files are gone (and is then forgotten).
- Diffusion results also depend on the model and the LoRA files: their names, sizes and times are part
  of the key, so a retrained adapter is never served an old picture.

In-memory LRU, bounded by memory (the sticker's pixels are held so a hit returns them without decoding);
safe under concurrent requests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emojigen.results import Sticker

SHARED = "*"  # the scope of results that hold nothing of a user's: templates without a photo


@dataclass
class CachedResult:
    result_id: str  # the newest result holding these files
    made: float  # when that result was made (time.time): never served past the retention period
    sticker: Sticker  # what the request returned (id, paths and timings are replaced on a hit)
    record: dict[str, Any]  # its result.json, to write again for each hit
    served: set[str] = field(default_factory=set)  # sessions that have seen it (for requests without a seed)

    @property
    def size(self) -> int:
        return self.sticker.image.nbytes + 4096  # the pixels, and a bound for the rest


@dataclass(frozen=True)
class CacheKeys:
    scope: str  # the session, or SHARED
    seeded: str  # the request with its seed: what a replay with the summary's seed asks for
    unseeded: str | None  # the request without a seed, when none was given


def lora_fingerprint(folder: str) -> tuple[tuple[str, int, int], ...]:
    """The adapters a diffusion result may depend on: each file's name, size and modification time."""
    if not folder or not Path(folder).is_dir():
        return ()
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file():
                stat = entry.stat()
                found.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def request_keys(kind: str, request: Any, seed: int, photo: str | None, reference: str | None,
                 model: tuple | None) -> CacheKeys:
    """`photo`/`reference`: hashes of the photos' bytes; `model`: what a diffusion result also depends on."""
    fields = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)
              if f.name not in ("image", "reference", "session", "seed")}
    scope = SHARED if photo is None and reference is None else request.session or ""
    base = {"kind": kind, "fields": fields, "photo": photo, "reference": reference, "model": model, "scope": scope}

    def key(seed_value: int | None) -> str:
        text = json.dumps({**base, "seed": seed_value}, sort_keys=True, default=repr, ensure_ascii=False)
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    return CacheKeys(scope, key(seed), key(None) if request.seed is None else None)


class ResultCache:
    def __init__(self, max_mb: float, retention_hours: float) -> None:
        self.budget = int(max_mb * 1024 * 1024)
        self.max_age = retention_hours * 3600 if retention_hours > 0 else float("inf")
        self._entries: OrderedDict[str, CachedResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.budget > 0

    def find(self, keys: CacheKeys, session: str) -> CachedResult | None:
        """The stored result for these keys that this session may be given, or None (a miss)."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(keys.seeded) if keys.unseeded is None else self._entries.get(keys.unseeded)
            if entry is not None and time.time() - entry.made > self.max_age:
                self._drop_locked(entry)
                entry = None
            if entry is None or (keys.unseeded is not None and session in entry.served):
                self.misses += 1
                return None
            self.hits += 1
            entry.served.add(session)
            for key in self._keys_of_locked(entry):
                self._entries.move_to_end(key)
            return entry

    def keep(self, keys: CacheKeys, session: str, result_id: str, sticker: Sticker, record: dict[str, Any]) -> None:
        """Remember a result just made (or just served as a new copy) under its keys."""
        if not self.enabled:
            return
        entry = CachedResult(result_id, time.time(), sticker, record, {session})
        if entry.size > self.budget:
            return
        with self._lock:
            for key in (keys.seeded, keys.unseeded):
                if key is not None:
                    self._entries.pop(key, None)
                    self._entries[key] = entry
            self._evict_locked()

    def moved(self, entry: CachedResult, result_id: str) -> None:
        """A hit was copied to a new result: serve later hits from that one (its retention starts now)."""
        with self._lock:
            entry.result_id, entry.made = result_id, time.time()

    def forget(self, entry: CachedResult) -> None:
        """Its files are gone (retention): never serve it again."""
        with self._lock:
            self._drop_locked(entry)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            held = sum(e.size for e in self._distinct_locked())
            return {"results": len(self._distinct_locked()), "mb": round(held / 1024 / 1024, 1),
                    "budget_mb": round(self.budget / 1024 / 1024, 1), "hits": self.hits, "misses": self.misses}

    def _distinct_locked(self) -> list[CachedResult]:
        return list({id(e): e for e in self._entries.values()}.values())

    def _keys_of_locked(self, entry: CachedResult) -> list[str]:
        return [key for key, value in self._entries.items() if value is entry]

    def _drop_locked(self, entry: CachedResult) -> None:
        for key in self._keys_of_locked(entry):
            del self._entries[key]

    def _evict_locked(self) -> None:
        while self._entries and sum(e.size for e in self._distinct_locked()) > self.budget:
            _, oldest = next(iter(self._entries.items()))
            self._drop_locked(oldest)
