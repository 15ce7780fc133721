"""The expression engine on real faces: landmarks re-detected on each output moved the right way, by a
meaningful amount; the face is still found; and it is still the same person (dlib's face descriptor).

Writes tests/artifacts/expressions_contact_sheet.png: every face in every expression, to look at.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from identity import FaceIdentity
from PIL import Image

from emojigen.expression import EXPRESSIONS
from emojigen.expression.animate import animate_expression
from emojigen.expression.render import render_expression
from emojigen.face import FaceFrame
from emojigen.sticker.compose import crop_head

FACES = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "glasses", "elderly", "group",
         "grey_obama"]
IDENTITY_LIMIT = 0.5  # dlib's own same-person threshold is 0.6


@pytest.fixture(scope="module")
def identity():
    return FaceIdentity()


def _local(landmarks):
    return FaceFrame.from_landmarks(landmarks).to_local(landmarks)


def corner_lift(lm):
    """Mouth corners above the middle of the lips, in eye distances (+ = smiling)."""
    p = _local(lm)
    return float((p[62, 1] + p[66, 1]) / 2 - (p[48, 1] + p[54, 1]) / 2)


def mouth_opening(lm):
    p = _local(lm)
    return float(p[66, 1] - p[62, 1])


def mouth_width(lm):
    p = _local(lm)
    return float(p[54, 0] - p[48, 0])


def eye_openings(lm):
    p = _local(lm)
    return (float(np.mean(p[[41, 40], 1] - p[[37, 38], 1])), float(np.mean(p[[47, 46], 1] - p[[43, 44], 1])))


def eye_opening(lm):
    return float(np.mean(eye_openings(lm)))


def inner_brow_height(lm):
    p = _local(lm)
    return float(-(p[21, 1] + p[22, 1]) / 2)


def brow_distance(lm):
    p = _local(lm)
    return float(p[22, 0] - p[21, 0])


# Each expression: (measure, what it must be compared with the face as it was). "down 0.03" means at
# least 0.03 eye distances lower than before; "below 0.06" an absolute level.
EXPECTED = {
    "happy": [(corner_lift, "above", 0.05)],
    "laugh": [(corner_lift, "above", 0.05), (mouth_opening, "above", 0.2), (eye_opening, "down", 0.008)],
    "smile": [(corner_lift, "above", 0.04)],
    "sad": [(corner_lift, "below", 0.05), (mouth_opening, "below", 0.11), (inner_brow_height, "up", 0.04)],
    "cry": [(corner_lift, "below", 0.0), (inner_brow_height, "up", 0.05)],
    # dlib under-reads a dark opening with no teeth in it (0.23-0.28 for a 0.36 jaw drop); the opening
    # itself is checked on the pixels in test_a_gasp_is_a_dark_opening_not_a_grin.
    "surprised": [(mouth_opening, "above", 0.2), (inner_brow_height, "up", 0.07), (eye_opening, "up", 0.015)],
    "angry": [(inner_brow_height, "down", 0.05), (mouth_opening, "below", 0.09)],
    "disgusted": [(inner_brow_height, "down", 0.02)],
    "scared": [(mouth_opening, "above", 0.12), (inner_brow_height, "up", 0.07)],
    "neutral": [(corner_lift, "below", 0.08), (mouth_opening, "below", 0.09)],
    "smug": [(mouth_opening, "below", 0.09)],
    "wink": [],  # one eye shut: checked on the pixels in test_eyes.py
    "laugh_cry": [(corner_lift, "above", 0.03), (mouth_opening, "above", 0.14), (inner_brow_height, "up", 0.04)],
    "eye_roll": [(mouth_opening, "below", 0.09)],  # the irises: checked on the pixels below
    "pout": [(mouth_width, "down", 0.06), (mouth_opening, "below", 0.09)],
    "sly_grin": [(eye_opening, "down", 0.008)],  # lopsided: checked below
    "speechless": [(eye_opening, "down", 0.008), (mouth_opening, "below", 0.09)],
}
# Known misses, kept visible (strict: a fix makes them fail until they are removed from here).
KNOWN_MISSES = {
    ("surprised_woman", "smug"): "closing her wide-open O mouth: dlib still reads the pressed lips as parted "
    "(0.097, 0.09 asked)",
    ("surprised_woman", "pout"): "closing a wide-open mouth: dlib still reads the lips as parted (0.12)",
    ("group", "surprised"): "small face (41 px between the eyes, eyes 16 px wide): dlib re-fits the widened eyes "
    "as open as before; the contact sheet shows white above the irises",
    ("surprised_woman", "scared"): "brows already raised in the photo; dlib reads them lower after the move",
    ("surprised_woman", "surprised"): "brows already raised in the photo (0.36); with the mouth repainted as a dark "
    "opening dlib fits them lower (0.33) after the move",
    ("happy_woman", "scared"): "inner brows rise only 0.04-0.05",
    ("elderly", "surprised"): "dlib under-reads the dark opening with no teeth (0.16 for a 0.36 jaw drop); the "
    "painted opening is checked on the pixels",
    ("astronaut", "eye_roll-irises"): "the iris goes under the upper lid: the darkest quarter of the eye stops at "
    "the lid line, 0.099 eye heights up (0.1 asked)",
    ("happy_woman", "eye_roll-irises"): "her lined upper lid is the darkest quarter of the eye: with the iris "
    "under the lid the measure stops at the lid line, 0.08 eye heights up (0.1 asked)",
    ("young_man", "eye_roll-irises"): "iris moves up less than a tenth of the eye height by this pixel measure",
    ("elderly", "eye_roll-irises"): "narrow eyes: the iris moves up less than a tenth of the eye height",
    ("group", "eye_roll-irises"): "small face: the iris moves up less than a tenth of the eye height",
    **{("astronaut", f"identity-{e}"): "this 512 px face is the most sensitive of the set: descriptor distance "
       "0.50-0.63 (still under dlib's 0.6 same-person threshold except cry)"
       for e in ("sad", "angry", "cry", "eye_roll")},
    ("group", "identity-angry"): "small face (41 px between the eyes): the lowered, drawn-together brows (AU4 1.3) "
    "move the descriptor to 0.52, under dlib's 0.6",
    ("grey_obama", "identity-cry"): "the tears move the descriptor to 0.53",
}


def _check(measure, rule, amount, before, after):
    b, a = measure(before), measure(after)
    ok = {"up": a >= b + amount, "down": a <= b - amount, "above": a >= amount, "below": a <= amount}[rule]
    return ok, f"{measure.__name__} {rule} {amount}: before {b:.3f}, after {a:.3f}"


@pytest.fixture(scope="module")
def faces(detector, photo_rgb):
    """name -> (image, landmarks) for each test face."""
    return {name: (photo_rgb(name), detector.detect(photo_rgb(name)).face.landmarks) for name in FACES}


def redetect(detector, image, landmarks):
    """Find the edited face again, looking only around where it was (a group photo has others)."""
    x0, y0 = np.maximum(landmarks.min(axis=0) - 0.6 * np.ptp(landmarks, axis=0), 0).astype(int)
    x1, y1 = (landmarks.max(axis=0) + 0.6 * np.ptp(landmarks, axis=0)).astype(int)
    found = detector.detect(np.ascontiguousarray(image[y0:y1, x0:x1])).face.landmarks
    return found + [x0, y0]


@pytest.fixture(scope="module")
def rendered(faces):
    return {(name, expr): render_expression(image, lm, expr, 1.0)
            for name, (image, lm) in faces.items() for expr in EXPRESSIONS}


def _cases(checks=EXPRESSIONS):
    for expression in checks:
        for name in FACES:
            reason = KNOWN_MISSES.get((name, expression))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(name, expression, marks=marks, id=f"{name}-{expression}")


@pytest.mark.parametrize(("name", "expression"), _cases())
def test_geometry_moves_the_right_way(name, expression, faces, rendered, detector):
    before = faces[name][1]
    after = redetect(detector, rendered[name, expression].image, before)  # raises NoFace if it is lost
    failures = []
    for measure, rule, amount in EXPECTED[expression]:
        ok, message = _check(measure, rule, amount, before, after)
        if not ok:
            failures.append(message)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["astronaut", "obama", "young_man", "happy_woman", "grey_obama"])
def test_a_gasp_is_a_dark_opening_not_a_grin(name, faces, rendered):
    """Surprise (AU26/27 without AU12) on faces that smile with their teeth: the opening between the
    warped inner lips is dark, with at most the upper teeth's edge, not the grin's bright band."""
    image = rendered[name, "surprised"].image
    after = rendered[name, "surprised"].landmarks
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(after[60:68]).astype(np.int32)], 1)
    inside = image[mask > 0].astype(np.float32).mean(axis=1)
    skin = image[np.round(after[[1, 15, 29], 1]).astype(int), np.round(after[[1, 15, 29], 0]).astype(int)]
    assert (inside > 200).mean() < 0.08, f"bright (teeth) share {(inside > 200).mean():.2f}"
    assert inside.mean() < 0.6 * skin.astype(np.float32).mean(), "the opening is not dark"
    local = _local(after)
    assert local[66, 1] - local[62, 1] > 0.3  # the painted opening is as wide as the jaw drop asks


# A wink is checked on the pixels in test_eyes.py (a lid over the iris): dlib's 68-point model
# re-detects a shut eye as partly open, so the landmarks cannot show it.
@pytest.mark.parametrize(("name", "check"), _cases(["sly_grin-lopsided"]))
def test_one_sided_moves(name, check, faces, rendered, detector):
    p = _local(redetect(detector, rendered[name, "sly_grin"].image, faces[name][1]))
    mid = (p[62, 1] + p[66, 1]) / 2
    assert (mid - p[54, 1]) - (mid - p[48, 1]) > 0.05


def _dark_centre_y(image, landmarks, eye):
    """Height of the darkest part (the iris) of an eye, relative to the eye's centre, in eye heights."""
    pts = landmarks[eye]
    x0, y0 = pts.min(axis=0).astype(int)
    x1, y1 = pts.max(axis=0).astype(int) + 1
    grey = image[y0:y1, x0:x1].astype(float).mean(axis=2)
    dark = grey <= np.percentile(grey, 25)
    ys = np.nonzero(dark)[0] + y0
    return (ys.mean() - pts[:, 1].mean()) / max(y1 - y0, 1)


