"""Expressions as Facial Action Coding System action units (AUs), and the fine-tune sliders.

Each expression has a recipe in assets/expressions.json ("aus": AU -> intensity, after the EMFACS
prototypes: sad AU1+4+15+17, surprise AU1+2+5+26+27, anger AU4+5+7+23+24 ...). A recipe scaled by the
request's intensity says what the landmark moves cannot: which wrinkles and folds show (appearance.py)
and whether an opened mouth shows teeth (mouth.py).

The sliders (brows, eyes, wink, mouth "aaa", wide "eee", round "woo", smile, gaze) are offsets on top
of the typed feeling, each one a few AUs: left at 0 they change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

AUs = Mapping[str, float]
GASP_TEETH = 0.3  # a dropped jaw still shows the upper teeth's edge under the lip, not a grin's band


@dataclass(frozen=True)
class Tweaks:
    """The fine-tune sliders. 0 everywhere: the expression as the words asked for it."""
    brows: float = 0.0  # -1 lowered and drawn together (AU4) .. +1 raised (AU1+2)
    eyes: float = 0.0  # -1 closed (AU43) .. +1 wide open (AU5)
    mouth: float = 0.0  # 0 .. 1 jaw dropped open, "aaa" (AU25+26)
    smile: float = 0.0  # -1 corners down (AU15) .. +1 corners up (AU12)
    wink: float = 0.0  # 0 .. 1 the image-left eye shut (AU46 on the person's right)
    wide: float = 0.0  # 0 .. 1 lips stretched wide, "eee" (AU20+25, the upper lip raised a little: AU10)
    rounded: float = 0.0  # 0 .. 1 lips rounded and pushed out, "woo" (AU18+22)
    gaze_x: float = 0.0  # -1 looking to the image's left (AU61) .. +1 to its right (AU62)
    gaze_y: float = 0.0  # -1 looking up (AU63) .. +1 down (AU64)

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def strength(self) -> float:
        """The largest slider's size: how far the sliders alone move the face."""
        return max(abs(getattr(self, f.name)) for f in fields(self))

    def scaled(self, k: float) -> Tweaks:
        """The sliders at a fraction of their value (an animation's frames ease them in and out)."""
        return Tweaks(**{f.name: getattr(self, f.name) * k for f in fields(self)})

    def aus(self) -> dict[str, float]:
        """The action units the sliders add."""
        up, down = max(self.brows, 0.0), max(-self.brows, 0.0)
        found = {"AU1": up, "AU2": up * 0.8, "AU4": down,
                 "AU5": max(self.eyes, 0.0), "AU43": max(-self.eyes, 0.0), "AU46R": self.wink,
                 "AU12": max(self.smile, 0.0), "AU6": max(self.smile, 0.0) * 0.5, "AU15": max(-self.smile, 0.0),
                 "AU25": max(self.mouth, 0.5 * self.wide, 0.5 * self.rounded), "AU26": self.mouth,
                 "AU20": 1.2 * self.wide, "AU10": 0.5 * self.wide, "AU18": 0.8 * self.rounded, "AU22": self.rounded,
                 "AU61": max(-self.gaze_x, 0.0), "AU62": max(self.gaze_x, 0.0),
                 "AU63": max(-self.gaze_y, 0.0), "AU64": max(self.gaze_y, 0.0)}
        return {au: v for au, v in found.items() if v > 0}


def scaled(aus: AUs, k: float) -> dict[str, float]:
    return {au: v * k for au, v in aus.items() if v * k > 0}


def combined(*sets: AUs) -> dict[str, float]:
    """Several AU sets at once (a recipe and the sliders): intensities add up."""
    total: dict[str, float] = {}
    for aus in sets:
        for au, v in aus.items():
            total[au] = total.get(au, 0.0) + v
    return total


def gasps(aus: AUs) -> bool:
    """The jaw drops open (AU26/27) without the lips pulled back (no AU12 grin, no AU10 snarl): a
    surprised or frightened mouth, a dark opening rather than a smile."""
    return aus.get("AU26", 0.0) + aus.get("AU27", 0.0) >= 0.6 and teeth_shown(aus) <= GASP_TEETH


def teeth_shown(aus: AUs) -> float:
    """How much of the teeth an open mouth shows, 0..1. Teeth show when the lips are pulled back or up:
    a smile or laugh (AU12), a snarl or shout (AU10), a stretched fearful mouth (AU20, a little). A
    mouth dropped open in surprise (AU26/27 alone) shows a dark opening, no grin."""
    if max(aus.get("AU25", 0.0), aus.get("AU26", 0.0), aus.get("AU27", 0.0)) <= 0:
        return 0.0
    return min(1.0, max(aus.get("AU12", 0.0), aus.get("AU10", 0.0), 0.3 * aus.get("AU20", 0.0),
                        GASP_TEETH))
