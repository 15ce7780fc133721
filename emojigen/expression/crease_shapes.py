"""What the skin painters draw with: strokes (creases) and blobs (hollows and bulges) placed in the
face's own frame (unit = eye distance), grouped with how to find the skin they shade; and what they
know about the face: its frame, its moved landmarks, its skin colour and where the light comes from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emojigen.expression.face_pixels import pixels_around
from emojigen.face.geometry import FaceFrame


@dataclass(frozen=True)
class MeasuredFace:
    """What the skin painters know about the face in a picture."""

    frame: FaceFrame  # from the landmarks before the warp: the same size and roll in every frame
    local: np.ndarray  # (68, 2) the landmarks after the warp, in that frame
    light: np.ndarray  # (2,) unit vector in image coordinates pointing towards the light
    skin: np.ndarray  # (3,) float, the cheeks' colour: the reference for "is this skin"


@dataclass(frozen=True)
class Stroke:
    """A crease along `points`. A fold (one side overhanging the other) also has a `ridge` on `side`."""

    points: np.ndarray  # (n, 2) face frame
    depth: float  # at AU intensity 1
    fade: np.ndarray  # (n,) strength along the line, 0..1 (and the AU's intensity)
    width: float = 0.012  # line thickness, eye distances
    ridge: float = 0.0  # height of the bulge beside the line, relative to depth
    side: tuple[float, float] = (0.0, 0.0)  # face frame direction of that bulge


@dataclass(frozen=True)
class Blob:
    centre: np.ndarray  # (2,) face frame
    axes: tuple[float, float]  # half lengths along the frame's x and y, eye distances
    shadow: float = 0.0  # a soft hollow: darkening at AU intensity 1
    bump: float = 0.0  # a soft bulge: height at AU intensity 1


@dataclass(frozen=True)
class ShapeGroup:
    """Shapes shaded together, on the skin found around them."""

    strokes: list[Stroke]
    blobs: list[Blob]
    spread: float = 0.3  # broad shadow around the lines, relative to their depth
    sample: tuple[float, float, float] | None = None  # (x, y, radius) where to sample the skin; None: all around
    inner: bool = True  # inside the face, away from hair and background: the skin's shine is skin too

    @property
    def ridge_drawn(self) -> bool:
        return any(s.ridge > 0 for s in self.strokes)


def measure_face(image: np.ndarray, before: np.ndarray, after: np.ndarray) -> MeasuredFace | None:
    """The face's frame, the skin's colour on the cheeks and where the light comes from."""
    try:
        frame = FaceFrame.from_landmarks(before)
    except ValueError:
        return None
    cheeks = [pixels_around(image, frame, np.array([side * 0.5, 0.55]), 0.1) for side in (-1, 1)]
    if any(len(c) == 0 for c in cheeks):
        return None
    la, lb = (float(np.median(c.mean(axis=1))) for c in cheeks)
    skin = np.median(np.concatenate(cheeks), axis=0).astype(np.float32)
    # Photos are lit from above (the picture's up, whatever the head's roll); the brighter cheek says
    # which side the light leans to.
    tilt = float(np.clip(3.0 * (lb - la) / max(la + lb, 1.0), -0.8, 0.8))
    light = frame.x_axis * tilt + np.array([0.0, -1.0])
    return MeasuredFace(frame, frame.to_local(after), light / np.hypot(*light), skin)
