"""Landmark moves for each expression, in the face's own frame (unit = eye distance, y down the face).

Mouth corners and lip opening are set *to a target* measured from the face as it is, so a photo that
already smiles can still be turned sad; brows and lids are moved by amounts scaled by the intensity.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from emojigen.expression.actions import Tweaks
from emojigen.face.geometry import FaceFrame

# iBUG 300-W indices. "a" is the image-left side (the person's right), "b" the image-right side.
JAW = list(range(0, 17))
BROW_A, BROW_B = [17, 18, 19, 20, 21], [26, 25, 24, 23, 22]  # each listed outer -> inner
UPPER_LID_A, LOWER_LID_A = [37, 38], [41, 40]
UPPER_LID_B, LOWER_LID_B = [43, 44], [47, 46]
CORNER_A, CORNER_B = [48, 60], [54, 64]
NEAR_CORNER_A, NEAR_CORNER_B = [49, 59, 61, 67], [53, 55, 63, 65]
UPPER_LIP = [50, 51, 52, 61, 62, 63]
LOWER_LIP = [56, 57, 58, 65, 66, 67]
INNER_TOP, INNER_BOTTOM = 62, 66
# (upper inner, lower inner, upper outer, lower outer) from the image-left column to the right
LIP_COLUMNS = ((61, 67, 50, 58), (62, 66, 51, 57), (63, 65, 52, 56))
COLUMN_SHARE = (0.7, 1.0, 0.7)  # an opening mouth parts less towards its corners
FULL_MOVE_AT = 0.5  # intensities below this fade the move out
CHIN_WEIGHTS = {5: 0.2, 6: 0.45, 7: 0.7, 8: 0.8, 9: 0.7, 10: 0.45, 11: 0.2}


def mouth_opening(local: np.ndarray) -> float:
    return float(local[INNER_BOTTOM, 1] - local[INNER_TOP, 1])


def _mouth_mid_y(local: np.ndarray) -> float:
    return float((local[INNER_TOP, 1] + local[INNER_BOTTOM, 1]) / 2)


def set_corner(t: np.ndarray, src: np.ndarray, side: str, lift: float, spread: float) -> None:
    """Put one mouth corner `lift` above the mouth's mid line and push it `spread` outwards."""
    corner, near = (CORNER_A, NEAR_CORNER_A) if side == "a" else (CORNER_B, NEAR_CORNER_B)
    sign = -1.0 if side == "a" else 1.0
    dy = (_mouth_mid_y(src) - lift) - src[corner[0], 1]
    move = np.array([sign * spread, dy])
    t[corner] += move
    t[near] += 0.45 * move


def set_corners(t: np.ndarray, src: np.ndarray, lift: float, spread: float) -> None:
    set_corner(t, src, "a", lift, spread)
    set_corner(t, src, "b", lift, spread)


def set_opening(t: np.ndarray, src: np.ndarray, target: float) -> None:
    """Open (or close) the lips so the gap at their middle becomes `target`.

    Each column of the lips (left, middle, right) moves on its own: an opening mouth parts less towards
    the corners (a rounded opening, not a box), and a closing one shrinks every gap by the same ratio,
    so the lips meet without crossing and the teeth between them disappear.
    """
    centre = mouth_opening(src)
    delta = target - centre
    if delta >= 0:
        for (up, low, outer_up, outer_low), share in zip(LIP_COLUMNS, COLUMN_SHARE, strict=True):
            t[[low, outer_low], 1] += 0.85 * share * delta
            t[[up, outer_up], 1] -= 0.15 * share * delta
        t[[55, 59], 1] += 0.45 * delta
        for i, w in CHIN_WEIGHTS.items():  # the jaw drops with an opening mouth
            t[i, 1] += w * delta
        return
    ratio = max(target, 0.0) / centre
    for up, low, outer_up, outer_low in LIP_COLUMNS:
        gap = max(0.0, float(src[low, 1] - src[up, 1]))
        shut = gap * (1 - ratio)  # how much this column closes
        t[[low, outer_low], 1] -= 0.65 * shut
        t[[up, outer_up], 1] += 0.35 * shut


