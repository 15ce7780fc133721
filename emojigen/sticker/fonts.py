"""Finding a font that can draw Chinese: without one every character becomes a box."""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

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


@functools.lru_cache(maxsize=4)
def find_cjk_font(preferred: str = "") -> tuple[str, int] | None:
    """A (path, index) of a font that covers Chinese, or None if the system has none."""
    candidates = ([(preferred, 0)] if preferred else []) + KNOWN_CJK_FONTS
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    found = fc_match(":lang=zh-cn")
    if found and _covers_chinese(found):
        return found, 0
    log.warning("no font with Chinese characters found; Chinese captions will be left out")
    return None


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


def _covers_chinese(path: str) -> bool:
    font = ImageFont.truetype(path, 32)
    return font.getmask("字").getbbox() != font.getmask("\ue000").getbbox()


@functools.lru_cache(maxsize=32)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)
