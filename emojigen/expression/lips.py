"""Lips, mouth openings and teeth drawn from the 68 landmarks, in the person's own colours.

Everything is computed in a box around the mouth, in the face's own frame (unit = eye distance, y down
the face): each contour of the lips is a smooth curve y(x) through its landmarks, so for every pixel
we know how far it lies across a lip, from the seam, or down an opening, and shade it from that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

UPPER_OUTER = [48, 49, 50, 51, 52, 53, 54]
LOWER_OUTER = [48, 59, 58, 57, 56, 55, 54]
INNER_TOP = [60, 61, 62, 63, 64]
INNER_BOTTOM = [60, 67, 66, 65, 64]
# Where the gaps between teeth fall, in eye distances either side of the middle: central and lateral
# incisors, canines, then premolars foreshortened as the arch turns away.
TOOTH_EDGES = (0.0, 0.135, 0.235, 0.315, 0.375, 0.43)
# A closed lower lip's height in the middle, eye distances (a real one is about 0.12-0.16).
MIN_LOWER_LIP, MAX_LOWER_LIP = 0.11, 0.2


@dataclass(frozen=True)
class LipColours:
    upper: np.ndarray  # (3,) float RGB
    lower: np.ndarray
    skin: np.ndarray
    grey: bool  # a black-and-white photo: nothing painted may add colour


@dataclass
class MouthBox:
    """A box of pixels around the mouth and, for each pixel, its place in the face frame and the
    height of every lip contour at its column (all in eye distances)."""

    x0: int
    y0: int
    x1: int
    y1: int
    unit: float
    x: np.ndarray  # (h, w) across the face
    y: np.ndarray  # (h, w) down the face
    upper_outer: np.ndarray
    lower_outer: np.ndarray
    inner_top: np.ndarray
    inner_bottom: np.ndarray
    seam: np.ndarray  # where closed lips meet: from corner to corner through the inner points
    left: float  # outer mouth corners, across the face
    right: float
    inner_left: float
    inner_right: float
    centre: float  # the middle of the mouth, across

    @property
    def across(self) -> np.ndarray:
        """-1 at the left corner, 0 in the middle, 1 at the right corner."""
        return (self.x - self.centre) / max((self.right - self.left) / 2, 1e-3)

    def px(self, units: float) -> float:
        return units * self.unit

    def around(self, where: np.ndarray) -> MouthBox:
        """The smaller box holding the pixels where `where` is true (work only where there is work)."""
        rows, cols = np.flatnonzero(where.any(axis=1)), np.flatnonzero(where.any(axis=0))
        if len(rows) == 0:
            return self
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        cut = {name: getattr(self, name)[r0:r1, c0:c1] for name in
               ("x", "y", "upper_outer", "lower_outer", "inner_top", "inner_bottom", "seam")}
        return replace(self, x0=self.x0 + c0, y0=self.y0 + r0, x1=self.x0 + c1, y1=self.y0 + r1, **cut)


def mouth_box(landmarks: np.ndarray, frame: FaceFrame, shape: tuple[int, ...], pad: float = 0.18,
              below: float = 0.12) -> MouthBox:
    """The box around the lips, `pad` eye distances wider on every side and `below` more underneath."""
    local = frame.to_local(landmarks)
    lo = local[48:68].min(axis=0) - pad
    hi = local[48:68].max(axis=0) + [pad, pad + below]
    corners = frame.to_image(np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]]))
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, [w, h])
    x0, y0, x1, y1 = int(x0), int(y0), int(max(x1, x0 + 1)), int(max(y1, y0 + 1))
    gx = (np.arange(x0, x1, dtype=np.float32) - np.float32(frame.origin[0]))[None, :]
    gy = (np.arange(y0, y1, dtype=np.float32) - np.float32(frame.origin[1]))[:, None]
    (ax, ay), (bx, by) = (frame.x_axis / frame.unit).astype(np.float32), (frame.y_axis / frame.unit).astype(np.float32)
    x, y = gx * ax + gy * ay, gx * bx + gy * by

    seam_points = np.concatenate([local[[48]], (local[[61, 62, 63]] + local[[67, 66, 65]]) / 2, local[[54]]])
    return MouthBox(
        x0, y0, x1, y1, frame.unit, x, y,
        _curve_at(local[UPPER_OUTER], x), _curve_at(_smoothed(local[LOWER_OUTER], 0.4), x),
        _curve_at(local[INNER_TOP], x), _curve_at(local[INNER_BOTTOM], x),
        _curve_at(_smoothed(seam_points, 0.4), x),
        float(local[48, 0]), float(local[54, 0]), float(local[60, 0]), float(local[64, 0]),
        float((local[62, 0] + local[66, 0]) / 2),
    )


def _smoothed(points: np.ndarray, amount: float) -> np.ndarray:
    """Pull each inner point's height towards its neighbours': moved landmarks can zigzag, lips do not."""
    out = points.copy()
    out[1:-1, 1] += amount * ((points[:-2, 1] + points[2:, 1]) / 2 - points[1:-1, 1])
    return out


def _curve_at(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A Catmull-Rom curve through `points` (left to right), as y at each x (clamped at the ends)."""
    p = np.concatenate([points[:1], points, points[-1:]])
    s = np.linspace(0, 1, 9)[:-1, None]
    pieces = []
    for i in range(1, len(p) - 2):
        a, b, c, d = p[i - 1], p[i], p[i + 1], p[i + 2]
        pieces.append(0.5 * (2 * b + (c - a) * s + (2 * a - 5 * b + 4 * c - d) * s**2 + (3 * b - a - 3 * c + d) * s**3))
    pieces.append(points[-1:])
    curve = np.concatenate(pieces)
    xs = np.maximum.accumulate(curve[:, 0])  # a curve that doubles back near a corner: keep it a function
    return np.interp(x, xs, curve[:, 1]).astype(np.float32)


