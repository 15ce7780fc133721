"""Benchmark: the cut-out matte of a head-and-shoulders crop, each method (median of many runs). Not a test:
prints figures.

    .venv/bin/python benchmarks/bench_cutout.py [--runs 20]

Two crops of scikit-image's astronaut portrait (needs the test extra): at 512 px, as the pipeline makes it
for a 512 px sticker, and the full-resolution crop of the photo enlarged to 4096 px (a phone photo's size).
"""

from __future__ import annotations

import argparse
import platform

import cv2
import numpy as np
from skimage import data

from emojigen.bench import median_seconds
from emojigen.face import FaceDetector
from emojigen.sticker.compose import crop_head
from emojigen.sticker.cutout import METHODS, matte
from emojigen.sticker.subject import head_at_working_size

BIG_SIDE = 4096


def _median_ms(fn, runs: int) -> float:
    return median_seconds(fn, runs)[0] * 1000  # after one warm-up call (caches, the net loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    photo = np.ascontiguousarray(data.astronaut())
    landmarks = FaceDetector().detect(photo).face.landmarks
    crops = {"512 px crop": head_at_working_size(photo, landmarks, 512)}
    factor = BIG_SIDE / max(photo.shape[:2])
    big = cv2.resize(photo, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    head = crop_head(big, landmarks * np.float32(factor))
    crops[f"crop of a {BIG_SIDE} px photo"] = (head.image, head.landmarks)

    cpu = platform.processor() or platform.machine()
    print(f"{args.runs} runs each, {cv2.getNumThreads()} OpenCV threads, {cpu}")
    print(f"{'crop':<26} {'size':>10} " + " ".join(f"{m + ' ms':>12}" for m in METHODS))
    for label, (image, points) in crops.items():
        times = [_median_ms(lambda m=m, i=image, p=points: matte(i, p, m), args.runs) for m in METHODS]
        size = f"{image.shape[1]}x{image.shape[0]}"
        print(f"{label:<26} {size:>10} " + " ".join(f"{t:>12.1f}" for t in times))


if __name__ == "__main__":
    main()
