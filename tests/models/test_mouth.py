"""The mouth painting on real faces, measured on the pixels: what landmarks cannot show.

Faces that smile with their teeth (the astronaut, Obama) turned sad or angry must show closed lips in
lip colour with a seam, not teeth and not a blur; turned surprised with no teeth, a dark opening with
no bright band across it; a laugh must show teeth. Each face is cropped and scaled as the sticker
pipeline does, and goes through prepare_mouth, the warp and paint_mouth as the render step calls them.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emojigen.expression.mouth import paint_mouth, prepare_mouth
from emojigen.expression.moves import target_landmarks
from emojigen.expression.render import acting_aus
from emojigen.expression.warp import warp_face
from emojigen.face import FaceFrame
from emojigen.sticker.subject import head_at_working_size

TOOTHY = ["astronaut", "obama"]
WORK_SIDE = 512


@pytest.fixture(scope="module")
def subjects(detector, photo_rgb):
    """name -> (image, landmarks): the head crop at the pipeline's working size."""
    found = {}
    for name in TOOTHY + ["elderly", "grey_obama"]:
        rgb = photo_rgb(name)
        found[name] = head_at_working_size(rgb, detector.detect(rgb).face.landmarks, WORK_SIDE)
    return found


def express(image, landmarks, expression, teeth):
    target = target_landmarks(landmarks, acting_aus(expression, 1.0))
    warped = warp_face(prepare_mouth(image, landmarks, target, teeth), landmarks, target)
    return paint_mouth(warped.image, landmarks, warped.landmarks, teeth), warped.landmarks


def polygon_pixels(image, points):
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return image[mask > 0].astype(np.float32)


def skin_brightness(image, landmarks):
    """Mean grey level of the nose (bridge to base): lit skin, unlike a cheek that may be in shadow."""
    return float(polygon_pixels(image, landmarks[[27, 31, 33, 35]]).mean())


def near_white(pixels):
    """Teeth-like: bright and nearly grey."""
    return (pixels.min(axis=1) > 185) & (np.ptp(pixels, axis=1) < 45)


def lab(rgb):
    return cv2.cvtColor(np.asarray(rgb, np.float32).reshape(-1, 1, 3) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)


def lip_detail(image, points):
    """Mean absolute Laplacian of the grey image inside a polygon (its edge left out): fine detail."""
    grey = cv2.GaussianBlur(image.astype(np.float32).mean(axis=2), (0, 0), 0.7)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)[mask > 0]).mean())


def source_lip_colour(image, landmarks):
    """The median colour of the lower lip in the photo: between its outer and inner contours."""
    ring = np.concatenate([landmarks[[48, 59, 58, 57, 56, 55, 54]], landmarks[[64, 65, 66, 67, 60]]])
    pixels = polygon_pixels(image, ring)
    return np.median(pixels[~near_white(pixels)], axis=0)


@pytest.mark.parametrize("name", TOOTHY)
def test_the_faces_smile_with_their_teeth(subjects, name):
    image, landmarks = subjects[name]
    assert near_white(polygon_pixels(image, landmarks[60:68])).mean() > 0.25


@pytest.mark.parametrize("expression", ["surprised", "scared"])
@pytest.mark.parametrize("name", TOOTHY)
def test_a_toothless_opening_is_dark_with_no_bright_band(subjects, name, expression):
    image, landmarks = subjects[name]
    out, after = express(image, landmarks, expression, teeth=0.0)
    inside = polygon_pixels(out, after[60:68])
    assert len(inside) > 100, "the mouth did not open"
    assert near_white(inside).mean() < 0.02, f"teeth-white share {near_white(inside).mean():.3f}"
    assert (inside.mean(axis=1) > 170).mean() < 0.03, "a bright band across the opening"
    assert inside.mean() < 0.45 * skin_brightness(out, after), "the opening is not dark"
    # Depth: the upper lip's shadow and the back of the mouth are darker than the mouth's floor.
    upper, lower = after[[60, 61, 62, 63, 64]], after[[60, 67, 66, 65, 64]]
    middle = (upper + lower) / 2
    top = polygon_pixels(out, np.concatenate([upper, middle[::-1]]))
    bottom = polygon_pixels(out, np.concatenate([middle, lower[::-1]]))
    assert top.mean() < bottom.mean()