def smoothstep(edge0: float, edge1: float, v: np.ndarray) -> np.ndarray:
    t = np.clip((v - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _inside(distance_px: np.ndarray, soft_px: float) -> np.ndarray:
    """Coverage of a pixel `distance_px` inside an edge (negative: outside), blurred over `soft_px`."""
    return np.clip(0.5 + distance_px / max(soft_px, 0.5), 0.0, 1.0)


_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]], np.float32) / np.array([[0.950456], [1.0], [1.088754]],
                                                                                np.float32)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (L 0..100, a and b about 0) of RGB pixels (N, 3): through OpenCV's 8-bit tables for many
    pixels, in numpy for a few (OpenCV's fixed cost per call is larger than the work then)."""
    pixels = np.clip(np.asarray(rgb, np.float32).reshape(-1, 3), 0, 255)
    if len(pixels) > 512:
        lab = cv2.cvtColor(pixels.round().astype(np.uint8)[:, None], cv2.COLOR_RGB2LAB).reshape(-1, 3)
        return lab.astype(np.float32) * np.float32([100 / 255, 1, 1]) - np.float32([0, 128, 128])
    c = pixels / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = linear @ _RGB_TO_XYZ.T
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], -1).astype(np.float32)


def _robust_lip_colour(pixels: np.ndarray, lab: np.ndarray) -> np.ndarray | None:
    """The typical colour of lip pixels (and their Lab), leaving out what is not lip: teeth (brighter
    and greyer), gaps and the seam (much darker), a highlight."""
    if len(pixels) < 6:
        return None
    mid = np.median(lab, axis=0)
    teeth = (lab[:, 0] > mid[0] + 9) & (lab[:, 1] < 0.6 * mid[1] + 1.0)
    keep = ~teeth & (lab[:, 0] > 0.6 * mid[0]) & (lab[:, 0] < mid[0] + 15)
    chosen, lum = (pixels[keep], lab[keep, 0]) if keep.sum() >= 4 else (pixels, lab[:, 0])
    # The lit surface of the lip, not the shadows at its edges and seam.
    lit = (lum >= np.percentile(lum, 55)) & (lum <= np.percentile(lum, 92))
    return chosen[lit].astype(np.float32).mean(axis=0) if lit.sum() >= 2 else np.median(chosen, axis=0)


def sample_colours(image: np.ndarray, box: MouthBox) -> LipColours:
    """The person's lip and skin colours, from the outer part of each lip (away from teeth and seam)."""
    rgb = image[box.y0:box.y1, box.x0:box.x1, :3].astype(np.float32)
    lab = _lab(rgb).reshape(rgb.shape)
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


def _teeth_like(lab: np.ndarray, lip: np.ndarray) -> np.ndarray:
    return (lab[..., 0] > lip[0] + 9) & (lab[..., 1] < 0.6 * lip[1] + 1.0)


