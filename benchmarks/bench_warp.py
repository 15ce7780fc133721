"""Benchmark: one expression warp of a 512 px face (median of many runs). Not a test: prints figures.

    .venv/bin/python benchmarks/bench_warp.py [--runs 60]

Needs scikit-image (the test extra) for its 512 px astronaut portrait.
"""

from __future__ import annotations

import argparse
import platform
import statistics

import numpy as np
from skimage import data

from emojigen.bench import median_seconds
from emojigen.expression.moves import target_landmarks
from emojigen.expression.render import acting_aus, render_expression
from emojigen.expression.warp import warp_face
from emojigen.face import FaceDetector

EXPRESSIONS = ("smile", "laugh", "sad", "surprised", "angry", "cry", "wink", "eye_roll")


def _median_ms(fn, runs: int) -> float:
    return median_seconds(fn, runs)[0] * 1000  # after one warm-up call (caches, the net loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    image = np.ascontiguousarray(data.astronaut())
    landmarks = FaceDetector().detect(image).face.landmarks
    cpu = platform.processor() or platform.machine()
    print(f"{image.shape[1]}x{image.shape[0]} photo, {args.runs} runs each, {cpu}")
    print(f"{'expression':<11} {'warp only':>10} {'with painting':>14}")
    warps = []
    for name in EXPRESSIONS:
        target = target_landmarks(landmarks, acting_aus(name, 1.0))
        warp = _median_ms(lambda t=target: warp_face(image, landmarks, t), args.runs)
        full = _median_ms(lambda n=name: render_expression(image, landmarks, n, 1.0), args.runs)
        warps.append(warp)
        print(f"{name:<11} {warp:8.1f} ms {full:11.1f} ms")
    print(f"median warp over expressions: {statistics.median(warps):.1f} ms (target: under 30 ms)")


if __name__ == "__main__":
    main()
