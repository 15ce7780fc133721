"""What is written to result.json and to the history database for each result: the whole request
(so it can be made again), what was understood, what was used, how long each stage took, versions."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import numpy as np

from emojigen.export.formats import encode_png_quick
from emojigen.store import versions


class KeptSource:
    """The photo kept beside every result made from it, so a result can be made again: the photo as it
    was loaded (upright RGB, at most the working size), never the uploaded file itself, saved as a
    lossless PNG with no metadata at all: no EXIF (so no GPS position, camera or date), XMP, comments or
    colour profile. Loading it again gives the very same pixels.

    Encoded once, on first use, and shared by every result of the same photo (the photo cache keeps it):
    a 1600 px photo takes tens of milliseconds to encode, which the result's writer pays off the request's
    path, once."""

    name = "source.png"

    def __init__(self, loaded: np.ndarray) -> None:
        self.pixels = loaded
        self._png: bytes | None = None
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return len(self._png) if self._png is not None else 0

    def png(self) -> bytes:
        with self._lock:
            if self._png is None:
                self._png = encode_png_quick(self.pixels[..., :3])
            return self._png


def request_fields(request: Any, source: str | None) -> dict[str, Any]:
    """Every field of a Request; the image is the name of the kept source file."""
    fields = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)
              if f.name not in ("image", "reference")}
    fields["source"] = source
    # The reference photo is not kept: the action units read from it are (in the result's "reference").
    fields["reference"] = "given" if getattr(request, "reference", None) is not None else None
    return fields


def result_record(request: dict[str, Any], *, kind: str, backend: str, diffusion: dict | None,
                  timings: dict[str, float], warnings: list[dict[str, str]], **details: Any) -> dict[str, Any]:
    """`request`: every field (request_fields), with the seed and style actually used."""
    return {"kind": kind, "request": request, **details,
            "backend": backend, "diffusion": diffusion,
            "timings_ms": {stage: round(seconds * 1000, 1) for stage, seconds in timings.items()},
            "warnings": warnings, "versions": versions()}
