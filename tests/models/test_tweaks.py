"""The fine-tune sliders on real faces: each moves the re-detected landmarks the way its action unit
describes, on top of any feeling, and left at 0 changes nothing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emojigen.expression.actions import GASP_TEETH, Tweaks, gasps, teeth_shown
from emojigen.expression.render import render_expression
from emojigen.face import FaceFrame
from emojigen.sticker.compose import crop_head

FACES = ["obama", "young_man", "happy_woman"]


def local(landmarks):
    return FaceFrame.from_landmarks(landmarks).to_local(landmarks)


def inner_brow_height(lm):
    p = local(lm)
    return float(-(p[21, 1] + p[22, 1]) / 2)


def eye_openings(lm):
    p = local(lm)
    return float(np.mean(p[[41, 40], 1] - p[[37, 38], 1])), float(np.mean(p[[47, 46], 1] - p[[43, 44], 1]))


def mouth_opening(lm):
    p = local(lm)
    return float(p[66, 1] - p[62, 1])


def mouth_width(lm):
    p = local(lm)
    return float(p[54, 0] - p[48, 0])


def corner_lift(lm):
    p = local(lm)
    return float((p[62, 1] + p[66, 1]) / 2 - (p[48, 1] + p[54, 1]) / 2)


# slider -> (measure, direction, least change in eye distances)
EXPECTED = {
    Tweaks(brows=1.0): (inner_brow_height, +1, 0.06),
    Tweaks(brows=-1.0): (inner_brow_height, -1, 0.05),
    Tweaks(eyes=1.0): (lambda lm: float(np.mean(eye_openings(lm))), +1, 0.012),
    Tweaks(smile=1.0): (corner_lift, +1, 0.04),
    Tweaks(smile=-1.0): (corner_lift, -1, 0.04),
    Tweaks(wide=1.0): (mouth_width, +1, 0.06),  # "eee"
    Tweaks(rounded=1.0): (mouth_width, -1, 0.06),  # "woo"
}


@pytest.fixture(scope="module")
def faces(photo_rgb, detector):
    found = {}
    for name in FACES:
        rgb = photo_rgb(name)
        head = crop_head(rgb, detector.detect(rgb).face.landmarks)
        found[name] = (head.image, head.landmarks.astype(np.float32))
    return found


@pytest.mark.parametrize("name", FACES)
@pytest.mark.parametrize("tweaks", list(EXPECTED), ids=lambda t: ",".join(f"{k}={v}" for k, v in vars(t).items() if v))
def test_each_slider_moves_the_face_its_way(faces, detector, name, tweaks):
    image, landmarks = faces[name]
    measure, direction, least = EXPECTED[tweaks]
    out = render_expression(image, landmarks, "neutral", 0.0, tweaks=tweaks)
    after = detector.detect(out.image).face.landmarks
    before = detector.detect(image).face.landmarks
    change = direction * (measure(after) - measure(before))
    assert change >= least, f"{name}: moved {change:.3f}, wanted at least {least}"


@pytest.mark.parametrize("name", FACES)
def test_the_mouth_slider_drops_the_jaw_into_a_dark_opening(faces, name):
    # Measured on the warped landmarks and the pixels: dlib under-reads a dark opening with no teeth.
    image, landmarks = faces[name]
    out = render_expression(image, landmarks, "neutral", 0.0, tweaks=Tweaks(mouth=1.0))
    assert mouth_opening(out.landmarks) >= 0.35
    mask = np.zeros(out.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(out.landmarks[60:68]).astype(np.int32)], 1)
    assert out.image[mask > 0].astype(np.float32).mean() < 110  # dark: no grin left in it


@pytest.mark.parametrize("name", FACES)
def test_the_wink_slider_shuts_one_eye(faces, name):
    # Measured on the warped landmarks: dlib's 68-point model re-detects a shut eye as partly open.
    image, landmarks = faces[name]
    out = render_expression(image, landmarks, "neutral", 0.0, tweaks=Tweaks(wink=1.0))
    (left_before, right_before), (left_after, right_after) = eye_openings(landmarks), eye_openings(out.landmarks)
    assert left_after < 0.25 * left_before and abs(right_after - right_before) < 0.1 * right_before


def test_sliders_at_zero_change_nothing(faces):
    image, landmarks = faces["obama"]
    plain = render_expression(image, landmarks, "sad", 1.0)
    zeroed = render_expression(image, landmarks, "sad", 1.0, tweaks=Tweaks())
    assert np.array_equal(plain.image, zeroed.image)


def test_teeth_show_for_a_grin_or_a_shout_not_for_a_gasp():
    assert teeth_shown({"AU12": 1.0, "AU25": 1.0, "AU26": 1.0}) == 1.0
    assert teeth_shown({"AU10": 0.8, "AU25": 1.0}) == 0.8
    gasp = {"AU1": 1.0, "AU2": 1.0, "AU5": 1.0, "AU26": 1.0, "AU27": 0.4}
    assert teeth_shown(gasp) == GASP_TEETH and gasps(gasp)  # only the upper teeth's edge
    assert not gasps({"AU6": 1.0, "AU12": 1.0, "AU25": 1.0, "AU26": 1.0})  # a laugh
    assert teeth_shown({"AU12": 1.0}) == 0.0  # a closed smile
