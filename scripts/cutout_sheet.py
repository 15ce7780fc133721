"""A contact sheet of cut-outs: for each test photo (rows), the head-and-shoulders crop the pipeline uses,
then each cut-out method's result on a checkerboard with the time it took, written to
assets/screenshots/cutouts.jpg.

Run `python scripts/cutout_sheet.py` after changing sticker/cutout.py or sticker/segmentation.py, and look at
it: is the hair whole, are both shoulders there, has any of the background (or a neighbour) come along?
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from emojigen.face import FaceDetector
from emojigen.sticker.cutout import METHODS, matte
from emojigen.sticker.subject import head_at_working_size

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from photo_library import load_face_photo  # noqa: E402  (a helper of the tests, beside their conftest)

FACES = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "turned_15", "glasses", "elderly",
         "group", "poker_group"]
WORK_SIDE = 512  # the crop's size in the pipeline for a 512 px sticker
LABEL_H = 16


def checkerboard(h: int, w: int, square: int = 12) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    light = ((yy // square + xx // square) % 2).astype(bool)
    board = np.where(light[..., None], np.uint8(235), np.uint8(190))
    return np.repeat(board, 3, axis=2)


def over(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None].astype(np.float32) / 255.0
    return (rgb * a + checkerboard(*alpha.shape) * (1 - a)).round().astype(np.uint8)


def timed_matte(image: np.ndarray, landmarks: np.ndarray, method: str, repeat: int) -> tuple[np.ndarray, float]:
    """The matte and its median time in ms (after one untimed call, so the net's first load is not counted)."""
    alpha = matte(image, landmarks, method)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        matte(image, landmarks, method)
        times.append((time.perf_counter() - start) * 1000)
    return alpha, float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "screenshots" / "cutouts.jpg")
    parser.add_argument("--faces", nargs="*", default=FACES)
    parser.add_argument("--methods", nargs="*", default=["grabcut", "learned"], choices=METHODS)
    parser.add_argument("--cell", type=int, default=320, help="cell side in pixels")
    parser.add_argument("--per-row", type=int, default=2, help="photos side by side in one row")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per matte (the median is shown)")
    parser.add_argument("--quality", type=int, default=80)
    args = parser.parse_args()

    detector = FaceDetector()
    size, columns = args.cell, 1 + len(args.methods)
    rows = -(-len(args.faces) // args.per_row)
    sheet = Image.new("RGB", (size * columns * args.per_row, rows * (size + LABEL_H)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(args.faces):
        rgb = load_face_photo(name)
        image, landmarks = head_at_working_size(rgb, detector.detect(rgb).face.landmarks, WORK_SIDE)
        cells = [(name, image)]
        for method in args.methods:
            alpha, ms = timed_matte(image, landmarks, method, args.repeat)
            cells.append((f"{method} {ms:.0f} ms", over(image, alpha)))
        x0, y0 = (i % args.per_row) * columns * size, (i // args.per_row) * (size + LABEL_H)
        for c, (label, picture) in enumerate(cells):
            shown = Image.fromarray(picture)
            shown.thumbnail((size, size), Image.Resampling.LANCZOS)
            sheet.paste(shown, (x0 + c * size + (size - shown.width) // 2, y0 + LABEL_H))
            draw.text((x0 + c * size + 4, y0 + 2), label, fill=(0, 0, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=args.quality, optimize=True)
    print(args.out, f"{args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
