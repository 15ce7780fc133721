"""The appearance half of the action units on real faces: each AU darkens the skin along its own lines, by a
few levels at intensity 1, more when exaggerated, and nothing anywhere else (hair, background, off the face).

Faces are cropped and scaled as the sticker pipeline does (the head square, about 512 px). Regions are
placed in the face's own frame (origin between the eyes, unit = eye distance, y down the face).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emojigen.expression.appearance import APPEARANCE_AUS, paint_appearance
from emojigen.expression.moves import target_landmarks
from emojigen.expression.render import acting_aus
from emojigen.expression.warp import warp_face
from emojigen.face import FaceFrame
from emojigen.sticker.compose import crop_head

FACES = ["astronaut", "obama", "young_man", "happy_woman", "surprised_woman", "glasses", "elderly", "grey_obama"]
SIZE = 512


@pytest.fixture(scope="module")
def faces(detector, photo_rgb):
    """name -> (image, landmarks): the head crop scaled to about 512 px on its long side."""
    prepared = {}
    for name in FACES:
        rgb = photo_rgb(name)
        head = crop_head(rgb, detector.detect(rgb).face.landmarks)
        scale = SIZE / max(head.image.shape[:2])
        size = (round(head.image.shape[1] * scale), round(head.image.shape[0] * scale))
        image = cv2.resize(head.image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        prepared[name] = (image, (head.landmarks + 0.5) * scale - 0.5)
    return prepared


def change(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per-pixel change in brightness (mean of the channels), in grey levels."""
    return after.astype(np.float32).mean(axis=2) - before.astype(np.float32).mean(axis=2)


