"""The appearance half of FACS action units: the skin creasing that moving landmarks cannot show.

Each action unit is painted by its own small function, as strokes (creases) and blobs (hollows and
bulges) in the face's own frame (unit = eye distance). They are drawn into a small box as a relief:
a crease is a valley that darkens the person's own skin multiplicatively (ambient occlusion) while its
wall facing the light brightens a little and the other wall darkens, all blurred at a scale
proportional to the face. The result is applied only where the box looks like the skin sampled there,
so hair, eyebrows, glasses frames and background stay untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

APPEARANCE_AUS = ("AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU15", "AU17")
MAX_LEVEL = 2.0  # exaggerated intensities deepen the lines up to here, no further
SHIFT = 3  # subpixel bits for drawing
SCALE = 0.6  # the depth a canvas value of 255 stands for
FINE = 0.011  # blur of a crease's core, eye distances
SOFT = 0.035  # blur of hollows and bulges, eye distances
OCCLUSION = 1.0  # darkening at a crease's core per unit of depth
RELIEF = 1.6  # light and shade on a crease's walls per unit of depth
BULGE = 0.9  # light and shade on a bulge's slopes per unit of height
TEXTURE = 3.0  # how much the skin's own pores and lines deepen a crease running through them
# Skin is kept where its brightness is within these ratios of the skin sampled around the region.
DARK_RATIO = (0.62, 0.8)  # hair, brows, frames, shadows under the hairline are darker
BRIGHT_RATIO = (1.3, 1.55)  # white backgrounds, lens glare
CHROMA_DIST = (0.03, 0.06)  # blond hair, clothes and backgrounds differ in hue


@dataclass(frozen=True)
class _Face:
    frame: FaceFrame  # from the landmarks before the warp: the same size and roll in every frame
    local: np.ndarray  # (68, 2) the landmarks after the warp, in that frame
    light: np.ndarray  # (2,) unit vector in image coordinates pointing towards the light
    skin: np.ndarray  # (3,) float, the cheeks' colour: the reference for "is this skin"


@dataclass(frozen=True)
class _Stroke:
    """A crease along `points`. A fold (one side overhanging the other) also has a `ridge` on `side`."""

    points: np.ndarray  # (n, 2) face frame
    depth: float  # at AU intensity 1
    fade: np.ndarray  # (n,) strength along the line, 0..1 (and the AU's intensity)
    width: float = 0.012  # line thickness, eye distances
    spread: float = 0.3  # broad shadow around the line, relative to depth
    ridge: float = 0.0  # height of the bulge beside the line, relative to depth
    side: tuple[float, float] = (0.0, 0.0)  # face frame direction of that bulge


@dataclass(frozen=True)
class _Blob:
    centre: np.ndarray  # (2,) face frame
    axes: tuple[float, float]  # half lengths along the frame's x and y, eye distances
    shadow: float = 0.0  # a soft hollow: darkening at AU intensity 1
    bump: float = 0.0  # a soft bulge: height at AU intensity 1


Shapes = tuple[list[_Stroke], list[_Blob]]
Painter = Callable[[_Face, Mapping[str, float]], Shapes]


def paint_appearance(image: np.ndarray, before: np.ndarray, after: np.ndarray, aus: Mapping[str, float]) -> np.ndarray:
    """Paint the wrinkles and shading of the action units `aus` (intensities 0..1, more to exaggerate)
    on a face already warped from the landmarks `before` to `after`. Returns a new image."""
    out = image.copy()
    levels = {name: float(np.clip(aus.get(name) or 0.0, 0.0, MAX_LEVEL)) for name in APPEARANCE_AUS}
    if not any(levels.values()):
        return out
    face = _measure(image, before, after)
    if face is None:
        return out
    for painter in PAINTERS:
        strokes, blobs = painter(face, levels)
        if strokes or blobs:
            _apply(out, face, strokes, blobs)
    return out


# --- the action units -------------------------------------------------------------------------


def _forehead(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU1 + AU2: horizontal lines above the brows, following their arch and flattening higher up;
    the inner raiser creases the middle, the outer raiser the sides."""
    inner, outer = levels["AU1"], levels["AU2"]
    if inner <= 0 and outer <= 0:
        return [], []
    p = face.local
    brow = p[17:27]
    order = np.argsort(brow[:, 0])
    half = max(0.5, (p[26, 0] - p[17, 0]) / 2)
    mid = (p[17, 0] + p[26, 0]) / 2
    top = float(brow[:, 1].min())
    rng = np.random.default_rng(1)  # fixed: the same face gets the same lines in every frame
    strokes = []
    # (height above the brows' top, how closely the line follows the arch, from, to (half widths), depth)
    for height, follow, x_from, x_to, depth in ((0.26, 0.75, -0.85, 0.82, 0.2), (0.4, 0.5, -0.78, 0.8, 0.2),
                                                (0.55, 0.3, -0.62, 0.7, 0.14), (0.68, 0.15, -0.3, 0.4, 0.08)):
        n = 25
        u = np.linspace(x_from, x_to, n)
        xs = mid + u * half
        arch = np.interp(xs, brow[order, 0], brow[order, 1])
        arch = np.convolve(np.pad(arch, 2, mode="edge"), np.ones(5) / 5, mode="valid")
        ys = top + follow * (arch - top) - height + 0.018 * _noise(rng, n, 4)
        across = inner * np.exp(-((u / 0.45) ** 2)) + outer * np.exp(-(((np.abs(u) - 0.62) / 0.3) ** 2))
        broken = np.clip(1.2 + 0.9 * _noise(rng, n, 6), 0, 1)  # real lines break and rejoin
        fade = across * _taper(n, 0.7) * broken
        strokes.append(_Stroke(np.stack([xs, ys], axis=1), depth, fade, width=0.013))
    return strokes, []