@pytest.mark.parametrize("expression", ["sad", "angry", "pout"])
@pytest.mark.parametrize("name", TOOTHY)
def test_closed_lips_are_redrawn_in_lip_colour_with_a_seam(subjects, name, expression):
    image, landmarks = subjects[name]
    out, after = express(image, landmarks, expression, teeth=0.0)
    frame = FaceFrame.from_landmarks(landmarks)
    lips = polygon_pixels(out, after[48:60])
    assert near_white(lips).mean() < 0.01, "teeth left between the closed lips"

    # The lower lip's body, just under the seam: the person's lip colour, not teeth-white or grey.
    seam = (after[[61, 62, 63]] + after[[67, 66, 65]]) / 2
    body = np.concatenate([seam + [0, 0.025 * frame.unit], (seam + [0, 0.07 * frame.unit])[::-1]])
    painted = np.median(polygon_pixels(out, body), axis=0)
    difference = np.linalg.norm(lab(painted) - lab(source_lip_colour(image, landmarks)))
    assert difference < 20, f"the lower lip is {difference:.1f} (CIELAB) from the person's lip colour"

    # Not a blur: along the middle of the seam, a line darker than the lips just above and below it...
    grey = out.astype(np.float32).mean(axis=2)
    near, away = max(1, round(0.02 * frame.unit)), max(3, round(0.05 * frame.unit))
    darker = []
    for x, y in np.concatenate([np.linspace(seam[0], seam[1], 5)[1:], np.linspace(seam[1], seam[2], 5)[:-1]]):
        x, y = int(round(x)), int(round(y))
        beside = (grey[y - away, x] + grey[y + away, x]) / 2
        darker.append((beside - grey[y - near:y + near + 1, x].min()) / beside)
    assert np.median(darker) > 0.3, f"the seam is only {np.median(darker):.0%} darker than the lips: smeared"
    # ... and as much fine detail in the lips as the person's own lips had (a smear has much less).
    detail, source = lip_detail(out, after[48:60]), lip_detail(image, np.concatenate(
        [landmarks[[48, 59, 58, 57, 56, 55, 54]], landmarks[[64, 65, 66, 67, 60]]]))
    assert detail > 0.85 * source, f"lip detail {detail:.2f}, the photo's lower lip {source:.2f}: blurred"


@pytest.mark.parametrize("name", TOOTHY + ["elderly"])
def test_a_laugh_shows_teeth(subjects, name):
    image, landmarks = subjects[name]
    out, after = express(image, landmarks, "laugh", teeth=1.0)
    inside = polygon_pixels(out, after[60:68])
    assert (inside.mean(axis=1) > 0.9 * skin_brightness(out, after)).mean() > 0.12, "no teeth in the laugh"


def test_teeth_only_where_the_expression_calls_for_them(subjects):
    """The same closed-mouthed face (no teeth of its own to keep) opened without and with teeth."""
    image, landmarks = subjects["elderly"]
    gasp, after = express(image, landmarks, "surprised", teeth=0.0)
    assert near_white(polygon_pixels(gasp, after[60:68])).mean() < 0.01
    laugh, after = express(image, landmarks, "laugh", teeth=1.0)
    bright = polygon_pixels(laugh, after[60:68]).mean(axis=1) > 0.9 * skin_brightness(laugh, after)
    assert bright.mean() > 0.12


@pytest.mark.parametrize("expression", ["sad", "surprised", "laugh"])
def test_a_grey_photo_gets_a_grey_mouth(subjects, expression):
    image, landmarks = subjects["grey_obama"]
    out, after = express(image, landmarks, expression, teeth=1.0 if expression == "laugh" else 0.0)
    x0, y0 = np.floor(after[48:68].min(axis=0)).astype(int) - 5
    x1, y1 = np.ceil(after[48:68].max(axis=0)).astype(int) + 5
    box = out[y0:y1, x0:x1].astype(int)
    assert np.ptp(box, axis=2).max() <= 3


def test_nothing_to_paint_leaves_the_image_alone(subjects):
    image, landmarks = subjects["obama"]
    assert prepare_mouth(image, landmarks, landmarks) is image
    assert paint_mouth(image, landmarks, landmarks) is image  # an open mouth keeps its own teeth


def test_callers_that_pass_no_teeth_still_close_and_open_mouths(subjects):
    """Without `teeth` (callers from before it existed): a closing mouth is still redrawn as lips, and a
    newly opened one still gets teeth."""
    image, landmarks = subjects["obama"]
    target = target_landmarks(landmarks, acting_aus("sad", 1.0))
    warped = warp_face(prepare_mouth(image, landmarks, target), landmarks, target)
    out = paint_mouth(warped.image, landmarks, warped.landmarks)
    assert near_white(polygon_pixels(out, warped.landmarks[48:60])).mean() < 0.01
    image, landmarks = subjects["elderly"]
    target = target_landmarks(landmarks, acting_aus("laugh", 1.0))
    warped = warp_face(prepare_mouth(image, landmarks, target), landmarks, target)
    out = paint_mouth(warped.image, landmarks, warped.landmarks)
    inside = polygon_pixels(out, warped.landmarks[60:68])
    assert (inside.mean(axis=1) > 0.9 * skin_brightness(out, warped.landmarks)).mean() > 0.12
