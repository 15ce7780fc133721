"""A contact sheet of real mouths: each test face (rows) as it is and in the expressions that redraw the
mouth (columns), cropped around the mouth at full size, written to tests/artifacts/mouth_sheet.png.

Run `python scripts/mouth_sheet.py` after changing the mouth painting, and look at it: a smeared, pasted
or mask-like mouth is what the landmark tests cannot see. `--landmarks` marks the warped lip points;
`--teeth` paints the mouths directly with fixed teeth (none for a gasp, a full row for a laugh) instead of
what the expressions' action units ask for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from emojigen.expression.mouth import paint_mouth, prepare_mouth
from emojigen.expression.moves import target_landmarks
from emojigen.expression.render import acting_aus, render_expression
from emojigen.expression.warp import warp_face
from emojigen.face import FaceDetector, FaceFrame
from emojigen.sticker.subject import head_at_working_size

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from photo_library import load_face_photo  # noqa: E402  (a helper of the tests, beside their conftest)

FACES = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "glasses", "elderly", "grey_obama"]
COLUMNS = ["original", "sad", "angry", "pout", "surprised", "scared", "laugh"]
FIXED_TEETH = {"surprised": 0.0, "scared": 0.0, "laugh": 1.0}  # --teeth: closed mouths need none
WORK_SIDE = 512  # the face is drawn at this size, as the sticker pipeline does
CELL_W, CELL_H = 200, 140
CROP_W = 2.5  # eye distances across a cell
LABEL_H = 18


def subject(detector: FaceDetector, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return head_at_working_size(rgb, detector.detect(rgb).face.landmarks, WORK_SIDE)


def express(image: np.ndarray, landmarks: np.ndarray, expression: str, fixed_teeth: bool = False):
    """The expression exactly as a sticker gets it (its action units decide the teeth), or only the
    warp and the mouth painting with FIXED_TEETH."""
    if not fixed_teeth:
        rendered = render_expression(image, landmarks, expression, 1.0)
        return rendered.image, rendered.landmarks
    teeth = FIXED_TEETH.get(expression, 0.0)
    target = target_landmarks(landmarks, acting_aus(expression, 1.0))
    warped = warp_face(prepare_mouth(image, landmarks, target, teeth), landmarks, target)
    return paint_mouth(warped.image, landmarks, warped.landmarks, teeth), warped.landmarks


def cell(image: np.ndarray, landmarks: np.ndarray, centre: np.ndarray, unit: float, marks: bool) -> Image.Image:
    scale = CELL_W / (CROP_W * unit)
    # An affine crop: the mouth centre to the cell's centre, at `scale`, with no resampling surprises.
    m = np.array([[scale, 0, CELL_W / 2 - scale * centre[0]], [0, scale, CELL_H / 2 - scale * centre[1]]])
    out = cv2.warpAffine(image, m, (CELL_W, CELL_H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    picture = Image.fromarray(out)
    if marks:
        draw = ImageDraw.Draw(picture)
        pts = landmarks[48:68] @ m[:, :2].T + m[:, 2]
        for i, (x, y) in enumerate(pts):
            draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(0, 255, 0) if i < 12 else (255, 0, 255))
    return picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "mouth_sheet.png")
    parser.add_argument("--landmarks", action="store_true", help="mark the warped lip points")
    parser.add_argument("--faces", nargs="*", default=FACES)
    parser.add_argument("--teeth", action="store_true", help="fixed teeth: none for a gasp, all for a laugh")
    args = parser.parse_args()

    detector = FaceDetector()
    sheet = Image.new("RGB", (CELL_W * len(COLUMNS), LABEL_H + CELL_H * len(args.faces)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for c, column in enumerate(COLUMNS):
        label = f"{column} (teeth {FIXED_TEETH[column]:g})" if args.teeth and column in FIXED_TEETH else column
        draw.text((c * CELL_W + 4, 3), label, fill=(0, 0, 0))
    for r, name in enumerate(args.faces):
        image, landmarks = subject(detector, load_face_photo(name))
        frame = FaceFrame.from_landmarks(landmarks)
        # A little below the lips: an opening mouth grows downwards.
        centre = landmarks[48:68].mean(axis=0) + 0.12 * frame.unit * frame.y_axis
        for c, column in enumerate(COLUMNS):
            out, points = (image, landmarks) if column == "original" else \
                express(image, landmarks, column, args.teeth)
            sheet.paste(cell(out, points, centre, frame.unit, args.landmarks), (c * CELL_W, LABEL_H + r * CELL_H))
        draw.text((4, LABEL_H + r * CELL_H + 3), name, fill=(255, 255, 255))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
