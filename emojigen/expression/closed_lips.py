"""A closed mouth redrawn from the moved landmarks: two lips shaded as rounded forms, the seam where
they meet, their shadows on the skin, the photo's own texture kept and the edges feathered into the
skin. (Closing a toothy smile by warping alone squeezes the teeth into a smear.)"""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.expression.lip_colours import LipColours, to_lab
from emojigen.expression.lip_geometry import MouthBox
from emojigen.expression.soft_masks import edge_coverage, smoothstep

# A closed lower lip's height in the middle, eye distances (a real one is about 0.12-0.16).
MIN_LOWER_LIP, MAX_LOWER_LIP = 0.11, 0.2


def draw_closed_lips(image: np.ndarray, box: MouthBox, colours: LipColours) -> np.ndarray:
    """Redraw a closed mouth: both lips shaded as rounded forms, a seam where they meet, the lower lip's
    shadow on the chin, the photo's own texture kept, edges feathered into the skin."""
    rgb = box.pixels(image)
    across = box.across
    sides = np.abs(across)
    middle = 1 - smoothstep(0.4, 1.0, sides)  # 1 in the middle, 0 at the corners
    lab = to_lab(rgb)
    lip_likeness = _lip_likeness(lab, colours)
    lower_edge = np.maximum(box.lower_outer, box.seam + _lower_lip_height(lip_likeness, box) * _arch(across))
    lower_edge = cv2.GaussianBlur(lower_edge, (0, 0), sigmaX=max(1.0, box.px(0.04)), sigmaY=0.1)  # no kinks
    rgb = _unlip(rgb, lab, lip_likeness, box, lower_edge, colours)
    up_thick = np.maximum(box.seam - box.upper_outer, 1e-3)
    low_thick = np.maximum(lower_edge - box.seam, 1e-3)
    v_up = np.clip((box.seam - box.y) / up_thick, 0, 1)  # 0 at the seam, 1 at the lip's edge
    v_low = np.clip((box.y - box.seam) / low_thick, 0, 1)
    # Full lips (a pout) are rounder: their highlights and shadows are stronger.
    centre = sides < 0.3
    fullness = float(np.clip(np.median(low_thick[centre]) / 0.12, 0.6, 1.5)) if centre.any() else 1.0

    base = rgb * (1 - _shadow_on_skin(box, lower_edge, middle, fullness))[..., None]
    lips = _shaded_lips(box, colours, v_up, v_low, middle, fullness)
    thin = box.px(float(min(np.median(low_thick[centre]), np.median(up_thick[centre])))) if centre.any() else 4.0
    lips *= 1 - _seam_darkening(box, colours, thin, sides)
    lips = _with_texture(lips, rgb, box, v_up, v_low, low_thick)

    alpha = (edge_coverage(box.px(1) * (box.y - box.upper_outer + 0.01), max(1.0, box.px(0.025)))
             * edge_coverage(box.px(1) * (lower_edge + 0.02 - box.y), max(1.5, box.px(0.05)))
             * (1 - smoothstep(0.93, 1.03, sides)))
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.5, box.px(0.006)))[..., None]
    return box.painted(image, base * (1 - alpha) + lips * alpha)


def _shadow_on_skin(box: MouthBox, lower_edge: np.ndarray, middle: np.ndarray, fullness: float) -> np.ndarray:
    """0..1 darkening of the skin: under the lower lip, strongest in the middle, and in the mouth's corners."""
    below = box.y - lower_edge
    shadow = 0.1 * min(fullness, 1.2) * smoothstep(-0.02, 0.02, below) * (1 - smoothstep(0.02, 0.1, below)) * middle
    corner = np.minimum(np.hypot(box.x - box.left, box.y - box.seam), np.hypot(box.x - box.right, box.y - box.seam))
    return np.maximum(shadow, 0.12 * np.exp(-((corner / 0.03) ** 2)))


