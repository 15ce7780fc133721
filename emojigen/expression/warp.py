"""Piecewise-affine warp over a Delaunay mesh of the landmarks, inside a fixed ring of anchor points.

The anchors (a forehead arc, an ellipse around the face, the crop's border) do not move, so the hair
line and the background stay put; only the face inside the ring is deformed. Each output pixel is
mapped back into the source by its triangle's affine transform and sampled with cv2.remap.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

# Anchor ring around the face, in face units (eye distance), centred a little below the eyes.
RING_CENTRE_Y = 0.55
RING_RADII = (1.6, 1.8)
RING_POINTS = 24
RING_CLEARANCE = 0.35  # face units between the jaw line and the ring
JAW = np.arange(0, 17)
JAW_DROP_ROOM = 0.5  # face units below the chin for a jaw that drops with an opening mouth
CROP_MARGIN = 0.25  # extra room between the ring and the crop border, in face units
MAX_SHRINK_TRIES = 6
MOUTH = np.arange(48, 68)  # lip landmarks: triangles between them may close or open freely
LOWER_LIP = np.array([55, 56, 57, 58, 59, 65, 66, 67])
OPEN_FOR_MESH = 0.15  # face units
SLIVER_AREA = 0.0025  # face units squared: a triangle this thin does not show
SMOOTHING = 0.04  # face units: how far the warp's bends are spread, so the mesh does not show


@dataclass(frozen=True)
class WarpResult:
    image: np.ndarray  # the warped image, same shape as the input
    landmarks: np.ndarray  # where the landmarks ended up (the target, possibly scaled back)
    scale: float  # 1.0 if the full move was applied; less if it had to be softened to avoid folds


def _anchor_points(frame: FaceFrame, landmarks: np.ndarray) -> np.ndarray:
    """The fixed ring: an ellipse around the face (widened for long or wide faces, so that a dropping
    jaw never reaches it) and an arc across the forehead, below the hair line."""
    local = frame.to_local(landmarks)
    rx = max(RING_RADII[0], float(np.abs(local[JAW, 0]).max()) + RING_CLEARANCE)
    ry = max(RING_RADII[1], float(local[JAW, 1].max()) - RING_CENTRE_Y + RING_CLEARANCE + JAW_DROP_ROOM)
    angles = np.linspace(0, 2 * np.pi, RING_POINTS, endpoint=False)
    ring = np.stack([rx * np.cos(angles), RING_CENTRE_Y + ry * np.sin(angles)], axis=1)
    forehead = np.array([[x, -0.75] for x in (-0.9, -0.45, 0.0, 0.45, 0.9)])
    return frame.to_image(np.concatenate([ring, forehead]))


def _crop_box(frame: FaceFrame, anchors: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    margin = CROP_MARGIN * frame.unit
    x0, y0 = np.floor(anchors.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(anchors.max(axis=0) + margin).astype(int)
    h, w = shape[:2]
    return max(0, x0), max(0, y0), min(w, x1), min(h, y1)


def _border_points(w: int, h: int, per_side: int = 4) -> np.ndarray:
    xs = np.linspace(0, w - 1, per_side + 1)
    ys = np.linspace(0, h - 1, per_side + 1)
    top = [(x, 0) for x in xs]
    bottom = [(x, h - 1) for x in xs]
    left = [(0, y) for y in ys[1:-1]]
    right = [(w - 1, y) for y in ys[1:-1]]
    return np.array(top + bottom + left + right, dtype=np.float64)


def _triangulate(points: np.ndarray, w: int, h: int) -> np.ndarray:
    """Delaunay triangles as index triples into `points`."""
    subdiv = cv2.Subdiv2D((-2, -2, w + 4, h + 4))
    for x, y in points:
        subdiv.insert((float(x), float(y)))
    lookup = {(round(float(x), 3), round(float(y), 3)): i for i, (x, y) in enumerate(points)}
    triangles = []
    for t in subdiv.getTriangleList():
        corners = [(round(float(t[i]), 3), round(float(t[i + 1]), 3)) for i in (0, 2, 4)]
        idx = [lookup.get(c) for c in corners]
        if None not in idx and len(set(idx)) == 3:
            triangles.append(idx)
    return np.array(triangles, dtype=np.int32)


def _signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = points[triangles[:, 0]], points[triangles[:, 1]], points[triangles[:, 2]]
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])


def _folds(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, interior: np.ndarray, sliver: float) -> bool:
    """Would the move fold (flip a triangle over) or tear (crush one to nothing) the image?

    Triangles within the lips are exempt: closing lips crush them, opening ones stretch them, and the
    mouth painter covers what they show. A flip of a sliver smaller than `sliver` (twice the area,
    pixels squared) on either side of the move cannot be seen.
    """
    before, after = _signed_areas(src, triangles), _signed_areas(dst, triangles)
    # A flip shows only where the triangle has visible area both before (mirrored content) and after.
    flipped = (np.sign(before) != np.sign(after)) & (np.abs(before) > sliver) & (np.abs(after) > sliver)
    crushed = np.abs(after) < 0.03 * np.abs(before)
    return bool(np.any((flipped | crushed) & ~interior))


def _mouth_opened(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """The points with the lower lip pulled down: triangulating this keeps each triangle on one lip,
    even for a closed mouth whose inner lip points nearly coincide."""
    opened = points.copy()
    opened[LOWER_LIP] += OPEN_FOR_MESH * frame.unit * frame.y_axis
    return opened


def _remap_maps(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, w: int, h: int):
    """For every output pixel, the source coordinate it samples from (float32 map_x, map_y)."""
    tri_id = np.zeros((h, w), dtype=np.int32)
    affines = np.zeros((len(triangles) + 1, 2, 3), dtype=np.float64)
    affines[0] = [[1, 0, 0], [0, 1, 0]]  # pixels outside the mesh stay where they are
    shift = 4  # sub-pixel precision for the rasteriser
    for i, tri in enumerate(triangles, start=1):
        affines[i] = cv2.getAffineTransform(dst[tri].astype(np.float32), src[tri].astype(np.float32))
        cv2.fillConvexPoly(tri_id, np.round(dst[tri] * (1 << shift)).astype(np.int32), i, cv2.LINE_8, shift)
    # Each coefficient gathered from a small table, then combined in place: a third faster than
    # gathering whole 2x3 matrices per pixel.
    coef = affines.reshape(-1, 6).astype(np.float32).T.copy()
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    map_x = coef[0][tri_id]
    map_x *= xs
    map_x += coef[1][tri_id] * ys
    map_x += coef[2][tri_id]
    map_y = coef[3][tri_id]
    map_y *= xs
    map_y += coef[4][tri_id] * ys
    map_y += coef[5][tri_id]
    return map_x, map_y


def _smoothed(map_x: np.ndarray, map_y: np.ndarray, exact: tuple[np.ndarray, ...],
              unit: float) -> tuple[np.ndarray, np.ndarray]:
    """The maps with their displacement blurred a little, except over the `exact` outlines (the lips and
    the eyes). A piecewise-affine warp bends at every triangle's edge: under a large move (a broad smile
    turned down) the skin shows the mesh as faceted creases. Lips and lids keep the exact mesh, so an
    opening's edges stay sharp and a shut lid stays shut."""
    h, w = map_x.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = map_x - xs, map_y - ys
    sigma = SMOOTHING * unit
    features = np.zeros((h, w), np.float32)
    cv2.fillPoly(features, [np.round(outline).astype(np.int32) for outline in exact], 1.0)
    features = cv2.GaussianBlur(cv2.dilate(features, np.ones((3, 3), np.uint8), iterations=max(1, round(sigma))),
                                (0, 0), sigma)
    keep = np.clip(features * 1.5, 0, 1)
    dx = dx * keep + cv2.GaussianBlur(dx, (0, 0), sigma) * (1 - keep)
    dy = dy * keep + cv2.GaussianBlur(dy, (0, 0), sigma) * (1 - keep)
    return xs + dx, ys + dy


