"""The inside of an open mouth, painted between the inner lip contours: a dark cavity, a tongue low in a
wide opening, and as much of the teeth as the expression shows. Also what lies between the lips before
the warp, covered so that the warp does not stretch an old grin across the new mouth."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.expression.lip_colours import LipColours, cavity_colour, teeth_colour, teeth_like, to_lab
from emojigen.expression.lip_geometry import MouthBox
from emojigen.expression.soft_masks import edge_coverage, smoothstep

# Where the gaps between teeth fall, in eye distances either side of the middle: central and lateral
# incisors, canines, then premolars foreshortened as the arch turns away.
TOOTH_EDGES = (0.0, 0.135, 0.235, 0.315, 0.375, 0.43)


@dataclass(frozen=True)
class _Opening:
    """The opening between the inner lips, for each pixel of a box (eye distances)."""

    top: np.ndarray  # the upper lip's inner edge
    bottom: np.ndarray  # the lower lip's, never above the upper's
    height: np.ndarray  # the opening at each column
    mid_x: float  # the opening's middle, across
    half: float  # half its width
    across: np.ndarray  # -1..1 from its left end to its right
    middle: np.ndarray  # 1 in the middle, to 0 at the ends (a round opening's profile)
    gap: float  # at its widest


def _measure_opening(box: MouthBox) -> _Opening:
    top, bottom = box.inner_top, np.maximum(box.inner_bottom, box.inner_top)
    half = max((box.inner_right - box.inner_left) / 2, 1e-3)
    mid_x = (box.inner_left + box.inner_right) / 2
    across = (box.x - mid_x) / half
    height = bottom - top
    return _Opening(top, bottom, height, mid_x, half, across, np.sqrt(np.clip(1 - across**2, 0, 1)),
                    float(height.max()))


def draw_opening(image: np.ndarray, box: MouthBox, colours: LipColours, teeth: float,
                 clean: bool = False) -> np.ndarray:
    """Paint the inside of an open mouth between the inner lips: a dark cavity, darkest at the back and
    under the upper lip, a tongue low in a wide opening, and `teeth` (0..1) of upper (and, wide open,
    lower) teeth following the lips' curve: a little is the edge of the front teeth in the shadow of
    the upper lip, 1 a laugh's full row. `clean`: the mouth was open before, so what is left of its
    old inside around the new opening (teeth, dark gaps dragged along by the warp) gets lip colour."""
    box = box.around((box.y > box.inner_top - 0.09) & (box.y < box.inner_bottom + 0.09)
                     & (box.x > box.left - 0.03) & (box.x < box.right + 0.03))
    rgb = box.pixels(image)
    if clean:
        rgb = _clean_rim(rgb, box, colours)
    opening = _measure_opening(box)
    top, bottom = opening.top, opening.bottom
    depth = np.clip((box.y - top) / np.maximum(opening.height, 1e-3), 0, 1)  # 0 under the upper lip, 1 on the lower

    # Darkest in the upper lip's shadow and at the sides; the back of the mouth a little lighter.
    light = (0.45 + 0.55 * smoothstep(0.15, 0.7, depth)) * (0.55 + 0.45 * opening.middle)
    fill = cavity_colour(colours) * light[..., None]
    if opening.gap > 0.15:
        fill = _with_tongue(fill, box, opening, colours)
    k = min(max(teeth, 0.0), 1.0)
    if k > 0:
        fill = _with_teeth(fill, box, opening, colours, k)

    soft = max(1.2, box.px(0.012))
    alpha = (edge_coverage(box.px(1) * (box.y - top), soft) * edge_coverage(box.px(1) * (bottom - box.y), soft)
             * edge_coverage(box.px(1) * (box.x - box.inner_left), 1.0)
             * edge_coverage(box.px(1) * (box.inner_right - box.x), 1.0))
    # The lips' inner faces, turning into the mouth, are darker than their fronts.
    rim = np.exp(-((np.minimum(np.abs(box.y - top), np.abs(box.y - bottom)) / 0.025) ** 2)) * (1 - alpha)
    lips_zone = (box.y > box.upper_outer) & (box.y < box.lower_outer)
    base = rgb * (1 - 0.2 * rim * lips_zone)[..., None]
    a = alpha[..., None]
    return box.painted(image, base * (1 - a) + fill * a)


def _with_tongue(fill: np.ndarray, box: MouthBox, opening: _Opening, colours: LipColours) -> np.ndarray:
    """A tongue low and dim in the mouth's shadow: one as bright as the lips would read as a lip."""
    tongue_top = opening.bottom - (0.22 + 0.1 * smoothstep(0.15, 0.4, opening.gap)) * opening.height
    rounded = tongue_top + 0.3 * opening.height * (opening.across / 0.7) ** 2  # a hump, lower towards the sides
    tongue = edge_coverage(box.px(1) * (box.y - rounded), max(1.5, box.px(0.04))) * (np.abs(opening.across) < 0.9)
    front = smoothstep(0.0, 1.0, (box.y - rounded) / np.maximum(opening.bottom - rounded, 1e-3))
    tongue_rgb = colours.lower * 0.6 * (0.35 + 0.35 * front * opening.middle + 0.1 * opening.middle)[..., None]
    t = (tongue * smoothstep(0.15, 0.25, opening.gap))[..., None]
    return fill * (1 - t) + tongue_rgb * t