def shows_teeth(image: np.ndarray, box: MouthBox, colours: LipColours | None = None) -> float:
    """Share of the opening between the inner lips that looks like teeth (brighter and greyer than lips)."""
    opening = (box.y > box.inner_top) & (box.y < box.inner_bottom) & (box.x > box.inner_left) & (
        box.x < box.inner_right)
    if opening.sum() < 4:
        return 0.0
    colours = sample_colours(image, box) if colours is None else colours
    lip = _lab(((colours.upper + colours.lower) / 2)[None])[0]
    return float(_teeth_like(_lab(image[box.y0:box.y1, box.x0:box.x1, :3][opening]), lip).mean())


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


def teeth_colour(colours: LipColours) -> np.ndarray:
    """Teeth as lit as the face: brighter than the skin, off-white (neutral in a grey photo)."""
    level = float(np.clip(colours.skin.max() * 1.05 + 48, 190, 242))
    tint = np.ones(3, np.float32) if colours.grey else np.array([1.0, 0.97, 0.92], np.float32)
    return level * tint


def cavity_colour(colours: LipColours) -> np.ndarray:
    """The back of the mouth: the lips' own hue, very dark."""
    return colours.lower * 0.3 + 4


def draw_closed_lips(image: np.ndarray, box: MouthBox, colours: LipColours) -> np.ndarray:
    """Redraw a closed mouth: both lips shaded as rounded forms, a seam where they meet, the lower lip's
    shadow on the chin, the photo's own texture kept, edges feathered into the skin."""
    rgb = image[box.y0:box.y1, box.x0:box.x1, :3].astype(np.float32)
    across = box.across
    sides = np.abs(across)
    middle = 1 - smoothstep(0.4, 1.0, sides)  # 1 in the middle, 0 at the corners
    lab = _lab(rgb.reshape(-1, 3)).reshape(rgb.shape)
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

    # Shadows on the skin: under the lower lip, strongest in the middle, and in the mouth's corners.
    below = box.y - lower_edge
    shadow = 0.1 * min(fullness, 1.2) * smoothstep(-0.02, 0.02, below) * (1 - smoothstep(0.02, 0.1, below)) * middle
    corner = np.minimum(np.hypot(box.x - box.left, box.y - box.seam), np.hypot(box.x - box.right, box.y - box.seam))
    shadow = np.maximum(shadow, 0.12 * np.exp(-((corner / 0.03) ** 2)))
    base = rgb * (1 - shadow)[..., None]

    upper = colours.upper * (0.88 + 0.12 * smoothstep(0.0, 0.8, v_up))[..., None]
    # The lower lip faces up into the light from the seam on, and turns away towards its lower edge.
    lift = np.exp(-(((v_low - 0.3) / 0.35) ** 2)) * middle
    low_shade = 0.93 + 0.07 * fullness * lift - 0.12 * smoothstep(0.65, 1.0, v_low)
    lower = colours.lower * low_shade[..., None]
    shine = (0.04 * fullness * np.exp(-(((v_low - 0.35) / 0.15) ** 2)) * np.exp(-((across / 0.3) ** 2)))[..., None]
    lower = lower + (colours.skin.max() * 1.1 - lower) * shine
    which = _inside(box.px(1) * (box.y - box.seam), 1.0)[..., None]
    lips = upper * (1 - which) + lower * which
    lips *= (1 - 0.15 * smoothstep(0.55, 1.0, sides))[..., None]  # the corners turn in, darker

    # The seam: a thin dark line, more on the upper lip's side (it overhangs), fading out at the corners.
    thin = box.px(float(min(np.median(low_thick[centre]), np.median(up_thick[centre])))) if centre.any() else 4.0
    width = max(0.8, min(box.px(0.01), 0.15 * thin))
    d = box.px(1) * (box.y - box.seam) + 0.3 * width
    halo = min(3.5 * width, 0.3 * thin + 0.5) * np.where(d < 0, 1.0, 0.4)  # the shadow falls from the upper lip
    seam = np.exp(-((d / width) ** 2)) * 0.3 + np.exp(-((d / halo) ** 2)) * 0.12
    seam = (seam * (1 - smoothstep(0.75, 1.0, sides)))[..., None]
    # Darkening keeps the lips' hue and deepens it (shadowed lips are redder, not greyer).
    deep = np.array([1.0, 1.15, 1.1], np.float32) if not colours.grey else np.ones(3, np.float32)
    lips *= 1 - seam * deep

    # Keep the photo's texture on the lips, but not the crushed remains of what was between them; fill
    # in with grain as fine as the skin's.
    skin_detail = _detail(rgb, box.unit)
    near_seam = np.exp(-(((box.y - box.seam) / max(0.03, 0.35 * float(np.median(low_thick)))) ** 2))
    lips += (np.clip(skin_detail, -10, 10) * (1 - near_seam))[..., None]
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
    lips = lips * (1 - keep) + rgb * keep

    alpha = (_inside(box.px(1) * (box.y - box.upper_outer + 0.01), max(1.0, box.px(0.025)))
             * _inside(box.px(1) * (lower_edge + 0.02 - box.y), max(1.5, box.px(0.05)))
             * (1 - smoothstep(0.93, 1.03, sides)))
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.5, box.px(0.006)))[..., None]
    return _put(image, box, base * (1 - alpha) + lips * alpha)


