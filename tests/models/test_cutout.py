"""The cut-out matte on real photos, both methods: shape, the face kept, the background dropped, and the
learned matte against GrabCut where the true outline can be told without either (a plain studio backdrop)."""

import cv2
import numpy as np
import pytest

from emojigen.errors import ModelUnavailable
from emojigen.face import FaceFrame
from emojigen.sticker import segmentation
from emojigen.sticker.cutout import DEFAULT_METHOD, METHODS, matte
from emojigen.sticker.subject import head_at_working_size

PHOTOS = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "turned_15", "glasses", "elderly",
          "group", "poker_group"]
STUDIO = ["surprised_woman", "happy_woman", "turned_15"]  # one flat blue backdrop: the outline is its edge


@pytest.fixture(scope="module")
def crop(photo_rgb, detector):
    """name -> (512 px head-and-shoulders crop, its landmarks), as the pipeline makes them."""
    cache = {}

    def get(name):
        if name not in cache:
            rgb = photo_rgb(name)
            cache[name] = head_at_working_size(rgb, detector.detect(rgb).face.landmarks, 512)
        return cache[name]

    return get


def test_methods_are_declared():
    assert set(METHODS) == {"learned", "grabcut"} and DEFAULT_METHOD in METHODS
    with pytest.raises(ValueError, match="unknown cut-out method"):
        matte(np.zeros((64, 64, 3), np.uint8), np.zeros((68, 2)), "magic")


@pytest.mark.parametrize("method", METHODS)
def test_matte_shape_and_soft_edge(crop, method):
    image, landmarks = crop("astronaut")
    alpha = matte(image, landmarks, method)
    assert alpha.shape == image.shape[:2] and alpha.dtype == np.uint8
    edge = (alpha > 0) & (alpha < 255)
    assert 0 < edge.mean() < 0.05  # soft, but a thin edge: not a blur across the picture


def test_person_probability_range_and_size(crop):
    image, _ = crop("obama")
    prob = segmentation.person_probability(image)
    assert prob.shape == image.shape[:2] and prob.dtype == np.float32
    assert prob.min() >= 0 and prob.max() <= 1
    assert prob[:10, :10].mean() < 0.1 and prob[-10:, image.shape[1] // 2].mean() > 0.9  # corner vs. tie


def _face_hull(landmarks):
    frame = FaceFrame.from_landmarks(landmarks)
    hull = cv2.convexHull(landmarks[:27].astype(np.float32))[:, 0]
    centre = hull.mean(axis=0)
    return frame, centre + (hull - centre) * 0.85


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", PHOTOS)
def test_face_kept_and_top_corners_dropped(crop, name, method):
    image, landmarks = crop(name)
    alpha = matte(image, landmarks, method)
    _, hull = _face_hull(landmarks)
    inside = np.zeros(alpha.shape, np.uint8)
    cv2.fillPoly(inside, [np.round(hull).astype(np.int32)], 1)
    assert (alpha[inside > 0] > 200).mean() > 0.99
    k = max(4, alpha.shape[1] // 32)
    assert alpha[:k, :k].max() < 20 and alpha[:k, -k:].max() < 20


@pytest.mark.parametrize("name", ["group", "poker_group", "young_man"])
def test_busy_background_beside_the_head_is_transparent(crop, name):
    """Beside the head (over 2 eye distances from its middle, above the chin) there is only background or a
    neighbour in these photos; the learned matte must drop it."""
    image, landmarks = crop(name)
    alpha = matte(image, landmarks, "learned")
    frame = FaceFrame.from_landmarks(landmarks)
    h, w = alpha.shape
    yy, xx = np.mgrid[:h, :w]
    local = frame.to_local(np.stack([xx.ravel(), yy.ravel()], axis=1)).reshape(h, w, 2)
    chin = frame.to_local(landmarks[8:9])[0, 1]
    beside = (np.abs(local[..., 0]) > 2.0) & (local[..., 1] < chin - 0.3)
    assert beside.sum() > 0.03 * h * w
    assert (alpha[beside] > 127).mean() < 0.01


def _backdrop_outline(image):
    """The person in a studio photo: every pixel unlike the backdrop (sampled in the top corners), the largest
    such region with its holes filled. Independent of both methods; it counts the backdrop's shadow beside
    the shoulders as person, so no matte reaches 1 against it (the learned one scores 0.85-0.9)."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    k = max(4, image.shape[1] // 20)
    backdrop = np.concatenate([lab[:k, :k].reshape(-1, 3), lab[:k, -k:].reshape(-1, 3)])[::7]
    distance = np.linalg.norm(lab[:, :, None, :] - backdrop[None, None], axis=-1).min(axis=-1)
    person = cv2.morphologyEx((distance > 18).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(person)
    largest = (labels == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA])).astype(np.uint8)
    contours, _ = cv2.findContours(largest, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(largest)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled > 0


@pytest.mark.parametrize("name", STUDIO)
def test_learned_follows_the_outline_at_least_as_well_as_grabcut(crop, name):
    image, landmarks = crop(name)
    truth = _backdrop_outline(image)

    def iou(method):
        alpha = matte(image, landmarks, method) > 127
        return (alpha & truth).sum() / (alpha | truth).sum()

    learned, grabcut = iou("learned"), iou("grabcut")
    assert learned >= grabcut - 0.01, (learned, grabcut)
    assert learned > 0.8


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="missing"):
        segmentation.load_net(tmp_path / "selfie_segmentation.tflite")


def test_damaged_model_is_a_clear_error(tmp_path):
    damaged = tmp_path / "selfie_segmentation.tflite"
    data = bytearray(segmentation.model_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelUnavailable, match="damaged"):
        segmentation.load_net(damaged)


def test_concurrent_calls_agree(crop):
    from concurrent.futures import ThreadPoolExecutor

    image, landmarks = crop("obama")
    expected = matte(image, landmarks, "learned")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: matte(image, landmarks, "learned"), range(8)))
    assert all(np.array_equal(r, expected) for r in results)
