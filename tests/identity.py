"""Who is this? dlib's 128-d face descriptor, for the tests to check that an edited face is still the same
person (the library itself never needs it)."""

from __future__ import annotations

import threading

import numpy as np

from emojigen.face.models import FACE_DESCRIPTOR, model_path

SAME_PERSON = 0.6  # dlib's own threshold: descriptors closer than this belong to one person


class FaceIdentity:
    """Loads dlib's ResNet face-recognition model lazily, once; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model = None

    def descriptor(self, rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """The 128-d descriptor of the face whose 68 landmarks are given (image pixels)."""
        import dlib

        xs, ys = landmarks[:, 0], landmarks[:, 1]
        box = dlib.rectangle(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
        shape = dlib.full_object_detection(box, [dlib.point(int(round(x)), int(round(y))) for x, y in landmarks])
        with self._lock:
            if self._model is None:
                self._model = dlib.face_recognition_model_v1(str(model_path(FACE_DESCRIPTOR)))
            return np.array(self._model.compute_face_descriptor(np.ascontiguousarray(rgb), shape))

    @staticmethod
    def distance(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a - b))
