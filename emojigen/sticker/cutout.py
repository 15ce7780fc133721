"""Cut the head and shoulders out of a crop: a soft alpha matte the size of the image.

Two ways, both seeded from the 68 landmarks:

- "learned": a person-segmentation net (sticker/segmentation.py) gives each pixel's probability; the
  landmarks make the face certain and limit where this person can be (so a neighbour in a group photo is
  dropped), and a guided filter on the photo brings the low-resolution matte to full size along the hair.
- "grabcut": the face is certain foreground, a head-shaped region (hair) and a shoulder region are
  probable foreground, the crop's top and sides probable background, and GrabCut settles the rest from
  colour. It needs no model, but keeps bits of busy background and loses shoulders in similar colours.
"""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

METHODS = ("learned", "grabcut")
DEFAULT_METHOD = "learned"

GRABCUT_SIDE = 256  # GrabCut's result hangs on its work size (at 224 one test face loses its hair): kept
ITERATIONS = 3  # a fourth changes almost nothing (IoU 0.995 with it) and costs a fifth of the time
LEARNED_SIDE = 256  # the net sees 256x256; refining at more than that adds nothing
GUIDE_RADIUS = 3  # guided filter window, in work-size pixels
GUIDE_EPS = 2e-3  # how much grey-level contrast an edge needs for the matte to follow it
EDGE_GAIN = 3.0  # steepens the filtered matte into an edge one or two pixels wide
SURE = 0.85  # the net's probability taken as certain
SMALL_HOLE = 0.03  # enclosed background smaller than this share of the crop is filled (gaps in the net's guess)


def matte(image: np.ndarray, landmarks: np.ndarray, method: str = DEFAULT_METHOD) -> np.ndarray:
    """An alpha matte (H, W) uint8 of the person in `image` (a head-and-shoulders crop)."""
    if method == "learned":
        return _learned(image, landmarks)
    if method == "grabcut":
        return _grabcut(image, landmarks)
    raise ValueError(f"unknown cut-out method {method!r}; one of {', '.join(METHODS)}")


def _work_size(image: np.ndarray, side: int) -> tuple[int, int, float]:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    return max(1, round(w * scale)), max(1, round(h * scale)), scale


def _px(x: float) -> int:
    return max(1, round(x))


def _poly(points: np.ndarray) -> list[np.ndarray]:
    return [np.round(points).astype(np.int32)]


def _learned(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    from emojigen.sticker.segmentation import person_probability  # the net loads on first use only

    sw, sh, scale = _work_size(image, LEARNED_SIDE)
    pts = landmarks * scale
    frame = FaceFrame.from_landmarks(pts)
    prob = person_probability(image, (sw, sh)) * _reach(frame, pts, (sh, sw))
    face = np.zeros((sh, sw), np.uint8)
    cv2.fillPoly(face, _poly(_shrink(_face_hull(frame, pts), 0.92)), 1)
    prob[face > 0] = 1.0  # the face is the person, whatever the net thinks of a hand or a mask on it
    # What the net is sure of, joined to the face; its unsure pixels (0.5-SURE) count only next to that. A
    # neighbour the net is unsure of is dropped even where it touches this person's hair or shoulder.
    sure = _keep_face_component(np.where(prob > SURE, 255, 0).astype(np.uint8), pts[30])
    near_sure = cv2.dilate(sure, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _px(0.12 * frame.unit) + 1,) * 2))
    fg = _keep_face_component(np.where((prob > 0.5) & (near_sure > 0), 255, 0).astype(np.uint8), pts[30])
    fg = _fill_holes(fg, SMALL_HOLE * sw * sh)
    # Keep the net's soft values only near the kept region's edge: elsewhere it is 0 or 1 outright.
    near = cv2.dilate(fg, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) > 0
    core = cv2.erode(fg, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) > 0
    low = np.where(core, 1.0, np.where(near, prob, 0.0)).astype(np.float32)
    return _crisp(guided_upsample(image, low, GUIDE_RADIUS, GUIDE_EPS), EDGE_GAIN)


