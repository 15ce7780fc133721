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
from functools import lru_cache

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

APPEARANCE_AUS = ("AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU15", "AU17")
MAX_LEVEL = 2.0  # exaggerated intensities deepen the lines up to here, no further
SHIFT = 3  # subpixel bits for drawing
SCALE = 0.6  # the depth a canvas value of 255 stands for
FINE = 0.011  # blur of a crease's core, eye distances
SOFT = 0.035  # blur of hollows and bulges, eye distances
OCCLUSION = 0.5  # darkening at a crease's core per unit of depth
RELIEF = 2.4  # light and shade on a crease's walls per unit of depth
BULGE = 0.9  # light and shade on a bulge's slopes per unit of height
BLOB_REACH = 1.3  # a blob's Gaussian is cut to zero this many half-axes from its centre
BLOB_CUT = float(np.exp(-0.5 * (2 * BLOB_REACH) ** 2))
TEXTURE = 3.0  # how much the skin's own pores and lines deepen a crease running through them
# Skin is kept where its brightness is within these ratios of the skin sampled around the region.
DARK_RATIO = (0.62, 0.8)  # hair, brows, frames, shadows under the hairline are darker
BRIGHT_RATIO = (1.45, 1.75)  # white backgrounds, lens glare
CHROMA_DIST = (0.03, 0.06)  # blond hair, clothes and backgrounds differ in hue
# Inside the face there is no hair or background: only nostrils are that much darker, only the skin's own
# shine that much brighter; skin in shadow is more saturated, and its existing creases are to be deepened.
INNER_DARK_RATIO = (0.4, 0.6)
INNER_BRIGHT_RATIO = (2.2, 2.8)
INNER_CHROMA_DIST = (0.05, 0.09)


# Forehead lines: (height above the brows' top, how closely the line follows the arch, from, to (in half
# brow spans), depth at AU intensity 1).
FOREHEAD_LINES = ((0.26, 0.75, -0.85, 0.82, 0.14), (0.4, 0.5, -0.78, 0.8, 0.14), (0.55, 0.3, -0.62, 0.7, 0.1),
                  (0.68, 0.15, -0.3, 0.4, 0.06))
# Crow's feet: (angle below the horizontal, degrees; length; start distance from the corner; depth).
CROWS_FEET = ((-26, 0.17, 0.12, 0.14), (-5, 0.24, 0.09, 0.2), (17, 0.23, 0.1, 0.18), (38, 0.17, 0.13, 0.12))


def _wobble(rng: np.random.Generator, n: int, knots: int) -> np.ndarray:
    """Smooth random wobble in -1..1 along n points, through `knots` random values."""
    return np.interp(np.linspace(0, knots - 1, n), np.arange(knots), rng.uniform(-1, 1, knots))


# Irregularities drawn once, with a fixed seed: the same face creases the same way in every frame.
_rng = np.random.default_rng(1)
_FOREHEAD_WOBBLE = tuple((0.025 * _wobble(_rng, 15, 5), np.clip(1.0 + 1.3 * _wobble(_rng, 15, 7), 0, 1))
                         for _ in FOREHEAD_LINES)  # lines waver, and break and rejoin
_CROWS_FEET_JITTER = tuple(tuple((6 * _rng.uniform(-1, 1), _rng.uniform(0.85, 1.1)) for _ in CROWS_FEET)
                           for _side in range(2))
_NOSE_WOBBLE = tuple(0.008 * _wobble(_rng, 7, 3) for _ in range(3))
del _rng


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
    ridge: float = 0.0  # height of the bulge beside the line, relative to depth
    side: tuple[float, float] = (0.0, 0.0)  # face frame direction of that bulge


@dataclass(frozen=True)
class _Blob:
    centre: np.ndarray  # (2,) face frame
    axes: tuple[float, float]  # half lengths along the frame's x and y, eye distances
    shadow: float = 0.0  # a soft hollow: darkening at AU intensity 1
    bump: float = 0.0  # a soft bulge: height at AU intensity 1


