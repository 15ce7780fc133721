"""Eye-roll (翻白眼): the irises slide up under the upper lids and the whites show below."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

EYES = (list(range(36, 42)), list(range(42, 48)))


def roll_eyes(image: np.ndarray, landmarks: np.ndarray, amount: float) -> np.ndarray:
    """Shift what is inside each eye outline upwards by up to 70% of the eye's height (amount 1);
    the part of the eye that empties is filled with the colour of its own whites."""
    unit = FaceFrame.from_landmarks(landmarks).unit
    out = image.copy()
    h, w = image.shape[:2]
    for eye in EYES:
        pts = landmarks[eye].astype(np.float64)
        pad = int(np.ceil(0.1 * unit)) + 2
        x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - pad, 0)
        x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + pad, [w, h])
        box = image[y0:y1, x0:x1, :3]
        mask = np.zeros(box.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round((pts - [x0, y0]) * 4).astype(np.int32)], 255, cv2.LINE_AA, 2)
        inside = mask > 127
        if inside.sum() < 12:
            continue  # an eye this small (or shut) has nothing to roll
        height = float(np.mean(pts[[4, 5], 1] - pts[[2, 1], 1]))
        shift = 0.7 * min(1.0, amount) * max(height, 1.0)
        grey = box.astype(np.float32).mean(axis=2)
        white = box[inside & (grey >= np.percentile(grey[inside], 80))].mean(axis=0)

        ys, xs = np.mgrid[0:box.shape[0], 0:box.shape[1]].astype(np.float32)
        moved = cv2.remap(box, xs, ys + shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        came_from_eye = cv2.remap(inside.astype(np.uint8) * 255, xs, ys + shift, cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        keep = (came_from_eye.astype(np.float32) / 255.0)[..., None]
        rolled = moved * keep + white * (1 - keep)
        soft = cv2.GaussianBlur(mask, (0, 0), max(0.6, unit * 0.008)).astype(np.float32)[..., None] / 255.0
        out[y0:y1, x0:x1, :3] = (box * (1 - soft) + rolled * soft).round().astype(np.uint8)
    return out
