"""`emojigen bench`: per-stage timings of the sticker pipeline and, with an SD 1.5-sized random-weight
model (built from the standard configs, so the speed is real without trained weights), 512 px img2img
on this machine: plain diffusers img2img against emojigen's fast path, in the same run, with the ratio.

Prints medians; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from emojigen.config import Settings

if TYPE_CHECKING:  # the CLI builds its parser from this module: the pipeline is imported only to run
    from emojigen.pipeline import Pipeline, StickerRequest

PLAIN_STEPS = 20
PLAIN_GUIDANCE = 7.5
STRENGTH = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--photo", type=Path, help="a face photo (default: the built-in 团子 character)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up (default 3)")
    parser.add_argument("--model", default="sd15", choices=["sd15", "tiny", "none"],
                        help="random-weight model to time img2img with (none: the classic pipeline only)")
    parser.add_argument("--size", type=int, default=512, help="img2img resolution (default 512)")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu")
    parser.add_argument("--dtype", default="auto", help="auto (fp16 on a GPU, fp32 on the CPU), fp16, bf16, fp32")
    parser.add_argument("--compile", action="store_true", help="torch.compile the UNet (CUDA only)")


def median_seconds(work: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    work()  # warm-up: model loading, kernel selection, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def stage_medians(pipeline: Pipeline, request: StickerRequest, repeats: int) -> dict[str, float]:
    pipeline.run(request)
    runs = [pipeline.run(request).timings for _ in range(repeats)]
    return {stage: statistics.median(run.get(stage, 0.0) for run in runs) for stage in runs[0]}


def print_stages(title: str, stages: dict[str, float]) -> None:
    print(f"\n{title}")
    for stage, seconds in stages.items():  # the last is "total": the whole request, bookkeeping included
        print(f"  {stage:<8} {seconds * 1000:9.1f} ms")


def run(args: argparse.Namespace) -> int:
    from emojigen.pipeline import Pipeline, StickerRequest

    with tempfile.TemporaryDirectory(prefix="emojigen-bench-") as tmp:
        root = Path(tmp)
        source = {"image": args.photo} if args.photo else {"template": "mochi"}
        request = StickerRequest(text="开心大笑", seed=1, **source)
        classic = Pipeline(Settings(outputs_dir=root / "outputs"))
        print(f"emojigen bench: {args.repeats} timed runs after a warm-up; medians")
        print_stages("classic pipeline (512 px sticker):", stage_medians(classic, request, args.repeats))
        if args.model != "none":
            bench_diffusion(args, root, classic, request)
    return 0


def bench_diffusion(args: argparse.Namespace, root: Path, classic: Pipeline, request: StickerRequest) -> None:
    import torch

    from emojigen.devtools.random_weights import build_random_pipeline, save_random_lora
    from emojigen.diffusion import build_prompt
    from emojigen.diffusion.device import choose_device
    from emojigen.diffusion.options import make_options
    from emojigen.diffusion.styler import DiffusionStyler
    from emojigen.pipeline import Pipeline, StickerRequest

    device, dtype = choose_device(args.device, args.dtype)
    print(f"\nimg2img with a random-weight {args.model} model at {args.size} px on {device} "
          f"({str(dtype).removeprefix('torch.')}), strength {STRENGTH}")
    pipe = build_random_pipeline(args.model, root / "tokenizer")
    save_random_lora(pipe, root / "loras", "lcm-lora-random", seed=1, rank=64)
    settings = Settings(outputs_dir=root / "outputs", sd_model="random", lora_dir=str(root / "loras"),
                        sd_device=device, sd_dtype=str(dtype).removeprefix("torch."), sd_resolution=args.size,
                        sd_compile=args.compile)
    styler = DiffusionStyler(settings, pipe=pipe)
    loaded = styler.load()
    pipe = loaded.pipe  # on the device, channels_last (and compiled) on CUDA
    rng = np.random.default_rng(0)
    face = (rng.random((args.size, args.size, 3)) * 255).astype(np.uint8)
    prompt = build_prompt("laugh", 1.0, "cartoon")

    def plain():
        # diffusers as most people call it: text encoded every call, 20 scheduler steps, guidance 7.5.
        pipe.scheduler = loaded.schedulers["default"]
        loaded.adapters.activate((), fast=False)
        pipe(prompt=prompt.positive, negative_prompt=prompt.negative, image=face.astype(np.float32) / 255.0,
             strength=STRENGTH, num_inference_steps=PLAIN_STEPS, guidance_scale=PLAIN_GUIDANCE,
             generator=torch.Generator("cpu").manual_seed(1), output_type="np")

    fast_options = make_options(None, None, STRENGTH, None, None, True, 1)

    def fast():
        styler.restyle(face, prompt, fast_options)

    plain_median, plain_runs = median_seconds(plain, args.repeats)
    fast_median, fast_runs = median_seconds(fast, args.repeats)
    denoise = int(PLAIN_STEPS * STRENGTH)
    print(f"  plain diffusers img2img ({PLAIN_STEPS} steps -> {denoise} denoising, guidance {PLAIN_GUIDANCE}): "
          f"{plain_median:8.3f} s  (runs: {', '.join(f'{t:.3f}' for t in plain_runs)})")
    print(f"  fast path (LCM-LoRA, {fast_options.denoising_steps} steps, no CFG, cached text embeddings): "
          f"{fast_median:8.3f} s  (runs: {', '.join(f'{t:.3f}' for t in fast_runs)})")
    print(f"  ratio plain / fast: {plain_median / fast_median:.1f}x")
    if device.startswith("cuda"):
        print(f"  peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")

    pipeline = Pipeline(Settings(outputs_dir=root / "outputs", sd_resolution=args.size), detector=classic.detector,
                        diffusion=styler)
    stages = stage_medians(pipeline, StickerRequest(**{**vars(request), "fast": True}), args.repeats)
    print_stages(f"whole pipeline with fast diffusion styling ({args.size} px img2img):", stages)
