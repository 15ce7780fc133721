"""Captions: bold text with a thick outline, fitted to the sticker's width (中文 and Latin alike)."""

from __future__ import annotations

import random
import unicodedata

import numpy as np
from PIL import Image, ImageDraw

from emojigen.sticker.fonts import load_font

MAX_CHARS = 40


def strip_unsupported(text: str, has_cjk_font: bool) -> tuple[str, list[str]]:
    """Drop characters that would render as boxes: emoji (no colour emoji rendering yet), control
    characters, and Chinese when no CJK font exists. Returns the text and what was removed."""
    kept, dropped = [], []
    for ch in text:
        cat = unicodedata.category(ch)
        is_emoji = ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF or ch in "\ufe0f\u200d"
        is_cjk = ord(ch) >= 0x2E80
        if cat.startswith("C") or is_emoji or (is_cjk and not has_cjk_font):
            dropped.append(ch)
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())[:MAX_CHARS], dropped


def choose_caption(captions: dict[str, list[str]], lang: str, seed: int) -> str:
    options = captions.get(lang) or captions.get("zh") or captions.get("en") or [""]
    return random.Random(seed).choice(options)


def render_caption(canvas: np.ndarray, text: str, font_file: tuple[str, int], position: str = "bottom",
                   box: tuple[int, int, int, int] | None = None, fill: tuple[int, int, int] = (20, 20, 20),
                   stroke: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Draw `text` centred at the top or bottom of an RGBA canvas (or centred in `box`), shrinking it until it fits."""
    if not text:
        return canvas
    h, w = canvas.shape[:2]
    align = "centre" if box is not None else position
    if box is None:
        margin = round(0.03 * h)
        band = round(0.2 * h)
        box = (round(0.04 * w), margin, round(0.96 * w), margin + band) if position == "top" else \
            (round(0.04 * w), h - margin - band, round(0.96 * w), h - margin)
    x0, y0, x1, y1 = box
    image = Image.fromarray(canvas, "RGBA")
    draw = ImageDraw.Draw(image)
    size = min(int(0.15 * w), y1 - y0)
    while True:
        font = load_font(font_file[0], font_file[1], size)
        stroke_width = max(2, size // 8)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font, stroke_width=stroke_width)
        if (right - left <= x1 - x0 and bottom - top <= y1 - y0) or size <= 12:
            break
        size = int(size * 0.9)
    x = (x0 + x1 - (right - left)) / 2 - left
    if align == "top":
        y = y0 - top
    elif align == "bottom":
        y = y1 - bottom
    else:
        y = (y0 + y1 - (bottom - top)) / 2 - top
    draw.text((x, y), text, font=font, fill=fill + (255,), stroke_width=stroke_width, stroke_fill=stroke + (255,))
    return np.asarray(image)