@pytest.mark.parametrize(("name", "check"), _cases(["eye_roll-irises"]))
def test_eye_roll_moves_the_irises_up(name, check, faces, rendered):
    image, before = faces[name]
    out = rendered[name, "eye_roll"]
    for eye in (slice(36, 42), slice(42, 48)):
        assert _dark_centre_y(out.image, out.landmarks, eye) < _dark_centre_y(image, before, eye) - 0.1


def test_tears_and_lines_are_drawn_where_they_belong(faces, rendered):
    for name, (image, lm) in faces.items():
        frame = FaceFrame.from_landmarks(lm)
        cheek = np.round(frame.to_image(np.array([[-0.5, 0.7], [0.5, 0.7]]))).astype(int)
        forehead = np.round(frame.to_image(np.array([[0.45, -0.85]]))).astype(int)[0]
        cry = rendered[name, "cry"].image
        for x, y in cheek:  # a tear runs down each cheek: bluer than the skin was
            before, after = image[y, x].astype(int), cry[y, x].astype(int)
            assert after[2] - after[0] > before[2] - before[0] + 20, name
        x, y = forehead
        lines = rendered[name, "speechless"].image
        assert lines[y, x].astype(int).sum() < image[y, x].astype(int).sum() - 120, name


IDENTITY_CHECKED = ["laugh", "sad", "surprised", "angry", "cry", "eye_roll", "pout", "laugh_cry", "speechless"]


