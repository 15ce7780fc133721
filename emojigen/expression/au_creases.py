"""Where each action unit creases the skin: one small function per AU places its strokes (creases) and
blobs (hollows and bulges) on the moved landmarks, in the face's own frame (unit = eye distance). Small
irregularities, drawn once from a fixed seed, keep the lines from looking ruled while the same face
creases the same way in every frame of an animation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from emojigen.expression.crease_shapes import Blob, MeasuredFace, ShapeGroup, Stroke

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


Painter = Callable[[MeasuredFace, Mapping[str, float]], list[ShapeGroup]]


def _forehead(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
        strokes.append(Stroke(np.stack([xs, ys], axis=1), depth, fade, width=0.013, ridge=0.6, side=(0.0, 1.0)))
    # The forehead's own skin, just above the brows between them: below any fringe.
    return [ShapeGroup(strokes, [], sample=(mid, top - 0.1, 0.07), inner=False)]


def _glabella(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
        strokes.append(Stroke(pts, depth, k * _taper(7, 0.8), width=0.013, ridge=0.7,
                               side=(-side, 0.0)))
    root = np.array([mid_x, (brow_y + p[27, 1]) / 2 + 0.03])
    return [ShapeGroup(strokes, [Blob(root, (0.15, 0.05), shadow=0.04 * k)], spread=0.4)]


def _eyes(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
            strokes.append(Stroke(pts, depth, k * _taper(6, 0.6), width=0.011))
        lid = p[list(lower)].mean(axis=0)
        pts = _bezier(p[inner] + [side * 0.08, 0.09], lid + [0, 0.12], c + [side * 0.03, 0.08], 8)
        strokes.append(Stroke(pts, 0.08, k * _taper(8), width=0.014, ridge=0.8, side=(0.0, 1.0)))
        cheek = Blob(np.array([lid[0] + side * 0.08, lid[1] + 0.3]), (0.28, 0.17), bump=0.12 * k)
        groups.append(ShapeGroup(strokes, [cheek], spread=0.2, inner=False))
    return groups


def _nose(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
        strokes.append(Stroke(np.stack([xs, ys], axis=1), depth, k * _taper(7, 0.7), width=0.012,
                               ridge=0.5, side=(0.0, 1.0)))
    for side, wing in ((-1, 31), (1, 35)):
        top = np.array([axis_x + side * 0.12, p[28, 1]])
        bottom = np.array([p[wing, 0] + side * 0.02, p[30, 1] - 0.1])
        blobs.append(Blob((top + bottom) / 2, (0.07, max(0.1, (bottom[1] - top[1]) / 2)), shadow=0.05 * k))
    return [ShapeGroup(strokes, blobs)]


def _nasolabial(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
        strokes.append(Stroke(pts, 0.08, fade, width=0.025, ridge=2.5, side=tuple(cheek)))
    return [ShapeGroup(strokes, [], spread=0.8)]


def _marionette(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
        strokes.append(Stroke(pts, 0.12, k * _taper(7, 0.6), width=0.016, ridge=0.8, side=(side, -0.2)))
        blobs.append(Blob(c + [side * 0.02, 0.1], (0.07, 0.1), shadow=0.05 * k))
    return [ShapeGroup(strokes, blobs, spread=0.8)]


def _chin(face: MeasuredFace, levels: Mapping[str, float]) -> list[ShapeGroup]:
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
    crease = Stroke(np.stack([xs, ys], axis=1), 0.07, k * _taper(9, 0.6), width=0.02)
    shadow = Blob(centre + [0.0, 0.01], (0.9 * half, 0.06), shadow=0.05 * k)
    boss = Blob(lip + 0.68 * (chin - lip), (0.2, 0.12), bump=0.15 * k)
    return [ShapeGroup([crease], [shadow, boss], spread=0.6)]


PAINTERS: tuple[Painter, ...] = (_forehead, _glabella, _eyes, _nose, _nasolabial, _marionette, _chin)


@lru_cache(maxsize=64)
def _taper(n: int, power: float = 0.8) -> np.ndarray:
    """0 at both ends of a line, 1 in its middle: wrinkles fade out rather than stop."""
    taper = np.sin(np.linspace(0.0, np.pi, n)) ** power
    taper.flags.writeable = False
    return taper


def _bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
