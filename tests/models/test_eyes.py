"""Eyes on real faces, measured on the pixels (dlib re-detects a shut eye as partly open and cannot
see an iris): a wink covers the iris with a lid, wide eyes (AU5) keep the iris round, and the gaze
sliders move the iris."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emojigen.expression.actions import Tweaks
from emojigen.expression.eyes import find_iris
from emojigen.expression.render import render_expression
from emojigen.sticker.subject import head_at_working_size

FACES = ["obama", "young_man", "happy_woman", "elderly", "glasses"]
LEFT_EYE = slice(36, 42)
# Known misses, kept visible (strict: a fix makes them fail until they are removed from here).
KNOWN_MISSES = {
    ("elderly", "wink"): "dlib puts this eye's outline below the eye: the top of the iris, above the outline, "
    "is left under a stretched lid as a dark band",
    ("elderly", "gaze"): "glare on the eye splits the iris into dark pieces: the iris is found in the wrong place",
}


def cases(check):
    return [pytest.param(name, marks=[pytest.mark.xfail(reason=KNOWN_MISSES[name, check], strict=True)]
                         if (name, check) in KNOWN_MISSES else []) for name in FACES]


@pytest.fixture(scope="module")
def faces(photo_rgb, detector):
    return {name: head_at_working_size(photo_rgb(name), detector.detect(photo_rgb(name)).face.landmarks, 512)
            for name in FACES}


def tallest_dark_run(image, outline, threshold):
    """The most iris-dark pixels in one column inside an eye outline: an iris is tall, a lash line thin."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
    grey = image.astype(np.float32).mean(axis=2)
    return int(((grey <= threshold) & (mask > 0)).sum(axis=0).max())


def iris_threshold(image, outline):
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
    grey = image.astype(np.float32).mean(axis=2)[mask > 0]
    return float(np.percentile(grey, 30))


def dark_blob_shape(image, outline, threshold):
    """Height / width of the iris-dark pixels inside an eye outline."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
    grey = image.astype(np.float32).mean(axis=2)
    ys, xs = np.nonzero((grey <= threshold) & (mask > 0))
    return (ys.max() - ys.min() + 1) / (xs.max() - xs.min() + 1)


@pytest.mark.parametrize("name", cases("wink"))
def test_a_wink_puts_a_lid_over_the_iris(faces, name):
    image, landmarks = faces[name]
    out = render_expression(image, landmarks, "wink", 1.0)
    eye = landmarks[LEFT_EYE]
    threshold = iris_threshold(image, eye)
    before, after = tallest_dark_run(image, eye, threshold), tallest_dark_run(out.image, eye, threshold)
    # What stays dark is the lash line, not an iris.
    assert after <= max(0.6 * before, 4), f"tallest iris-dark column {before} -> {after} px"
    other = landmarks[42:48]
    assert tallest_dark_run(out.image, other, threshold) >= 0.7 * tallest_dark_run(image, other, threshold)


@pytest.mark.parametrize("name", cases("round"))
def test_wide_eyes_keep_the_iris_round(faces, name):
    image, landmarks = faces[name]
    out = render_expression(image, landmarks, "surprised", 1.0)
    for eye in (slice(36, 42), slice(42, 48)):
        threshold = iris_threshold(image, landmarks[eye])
        before = dark_blob_shape(image, landmarks[eye], threshold)
        after = dark_blob_shape(out.image, out.landmarks[eye], threshold)
        opened = np.ptp(out.landmarks[eye][:, 1]) / np.ptp(landmarks[eye][:, 1])
        assert opened > 1.15  # the eye did open wider...
        # ...not the iris: more of its disc shows, never an upright oval (a stretched iris reads 1.3-1.6).
        assert after <= 1.1, f"iris height/width {before:.2f} -> {after:.2f}"


@pytest.mark.parametrize("name", cases("gaze"))
def test_the_gaze_sliders_move_the_iris(faces, name):
    image, landmarks = faces[name]
    width = float(np.hypot(*(landmarks[39] - landmarks[36])))
    start, _ = find_iris(image, landmarks[LEFT_EYE])
    for gaze, axis, sign in ((Tweaks(gaze_x=1.0), 0, 1), (Tweaks(gaze_x=-1.0), 0, -1)):
        out = render_expression(image, landmarks, "neutral", 0.0, tweaks=gaze)
        moved, _ = find_iris(out.image, out.landmarks[LEFT_EYE])
        assert sign * (moved[axis] - start[axis]) > 0.08 * width, (gaze, start, moved)