def _lip_likeness(lab: np.ndarray, colours: LipColours) -> np.ndarray:
    """0..1: where each pixel's colour lies between the skin's (0) and the lips' (1)."""
    lip, skin = _lab(colours.lower[None])[0], _lab(colours.skin[None])[0]
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
    zone = smoothstep(-0.01, 0.02, outside) * (1 - smoothstep(0.14, 0.22, outside)) * (np.abs(box.across) < 1.15)
    w = (zone * smoothstep(0.25, 0.6, likeness))[..., None]
    if not w.any():
        return rgb
    skin = _lab(colours.skin[None])[0]
    fixed = np.concatenate([lab[..., :1] * 0.3 + skin[0] * 0.7, np.broadcast_to(skin[1:], lab[..., 1:].shape)], -1)
    back = cv2.cvtColor((lab * (1 - w) + fixed * w).astype(np.float32), cv2.COLOR_LAB2RGB) * 255.0
    return np.where(w > 0, back, rgb)


def draw_opening(image: np.ndarray, box: MouthBox, colours: LipColours, teeth: float,
                 clean: bool = False) -> np.ndarray:
    """Paint the inside of an open mouth between the inner lips: a dark cavity, darkest at the back and
    under the upper lip, a tongue low in a wide opening, and `teeth` (0..1) of upper (and, wide open,
    lower) teeth following the lips' curve: a little is the edge of the front teeth in the shadow of
    the upper lip, 1 a laugh's full row. `clean`: the mouth was open before, so what is left of its
    old inside around the new opening (teeth, dark gaps dragged along by the warp) gets lip colour."""
    box = box.around((box.y > box.inner_top - 0.09) & (box.y < box.inner_bottom + 0.09)
                     & (box.x > box.left - 0.03) & (box.x < box.right + 0.03))
    rgb = image[box.y0:box.y1, box.x0:box.x1, :3].astype(np.float32)
    if clean:
        rgb = _clean_rim(rgb, box, colours)
    top, bottom = box.inner_top, np.maximum(box.inner_bottom, box.inner_top)
    height = bottom - top  # the opening at each column, eye distances
    half = max((box.inner_right - box.inner_left) / 2, 1e-3)
    mid_x = (box.inner_left + box.inner_right) / 2
    across = (box.x - mid_x) / half
    off = np.abs(box.x - mid_x)  # eye distances from the middle
    middle = np.sqrt(np.clip(1 - across**2, 0, 1))
    gap = float(height.max())
    depth = np.clip((box.y - top) / np.maximum(height, 1e-3), 0, 1)  # 0 under the upper lip, 1 on the lower

    dark = cavity_colour(colours)
    # Darkest in the upper lip's shadow and at the sides; the back of the mouth a little lighter.
    light = (0.45 + 0.55 * smoothstep(0.15, 0.7, depth)) * (0.55 + 0.45 * middle)
    fill = dark * light[..., None]
    k = min(max(teeth, 0.0), 1.0)
    if gap > 0.15:
        # Low and dim, in the mouth's shadow: a tongue as bright as the lips would read as a lip.
        tongue_top = bottom - (0.22 + 0.1 * smoothstep(0.15, 0.4, gap)) * height
        rounded = tongue_top + 0.3 * height * (across / 0.7) ** 2  # a hump, lower towards the sides
        tongue = _inside(box.px(1) * (box.y - rounded), max(1.5, box.px(0.04))) * (np.abs(across) < 0.9)
        front = smoothstep(0.0, 1.0, (box.y - rounded) / np.maximum(bottom - rounded, 1e-3))
        tongue_rgb = colours.lower * 0.6 * (0.35 + 0.35 * front * middle + 0.1 * middle)[..., None]
        t = (tongue * smoothstep(0.15, 0.25, gap))[..., None]
        fill = fill * (1 - t) + tongue_rgb * t

    if k > 0:
        enamel = teeth_colour(colours)
        shadowed = dark * 1.5
        # A hint shows only the front teeth, dimmer, in the upper lip's shadow.
        span = max(min(0.48, 0.95 * half) * (0.25 + 0.75 * k), 1e-3)
        length = min(1.0, 1.5 * k) * k * min(0.13, 0.45 * gap) * np.clip(1 - (off / span) ** 2, 0, 1) ** 0.35
        edge = top + length  # the biting edge follows the upper lip's curve, shorter towards the sides
        upper_teeth = _inside(box.px(1) * (edge - box.y), max(1.0, box.px(0.01))) * (length > 0)
        down = np.clip((box.y - top) / np.maximum(length, 1e-3), 0, 1)
        lit = (0.25 + 0.75 * np.exp(-((off / 0.34) ** 2))) * (0.3 + 0.7 * k)
        lit = lit * (0.7 + 0.3 * smoothstep(0.0, 0.45, down)) * _tooth_faces(box, mid_x, down)
        teeth_rgb = shadowed + (enamel - shadowed) * lit[..., None]
        translucent = 0.22 * smoothstep(0.8, 1.0, down)[..., None]  # the biting edge
        teeth_rgb = teeth_rgb * (1 - translucent) + fill * translucent
        a = upper_teeth[..., None]
        fill = fill * (1 - a) + teeth_rgb * a
        if gap > 0.2 and k > 0.5:
            low_span = min(0.24, 0.5 * half)
            low_len = k * min(0.035, 0.12 * gap) * np.clip(1 - (off / low_span) ** 2, 0, 1) ** 0.5
            lower_teeth = _inside(box.px(1) * (box.y - (bottom - low_len)), max(1.0, box.px(0.01))) * (low_len > 0)
            up_low = np.clip((bottom - box.y) / np.maximum(low_len, 1e-3), 0, 1)  # 1 at their biting edge
            low_lit = 0.8 * np.exp(-((off / 0.2) ** 2)) * _tooth_faces(box, mid_x, up_low, narrow=0.7)
            low_rgb = shadowed + (enamel - shadowed) * (low_lit * (0.75 + 0.25 * up_low))[..., None]
            a = lower_teeth[..., None]
            fill = fill * (1 - a) + low_rgb * a

    soft = max(1.2, box.px(0.012))
    alpha = (_inside(box.px(1) * (box.y - top), soft) * _inside(box.px(1) * (bottom - box.y), soft)
             * _inside(box.px(1) * (box.x - box.inner_left), 1.0) * _inside(box.px(1) * (box.inner_right - box.x), 1.0))
    # The lips' inner faces, turning into the mouth, are darker than their fronts.
    rim = np.exp(-((np.minimum(np.abs(box.y - top), np.abs(box.y - bottom)) / 0.025) ** 2)) * (1 - alpha)
    lips_zone = (box.y > box.upper_outer) & (box.y < box.lower_outer)
    base = rgb * (1 - 0.2 * rim * lips_zone)[..., None]
    a = alpha[..., None]
    return _put(image, box, base * (1 - a) + fill * a)


