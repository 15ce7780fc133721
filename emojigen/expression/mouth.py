"""What warping cannot show about a mouth: the inside of one that opened, the lips of one that closed.

A warp only moves pixels. Closing a toothy smile squeezes the teeth into a smear, and opening a mouth
stretches whatever was between the lips, so both are redrawn from the moved landmarks (lips.py), in the
person's own lip and skin colours: closed lips as two shaded lips and their seam, an opening as a dark
cavity with as much of the teeth as the expression shows.
"""

from __future__ import annotations

import cv2
import numpy as np

from emojigen.expression.lips import draw_closed_lips, draw_opening, fill_inside, mouth_box, sample_colours, shows_teeth
from emojigen.face.geometry import FaceFrame

# Paint only when the lips part (or meet) by more than this much (in eye distances) beyond the source.
MIN_CHANGE = 0.05
CLOSED = 0.04  # a gap below this (eye distances) reads as closed lips
TEETH_KEPT = 0.5  # an expression showing less teeth than this repaints an open mouth without its grin
HAS_TEETH = 0.1  # share of an opening that looks like teeth for the mouth to count as showing them
OPEN_ENOUGH = 0.1  # eye distances: an opening this wide with no teeth in it gets teeth painted in for a grin


def paint_mouth(image: np.ndarray, before: np.ndarray, after: np.ndarray, teeth: float | None = None) -> np.ndarray:
    """Paint the inside of a newly opened mouth, or redraw the lips of a newly closed one.

    `before` and `after` are the landmarks before and after the warp. `teeth` (0..1) is how much of the
    teeth an opening shows: 0 a dark gasp, 1 a laugh. None: a newly opened mouth shows teeth, and one
    that was already open keeps its own. With `teeth` below TEETH_KEPT an open mouth that shows teeth
    is repainted as a dark opening, so a toothy smile turned into surprise does not keep its grin.
    """
    frame = FaceFrame.from_landmarks(before)
    open_before, open_after = _opening(frame, before), _opening(frame, after)
    if open_after <= CLOSED:
        if not closes_mouth(before, after):
            return image  # closed before and after: the warped lips are the person's own
        box = mouth_box(after, frame, image.shape)
        return draw_closed_lips(image, box, sample_colours(image, box))

    box = mouth_box(after, frame, image.shape)
    grew = open_after - max(open_before, 0.0) >= MIN_CHANGE
    if teeth is not None and teeth < TEETH_KEPT:
        # An open mouth is repainted even where it did not grow: it may still hold a grin's teeth, or
        # their dark fill from prepare_mouth. The old inside is covered a little past the inner lip
        # points, which dlib puts on the teeth.
        if not (grew or open_before > CLOSED):
            return image
        return draw_opening(image, box, sample_colours(image, box), teeth, clean=open_before > CLOSED)
    amount = 1.0 if teeth is None else teeth
    if grew:
        return draw_opening(image, box, sample_colours(image, box), amount, clean=open_before > CLOSED)
    if teeth is not None and open_after > OPEN_ENOUGH:
        colours = sample_colours(image, box)
        if shows_teeth(image, box, colours) < HAS_TEETH:  # a grin asked of a mouth open without teeth
            return draw_opening(image, box, colours, amount, clean=open_before > CLOSED)
    return image


def prepare_mouth(image: np.ndarray, before: np.ndarray, target: np.ndarray, teeth: float | None = None) -> np.ndarray:
    """Before the warp: fill in what lies between the lips where the warp would only smear it.

    A mouth about to close has its teeth filled with its own lip colour (its lips are then redrawn by
    paint_mouth); an open mouth that must show fewer teeth than it has (`teeth` below TEETH_KEPT on a
    toothy smile) has them darkened, so the warp does not stretch the old grin. Returns the image to warp.
    """
    frame = FaceFrame.from_landmarks(before)
    if closes_mouth(before, target):
        box = mouth_box(before, frame, image.shape)
        return fill_inside(image, box, sample_colours(image, box), with_lips=True)
    if teeth is not None and teeth < TEETH_KEPT and min(_opening(frame, before), _opening(frame, target)) > CLOSED:
        box = mouth_box(before, frame, image.shape)
        colours = sample_colours(image, box)
        if shows_teeth(image, box, colours) > HAS_TEETH:
            return fill_inside(image, box, colours, with_lips=False)
    return image


def closes_mouth(before: np.ndarray, target: np.ndarray) -> bool:
    """Does the move shut a mouth that was open?"""
    frame = FaceFrame.from_landmarks(before)
    open_before, open_after = _opening(frame, before), _opening(frame, target)
    return open_before - open_after >= MIN_CHANGE and open_after < CLOSED


def _opening(frame: FaceFrame, landmarks: np.ndarray) -> float:
    """Gap between the inner lips at their middle, in eye distances."""
    local = frame.to_local(landmarks[[62, 66]])
    return float(local[1, 1] - local[0, 1])


def cover_leftovers(image: np.ndarray, carried: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where the warp carried what prepare_mouth filled in (`carried`, warped with the picture) beyond
    the redrawn lips (a broad smile's ends, past the corners of a narrower mouth), fill in the skin from
    around it."""
    unit = FaceFrame.from_landmarks(after).unit
    # The redrawn lips cover their outline except near the corners, where they fade into the skin.
    outline = after[48:60].astype(np.float64)
    centre = outline.mean(axis=0)
    lips = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(lips, [np.round(centre + (outline - centre) * [0.9, 1.0]).astype(np.int32)], 255)
    leftover = ((carried > 96) & (lips == 0)).astype(np.uint8)
    if leftover.sum() < 4:
        return image
    ys, xs = np.nonzero(leftover)
    pad = max(4, round(0.15 * unit))
    h, w = image.shape[:2]
    x0, y0 = max(xs.min() - pad, 0), max(ys.min() - pad, 0)
    x1, y1 = min(xs.max() + pad + 1, w), min(ys.max() + pad + 1, h)
    mask = cv2.dilate(leftover[y0:y1, x0:x1], np.ones((3, 3), np.uint8))
    out = image.copy()
    out[y0:y1, x0:x1] = cv2.inpaint(np.ascontiguousarray(image[y0:y1, x0:x1]), mask, max(2, round(0.03 * unit)),
                                    cv2.INPAINT_TELEA)
    return out
