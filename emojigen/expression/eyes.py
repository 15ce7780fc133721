"""Eyes redrawn after the warp: the iris stays round whatever the lids do, turns where the gaze AUs
say, and a shut eye gets a lid and its lash line.

A warp that raises the upper lid (AU5) would stretch the iris into an upright oval, and one that closes
the eye squashes it into a dark streak. Here the eyeball keeps still while the lids move over it: the
iris is taken from the photo at its own size and put back where it was in the eye (moved by the gaze
AUs 61-64), on the eye's own white, and the lids (the new eye outline) cover what they cover. An eye
shut far enough (AU43/45/46) is drawn closed: the lid's skin over it and a line of lashes.
"""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.expression.units import Moves

EYES = (list(range(36, 42)), list(range(42, 48)))  # image-left, image-right; outer corner, upper lid, inner...
IRIS_RADIUS = 0.2  # of the eye's width: an iris is about 11.5 mm across a 29 mm eye opening
GAZE_X, GAZE_Y = 0.28, 0.75  # how far a full gaze AU turns the iris: of the eye's width, of its height
SHUT_AT = 0.7  # lids closed this far (AU43/45/46) are drawn as a shut eye
MIN_EYE_WIDTH = 9.0  # pixels: smaller eyes are left as the warp drew them
LID_SHADOW = 0.2  # the upper lid's shadow darkens the top of the iris by this much
DARK_BROWN = np.array([60.0, 45.0, 40.0])  # the commonest iris colour, for an iris the photo hardly shows


def paint_eyes(original: np.ndarray, image: np.ndarray, before: np.ndarray, after: np.ndarray,
               moves: Moves, fade: float = 1.0) -> np.ndarray:
    """`original`: the photo before the warp; `image`: after it; `before`/`after`: the landmarks."""
    gaze = moves.gaze
    out = image
    for index, eye in enumerate(EYES):
        shut = min(1.0, float(moves["lid_close"][index])) * fade
        # Lids that close over the eye (AU6/7/41) are left to the warp, which draws them well; lids
        # that open it (AU5) would stretch the iris.
        widened = float(moves["lid_upper"][index]) > 1e-6
        if shut >= SHUT_AT:
            out = draw_shut_eye(out, original, before[eye], after[eye])
        elif widened or any(gaze):
            out = redraw_eye(out, original, before[eye], after[eye], gaze)
    return out