@dataclass(frozen=True)
class _Shapes:
    strokes: list[_Stroke]
    blobs: list[_Blob]
    spread: float = 0.3  # broad shadow around the lines, relative to their depth
    sample: tuple[float, float, float] | None = None  # (x, y, radius) where to sample the skin; None: all around
    inner: bool = True  # inside the face, away from hair and background: the skin's shine is skin too

    @property
    def ridge_drawn(self) -> bool:
        return any(s.ridge > 0 for s in self.strokes)


Painter = Callable[[_Face, Mapping[str, float]], list[_Shapes]]


def paint_appearance(image: np.ndarray, before: np.ndarray, after: np.ndarray, aus: Mapping[str, float]) -> np.ndarray:
    """Paint the wrinkles and shading of the action units `aus` (intensities 0..1, more to exaggerate;
    keys not in APPEARANCE_AUS are ignored) on a face already warped from the landmarks `before` to
    `after` (68 dlib points, image pixels). Returns a new image; with no intensity above 0, a copy."""
    out = image.copy()
    levels = {name: float(np.clip(np.nan_to_num(aus.get(name) or 0.0), 0.0, MAX_LEVEL)) for name in APPEARANCE_AUS}
    if not any(levels.values()):
        return out
    face = _measure(image, before, after)
    if face is None:
        return out
    for painter in PAINTERS:
        for shapes in painter(face, levels):
            _apply(out, face, shapes)
    return out


# --- the action units -------------------------------------------------------------------------


