"""Ramps and blurs that turn hard edges into soft masks, for painting into a photo without seams."""

from __future__ import annotations

import cv2
import numpy as np


def smoothstep(edge0: float, edge1: float, v: np.ndarray) -> np.ndarray:
    """0 below edge0, 1 above edge1, an S-curve between (no kink where it starts or ends)."""
    t = np.clip((v - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below lo, 1 above hi, a straight ramp between (float32 in, float32 out)."""
    return np.clip((x - np.float32(lo)) * np.float32(1 / (hi - lo)), 0, 1)


def edge_coverage(distance_px: np.ndarray, soft_px: float) -> np.ndarray:
    """Coverage of a pixel `distance_px` inside an edge (negative: outside), blurred over `soft_px`."""
    return np.clip(0.5 + distance_px / max(soft_px, 0.5), 0.0, 1.0)


def short_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian cut at 2.5 sigma: wide blurs of small boxes cost less, and look the same."""
    size = 2 * int(np.ceil(2.5 * sigma)) + 1
    return cv2.GaussianBlur(image, (size, size), sigma)