def sample(image: np.ndarray, frame: FaceFrame, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """`image` (2-D) read at the face-frame grid xs x ys (bilinear): rows follow y, columns x."""
    gx, gy = np.meshgrid(xs, ys)
    points = frame.to_image(np.stack([gx, gy], axis=-1)).astype(np.float32)
    return cv2.remap(image.astype(np.float32), points[..., 0], points[..., 1], cv2.INTER_LINEAR)


def region(delta: np.ndarray, frame: FaceFrame, centre, half_size) -> np.ndarray:
    (cx, cy), (hx, hy) = centre, half_size
    return sample(delta, frame, np.linspace(cx - hx, cx + hx, 15), np.linspace(cy - hy, cy + hy, 15))


def painted(faces, name: str, aus: dict[str, float]):
    image, landmarks = faces[name]
    out = paint_appearance(image, landmarks, landmarks, aus)
    frame = FaceFrame.from_landmarks(landmarks)
    return image, out, frame, frame.to_local(landmarks)


@pytest.mark.parametrize("aus", [{}, dict.fromkeys(APPEARANCE_AUS, 0.0), {"AU26": 1.0, "AU5": 0.7}],
                         ids=["empty", "zeros", "unhandled"])
def test_no_action_units_change_nothing(faces, aus):
    image, landmarks = faces["obama"]
    out = paint_appearance(image, landmarks, landmarks, aus)
    assert out is not image
    assert np.array_equal(out, image)


def test_the_input_is_left_alone_and_the_result_repeats(faces):
    image, landmarks = faces["elderly"]
    kept = image.copy()
    aus = dict.fromkeys(APPEARANCE_AUS, 1.0)
    first = paint_appearance(image, landmarks, landmarks, aus)
    assert np.array_equal(image, kept)
    assert np.array_equal(first, paint_appearance(image, landmarks, landmarks, aus))


@pytest.mark.parametrize("name", ["obama", "happy_woman", "elderly", "grey_obama", "glasses"])
def test_forehead_lines_darken_along_lines_not_between(faces, name):
    """AU1+AU2: a thin band along each line gets darker; the skin between two lines barely changes."""
    image, out, frame, p = painted(faces, name, {"AU1": 1.0, "AU2": 1.0})
    top = p[17:27, 1].min()
    heights = np.arange(0.1, 0.85, 0.01)
    # The middle of the forehead, where the lines run flat: the change averaged across, by height.
    profile = sample(change(image, out), frame, np.linspace(-0.12, 0.12, 13), top - heights).mean(axis=1)
    minima = [i for i in range(1, len(profile) - 1)
              if profile[i] <= profile[i - 1] and profile[i] <= profile[i + 1] and profile[i] < -2.0]
    assert len(minima) >= 2, f"fewer than two lines: {np.round(profile, 1)}"
    deepest = int(np.argmin(profile))
    assert profile[deepest] <= -3.0
    assert 0.2 <= heights[deepest] <= 0.75, f"deepest line {heights[deepest]:.2f} eye distances above the brows"
    between = max(profile[a:b].max() for a, b in zip(minima, minima[1:], strict=False))
    assert between > -1.5, f"the skin between the lines darkened too: {np.round(profile, 1)}"


def test_inner_brow_raiser_alone_creases_the_middle(faces):
    image, out, frame, p = painted(faces, "obama", {"AU1": 1.0})
    delta = change(image, out)
    top = p[17:27, 1].min()
    middle = region(delta, frame, (0.0, top - 0.45), (0.15, 0.25)).mean()
    sides = [region(delta, frame, (x, top - 0.4), (0.1, 0.25)).mean() for x in (-0.75, 0.75)]
    assert middle < -1.0
    assert all(side > middle / 3 for side in sides), (middle, sides)


def test_exaggerated_means_deeper(faces):
    image, landmarks = faces["happy_woman"]
    frame = FaceFrame.from_landmarks(landmarks)
    top = frame.to_local(landmarks)[17:27, 1].min()
    depth = []
    for level in (0.5, 1.0, 1.6):
        out = paint_appearance(image, landmarks, landmarks, {"AU1": level, "AU2": level})
        depth.append(-region(change(image, out), frame, (0.0, top - 0.45), (0.3, 0.25)).clip(max=0).mean())
    assert 0 < depth[0] < depth[1] < depth[2], depth


@pytest.mark.parametrize("name", ["obama", "happy_woman", "elderly", "glasses"])
def test_brow_lowerer_furrows_between_the_brows(faces, name):
    image, out, frame, p = painted(faces, name, {"AU4": 1.0})
    delta = change(image, out)
    inner = (p[21] + p[22]) / 2
    gap = p[22, 0] - p[21, 0]
    furrows = region(delta, frame, (inner[0], inner[1] - 0.08), (0.4 * gap, 0.12))
    assert furrows.min() < -4.0 and furrows.mean() < -1.0, (furrows.min(), furrows.mean())
    # Above the brows' inner ends and out over the eyebrows nothing happens.
    assert np.abs(region(delta, frame, (inner[0], inner[1] - 0.55), (0.2, 0.1))).max() < 0.5
    assert np.abs(region(delta, frame, (p[19, 0], p[19, 1] - 0.3), (0.1, 0.1))).max() < 0.5


def test_cheek_raiser_crinkles_the_outer_eye_corners(faces):
    image, out, frame, p = painted(faces, "obama", {"AU6": 1.0})
    delta = change(image, out)
    for corner, side in ((36, -1), (45, 1)):
        crows_feet = region(delta, frame, p[corner] + [side * 0.25, 0.02], (0.12, 0.15))
        assert crows_feet.min() < -4.0, (corner, crows_feet.min())


def test_nose_wrinkler_creases_the_bridge(faces):
    image, out, frame, p = painted(faces, "happy_woman", {"AU9": 1.0})
    delta = change(image, out)
    bridge = region(delta, frame, ((p[28, 0] + p[29, 0]) / 2, p[28, 1] + 0.02), (0.08, 0.12))
    assert bridge.min() < -4.0 and bridge.mean() < -1.0, (bridge.min(), bridge.mean())
    tip = region(delta, frame, p[30] + [0.0, 0.05], (0.05, 0.04))
    assert np.abs(tip).max() < 0.5


@pytest.mark.parametrize("name", ["obama", "surprised_woman", "happy_woman", "grey_obama"])
def test_lip_corner_puller_deepens_the_nasolabial_folds(faces, name):
    image, out, frame, p = painted(faces, name, {"AU12": 1.0})
    delta = change(image, out)
    for wing, corner, side in ((31, 48, -1), (35, 54, 1)):
        fold = region(delta, frame, (p[wing] + p[corner]) / 2 + [side * 0.16, 0.0], (0.1, 0.12))
        assert fold.min() < -4.0 and fold.mean() < -0.5, (name, wing, fold.min(), fold.mean())
    philtrum = region(delta, frame, (p[33] + p[51]) / 2, (0.04, 0.04))
    assert np.abs(philtrum).max() < 0.5


def test_the_fold_follows_the_warped_mouth(faces):
    """The nasolabial fold is placed from the landmarks after the warp: it moves with the smile."""
    image, landmarks = faces["surprised_woman"]
    warped = warp_face(image, landmarks, target_landmarks(landmarks, acting_aus("happy", 1.0)))
    out = paint_appearance(warped.image, landmarks, warped.landmarks, {"AU12": 1.0})
    delta = change(warped.image, out)
    frame = FaceFrame.from_landmarks(landmarks)
    p = frame.to_local(warped.landmarks)
    ends = [region(delta, frame, p[corner] + [side * 0.13, 0.1], (0.06, 0.06)).min()
            for corner, side in ((48, -1), (54, 1))]
    assert max(ends) < -2.0, ends


def test_lip_corner_depressor_and_chin_raiser(faces):
    image, out, frame, p = painted(faces, "happy_woman", {"AU15": 1.0, "AU17": 1.0})
    delta = change(image, out)
    for corner, side in ((48, -1), (54, 1)):
        marionette = region(delta, frame, p[corner] + [side * 0.07, 0.17], (0.06, 0.12))
        assert marionette.min() < -4.0, (corner, marionette.min())
    crease = region(delta, frame, p[57] + 0.32 * (p[8] - p[57]), (0.15, 0.05))
    assert crease.mean() < -2.0, crease.mean()
    chin = region(delta, frame, p[57] + 0.6 * (p[8] - p[57]), (0.15, 0.06))
    assert chin.max() > 1.0, "no light on the raised chin boss"


@pytest.mark.parametrize("name", FACES)
def test_nothing_changes_off_the_face(faces, name):
    """Far from the landmarks (and above the forehead's lines) every pixel is as it was."""
    image, landmarks = faces[name]
    out = paint_appearance(image, landmarks, landmarks, {au: 1.6 for au in APPEARANCE_AUS})
    frame = FaceFrame.from_landmarks(landmarks)
    local = frame.to_local(landmarks)
    forehead = local[17:27] - [0.0, 0.95]  # the brows lifted past the highest line
    hull = cv2.convexHull(np.round(frame.to_image(np.concatenate([local, forehead]))).astype(np.int32))
    near = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(near, [hull], 255)
    grow = int(0.25 * frame.unit)
    near = cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    assert np.array_equal(out[near == 0], image[near == 0])
    assert not np.array_equal(out[near > 0], image[near > 0])


def test_a_fringe_is_not_creased(faces):
    """The astronaut's fringe covers her forehead from just above the brows: the lines stop at the hair."""
    image, out, frame, p = painted(faces, "astronaut", {"AU1": 1.6, "AU2": 1.6})
    top = p[17:27, 1].min()
    fringe = region(change(image, out), frame, (0.0, top - 0.65), (0.5, 0.12))
    assert np.abs(fringe).max() < 1.0


def test_a_grey_photo_stays_grey(faces):
    image, out, *_ = painted(faces, "grey_obama", {au: 1.0 for au in APPEARANCE_AUS})
    assert not np.array_equal(out, image)
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])


