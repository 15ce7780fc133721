"""A contact sheet of whole faces: each test face (rows) as it is and in each expression (columns), the
head cropped at the size the sticker pipeline draws it, written to tests/artifacts/face_sheet.png.

Run `python scripts/expression_sheet.py` after changing the expression engine, and look at it: does each
face read as the word above its column? `--expressions` picks the columns, `--faces` the rows, `--cell`
the size of a cell (the README's sheet: `--expressions happy sad surprised angry --cell 200`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from emojigen.expression import EXPRESSIONS
from emojigen.expression.render import render_expression
from emojigen.face import FaceDetector, FaceFrame
from emojigen.sticker.subject import head_at_working_size

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from photo_library import load_face_photo  # noqa: E402  (a helper of the tests, beside their conftest)

FACES = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "glasses", "elderly", "group",
         "grey_obama"]
WORK_SIDE = 512  # the face is drawn at this size, as the sticker pipeline does
CROP_W = 3.2  # eye distances across a cell
LABEL_H = 18


def cell(image: np.ndarray, landmarks: np.ndarray, size: int) -> Image.Image:
    """The face centred in a square `size` cell, CROP_W eye distances wide."""
    frame = FaceFrame.from_landmarks(landmarks)
    centre = landmarks[17:68].mean(axis=0)
    scale = size / (CROP_W * frame.unit)
    m = np.array([[scale, 0, size / 2 - scale * centre[0]], [0, scale, size / 2 - scale * centre[1]]])
    out = cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
                         borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "face_sheet.png")
    parser.add_argument("--faces", nargs="*", default=FACES)
    parser.add_argument("--expressions", nargs="*", default=list(EXPRESSIONS))
    parser.add_argument("--intensity", type=float, default=1.0)
    parser.add_argument("--cell", type=int, default=160, help="cell side in pixels")
    args = parser.parse_args()

    detector = FaceDetector()
    columns = ["original", *args.expressions]
    size = args.cell
    sheet = Image.new("RGB", (size * len(columns), LABEL_H + size * len(args.faces)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for c, column in enumerate(columns):
        draw.text((c * size + 4, 3), column, fill=(0, 0, 0))
    for r, name in enumerate(args.faces):
        rgb = load_face_photo(name)
        image, landmarks = head_at_working_size(rgb, detector.detect(rgb).face.landmarks, WORK_SIDE)
        for c, column in enumerate(columns):
            out = image if column == "original" else \
                render_expression(image, landmarks, column, args.intensity).image
            sheet.paste(cell(out, landmarks, size), (c * size, LABEL_H + r * size))
        draw.text((4, LABEL_H + r * size + 3), name, fill=(255, 255, 255))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
