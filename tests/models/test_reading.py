"""Reading action units off a reference photo's landmarks (emojigen.expression.reading): real photos read
as what they show; faces the engine renders read as moved the way the expression asks, compared with the
same face before; and the reading is mirror-symmetric, never NaN, and refuses arrays of the wrong shape.
"""

from __future__ import annotations

import numpy as np
import pytest

from emojigen.expression.reading import read_aus
from emojigen.expression.render import render_expression
from emojigen.face import FaceFrame

# iBUG 68-point index of each point's mirror image (jaw, brows, nose, eyes, outer and inner lips).
MIRROR = np.array([*range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, 35, 34, 33, 32, 31,
                   45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,
                   54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65])
DIRECTION_FACES = ["astronaut", "obama", "happy_woman", "glasses", "elderly"]
WINK_LOST = ("the lid is drawn shut, but dlib re-fits that eye as 80-90% as open as the other (the engine's own "
             "target reads AU46R 1.0)")
# Known misses, kept visible (strict: a fix makes them fail until they are removed from here).
KNOWN_MISSES = {
    ("astronaut", "sad"): "the closed lips painted over the grin read as level corners (AU12 0.17), no AU15",
    ("happy_woman", "wink"): WINK_LOST,
    ("obama", "sad"): "dlib re-fits the lips painted over the grin as parted, with the corners level with their "
    "middle line (the target puts them 0.17 below), so no AU15",
    ("obama", "wink"): WINK_LOST,
    ("glasses", "wink"): WINK_LOST,
}


@pytest.fixture(scope="module")
def landmarks_of(detector, photo_rgb):
    cache: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = detector.detect(photo_rgb(name)).face.landmarks
        return cache[name]

    return get


def mirrored(landmarks: np.ndarray) -> np.ndarray:
    """The same face seen in a mirror: x flipped, and each point renamed as its mirror image."""
    flipped = landmarks.astype(np.float64).copy()
    flipped[:, 0] = 1000.0 - flipped[:, 0]
    return flipped[MIRROR]


def other_side(au: str) -> str:
    return au[:-1] + {"L": "R", "R": "L"}[au[-1]] if au[-1] in "LR" else au