def test_creases_keep_the_skin_colour(faces):
    """Darkened multiplicatively: a creased pixel keeps its hue (its chromaticity barely moves)."""
    image, out, frame, p = painted(faces, "happy_woman", {"AU1": 1.0, "AU2": 1.0, "AU4": 1.0})
    darker = change(image, out) < -4
    assert darker.sum() > 50
    chroma = [px.astype(np.float32) / (px.astype(np.float32).sum(axis=1, keepdims=True) + 1) for px in
              (image[darker], out[darker])]
    assert np.abs(chroma[1] - chroma[0]).max() < 0.03


@pytest.mark.parametrize("name", ["obama", "young_man", "happy_woman", "glasses"])
def test_hair_and_brows_are_not_creased(faces, name):
    """Over the forehead, pixels much darker than its skin (hair, brows, frames) keep their values."""
    image, out, frame, p = painted(faces, name, {"AU1": 1.6, "AU2": 1.6, "AU4": 1.6})
    top = p[17:27, 1].min()
    grey = image.astype(np.float32).mean(axis=2)
    skin = np.median(region(grey, frame, (0.0, top - 0.1), (0.06, 0.04)))
    xs, ys = np.linspace(-1.0, 1.0, 120), np.linspace(top - 1.0, p[17:27, 1].max() + 0.05, 80)
    dark = sample(grey, frame, xs, ys) < 0.55 * skin
    moved = np.abs(sample(change(image, out), frame, xs, ys))[dark]
    assert dark.sum() > 100
    assert np.percentile(moved, 99) < 0.5 and moved.mean() < 0.03, (np.percentile(moved, 99), moved.mean())