def move_brows(t: np.ndarray, inner: float = 0.0, outer: float = 0.0, squeeze: float = 0.0,
               sides: str = "ab") -> None:
    """Raise (positive) the inner and outer ends of the brows, interpolating between; squeeze inwards."""
    weights = np.linspace(0.0, 1.0, 5)  # outer -> inner
    for side in sides:
        brow, sign = (BROW_A, 1.0) if side == "a" else (BROW_B, -1.0)
        t[brow, 1] -= outer + (inner - outer) * weights
        t[brow, 0] += sign * squeeze * weights


def move_lids(t: np.ndarray, src: np.ndarray, upper: float = 0.0, lower: float = 0.0, sides: str = "ab") -> None:
    """Positive `upper` opens the upper lid (moves it up); positive `lower` raises the lower lid.

    Lids never cross: together they close at most 90% of the eye's current opening.
    """
    for side in sides:
        up, low = (UPPER_LID_A, LOWER_LID_A) if side == "a" else (UPPER_LID_B, LOWER_LID_B)
        opening = float(np.mean(src[low, 1] - src[up, 1]))
        closing = max(0.0, -upper) + max(0.0, lower)
        scale = min(1.0, 0.9 * opening / closing) if closing > 0 else 1.0
        t[up, 1] -= upper * scale
        t[low, 1] -= lower * scale


def close_eye(t: np.ndarray, src: np.ndarray, side: str, amount: float) -> None:
    """Bring the upper lid down onto the lower one (amount 1 = shut)."""
    up, low = (UPPER_LID_A, LOWER_LID_A) if side == "a" else (UPPER_LID_B, LOWER_LID_B)
    amount = min(1.0, amount)
    gap = src[low, 1] - src[up, 1]
    t[up, 1] += 0.85 * amount * gap
    t[low, 1] -= 0.1 * amount * gap


def _happy(t, s, k):
    set_corners(t, s, lift=0.13 * k, spread=0.06 * k)
    set_opening(t, s, min(max(mouth_opening(s), 0.05 * k), 0.12))  # a gaping "O" narrows to a grin
    move_lids(t, s, lower=0.025 * k)
    move_brows(t, inner=0.02 * k, outer=0.02 * k)


def _laugh(t, s, k):
    set_corners(t, s, lift=0.15 * k, spread=0.08 * k)
    set_opening(t, s, max(mouth_opening(s), 0.3 * k))
    move_lids(t, s, upper=-0.05 * k, lower=0.06 * k)  # a big laugh narrows the eyes
    move_brows(t, inner=0.04 * k, outer=0.03 * k)


def _smile(t, s, k):
    set_corners(t, s, lift=0.1 * k, spread=0.05 * k)
    set_opening(t, s, min(mouth_opening(s), 0.08))
    move_lids(t, s, lower=0.015 * k)


def _sad(t, s, k):
    """AU1+4+15+17: inner brows up and drawn together (the oblique brows of grief), corners down,
    the chin pushing the lower lip up."""
    set_corners(t, s, lift=-0.11 * k, spread=-0.02 * k)
    set_opening(t, s, 0.0)
    t[LOWER_LIP, 1] -= 0.02 * k
    move_brows(t, inner=0.13 * k, outer=-0.04 * k, squeeze=0.04 * k)
    move_lids(t, s, upper=-0.02 * k)


def _cry(t, s, k):
    set_corners(t, s, lift=-0.11 * k, spread=0.02 * k)
    set_opening(t, s, max(mouth_opening(s), 0.1 * k))
    move_brows(t, inner=0.11 * k, outer=-0.03 * k, squeeze=0.03 * k)
    move_lids(t, s, upper=-0.035 * k, lower=0.03 * k)


def _surprised(t, s, k):
    """AU1+2+5+26/27: brows high and arched, eyes wide (white above the iris), the jaw dropped."""
    set_corners(t, s, lift=0.0, spread=-0.06 * k)
    set_opening(t, s, max(mouth_opening(s), 0.36 * k))
    move_brows(t, inner=0.15 * k, outer=0.13 * k)
    move_lids(t, s, upper=0.045 * k, lower=-0.01 * k)


