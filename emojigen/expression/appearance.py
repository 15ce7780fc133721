"""The appearance half of FACS action units: the skin creasing that moving landmarks cannot show.

Each action unit places its own creases (strokes) and hollows and bulges (blobs) in the face's own
frame (au_creases); each group of them is drawn into a small box as a relief that darkens the
person's own skin in its valleys and lights and shades its slopes, blurred at a scale proportional to
the face (crease_relief), and applied only where the box looks like the skin sampled there, so hair,
eyebrows, glasses frames and background stay untouched (skin_mask).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from emojigen.expression.au_creases import PAINTERS
from emojigen.expression.crease_relief import shade_group
from emojigen.expression.crease_shapes import measure_face

APPEARANCE_AUS = ("AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU15", "AU17")
MAX_LEVEL = 2.0  # exaggerated intensities deepen the lines up to here, no further


def paint_appearance(image: np.ndarray, before: np.ndarray, after: np.ndarray, aus: Mapping[str, float]) -> np.ndarray:
    """Paint the wrinkles and shading of the action units `aus` (intensities 0..1, more to exaggerate;
    keys not in APPEARANCE_AUS are ignored) on a face already warped from the landmarks `before` to
    `after` (68 dlib points, image pixels). Returns a new image; with no intensity above 0, a copy."""
    out = image.copy()
    levels = {name: float(np.clip(np.nan_to_num(aus.get(name) or 0.0), 0.0, MAX_LEVEL)) for name in APPEARANCE_AUS}
    if not any(levels.values()):
        return out
    face = measure_face(image, before, after)
    if face is None:
        return out
    for painter in PAINTERS:
        for shapes in painter(face, levels):
            shade_group(out, face, shapes)
    return out
