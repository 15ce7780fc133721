"""Results on disk: outputs/<id>/sticker.png and result.json, so any sticker can be found and audited."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from emojigen._version import __version__


class OutputStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def new_id(self) -> str:
        # Sortable by time, unguessable enough that one user cannot list another's stickers by counting.
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(4)

    def save(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> dict[str, Path]:
        paths = self.write_files(sticker_id, files)
        self.write_record(sticker_id, files, record)
        return paths

    def write_files(self, sticker_id: str, files: dict[str, bytes]) -> dict[str, Path]:
        folder = self.root / sticker_id
        paths = {}
        for name, data in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths[name] = path.resolve()
        return paths

    def write_record(self, sticker_id: str, files: dict[str, bytes], record: dict[str, Any]) -> None:
        folder = self.root / sticker_id
        folder.mkdir(parents=True, exist_ok=True)
        record = dict(record, id=sticker_id, files=sorted(files))
        tmp = folder / "result.json.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        tmp.replace(folder / "result.json")  # atomic: a crash never leaves half a record


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