def _shaded_lips(box: MouthBox, colours: LipColours, v_up: np.ndarray, v_low: np.ndarray, middle: np.ndarray,
                 fullness: float) -> np.ndarray:
    """Both lips in their own colours, shaded as rounded forms (`v_up`, `v_low`: 0 at the seam, 1 at
    each lip's outer edge)."""
    across = box.across
    upper = colours.upper * (0.88 + 0.12 * smoothstep(0.0, 0.8, v_up))[..., None]
    # The lower lip faces up into the light from the seam on, and turns away towards its lower edge.
    lift = np.exp(-(((v_low - 0.3) / 0.35) ** 2)) * middle
    low_shade = 0.93 + 0.07 * fullness * lift - 0.12 * smoothstep(0.65, 1.0, v_low)
    lower = colours.lower * low_shade[..., None]
    shine = (0.04 * fullness * np.exp(-(((v_low - 0.35) / 0.15) ** 2)) * np.exp(-((across / 0.3) ** 2)))[..., None]
    lower = lower + (colours.skin.max() * 1.1 - lower) * shine
    which = edge_coverage(box.px(1) * (box.y - box.seam), 1.0)[..., None]
    lips = upper * (1 - which) + lower * which
    lips *= (1 - 0.15 * smoothstep(0.55, 1.0, np.abs(across)))[..., None]  # the corners turn in, darker
    return lips


def _seam_darkening(box: MouthBox, colours: LipColours, thin: float, sides: np.ndarray) -> np.ndarray:
    """How much the seam darkens each channel: a thin dark line, more on the upper lip's side (it
    overhangs), fading out at the corners. `thin`: the thinner lip's height in the middle, pixels."""
    width = max(0.8, min(box.px(0.01), 0.15 * thin))
    d = box.px(1) * (box.y - box.seam) + 0.3 * width
    halo = min(3.5 * width, 0.3 * thin + 0.5) * np.where(d < 0, 1.0, 0.4)  # the shadow falls from the upper lip
    seam = np.exp(-((d / width) ** 2)) * 0.3 + np.exp(-((d / halo) ** 2)) * 0.12
    seam = (seam * (1 - smoothstep(0.75, 1.0, sides)))[..., None]
    # Darkening keeps the lips' hue and deepens it (shadowed lips are redder, not greyer).
    deep = np.array([1.0, 1.15, 1.1], np.float32) if not colours.grey else np.ones(3, np.float32)
    return seam * deep


def _with_texture(lips: np.ndarray, rgb: np.ndarray, box: MouthBox, v_up: np.ndarray, v_low: np.ndarray,
                  low_thick: np.ndarray) -> np.ndarray:
    """Keep the photo's texture on the lips, but not the crushed remains of what was between them; fill
    in with grain as fine as the skin's."""
    skin_detail = _detail(rgb, box.unit)
    near_seam = np.exp(-(((box.y - box.seam) / max(0.03, 0.35 * float(np.median(low_thick)))) ** 2))
    lips = lips + (np.clip(skin_detail, -10, 10) * (1 - near_seam))[..., None]
    skin_zone = (box.y < box.upper_outer - 0.05) | (box.y > box.lower_outer + 0.05)
    grain = float(np.clip(np.std(skin_detail[skin_zone]) if skin_zone.any() else 2.0, 1.0, 5.0))
    lips += (_grain(rgb.shape[:2], grain) * near_seam)[..., None]
    # Fine vertical lines across both lips, strongest mid-lip: what makes painted lips read as lips.
    lines = _grain((1, rgb.shape[1]), 1.0) if rgb.shape[1] > 1 else np.zeros((1, 1), np.float32)
    lines = cv2.GaussianBlur(lines, (0, 0), sigmaX=max(0.6, box.px(0.006)), sigmaY=0.1)
    lines /= max(float(lines.std()), 1e-3)
    across_lip = np.where(box.y < box.seam, v_up, v_low)
    lips *= (1 + 0.035 * lines * np.sin(np.pi * np.clip(across_lip, 0, 1)))[..., None]
    # Away from the seam the warp moved the person's own lips here: let some of them show through.
    # (The upper lip only: a lower lip under a toothy smile is often squeezed and stretched in pieces.)
    keep = 0.6 * (1 - near_seam) * smoothstep(0.2, 0.5, v_up) * (1 - smoothstep(0.75, 1.0, v_up))
    keep = (keep * (box.y < box.seam))[..., None]  # the outline stays the drawn, smooth one
    return lips * (1 - keep) + rgb * keep


def _lip_likeness(lab: np.ndarray, colours: LipColours) -> np.ndarray:
    """0..1: where each pixel's colour lies between the skin's (0) and the lips' (1)."""
    lip, skin = to_lab(colours.lower), to_lab(colours.skin)
    weights = np.float32([0.5, 1.0, 1.0]) if not colours.grey else np.float32([1.0, 0.0, 0.0])
    axis = (lip - skin) * weights
    span = max(float(axis @ axis), 1.0)
    return np.clip(((lab - skin) * weights) @ (axis / span), 0, 1)


