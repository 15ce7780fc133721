"""Target landmarks for a set of action units, in the face's own frame (unit = eye distance, y down).

units.py says what each AU asks (brows up by so much, corners to such a lift...); this module moves the
68 points accordingly. Mouth corners and the lip opening are set *to* targets measured from the face's
own neutral estimate, so a photo that already smiles can still be turned sad; brows and lids move *by*
the amounts asked.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from emojigen.expression.units import Moves
from emojigen.face.geometry import FaceFrame

# iBUG 300-W indices. "a" is the image-left side (the person's right), "b" the image-right side.
JAW = list(range(0, 17))
BROW_A, BROW_B = [17, 18, 19, 20, 21], [26, 25, 24, 23, 22]  # each listed outer -> inner
UPPER_LID_A, LOWER_LID_A = [37, 38], [41, 40]
UPPER_LID_B, LOWER_LID_B = [43, 44], [47, 46]
CORNER_A, CORNER_B = [48, 60], [54, 64]
NEAR_CORNER_A, NEAR_CORNER_B = [49, 59, 61, 67], [53, 55, 63, 65]
UPPER_LIP = [50, 51, 52, 61, 62, 63]
UPPER_MIDDLE = [51, 62]
UPPER_FOLLOWS = 0.2  # how much of the corners' rise the upper lip's middle takes
LOWER_LIP = [56, 57, 58, 65, 66, 67]
INNER_TOP, INNER_BOTTOM = 62, 66
# (upper inner, lower inner, upper outer, lower outer) from the image-left column to the right
LIP_COLUMNS = ((61, 67, 50, 58), (62, 66, 51, 57), (63, 65, 52, 56))
COLUMN_SHARE = (0.85, 1.0, 0.85)  # an opening mouth parts less towards its corners: an oval
GRIN_SHARE = (0.95, 1.0, 0.95)  # a laughing mouth opens as a broad crescent, not a V under raised corners
FULL_MOVE_AT = 0.5  # intensities below this fade the move out
CHIN_WEIGHTS = {5: 0.2, 6: 0.45, 7: 0.7, 8: 0.8, 9: 0.7, 10: 0.45, 11: 0.2}
NOSE = list(range(31, 36))
# Width of a relaxed, closed mouth: 0.76-0.93 eye distances on the test faces that do not smile, 1.0-1.2
# on those that smile, 0.66 for a surprised "O". A mouth outside this range relaxes into it before the
# AUs act: a smile's extra width is let go, a gasp's narrowing too.
NEUTRAL_MOUTH_WIDTH = (0.78, 0.85)
RELAX_SHARE = 0.5
FULL_DROP = 0.3  # an opening this big (a jaw drop) lets a smile's width go entirely
SMILING = 0.05  # corners this far above the lips' middle line: a smile (AU12 at about 0.4)
GRIN_OPENING = 0.13  # the widest parting of a smile kept from the photo


def mouth_opening(local: np.ndarray) -> float:
    return float(local[INNER_BOTTOM, 1] - local[INNER_TOP, 1])


def _mouth_mid_y(local: np.ndarray) -> float:
    return float((local[INNER_TOP, 1] + local[INNER_BOTTOM, 1]) / 2)


def set_opening(t: np.ndarray, src: np.ndarray, target: float, shares: tuple[float, ...] = COLUMN_SHARE) -> None:
    """Open (or close) the lips so the gap at their middle becomes `target`.

    Each column of the lips (left, middle, right) moves on its own: an opening mouth parts less towards
    the corners (a rounded opening, not a box), and a closing one shrinks every gap by the same ratio,
    so the lips meet without crossing and the teeth between them disappear.
    """
    centre = mouth_opening(src)
    delta = target - centre
    if delta >= 0:
        for (up, low, outer_up, outer_low), share in zip(LIP_COLUMNS, shares, strict=True):
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




def place_corners(t: np.ndarray, src: np.ndarray, lift: np.ndarray, spread: np.ndarray, opening: float) -> None:
    """Put each mouth corner `lift` above the lips' middle line and `spread` outside where a relaxed
    mouth of this face would have it. AUs that widen the mouth keep a smile that is wider already."""
    centre_x = float(src[CORNER_A[0], 0] + src[CORNER_B[0], 0]) / 2
    width = float(src[CORNER_B[0], 0] - src[CORNER_A[0], 0])
    # Halfway for a closed mouth (a warp that pulls a broad smile's corners all the way in leaves its
    # folds behind); all the way as the jaw drops, which draws the corners in with it.
    share = RELAX_SHARE + (1 - RELAX_SHARE) * min(1.0, max(opening, 0.0) / FULL_DROP)
    relax = 1.0 + share * (float(np.clip(width, *NEUTRAL_MOUTH_WIDTH)) / width - 1.0) if width > 0 else 1.0
    sides = ((CORNER_A, NEAR_CORNER_A, -1.0), (CORNER_B, NEAR_CORNER_B, 1.0))
    rises = []
    for index, (corner, near, sign) in enumerate(sides):
        half_now = sign * (float(src[corner[0], 0]) - centre_x)
        half = half_now * relax + spread[index]
        if spread[index] > 0:
            half = max(half, half_now)
        move = np.array([sign * (half - half_now), (_mouth_mid_y(src) - lift[index]) - src[corner[0], 1]])
        t[corner] += move
        t[near] += 0.45 * move
        if move[1] < 0:  # corners going up: the lower lip's sides stay low, so a grin opens as a crescent
            t[near[1::2], 1] -= 0.25 * move[1]
        rises.append(min(float(move[1]), 0.0))
    # A smile draws the whole upper lip up along a curve, its middle too: no "V" between raised corners.
    t[UPPER_MIDDLE, 1] += UPPER_FOLLOWS * float(np.mean(rises))


def apply_moves(t: np.ndarray, src: np.ndarray, moves: Moves) -> None:
    """Move the points of `t` (a copy of `src`, local coordinates) as `moves` asks."""
    for index, side in enumerate("ab"):
        # Brows: AU1 overrides AU4's pull down at the inner end (the oblique brows of grief, AU1+4),
        # while the brows are still drawn together.
        lower = moves["brow_lower"][index] * max(0.0, 1.0 - min(1.0, moves.inner_raise[index]))
        move_brows(t, inner=moves["brow_inner"][index] - lower, outer=moves["brow_outer"][index],
                   squeeze=moves["brow_squeeze"][index], sides=side)
        move_lids(t, src, upper=moves["lid_upper"][index], lower=moves["lid_lower"][index], sides=side)
        if moves["lid_close"][index] > 0:
            close_eye(t, src, side, moves["lid_close"][index])
    t[NOSE, 1] -= moves["nose"].mean()
    # The mouth is always set: no AU on it means a relaxed, closed mouth (FACS describes the whole face).
    pucker = float(moves["pucker"].mean())
    press = min(1.0, float(moves["press"].mean()))
    opening = max(0.0, float(moves["opening"].mean())) * (1.0 - press)
    place_corners(t, src, moves["corner_lift"], moves["corner_spread"] - pucker, opening)
    smiling = moves["corner_lift"].mean() > SMILING
    if opening > 0 and smiling:
        # A smile with parted lips keeps the photo's own parting (its teeth) up to a grin's.
        opening = max(opening, min(mouth_opening(src), GRIN_OPENING))
    set_opening(t, src, opening, GRIN_SHARE if smiling else COLUMN_SHARE)
    t[UPPER_LIP, 1] -= moves["upper_lip"].mean()
    t[LOWER_LIP, 1] -= moves["lower_lip"].mean()
    t[[7, 8, 9], 1] -= moves["chin"].mean()
    if pucker > 0:  # the lips push out: each looks fuller
        t[[50, 51, 52], 1] -= 0.35 * pucker
        t[[56, 57, 58], 1] += 0.45 * pucker


def target_landmarks(landmarks: np.ndarray, aus: Mapping[str, float], fade: float = 1.0) -> np.ndarray:
    """Where the 68 landmarks (image pixels) go to show the action units `aus`. `fade` (0..1) blends
    from the face as it is: mouth targets like "corners on the middle line" do not vanish as the AUs
    weaken, so a weak expression also fades its whole move (0 changes nothing)."""
    frame = FaceFrame.from_landmarks(landmarks)
    src = frame.to_local(landmarks)
    target = src.copy()
    apply_moves(target, src, Moves.of(aus))
    target = src + min(1.0, max(0.0, fade)) * (target - src)
    return frame.to_image(target).astype(np.float32)
