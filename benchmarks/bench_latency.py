"""Benchmark: how long a person waits, for each of the speed targets. Not a test: prints medians.

    .venv/bin/python benchmarks/bench_latency.py [--runs 9] [--no-http]

Five cases, each measured two ways: the summary's `total` (inside the pipeline, warm) and end to end
through the HTTP API of a fresh `emojigen serve` (gradio_client: upload, queue, answer; warm).

  new 512 px photo       a photo neither cache has seen (its bytes differ each run)
  new 12 MP photo        a 4000x3000 JPEG (the 512 px portrait scaled up onto a wider scene), new each run
  same photo, new feeling the photo cache hits; no seed, so nothing is served from the result cache
  identical request      the same photo, feeling, options and seed again: the result cache hits
  16-sticker WeChat pack a new photo each run

Needs scikit-image (the test extra) for its 512 px astronaut portrait.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

sys.path.insert(0, str(Path(__file__).parent))

from emojigen import Pipeline, Settings, StickerRequest  # noqa: E402
from emojigen.pack import PackRequest  # noqa: E402

TARGETS_MS = {"new 512 px photo": 150, "new 12 MP photo": 300, "same photo, new feeling": 60,
              "identical request": 15, "16-sticker WeChat pack": 400}
FEELINGS = ["开心", "伤心", "震惊", "生气", "害怕", "得意"]


def jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def phone_photo() -> bytes:
    """12 megapixels: the portrait scaled to 3000 px high, between two mirrored copies of its edges."""
    face = np.asarray(Image.fromarray(data.astronaut()).resize((3000, 3000), Image.Resampling.BICUBIC))
    side = np.ascontiguousarray(face[:, :500][:, ::-1])
    return jpeg(np.hstack([side, face, np.ascontiguousarray(face[:, -500:][:, ::-1])]), quality=90)


def fresh(photo: bytes, i: int) -> bytes:
    return photo + b"\0" * (i + 1)  # new bytes to both caches; JPEG decoders ignore what follows the image


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def in_process(runs: int, small: bytes, big: bytes) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        pipeline = Pipeline(Settings(outputs_dir=Path(folder)))
        pipeline.warm_up()
        pipeline.run(StickerRequest(image=fresh(small, 999), text="开心"))  # first-use costs (fonts, tables)
        pipeline.pack(PackRequest(image=fresh(small, 998), platform="wechat", count=16))
        cases: dict[str, list[float]] = {name: [] for name in TARGETS_MS}
        for i in range(runs):
            photo = fresh(small, i)
            cases["new 512 px photo"].append(pipeline.run(StickerRequest(image=photo, text="开心")).timings["total"])
            feeling = FEELINGS[1 + i % (len(FEELINGS) - 1)]
            cases["same photo, new feeling"].append(
                pipeline.run(StickerRequest(image=photo, text=feeling)).timings["total"])
            seeded = StickerRequest(image=photo, text="开心", seed=7)
            pipeline.run(seeded)
            cases["identical request"].append(pipeline.run(seeded).timings["total"])
            cases["new 12 MP photo"].append(
                pipeline.run(StickerRequest(image=fresh(big, i), text="开心")).timings["total"])
            pack = pipeline.pack(PackRequest(image=fresh(small, 500 + i), platform="wechat", count=16))
            cases["16-sticker WeChat pack"].append(pack.timings["total"])
        pipeline.settle()
    return {name: median_ms(values) for name, values in cases.items()}


def over_http(runs: int, small: bytes, big: bytes) -> dict[str, float]:
    from gradio_client import Client, handle_file
    from load_test import started_server

    def timed(call: Callable[..., object], *args: object, **options: object) -> float:
        start = time.perf_counter()
        call(*args, **options)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder, started_server(env={"EMOJIGEN_RATE_LIMIT": "0"}) as server:
        client = Client(server.url, verbose=False)

        def photo_file(content: bytes, name: str) -> str:
            path = Path(folder) / name
            path.write_bytes(content)
            return str(path)

        def generate(path: str, text: str, **options: object) -> object:
            return client.predict(image=handle_file(path), text=text, api_name="/generate", **options)

        def pack(path: str) -> object:
            return client.predict(image=handle_file(path), platform="wechat", count=16, api_name="/pack")

        generate(photo_file(fresh(small, 999), "warm.jpg"), "开心")
        pack(photo_file(fresh(small, 998), "warm-pack.jpg"))
        cases: dict[str, list[float]] = {name: [] for name in TARGETS_MS}
        for i in range(runs):
            path = photo_file(fresh(small, i), f"small-{i}.jpg")
            cases["new 512 px photo"].append(timed(generate, path, "开心"))
            cases["same photo, new feeling"].append(timed(generate, path, FEELINGS[1 + i % (len(FEELINGS) - 1)]))
            generate(path, "开心", seed=7)
            cases["identical request"].append(timed(generate, path, "开心", seed=7))
            cases["new 12 MP photo"].append(timed(generate, photo_file(fresh(big, i), f"big-{i}.jpg"), "开心"))
            cases["16-sticker WeChat pack"].append(timed(pack, photo_file(fresh(small, 500 + i), f"pack-{i}.jpg")))
    return {name: median_ms(values) for name, values in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-http", action="store_true", help="only the in-process figures")
    args = parser.parse_args()
    small, big = jpeg(data.astronaut()), phone_photo()
    inside = in_process(args.runs, small, big)
    http = None if args.no_http else over_http(args.runs, small, big)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; median of {args.runs} runs each; "
          f"12 MP photo {len(big) // 1024} KB")
    print(f"{'case':26s} {'target':>8s} {'summary total':>14s} {'HTTP API':>10s}")
    for name, target in TARGETS_MS.items():
        verdict = "met" if inside[name] <= target else "not met"
        through = f"{http[name]:8.0f} ms" if http else "         -"
        print(f"{name:26s} {target:6d} ms {inside[name]:11.1f} ms {through}   ({verdict} inside)")


if __name__ == "__main__":
    main()