def _angry(t, s, k):
    """AU4+5+7+23+24: brows down and drawn together, a glaring upper lid, tense lower lids, the lips
    pressed and narrowed."""
    set_corners(t, s, lift=-0.05 * k, spread=-0.03 * k)
    set_opening(t, s, 0.0)
    move_brows(t, inner=-0.12 * k, outer=0.01 * k, squeeze=0.08 * k)
    move_lids(t, s, upper=0.015 * k, lower=0.03 * k)


def _disgusted(t, s, k):
    """AU9+10+15(+4): the nose wrinkled, the upper lip raised, corners down; a grin closes to a sneer."""
    set_corners(t, s, lift=-0.06 * k, spread=0.0)
    set_opening(t, s, min(mouth_opening(s), 0.06))
    t[UPPER_LIP, 1] -= 0.05 * k
    t[31:36, 1] -= 0.03 * k  # the nose wrinkles up
    move_brows(t, inner=-0.06 * k, outer=-0.02 * k, squeeze=0.03 * k)
    move_lids(t, s, lower=0.035 * k)


def _scared(t, s, k):
    """AU1+2+4+5+20+26: brows raised and drawn together, eyes wide, the lips stretched sideways."""
    set_corners(t, s, lift=-0.03 * k, spread=0.1 * k)
    set_opening(t, s, max(mouth_opening(s), 0.2 * k))
    move_brows(t, inner=0.17 * k, outer=0.07 * k, squeeze=0.05 * k)
    move_lids(t, s, upper=0.06 * k, lower=-0.01 * k)


def _neutral(t, s, k):
    set_corners(t, s, lift=0.0, spread=0.0)
    set_opening(t, s, mouth_opening(s) * (1 - min(1.0, k)))


def _wink(t, s, k):
    close_eye(t, s, "a", k)
    move_brows(t, inner=-0.03 * k, outer=-0.03 * k, sides="a")
    set_corner(t, s, "a", lift=0.12 * k, spread=0.05 * k)
    set_corner(t, s, "b", lift=0.06 * k, spread=0.03 * k)


def _smug(t, s, k):
    set_corner(t, s, "b", lift=0.13 * k, spread=0.06 * k)
    set_corner(t, s, "a", lift=0.01 * k, spread=0.0)
    set_opening(t, s, 0.0)
    move_lids(t, s, upper=-0.03 * k)
    move_brows(t, inner=0.06 * k, outer=0.07 * k, sides="b")


def _laugh_cry(t, s, k):
    """哭笑不得 / 笑哭: a laughing mouth under sad, raised inner brows (tears are drawn on top)."""
    set_corners(t, s, lift=0.12 * k, spread=0.07 * k)
    set_opening(t, s, max(mouth_opening(s), 0.22 * k))
    move_lids(t, s, upper=-0.05 * k, lower=0.05 * k)
    move_brows(t, inner=0.11 * k, outer=-0.03 * k, squeeze=0.03 * k)


def _eye_roll(t, s, k):
    """翻白眼: lids a little wider, one brow up, a flat unimpressed mouth (the irises are moved by painting)."""
    set_corners(t, s, lift=-0.02 * k, spread=-0.01 * k)
    set_opening(t, s, 0.0)
    move_lids(t, s, upper=0.02 * k)
    move_brows(t, inner=0.05 * k, outer=0.06 * k, sides="b")
    move_brows(t, inner=0.02 * k, outer=0.02 * k, sides="a")


def _pout(t, s, k):
    """嘟嘴: the mouth narrows and the lips push out (thicker, rounder)."""
    set_opening(t, s, 0.0)
    for side, sign in (("a", 1.0), ("b", -1.0)):
        corner, near = (CORNER_A, NEAR_CORNER_A) if side == "a" else (CORNER_B, NEAR_CORNER_B)
        t[corner, 0] += sign * 0.12 * k
        t[near, 0] += sign * 0.06 * k
    t[[50, 51, 52], 1] -= 0.04 * k
    t[[56, 57, 58], 1] += 0.05 * k
    move_brows(t, inner=0.03 * k, outer=0.0)


