"""Reading an expression's action units (FACS AUs) off one face's 68 landmarks.

`read_aus(landmarks)` measures the face in its own frame (origin between the eyes, unit = the distance
between the eye centres, y down the face), compares each measure with an estimate of this face's neutral
value, and divides the difference by how far one AU at intensity 1.0 moves the landmarks in the
expression engine (moves.py), so that a face read here and re-rendered there shows about the same move.

Measures: brow heights above the eye line and the gap between the inner brows (AU1, AU2, AU4); the eyes'
opening over their width (AU5, AU7, AU43) and one eye's opening against the other's (the AU46 wink); the
mouth's opening, its width and each corner's height above the lips' middle line (AU12, AU15, AU18, AU20,
AU25-27, and the one-sided AU12L/AU12R).

The neutral estimate: one photo cannot show a person's own neutral, so population values stand in for
it, scaled by the face's proportions where those carry over. Vertical measures are divided by the nose
length (eye line to the nose base: no AU read here moves it, whereas the chin drops with the jaw) and
expressed for a nose NOSE_LENGTH eye distances long; this also undoes a head turn's narrowing of the
eye distance, which leaves heights alone. Eye openings are taken over the eyes' width (the eye aspect
ratio), the mouth's width against the face's width at the ears; the wink compares the two eyes.
The values (NEUTRAL) come from the nine real portraits the tests use (each measure's median over those
that do not show its move) and the mean 68-point shape published with OpenFace's face alignment, as
noted beside each. People still differ by about 0.4 intensity in brow height and eye opening, so small
values are noise; faces turned more than about 30 degrees read unreliably.
"""

from __future__ import annotations

import numpy as np

from emojigen.face import FaceFrame

# Neutral values, in eye distances for a face whose nose is NOSE_LENGTH long.
NOSE_LENGTH = 0.74  # eye line to the nose base (point 33): portraits' median (0.66-0.90; mean shape 0.81)
NEUTRAL = {
    "inner_brow": 0.285,  # above the eye line: portraits' median, spread 0.24-0.35 (mean shape 0.25)
    # Points 18 and 25, next to the brows' ends (which dlib places less surely): portraits' median (mean shape 0.30)
    "outer_brow": 0.335,
    "brow_gap": 0.39,  # between the inner ends: portraits' median, spread 0.33-0.47 (mean shape 0.385)
    "eye": 0.33,  # opening / width: the mean shape 0.31 (a mix of expressions), two near-neutral portraits 0.37
    "mouth_share": 0.37,  # mouth width / face width: the two near-neutral portraits; the engine 0.85 / 2.3
}
# How far one AU at intensity 1.0 moves the landmarks in the expression engine (eye distances).
STEP = {
    "AU1": 0.13, "AU2": 0.12,  # inner and outer end; points between move by shares of both (OUTER_SHARE)
    "AU4_down": 0.12, "AU4_in": 0.16,  # the gap closes by 0.08 on each side
    "AU5": 0.05, "AU7": 0.03,  # upper lid up, lower lid up
    "AU12": 0.13, "AU12_wide": 0.12, "AU15": 0.11, "AU20": 0.20, "AU18": 0.24,  # widths: both corners
    "AU25": 0.06, "AU26": 0.24, "AU27": 0.12,  # the opening, one on top of the other
}
OUTER_SHARE = 0.75  # how much of the outer end's move points 18 and 25 take (the rest: the inner end's)
CLOSED = 0.5  # an eye narrowed by half its neutral opening is closing (AU43), not tightening (AU7)
# dlib fits a shut eye as still a little open: about 0.4 of its open height (blink detection with this
# model reads 0.1-0.15 shut against 0.3 open), so that counts as fully closed.
SHUT = 0.4
WINK = 0.75  # one eye open less than this share of the other: a wink (neutral faces: 0.87 and up)
SMIRK = 0.4  # one corner higher than the other by this much AU12: a one-sided smile
SMILE_WIDENS = 1.6  # real smiles widen the mouth 1.0-2.8 times what the engine's AU12 does (median 1.6)
MOST = 1.5
SHOWN = 0.05


def read_aus(landmarks: np.ndarray) -> dict[str, float]:
    """The action units one face shows, relative to an estimate of its neutral: AU name -> intensity
    (0 to 1.5, two decimals; only those above 0.05). Sides ("AU46R", "AU12L") are the person's own."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (68, 2):
        raise ValueError(f"expected the 68 landmarks as an array of shape (68, 2), got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("the landmarks contain NaN or infinite values")
    p = FaceFrame.from_landmarks(points).to_local(points)
    found = {**_brows(p), **_eyes(p), **_mouth(p)}
    return {au: round(float(min(v, MOST)), 2) for au, v in found.items() if v > SHOWN}


def _vertical_scale(p: np.ndarray) -> float:
    """Factor that brings this face's heights to a face with a nose NOSE_LENGTH long."""
    return float(np.clip(NOSE_LENGTH / max(p[33, 1], 1e-6), 0.75, 1.35))


