"""Drawn marks that belong to a sticker's vocabulary: tears for crying, the three black lines of 无语."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

# Where each tear starts: the middle of each lower lid, a little towards the outer corner.
LOWER_LIDS = ((41, 40), (46, 47))
TEAR_RGB = np.array((196, 228, 255), np.float32)
TEAR_EDGE_RGB = np.array((70, 140, 215), np.float32)
LINE_RGB = np.array((28, 28, 34), np.float32)


def _blend(out: np.ndarray, cover: np.ndarray, rgb: np.ndarray, opacity: float) -> None:
    a = cover.astype(np.float32)[..., None] / 255.0 * opacity
    out[..., :3] = (out[..., :3] * (1 - a) + rgb * a).round().astype(np.uint8)


def draw_tears(image: np.ndarray, landmarks: np.ndarray, amount: float) -> np.ndarray:
    """A translucent stream from each lower lid down the cheek, ending in a drop; longer when stronger."""
    frame = FaceFrame.from_landmarks(landmarks)
    local = frame.to_local(landmarks)
    length = 0.35 + 0.45 * min(1.5, amount)
    scale = 4  # sub-pixel drawing
    body = np.zeros(image.shape[:2], np.uint8)
    edge = np.zeros(image.shape[:2], np.uint8)
    shine = np.zeros(image.shape[:2], np.uint8)
    for outer, inner in LOWER_LIDS:
        start = 0.6 * local[outer] + 0.4 * local[inner] + [0.0, 0.04]
        sway = 0.06 if outer == 41 else -0.06  # streams curve a little outwards, around the cheek
        t = np.linspace(0, 1, 12)[:, None]
        path = start + t * [0.0, length] + (t**2) * [-sway, 0.0]
        width = 0.035 + 0.03 * t[:, 0]
        left = frame.to_image(path - np.c_[width, np.zeros_like(width)])
        right = frame.to_image(path + np.c_[width, np.zeros_like(width)])
        stream = np.concatenate([left, right[::-1]])
        drop_c = frame.to_image(path[-1] + [0.0, 0.09])
        axes = (int(0.09 * frame.unit * scale), int(0.12 * frame.unit * scale))
        for layer, grow in ((edge, 1.25), (body, 1.0)):
            cv2.fillPoly(layer, [np.round(stream * scale).astype(np.int32)], 255, cv2.LINE_AA, 2)
            cv2.ellipse(layer, tuple(np.round(drop_c * scale).astype(int)),
                        (int(axes[0] * grow), int(axes[1] * grow)), frame.roll_degrees, 0, 360, 255, -1,
                        cv2.LINE_AA, 2)
        glint = frame.to_image(path[2:-2] - [0.015, 0.0])
        cv2.polylines(shine, [np.round(glint * scale).astype(np.int32)], False, 255,
                      max(1, int(0.02 * frame.unit)), cv2.LINE_AA, 2)
    out = image.copy()
    _blend(out, cv2.dilate(edge, np.ones((3, 3), np.uint8)), TEAR_EDGE_RGB, 0.55)
    _blend(out, body, TEAR_RGB, 0.6)
    _blend(out, shine, np.array((255, 255, 255), np.float32), 0.8)
    return out


def draw_speechless_lines(image: np.ndarray, landmarks: np.ndarray, amount: float) -> np.ndarray:
    """Three short vertical lines over the brow on the image's right: the manga sign for 无语."""
    frame = FaceFrame.from_landmarks(landmarks)
    lines = np.zeros(image.shape[:2], np.uint8)
    thickness = max(1, int(round(0.045 * frame.unit)))
    for x, top, length in ((0.25, -1.05, 0.42), (0.45, -1.1, 0.55), (0.65, -1.02, 0.38)):
        ends = frame.to_image(np.array([[x, top], [x, top + length * (0.6 + 0.4 * min(1.0, amount))]]))
        cv2.line(lines, tuple(np.round(ends[0] * 4).astype(int)), tuple(np.round(ends[1] * 4).astype(int)),
                 255, thickness, cv2.LINE_AA, 2)
    out = image.copy()
    _blend(out, lines, LINE_RGB, 0.9)
    return out
