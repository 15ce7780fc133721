"""What warping cannot show about a mouth: the inside of one that opened, the seam of one that closed."""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

INNER_LIP = list(range(60, 68))
SEAM = [61, 62, 63]  # the lips' meeting line, short of the corners (their own shadow shows there)
CAVITY_TOP_RGB = np.array((96, 34, 42), np.float32)
CAVITY_BACK_RGB = np.array((52, 14, 20), np.float32)
TONGUE_RGB = np.array((170, 74, 84), np.float32)
TEETH_RGB = np.array((236, 232, 222), np.float32)
# Paint only when the lips part (or meet) by more than this much (in eye distances) beyond the source.
MIN_CHANGE = 0.05
CLOSED = 0.04  # a gap below this (eye distances) reads as closed lips
TEETH_KEPT = 0.5  # an expression showing less teeth than this repaints an open mouth without its grin


def paint_mouth(image: np.ndarray, before: np.ndarray, after: np.ndarray, teeth: float | None = None) -> np.ndarray:
    """Paint the inside of a newly opened mouth, or the seam of a newly closed one.

    `before` and `after` are the landmarks before and after the warp. `teeth` (0..1) is how much of the
    teeth the expression shows (its action units: a grin shows them, a gasp does not). None: a mouth
    that was already open keeps its own teeth; with `teeth` below TEETH_KEPT an open mouth is repainted
    as a dark opening, so a toothy smile turned into surprise does not keep its grin.
    """
    frame = FaceFrame.from_landmarks(before)
    open_before, open_after = _opening(frame, before), _opening(frame, after)
    repaint = teeth is not None and teeth < TEETH_KEPT and open_before > CLOSED and open_after > CLOSED
    if repaint or open_after - max(open_before, 0.0) >= MIN_CHANGE:
        return _paint_opening(image, after, open_after * frame.unit, frame.unit, 1.0 if teeth is None else teeth,
                              cover_teeth=repaint)
    if closes_mouth(before, after):
        return _paint_seam(image, after, frame.unit)
    return image


def prepare_mouth(image: np.ndarray, before: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Before the warp: an open mouth that will close has its teeth filled in first, so the warp does
    not squeeze slivers of teeth between the lips."""
    return erase_mouth_inside(image, before) if closes_mouth(before, target) else image


def erase_mouth_inside(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Fill an open mouth (teeth, tongue) with the lips around it, before a warp closes it.

    dlib's inner-lip points sit on the teeth rather than at the lips' edge, so squeezing them together
    alone leaves slivers of teeth behind; filling first leaves only lip colour to squeeze.
    """
    unit = FaceFrame.from_landmarks(landmarks).unit
    pad = int(np.ceil(0.15 * unit)) + 3
    x0, y0, x1, y1 = _mouth_box(landmarks[48:68], pad, image.shape)
    box = np.ascontiguousarray(image[y0:y1, x0:x1, :3])
    mask = np.zeros(box.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[INNER_LIP] - [x0, y0]).astype(np.int32)], 255)
    # Only the teeth (brighter than the lips) and the dark gaps between them, a little past the points.
    grow = max(1, int(round(0.05 * unit)))
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    lips = np.zeros_like(mask)
    cv2.fillPoly(lips, [np.round(landmarks[48:60] - [x0, y0]).astype(np.int32)], 255)
    grey = box.astype(np.float32).mean(axis=2)
    lip_grey = float(np.median(grey[(lips > 0) & (mask == 0)])) if ((lips > 0) & (mask == 0)).any() else grey.mean()
    mask = np.where((grey > lip_grey + 12) | (grey < lip_grey * 0.6), mask, 0).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(box, mask, max(2, grow), cv2.INPAINT_TELEA).astype(np.float32)
    soft = cv2.GaussianBlur(mask, (0, 0), max(0.6, 0.01 * unit)).astype(np.float32)[..., None] / 255.0
    out = image.copy()
    out[y0:y1, x0:x1, :3] = (box * (1 - soft) + filled * soft).round().astype(np.uint8)
    return out


def closes_mouth(before: np.ndarray, target: np.ndarray) -> bool:
    """Does the move shut a mouth that was open?"""
    frame = FaceFrame.from_landmarks(before)
    open_before, open_after = _opening(frame, before), _opening(frame, target)
    return open_before - open_after >= MIN_CHANGE and open_after < CLOSED


def _opening(frame: FaceFrame, landmarks: np.ndarray) -> float:
    """Gap between the inner lips at their middle, in eye distances."""
    local = frame.to_local(landmarks[[62, 66]])
    return float(local[1, 1] - local[0, 1])


