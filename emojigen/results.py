"""What a request gives back: a sticker or an animation (`Sticker`), and the summary the page, the API
and the command line show beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.expression.lexicon import ExpressionSpec
from emojigen.face.detect import Box
from emojigen.notices import Notice


@dataclass
class Sticker:
    id: str
    image: np.ndarray  # RGBA uint8, sticker_size square (for an animation: its fullest frame)
    png_path: Path
    expression: ExpressionSpec
    caption: str
    seed: int
    faces_found: int
    backend: str
    timings: dict[str, float]  # seconds per stage, and "total" around the whole request
    warnings: list[Notice] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # every file written, by name
    platform_file: Path | None = None  # the file fitted to the requested platform
    faces: tuple[Box, ...] = ()  # every face found, left to right
    face: int | None = None  # which of them was used
    reference_aus: dict[str, float] | None = None  # the action units read from a reference photo
    # "hit": the photo's faces and cut-out were ready; "miss": made now; None: no photo, or a result-cache hit
    photo_cache: str | None = None
    result_cache: str | None = None  # "hit": an identical request's result; "miss": drawn now; None: cache off

    def summary(self) -> dict[str, Any]:
        """What the UI and API show next to the sticker."""
        return {
            "id": self.id,
            "expression": self.expression.name,
            "intensity": self.expression.intensity,
            "understood": self.expression.understood,
            "matched_words": list(self.expression.matched),
            "blend": [{"name": name, "intensity": k} for name, k in self.expression.blend],
            "reference": {"aus": self.reference_aus} if self.reference_aus is not None else None,
            "photo_cache": self.photo_cache,
            "result_cache": self.result_cache,
            "caption": self.caption,
            "seed": self.seed,
            "faces_found": self.faces_found,
            "faces": faces_summary(self.faces),
            "face": self.face,
            "backend": self.backend,
            "files": sorted(self.files),
            "timings_ms": timings_ms(self.timings),
            "warnings": [w.as_dict() for w in self.warnings],
        }



def timings_ms(timings: dict[str, float]) -> dict[str, float]:
    return {stage: round(seconds * 1000, 1) for stage, seconds in timings.items()}


def faces_summary(boxes: tuple[Box, ...]) -> list[dict[str, Any]]:
    return [{"index": i, "box": list(box)} for i, box in enumerate(boxes)]
