"""Colour emoji in captions, drawn with a colour emoji font when the system has one.

Noto Color Emoji is a bitmap font that only renders at 109 px, so each emoji is drawn once at that
size and scaled to the caption's size. Without such a font, emoji are left out (and the user is told).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from emojigen.sticker.fonts import fc_match

log = logging.getLogger(__name__)

KNOWN_EMOJI_FONTS = [
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
    "/System/Library/Fonts/Apple Color Emoji.ttc",
]
BITMAP_SIZE = 109  # the one size Noto Color Emoji's bitmaps come in
JOINERS = "\u200d\ufe0f\ufe0e"  # zero-width joiner and variation selectors glue emoji sequences together


def is_emoji(ch: str) -> bool:
    code = ord(ch)
    return code >= 0x1F000 or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF or ch in JOINERS


@functools.lru_cache(maxsize=1)
def find_emoji_font() -> str | None:
    for path in KNOWN_EMOJI_FONTS:
        if Path(path).is_file():
            return path
    found = fc_match("emoji:color=true")
    if found and "emoji" in found.lower():  # fontconfig falls back to any font when none matches
        return found
    log.info("no colour emoji font found; emoji in captions will be left out")
    return None


def split_runs(text: str) -> list[tuple[bool, str]]:
    """[(is_emoji, run)]: text runs and single emoji (with their joiners) in order."""
    runs: list[tuple[bool, str]] = []
    for ch in text:
        emoji = is_emoji(ch)
        modifier = 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones belong to the emoji before them
        joins = runs and runs[-1][0] and (ch in JOINERS or modifier or runs[-1][1][-1] == "\u200d")
        if joins:
            runs[-1] = (True, runs[-1][1] + ch)
        elif emoji or not runs or runs[-1][0]:
            runs.append((emoji, ch))
        else:
            runs[-1] = (False, runs[-1][1] + ch)
    return runs


@functools.lru_cache(maxsize=64)
def _bitmap(sequence: str, font_path: str) -> np.ndarray:
    font = ImageFont.truetype(font_path, BITMAP_SIZE)
    image = Image.new("RGBA", (BITMAP_SIZE * 2, BITMAP_SIZE * 2), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((BITMAP_SIZE // 2, BITMAP_SIZE // 2), sequence, font=font, embedded_color=True)
    box = image.getbbox()
    return np.asarray(image.crop(box) if box else image.crop((0, 0, 1, 1)))


def render_emoji(sequence: str, height: int, font_path: str) -> np.ndarray:
    """The emoji as an RGBA image `height` pixels tall."""
    bitmap = Image.fromarray(_bitmap(sequence, font_path))
    width = max(1, round(bitmap.width * height / max(1, bitmap.height)))
    return np.asarray(bitmap.resize((width, height), Image.Resampling.LANCZOS))