def _sly_grin(t, s, k):
    """坏笑: a lopsided grin with a glimpse of teeth, narrowed eyes and one brow raised."""
    set_corner(t, s, "b", lift=0.16 * k, spread=0.08 * k)
    set_corner(t, s, "a", lift=0.05 * k, spread=0.02 * k)
    set_opening(t, s, max(mouth_opening(s), 0.07 * k))
    move_lids(t, s, upper=-0.05 * k, lower=0.04 * k)
    move_brows(t, inner=-0.04 * k, outer=0.0, sides="a")
    move_brows(t, inner=0.05 * k, outer=0.07 * k, sides="b")


def _speechless(t, s, k):
    """无语: a flat, closed mouth, heavy lids, brows a little up; the three black lines are drawn on top."""
    set_corners(t, s, lift=-0.03 * k, spread=-0.02 * k)
    set_opening(t, s, 0.0)
    move_lids(t, s, upper=-0.06 * k)
    move_brows(t, inner=0.04 * k, outer=0.02 * k)


MOVES: dict[str, Callable[[np.ndarray, np.ndarray, float], None]] = {
    "happy": _happy, "laugh": _laugh, "smile": _smile, "sad": _sad, "cry": _cry,
    "surprised": _surprised, "angry": _angry, "disgusted": _disgusted, "scared": _scared,
    "neutral": _neutral, "wink": _wink, "smug": _smug, "laugh_cry": _laugh_cry, "eye_roll": _eye_roll,
    "pout": _pout, "sly_grin": _sly_grin, "speechless": _speechless,
}


def apply_tweaks(t: np.ndarray, tweaks: Tweaks) -> None:
    """The fine-tune sliders, on top of the expression's own moves (each 0: no change)."""
    before = t.copy()
    if tweaks.brows > 0:  # AU1+2
        move_brows(t, inner=0.13 * tweaks.brows, outer=0.11 * tweaks.brows)
    elif tweaks.brows < 0:  # AU4: down and drawn together
        move_brows(t, inner=0.13 * tweaks.brows, outer=0.0, squeeze=-0.08 * tweaks.brows)
    if tweaks.eyes > 0:  # AU5
        move_lids(t, before, upper=0.06 * tweaks.eyes)
    elif tweaks.eyes < 0:  # AU43
        for side in "ab":
            close_eye(t, before, side, -tweaks.eyes)
    if tweaks.wink > 0:  # AU46 on the image-left eye
        close_eye(t, before, "a", tweaks.wink)
    if tweaks.smile:  # AU12 up and out / AU15 down
        for corner, near, sign in ((CORNER_A, NEAR_CORNER_A, -1.0), (CORNER_B, NEAR_CORNER_B, 1.0)):
            move = np.array([sign * 0.04 * max(tweaks.smile, 0.0), -0.11 * tweaks.smile])
            t[corner] += move
            t[near] += 0.45 * move
    if tweaks.mouth > 0:  # AU25+26: open further than the expression did
        set_opening(t, t.copy(), max(mouth_opening(t), 0.4 * tweaks.mouth))


def target_landmarks(landmarks: np.ndarray, expression: str, intensity: float,
                     tweaks: Tweaks | None = None) -> np.ndarray:
    """Where the 68 landmarks should go to show `expression` at `intensity`, with the sliders' `tweaks`
    on top (image pixels)."""
    frame = FaceFrame.from_landmarks(landmarks)
    src = frame.to_local(landmarks)
    target = src.copy()
    MOVES[expression](target, src, float(intensity))
    # Targets like "corners on the mid line" do not vanish at intensity 0, so low intensities also
    # fade the whole move towards the face as it is: 0 changes nothing.
    fade = min(1.0, float(intensity) / FULL_MOVE_AT)
    target = src + fade * (target - src)
    if tweaks is not None and tweaks.any:
        apply_tweaks(target, tweaks)
    return frame.to_image(target).astype(np.float32)
