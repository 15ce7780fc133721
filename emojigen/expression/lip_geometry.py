"""The mouth's shape, pixel by pixel: a box around the lips in the face's own frame (unit = eye
distance, y down the face) holding, for every column, the height of each lip contour as a smooth curve
y(x) through its landmarks. Painters then know how far any pixel lies across a lip, from the seam, or
down an opening."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from emojigen.expression.face_pixels import frame_coordinates
from emojigen.face.geometry import FaceFrame

UPPER_OUTER = [48, 49, 50, 51, 52, 53, 54]
LOWER_OUTER = [48, 59, 58, 57, 56, 55, 54]
INNER_TOP = [60, 61, 62, 63, 64]
INNER_BOTTOM = [60, 67, 66, 65, 64]


@dataclass
class MouthBox:
    """A box of pixels around the mouth and, for each pixel, its place in the face frame and the
    height of every lip contour at its column (all in eye distances)."""

    x0: int
    y0: int
    x1: int
    y1: int
    unit: float
    x: np.ndarray  # (h, w) across the face
    y: np.ndarray  # (h, w) down the face
    upper_outer: np.ndarray
    lower_outer: np.ndarray
    inner_top: np.ndarray
    inner_bottom: np.ndarray
    seam: np.ndarray  # where closed lips meet: from corner to corner through the inner points
    left: float  # outer mouth corners, across the face
    right: float
    inner_left: float
    inner_right: float
    centre: float  # the middle of the mouth, across

    @property
    def across(self) -> np.ndarray:
        """-1 at the left corner, 0 in the middle, 1 at the right corner."""
        return (self.x - self.centre) / max((self.right - self.left) / 2, 1e-3)

    @property
    def between_inner_lips(self) -> np.ndarray:
        """True inside the opening the inner lip contours outline."""
        return (self.y > self.inner_top) & (self.y < self.inner_bottom) & (self.x > self.inner_left) & (
            self.x < self.inner_right)

    def px(self, units: float) -> float:
        return units * self.unit

    def pixels(self, image: np.ndarray) -> np.ndarray:
        """The box's RGB pixels, as float32 to paint with."""
        return image[self.y0:self.y1, self.x0:self.x1, :3].astype(np.float32)

    def painted(self, image: np.ndarray, rgb: np.ndarray) -> np.ndarray:
        """A copy of `image` with the box's pixels replaced by `rgb` (clipped and rounded to 8 bits)."""
        out = image.copy()
        out[self.y0:self.y1, self.x0:self.x1, :3] = np.clip(rgb, 0, 255).round().astype(np.uint8)
        return out

    def around(self, where: np.ndarray) -> MouthBox:
        """The smaller box holding the pixels where `where` is true (work only where there is work)."""
        rows, cols = np.flatnonzero(where.any(axis=1)), np.flatnonzero(where.any(axis=0))
        if len(rows) == 0:
            return self
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        cut = {name: getattr(self, name)[r0:r1, c0:c1] for name in
               ("x", "y", "upper_outer", "lower_outer", "inner_top", "inner_bottom", "seam")}
        return replace(self, x0=self.x0 + c0, y0=self.y0 + r0, x1=self.x0 + c1, y1=self.y0 + r1, **cut)


def mouth_box(landmarks: np.ndarray, frame: FaceFrame, shape: tuple[int, ...], pad: float = 0.18,
              below: float = 0.12) -> MouthBox:
    """The box around the lips, `pad` eye distances wider on every side and `below` more underneath."""
    local = frame.to_local(landmarks)
    lo = local[48:68].min(axis=0) - pad
    hi = local[48:68].max(axis=0) + [pad, pad + below]
    corners = frame.to_image(np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]]))
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, [w, h])
    x0, y0, x1, y1 = int(x0), int(y0), int(max(x1, x0 + 1)), int(max(y1, y0 + 1))
    x, y = frame_coordinates(frame, np.arange(x0, x1, dtype=np.float32) - np.float32(frame.origin[0]),
                             np.arange(y0, y1, dtype=np.float32) - np.float32(frame.origin[1]), np.float32)

    seam_points = np.concatenate([local[[48]], (local[[61, 62, 63]] + local[[67, 66, 65]]) / 2, local[[54]]])
    return MouthBox(
        x0, y0, x1, y1, frame.unit, x, y,
        _curve_at(local[UPPER_OUTER], x), _curve_at(_smoothed(local[LOWER_OUTER], 0.4), x),
        _curve_at(local[INNER_TOP], x), _curve_at(local[INNER_BOTTOM], x),
        _curve_at(_smoothed(seam_points, 0.4), x),
        float(local[48, 0]), float(local[54, 0]), float(local[60, 0]), float(local[64, 0]),
        float((local[62, 0] + local[66, 0]) / 2),
    )


def _smoothed(points: np.ndarray, amount: float) -> np.ndarray:
    """Pull each inner point's height towards its neighbours': moved landmarks can zigzag, lips do not."""
    out = points.copy()
    out[1:-1, 1] += amount * ((points[:-2, 1] + points[2:, 1]) / 2 - points[1:-1, 1])
    return out


def _curve_at(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A Catmull-Rom curve through `points` (left to right), as y at each x (clamped at the ends)."""
    p = np.concatenate([points[:1], points, points[-1:]])
    s = np.linspace(0, 1, 9)[:-1, None]
    pieces = []
    for i in range(1, len(p) - 2):
        a, b, c, d = p[i - 1], p[i], p[i + 1], p[i + 2]
        pieces.append(0.5 * (2 * b + (c - a) * s + (2 * a - 5 * b + 4 * c - d) * s**2 + (3 * b - a - 3 * c + d) * s**3))
    pieces.append(points[-1:])
    curve = np.concatenate(pieces)
    xs = np.maximum.accumulate(curve[:, 0])  # a curve that doubles back near a corner: keep it a function
    return np.interp(x, xs, curve[:, 1]).astype(np.float32)
