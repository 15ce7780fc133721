"""Classic looks: pure, fast image functions (no weights). "photo" keeps the photo as it is."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def photo(rgb: np.ndarray) -> np.ndarray:
    return rgb


def cartoon(rgb: np.ndarray) -> np.ndarray:
    """Flat colours (edge-preserving smoothing + colour quantisation) with dark ink lines."""
    smooth = rgb
    for _ in range(2):
        smooth = cv2.bilateralFilter(smooth, 9, 60, 7)
    levels = 8
    flat = (smooth // (256 // levels)) * (256 // levels) + (128 // levels)
    gray = cv2.medianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), 5)
    edges = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 5)
    return np.where(edges[..., None] == 0, (40, 30, 30), flat).astype(np.uint8)


def sketch(rgb: np.ndarray) -> np.ndarray:
    """Pencil drawing: colour dodge of the grey image by its blurred negative."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    blur = cv2.GaussianBlur(255 - gray, (0, 0), max(2.0, rgb.shape[1] / 120))
    dodge = cv2.divide(gray, 255 - blur, scale=256)
    return cv2.cvtColor(dodge, cv2.COLOR_GRAY2RGB)


CLASSIC_STYLES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "photo": photo,
    "cartoon": cartoon,
    "sketch": sketch,
}


def apply_style(rgb: np.ndarray, style: str) -> np.ndarray:
    return CLASSIC_STYLES[style](rgb)
