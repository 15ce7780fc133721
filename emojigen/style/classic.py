"""Classic looks: pure, fast image functions (no weights). "photo" keeps the photo as it is."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

PIXEL_BLOCKS = 40  # pixels across the picture in the pixel-art look
PIXEL_COLOURS = 16


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


def pixel(rgb: np.ndarray) -> np.ndarray:
    """Pixel art: a coarse grid of cells in a small palette, scaled back up with hard edges."""
    h, w = rgb.shape[:2]
    cells = max(1, round(max(h, w) / PIXEL_BLOCKS))
    small = cv2.resize(rgb, (max(1, w // cells), max(1, h // cells)), interpolation=cv2.INTER_AREA)
    data = small.reshape(-1, 3).astype(np.float32)
    k = min(PIXEL_COLOURS, len(data))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.setRNGSeed(0)  # same photo, same palette
    _, labels, centres = cv2.kmeans(data, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    quantised = centres.astype(np.uint8)[labels.ravel()].reshape(small.shape)
    return cv2.resize(quantised, (w, h), interpolation=cv2.INTER_NEAREST)


def meme(rgb: np.ndarray) -> np.ndarray:
    """The classic black-and-white meme face (熊猫头 style): grey, contrast pushed hard, skin to white,
    features to black, with a thin band of grey between so it still reads as a photo."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gray = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(gray)
    # Threshold at the picture's own mid-tone, so dark and light photos both split into ink and paper.
    mid = float(np.percentile(gray, 45))
    toned = np.clip((gray.astype(np.float32) - mid) * 4.0 + 150.0, 0, 255)
    toned = cv2.GaussianBlur(toned, (0, 0), 0.6)
    return cv2.cvtColor(toned.astype(np.uint8), cv2.COLOR_GRAY2RGB)


CLASSIC_STYLES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "photo": photo,
    "cartoon": cartoon,
    "sketch": sketch,
    "pixel": pixel,
    "meme": meme,
}


def apply_style(rgb: np.ndarray, style: str) -> np.ndarray:
    return CLASSIC_STYLES[style](rgb)
