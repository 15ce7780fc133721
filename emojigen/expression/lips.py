"""Lips, mouth openings and teeth drawn from the 68 landmarks, in the person's own colours.

Everything is computed in a box around the mouth, in the face's own frame (unit = eye distance, y down
the face): each contour of the lips is a smooth curve y(x) through its landmarks, so for every pixel
we know how far it lies across a lip, from the seam, or down an opening, and shade it from that.

The work is split by job; this module gathers what the mouth painting calls:
  lip_geometry   the box and the lip contours in it
  lip_colours    the person's lip and skin colours, and teeth and cavity colours from them
  closed_lips    a closed mouth redrawn: shaded lips, their seam and shadows
  mouth_opening  an open mouth's inside: cavity, tongue, teeth; and the old inside covered before a warp
"""

from __future__ import annotations

from emojigen.expression.closed_lips import MAX_LOWER_LIP, MIN_LOWER_LIP, draw_closed_lips
from emojigen.expression.lip_colours import LipColours, cavity_colour, sample_colours, shows_teeth, teeth_colour
from emojigen.expression.lip_geometry import INNER_BOTTOM, INNER_TOP, LOWER_OUTER, UPPER_OUTER, MouthBox, mouth_box
from emojigen.expression.mouth_opening import TOOTH_EDGES, draw_opening, fill_inside
from emojigen.expression.soft_masks import smoothstep

__all__ = [
    "INNER_BOTTOM", "INNER_TOP", "LOWER_OUTER", "MAX_LOWER_LIP", "MIN_LOWER_LIP", "TOOTH_EDGES", "UPPER_OUTER",
    "LipColours", "MouthBox", "cavity_colour", "draw_closed_lips", "draw_opening", "fill_inside", "mouth_box",
    "sample_colours", "shows_teeth", "smoothstep", "teeth_colour",
]
