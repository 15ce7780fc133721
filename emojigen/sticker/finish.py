"""From a styled subject to the finished square sticker: placed, outlined, shadowed, captioned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emojigen.errors import BadInput
from emojigen.sticker.caption import render_caption
from emojigen.sticker.compose import place_on_canvas, resize_rgba
from emojigen.sticker.outline import add_outline, add_shadow

CAPTION_POSITIONS = ("bottom", "top")


@dataclass(frozen=True)
class FinishOptions:
    size: int = 512
    outline_width: int | None = None  # None: in proportion to the size (8 px at 512)
    outline_color: tuple[int, int, int] = (255, 255, 255)
    shadow: bool = False
    caption_position: str = "bottom"

    def __post_init__(self) -> None:
        if self.caption_position not in CAPTION_POSITIONS:
            raise BadInput(f"配字位置只能是 {' / '.join(CAPTION_POSITIONS)}。",
                           f"The caption position must be one of: {', '.join(CAPTION_POSITIONS)}.")
        if self.outline_width is not None and not 0 <= self.outline_width <= self.size // 10:
            raise BadInput(f"描边宽度应在 0 到 {self.size // 10} 像素之间。",
                           f"The outline width must be between 0 and {self.size // 10} pixels.")

    @property
    def stroke(self) -> int:
        return max(2, self.size // 64) if self.outline_width is None else self.outline_width


def parse_colour(text: str) -> tuple[int, int, int]:
    """'#fff', '#ffffff' or 'white'-style names a user types into a colour box."""
    named = {"white": "#ffffff", "black": "#000000", "yellow": "#ffd400", "pink": "#ff8fb3", "red": "#e02020"}
    value = named.get(text.strip().lower(), text.strip())
    digits = value.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    try:
        if len(digits) != 6:
            raise ValueError
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    except ValueError:
        raise BadInput(f"看不懂颜色“{text}”，请写成 #ffffff 这样。",
                       f"Cannot read the colour {text!r}; write it like #ffffff.") from None


def finish_sticker(styled: np.ndarray, alpha: np.ndarray, caption: str, font: tuple[str, int] | None,
                   options: FinishOptions, emoji_font: str | None = None) -> np.ndarray:
    """Lay the styled subject on a transparent square, stroke it, and write the caption."""
    stroke = options.stroke
    shadow_room = options.size // 40 if options.shadow else 0
    canvas = place_on_canvas(styled, alpha, options.size, margin=stroke + options.size // 50 + shadow_room)
    canvas = _stroke_and_shadow(canvas, options)
    if caption and font:
        canvas = render_caption(canvas, caption, font, options.caption_position, emoji_font=emoji_font)
    return canvas


def finish_artwork(art: np.ndarray, caption_box: tuple[int, int, int, int], caption: str,
                   font: tuple[str, int] | None, options: FinishOptions, emoji_font: str | None = None) -> np.ndarray:
    """A template keeps its own layout: the square artwork fills the sticker, the caption goes in its box."""
    size = options.size
    scale = size / art.shape[0]
    if art.shape[:2] != (size, size):
        art = resize_rgba(art, (size, size))
    art = _stroke_and_shadow(art, options)
    if caption and font:
        box = (round(caption_box[0] * scale), round(caption_box[1] * scale), round(caption_box[2] * scale),
               round(caption_box[3] * scale))
        art = render_caption(art, caption, font, box=box, emoji_font=emoji_font)
    return art


def _stroke_and_shadow(canvas: np.ndarray, options: FinishOptions) -> np.ndarray:
    canvas = add_outline(canvas, options.stroke, options.outline_color)
    if options.shadow:
        canvas = add_shadow(canvas, offset=max(2, options.size // 90), blur=max(1.5, options.size / 120))
    return canvas
