"""A face-aligned coordinate frame: origin between the eyes, unit = eye distance, y pointing down the face.

Expression moves are written in this frame so that they fit any face size and head roll.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIGHT_EYE = slice(36, 42)  # the person's right eye, on the image's left
LEFT_EYE = slice(42, 48)


@dataclass(frozen=True)
class FaceFrame:
    origin: np.ndarray  # (2,) midpoint between the eye centres, image pixels
    x_axis: np.ndarray  # (2,) unit vector from the image-left eye to the image-right eye
    y_axis: np.ndarray  # (2,) unit vector pointing from the eyes towards the chin
    unit: float  # distance between the eye centres, pixels

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> FaceFrame:
        pts = landmarks.astype(np.float64)
        eye_a = pts[RIGHT_EYE].mean(axis=0)
        eye_b = pts[LEFT_EYE].mean(axis=0)
        delta = eye_b - eye_a
        unit = float(np.hypot(*delta))
        if unit < 1e-6:
            raise ValueError("degenerate landmarks: both eyes at the same place")
        x_axis = delta / unit
        y_axis = np.array([-x_axis[1], x_axis[0]])
        return cls(origin=(eye_a + eye_b) / 2, x_axis=x_axis, y_axis=y_axis, unit=unit)

    @property
    def roll_degrees(self) -> float:
        return float(np.degrees(np.arctan2(self.x_axis[1], self.x_axis[0])))

    def to_local(self, points: np.ndarray) -> np.ndarray:
        d = points.astype(np.float64) - self.origin
        return np.stack([d @ self.x_axis, d @ self.y_axis], axis=-1) / self.unit

    def to_image(self, local: np.ndarray) -> np.ndarray:
        local = np.asarray(local, dtype=np.float64) * self.unit
        return self.origin + local[..., :1] * self.x_axis + local[..., 1:2] * self.y_axis


def yaw_degrees(landmarks: np.ndarray) -> float:
    """Rough left-right head turn from where the nose tip sits between the cheeks (0 = frontal).

    Good to a few degrees up to about 30; beyond that it overestimates, which is fine for saying
    "too turned to edit well".
    """
    local = FaceFrame.from_landmarks(landmarks).to_local(landmarks)
    span = local[14, 0] - local[2, 0]
    if span <= 1e-6:
        return 90.0
    r = (local[30, 0] - local[2, 0]) / span
    return float(np.degrees(np.arcsin(np.clip(2 * r - 1, -1, 1))))
