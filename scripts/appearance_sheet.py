"""Draw tests/artifacts/appearance_sheet.png: real faces x action units, to judge the painted wrinkles.

Each row is one face, cropped and scaled as the sticker pipeline does (about 512 px on the long side), then
cut to the face itself (about 300 px, not scaled down again, so fine lines can be judged). The AU columns
paint on the unwarped face; the emotion columns warp the landmarks first, as the renderer would.

Run `python scripts/appearance_sheet.py [--out PATH] [--faces obama,elderly]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from photo_library import load_face_photo  # noqa: E402

from emojigen.expression.appearance import paint_appearance  # noqa: E402
from emojigen.expression.moves import target_landmarks  # noqa: E402
from emojigen.expression.render import acting_aus  # noqa: E402
from emojigen.expression.warp import warp_face  # noqa: E402
from emojigen.face import FaceDetector, FaceFrame  # noqa: E402
from emojigen.sticker.compose import crop_head  # noqa: E402

FACES = ["astronaut", "obama", "young_man", "surprised_woman", "happy_woman", "glasses", "elderly", "grey_obama"]
# (label, AU intensities, expression to warp to first or None)
COLUMNS = [
    ("none", {}, None),
    ("AU1+2", {"AU1": 1.0, "AU2": 1.0}, None),
    ("AU4", {"AU4": 1.0}, None),
    ("AU6", {"AU6": 1.0}, None),
    ("AU9", {"AU9": 1.0}, None),
    ("AU12", {"AU12": 1.0}, None),
    ("AU15+17", {"AU15": 1.0, "AU17": 1.0}, None),
    ("surprise", {"AU1": 1.0, "AU2": 1.0}, "surprised"),
    ("anger", {"AU4": 1.0, "AU9": 0.3}, "angry"),
    ("sad", {"AU1": 1.0, "AU4": 0.5, "AU15": 1.0, "AU17": 1.0}, "sad"),
]
CELL = 300
LONG_SIDE = 512


def prepared(detector: FaceDetector, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The head crop scaled to the pipeline's working size, and its landmarks."""
    rgb = load_face_photo(name)
    head = crop_head(rgb, detector.detect(rgb).face.landmarks)
    scale = LONG_SIDE / max(head.image.shape[:2])
    size = (round(head.image.shape[1] * scale), round(head.image.shape[0] * scale))
    image = cv2.resize(head.image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return image, (head.landmarks + 0.5) * scale - 0.5


def face_cell(image: np.ndarray, landmarks: np.ndarray, size: int = CELL) -> np.ndarray:
    """A square around the face from the forehead to the chin, at about the image's own scale."""
    frame = FaceFrame.from_landmarks(landmarks)
    side = 3.3 * frame.unit
    cx, cy = frame.to_image(np.array([0.0, 0.45]))
    src = np.float32([[cx - side / 2, cy - side / 2], [cx + side / 2, cy - side / 2], [cx - side / 2, cy + side / 2]])
    dst = np.float32([[0, 0], [size, 0], [0, size]])
    return cv2.warpAffine(image, cv2.getAffineTransform(src, dst), (size, size), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


def row(image: np.ndarray, landmarks: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    cells, times = [], []
    for _, aus, expression in COLUMNS:
        before, after, warped = landmarks, landmarks, image
        if expression is not None:
            result = warp_face(image, landmarks, target_landmarks(landmarks, acting_aus(expression, 1.0)))
            warped, after = result.image, result.landmarks
        start = time.perf_counter()
        painted = paint_appearance(warped, before, after, aus)
        times.append(time.perf_counter() - start)
        cells.append(face_cell(painted, after))
    return cells, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TESTS / "artifacts" / "appearance_sheet.png")
    parser.add_argument("--faces", default=",".join(FACES))
    args = parser.parse_args()
    detector = FaceDetector()
    names = args.faces.split(",")
    label_h = 22
    sheet = Image.new("RGB", (CELL * len(COLUMNS), label_h + CELL * len(names)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, _, _) in enumerate(COLUMNS):
        draw.text((i * CELL + 6, 5), label, fill="black")
    for j, name in enumerate(names):
        image, landmarks = prepared(detector, name)
        cells, times = row(image, landmarks)
        for i, cell in enumerate(cells):
            sheet.paste(Image.fromarray(cell), (i * CELL, label_h + j * CELL))
        draw.text((6, label_h + j * CELL + 4), name, fill="white")
        print(f"{name}: painting took {1000 * float(np.median(times)):.1f} ms (median over the columns)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
