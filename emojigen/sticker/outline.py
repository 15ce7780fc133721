"""A smooth stroke around the cut-out, the look every sticker app uses."""

from __future__ import annotations

import cv2
import numpy as np


def add_outline(rgba: np.ndarray, width: int, color: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Put a `width`-pixel stroke of `color` behind the subject of an RGBA image."""
    if width <= 0:
        return rgba
    alpha = rgba[..., 3]
    # Distance to the subject gives a round, even stroke; a soft step keeps its edge anti-aliased.
    outside = np.where(alpha > 127, 0, 255).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 5)
    stroke = np.clip(width + 0.5 - dist, 0.0, 1.0)

    a_fg = alpha.astype(np.float32)[..., None] / 255.0
    a_st = stroke[..., None]
    out_a = a_fg + a_st * (1 - a_fg)
    rgb = rgba[..., :3].astype(np.float32) * a_fg + np.array(color, np.float32) * a_st * (1 - a_fg)
    rgb = np.where(out_a > 0, rgb / np.maximum(out_a, 1e-6), 0)
    return np.dstack([rgb, out_a * 255]).round().clip(0, 255).astype(np.uint8)


def add_shadow(rgba: np.ndarray, offset: int, blur: float, opacity: float = 0.35) -> np.ndarray:
    """A soft grey drop shadow below and to the right of the subject, so the sticker lifts off
    light chat backgrounds."""
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    h, w = alpha.shape
    shifted = np.zeros_like(alpha)
    shifted[offset:, offset:] = alpha[:h - offset, :w - offset]
    shade = cv2.GaussianBlur(shifted, (0, 0), blur) * opacity
    a_fg = alpha[..., None]
    out_a = a_fg + shade[..., None] * (1 - a_fg)
    rgb = rgba[..., :3].astype(np.float32) * a_fg  # the shadow's colour is black: it adds no colour
    rgb = np.where(out_a > 0, rgb / np.maximum(out_a, 1e-6), 0)
    return np.dstack([rgb, out_a * 255]).round().clip(0, 255).astype(np.uint8)
