"""What warping cannot show: the inside of a mouth that was closed and is now open."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

INNER_LIP = list(range(60, 68))
CAVITY_RGB = (70, 24, 30)
TEETH_RGB = (228, 224, 214)
# Paint only when the lips part by more than this much (in eye distances) beyond the source.
MIN_NEW_OPENING = 0.05


def paint_mouth_inside(image: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Fill the newly opened mouth with a dark cavity and a hint of upper teeth.

    `before` and `after` are the landmarks before and after the warp. A mouth that was already open
    shows its own teeth after the warp, so it is left as it is.
    """
    unit = FaceFrame.from_landmarks(before).unit
    open_before = before[66, 1] - before[62, 1]
    open_after = after[66, 1] - after[62, 1]
    if open_after - max(open_before, 0) < MIN_NEW_OPENING * unit:
        return image
    # Work in a box around the mouth only, with room for the soft edges.
    pad = int(np.ceil(4 * max(0.8, unit * 0.012))) + 2
    h, w = image.shape[:2]
    x0, y0 = np.maximum(np.floor(after[INNER_LIP].min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(after[INNER_LIP].max(axis=0)).astype(int) + pad, [w, h])
    local = after - [x0, y0]
    bh, bw = y1 - y0, x1 - x0

    # The convex hull of the inner lips: a clean opening even where the lip points zigzag.
    hull = cv2.convexHull(np.round(local[INNER_LIP] * 4).astype(np.int32))
    mask = np.zeros((bh, bw), np.uint8)
    cv2.fillPoly(mask, [hull], 255, cv2.LINE_AA, 2)

    # Upper teeth: a band hanging a quarter of the way down from the top of the opening, kept out of
    # the corners (teeth do not reach them).
    inside = mask > 127
    top = np.where(inside.any(axis=0), inside.argmax(axis=0), bh)
    ys, xs = np.mgrid[0:bh, 0:bw]
    left, right = local[60, 0], local[64, 0]
    centre, half = (left + right) / 2, abs(right - left) / 2
    teeth = inside & (ys - top[None, :] < 0.26 * open_after) & (np.abs(xs - centre) < 0.72 * half)
    teeth_soft = cv2.GaussianBlur(teeth.astype(np.float32), (0, 0), max(0.8, unit * 0.01))[..., None]
    fill = np.empty((bh, bw, 3), np.float32)
    fill[:] = CAVITY_RGB
    fill = fill * (1 - teeth_soft) + np.array(TEETH_RGB, np.float32) * teeth_soft

    soft = cv2.GaussianBlur(mask, (0, 0), max(0.8, unit * 0.012)).astype(np.float32)[..., None] / 255.0
    out = image.copy()
    box = out[y0:y1, x0:x1, :3]
    out[y0:y1, x0:x1, :3] = (box * (1 - soft) + fill * soft).round().astype(np.uint8)
    return out
