"""The warp really changes the expression: landmarks re-detected on the output moved the right way."""

import numpy as np
import pytest

from emojigen.expression.moves import target_landmarks
from emojigen.expression.warp import warp_face
from emojigen.face import FaceDetector, FaceFrame


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


def corner_lift(landmarks: np.ndarray) -> float:
    """How far the mouth corners sit above the middle of the lips, in eye distances (+ = smiling)."""
    local = FaceFrame.from_landmarks(landmarks).to_local(landmarks)
    mid = (local[62, 1] + local[66, 1]) / 2
    return float(mid - (local[48, 1] + local[54, 1]) / 2)


def inner_brow_height(landmarks: np.ndarray) -> float:
    local = FaceFrame.from_landmarks(landmarks).to_local(landmarks)
    return float(-(local[21, 1] + local[22, 1]) / 2)


def mouth_opening(landmarks: np.ndarray) -> float:
    local = FaceFrame.from_landmarks(landmarks).to_local(landmarks)
    return float(local[66, 1] - local[62, 1])


def edit_and_redetect(detector, image, expression, intensity=1.0):
    before = detector.detect(image).face.landmarks
    result = warp_face(image, before, target_landmarks(before, expression, intensity))
    after = detector.detect(result.image).face.landmarks
    return before, after


def test_sad_turns_the_smile_down_and_lifts_inner_brows(detector, astronaut):
    before, after = edit_and_redetect(detector, astronaut, "sad")
    assert corner_lift(after) < corner_lift(before) - 0.04
    assert inner_brow_height(after) > inner_brow_height(before) + 0.02


def test_smile_lifts_the_corners_of_a_sad_face(detector, astronaut):
    _, sad = edit_and_redetect(detector, astronaut, "sad", 1.5)
    sad_image = warp_face(astronaut, detector.detect(astronaut).face.landmarks,
                          target_landmarks(detector.detect(astronaut).face.landmarks, "sad", 1.5)).image
    _, smiling = edit_and_redetect(detector, sad_image, "smile", 1.2)
    assert corner_lift(smiling) > corner_lift(sad) + 0.04


def test_surprise_opens_the_mouth_and_raises_the_brows(detector, astronaut):
    before, after = edit_and_redetect(detector, astronaut, "surprised")
    assert mouth_opening(after) > mouth_opening(before) + 0.1
    assert inner_brow_height(after) > inner_brow_height(before) + 0.05


def test_intensity_zero_changes_nothing(detector, astronaut):
    face = detector.detect(astronaut).face
    result = warp_face(astronaut, face.landmarks, target_landmarks(face.landmarks, "angry", 0.0))
    assert np.abs(result.image.astype(int) - astronaut).max() <= 1
