import numpy as np

from emojigen.expression.warp import warp_face


def _synthetic_landmarks() -> np.ndarray:
    """A plausible frontal 68-point layout on a 400 px canvas (eyes 80 px apart)."""
    rng = np.random.default_rng(0)
    pts = np.zeros((68, 2), np.float32)
    jaw = np.linspace(-1.0, 1.0, 17)
    pts[:17] = np.stack([200 + 120 * jaw, 200 + 140 * np.sqrt(1 - jaw**2) * 0.9 + 20], axis=1)
    pts[17:22] = np.stack([np.linspace(125, 185, 5), np.full(5, 150)], axis=1)
    pts[22:27] = np.stack([np.linspace(215, 275, 5), np.full(5, 150)], axis=1)
    pts[27:36] = np.stack([np.full(9, 200) + rng.uniform(-8, 8, 9), np.linspace(170, 250, 9)], axis=1)
    for start, cx in ((36, 160), (42, 240)):
        a = np.linspace(0, 2 * np.pi, 6, endpoint=False) + np.pi
        pts[start:start + 6] = np.stack([cx + 20 * np.cos(a), 180 + 8 * np.sin(a)], axis=1)
    a = np.linspace(0, 2 * np.pi, 12, endpoint=False) + np.pi
    pts[48:60] = np.stack([200 + 45 * np.cos(a), 290 + 15 * np.sin(a)], axis=1)
    a = np.linspace(0, 2 * np.pi, 8, endpoint=False) + np.pi
    pts[60:68] = np.stack([200 + 35 * np.cos(a), 290 + 4 * np.sin(a)], axis=1)
    return pts


def _checkerboard(size: int = 400) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size]
    board = (((xs // 16) + (ys // 16)) % 2 * 200 + 30).astype(np.uint8)
    return np.dstack([board, board, board])


def test_no_move_is_the_identity():
    image, pts = _checkerboard(), _synthetic_landmarks()
    result = warp_face(image, pts, pts.copy())
    assert result.scale == 1.0
    assert np.abs(result.image.astype(int) - image).mean() < 1.0


def test_moving_a_point_moves_the_image_there_and_leaves_the_border():
    image, pts = _checkerboard(), _synthetic_landmarks()
    image[285:296, 150:161] = (255, 0, 0)  # a red mark at the left mouth corner (point 48 is at 155, 290)
    target = pts.copy()
    target[[48, 60]] += (0, -12)  # lift the corner 12 px, its neighbours half as much (as moves do)
    target[[49, 59, 61, 67]] += (0, -6)
    result = warp_face(image, pts, target)
    assert result.scale == 1.0
    # The landmark carries its pixel along: the red now sits 12 px higher, where nothing red was.
    assert tuple(result.image[278, 155]) == (255, 0, 0)
    assert tuple(image[278, 155]) != (255, 0, 0)
    # Pixels far from the face (corners of the photo) are untouched.
    assert np.array_equal(result.image[:20, :20], image[:20, :20])
    assert np.array_equal(result.landmarks[48], target[48])


def test_a_fold_is_softened_not_rendered():
    image, pts = _checkerboard(), _synthetic_landmarks()
    target = pts.copy()
    target[19] += (0, 60)  # drag the middle of a brow down past the eye: would flip triangles
    result = warp_face(image, pts, target)
    assert result.scale < 1.0


def test_lips_may_close_completely():
    image, pts = _checkerboard(), _synthetic_landmarks()
    pts[[65, 66, 67], 1] += 20  # an open mouth
    pts[[55, 56, 57, 58, 59], 1] += 20
    target = pts.copy()
    target[[65, 66, 67], 1] = pts[[61, 62, 63], 1]  # the inner lips meet: the triangles between them vanish
    target[[55, 56, 57, 58, 59], 1] -= 20
    result = warp_face(image, pts, target)
    assert result.scale == 1.0