def _clean_rim(rgb: np.ndarray, box: MouthBox, colours: LipColours) -> np.ndarray:
    """Teeth and dark gaps just outside the inner lip contour, within the lips, filled in from the lip
    around them (a thin rim: filling it from its edges keeps the lips' own shading)."""
    lip = _lab(((colours.upper + colours.lower) / 2)[None])[0]
    lab = _lab(rgb.reshape(-1, 3)).reshape(rgb.shape)
    junk = _teeth_like(lab, lip) | (lab[..., 0] < 0.7 * lip[0])
    grow = 0.06
    inner = (box.y > box.inner_top) & (box.y < box.inner_bottom) & (box.x > box.inner_left) & (box.x < box.inner_right)
    near = ((box.y > box.inner_top - grow) & (box.y < box.inner_bottom + grow) & (box.x > box.left)
            & (box.x < box.right) & (box.y > box.upper_outer) & (box.y < box.lower_outer) & junk)
    # The inside is painted over anyway: lip colour there keeps teeth from bleeding into the rim.
    mid = (box.inner_top + box.inner_bottom) / 2
    lips = np.where((box.y < mid)[..., None], colours.upper, colours.lower)
    rgb = np.where(inner[..., None], lips, rgb)
    mask = cv2.dilate((near & ~inner).astype(np.uint8), np.ones((3, 3), np.uint8))
    if not mask.any():
        return rgb
    filled = cv2.inpaint(np.clip(rgb, 0, 255).astype(np.uint8), mask, 2, cv2.INPAINT_TELEA).astype(np.float32)
    return np.where(mask[..., None] > 0, filled * 0.85, rgb)  # the lips' inner faces are in shadow


