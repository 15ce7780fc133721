"""What warping cannot show: the inside of a mouth that was closed and is now open."""

from __future__ import annotations

import cv2
import numpy as np

INNER_LIP = list(range(60, 68))
CAVITY_RGB = (70, 24, 30)
TEETH_RGB = (238, 234, 226)
# Paint only when the lips part by more than this much (in eye distances) beyond the source.
MIN_NEW_OPENING = 0.05


def paint_mouth_inside(image: np.ndarray, before: np.ndarray, after: np.ndarray, unit: float) -> np.ndarray:
    """Fill the newly opened mouth with a dark cavity and a hint of upper teeth.

    A mouth that was already open shows its own teeth after the warp, so it is left as it is.
    """
    open_before = before[66, 1] - before[62, 1]
    open_after = after[66, 1] - after[62, 1]
    if open_after - max(open_before, 0) < MIN_NEW_OPENING * unit:
        return image
    poly = np.round(after[INNER_LIP] * 4).astype(np.int32)
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA, 2)

    fill = np.empty_like(image[..., :3])
    fill[:] = CAVITY_RGB
    # Upper teeth: a band along the upper inner lip, a third of the way down the opening.
    teeth = np.zeros((h, w), np.uint8)
    upper = after[[60, 61, 62, 63, 64]]
    band = np.concatenate([upper, upper[::-1] + [0, 0.33 * open_after]])
    cv2.fillPoly(teeth, [np.round(band * 4).astype(np.int32)], 255, cv2.LINE_AA, 2)
    fill[teeth > 0] = TEETH_RGB

    soft = cv2.GaussianBlur(mask, (0, 0), max(0.8, unit * 0.012)).astype(np.float32)[..., None] / 255.0
    out = image.copy()
    out[..., :3] = (image[..., :3] * (1 - soft) + fill * soft).round().astype(np.uint8)
    return out
