"""The expression engine's one entry point: a face and an expression in, the changed face out.

Moves the landmarks, warps the image to follow them, then paints what a warp cannot show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from emojigen.expression.actions import AUs, Tweaks, combined, gasps, scaled, teeth_shown
from emojigen.expression.appearance import paint_appearance
from emojigen.expression.eyes import paint_eyes
from emojigen.expression.lexicon import default_lexicon
from emojigen.expression.mouth import closes_mouth, cover_leftovers, paint_mouth, prepare_mouth
from emojigen.expression.moves import FULL_MOVE_AT, target_landmarks
from emojigen.expression.overlays import draw_speechless_lines, draw_tears
from emojigen.expression.skin_points import skin_points, skin_targets
from emojigen.expression.units import Moves, bilateral
from emojigen.expression.warp import WarpResult, warp_face

Drawing = Callable[[np.ndarray, np.ndarray, float], np.ndarray]

# Drawn on top of the warped face, for the expressions that need more than action units.
DRAWINGS: dict[str, Drawing] = {
    "cry": draw_tears,
    "laugh_cry": draw_tears,
    "speechless": draw_speechless_lines,
}


@dataclass(frozen=True)
class RenderedFace:
    image: np.ndarray  # the whole photo with the face changed
    landmarks: np.ndarray  # where the landmarks are now
    scale: float  # 1.0 if the full move was applied; less if it was softened to avoid folds


def acting_aus(expression: str, intensity: float, tweaks: Tweaks | None = None,
               aus: AUs | None = None) -> dict[str, float]:
    """The action units a face shows: the expression's recipe (or `aus`) at `intensity`, sliders added."""
    recipe = default_lexicon().recipes.get(expression, {}) if aus is None else aus
    return combined(scaled(recipe, intensity), tweaks.aus() if tweaks is not None else {})


def render_expression(image: np.ndarray, landmarks: np.ndarray, expression: str, intensity: float,
                      tweaks: Tweaks | None = None, aus: AUs | None = None) -> RenderedFace:
    """`aus`: the expression's action units (its recipe in the default lexicon when left out, or AUs
    read from another photo); `intensity` scales them; `tweaks`: the fine-tune sliders on top."""
    feeling = acting_aus(expression, intensity, None, aus)
    acting = acting_aus(expression, intensity, tweaks, aus)
    target = target_landmarks(landmarks, feeling, fade=intensity / FULL_MOVE_AT)
    if acting != feeling:
        # The sliders move the face by what their AUs add to the feeling's, from wherever the feeling
        # put it: at intensity 0 they act on the face as it is.
        target = target + target_landmarks(landmarks, acting) - target_landmarks(landmarks, feeling)
    fade = min(1.0, max(intensity, tweaks.strength if tweaks is not None else 0.0) / FULL_MOVE_AT)
    both_sides = bilateral(acting)
    skin = (skin_points(landmarks), skin_targets(landmarks, target, acting, fade))
    warped, out = _warp_and_redraw_mouth(image, landmarks, target, skin, both_sides)
    # Irises stay round whatever the lids do, turn where the gaze AUs say; shut eyes get a lid.
    out = paint_eyes(image, out, landmarks, warped.landmarks, Moves.of(acting), fade)
    # The skin creases the action units make (forehead lines, brow furrows, folds), as far as the warp went.
    out = paint_appearance(out, landmarks, warped.landmarks, scaled(both_sides, min(1.0, warped.scale)))
    draw = DRAWINGS.get(expression)
    drawn_at = intensity * max(warped.scale, 0.5)
    if draw is not None and drawn_at > 0:
        drawn = draw(out, warped.landmarks, drawn_at)
        # Fade drawings in over the same range as the moves, so an animation does not pop.
        fade = min(1.0, drawn_at / FULL_MOVE_AT)
        out = (out * (1 - fade) + drawn * fade).round().astype(np.uint8) if fade < 1 else drawn
    return RenderedFace(out, warped.landmarks, warped.scale)


def _warp_and_redraw_mouth(image: np.ndarray, landmarks: np.ndarray, target: np.ndarray,
                           skin: tuple[np.ndarray, np.ndarray], aus: AUs) -> tuple[WarpResult, np.ndarray]:
    """The warp, with the mouth prepared before it and redrawn after it."""
    # An opened mouth shows teeth only for a grin or a shout; a gasp repaints even a mouth that was
    # open, so a toothy smile turned into surprise loses its grin.
    teeth = teeth_shown(aus) if gasps(aus) else None
    prepared = prepare_mouth(image, landmarks, target, teeth)
    closing = closes_mouth(landmarks, target)
    if closing:  # carry what was filled in through the warp, to find what ends up beyond the new lips
        filled = np.any(prepared[..., :3] != image[..., :3], axis=2).astype(np.uint8) * 255
        prepared = np.dstack([prepared[..., :3], filled])
    warped = warp_face(prepared, landmarks, target, skin)
    out = paint_mouth(np.ascontiguousarray(warped.image[..., :3]), landmarks, warped.landmarks, teeth)
    if closing:
        out = cover_leftovers(out, warped.image[..., 3], warped.landmarks)
    return warped, out