def _forehead(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU1 + AU2: horizontal lines above the brows, following their arch and flattening higher up;
    the inner raiser creases the middle, the outer raiser the sides."""
    inner, outer = levels["AU1"], levels["AU2"]
    if inner <= 0 and outer <= 0:
        return []
    p = face.local
    brow = p[17:27]
    order = np.argsort(brow[:, 0])
    half = max(0.5, (p[26, 0] - p[17, 0]) / 2)
    mid = (p[17, 0] + p[26, 0]) / 2
    top = float(brow[:, 1].min())
    strokes = []
    for (height, follow, x_from, x_to, depth), (wobble, broken) in zip(FOREHEAD_LINES, _FOREHEAD_WOBBLE, strict=True):
        u = np.linspace(x_from, x_to, len(wobble))
        xs = mid + u * half
        arch = np.interp(xs, brow[order, 0], brow[order, 1])
        arch = np.convolve(np.pad(arch, 2, mode="edge"), np.ones(5) / 5, mode="valid")
        ys = top + follow * (arch - top) - height + wobble
        across = inner * np.exp(-((u / 0.45) ** 2)) + outer * np.exp(-(((np.abs(u) - 0.62) / 0.3) ** 2))
        fade = across * _taper(len(u), 0.7) * broken
        strokes.append(_Stroke(np.stack([xs, ys], axis=1), depth, fade, width=0.013, ridge=0.6, side=(0.0, 1.0)))
    # The forehead's own skin, just above the brows between them: below any fringe.
    return [_Shapes(strokes, [], sample=(mid, top - 0.1, 0.07), inner=False)]


def _glabella(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU4: two vertical furrows between the inner brow ends, closer together at the bottom, and a
    little shadow at the root of the nose."""
    k = levels["AU4"]
    if k <= 0:
        return []
    p = face.local
    a, b = p[21], p[22]
    mid_x = (a[0] + b[0]) / 2
    gap = max(0.12, b[0] - a[0])
    brow_y = (a[1] + b[1]) / 2
    strokes = []
    for side, depth, length in ((-1, 0.16, 1.0), (1, 0.13, 0.8)):  # never quite symmetric
        top = np.array([mid_x + side * 0.32 * gap, brow_y - 0.2 * length])
        bottom = np.array([mid_x + side * 0.2 * gap, brow_y + 0.08])
        pts = _bezier(top, (top + bottom) / 2 + [side * 0.02, 0.0], bottom, 7)
        # The skin between the furrows bunches up into a bulge.
        strokes.append(_Stroke(pts, depth, k * _taper(7, 0.8), width=0.013, ridge=0.7,
                               side=(-side, 0.0)))
    root = np.array([mid_x, (brow_y + p[27, 1]) / 2 + 0.03])
    return [_Shapes(strokes, [_Blob(root, (0.15, 0.05), shadow=0.04 * k)], spread=0.4)]


def _eyes(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU6: crow's feet fanning out from the outer eye corners, a crease under each lower lid and the
    raised cheek below it."""
    k = levels["AU6"]
    if k <= 0:
        return []
    p = face.local
    groups = []
    for side, corner, lower, inner in ((-1, 36, (41, 40), 39), (1, 45, (46, 47), 42)):
        c = p[corner]
        strokes = []
        for (angle, length, start, depth), (turn, stretch) in zip(CROWS_FEET, _CROWS_FEET_JITTER[side > 0],
                                                              strict=True):
            t = np.radians(angle + turn)
            direction = np.array([side * np.cos(t), np.sin(t)])
            p0 = c + direction * start
            p2 = c + direction * (start + length * stretch)
            pts = _bezier(p0, (p0 + p2) / 2 + [0.0, 0.02 * np.sign(angle)], p2, 6)
            strokes.append(_Stroke(pts, depth, k * _taper(6, 0.6), width=0.011))
        lid = p[list(lower)].mean(axis=0)
        pts = _bezier(p[inner] + [side * 0.08, 0.09], lid + [0, 0.12], c + [side * 0.03, 0.08], 8)
        strokes.append(_Stroke(pts, 0.08, k * _taper(8), width=0.014, ridge=0.8, side=(0.0, 1.0)))
        cheek = _Blob(np.array([lid[0] + side * 0.08, lid[1] + 0.3]), (0.28, 0.17), bump=0.12 * k)
        groups.append(_Shapes(strokes, [cheek], spread=0.2, inner=False))
    return groups


def _nose(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU9: short wrinkles across the nose bridge and a slight shadow down the sides of the nose."""
    k = levels["AU9"]
    if k <= 0:
        return []
    p = face.local
    axis_x = (p[27, 0] + p[28, 0] + p[29, 0]) / 3
    strokes, blobs = [], []
    # (height, half length, shift sideways, depth): unequal, like skin bunching rather than a ladder
    lines = ((p[28, 1] - 0.07, 0.08, 0.02, 0.08), (p[28, 1] + 0.02, 0.13, -0.01, 0.13),
             ((p[28, 1] + p[29, 1]) / 2 + 0.03, 0.1, 0.015, 0.09))
    for (y, half, shift, depth), wobble in zip(lines, _NOSE_WOBBLE, strict=True):
        xs = axis_x + shift + np.linspace(-half, half, len(wobble))
        ys = y - 0.025 * (1 - ((xs - axis_x) / half) ** 2) + wobble  # arched over the bridge
        strokes.append(_Stroke(np.stack([xs, ys], axis=1), depth, k * _taper(7, 0.7), width=0.012,
                               ridge=0.5, side=(0.0, 1.0)))
    for side, wing in ((-1, 31), (1, 35)):
        top = np.array([axis_x + side * 0.12, p[28, 1]])
        bottom = np.array([p[wing, 0] + side * 0.02, p[30, 1] - 0.1])
        blobs.append(_Blob((top + bottom) / 2, (0.07, max(0.1, (bottom[1] - top[1]) / 2)), shadow=0.05 * k))
    return [_Shapes(strokes, blobs)]


def _nasolabial(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU12: deeper nasolabial folds, from beside the nostril wings to past the mouth corners, with the
    cheek bulging over them."""
    k = levels["AU12"]
    if k <= 0:
        return []
    p = face.local
    strokes = []
    for side, wing, corner in ((-1, 31, 48), (1, 35, 54)):
        start = p[wing] + [side * 0.13, -0.1]
        end = p[corner] + [side * 0.14, 0.16]
        along = (end - start) / max(np.hypot(*(end - start)), 1e-6)
        cheek = np.array([along[1], -along[0]])
        cheek = cheek if cheek[0] * side > 0 else -cheek
        pts = _bezier(start, (start + end) / 2 + 0.1 * cheek, end, 10)  # bowed round the cheek
        fade = k * _taper(10, 0.6) * np.linspace(1.0, 0.5, 10)
        strokes.append(_Stroke(pts, 0.08, fade, width=0.025, ridge=2.5, side=tuple(cheek)))
    return [_Shapes(strokes, [], spread=0.8)]


def _marionette(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU15: short lines and shadow down and out from the pulled-down mouth corners."""
    k = levels["AU15"]
    if k <= 0:
        return []
    p = face.local
    strokes, blobs = [], []
    for side, corner in ((-1, 48), (1, 54)):
        c = p[corner]
        start, end = c + [side * 0.04, 0.04], c + [side * 0.1, 0.3]
        pts = _bezier(start, (start + end) / 2 + [side * 0.025, 0.0], end, 7)
        strokes.append(_Stroke(pts, 0.12, k * _taper(7, 0.6), width=0.016, ridge=0.8, side=(side, -0.2)))
        blobs.append(_Blob(c + [side * 0.02, 0.1], (0.07, 0.1), shadow=0.05 * k))
    return [_Shapes(strokes, blobs, spread=0.8)]


def _chin(face: _Face, levels: Mapping[str, float]) -> list[_Shapes]:
    """AU17: the chin boss pushed up: a soft crease under the lower lip and light on the chin below."""
    k = levels["AU17"]
    if k <= 0:
        return []
    p = face.local
    lip, chin = p[57], p[8]
    centre = lip + 0.32 * (chin - lip)
    half = max(0.15, 0.55 * (p[54, 0] - p[48, 0]) / 2)
    xs = centre[0] + np.linspace(-half, half, 9)
    ys = centre[1] - 0.04 * ((xs - centre[0]) / half) ** 2  # ends curling up, like the chin's outline
    crease = _Stroke(np.stack([xs, ys], axis=1), 0.07, k * _taper(9, 0.6), width=0.02)
    shadow = _Blob(centre + [0.0, 0.01], (0.9 * half, 0.06), shadow=0.05 * k)
    boss = _Blob(lip + 0.68 * (chin - lip), (0.2, 0.12), bump=0.15 * k)
    return [_Shapes([crease], [shadow, boss], spread=0.6)]


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
    # Photos are lit from above (the picture's up, whatever the head's roll); the brighter cheek says
    # which side the light leans to.
    tilt = float(np.clip(3.0 * (lb - la) / max(la + lb, 1.0), -0.8, 0.8))
    light = frame.x_axis * tilt + np.array([0.0, -1.0])
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


@lru_cache(maxsize=64)
def _taper(n: int, power: float = 0.8) -> np.ndarray:
    """0 at both ends of a line, 1 in its middle: wrinkles fade out rather than stop."""
    taper = np.sin(np.linspace(0.0, np.pi, n)) ** power
    taper.flags.writeable = False
    return taper


def _bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _apply(out: np.ndarray, face: _Face, shapes: _Shapes) -> None:
    """Draw one group's shapes as a relief in a box around them and shade the skin there, in place."""
    unit = face.frame.unit
    fine, soft = max(0.6, FINE * unit), max(1.5, SOFT * unit)
    box = _box(face, shapes, int(np.ceil(3 * soft)) + 2, out.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    origin = np.array([x0, y0], np.float64)
    pixels = out[y0:y1, x0:x1, :3]
    mask = _skin_mask(out, pixels, face, shapes, origin, fine, soft)
    if mask is None:
        return
    valley = np.zeros((y1 - y0, x1 - x0), np.uint8)
    ridge = np.zeros_like(valley)
    for stroke in shapes.strokes:
        _draw_stroke(valley, ridge, face, stroke, origin)
    to_depth = np.float32(SCALE / 255)
    lines = valley.astype(np.float32) * to_depth
    core = cv2.GaussianBlur(lines, (0, 0), fine)
    height = core * np.float32(fine * RELIEF)
    # The broad shadow around the lines is the same lines blurred wider (a thin line loses height to
    # it); bulges are as wide: both blurred at once.
    if shapes.ridge_drawn:
        broad = _blur(cv2.merge([lines, ridge.astype(np.float32) * to_depth]), soft)
        hollow = broad[..., 0] * np.float32(3 * shapes.spread)
        height -= broad[..., 1] * np.float32(soft * BULGE)
    else:
        hollow = _blur(lines, soft) * np.float32(3 * shapes.spread)
    # Light and shade from the relief's slopes (Lambert, relative to flat skin): a valley's far wall
    # faces the light, a bulge's near slope does. The slope along the light, by central differences.
    lx, ly = face.light
    kernel = np.array([[0, -ly, 0], [-lx, 0, lx], [0, ly, 0]], np.float32) / 2
    relief = cv2.filter2D(height, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    if shapes.blobs:
        blob_hollow, blob_relief = _blobs(face, shapes.blobs, origin, valley.shape, max(1, int(soft)))
        hollow += blob_hollow
        relief += blob_relief
    # A crease crossing the skin's own pores and lines deepens them most: it keeps the skin's texture.
    lum = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    around = cv2.blur(lum, (2 * int(2 * fine) + 1,) * 2)
    texture = 1.0 + TEXTURE * np.clip((around - lum) / np.maximum(around, 1.0), -0.15, 0.25)
    occlusion = np.clip((core * np.float32(OCCLUSION) * texture + hollow) * mask, 0, 0.9)
    lift = 1.0 + np.clip(relief * mask, -0.5, 0.3)
    # Skin in shadow looks a little more saturated: channels the skin has less of darken a bit more.
    weights = 1.0 + 0.25 * (1.0 - face.skin / max(float(face.skin.max()), 1.0))
    shade = cv2.merge([(1.0 - occlusion * np.float32(wc)) * lift for wc in weights])
    out[y0:y1, x0:x1, :3] = cv2.multiply(pixels, shade, dtype=cv2.CV_8U)


def _box(face: _Face, shapes: _Shapes, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    corners = [s.points for s in shapes.strokes]
    if shapes.blobs:
        reach = np.array([b.axes for b in shapes.blobs]) * BLOB_REACH
        centres = np.array([b.centre for b in shapes.blobs])
        corners += [centres + reach * corner for corner in ((-1, -1), (1, 1), (-1, 1), (1, -1))]
    if not corners:
        return None
    pts = face.frame.to_image(np.concatenate(corners))
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    h, w = shape[:2]
    x0, y0 = max(0, int(x0) - pad), max(0, int(y0) - pad)
    x1, y1 = min(w, int(x1) + pad + 1), min(h, int(y1) + pad + 1)
    return (x0, y0, x1, y1) if x1 - x0 >= 3 and y1 - y0 >= 3 else None


def _draw_stroke(valley: np.ndarray, ridge: np.ndarray, face: _Face, s: _Stroke, origin: np.ndarray) -> None:
    frame = face.frame
    thick = max(1, int(round(s.width * frame.unit)))
    strength = np.minimum(s.depth * s.fade, SCALE) * (255 / SCALE)
    levels = ((strength[:-1] + strength[1:]) / 2).astype(int)  # each segment drawn with its mean value
    pts = (frame.to_image(s.points) - origin) * (1 << SHIFT)
    _polyline(valley, pts, levels, thick)
    if s.ridge > 0:
        side = np.array(s.side, np.float64) / max(float(np.hypot(*s.side)), 1e-9)
        offset = (frame.x_axis * side[0] + frame.y_axis * side[1]) * ((SOFT + 1.5 * s.width) * frame.unit)
        _polyline(ridge, pts + offset * (1 << SHIFT), (levels * s.ridge).astype(int), 3 * thick)


def _polyline(canvas: np.ndarray, pts: np.ndarray, levels: np.ndarray, thick: int) -> None:
    """A line whose strength varies along it (pts in fixed point, one level per segment)."""
    fixed = np.round(pts).astype(np.int32).tolist()
    for i, value in enumerate(np.minimum(levels, 255).tolist()):
        if value > 0:
            cv2.line(canvas, fixed[i], fixed[i + 1], value, thick, cv2.LINE_AA, SHIFT)


def _blobs(face: _Face, blobs: list[_Blob], origin: np.ndarray, shape: tuple[int, int],
           step: int) -> tuple[np.ndarray, np.ndarray]:
    """Soft Gaussian hollows and bulges; a bulge's slope facing the light brightens, the other darkens.
    Smooth, so worked out on a coarse grid (block centres) and scaled up."""
    h, w = shape
    ch, cw = -(-h // step), -(-w // step)
    xs = (np.arange(cw, dtype=np.float32) + 0.5) * step - 0.5 + origin[0] - face.frame.origin[0]
    ys = (np.arange(ch, dtype=np.float32) + 0.5) * step - 0.5 + origin[1] - face.frame.origin[1]
    (ax, ay), (bx, by) = face.frame.x_axis / face.frame.unit, face.frame.y_axis / face.frame.unit
    local_x = xs[None, :] * ax + ys[:, None] * ay
    local_y = xs[None, :] * bx + ys[:, None] * by
    light = (float(face.light @ face.frame.x_axis), float(face.light @ face.frame.y_axis))
    hollow = np.zeros((ch, cw), np.float32)
    relief = np.zeros((ch, cw), np.float32)
    for b in blobs:
        dx = (local_x - b.centre[0]) / (b.axes[0] / 2)
        dy = (local_y - b.centre[1]) / (b.axes[1] / 2)
        g = np.clip((np.exp(-0.5 * (dx * dx + dy * dy)) - BLOB_CUT) / (1 - BLOB_CUT), 0, 1)
        if b.shadow > 0:
            hollow += b.shadow * g
        if b.bump > 0:
            # Mostly the lit slope shows; the other one turns away only a little before the skin beyond.
            slope = dx * light[0] + dy * light[1]
            relief += (b.bump * BULGE) * g * np.where(slope > 0, slope, 0.4 * slope)
    size = (cw * step, ch * step)
    hollow = cv2.resize(hollow, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    relief = cv2.resize(relief, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    return hollow, relief


def _skin_mask(image: np.ndarray, pixels: np.ndarray, face: _Face, shapes: _Shapes, origin: np.ndarray,
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
        patch = _patch(image, face.frame, np.array([x, y]), radius)
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
    mask *= _step(_blur(mask, soft / half), 0.45, 0.75)
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


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian cut at 2.5 sigma: wide blurs of small boxes cost less, and look the same."""
    size = 2 * int(np.ceil(2.5 * sigma)) + 1
    return cv2.GaussianBlur(image, (size, size), sigma)


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
    keep = _step(ratio, dark[0] / widen, dark[1] / widen)
    keep *= 1 - _step(ratio, bright[0] * widen, bright[1] * widen)
    keep *= 1 - _step(distance, hue[0] * hue_widen, hue[1] * hue_widen)
    return keep.astype(np.float32)


def _step(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below lo, 1 above hi, a straight ramp between."""
    return np.clip((x - np.float32(lo)) * np.float32(1 / (hi - lo)), 0, 1)
