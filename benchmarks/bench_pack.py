"""Benchmark: a 16-sticker WeChat pack from one 512 px photo, classic styles (median wall time).
Not a test: prints figures. Also times one 512 px sticker and one animated sticker per platform.

    .venv/bin/python benchmarks/bench_pack.py [--runs 5]

Needs scikit-image (the test extra) for its 512 px astronaut portrait.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image
from skimage import data

from emojigen import Pipeline, Settings, StickerRequest
from emojigen.pack import PackRequest, make_pack

TARGET_SECONDS = 3.0


def _median_s(fn, runs: int) -> float:
    fn()  # models loaded, font found, caches warm: a serving process is in this state
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.INFO)

    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "astronaut.png"
        Image.fromarray(data.astronaut()).save(photo)
        # No result cache: the same request is timed again and again, and must be drawn each time.
        pipeline = Pipeline(Settings(outputs_dir=Path(folder) / "outputs", result_cache_mb=0))
        pipeline.warm_up()
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or 'cpu'}; "
              f"photo 512x512; {args.runs} runs after one warm-up")

        for style in ("photo", "cartoon"):
            pack = _median_s(lambda s=style: make_pack(pipeline, PackRequest(image=photo, platform="wechat", count=16,
                                                                             style=s, seed=1)), args.runs)
            print(f"wechat pack, 16 stickers, {style:<8}: median {pack:6.2f} s  "
                  f"(target < {TARGET_SECONDS:.0f} s: {'met' if pack < TARGET_SECONDS else 'NOT met'}; "
                  f"{pack / 16 * 1000:.0f} ms per sticker)")
        single = _median_s(lambda: pipeline.run(StickerRequest(image=photo, text="开心", seed=1)), args.runs)
        print(f"one 512 px sticker            : median {single:6.2f} s")
        print(f"pack vs 16 separate requests  : {16 * single / pack:.1f}x faster (shared detection and cut-out, "
              "and 240 px work instead of 512 px)")
        for name in ("wechat", "telegram", "line"):
            animated = _median_s(lambda n=name: pipeline.animate(StickerRequest(image=photo, text="震惊", seed=1,
                                                                                platform=n)), max(1, args.runs // 2))
            print(f"animated, 16 frames, {name:<9}: median {animated:6.2f} s (WebP + GIF + {name} file)")


if __name__ == "__main__":
    main()
