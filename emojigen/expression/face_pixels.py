"""Pixels addressed in the face's own frame (unit = eye distance, y down the face), for painters that
place their shapes on the face rather than on the picture."""

from __future__ import annotations

import numpy as np

from emojigen.face.geometry import FaceFrame


def frame_coordinates(frame: FaceFrame, columns: np.ndarray, rows: np.ndarray,
                      dtype: type | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where a grid of pixels lies in the face frame: (across, down), each (rows, columns), from the
    pixels' offsets from the frame's origin along the image's x (`columns`) and y (`rows`). `dtype`
    rounds the axes first, so that a float32 grid stays float32 (half the memory of a big box)."""
    x_axis, y_axis = frame.x_axis / frame.unit, frame.y_axis / frame.unit
    if dtype is not None:
        x_axis, y_axis = x_axis.astype(dtype), y_axis.astype(dtype)
    (ax, ay), (bx, by) = x_axis, y_axis
    gx, gy = columns[None, :], rows[:, None]
    return gx * ax + gy * ay, gx * bx + gy * by


def pixels_around(image: np.ndarray, frame: FaceFrame, centre: np.ndarray, radius: float) -> np.ndarray:
    """The RGB pixels (N, 3, float32) of the square `radius` eye distances around a face-frame point;
    none where it lies off the picture."""
    cx, cy = frame.to_image(centre)
    r = max(1, int(radius * frame.unit))
    h, w = image.shape[:2]
    x0, x1 = max(0, int(cx) - r), min(w, int(cx) + r + 1)
    y0, y1 = max(0, int(cy) - r), min(h, int(cy) + r + 1)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 3), np.float32)
    return image[y0:y1, x0:x1, :3].reshape(-1, 3).astype(np.float32)
