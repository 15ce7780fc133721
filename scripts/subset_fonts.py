"""Make the caption fonts in assets/fonts/ from their npm packages: `python scripts/subset_fonts.py`.

Each font comes whole (one TTF) in an @expo-google-fonts package, pinned below. The script runs
`npm pack PACKAGE@VERSION` in a temporary folder, reads the TTF and the font licence (LICENSE_FONT)
out of that tarball, and keeps only what captions need (fontTools.subset):

- the 3755 level-1 characters of GB2312 (the everyday hanzi),
- every character of the captions, trigger words and titles in assets/expressions.json and
  assets/templates/*/template.json (emoji aside: another font draws those),
- ASCII and Latin-1, general punctuation (dashes, curly quotes, ellipsis), CJK symbols and
  punctuation (U+3000-303F), GB2312's row of symbols, and the full-width forms (U+FF01-FF5E, U+FFE0-FFE6).

A character the upstream font lacks is just not there; emojigen.sticker.fonts draws it with the next
font that has it. Needs npm, and fontTools (`pip install fonttools`); the app itself does not.
The output is the same bytes on every run (no timestamps are rewritten).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "fonts"

# output name: (npm package@version, TTF inside it, licence file written beside the font)
FONTS = {
    "NotoSansSC-Black.subset.ttf": ("@expo-google-fonts/noto-sans-sc@0.4.3", "900Black/NotoSansSC_900Black.ttf",
                                    "NotoSansSC-OFL.txt"),
    "ZCOOLKuaiLe-Regular.subset.ttf": ("@expo-google-fonts/zcool-kuaile@0.4.2",
                                       "400Regular/ZCOOLKuaiLe_400Regular.ttf", "ZCOOLKuaiLe-OFL.txt"),
}


def gb2312(first_row: int, last_row: int) -> set[str]:
    """The characters of GB2312 rows first_row..last_row (row 1: symbols; rows 16-55: level-1 hanzi)."""
    chars = set()
    for row in range(first_row, last_row + 1):
        for cell in range(1, 95):
            try:
                chars.add(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:  # an unused cell
                pass
    return chars


def asset_text() -> set[str]:
    """Every character of every string (keys too) in the expressions and the templates."""
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    files = [ROOT / "assets" / "expressions.json", *sorted((ROOT / "assets" / "templates").glob("*/template.json"))]
    return {ch for file in files for text in strings(json.loads(file.read_text("utf-8"))) for ch in text}


def wanted() -> list[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2027), (0x2030, 0x203B), (0x3000, 0x303F),
              (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6)]
    codes = {code for first, last in ranges for code in range(first, last + 1)}
    codes |= {ord(ch) for ch in gb2312(1, 1) | gb2312(16, 55) | asset_text() if ord(ch) < 0x1F000}
    return sorted(codes)


def npm_pack(spec: str, folder: Path) -> Path:
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True, capture_output=True,
                          text=True).stdout.split()[-1]
    return folder / name


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    codes = wanted()
    options = subset.Options()
    options.hinting = False  # captions are drawn large: hints only cost bytes
    options.name_IDs = ["*"]  # keep the copyright, licence and version notices
    with tempfile.TemporaryDirectory() as tmp:
        for out_name, (spec, member, licence) in FONTS.items():
            with tarfile.open(npm_pack(spec, Path(tmp))) as tar:
                font = TTFont(tar.extractfile(f"package/{member}"), recalcTimestamp=False)
                (OUT / licence).write_bytes(tar.extractfile("package/LICENSE_FONT").read())
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codes)
            subsetter.subset(font)
            font.save(OUT / out_name)
            print(f"{out_name}: {len(font.getBestCmap())} characters, {(OUT / out_name).stat().st_size:,} bytes "
                  f"(from {spec})", file=sys.stderr)


if __name__ == "__main__":
    main()
