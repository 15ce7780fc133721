"""Each facial action unit (AU) as landmark moves: one row of a table per AU, the moves it makes at
intensity 1, in the face's own frame (unit = eye distance, y down the face).

An expression is a set of AUs with intensities (its recipe in assets/expressions.json, the sliders on
top, or AUs read from another photo); `Moves.of(aus)` adds up what they ask, and `apply` turns it into
target landmarks. Brows and lids move *by* amounts; the mouth is set *to* targets measured from an
estimate of the face's own neutral mouth, so a photo that already smiles can still be turned sad and a
wide grin narrows to a surprised oval.

An AU name may end in R or L for one side only, as FACS writes them ("AU12L": the corner of the
person's left, which is the image's right). AUs 61-64 (gaze) move the irises, not landmarks: they are
painted (eyes.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# Moves per unit of intensity. brow_*/lid_*/corner_lift/lip/nose/chin: + is up; corner_spread: + is
# outwards; brow_squeeze: + is towards the nose; lid_close: 1 shuts the eye; pucker pushes the lips out
# and draws the corners in; opening is the gap between the lips; press holds them shut.
AU_MOVES: dict[str, dict[str, float]] = {
    "AU1": {"brow_inner": 0.13},  # inner brow raiser
    "AU2": {"brow_outer": 0.12, "brow_inner": 0.03},  # outer brow raiser
    "AU4": {"brow_lower": 0.12, "brow_outer": -0.03, "brow_squeeze": 0.08},  # brow lowerer
    "AU5": {"lid_upper": 0.05, "lid_lower": -0.01},  # upper lid raiser: white shows above the iris
    "AU6": {"lid_lower": 0.035, "lid_upper": -0.015},  # cheek raiser: the lower lid pushed up
    "AU7": {"lid_lower": 0.03, "lid_upper": -0.01},  # lid tightener
    "AU9": {"nose": 0.03, "upper_lip": 0.02, "brow_lower": 0.03},  # nose wrinkler
    "AU10": {"upper_lip": 0.05},  # upper lip raiser
    "AU12": {"corner_lift": 0.13, "corner_spread": 0.06},  # lip corner puller
    "AU14": {"corner_lift": 0.02, "corner_spread": -0.01},  # dimpler
    "AU15": {"corner_lift": -0.11, "corner_spread": -0.02},  # lip corner depressor
    "AU17": {"lower_lip": 0.02, "chin": 0.02},  # chin raiser
    "AU18": {"pucker": 0.1},  # lip pucker
    "AU20": {"corner_spread": 0.1, "corner_lift": -0.03},  # lip stretcher
    "AU22": {"pucker": 0.05, "opening": 0.03},  # lip funneler
    "AU23": {"corner_spread": -0.03, "corner_lift": -0.02, "press": 0.5},  # lip tightener
    "AU24": {"corner_lift": -0.03, "press": 1.0},  # lip pressor
    "AU25": {"opening": 0.06},  # lips part
    "AU26": {"opening": 0.24},  # jaw drop
    "AU27": {"opening": 0.12, "corner_spread": -0.08},  # mouth stretch: the lips round as the jaw falls
    "AU41": {"lid_close": 0.35},  # lid droop
    "AU43": {"lid_close": 1.0},  # eyes closed
    "AU45": {"lid_close": 1.0},  # blink
    "AU46": {"lid_close": 1.0},  # wink (give it a side: AU46R or AU46L)
    "AU61": {"gaze_x": -1.0},  # eyes turn to the image's left
    "AU62": {"gaze_x": 1.0},  # eyes turn to the image's right
    "AU63": {"gaze_y": -1.0},  # eyes up
    "AU64": {"gaze_y": 1.0},  # eyes down
}
CHANNELS = sorted({c for moves in AU_MOVES.values() for c in moves})
# The person's right (R) is the image's left: side "a" in the landmark code; L is side "b".
SIDE_INDEX = {"R": (0,), "L": (1,), "": (0, 1)}
_NAME = re.compile(r"^(AU\d+)([LR]?)$")


def split_name(name: str) -> tuple[str, str]:
    """"AU12L" -> ("AU12", "L"); raises ValueError for a name that is not a known AU."""
    match = _NAME.match(name)
    if match is None or match.group(1) not in AU_MOVES:
        raise ValueError(f"unknown action unit {name!r} (known: {', '.join(AU_MOVES)}, each optionally "
                         "ending in R or L for one side)")
    return match.group(1), match.group(2)


def bilateral(aus: Mapping[str, float]) -> dict[str, float]:
    """One-sided AUs folded into their two-sided names at half strength: what the painting of creases
    and teeth, which does not look at sides, needs."""
    total: dict[str, float] = {}
    for name, value in aus.items():
        au, side = split_name(name)
        total[au] = total.get(au, 0.0) + (value / 2 if side else value)
    return total


@dataclass
class Moves:
    """What a set of AUs asks of the face: each channel per side, [image-left, image-right]."""
    channels: dict[str, np.ndarray] = field(default_factory=lambda: {c: np.zeros(2) for c in CHANNELS})
    inner_raise: np.ndarray = field(default_factory=lambda: np.zeros(2))  # AU1 per side
    per_au: dict[str, np.ndarray] = field(default_factory=dict)  # each AU's intensity per side

    @classmethod
    def of(cls, aus: Mapping[str, float]) -> Moves:
        moves = cls()
        for name, value in aus.items():
            au, side = split_name(name)
            for index in SIDE_INDEX[side]:
                for channel, amount in AU_MOVES[au].items():
                    moves.channels[channel][index] += amount * value
                moves.per_au.setdefault(au, np.zeros(2))[index] += value
            moves.inner_raise = moves.intensity("AU1")
        return moves

    def intensity(self, au: str) -> np.ndarray:
        """How strongly `au` (a two-sided name, "AU12") acts on each side, [image-left, image-right]."""
        return self.per_au.get(au, np.zeros(2)).copy()

    def __getitem__(self, channel: str) -> np.ndarray:
        return self.channels[channel]

    @property
    def gaze(self) -> tuple[float, float]:
        """Where the irises turn, in eye heights (x: + to the image's right, y: + down)."""
        return float(self["gaze_x"].mean()), float(self["gaze_y"].mean())
