"""The local folder's two ways of putting a file in place, both atomic: readers (and a restart after the
process is killed) see the whole file or none, never half a file that could be served or listed."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary name beside the file, then rename. (No fsync: surviving a power cut is not
    worth its latency.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path.resolve()


def link(source: Path, path: Path) -> Path:
    """`path` becomes the same file as `source`: a hard link (no copy) where the file system allows.
    FileNotFoundError when `source` is gone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    try:
        os.link(source, tmp)
    except OSError:
        if not source.is_file():
            raise FileNotFoundError(source) from None
        shutil.copyfile(source, tmp)  # a file system without hard links
    tmp.replace(path)
    return path.resolve()


def _temporary(path: Path) -> Path:
    # Hidden and random: two writers of the same file never share one, and listings skip it.
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