def _brows(p: np.ndarray) -> dict[str, float]:
    v = _vertical_scale(p)
    inner = -(p[21, 1] + p[22, 1]) / 2 * v
    outer = -(p[18, 1] + p[25, 1]) / 2 * v
    gap = p[22, 0] - p[21, 0]
    inner_raise = inner - NEUTRAL["inner_brow"]
    # The engine moves the brow between its ends linearly: this point takes a share of the inner raise too.
    outer_raise = outer - NEUTRAL["outer_brow"] - (1 - OUTER_SHARE) * inner_raise
    down = -inner_raise / STEP["AU4_down"]
    together = (NEUTRAL["brow_gap"] - gap) / STEP["AU4_in"]
    return {"AU1": inner_raise / STEP["AU1"],
            "AU2": outer_raise / (OUTER_SHARE * STEP["AU2"]),
            # Both cues, signed: raised brows far apart cancel brows that merely sit close together.
            "AU4": (down + together) / 2}


def _eye_openings(p: np.ndarray) -> tuple[float, float]:
    """Each eye's opening (eye distances), the image-left eye (the person's right) first."""
    right = np.mean(p[[41, 40], 1] - p[[37, 38], 1])
    left = np.mean(p[[47, 46], 1] - p[[43, 44], 1])
    return max(float(right), 0.0), max(float(left), 0.0)


def _eyes(p: np.ndarray) -> dict[str, float]:
    right, left = _eye_openings(p)
    # Both eyes' widths together: a turned head narrows the far eye, not its opening.
    width = max(((p[39, 0] - p[36, 0]) + (p[45, 0] - p[42, 0])) / 2, 1e-6)
    closed, open_ = sorted((right, left))
    if closed < WINK * open_:  # measured against the other eye: this face's own open eye
        side = "AU46R" if right < left else "AU46L"
        return {side: min(1.0, (1.0 - closed / open_) / (1.0 - SHUT)), **_eye_aperture(open_ / width, width)}
    return _eye_aperture((right + left) / 2 / width, width)


def _eye_aperture(ratio: float, width: float) -> dict[str, float]:
    """AU5 (wider), AU7 (narrower) or AU43 (closing) from the eyes' opening over their width."""
    change = (ratio - NEUTRAL["eye"]) * width  # eye distances: + wider, - narrower
    closure = -change / (NEUTRAL["eye"] * width)
    if closure >= CLOSED:
        return {"AU43": min(closure / (1.0 - SHUT), 1.0)}
    return {"AU5": change / STEP["AU5"], "AU7": -change / STEP["AU7"]}


def _mouth(p: np.ndarray) -> dict[str, float]:
    v = _vertical_scale(p)
    opening = max(0.0, p[66, 1] - p[62, 1]) * v
    middle = (p[62, 1] + p[66, 1]) / 2
    lifts = ((middle - p[48, 1]) * v, (middle - p[54, 1]) * v)  # the person's right corner first
    found = {"AU25": min(opening / STEP["AU25"], 1.0),
             "AU26": min((opening - STEP["AU25"]) / STEP["AU26"], 1.0),
             "AU27": (opening - STEP["AU25"] - STEP["AU26"]) / STEP["AU27"],
             **_corners(*lifts)}
    neutral_width = NEUTRAL["mouth_share"] * (p[16, 0] - p[0, 0])
    widening = (p[54, 0] - p[48, 0]) - neutral_width
    smile_width = SMILE_WIDENS * STEP["AU12_wide"] * max(found.get("AU12", 0.0), 0.0)
    found["AU20"] = (widening - smile_width) / STEP["AU20"]
    # A jaw that drops narrows the mouth too: only a closed mouth that narrows is a pucker.
    found["AU18"] = -widening / STEP["AU18"] * (1.0 - found["AU25"])
    return found


def _corners(right: float, left: float) -> dict[str, float]:
    """AU12 / AU15 from each corner's height above the lips' middle line; one corner up: a smirk."""
    high, low = max(right, left), min(right, left)
    if (high - low) / STEP["AU12"] >= SMIRK and high / STEP["AU12"] >= SMIRK:
        side = "AU12R" if right > left else "AU12L"
        return {side: (high - max(low, 0.0)) / STEP["AU12"], "AU12": low / STEP["AU12"]}
    mean = (right + left) / 2
    return {"AU12": mean / STEP["AU12"], "AU15": -mean / STEP["AU15"]}
