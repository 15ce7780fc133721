"""Results: outputs/<id>/sticker.png (and the platform's files) and result.json, so any sticker can be
found and audited.

What must never be served (the photo a person uploaded, kept so a result can be made again) lives apart,
in outputs/private/<id>/; the app refuses to serve that folder. Every file is written to a temporary
name and renamed, so a crash never leaves half a file that could be served or listed.

The local folder is always written (Gradio serves files from local disk). With object storage
(`EMOJIGEN_STORAGE_URL=s3://bucket/prefix`) every file is also put into the bucket, under
prefix/<id>/<name> and prefix/private/<id>/<name>, so every replica can list, fetch and remove every
result; without it the store is the local folder alone, exactly as before.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emojigen._version import __version__
from emojigen.storage import open_objects
from emojigen.storage.local import link as _link
from emojigen.storage.local import write_atomically as _write_atomically

if TYPE_CHECKING:
    from emojigen.storage.s3 import S3Objects

PRIVATE = "private"
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8,32}$")
# A result's file name: no folders, nothing hidden (temporary files start with a dot).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class OutputStore:
    def __init__(self, root: Path, objects: S3Objects | None = None) -> None:
        self.root = Path(root)
        self.objects = objects  # the bucket every replica shares, or None (this folder alone)

    @classmethod
    def open(cls, root: Path, storage_url: str = "") -> OutputStore:
        """The store for EMOJIGEN_STORAGE_URL: empty, the local folder; s3://bucket/prefix, that too."""
        return cls(root, open_objects(storage_url))

    def __repr__(self) -> str:
        shared = f", {self.objects.describe()}" if self.objects is not None else ""
        return f"OutputStore({str(self.root)!r}{shared})"

    @property
    def private_root(self) -> Path:
        """Where what must not be served is kept (the uploaded photos)."""
        return self.root / PRIVATE

    def new_id(self) -> str:
        # Sortable by time; 96 random bits, so a result's links cannot be guessed or counted.
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(12)

    def result_ids(self) -> list[str]:
        """Every result (here, and in the bucket when there is one), oldest first."""
        found = set(_local_ids(self.root))
        if self.objects is not None:
            found.update(i for i in self.objects.folders() if ID_PATTERN.match(i))
        return sorted(found)

    def made(self) -> dict[str, float]:
        """Every result and every kept upload (even one left without its result), with when it was last
        written: the bucket's time where the bucket has it, else the local folders' (retention)."""
        times: dict[str, float] = {}
        for folder in (self.root, self.private_root):
            for result_id in _local_ids(folder):
                try:
                    times[result_id] = max(times.get(result_id, 0.0), (folder / result_id).stat().st_mtime)
                except FileNotFoundError:  # removed meanwhile (another sweeper, a replica)
                    continue
        if self.objects is not None:
            shared: dict[str, float] = {}
            for key, when in self.objects.objects():
                parts = key.split("/")
                result_id = parts[1] if parts[0] == PRIVATE and len(parts) > 2 else parts[0]
                if len(parts) > 1 and ID_PATTERN.match(result_id):  # anything else is not ours to delete
                    shared[result_id] = max(shared.get(result_id, 0.0), when)
            times.update(shared)
        return times

    def save(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> dict[str, Path]:
        paths = self.write_files(sticker_id, files)
        self.write_record(sticker_id, files, record)
        return paths

    def write_files(self, sticker_id: str, files: dict[str, bytes]) -> dict[str, Path]:
        paths = {name: _write_atomically(self.root / sticker_id / name, data) for name, data in files.items()}
        if self.objects is not None:
            for name, data in files.items():
                self.objects.put(f"{sticker_id}/{name}", data)
        return paths

    def write_private(self, sticker_id: str, name: str, data: bytes) -> Path:
        path = _write_atomically(self.private_root / sticker_id / name, data)
        if self.objects is not None:
            self.objects.put(f"{PRIVATE}/{sticker_id}/{name}", data)
        return path

    def link_files(self, from_id: str, to_id: str, names: list[str]) -> dict[str, Path]:
        """Another result with the same files: hard links (no copy) where the file system allows, and a
        server-side copy in the bucket. Raises FileNotFoundError when the stored result is gone."""
        if self.objects is None:
            return {name: _link(self.root / from_id / name, self.root / to_id / name) for name in names}
        return {name: self._link_shared(f"{from_id}/{name}", f"{to_id}/{name}", self.root / from_id / name,
                                        self.root / to_id / name) for name in names}

    def link_private(self, from_id: str, to_id: str, name: str) -> Path:
        source, path = self.private_root / from_id / name, self.private_root / to_id / name
        if self.objects is None:
            return _link(source, path)
        return self._link_shared(f"{PRIVATE}/{from_id}/{name}", f"{PRIVATE}/{to_id}/{name}", source, path)

    def local(self, result_id: str, name: str) -> Path | None:
        """A result's (public) file on local disk, or None when this replica has no copy. ValueError for a
        name that is no result file."""
        path = self.root / _checked(result_id, name)
        return path.resolve() if path.is_file() else None

    def fetch(self, result_id: str, name: str) -> Path:
        """A result's (public) file on local disk: the local copy, else downloaded from the bucket (a
        result another replica made). ValueError for a name that is no result file; FileNotFoundError
        when there is no such file."""
        found = self.local(result_id, name)
        if found is not None:
            return found
        if self.objects is None:
            raise FileNotFoundError(f"{result_id}/{name}")
        return self.objects.download(f"{result_id}/{name}", self.root / result_id / name)

    def url(self, result_id: str, name: str) -> str | None:
        """A time-limited link to download a result's (public) file straight from the bucket, or None
        without one. Made without asking the bucket: it answers 404 for a file that is not there.
        Kept uploads never get one (they are no result's public files)."""
        key = _checked(result_id, name)
        return self.objects.presign(key) if self.objects is not None else None

    def remove(self, sticker_id: str) -> None:
        """A result's files, public and private, here and in the bucket (retention)."""
        if sticker_id in ("", ".", "..", PRIVATE) or "/" in sticker_id or "\\" in sticker_id:
            raise ValueError(f"not a result id: {sticker_id!r}")
        for folder in (self.root / sticker_id, self.private_root / sticker_id):
            shutil.rmtree(folder, ignore_errors=True)
        if self.objects is not None:
            self.objects.delete_under(sticker_id)
            self.objects.delete_under(f"{PRIVATE}/{sticker_id}")

    def write_record(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> None:
        """result.json, written last (locally and in the bucket), so a record describes files that exist."""
        record = dict(record, id=sticker_id, files=sorted(files))
        data = json.dumps(record, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        _write_atomically(self.root / sticker_id / "result.json", data)
        if self.objects is not None:
            self.objects.put(f"{sticker_id}/result.json", data)

    def _link_shared(self, source_key: str, key: str, source: Path, path: Path) -> Path:
        """The bucket's copy first (FileNotFoundError when the stored result is gone there), then the
        local one: a hard link, or a download where this replica never had the file."""
        assert self.objects is not None
        self.objects.copy(source_key, key)
        try:
            return _link(source, path)
        except FileNotFoundError:
            return self.objects.download(key, path)


def _checked(result_id: str, name: str) -> str:
    """"<id>/<name>" for a result's public file; ValueError for anything else (a kept upload, a path)."""
    if not ID_PATTERN.match(result_id or "") or not NAME_PATTERN.match(name or ""):
        raise ValueError(f"not a result file: {result_id!r}/{name!r}")
    return f"{result_id}/{name}"


def _local_ids(root: Path) -> list[str]:
    """The result folders in `root` (the outputs folder, or its private folder)."""
    if not root.is_dir():
        return []
    return [p.name for p in root.iterdir() if p.is_dir() and ID_PATTERN.match(p.name)]


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
