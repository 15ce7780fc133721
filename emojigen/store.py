"""Results on disk: outputs/<id>/sticker.png and result.json, so any sticker can be found and audited.

What must never be served (the photo a person uploaded, kept so a result can be made again) lives apart,
in outputs/private/<id>/; the app refuses to serve that folder. Every file is written to a temporary
name and renamed, so a crash never leaves half a file that could be served or listed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from emojigen._version import __version__

PRIVATE = "private"
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8,32}$")


class OutputStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def private_root(self) -> Path:
        """Where what must not be served is kept (the uploaded photos)."""
        return self.root / PRIVATE

    def new_id(self) -> str:
        # Sortable by time; 96 random bits, so a result's links cannot be guessed or counted.
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(12)

    def result_ids(self) -> list[str]:
        """Every result folder, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and ID_PATTERN.match(p.name))

    def save(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> dict[str, Path]:
        paths = self.write_files(sticker_id, files)
        self.write_record(sticker_id, files, record)
        return paths

    def write_files(self, sticker_id: str, files: dict[str, bytes]) -> dict[str, Path]:
        return {name: _write_atomically(self.root / sticker_id / name, data) for name, data in files.items()}

    def write_private(self, sticker_id: str, name: str, data: bytes) -> Path:
        return _write_atomically(self.private_root / sticker_id / name, data)

    def link_files(self, from_id: str, to_id: str, names: list[str]) -> dict[str, Path]:
        """Another result with the same files: hard links (no copy) where the file system allows.
        Raises FileNotFoundError when the stored result is gone."""
        return {name: _link(self.root / from_id / name, self.root / to_id / name) for name in names}

    def link_private(self, from_id: str, to_id: str, name: str) -> Path:
        return _link(self.private_root / from_id / name, self.private_root / to_id / name)

    def remove(self, sticker_id: str) -> None:
        """A result's files, public and private (retention)."""
        for folder in (self.root / sticker_id, self.private_root / sticker_id):
            shutil.rmtree(folder, ignore_errors=True)

    def write_record(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> None:
        folder = self.root / sticker_id
        folder.mkdir(parents=True, exist_ok=True)
        record = dict(record, id=sticker_id, files=sorted(files))
        tmp = folder / "result.json.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        tmp.replace(folder / "result.json")  # atomic: a crash never leaves half a record


def _write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary name beside the file, then rename: readers, and a restart after the process
    is killed, see the whole file or none. (No fsync: surviving a power cut is not worth its latency.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path.resolve()


def _link(source: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        if not source.is_file():
            raise FileNotFoundError(source) from None
        shutil.copyfile(source, tmp)  # a file system without hard links
    tmp.replace(path)
    return path.resolve()


def versions() -> dict[str, str]:
    """Library versions, recorded with every result so it can be audited and re-made."""
    import cv2
    import PIL

    found = {"emojigen": __version__, "numpy": np.__version__, "opencv": cv2.__version__, "pillow": PIL.__version__}
    try:
        import dlib

        found["dlib"] = dlib.__version__
    except ImportError:  # pragma: no cover - dlib is a hard dependency
        pass
    return found
