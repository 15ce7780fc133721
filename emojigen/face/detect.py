"""dlib HOG face detection with 68 landmarks, tuned for selfies, small faces and tight crops."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.errors import BadParameter, NoFace
from emojigen.face.models import LANDMARKS_68, model_path

log = logging.getLogger(__name__)

# Detection runs on a copy no larger than this; landmarks are then fitted on the full image.
DETECT_MAX_SIDE = 800
# Tightly cropped faces (the chin at the image edge) are missed by HOG; a padded retry finds them.
PAD_FRACTION = 0.3
# Hits scoring below this are usually badges, logos or patterns; they count only when nothing beats them.
WEAK_SCORE = 0.25


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom in image pixels
    score: float
    landmarks: np.ndarray  # (68, 2) float32, x then y, iBUG 300-W order

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Detection:
    face: Face  # the face chosen for editing
    count: int  # how many faces were found in the photo
    upsampled: bool  # found only after upsampling (small face)
    padded: bool  # found only after padding the borders (tight crop)
    boxes: tuple[Box, ...] = ()  # every face found, left to right (the numbers a user picks by)
    index: int = 0  # the chosen face's place in `boxes`
    asked: bool = False  # the user picked the face (else the largest was taken)


class FaceDetector:
    """Loads dlib's detector and landmark model lazily, once; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detector = None
        self._predictor = None

    def load(self) -> None:
        """Load the models now (a server calls this at start so the first user does not wait)."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        import dlib  # imported here so that `import emojigen` stays light

        if self._detector is None:
            self._detector = dlib.get_frontal_face_detector()
            self._predictor = dlib.shape_predictor(str(model_path(LANDMARKS_68)))

    def detect(self, rgb: np.ndarray, face: int | None = None) -> Detection:
        """Find the faces in an RGB uint8 image and return one with its landmarks: the `face`-th from the
        left (counting from 0) when asked, else the largest confident one."""
        with self._lock:  # dlib objects are not documented as thread-safe
            self._load()
            return self._detect_locked(rgb, face)

    def _detect_locked(self, rgb: np.ndarray, asked: int | None) -> Detection:
        import dlib

        scale = min(1.0, DETECT_MAX_SIDE / max(rgb.shape[:2]))
        small = rgb if scale == 1.0 else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        pad = int(PAD_FRACTION * max(small.shape[:2]))
        attempts = [(0, 0), (1, 0), (0, pad), (1, pad)]  # (upsample, padding)
        for upsample, padding in attempts:
            image = small
            if padding:
                image = cv2.copyMakeBorder(small, padding, padding, padding, padding, cv2.BORDER_REPLICATE)
            rects, scores, _ = self._detector.run(image, upsample, 0.0)
            if len(rects):
                break
        else:
            raise NoFace()

        if max(scores) >= WEAK_SCORE:
            rects = [r for r, sc in zip(rects, scores, strict=True) if sc >= WEAK_SCORE]
            scores = [sc for sc in scores if sc >= WEAK_SCORE]
        boxes = [
            (
                (r.left() - padding) / scale,
                (r.top() - padding) / scale,
                (r.right() - padding) / scale,
                (r.bottom() - padding) / scale,
            )
            for r in rects
        ]
        order = sorted(range(len(boxes)), key=lambda i: (boxes[i][0] + boxes[i][2], boxes[i][1]))
        if asked is not None and asked >= len(boxes):
            raise BadParameter("face", f"照片里只找到 {len(boxes)} 张脸，编号是 0 到 {len(boxes) - 1}（从左往右）。",
                               f"the photo has {len(boxes)} face(s), numbered 0 to {len(boxes) - 1} from the left.")
        best = order[asked] if asked is not None else _choose_face(boxes, list(scores))
        left, top, right, bottom = boxes[best]
        rect = dlib.rectangle(int(round(left)), int(round(top)), int(round(right)), int(round(bottom)))
        shape = self._predictor(np.ascontiguousarray(rgb), rect)
        landmarks = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        face = Face(box=tuple(int(round(v)) for v in boxes[best]), score=float(scores[best]), landmarks=landmarks)
        log.debug("found %d face(s), chose #%d score=%.2f", len(boxes), best, face.score)
        ordered = tuple(tuple(int(round(v)) for v in boxes[i]) for i in order)
        return Detection(face=face, count=len(boxes), upsampled=upsample > 0, padded=padding > 0, boxes=ordered,
                         index=order.index(best), asked=asked is not None)


def _choose_face(boxes: list[tuple[float, float, float, float]], scores: list[float]) -> int:
    """The largest face among the confident ones: false hits (badges, patches) are small or weak."""
    best_score = max(scores)
    confident = [i for i, s in enumerate(scores) if s >= best_score - 0.5]
    return max(confident, key=lambda i: (boxes[i][2] - boxes[i][0]) * (boxes[i][3] - boxes[i][1]))