def _glabella(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU4: two vertical furrows between the inner brow ends, closer together at the bottom, and a
    little shadow at the root of the nose."""
    k = levels["AU4"]
    if k <= 0:
        return [], []
    p = face.local
    a, b = p[21], p[22]
    mid_x = (a[0] + b[0]) / 2
    gap = max(0.12, b[0] - a[0])
    brow_y = (a[1] + b[1]) / 2
    strokes = []
    for side, depth, length in ((-1, 0.24, 1.0), (1, 0.2, 0.85)):
        top = np.array([mid_x + side * 0.34 * gap, brow_y - 0.24 * length])
        bottom = np.array([mid_x + side * 0.22 * gap, brow_y + 0.1])
        pts = _bezier(top, (top + bottom) / 2 + [side * 0.02, 0.0], bottom, 11)
        strokes.append(_Stroke(pts, depth, k * _taper(11, 0.8), width=0.014, spread=0.5))
    root = np.array([mid_x, (brow_y + p[27, 1]) / 2 + 0.03])
    return strokes, [_Blob(root, (0.13, 0.05), shadow=0.06 * k)]


def _eyes(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU6: crow's feet fanning out from the outer eye corners, a crease under each lower lid and the
    raised cheek below it."""
    k = levels["AU6"]
    if k <= 0:
        return [], []
    p = face.local
    rng = np.random.default_rng(6)
    strokes, blobs = [], []
    for side, corner, lower, inner in ((-1, 36, (41, 40), 39), (1, 45, (46, 47), 42)):
        c = p[corner]
        # (angle below the horizontal, degrees; length; start distance; depth)
        for angle, length, start, depth in ((-26, 0.17, 0.12, 0.14), (-5, 0.24, 0.09, 0.2), (17, 0.23, 0.1, 0.18),
                                            (38, 0.17, 0.13, 0.12)):
            t = np.radians(angle + 6 * rng.uniform(-1, 1))
            direction = np.array([side * np.cos(t), np.sin(t)])
            p0 = c + direction * start
            p2 = c + direction * (start + length * rng.uniform(0.85, 1.1))
            pts = _bezier(p0, (p0 + p2) / 2 + [0.0, 0.02 * np.sign(angle)], p2, 9)
            strokes.append(_Stroke(pts, depth, k * _taper(9, 0.6), width=0.011, spread=0.2))
        lid = p[list(lower)].mean(axis=0)
        pts = _bezier(p[inner] + [side * 0.08, 0.09], lid + [0, 0.12], c + [side * 0.03, 0.08], 11)
        strokes.append(_Stroke(pts, 0.12, k * _taper(11), width=0.014, spread=0.4, ridge=0.8, side=(0.0, 1.0)))
        blobs.append(_Blob(np.array([lid[0] + side * 0.08, lid[1] + 0.32]), (0.24, 0.13), bump=0.12 * k))
    return strokes, blobs


def _nose(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU9: short wrinkles across the nose bridge and a slight shadow down the sides of the nose."""
    k = levels["AU9"]
    if k <= 0:
        return [], []
    p = face.local
    axis_x = (p[27, 0] + p[28, 0] + p[29, 0]) / 3
    rng = np.random.default_rng(9)
    strokes, blobs = [], []
    for y, half, depth in ((p[28, 1] - 0.06, 0.1, 0.14), (p[28, 1] + 0.03, 0.13, 0.2),
                           ((p[28, 1] + p[29, 1]) / 2 + 0.03, 0.12, 0.14)):
        xs = axis_x + np.linspace(-half, half, 11)
        ys = y - 0.025 * (1 - ((xs - axis_x) / half) ** 2) + 0.006 * _noise(rng, 11, 3)  # arched over the bridge
        strokes.append(_Stroke(np.stack([xs, ys], axis=1), depth, k * _taper(11, 0.7), width=0.012, spread=0.3))
    for side, wing in ((-1, 31), (1, 35)):
        top = np.array([axis_x + side * 0.12, p[28, 1]])
        bottom = np.array([p[wing, 0] + side * 0.02, p[30, 1] - 0.1])
        blobs.append(_Blob((top + bottom) / 2, (0.05, max(0.08, (bottom[1] - top[1]) / 2)), shadow=0.05 * k))
    return strokes, blobs


def _nasolabial(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU12: deeper nasolabial folds, from beside the nostril wings to past the mouth corners, with the
    cheek bulging over them."""
    k = levels["AU12"]
    if k <= 0:
        return [], []
    p = face.local
    strokes = []
    for side, wing, corner in ((-1, 31, 48), (1, 35, 54)):
        start = p[wing] + [side * 0.13, -0.1]
        end = p[corner] + [side * 0.12, 0.18]
        along = (end - start) / max(np.hypot(*(end - start)), 1e-6)
        cheek = np.array([along[1], -along[0]])
        cheek = cheek if cheek[0] * side > 0 else -cheek
        pts = _bezier(start, (start + end) / 2 + 0.06 * cheek, end, 15)
        fade = k * _taper(15, 0.6) * np.linspace(1.0, 0.5, 15)
        strokes.append(_Stroke(pts, 0.24, fade, width=0.018, spread=0.5, ridge=1.2, side=tuple(cheek)))
    return strokes, []


def _marionette(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU15: short lines and shadow down and out from the pulled-down mouth corners."""
    k = levels["AU15"]
    if k <= 0:
        return [], []
    p = face.local
    strokes, blobs = [], []
    for side, corner in ((-1, 48), (1, 54)):
        c = p[corner]
        start, end = c + [side * 0.04, 0.04], c + [side * 0.1, 0.3]
        pts = _bezier(start, (start + end) / 2 + [side * 0.025, 0.0], end, 11)
        strokes.append(_Stroke(pts, 0.2, k * _taper(11, 0.6), width=0.014, spread=0.5, ridge=0.8, side=(side, -0.2)))
        blobs.append(_Blob(c + [side * 0.02, 0.1], (0.05, 0.07), shadow=0.05 * k))
    return strokes, blobs


def _chin(face: _Face, levels: Mapping[str, float]) -> Shapes:
    """AU17: the chin boss pushed up: a soft crease under the lower lip and light on the chin below."""
    k = levels["AU17"]
    if k <= 0:
        return [], []
    p = face.local
    lip, chin = p[57], p[8]
    centre = lip + 0.32 * (chin - lip)
    half = max(0.15, 0.55 * (p[54, 0] - p[48, 0]) / 2)
    xs = centre[0] + np.linspace(-half, half, 13)
    ys = centre[1] - 0.06 * ((xs - centre[0]) / half) ** 2  # ends curling up, like the chin's outline
    stroke = _Stroke(np.stack([xs, ys], axis=1), 0.14, k * _taper(13, 0.6), width=0.03, spread=0.8)
    boss = lip + 0.68 * (chin - lip)
    return [stroke], [_Blob(boss, (0.2, 0.12), bump=0.15 * k)]


PAINTERS: tuple[Painter, ...] = (_forehead, _glabella, _eyes, _nose, _nasolabial, _marionette, _chin)


# --- shared machinery --------------------------------------------------------------------------


def _measure(image: np.ndarray, before: np.ndarray, after: np.ndarray) -> _Face | None:
    """The face's frame, the skin's colour on the cheeks and where the light comes from."""
    try:
        frame = FaceFrame.from_landmarks(before)
    except ValueError:
        return None
    cheeks = [_patch(image, frame, np.array([side * 0.5, 0.55]), 0.1) for side in (-1, 1)]
    if any(len(c) == 0 for c in cheeks):
        return None
    la, lb = (float(np.median(c.mean(axis=1))) for c in cheeks)
    skin = np.median(np.concatenate(cheeks), axis=0).astype(np.float32)
    # Portraits are lit from above; the brighter cheek says which side the light leans to.
    tilt = float(np.clip(3.0 * (lb - la) / max(la + lb, 1.0), -0.8, 0.8))
    light = frame.x_axis * tilt - frame.y_axis
    return _Face(frame, frame.to_local(after), light / np.hypot(*light), skin)


def _patch(image: np.ndarray, frame: FaceFrame, centre: np.ndarray, radius: float) -> np.ndarray:
    cx, cy = frame.to_image(centre)
    r = max(1, int(radius * frame.unit))
    h, w = image.shape[:2]
    x0, x1 = max(0, int(cx) - r), min(w, int(cx) + r + 1)
    y0, y1 = max(0, int(cy) - r), min(h, int(cy) + r + 1)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 3), np.float32)
    return image[y0:y1, x0:x1, :3].reshape(-1, 3).astype(np.float32)


def _taper(n: int, power: float = 0.8) -> np.ndarray:
    """0 at both ends of a line, 1 in its middle: wrinkles fade out rather than stop."""
    return np.sin(np.linspace(0.0, np.pi, n)) ** power


def _noise(rng: np.random.Generator, n: int, knots: int) -> np.ndarray:
    """Smooth random wobble in -1..1 along n points, through `knots` random values."""
    return np.interp(np.linspace(0, knots - 1, n), np.arange(knots), rng.uniform(-1, 1, knots))


def _bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _apply(out: np.ndarray, face: _Face, strokes: list[_Stroke], blobs: list[_Blob]) -> None:
    """Draw one unit's shapes as a relief in a box around them and shade the skin there, in place."""
    unit = face.frame.unit
    fine, soft = max(0.6, FINE * unit), max(1.5, SOFT * unit)
    box = _box(face, strokes, blobs, int(np.ceil(3 * soft)) + 2, out.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    pixels = out[y0:y1, x0:x1, :3].astype(np.float32)
    mask = _skin_mask(pixels, face.skin)
    if mask is None:
        return
    origin = np.array([x0, y0], np.float64)
    valley = np.zeros((y1 - y0, x1 - x0), np.uint8)
    hollow, ridge = np.zeros_like(valley), np.zeros_like(valley)
    for s in strokes:
        _draw_stroke(valley, hollow, ridge, face, s, origin)
    for b in blobs:
        if b.shadow > 0:
            _draw_blob(hollow, face, b, b.shadow, origin)
        if b.bump > 0:
            _draw_blob(ridge, face, b, b.bump, origin)
    to_depth = SCALE / 255
    valley_f = cv2.GaussianBlur(valley, (0, 0), fine).astype(np.float32) * to_depth
    hollow_f = cv2.GaussianBlur(hollow, (0, 0), soft).astype(np.float32) * to_depth
    ridge_f = cv2.GaussianBlur(ridge, (0, 0), soft).astype(np.float32) * to_depth
    # Light and shade from the relief's slopes (Lambert, relative to flat skin): a valley's far wall
    # faces the light, a bulge's near slope does.
    lx, ly = face.light
    gy, gx = np.gradient(valley_f)
    relief = (gx * lx + gy * ly) * (fine * RELIEF)
    gy, gx = np.gradient(ridge_f)
    relief -= (gx * lx + gy * ly) * (soft * BULGE)
    # A crease crossing the skin's own pores and lines deepens them most: it keeps the skin's texture.
    lum = pixels.mean(axis=2)
    local = cv2.GaussianBlur(lum, (0, 0), 2 * fine)
    texture = 1.0 + TEXTURE * np.clip((local - lum) / np.maximum(local, 1.0), -0.15, 0.25)
    occlusion = (valley_f * OCCLUSION * texture + hollow_f) * mask
    # Skin in shadow looks a little more saturated: channels the skin has less of darken a bit more.
    weights = 1.0 + 0.25 * (1.0 - face.skin / max(float(face.skin.max()), 1.0))
    shade = 1.0 - np.clip(occlusion, 0, 0.9)[..., None] * weights
    shade *= 1.0 + np.clip(relief * mask, -0.5, 0.3)[..., None]
    out[y0:y1, x0:x1, :3] = np.clip(pixels * shade, 0, 255).round().astype(np.uint8)


def _box(face: _Face, strokes: list[_Stroke], blobs: list[_Blob], pad: int,
         shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    corners = [s.points for s in strokes]
    corners += [b.centre + np.array(b.axes) * [[-1, -1], [1, 1], [-1, 1], [1, -1]] for b in blobs]
    pts = face.frame.to_image(np.concatenate(corners))
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + pad, [w, h])
    return (int(x0), int(y0), int(x1), int(y1)) if x1 - x0 >= 3 and y1 - y0 >= 3 else None


def _draw_stroke(valley: np.ndarray, hollow: np.ndarray, ridge: np.ndarray, face: _Face, s: _Stroke,
                 origin: np.ndarray) -> None:
    unit = face.frame.unit
    thick = max(1, int(round(s.width * unit)))
    strength = np.clip(s.depth * s.fade, 0, SCALE) / SCALE * 255
    _polyline(valley, face, s.points, strength, thick, origin)
    if s.spread > 0:
        _polyline(hollow, face, s.points, strength * s.spread, 3 * thick, origin)
    if s.ridge > 0:
        side = np.array(s.side, np.float64) / max(float(np.hypot(*s.side)), 1e-9)
        _polyline(ridge, face, s.points + side * (SOFT + 1.5 * s.width), strength * s.ridge, 3 * thick, origin)


def _polyline(canvas: np.ndarray, face: _Face, pts: np.ndarray, values: np.ndarray, thick: int,
              origin: np.ndarray) -> None:
    """A line whose strength varies along it: each segment drawn with its mean value."""
    image_pts = np.round((face.frame.to_image(pts) - origin) * (1 << SHIFT)).astype(np.int32)
    for i in range(len(pts) - 1):
        value = int(min(255, (values[i] + values[i + 1]) / 2))
        if value > 0:
            cv2.line(canvas, tuple(image_pts[i]), tuple(image_pts[i + 1]), value, thick, cv2.LINE_AA, SHIFT)


def _draw_blob(canvas: np.ndarray, face: _Face, b: _Blob, amount: float, origin: np.ndarray) -> None:
    unit = face.frame.unit
    centre = np.round((face.frame.to_image(b.centre) - origin) * (1 << SHIFT)).astype(np.int32)
    axes = (max(1, int(b.axes[0] * unit * (1 << SHIFT))), max(1, int(b.axes[1] * unit * (1 << SHIFT))))
    value = int(min(255, amount / SCALE * 255))
    if value > 0:
        cv2.ellipse(canvas, tuple(centre), axes, face.frame.roll_degrees, 0, 360, value, -1, cv2.LINE_AA, SHIFT)


def _skin_mask(box: np.ndarray, reference: np.ndarray) -> np.ndarray | None:
    """1 on skin like that sampled in the box, fading to 0 on hair, brows, frames and background; None
    where the box holds too little skin to trust (a forehead under a fringe)."""
    loose = _likeness(box, reference, widen=1.4)
    if (loose > 0.5).mean() < 0.2:
        return None
    sample = np.median(box[loose > 0.5], axis=0)
    return _likeness(box, sample, widen=1.0)


def _likeness(box: np.ndarray, sample: np.ndarray, widen: float) -> np.ndarray:
    total = box.sum(axis=2) + 1e-3
    sample_total = max(float(sample.sum()), 1e-3)
    ratio = total / sample_total
    chroma = np.abs(box / total[..., None] - sample / sample_total).max(axis=2)
    keep = _step(ratio, DARK_RATIO[0] / widen, DARK_RATIO[1] / widen)
    keep *= 1 - _step(ratio, BRIGHT_RATIO[0] * widen, BRIGHT_RATIO[1] * widen)
    keep *= 1 - _step(chroma, CHROMA_DIST[0] * widen, CHROMA_DIST[1] * widen)
    return keep.astype(np.float32)


def _step(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0, 1)
    return t * t * (3 - 2 * t)
