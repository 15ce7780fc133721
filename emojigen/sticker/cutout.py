"""Cut the head and shoulders out of the photo: GrabCut seeded from the 68 landmarks.

The face itself (from the landmarks) is certain foreground, a head-shaped region around it (hair) and
a shoulder region below are probable foreground, and the crop's top and side edges are probable
background; GrabCut settles the rest from colour. The result is a soft alpha matte.
"""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.face.geometry import FaceFrame

WORK_SIDE = 256  # GrabCut runs at this size: quality is set by the seeds, speed by the pixel count
ITERATIONS = 4


def _face_hull(frame: FaceFrame, landmarks: np.ndarray) -> np.ndarray:
    """Jaw line plus a forehead estimated above the brows."""
    brows = frame.to_local(landmarks[17:27])
    forehead = brows + [0.0, -0.45]
    return np.concatenate([landmarks[:17], frame.to_image(forehead[::-1])])


def _ellipse(frame: FaceFrame, centre_y: float, rx: float, ry: float, n: int = 48) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return frame.to_image(np.stack([rx * np.cos(a), centre_y + ry * np.sin(a)], axis=1))


def matte(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """An alpha matte (H, W) uint8 of the person in `image` (a head-and-shoulders crop)."""
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    small = cv2.resize(image[..., :3], (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    frame = FaceFrame.from_landmarks(landmarks * scale)
    pts = landmarks * scale

    def poly(points: np.ndarray) -> list[np.ndarray]:
        return [np.round(points).astype(np.int32)]

    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    # Head with hair: an ellipse larger than the face, reaching well above the brows.
    cv2.fillPoly(mask, poly(_ellipse(frame, 0.25, 1.45, 1.75)), cv2.GC_PR_FGD)
    # Neck and shoulders: a trapezoid below the chin, widening to the bottom of the crop.
    chin = frame.to_local(pts[8:9])[0]
    shoulders = np.array([[-0.6, chin[1] - 0.2], [0.6, chin[1] - 0.2], [2.4, chin[1] + 1.6], [-2.4, chin[1] + 1.6]])
    cv2.fillPoly(mask, poly(frame.to_image(shoulders)), cv2.GC_PR_FGD)
    cv2.fillPoly(mask, poly(_shrink(_face_hull(frame, pts), 0.92)), cv2.GC_FGD)
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
    # Smooth the jagged GrabCut edge, then scale up and feather to a soft one-pixel-ish edge.
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    fg = cv2.GaussianBlur(fg, (0, 0), 1.5)
    big = cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR)
    big = np.where(big > 127, 255, 0).astype(np.uint8)
    return cv2.GaussianBlur(big, (0, 0), max(0.7, 0.8 / scale / 2))


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


def _fill_holes(fg: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(fg)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled
