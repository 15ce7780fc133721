"""Points on the skin where the 68 landmarks are too sparse for the skin to move as it does: the cheeks'
apples and the nasolabial region on each side.

Each point is a fixed blend of landmarks, so it follows the face; the action units that move that skin
add their own lift on top (AU6 raises the cheeks, AU12 pulls them up and out along the fold, AU9/10
draw the fold up beside the nose, AU15 pulls it down, AU20 stretches it outwards, AU18 draws it in).
The warp takes them as extra mesh points: a smile then lifts the cheeks under the eyes instead of only
the mouth corners.
"""

from __future__ import annotations

import numpy as np

from emojigen.expression.units import Moves
from emojigen.face.geometry import FaceFrame

# (landmark indices, weights) for each point, image-left side first; the right side mirrors it.
BLENDS = (
    ((36, 31, 2), (0.34, 0.33, 0.33)),  # cheek apple a: between the outer eye corner, nose wing, jaw
    ((45, 35, 14), (0.34, 0.33, 0.33)),  # cheek apple b
    ((31, 48, 3), (0.6, 0.25, 0.15)),  # nasolabial a: beside the nose wing, towards the mouth corner
    ((35, 54, 13), (0.6, 0.25, 0.15)),  # nasolabial b
)
SIDES = (0, 1, 0, 1)  # which side's AUs move each point
# Lift (up, in eye distances) and outward push per unit of each AU: (cheek apple, nasolabial).
LIFTS = {"AU6": ((0.045, 0.0), (0.02, 0.0)), "AU12": ((0.025, 0.01), (0.035, 0.015)),
         "AU9": ((0.01, 0.0), (0.025, 0.0)), "AU10": ((0.0, 0.0), (0.02, 0.0)),
         "AU15": ((-0.01, 0.0), (-0.025, 0.0)),
         "AU20": ((0.0, 0.01), (-0.01, 0.04)), "AU18": ((0.0, -0.005), (0.0, -0.03))}


def skin_points(landmarks: np.ndarray) -> np.ndarray:
    """(4, 2) image pixels: the cheek apples and nasolabial points of this face."""
    points = np.asarray(landmarks, np.float64)
    return np.array([np.asarray(w) @ points[list(i)] for i, w in BLENDS])


def skin_targets(landmarks: np.ndarray, target: np.ndarray, aus: dict[str, float], fade: float = 1.0) -> np.ndarray:
    """Where the skin points go: they follow the moved landmarks, and the AUs lift them."""
    frame = FaceFrame.from_landmarks(landmarks)
    followed = frame.to_local(skin_points(target))
    moves = _lifts(aus)
    for k, side in enumerate(SIDES):
        kind = 0 if k < 2 else 1
        up, out = moves[kind][side]
        followed[k] += [(-1.0 if side == 0 else 1.0) * out * fade, -up * fade]
    return frame.to_image(followed)


def _lifts(aus: dict[str, float]) -> np.ndarray:
    """[kind (cheek, nasolabial)][side] -> (up, out), summed over the AUs."""
    total = np.zeros((2, 2, 2))
    per_side = Moves.of(aus)
    for au, ((cheek_up, cheek_out), (fold_up, fold_out)) in LIFTS.items():
        strength = per_side.intensity(au)
        total[0] += np.outer(strength, [cheek_up, cheek_out])
        total[1] += np.outer(strength, [fold_up, fold_out])
    return total