def _with_teeth(fill: np.ndarray, box: MouthBox, opening: _Opening, colours: LipColours, k: float) -> np.ndarray:
    """`k` (0..1) of the upper teeth hanging from the upper lip, and the lower ones in a wide laugh."""
    enamel = teeth_colour(colours)
    shadowed = cavity_colour(colours) * 1.5
    top, bottom, gap = opening.top, opening.bottom, opening.gap
    off = np.abs(box.x - opening.mid_x)  # eye distances from the middle
    # A hint shows only the front teeth, dimmer, in the upper lip's shadow.
    span = max(min(0.48, 0.95 * opening.half) * (0.25 + 0.75 * k), 1e-3)
    length = min(1.0, 1.5 * k) * k * min(0.13, 0.45 * gap) * np.clip(1 - (off / span) ** 2, 0, 1) ** 0.35
    edge = top + length  # the biting edge follows the upper lip's curve, shorter towards the sides
    upper_teeth = edge_coverage(box.px(1) * (edge - box.y), max(1.0, box.px(0.01))) * (length > 0)
    down = np.clip((box.y - top) / np.maximum(length, 1e-3), 0, 1)
    lit = (0.25 + 0.75 * np.exp(-((off / 0.34) ** 2))) * (0.3 + 0.7 * k)
    lit = lit * (0.7 + 0.3 * smoothstep(0.0, 0.45, down)) * _tooth_faces(box, opening.mid_x, down)
    teeth_rgb = shadowed + (enamel - shadowed) * lit[..., None]
    translucent = 0.22 * smoothstep(0.8, 1.0, down)[..., None]  # the biting edge
    teeth_rgb = teeth_rgb * (1 - translucent) + fill * translucent
    a = upper_teeth[..., None]
    fill = fill * (1 - a) + teeth_rgb * a
    if gap > 0.2 and k > 0.5:
        low_span = min(0.24, 0.5 * opening.half)
        low_len = k * min(0.035, 0.12 * gap) * np.clip(1 - (off / low_span) ** 2, 0, 1) ** 0.5
        lower_teeth = edge_coverage(box.px(1) * (box.y - (bottom - low_len)), max(1.0, box.px(0.01))) * (low_len > 0)
        up_low = np.clip((bottom - box.y) / np.maximum(low_len, 1e-3), 0, 1)  # 1 at their biting edge
        low_lit = 0.8 * np.exp(-((off / 0.2) ** 2)) * _tooth_faces(box, opening.mid_x, up_low, narrow=0.7)
        low_rgb = shadowed + (enamel - shadowed) * (low_lit * (0.75 + 0.25 * up_low))[..., None]
        a = lower_teeth[..., None]
        fill = fill * (1 - a) + low_rgb * a
    return fill


def _tooth_faces(box: MouthBox, mid_x: float, down: np.ndarray, narrow: float = 1.0) -> np.ndarray:
    """Brightness across a row of teeth: each tooth's rounded face a little brighter in its middle, a
    faint line where neighbours meet, deepening into a notch at the biting edge."""
    edges = np.array(TOOTH_EDGES) * narrow
    offset = np.abs(box.x - mid_x)
    i = np.clip(np.searchsorted(edges, offset) - 1, 0, len(edges) - 2)
    left, right = edges[i], edges[i + 1]
    within = np.clip((offset - left) / np.maximum(right - left, 1e-3), 0, 1)  # 0..1 across one tooth
    rounded = 1 - 0.1 * (2 * within - 1) ** 2
    line_width = max(0.4, box.px(0.004)) / box.unit
    to_gap = np.minimum(offset - left, right - offset)
    gap = np.exp(-((to_gap / line_width) ** 2)) * (0.06 + 0.22 * smoothstep(0.75, 1.0, down))
    return rounded * (1 - gap)