def _arch(across: np.ndarray) -> np.ndarray:
    """A lip's height along the mouth: full in the middle, to nothing at the corners."""
    return np.clip(1 - np.abs(across) ** 2.5, 0, 1) ** 0.6


def _lower_lip_height(likeness: np.ndarray, box: MouthBox) -> float:
    """How tall (eye distances) the lower lip is in the middle, from the seam down: at least what a
    lower lip measures, and as much as the lip colour under the seam reaches (dlib often puts the lower
    points well inside a full lower lip, and the warp stretches the rest of it below them)."""
    below = box.y - box.seam
    band = (below > 0) & (below < MAX_LOWER_LIP) & (np.abs(box.across) < 0.6)
    if not band.any():
        return MIN_LOWER_LIP
    counts = (likeness * band).sum(axis=0)[band.any(axis=0)]  # lip-like pixels under each column
    per_row = float(box.y[1, 0] - box.y[0, 0]) if box.y.shape[0] > 1 else 1.0 / box.unit  # units down a row
    # The fuller columns: where the warp squeezed the lip thin in one place it left it whole in another.
    return float(np.clip(np.percentile(counts, 75) * per_row, MIN_LOWER_LIP, MAX_LOWER_LIP))


def _unlip(rgb: np.ndarray, lab: np.ndarray, likeness: np.ndarray, box: MouthBox, lower_edge: np.ndarray,
           colours: LipColours) -> np.ndarray:
    """Give lip-coloured leftovers on the skin around the redrawn lips (a lower lip stretched by the
    warp beyond where it is drawn) the skin's colour, keeping their light and shade."""
    outside = np.maximum(np.maximum(box.y - lower_edge, box.upper_outer - box.y),
                         (np.abs(box.across) - 1) * (box.right - box.left) / 2)
    zone = (smoothstep(-0.01, 0.02, outside) * (1 - smoothstep(0.14, 0.22, outside))
            * (1 - smoothstep(1.0, 1.15, np.abs(box.across))))
    w = (zone * smoothstep(0.25, 0.6, likeness) * _away_from_edges(rgb.shape[:2], box.px(0.06)))[..., None]
    if not w.any():
        return rgb
    # The skin as it is around them (its light and shade here, not the face's average colour, which
    # would leave a flat, lighter patch): the patch's own surroundings, spread in over it.
    trust = (1 - w[..., 0]) * (likeness < 0.25)
    sigma = max(2.0, box.px(0.06))
    spread = cv2.GaussianBlur(lab * trust[..., None], (0, 0), sigma)
    weight = cv2.GaussianBlur(trust.astype(np.float32), (0, 0), sigma)[..., None]
    skin = np.where(weight > 0.05, spread / np.maximum(weight, 1e-6), to_lab(colours.skin))
    # Mostly its own lightness (its light and shade), the skin's colour.
    fixed = np.concatenate([lab[..., :1] * 0.6 + skin[..., :1] * 0.4, skin[..., 1:]], -1)
    back = cv2.cvtColor((lab * (1 - w) + fixed * w).astype(np.float32), cv2.COLOR_LAB2RGB) * 255.0
    return np.where(w > 0, back, rgb)


def _away_from_edges(shape: tuple[int, int], reach: float) -> np.ndarray:
    """0 at the box's edges rising to 1 `reach` pixels in: a change that stops at the box's edge would
    show as a straight line on the skin."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    inside = np.minimum(np.minimum(xs, w - 1 - xs), np.minimum(ys, h - 1 - ys))
    return smoothstep(0.0, max(reach, 1.0), inside)


def _detail(rgb: np.ndarray, unit: float) -> np.ndarray:
    """The fine texture of a patch (pores, lip lines, grain): its luminance less a blur of it."""
    grey = rgb.mean(axis=2)
    return grey - cv2.GaussianBlur(grey, (0, 0), max(0.8, 0.02 * unit))


_NOISE: list[np.ndarray] = []


def _grain(shape: tuple[int, int], strength: float) -> np.ndarray:
    """Fixed fine noise (the same every frame of an animation), so painted areas are not too smooth."""
    if not _NOISE:
        noise = cv2.GaussianBlur(np.random.default_rng(7).normal(0.0, 1.0, (256, 256)).astype(np.float32), (0, 0), 0.7)
        _NOISE.append(noise / float(noise.std()))
    h, w = shape
    tile = _NOISE[0]
    if h > tile.shape[0] or w > tile.shape[1]:
        tile = np.tile(tile, (h // tile.shape[0] + 1, w // tile.shape[1] + 1))
    return tile[:h, :w] * np.float32(strength)
