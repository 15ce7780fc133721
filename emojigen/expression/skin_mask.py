"""Where painted creases may shade: skin like that sampled around them, not hair, eyebrows, glasses
frames or background. Likeness is judged by brightness relative to the sample and by hue (chromaticity),
allowing for the grey of the light where skin shines."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.expression.crease_shapes import MeasuredFace, ShapeGroup
from emojigen.expression.face_pixels import pixels_around
from emojigen.expression.soft_masks import ramp, short_blur

# Skin is kept where its brightness is within these ratios of the skin sampled around the region.
DARK_RATIO = (0.62, 0.8)  # hair, brows, frames, shadows under the hairline are darker
BRIGHT_RATIO = (1.45, 1.75)  # white backgrounds, lens glare
CHROMA_DIST = (0.03, 0.06)  # blond hair, clothes and backgrounds differ in hue
# Inside the face there is no hair or background: only nostrils are that much darker, only the skin's own
# shine that much brighter; skin in shadow is more saturated, and its existing creases are to be deepened.
INNER_DARK_RATIO = (0.4, 0.6)
INNER_BRIGHT_RATIO = (2.2, 2.8)
INNER_CHROMA_DIST = (0.05, 0.09)


def skin_mask(image: np.ndarray, pixels: np.ndarray, face: MeasuredFace, shapes: ShapeGroup, origin: np.ndarray,
              fine: float, soft: float) -> np.ndarray | None:
    """1 on skin like that sampled around the shapes, fading to 0 on hair, brows, frames and background;
    None where there is too little skin to trust (a forehead under a fringe). Worked out at half
    resolution: it is blurred anyway."""
    h, w = pixels.shape[:2]
    half = 2 if min(h, w) >= 24 else 1
    small = np.ascontiguousarray(pixels[::half, ::half])
    rgb = cv2.split(small.astype(np.float32))
    if shapes.sample is not None:
        x, y, radius = shapes.sample
        patch = pixels_around(image, face.frame, np.array([x, y]), radius)
        like = _likeness((patch[:, 0], patch[:, 1], patch[:, 2]), face.skin, widen=1.4, hue_widen=3.0) > 0.5
        if not like.any() or like.mean() < 0.5:
            return None
        colour = np.median(patch[like], axis=0)
    else:
        loose = _roughly_skin(rgb, face.skin)
        if cv2.countNonZero(loose) < 0.2 * loose.size:
            return None
        colour = np.array(cv2.mean(small, mask=loose)[:3], np.float32)
    if shapes.inner:
        mask = _likeness(rgb, colour, 1.0, dark=INNER_DARK_RATIO, bright=INNER_BRIGHT_RATIO, hue=INNER_CHROMA_DIST)
    else:
        mask = _likeness(rgb, colour, 1.0)
    # Keep only skin among skin: hair strands that happen to match the colour are dropped.
    mask *= ramp(short_blur(mask, soft / half), 0.45, 0.75)
    if shapes.sample is not None:
        # Only the skin reached from the sample without crossing hair: no strands of a fringe.
        seed = np.round((face.frame.to_image(np.array(shapes.sample[:2])) - origin) / half).astype(int)
        _, labels = cv2.connectedComponents((mask > 0.3).astype(np.uint8), connectivity=4)
        sx, sy = np.clip(seed, 0, [labels.shape[1] - 1, labels.shape[0] - 1])
        if labels[sy, sx] == 0:
            return None
        mask[labels != labels[sy, sx]] = 0
    mask = cv2.GaussianBlur(mask, (0, 0), max(0.5, fine / half))
    if half > 1:
        mask = cv2.resize(mask, (small.shape[1] * half, small.shape[0] * half), interpolation=cv2.INTER_LINEAR)[:h, :w]
    return mask


def _roughly_skin(rgb: list[np.ndarray], reference: np.ndarray) -> np.ndarray:
    """A quick yes/no of the loosest likeness: for picking the pixels to average, not for shading."""
    r, g, b = rgb
    total = r + g + b
    ref_total = float(reference.sum())
    ref = reference / ref_total
    lo, hi = DARK_RATIO[0] / 1.4 * ref_total, BRIGHT_RATIO[1] * 1.4 * ref_total
    near = CHROMA_DIST[1] * 1.4 * total
    keep = (total > lo) & (total < hi)
    keep &= np.abs(r - ref[0] * total) < near
    keep &= np.abs(b - ref[2] * total) < near
    return keep.astype(np.uint8)


def _likeness(rgb: tuple[np.ndarray, np.ndarray, np.ndarray] | list[np.ndarray], sample: np.ndarray, widen: float,
              hue_widen: float | None = None, dark: tuple[float, float] = DARK_RATIO,
              bright: tuple[float, float] = BRIGHT_RATIO, hue: tuple[float, float] = CHROMA_DIST) -> np.ndarray:
    """How much each pixel (r, g, b planes) looks like the skin colour `sample`: as bright, give or take,
    and the same hue, or that hue mixed with the light's grey where it shines."""
    r, g, b = rgb
    total = r + g + b + np.float32(1e-3)
    sample_total = max(float(sample.sum()), 1e-3)
    ratio = total / np.float32(sample_total)
    inv = 1.0 / total
    skin = (sample / sample_total).astype(np.float32)
    dr, dg, db = r * inv - skin[0], g * inv - skin[1], b * inv - skin[2]
    towards = np.float32(1 / 3) - skin
    tt = float(towards @ towards)
    if tt > 1e-9:
        mix = np.clip((dr * towards[0] + dg * towards[1] + db * towards[2]) / np.float32(tt), 0, 1)
        mix = np.minimum(mix, np.clip(ratio - 1, 0, 1))
        dr, dg, db = dr - mix * towards[0], dg - mix * towards[1], db - mix * towards[2]
    distance = np.maximum(np.maximum(np.abs(dr), np.abs(dg)), np.abs(db))
    hue_widen = widen if hue_widen is None else hue_widen
    keep = ramp(ratio, dark[0] / widen, dark[1] / widen)
    keep *= 1 - ramp(ratio, bright[0] * widen, bright[1] * widen)
    keep *= 1 - ramp(distance, hue[0] * hue_widen, hue[1] * hue_widen)
    return keep.astype(np.float32)
