"""A smooth stroke around the cut-out, the look every sticker app uses."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.sticker.compose import alpha_over


def add_outline(rgba: np.ndarray, width: int, color: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Put a `width`-pixel stroke of `color` behind the subject of an RGBA image."""
    if width <= 0:
        return rgba
    alpha = rgba[..., 3]
    # Distance to the subject gives a round, even stroke; a soft step keeps its edge anti-aliased.
    outside = np.where(alpha > 127, 0, 255).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 5)
    stroke = np.clip(width + 0.5 - dist, 0.0, 1.0)
    return alpha_over(rgba, color, stroke)


def add_shadow(rgba: np.ndarray, offset: int, blur: float, opacity: float = 0.35) -> np.ndarray:
    """A soft grey drop shadow below and to the right of the subject, so the sticker lifts off
    light chat backgrounds."""
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    h, w = alpha.shape
    shifted = np.zeros_like(alpha)
    shifted[offset:, offset:] = alpha[:h - offset, :w - offset]
    shade = cv2.GaussianBlur(shifted, (0, 0), blur) * opacity
    return alpha_over(rgba, (0, 0, 0), shade)