def warp_face(image: np.ndarray, landmarks: np.ndarray, target: np.ndarray,
              skin: tuple[np.ndarray, np.ndarray] | None = None) -> WarpResult:
    """Move `landmarks` to `target` (both (68, 2) image pixels), deforming only the face region.
    `skin`: extra points on the skin and where they go (skin_points.py), for a finer mesh."""
    frame = FaceFrame.from_landmarks(landmarks)
    anchors = _anchor_points(frame, landmarks)
    x0, y0, x1, y1 = _crop_box(frame, anchors, image.shape)
    w, h = x1 - x0, y1 - y0
    offset = np.array([x0, y0], dtype=np.float64)

    inside = np.all((anchors - offset > 1) & (anchors - offset < [w - 2, h - 2]), axis=1)
    fixed = np.concatenate([anchors[inside] - offset, _border_points(w, h)])
    extra_src, extra_dst = skin if skin is not None else (np.zeros((0, 2)), np.zeros((0, 2)))
    moving = np.concatenate([landmarks, extra_src]).astype(np.float64)
    src_pts = np.concatenate([moving - offset, fixed])
    n = len(moving)
    src_pts[:n] = np.clip(src_pts[:n], 0, [w - 1, h - 1])
    move = np.zeros_like(src_pts)
    move[:n] = np.concatenate([target, extra_dst]).astype(np.float64) - moving
    triangles = _triangulate(_mouth_opened(src_pts, frame), w, h)
    interior = np.all(np.isin(triangles, MOUTH), axis=1)
    sliver = 2 * SLIVER_AREA * frame.unit**2

    scale = 1.0
    for _ in range(MAX_SHRINK_TRIES):
        dst_pts = src_pts + scale * move
        if not _folds(src_pts, dst_pts, triangles, interior, sliver):
            break
        scale *= 0.7
    else:
        return WarpResult(image.copy(), landmarks.copy(), 0.0)

    exact = (dst_pts[48:60], dst_pts[36:42], dst_pts[42:48])
    map_x, map_y = _smoothed(*_remap_maps(src_pts, dst_pts, triangles, w, h), exact, frame.unit)
    out = image.copy()
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    out[y0:y1, x0:x1] = cv2.remap(crop, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    moved = (dst_pts[:68] + offset).astype(np.float32)
    return WarpResult(out, moved, scale)
