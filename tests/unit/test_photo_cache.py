"""The photo cache: keyed by content (not file name) and the face asked for, bounded by memory (oldest
used first out), its arrays read-only, and safe when many requests use it at once."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from emojigen.photo_cache import PhotoCache, content_digest, photo_key


def _prepared(mb: float) -> SimpleNamespace:
    side = int((mb * 1024 * 1024 / 3) ** 0.5)
    image = np.zeros((side, side, 3), np.uint8)
    subject = SimpleNamespace(image=image, landmarks=np.zeros((68, 2), np.float32), alpha=None)
    return SimpleNamespace(subject=subject, source=None)


def test_the_key_is_the_content_and_the_face(tmp_path):
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(b"same photo")
    b.write_bytes(b"same photo")
    assert content_digest(a) == content_digest(b) == content_digest(b"same photo")
    assert content_digest(b"another photo") != content_digest(a)
    digest = content_digest(a)
    assert photo_key(digest, 1, 512) != photo_key(digest, None, 512) != photo_key(digest, None, 256)
    assert content_digest(tmp_path / "missing.jpg") is None and photo_key(None, None, 512) is None


def test_bounded_by_memory_least_recently_used_out():
    cache = PhotoCache(max_mb=2.5)
    for key in ("a", "b"):
        cache.put(key, _prepared(1.0), [])
    assert cache.get("a") is not None  # "a" used: "b" is now the oldest
    cache.put("c", _prepared(1.0), [])
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.describe()["mb"] <= 2.5
    cache.put("huge", _prepared(3.0), [])  # larger than the whole budget: not kept
    assert cache.get("huge") is None


def test_cached_arrays_cannot_be_changed():
    cache = PhotoCache(max_mb=10)
    prepared = _prepared(0.1)
    cache.put("a", prepared, [])
    with pytest.raises(ValueError):
        cache.get("a").prepared.subject.image[0, 0] = 1


def test_many_threads_at_once():
    cache = PhotoCache(max_mb=3)
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                key = f"{(n + i) % 7}"
                if cache.get(key) is None:
                    cache.put(key, _prepared(0.5), [])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and cache.describe()["mb"] <= 3 and cache.hits + cache.misses == 8 * 50
