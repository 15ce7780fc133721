"""The person's own mouth colours, sampled from the photo: lips, the skin around them, and from those
the colours painted teeth and a mouth's dark inside get. Colours are compared in CIELAB, where teeth
(brighter, greyer) and gaps (darker) stand apart from lips."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.expression.lip_geometry import MouthBox


@dataclass(frozen=True)
class LipColours:
    upper: np.ndarray  # (3,) float RGB
    lower: np.ndarray
    skin: np.ndarray
    grey: bool  # a black-and-white photo: nothing painted may add colour

    @property
    def lips_lab(self) -> np.ndarray:
        """Both lips' mean colour in Lab: the reference teeth and gaps are told apart from."""
        return to_lab((self.upper + self.lower) / 2)


_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]], np.float32) / np.array([[0.950456], [1.0], [1.088754]],
                                                                                np.float32)


def prime_colour_tables() -> None:
    """OpenCV builds its 8-bit CIELAB tables on first use (80 ms on a 2-core CPU): a server builds them at
    start, not during someone's first sticker."""
    pixel = np.zeros((1, 1, 3), np.uint8)
    cv2.cvtColor(cv2.cvtColor(pixel, cv2.COLOR_RGB2LAB), cv2.COLOR_LAB2RGB)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (L 0..100, a and b about 0) of RGB pixels of any shape (..., 3), in that shape: through
    OpenCV's 8-bit tables for many pixels, in numpy for a few (OpenCV's fixed cost per call is larger
    than the work then)."""
    pixels = np.clip(np.asarray(rgb, np.float32).reshape(-1, 3), 0, 255)
    if len(pixels) > 512:
        lab = cv2.cvtColor(pixels.round().astype(np.uint8)[:, None], cv2.COLOR_RGB2LAB).reshape(-1, 3)
        lab = lab.astype(np.float32) * np.float32([100 / 255, 1, 1]) - np.float32([0, 128, 128])
        return lab.reshape(np.shape(rgb))
    c = pixels / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = linear @ _RGB_TO_XYZ.T
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    lab = np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], -1).astype(np.float32)
    return lab.reshape(np.shape(rgb))


def teeth_like(lab: np.ndarray, lip: np.ndarray) -> np.ndarray:
    """Pixels (Lab) brighter and greyer than the lips' Lab colour `lip`: teeth."""
    return (lab[..., 0] > lip[0] + 9) & (lab[..., 1] < 0.6 * lip[1] + 1.0)


def sample_colours(image: np.ndarray, box: MouthBox) -> LipColours:
    """The person's lip and skin colours, from the outer part of each lip (away from teeth and seam)."""
    rgb = box.pixels(image)
    lab = to_lab(rgb)
    middle = np.abs(box.across) < 0.7
    upper_inner = np.minimum(box.inner_top, box.seam)
    lower_inner = np.maximum(box.inner_bottom, box.seam)
    up_depth = (upper_inner - box.y) / np.maximum(upper_inner - box.upper_outer, 1e-3)
    low_depth = (box.y - lower_inner) / np.maximum(box.lower_outer - lower_inner, 1e-3)
    up_band, low_band = middle & (up_depth > 0.3) & (up_depth < 0.85), middle & (low_depth > 0.2) & (low_depth < 0.8)
    upper = _robust_lip_colour(rgb[up_band], lab[up_band])
    lower = _robust_lip_colour(rgb[low_band], lab[low_band])
    ring = (np.abs(box.across) < 1.0) & (
        ((box.y > box.lower_outer + 0.1) & (box.y < box.lower_outer + 0.2))
        | ((box.y < box.upper_outer - 0.06) & (box.y > box.upper_outer - 0.15)))
    skin = np.median(rgb[ring], axis=0) if ring.sum() >= 6 else rgb.reshape(-1, 3).mean(axis=0)
    if upper is None and lower is None:
        upper = lower = skin * np.array([0.9, 0.72, 0.72], np.float32)
    upper = lower if upper is None else upper
    lower = upper if lower is None else lower
    # The upper lip faces down, away from the light: a little darker than the lower one, but the same
    # lips (a thin, stretched upper lip in shadow samples much darker than it is).
    upper = 0.4 * upper + 0.6 * 0.9 * lower
    some = lab[::2, ::2].reshape(-1, 3)
    chroma = float(np.percentile(np.hypot(some[:, 1], some[:, 2]), 90)) if len(some) else 0.0
    return LipColours(upper.astype(np.float32), lower.astype(np.float32), skin.astype(np.float32), chroma < 3.0)


def _robust_lip_colour(pixels: np.ndarray, lab: np.ndarray) -> np.ndarray | None:
    """The typical colour of lip pixels (and their Lab), leaving out what is not lip: teeth (brighter
    and greyer), gaps and the seam (much darker), a highlight."""
    if len(pixels) < 6:
        return None
    mid = np.median(lab, axis=0)
    teeth = teeth_like(lab, mid)
    keep = ~teeth & (lab[:, 0] > 0.6 * mid[0]) & (lab[:, 0] < mid[0] + 15)
    chosen, lum = (pixels[keep], lab[keep, 0]) if keep.sum() >= 4 else (pixels, lab[:, 0])
    # The lit surface of the lip, not the shadows at its edges and seam.
    lit = (lum >= np.percentile(lum, 55)) & (lum <= np.percentile(lum, 92))
    return chosen[lit].astype(np.float32).mean(axis=0) if lit.sum() >= 2 else np.median(chosen, axis=0)


def shows_teeth(image: np.ndarray, box: MouthBox, colours: LipColours | None = None) -> float:
    """Share of the opening between the inner lips that looks like teeth (brighter and greyer than lips)."""
    opening = box.between_inner_lips
    if opening.sum() < 4:
        return 0.0
    colours = sample_colours(image, box) if colours is None else colours
    return float(teeth_like(to_lab(box.pixels(image)[opening]), colours.lips_lab).mean())


def teeth_colour(colours: LipColours) -> np.ndarray:
    """Teeth as lit as the face: brighter than the skin, off-white (neutral in a grey photo)."""
    level = float(np.clip(colours.skin.max() * 1.05 + 48, 190, 242))
    tint = np.ones(3, np.float32) if colours.grey else np.array([1.0, 0.97, 0.92], np.float32)
    return level * tint


def cavity_colour(colours: LipColours) -> np.ndarray:
    """The back of the mouth: the lips' own hue, very dark."""
    return colours.lower * 0.3 + 4
