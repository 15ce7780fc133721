"""Benchmark: one sticker from a photo seen for the first time (the photo cache misses: decode, detect,
crop, cut out) against another feeling on the same photo (it hits). Not a test: prints medians and the ratio.

    .venv/bin/python benchmarks/bench_photo_cache.py [--runs 15]

Needs scikit-image (the test extra) for its 512 px astronaut portrait.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image
from skimage import data

from emojigen import Pipeline, Settings, StickerRequest

FEELINGS = ["开心", "伤心", "震惊", "生气"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    photo = buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        pipeline = Pipeline(Settings(outputs_dir=Path(folder)))
        pipeline.run(StickerRequest(image=photo, text="开心"))  # load the models
        misses, hits = [], []
        for i in range(args.runs):
            fresh = photo + bytes([i % 256]) * (i + 1)  # a new photo to the cache (JPEG ignores trailing bytes)
            start = time.perf_counter()
            pipeline.run(StickerRequest(image=fresh, text=FEELINGS[i % 4], caption=""))
            misses.append(time.perf_counter() - start)
            start = time.perf_counter()
            pipeline.run(StickerRequest(image=fresh, text=FEELINGS[(i + 1) % 4], caption=""))
            hits.append(time.perf_counter() - start)
    miss, hit = statistics.median(misses) * 1000, statistics.median(hits) * 1000
    print(f"512 px photo, {args.runs} runs each, {platform.machine()}")
    print(f"first sticker of a photo (miss): {miss:6.1f} ms")
    print(f"another feeling, same photo (hit): {hit:6.1f} ms  ({miss / hit:.1f}x faster)")


if __name__ == "__main__":
    main()