def _reach(frame: FaceFrame, pts: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """float32 weight, 1 where this person's head, hair and shoulders can be and fading to 0 beyond (in eye
    distances): another person beside them in a group photo is not part of the sticker."""
    reach = np.zeros(shape, np.uint8)
    cv2.fillPoly(reach, _poly(_ellipse(frame, 0.2, 1.9, 2.4)), 255)
    chin = frame.to_local(pts[8:9])[0]
    body = np.array([[-1.1, chin[1] - 0.6], [1.1, chin[1] - 0.6], [3.2, chin[1] + 1.4], [3.2, chin[1] + 6.0],
                     [-3.2, chin[1] + 6.0], [-3.2, chin[1] + 1.4]])
    cv2.fillPoly(reach, _poly(frame.to_image(body)), 255)
    soft = max(1.0, 0.12 * frame.unit)
    return cv2.GaussianBlur(reach, (0, 0), soft).astype(np.float32) / 255.0


def _grabcut(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    sw, sh, scale = _work_size(image, GRABCUT_SIDE)
    small = cv2.resize(image[..., :3], (sw, sh), interpolation=cv2.INTER_AREA)
    pts = landmarks * scale
    frame = FaceFrame.from_landmarks(pts)

    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    # Head with hair: an ellipse larger than the face, reaching well above the brows.
    cv2.fillPoly(mask, _poly(_ellipse(frame, 0.25, 1.45, 1.75)), cv2.GC_PR_FGD)
    # Neck and shoulders: a trapezoid below the chin, widening to the bottom of the crop.
    chin = frame.to_local(pts[8:9])[0]
    shoulders = np.array([[-0.6, chin[1] - 0.2], [0.6, chin[1] - 0.2], [2.4, chin[1] + 1.6], [-2.4, chin[1] + 1.6]])
    cv2.fillPoly(mask, _poly(frame.to_image(shoulders)), cv2.GC_PR_FGD)
    cv2.fillPoly(mask, _poly(_shrink(_face_hull(frame, pts), 0.92)), cv2.GC_FGD)
    # The top and side borders are background (the bottom border usually cuts through the body).
    border = max(2, sw // 40)
    mask[:border, :] = cv2.GC_BGD
    mask[:, :border][mask[:, :border] != cv2.GC_FGD] = cv2.GC_BGD
    mask[:, -border:][mask[:, -border:] != cv2.GC_FGD] = cv2.GC_BGD

    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means starts from OpenCV's (per-thread) RNG: same photo, same matte
    cv2.grabCut(np.ascontiguousarray(small), mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    fg = _keep_face_component(fg, pts[30])
    fg = _fill_holes(fg)
    # Smooth GrabCut's jagged edge, then let the photo's edges place it at full size.
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    low = cv2.GaussianBlur(fg, (0, 0), 1.0).astype(np.float32) / 255.0
    return _crisp(guided_upsample(image, low, GUIDE_RADIUS, GUIDE_EPS), EDGE_GAIN)


def _face_hull(frame: FaceFrame, landmarks: np.ndarray) -> np.ndarray:
    """Jaw line plus a forehead estimated above the brows."""
    brows = frame.to_local(landmarks[17:27])
    forehead = brows + [0.0, -0.45]
    return np.concatenate([landmarks[:17], frame.to_image(forehead[::-1])])


def _ellipse(frame: FaceFrame, centre_y: float, rx: float, ry: float, n: int = 48) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return frame.to_image(np.stack([rx * np.cos(a), centre_y + ry * np.sin(a)], axis=1))


def _shrink(points: np.ndarray, factor: float) -> np.ndarray:
    centre = points.mean(axis=0)
    return centre + (points - centre) * factor


def _keep_face_component(fg: np.ndarray, nose: np.ndarray) -> np.ndarray:
    """Drop foreground islands that are not connected to the face."""
    count, labels = cv2.connectedComponents(fg)
    if count <= 2:
        return fg
    x = int(np.clip(round(nose[0]), 0, fg.shape[1] - 1))
    y = int(np.clip(round(nose[1]), 0, fg.shape[0] - 1))
    label = labels[y, x]
    if label == 0:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        label = int(np.argmax(sizes))
    return np.where(labels == label, 255, 0).astype(np.uint8)


def _fill_holes(fg: np.ndarray, max_area: float | None = None) -> np.ndarray:
    """Fill enclosed background (all of it, or the holes up to `max_area` pixels)."""
    if max_area is None:
        contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(fg)
        cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
        return filled
    count, labels, stats, _ = cv2.connectedComponentsWithStats((fg == 0).astype(np.uint8), connectivity=4)
    h, w = fg.shape
    out = fg.copy()
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        touches_border = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches_border and area <= max_area:
            out[labels == i] = 255
    return out


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_upsample(image: np.ndarray, low: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """`low` (h, w) float32 in [0, 1] brought to the size of `image` along the photo's edges: a guided filter
    (He et al.) fitted at the low resolution, its coefficients applied to the full-size grey photo. A plain
    resize would give a blocky or blurred edge; this one follows hair and collars. Colour guidance costs a
    3x3 solve per pixel and gains little on these crops."""
    h, w = image.shape[:2]
    grey = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    guide = cv2.resize(grey, (low.shape[1], low.shape[0]), interpolation=cv2.INTER_AREA)
    p = low.astype(np.float32)
    mean_i, mean_p = _box(guide, radius), _box(p, radius)
    a = (_box(guide * p, radius) - mean_i * mean_p) / (_box(guide * guide, radius) - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    a = cv2.resize(_box(a, radius), (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(_box(b, radius), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(a * grey + b, 0.0, 1.0)


def _crisp(alpha: np.ndarray, gain: float) -> np.ndarray:
    """[0, 1] -> uint8, the transition around 0.5 made `gain` times steeper: stickers draw their outline at
    alpha 127, and a wide soft fringe would let the old background show through beside it."""
    return (np.clip((alpha - 0.5) * gain + 0.5, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