def fill_inside(image: np.ndarray, box: MouthBox, colours: LipColours, with_lips: bool) -> np.ndarray:
    """Cover what lies between the lips (teeth, tongue) with lip colour (for a mouth about to close) or a
    dark cavity (for one that keeps open); teeth and dark gaps showing a little past the inner points,
    which dlib puts on the teeth rather than at the lips' edge, are covered with lip either way."""
    grow = 0.05
    box = box.around((box.y > box.inner_top - grow - 0.03) & (box.y < box.inner_bottom + grow + 0.03)
                     & (box.x > box.left - 0.05) & (box.x < box.right + 0.05))
    rgb = box.pixels(image)
    sigma = max(0.6, box.px(0.008))
    if not with_lips:
        # The mouth stays open: its rim filled in from the lips around it (flat colour there would be
        # stretched by the warp into a painted band), its inside dark.
        inner = cv2.GaussianBlur(box.between_inner_lips.astype(np.float32), (0, 0), sigma)[..., None]
        return box.painted(image, _clean_rim(rgb, box, colours) * (1 - inner) + cavity_colour(colours) * inner)
    # Teeth, and the dark gaps beside them (a smile's dark corners too), within the lips.
    near = _stray_teeth_and_gaps(rgb, box, colours, darker=0.6, grow=grow, wider=0.02).astype(np.float32)
    inner = cv2.GaussianBlur(box.between_inner_lips.astype(np.float32), (0, 0), sigma)
    near = cv2.GaussianBlur(cv2.dilate(near, np.ones((3, 3), np.uint8)), (0, 0), sigma)
    mid = (box.inner_top + box.inner_bottom) / 2
    which = edge_coverage(box.px(1) * (box.y - mid), 2.0)[..., None]
    lips = colours.upper * (1 - which) + colours.lower * which
    out = rgb * (1 - near[..., None]) + lips * near[..., None]
    return box.painted(image, out * (1 - inner[..., None]) + lips * inner[..., None])


def _clean_rim(rgb: np.ndarray, box: MouthBox, colours: LipColours) -> np.ndarray:
    """Teeth and dark gaps just outside the inner lip contour, within the lips, filled in from the lip
    around them (a thin rim: filling it from its edges keeps the lips' own shading)."""
    inner = box.between_inner_lips
    near = _stray_teeth_and_gaps(rgb, box, colours, darker=0.7, grow=0.06)
    # The inside is painted over anyway: lip colour there keeps teeth from bleeding into the rim.
    mid = (box.inner_top + box.inner_bottom) / 2
    lips = np.where((box.y < mid)[..., None], colours.upper, colours.lower)
    rgb = np.where(inner[..., None], lips, rgb)
    mask = cv2.dilate((near & ~inner).astype(np.uint8), np.ones((3, 3), np.uint8))
    if not mask.any():
        return rgb
    filled = cv2.inpaint(np.clip(rgb, 0, 255).astype(np.uint8), mask, 2, cv2.INPAINT_TELEA).astype(np.float32)
    return np.where(mask[..., None] > 0, filled * 0.85, rgb)  # the lips' inner faces are in shadow


def _stray_teeth_and_gaps(rgb: np.ndarray, box: MouthBox, colours: LipColours, darker: float, grow: float,
                          wider: float = 0.0) -> np.ndarray:
    """Pixels within the lips, up to `grow` eye distances past the inner lip contour and `wider` past
    the corners, that look like teeth or like a gap (darker than `darker` times the lips' lightness)."""
    lip = colours.lips_lab
    lab = to_lab(rgb)
    junk = teeth_like(lab, lip) | (lab[..., 0] < darker * lip[0])
    return ((box.y > box.inner_top - grow) & (box.y < box.inner_bottom + grow) & (box.x > box.left - wider)
            & (box.x < box.right + wider) & (box.y > box.upper_outer) & (box.y < box.lower_outer) & junk)