def _box(points: np.ndarray, pad: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(points.min(axis=0) - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(points.max(axis=0) + pad).astype(int) + 1, [w, h])
    return int(x0), int(y0), int(x1), int(y1)


def _polygon_mask(points: np.ndarray, x0: int, y0: int, size: tuple[int, int]) -> np.ndarray:
    """Anti-aliased 0..1 mask of the eye outline inside a box at (x0, y0) of `size` (h, w)."""
    mask = np.zeros(size, np.uint8)
    cv2.fillPoly(mask, [np.round((points - [x0, y0]) * 4).astype(np.int32)], 255, cv2.LINE_AA, 2)
    return mask.astype(np.float32) / 255.0


def _eye_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Outer corner, unit x (towards the inner corner), unit y (down) and width of an eye."""
    corner, inner = points[0].astype(np.float64), points[3].astype(np.float64)
    width = float(np.hypot(*(inner - corner)))
    ex = (inner - corner) / max(width, 1e-6)
    if ex[0] < 0:  # the image-right eye is listed from its outer (right) corner: keep x to the right
        ex = -ex
    ey = np.array([-ex[1], ex[0]])
    return corner, ex, ey, width


def find_iris(image: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (image pixels) and radius of the iris: the darkest iris-sized disk inside the eye."""
    _, _, _, width = _eye_axes(points)
    radius = IRIS_RADIUS * width
    x0, y0, x1, y1 = _box(points, 1, image.shape)
    grey = image[y0:y1, x0:x1, :3].astype(np.float32).mean(axis=2)
    inside = _polygon_mask(points, x0, y0, grey.shape) > 0.5
    if inside.sum() < 6:
        return points.mean(axis=0), radius
    darkness = np.where(inside, np.maximum(np.percentile(grey[inside], 70) - grey, 0), 0).astype(np.float32)
    r = max(1, int(round(radius)))
    disk = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(disk, (r, r), r, 1.0, -1)
    score = cv2.filter2D(darkness, -1, disk / disk.sum(), borderType=cv2.BORDER_CONSTANT)
    score[~inside] = -1
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return np.array([x + x0, y + y0], np.float64), radius


def redraw_eye(image: np.ndarray, original: np.ndarray, before: np.ndarray, after: np.ndarray,
               gaze: tuple[float, float]) -> np.ndarray:
    corner_b, ex_b, ey_b, width_b = _eye_axes(before)
    corner_a, ex_a, ey_a, width_a = _eye_axes(after)
    if min(width_b, width_a) < MIN_EYE_WIDTH:
        return image
    centre_b, radius_b = find_iris(original, before)
    # The eyeball does not move with the lids: the iris keeps its place relative to the eye's corners.
    u, v = (centre_b - corner_b) @ ex_b / width_b, (centre_b - corner_b) @ ey_b / width_b
    height_b = float(np.mean(before[[5, 4], 1] - before[[1, 2], 1]))
    scale = width_a / width_b
    still = corner_a + width_a * (u * ex_a + v * ey_a)  # where the iris is with the gaze unchanged
    centre_a = still + gaze[0] * GAZE_X * width_a * ex_a + gaze[1] * GAZE_Y * max(height_b, 1.0) * scale * ey_a
    radius_a = radius_b * scale

    x0, y0, x1, y1 = _box(np.vstack([after, centre_a[None]]), radius_a + 2, image.shape)
    size = (y1 - y0, x1 - x0)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    # The iris as it was, at its own size (no stretch), sampled around its old centre.
    map_x = (centre_b[0] + (xs - centre_a[0]) / scale).astype(np.float32)
    map_y = (centre_b[1] + (ys - centre_a[1]) / scale).astype(np.float32)
    iris = cv2.remap(original[..., :3], map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # Only the part of the iris the old lids showed is real; the rest gets the iris's own mean colour.
    bx0, by0, bx1, by1 = _box(before, radius_b + 2, original.shape)
    seen_before = np.zeros(original.shape[:2], np.float32)
    seen_before[by0:by1, bx0:bx1] = _polygon_mask(before, bx0, by0, (by1 - by0, bx1 - bx0))
    seen = cv2.remap(seen_before, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)[..., None]
    in_disk = np.hypot(xs - centre_a[0], ys - centre_a[1]) <= radius_a
    visible = in_disk & (seen[..., 0] > 0.9)
    iris_colour = iris[visible].mean(axis=0) if visible.sum() >= 4 else DARK_BROWN  # hardly any iris showed
    iris = iris * seen + iris_colour * (1 - seen)
    disk = np.clip(radius_a + 0.5 - np.hypot(xs - centre_a[0], ys - centre_a[1]), 0, 1)[..., None]

    # The eyeball without its old (stretched) iris: the white around it filled in across, keeping the
    # eye's own shading and corners.
    old_iris = ((np.abs(xs - still[0]) <= 1.35 * radius_a) & (_polygon_mask(after, x0, y0, size) > 0)).astype(np.uint8)
    eyeball = cv2.inpaint(np.ascontiguousarray(image[y0:y1, x0:x1, :3]), old_iris, 3, cv2.INPAINT_TELEA)
    eyeball = eyeball.astype(np.float32)
    lid = after[np.argsort(after[:4, 0])]  # the upper lid, corner to corner, left to right
    top = np.interp(xs, lid[:, 0], lid[:, 1])
    depth = np.clip((ys - top) / max(0.12 * width_a, 1.0), 0, 1)[..., None]
    # The upper lid shades the top of the iris as it does the white.
    content = eyeball * (1 - disk) + iris * disk * (1 - LID_SHADOW * (1 - depth))

    # The new outline is where the lids are: keep the warped lids' edge (their lashes) a pixel wide.
    mask = _polygon_mask(after, x0, y0, size)
    mask = cv2.erode(mask, np.ones((2, 2), np.uint8)) if min(size) > 6 else mask
    mask = cv2.GaussianBlur(mask, (0, 0), 0.6)[..., None]
    out = image.copy()
    box = out[y0:y1, x0:x1, :3].astype(np.float32)
    out[y0:y1, x0:x1, :3] = np.clip(box * (1 - mask) + content * mask, 0, 255).round().astype(np.uint8)
    return out


def draw_shut_eye(image: np.ndarray, original: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """A closed eye: the lid's skin over where the eye showed, and a line of lashes along its edge."""
    _, _, _, width = _eye_axes(before)
    if width < MIN_EYE_WIDTH:
        return image
    unit = width / 0.4  # an eye is about 0.4 eye distances wide
    x0, y0, x1, y1 = _box(np.vstack([before, after]), 0.25 * unit, image.shape)
    box = image[y0:y1, x0:x1, :3].astype(np.float32)
    size = box.shape[:2]
    # The lid's skin: what lies just above the closed lid line in the warped picture (the stretched lid).
    upper = after[[1, 2]]
    band = np.zeros(size, np.uint8)
    lifted = np.vstack([upper - [0, 0.16 * unit], upper[::-1] - [0, 0.06 * unit]])
    cv2.fillPoly(band, [np.round(lifted - [x0, y0]).astype(np.int32)], 1)
    skin = np.median(box[band > 0], axis=0) if band.sum() >= 4 else np.median(box.reshape(-1, 3), axis=0)
    # Cover what is left of the open eye (the warp squeezes it into a sliver), a little wider.
    sliver = _polygon_mask(np.vstack([before[[0]], after[1:3], before[[3]], after[4:6]]), x0, y0, size)
    sliver = cv2.GaussianBlur(cv2.dilate(sliver, np.ones((3, 3), np.uint8)), (0, 0), 0.8)[..., None]
    covered = box * (1 - sliver) + skin * sliver
    # The lash line: a closed lid's edge bows downwards between the corners.
    line = np.vstack([before[0], (after[1] + after[5]) / 2, (after[2] + after[4]) / 2, before[3]]).astype(np.float64)
    t = np.linspace(0, 1, 24)
    curve = np.array([np.interp(t * 3, np.arange(4), line[:, k]) for k in (0, 1)]).T
    curve = cv2.GaussianBlur(curve[None].astype(np.float32), (1, 5), 0)[0] if len(curve) > 5 else curve
    lashes = np.zeros(size, np.uint8)
    thickness = max(1, int(round(0.016 * unit)))
    cv2.polylines(lashes, [np.round((curve - [x0, y0]) * 4).astype(np.int32)], False, 255, thickness,
                  cv2.LINE_AA, 2)
    lashes = cv2.GaussianBlur(lashes.astype(np.float32) / 255.0, (0, 0), 0.5)[..., None]
    ox0, oy0, ox1, oy1 = _box(before, 1, original.shape)
    eye_region = original[oy0:oy1, ox0:ox1, :3].astype(np.float32).reshape(-1, 3)
    dark = eye_region[eye_region.mean(axis=1) <= np.percentile(eye_region.mean(axis=1), 5)].mean(axis=0)
    drawn = covered * (1 - lashes) + dark * lashes
    out = image.copy()
    out[y0:y1, x0:x1, :3] = np.clip(drawn, 0, 255).round().astype(np.uint8)
    return out