def redetect(detector, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Find the edited face again, looking only around where it was."""
    x0, y0 = np.maximum(landmarks.min(axis=0) - 0.6 * np.ptp(landmarks, axis=0), 0).astype(int)
    x1, y1 = (landmarks.max(axis=0) + 0.6 * np.ptp(landmarks, axis=0)).astype(int)
    return detector.detect(np.ascontiguousarray(image[y0:y1, x0:x1])).face.landmarks + [x0, y0]


def moved_the_right_way(expression: str, before: dict[str, float], after: dict[str, float]) -> str | None:
    """None when `after` reads as `expression` applied to `before`; otherwise what is wrong."""
    def au(aus, name):
        return aus.get(name, 0.0)

    if expression == "surprised":
        raised = [sum(au(aus, k) for k in ("AU1", "AU2", "AU26", "AU27")) for aus in (before, after)]
        return None if raised[1] > raised[0] else f"AU1+2+26+27 {raised[0]:.2f} -> {raised[1]:.2f}"
    if expression == "sad":
        down = au(after, "AU15") > au(before, "AU15")
        not_up = au(after, "AU12") < au(before, "AU12") or au(after, "AU12") == 0
        return None if down and not_up else f"before {before}, after {after}"
    if expression == "wink":  # the engine shuts the image-left eye: the person's right
        return None if "AU46R" in after and "AU46L" not in after else f"after {after}"
    raise ValueError(expression)


def _direction_cases() -> list:
    cases = []
    for expression in ("surprised", "sad", "wink"):
        for name in DIRECTION_FACES:
            reason = KNOWN_MISSES.get((name, expression))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(name, expression, marks=marks, id=f"{name}-{expression}"))
    return cases


def test_surprised_woman_reads_raised_brows_and_a_dropped_jaw(landmarks_of):
    aus = read_aus(landmarks_of("surprised_woman"))
    assert aus.get("AU1", 0) > 0.3 and aus.get("AU2", 0) > 0.3 and aus.get("AU26", 0) > 0.3, aus
    assert not {"AU12", "AU12L", "AU12R"} & aus.keys(), aus


@pytest.mark.parametrize("name", ["obama", "grey_obama", "astronaut", "young_man", "happy_woman"])
def test_toothy_smiles_read_corners_up_and_lips_apart(name, landmarks_of):
    aus = read_aus(landmarks_of(name))
    assert aus.get("AU12", 0) > 0.5 and aus.get("AU25", 0) > 0.5, aus
    assert "AU15" not in aus, aus


def test_a_frown_reads_lowered_brows(landmarks_of):
    aus = read_aus(landmarks_of("turned_15"))
    assert aus.get("AU4", 0) > 0.3 and "AU12" not in aus, aus


def test_a_near_neutral_face_reads_small_values(landmarks_of):
    aus = read_aus(landmarks_of("elderly"))
    assert max(aus.values(), default=0.0) <= 0.4, aus


@pytest.mark.parametrize(("name", "expression"), _direction_cases())
def test_rendered_expressions_read_as_moved_the_right_way(name, expression, landmarks_of, photo_rgb, detector):
    before = landmarks_of(name)
    rendered = render_expression(photo_rgb(name), before, expression, 1.0)
    problem = moved_the_right_way(expression, read_aus(before), read_aus(redetect(detector, rendered.image, before)))
    assert problem is None, problem


@pytest.mark.parametrize("expression", ["surprised", "sad", "wink"])
@pytest.mark.parametrize("name", DIRECTION_FACES)
def test_the_engines_own_targets_read_as_moved_the_right_way(name, expression, landmarks_of, photo_rgb):
    """The landmarks the engine moves to, before dlib re-fits them: the reading agrees with its scale."""
    before = landmarks_of(name)
    target = render_expression(photo_rgb(name), before, expression, 1.0).landmarks
    problem = moved_the_right_way(expression, read_aus(before), read_aus(target))
    assert problem is None, problem


def one_sided(landmarks: np.ndarray) -> np.ndarray:
    """The face with its image-left eye shut and its image-left mouth corner raised (a wink and a smirk)."""
    frame = FaceFrame.from_landmarks(landmarks)
    p = frame.to_local(landmarks)
    p[[37, 38], 1] = p[[41, 40], 1] - 0.01
    p[48, 1] -= 0.12
    return frame.to_image(p)


@pytest.mark.parametrize("name", ["obama", "surprised_woman", "elderly", "turned_15"])
def test_a_mirrored_face_reads_the_same_with_sides_swapped(name, landmarks_of):
    for landmarks in (landmarks_of(name), one_sided(landmarks_of(name))):
        expected = {other_side(au): v for au, v in read_aus(landmarks).items()}
        got = read_aus(mirrored(landmarks))
        # Equal but for rounding: the same sums, added up in another order.
        assert all(abs(got.get(au, 0.0) - expected.get(au, 0.0)) < 0.015 for au in {*got, *expected}), (got, expected)
    winking = read_aus(one_sided(landmarks_of(name)))
    assert {"AU46R", "AU12R"} <= winking.keys() and not {"AU46L", "AU12L"} & winking.keys(), winking


def test_never_nan_and_within_range(landmarks_of):
    rng = np.random.default_rng(0)
    faces = [landmarks_of(n) for n in ("astronaut", "obama", "surprised_woman", "elderly", "turned_45", "group")]
    shut = landmarks_of("elderly").astype(np.float64).copy()
    shut[[37, 38, 43, 44]] = shut[[41, 40, 47, 46]]  # both eyes shut, lips and nose collapsed to a point
    shut[48:68] = shut[33]
    faces += [shut] + [rng.uniform(0, 500, (68, 2)) for _ in range(200)]
    for landmarks in faces:
        aus = read_aus(landmarks)
        assert all(np.isfinite(v) and 0.05 < v <= 1.5 for v in aus.values()), aus


@pytest.mark.parametrize("bad", [np.zeros((67, 2)), np.zeros((68, 3)), np.zeros(136), np.zeros((2, 68))])
def test_rejects_arrays_that_are_not_68_by_2(bad):
    with pytest.raises(ValueError, match=r"\(68, 2\)"):
        read_aus(bad)


def test_rejects_non_finite_landmarks(landmarks_of):
    broken = landmarks_of("obama").astype(np.float64).copy()
    broken[30] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        read_aus(broken)