def _mouth_box(points: np.ndarray, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(points.min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(points.max(axis=0)).astype(int) + pad, [w, h])
    return int(x0), int(y0), int(x1), int(y1)


def _paint_opening(image: np.ndarray, after: np.ndarray, opening_px: float, unit: float, teeth: float = 1.0,
                   cover_teeth: bool = False) -> np.ndarray:
    """A dark, shaded cavity, a tongue at the back of a wide opening, and upper teeth (as many as
    `teeth` says) whose band thins out towards the corners (so a round mouth does not grow fangs).
    `cover_teeth`: the mouth was open with its own teeth; reach a little past the inner lip points,
    which sit on the teeth, so none of the old grin shows at the edges."""
    pad = int(np.ceil(4 * max(0.8, unit * 0.012))) + 2
    x0, y0, x1, y1 = _mouth_box(after[INNER_LIP], pad, image.shape)
    local = after - [x0, y0]
    bh, bw = y1 - y0, x1 - x0

    # The convex hull of the inner lips: a clean opening even where the lip points zigzag.
    hull = cv2.convexHull(np.round(local[INNER_LIP] * 4).astype(np.int32))
    mask = np.zeros((bh, bw), np.uint8)
    cv2.fillPoly(mask, [hull], 255, cv2.LINE_AA, 2)
    if cover_teeth:
        grow = max(1, int(round(0.03 * unit)))
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    inside = mask > 127
    top = np.where(inside.any(axis=0), inside.argmax(axis=0), bh).astype(np.float32)
    bottom = np.where(inside.any(axis=0), bh - 1 - inside[::-1].argmax(axis=0), 0).astype(np.float32)
    ys, xs = np.mgrid[0:bh, 0:bw].astype(np.float32)
    left, right = local[60, 0], local[64, 0]
    centre, half = (left + right) / 2, max(abs(right - left) / 2, 1.0)
    across = np.clip(np.abs(xs - centre) / (0.8 * half), 0, 1)
    profile = np.sqrt(1 - across**2)  # 1 in the middle, 0 towards the corners
    depth = np.clip((ys - top) / np.maximum(bottom - top, 1), 0, 1)  # 0 at the upper lip, 1 at the lower

    fill = CAVITY_TOP_RGB * (1 - depth[..., None]) + CAVITY_BACK_RGB * depth[..., None]
    fill *= (0.7 + 0.3 * profile)[..., None]  # darker towards the corners
    if opening_px > 0.15 * unit:
        tongue = ((xs - centre) / (0.55 * half)) ** 2 + ((ys - (bottom + 0.1 * opening_px)) / (0.35 * opening_px)) ** 2
        tongue_soft = np.clip(1.3 - tongue, 0, 1)[..., None] * 0.8
        fill = fill * (1 - tongue_soft) + TONGUE_RGB * (0.75 + 0.25 * profile[..., None]) * tongue_soft

    band = 0.24 * opening_px * profile * teeth
    teeth = (inside & (ys - top < band)).astype(np.float32)
    teeth_soft = cv2.GaussianBlur(teeth, (0, 0), max(0.7, unit * 0.008))[..., None]
    # Lit from the front: brightest at the middle and the biting edge's top, greyer to the sides.
    down_the_teeth = np.clip((ys - top) / np.maximum(band, 1), 0, 1)
    teeth_rgb = TEETH_RGB * ((0.72 + 0.28 * profile) * (1 - 0.12 * down_the_teeth))[..., None]
    fill = fill * (1 - teeth_soft) + teeth_rgb * teeth_soft

    soft = cv2.GaussianBlur(mask, (0, 0), max(0.8, unit * 0.012)).astype(np.float32)[..., None] / 255.0
    out = image.copy()
    box = out[y0:y1, x0:x1, :3].astype(np.float32)
    if _is_grey(box):  # a black-and-white photo gets a grey mouth, not a red one
        fill = np.repeat(fill @ np.array([0.299, 0.587, 0.114], np.float32), 3).reshape(fill.shape)
    out[y0:y1, x0:x1, :3] = np.clip(box * (1 - soft) + fill * soft, 0, 255).round().astype(np.uint8)
    return out


def _is_grey(box: np.ndarray) -> bool:
    return float(np.abs(box - box.mean(axis=2, keepdims=True)).mean()) < 2.0


def _paint_seam(image: np.ndarray, after: np.ndarray, unit: float) -> np.ndarray:
    """Where closed lips meet: a soft line a little darker than the lips themselves."""
    pad = int(np.ceil(0.1 * unit)) + 2
    x0, y0, x1, y1 = _mouth_box(after[48:68], pad, image.shape)
    box = image[y0:y1, x0:x1, :3].astype(np.float32)
    lips = np.zeros(box.shape[:2], np.uint8)
    cv2.fillPoly(lips, [np.round(after[48:60] - [x0, y0]).astype(np.int32)], 255)
    lip_rgb = box[lips > 0].mean(axis=0) if (lips > 0).any() else box.reshape(-1, 3).mean(axis=0)
    line = np.zeros(box.shape[:2], np.uint8)
    ends = after[[60, 64]] * 0.3 + after[[61, 63]] * 0.7
    seam_pts = np.concatenate([ends[:1], after[SEAM], ends[1:]])
    for _ in range(3):  # Chaikin smoothing: a curve, not a zigzag
        seam_pts = np.concatenate([seam_pts[:1], (0.75 * seam_pts[:-1] + 0.25 * seam_pts[1:]),
                                   (0.25 * seam_pts[:-1] + 0.75 * seam_pts[1:]), seam_pts[-1:]])
        order = np.argsort(seam_pts[:, 0] if seam_pts[-1, 0] > seam_pts[0, 0] else -seam_pts[:, 0], kind="stable")
        seam_pts = seam_pts[order]
    seam = np.round((seam_pts - [x0, y0]) * 4).astype(np.int32)
    cv2.polylines(line, [seam], False, 255, max(1, int(round(0.025 * unit))), cv2.LINE_AA, 2)
    soft = cv2.GaussianBlur(line, (0, 0), max(0.6, unit * 0.006)).astype(np.float32)[..., None] / 255.0
    out = image.copy()
    out[y0:y1, x0:x1, :3] = (box * (1 - 0.6 * soft) + lip_rgb * 0.55 * 0.6 * soft).round().astype(np.uint8)
    return out
