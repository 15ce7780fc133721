"""Faces in awkward photos: small, tightly cropped, several, none."""

import cv2
import numpy as np
import pytest

from emojigen import NoFace
from emojigen.face.detect import _choose_face


def test_clear_face(detector, astronaut):
    detection = detector.detect(astronaut)
    assert detection.count == 1 and not detection.upsampled and not detection.padded
    left, top, right, bottom = detection.face.box
    assert 150 < left < 220 and 60 < top < 120 and right - left > 60
    assert detection.face.landmarks.shape == (68, 2)


def test_small_face_is_found_by_upsampling(detector, astronaut):
    small = cv2.resize(astronaut, (200, 200), interpolation=cv2.INTER_AREA)  # the face is ~35 px wide
    detection = detector.detect(small)
    assert detection.upsampled


def test_tight_crop_is_found_with_padding(detector, astronaut):
    left, top, right, bottom = detector.detect(astronaut).face.box
    tight = np.ascontiguousarray(astronaut[top + 10:bottom + 2, left + 4:right - 4])
    tight = cv2.resize(tight, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    detection = detector.detect(tight)
    assert detection.padded


def test_two_faces_choose_the_larger(detector, astronaut):
    face = astronaut[60:230, 150:300]
    canvas = np.full((400, 700, 3), 235, np.uint8)
    canvas[20:190, 20:170] = cv2.resize(face, (150, 170))
    canvas[60:400, 320:620] = cv2.resize(face, (300, 340))
    detection = detector.detect(canvas)
    assert detection.count == 2
    assert detection.face.box[0] > 300


def test_no_face(detector):
    with pytest.raises(NoFace):
        detector.detect(np.full((300, 300, 3), 128, np.uint8))


def test_choose_prefers_large_confident_faces():
    boxes = [(0, 0, 50, 50), (0, 0, 200, 200), (0, 0, 400, 400)]
    assert _choose_face(boxes, [2.0, 1.8, 0.5]) == 1  # the biggest is far less sure: likely a false hit
