"""Fonts for captions: without one that has Chinese, every character would become a box.

emojigen ships two subset CJK fonts (assets/fonts/, see its README): "heavy" (Noto Sans SC Black, the
classic meme caption) and "rounded" (ZCOOL KuaiLe). The caption font is the configured one
(Settings.font_path, EMOJIGEN_FONT_PATH) if it exists, else the shipped heavy font, so every machine
draws captions alike; a system CJK font is the last resort. A character the chosen font lacks (a rare
hanzi outside the subset) is drawn with the next font in `fallback_fonts` that has it: `split_by_font`
cuts a caption into runs of one font each, since Pillow draws a run with a single font.
"""

from __future__ import annotations

import functools
import logging
import shutil
import struct
import subprocess
from pathlib import Path
from typing import NamedTuple

from PIL import ImageFont

from emojigen.assets import assets_dir

log = logging.getLogger(__name__)


class FontFile(NamedTuple):
    path: str
    index: int = 0  # the face inside a .ttc collection


# The fonts in assets/fonts/ by the name a request picks them with.
SHIPPED_FONTS = {"heavy": "NotoSansSC-Black.subset.ttf", "rounded": "ZCOOLKuaiLe-Regular.subset.ttf"}

# (path, index inside a .ttc collection): Noto Sans CJK's index 2 is the Simplified Chinese face.
KNOWN_CJK_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Black.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyhbd.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
]


def shipped_font(name: str) -> FontFile | None:
    """One of SHIPPED_FONTS, or None if the assets lack it."""
    try:
        path = assets_dir() / "fonts" / SHIPPED_FONTS[name]
    except RuntimeError:  # the assets are not installed
        return None
    return FontFile(str(path)) if path.is_file() else None


@functools.lru_cache(maxsize=1)
def system_cjk_font() -> FontFile | None:
    """A font of this system that covers Chinese, or None."""
    for path, index in KNOWN_CJK_FONTS:
        if Path(path).is_file():
            return FontFile(path, index)
    found = fc_match(":lang=zh-cn")
    if found and ord("字") in (font_chars(found, 0) or ()):
        return FontFile(found)
    return None


@functools.lru_cache(maxsize=4)
def find_cjk_font(preferred: str = "") -> FontFile | None:
    """The caption font: `preferred` (a configured path) if it exists, else the shipped heavy font, else a
    system CJK font; None only when there is none of these."""
    if preferred:
        if Path(preferred).is_file():
            return FontFile(preferred)
        log.warning("the configured font %s does not exist; using the default", preferred)
    found = shipped_font("heavy") or system_cjk_font()
    if found is None:
        log.warning("no font with Chinese characters found; Chinese captions will be left out")
    return found


def caption_fonts() -> dict[str, FontFile]:
    """The caption fonts a request can choose by name ("heavy", "rounded", "system"), those available here."""
    fonts = {name: shipped_font(name) for name in SHIPPED_FONTS}
    fonts["system"] = system_cjk_font()
    return {name: font for name, font in fonts.items() if font is not None}


def fallback_fonts(primary: tuple[str, int]) -> tuple[FontFile, ...]:
    """`primary`, then the fonts that draw what it lacks: the shipped heavy font, then a system CJK font."""
    chain = [FontFile(*primary)]
    for font in (shipped_font("heavy"), system_cjk_font()):
        if font is not None and font not in chain:
            chain.append(font)
    return tuple(chain)


def split_by_font(text: str, fonts: tuple[tuple[str, int], ...]) -> list[tuple[FontFile | None, str]]:
    """`text` as [(font, run)] in order: each character in the first of `fonts` that has it (None: none
    has it). A space stays in the run before it when that run's font has one."""
    runs: list[tuple[FontFile | None, str]] = []
    for ch in text:
        font = next((FontFile(*f) for f in fonts if covers(f, ch)), None)
        if runs and (font == runs[-1][0] or (ch.isspace() and covers(runs[-1][0], ch))):
            runs[-1] = (runs[-1][0], runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def covers(font: tuple[str, int] | None, ch: str) -> bool:
    """Whether `font` has a glyph for `ch` (a font whose character map cannot be read is taken to have all)."""
    if font is None:
        return False
    chars = font_chars(*font)
    return chars is None or ord(ch) in chars


@functools.lru_cache(maxsize=16)
def font_chars(path: str, index: int = 0) -> frozenset[int] | None:
    """The code points a TrueType/OpenType font (or face `index` of a .ttc) maps to glyphs, read from its
    cmap table; None if the file cannot be read that way (e.g. WOFF)."""
    try:
        with open(path, "rb") as f:
            return _cmap_chars(f, index)
    except (OSError, struct.error, ValueError) as exc:
        log.info("cannot read the characters of %s: %s", path, exc)
        return None


def _cmap_chars(f, index: int) -> frozenset[int]:
    def read(offset: int, fmt: str) -> tuple:
        f.seek(offset)
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))

    start = read(12 + 4 * index, ">I")[0] if f.read(4) == b"ttcf" else 0
    records = (read(start + 12 + 16 * i, ">4sIII") for i in range(read(start + 4, ">H")[0]))
    found = next(((offset, length) for tag, _, offset, length in records if tag == b"cmap"), None)
    if found is None:
        raise ValueError("no cmap table")
    offset, length = found
    f.seek(offset)
    cmap = f.read(length)
    subtables = {}
    for i in range(struct.unpack_from(">H", cmap, 2)[0]):
        platform, encoding, at = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        subtables[(platform, encoding)] = at
    # The full Unicode repertoire (format 12) if there is one, else the Basic Multilingual Plane (format 4).
    for key in ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3)):
        at = subtables.get(key)
        fmt = struct.unpack_from(">H", cmap, at)[0] if at is not None else None
        if fmt == 12:
            spans = struct.iter_unpack(">III", cmap[at + 16:at + 16 + 12 * struct.unpack_from(">I", cmap, at + 12)[0]])
            return frozenset(code for first, last, _ in spans for code in range(first, last + 1))
        if fmt == 4:
            return _format4(cmap, at)
    raise ValueError("no Unicode cmap subtable")


def _format4(cmap: bytes, at: int) -> frozenset[int]:
    n = struct.unpack_from(">H", cmap, at + 6)[0] // 2
    ends = struct.unpack_from(f">{n}H", cmap, at + 14)
    starts = struct.unpack_from(f">{n}H", cmap, at + 16 + 2 * n)
    deltas = struct.unpack_from(f">{n}h", cmap, at + 16 + 4 * n)
    range_at = at + 16 + 6 * n
    range_offsets = struct.unpack_from(f">{n}H", cmap, range_at)
    codes = set()
    for i, (first, last, delta, range_offset) in enumerate(zip(starts, ends, deltas, range_offsets, strict=True)):
        for code in range(first, min(last, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:  # an index into glyphIdArray, counted from where this offset is stored
                glyph = struct.unpack_from(">H", cmap, range_at + 2 * i + range_offset + 2 * (code - first))[0]
                glyph = glyph and (glyph + delta) & 0xFFFF
            if glyph:
                codes.add(code)
    return frozenset(codes)


def fc_match(pattern: str) -> str | None:
    """The font file fontconfig picks for `pattern`, if fontconfig is installed and the file exists."""
    if not shutil.which("fc-match"):
        return None
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                               timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and Path(found).is_file() else None


@functools.lru_cache(maxsize=32)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)