def _tooth_faces(box: MouthBox, mid_x: float, down: np.ndarray, narrow: float = 1.0) -> np.ndarray:
    """Brightness across a row of teeth: each tooth's rounded face a little brighter in its middle, a
    faint line where neighbours meet, deepening into a notch at the biting edge."""
    edges = np.array(TOOTH_EDGES) * narrow
    offset = np.abs(box.x - mid_x)
    i = np.clip(np.searchsorted(edges, offset) - 1, 0, len(edges) - 2)
    left, right = edges[i], edges[i + 1]
    within = np.clip((offset - left) / np.maximum(right - left, 1e-3), 0, 1)  # 0..1 across one tooth
    rounded = 1 - 0.1 * (2 * within - 1) ** 2
    line_width = max(0.4, box.px(0.004)) / box.unit
    to_gap = np.minimum(offset - left, right - offset)
    gap = np.exp(-((to_gap / line_width) ** 2)) * (0.06 + 0.22 * smoothstep(0.75, 1.0, down))
    return rounded * (1 - gap)


def fill_inside(image: np.ndarray, box: MouthBox, colours: LipColours, with_lips: bool) -> np.ndarray:
    """Cover what lies between the lips (teeth, tongue) with lip colour (for a mouth about to close) or a
    dark cavity (for one that keeps open); teeth and dark gaps showing a little past the inner points,
    which dlib puts on the teeth rather than at the lips' edge, are covered with lip either way."""
    grow = 0.05
    box = box.around((box.y > box.inner_top - grow - 0.03) & (box.y < box.inner_bottom + grow + 0.03)
                     & (box.x > box.left - 0.05) & (box.x < box.right + 0.05))
    rgb = image[box.y0:box.y1, box.x0:box.x1, :3].astype(np.float32)
    if not with_lips:
        # The mouth stays open: its rim filled in from the lips around it (flat colour there would be
        # stretched by the warp into a painted band), its inside dark.
        inner = ((box.y > box.inner_top) & (box.y < box.inner_bottom) & (box.x > box.inner_left)
                 & (box.x < box.inner_right)).astype(np.float32)
        inner = cv2.GaussianBlur(inner, (0, 0), max(0.6, box.px(0.008)))[..., None]
        return _put(image, box, _clean_rim(rgb, box, colours) * (1 - inner) + cavity_colour(colours) * inner)
    lip = _lab(((colours.upper + colours.lower) / 2)[None])[0]
    lab = _lab(rgb.reshape(-1, 3)).reshape(rgb.shape)
    # Teeth, and the dark gaps beside them (a smile's dark corners too), within the lips.
    junk = _teeth_like(lab, lip) | (lab[..., 0] < 0.6 * lip[0])
    inner = ((box.y > box.inner_top) & (box.y < box.inner_bottom) & (box.x > box.inner_left)
             & (box.x < box.inner_right)).astype(np.float32)
    near = ((box.y > box.inner_top - grow) & (box.y < box.inner_bottom + grow) & (box.x > box.left - 0.02)
            & (box.x < box.right + 0.02) & (box.y > box.upper_outer) & (box.y < box.lower_outer)
            & junk).astype(np.float32)
    sigma = max(0.6, box.px(0.008))
    inner = cv2.GaussianBlur(inner, (0, 0), sigma)
    near = cv2.GaussianBlur(cv2.dilate(near, np.ones((3, 3), np.uint8)), (0, 0), sigma)
    mid = (box.inner_top + box.inner_bottom) / 2
    which = _inside(box.px(1) * (box.y - mid), 2.0)[..., None]
    lips = colours.upper * (1 - which) + colours.lower * which
    out = rgb * (1 - near[..., None]) + lips * near[..., None]
    return _put(image, box, out * (1 - inner[..., None]) + lips * inner[..., None])


def _put(image: np.ndarray, box: MouthBox, rgb: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[box.y0:box.y1, box.x0:box.x1, :3] = np.clip(rgb, 0, 255).round().astype(np.uint8)
    return out
