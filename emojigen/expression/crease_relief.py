"""Shapes turned into shading on the skin. A group's strokes and blobs are drawn into a small box as a
relief: a crease is a valley that darkens the person's own skin multiplicatively (ambient occlusion)
while its wall facing the light brightens a little and the other wall darkens; a bulge's slopes are lit
the same way. All of it is blurred at a scale proportional to the face and applied only on skin."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.expression.crease_shapes import Blob, MeasuredFace, ShapeGroup, Stroke
from emojigen.expression.face_pixels import frame_coordinates
from emojigen.expression.skin_mask import skin_mask
from emojigen.expression.soft_masks import short_blur

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


def shade_group(out: np.ndarray, face: MeasuredFace, shapes: ShapeGroup) -> None:
    """Draw one group's shapes as a relief in a box around them and shade the skin there, in place."""
    unit = face.frame.unit
    fine, soft = max(0.6, FINE * unit), max(1.5, SOFT * unit)
    box = _box(face, shapes, int(np.ceil(3 * soft)) + 2, out.shape)
    if box is None:
        return
    x0, y0, x1, y1 = box
    origin = np.array([x0, y0], np.float64)
    pixels = out[y0:y1, x0:x1, :3]
    mask = skin_mask(out, pixels, face, shapes, origin, fine, soft)
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
        broad = short_blur(cv2.merge([lines, ridge.astype(np.float32) * to_depth]), soft)
        hollow = broad[..., 0] * np.float32(3 * shapes.spread)
        height -= broad[..., 1] * np.float32(soft * BULGE)
    else:
        hollow = short_blur(lines, soft) * np.float32(3 * shapes.spread)
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


def _box(face: MeasuredFace, shapes: ShapeGroup, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The pixels the shapes reach, `pad` more on every side, within the picture (None: too few)."""
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


def _draw_stroke(valley: np.ndarray, ridge: np.ndarray, face: MeasuredFace, s: Stroke, origin: np.ndarray) -> None:
    """Draw a stroke's valley, and a fold's ridge beside it, into the canvases (box pixels, in place)."""
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


def _blobs(face: MeasuredFace, blobs: list[Blob], origin: np.ndarray, shape: tuple[int, int],
           step: int) -> tuple[np.ndarray, np.ndarray]:
    """Soft Gaussian hollows and bulges; a bulge's slope facing the light brightens, the other darkens.
    Smooth, so worked out on a coarse grid (block centres) and scaled up."""
    h, w = shape
    ch, cw = -(-h // step), -(-w // step)
    xs = (np.arange(cw, dtype=np.float32) + 0.5) * step - 0.5 + origin[0] - face.frame.origin[0]
    ys = (np.arange(ch, dtype=np.float32) + 0.5) * step - 0.5 + origin[1] - face.frame.origin[1]
    local_x, local_y = frame_coordinates(face.frame, xs, ys)
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