@pytest.mark.parametrize(("name", "check"), _cases([f"identity-{e}" for e in IDENTITY_CHECKED]))
def test_still_the_same_person(name, check, faces, rendered, detector, identity):
    image, before = faces[name]
    out = rendered[name, check.removeprefix("identity-")].image
    after = redetect(detector, out, before)
    distance = identity.distance(identity.descriptor(image, before), identity.descriptor(out, after))
    assert distance < IDENTITY_LIMIT, f"descriptor distance {distance:.3f}"


def test_intensity_zero_changes_nothing(faces):
    image, lm = faces["astronaut"]
    for expression in ("angry", "cry", "eye_roll", "speechless"):
        out = render_expression(image, lm, expression, 0.0).image
        assert np.abs(out.astype(int) - image).max() <= 1, expression


def test_stronger_intensity_moves_further(faces, detector):
    image, lm = faces["young_man"]
    lifts = [corner_lift(redetect(detector, render_expression(image, lm, "sad", k).image, lm))
             for k in (0.5, 1.0, 1.5)]
    assert lifts[0] > lifts[1] > lifts[2], lifts


def test_animation_goes_out_and_back(faces):
    image, lm = faces["astronaut"]
    frames = animate_expression(image, lm, "surprised", 1.0, frames=12)
    assert len(frames) == 12
    assert np.abs(frames[0].image.astype(int) - image).max() <= 1  # starts as the face is: loops cleanly
    openings = [mouth_opening(f.landmarks) for f in frames]
    peak = int(np.argmax(openings))
    assert 0 < peak < 11
    assert openings[peak] > openings[0] + 0.2
    assert openings[-1] < openings[peak] - 0.15


def test_contact_sheet(faces, rendered, artifacts_dir):
    """Every face (rows) in every expression (columns), for a person to look at."""
    tile = 160
    rows = []
    for name, (image, lm) in faces.items():
        cells = [crop_head(image, lm).image] + [
            crop_head(rendered[name, e].image, rendered[name, e].landmarks).image for e in EXPRESSIONS]
        rows.append(np.concatenate([np.asarray(Image.fromarray(c).resize((tile, tile))) for c in cells], axis=1))
    sheet = np.concatenate(rows, axis=0)
    Image.fromarray(sheet).save(artifacts_dir / "expressions_contact_sheet.png")
    assert sheet.shape == (tile * len(faces), tile * (len(EXPRESSIONS) + 1), 3)
