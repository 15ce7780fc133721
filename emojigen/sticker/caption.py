"""Captions: bold text with a thick outline, fitted to the sticker's width (中文 and Latin alike)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw

from emojigen.sticker.emoji import is_emoji, render_emoji, split_runs
from emojigen.sticker.fonts import FontFile, covers, fallback_fonts, load_font, split_by_font

Run = tuple[bool, str, FontFile | None]  # (an emoji run?, its text, the font that draws it; None for emoji)

MAX_CHARS = 40


def strip_unsupported(text: str, fonts: Sequence[tuple[str, int]],
                      has_emoji_font: bool = False) -> tuple[str, list[str]]:
    """Drop characters that would render as boxes: control characters, emoji when no colour emoji font
    exists, and any other character that none of `fonts` (the caption font and its fallbacks) has a glyph
    for (with no font at all: Chinese). Returns the text and what was removed."""
    kept, dropped = [], []
    for ch in text:
        category = unicodedata.category(ch)
        emoji = is_emoji(ch)
        if emoji or ch.isspace() or ch == "\u200d" or category in ("Mn", "Me"):  # marks join the character before
            drawable = has_emoji_font or not emoji
        elif category.startswith("C"):
            drawable = False
        elif fonts:
            drawable = any(covers(font, ch) for font in fonts)
        else:
            drawable = ord(ch) < 0x2E80
        (kept if drawable else dropped).append(ch)
    return " ".join("".join(kept).split())[:MAX_CHARS], dropped


def choose_caption(captions: dict[str, list[str]], lang: str, seed: int) -> str:
    options = captions.get(lang) or captions.get("zh") or captions.get("en") or [""]
    return random.Random(seed).choice(options)


def render_caption(canvas: np.ndarray, text: str, font_file: tuple[str, int], position: str = "bottom",
                   box: tuple[int, int, int, int] | None = None, emoji_font: str | None = None,
                   fill: tuple[int, int, int] = (20, 20, 20),
                   stroke: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Draw `text` centred at the top or bottom of an RGBA canvas (or centred in `box`), shrinking it
    until it fits. Emoji are drawn in colour from `emoji_font` (callers drop them when there is none)."""
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
    runs = _runs_by_font(text, font_file, emoji_font)
    image = Image.fromarray(canvas, "RGBA")
    draw = ImageDraw.Draw(image)
    size = min(int(0.15 * w), y1 - y0)
    while True:
        font = load_font(font_file[0], font_file[1], size)
        stroke_width = max(2, size // 8)
        widths, (top, bottom) = _measure(draw, runs, font, stroke_width)
        if (sum(widths) + 2 * stroke_width <= x1 - x0 and bottom - top <= y1 - y0) or size <= 12:
            break
        size = int(size * 0.9)
    if align == "top":
        y = y0 - top
    elif align == "bottom":
        y = y1 - bottom
    else:
        y = (y0 + y1 - (bottom - top)) / 2 - top
    x = (x0 + x1 - sum(widths)) / 2  # the pen: runs follow each other by their advance widths
    for (emoji, run, run_font), width in zip(runs, widths, strict=True):
        if emoji:
            _paste_emoji(image, render_emoji(run, round(size * 0.95), emoji_font), x + stroke_width,
                         y + (top + bottom) / 2, stroke_width, stroke)
        else:
            draw.text((x, y), run, font=load_font(run_font.path, run_font.index, size), fill=fill + (255,),
                      stroke_width=stroke_width, stroke_fill=stroke + (255,), anchor="ls")
        x += width
    return np.asarray(image)


def _runs_by_font(text: str, font_file: tuple[str, int], emoji_font: str | None) -> list[Run]:
    """(emoji?, run, font) in order: emoji runs (when there is a colour emoji font), and text runs each in
    the first font that has its characters: the caption font, then the shipped and the system CJK fonts
    (the shipped fonts are subsets; a rare character comes from the system's)."""
    runs: list[Run] = []
    for emoji, run in (split_runs(text) if emoji_font else [(False, text)]):
        if emoji:
            runs.append((True, run, None))
            continue
        for found, piece in split_by_font(run, fallback_fonts(tuple(font_file))):
            runs.append((False, piece, found or FontFile(*font_file)))
    return runs


def _measure(draw: ImageDraw.ImageDraw, runs: list[Run], font, stroke_width: int):
    """Each run's advance width, and the line's top and bottom relative to its baseline: every run is
    drawn on that one baseline and starts where the one before it ends, so a character from a fallback
    font sits on the line with the rest, without a gap (the outline's width is room at the line's ends)."""
    widths = []
    top, bottom = draw.textbbox((0, 0), "字Ag", font=font, stroke_width=stroke_width, anchor="ls")[1::2]
    for emoji, run, run_font in runs:
        if emoji:
            widths.append(round(font.size * 1.05) + 2 * stroke_width)
        else:
            face = load_font(run_font.path, run_font.index, font.size)
            run_top, run_bottom = draw.textbbox((0, 0), run, font=face, stroke_width=stroke_width, anchor="ls")[1::2]
            widths.append(face.getlength(run))
            top, bottom = min(top, run_top), max(bottom, run_bottom)
    return widths, (top, bottom)


def _paste_emoji(image: Image.Image, emoji: np.ndarray, x: float, centre_y: float, stroke_width: int,
                 stroke: tuple[int, int, int]) -> None:
    """The emoji with a stroke of the caption's outline colour around it, so it reads on any photo."""
    pad = stroke_width
    alpha = np.pad(emoji[..., 3], pad)
    outline = cv2.dilate(alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pad + 1, 2 * pad + 1)))
    halo = np.zeros(outline.shape + (4,), np.uint8)
    halo[..., :3] = stroke
    halo[..., 3] = outline
    tile = Image.fromarray(halo, "RGBA")
    tile.alpha_composite(Image.fromarray(np.ascontiguousarray(emoji), "RGBA"), (pad, pad))
    image.alpha_composite(tile, (round(x - pad), round(centre_y - tile.height / 2)))
