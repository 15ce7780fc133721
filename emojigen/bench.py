"""`emojigen bench`: per-stage timings of the sticker pipeline and, with an SD 1.5-sized random-weight
model (built from the standard configs, so the speed is real without trained weights), 512 px img2img
on this machine: plain diffusers img2img against emojigen's fast path, in the same run, with the ratio;
then the fast path's variants on the same model, size, seed and picture, as ratios to the torch fast
path: LoRA fused or not, the tiny VAE or the model's own, torch against ONNX fp32 and ONNX int8 (an
export of the same random model with the LCM-LoRA fused, made in the run), and on CUDA fp16 eager
against torch.compile.

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
    parser.add_argument("--variants", default="all",
                        help="fast-path variants to time: all, none, or a comma list of torch, onnx, int8")


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
        # No result cache: the same request is timed again and again and must be drawn each time.
        classic = Pipeline(Settings(outputs_dir=root / "outputs", result_cache_mb=0))
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
                        sd_compile=args.compile, sd_fuse_lora=0)  # unfused here; the variants fuse explicitly
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

    pipeline = Pipeline(Settings(outputs_dir=root / "outputs", sd_resolution=args.size, result_cache_mb=0),
                        detector=classic.detector, diffusion=styler)
    stages = stage_medians(pipeline, StickerRequest(**{**vars(request), "fast": True}), args.repeats)
    print_stages(f"whole pipeline with fast diffusion styling ({args.size} px img2img):", stages)
    variants = {"torch", "onnx", "int8"} if args.variants == "all" else \
        {v.strip() for v in args.variants.split(",") if v.strip() not in ("", "none")}
    if variants:
        bench_variants(args, root, styler, face, prompt, fast_median, variants)


def bench_variants(args: argparse.Namespace, root: Path, styler, face: np.ndarray, prompt, baseline: float,
                   variants: set[str]) -> None:
    """The fast path's variants, each a median of `repeats` runs after a warm-up, as ratios to `baseline`
    (the torch fast path above: full VAE, LoRA unfused)."""
    import torch

    from emojigen.devtools.random_weights import build_random_tiny_vae
    from emojigen.diffusion.options import make_options
    from emojigen.diffusion.styler import DiffusionStyler

    loaded = styler.load()
    pipe, adapters = loaded.pipe, loaded.adapters
    full_vae = pipe.vae
    tiny_folder = root / "tiny-vae"
    build_random_tiny_vae(args.model).save_pretrained(tiny_folder)
    options = make_options(None, None, STRENGTH, None, None, True, 1)
    rows: list[tuple[str, float]] = []

    def timed(label: str, runner: DiffusionStyler) -> None:
        nonlocal baseline
        median, runs = median_seconds(lambda: runner.restyle(face, prompt, options), args.repeats)
        if not rows and "torch" in variants:  # the first row is the torch fast path again: measured beside the rest
            baseline = median
        rows.append((label, median))
        print(f"  {label:<44} {median:8.3f} s  {baseline / median:5.2f}x  "
              f"(runs: {', '.join(f'{t:.3f}' for t in runs)})", flush=True)

    print(f"\nfast path variants ({options.denoising_steps} LCM steps, {args.size} px, same seed and picture); "
          "ratio = torch fast path (the first row, else the figure above) / variant:", flush=True)
    if "torch" in variants:
        from emojigen.diffusion.tiny_vae import load_tiny_vae, use_tiny_vae

        tiny = load_tiny_vae(str(tiny_folder), loaded.pipe.unet.dtype)
        dtype = loaded.dtype
        for vae_label, vae in (("full VAE", full_vae), ("tiny VAE", tiny)):
            if vae is tiny:
                use_tiny_vae(pipe, tiny, "random tiny VAE")
            for fuse in (False, True):
                adapters.unfuse()
                adapters.fuse_after = 1 if fuse else 0
                adapters.active = ()  # the next request activates (and fuses) afresh
                if fuse:
                    start = time.perf_counter()
                    adapters.activate((), fast=True)
                    fuse_s = time.perf_counter() - start
                    start = time.perf_counter()
                    adapters.unfuse()
                    print(f"  (fusing the LCM-LoRA takes {fuse_s:.2f} s, unfusing {time.perf_counter() - start:.2f} s)")
                    adapters.active = ()
                timed(f"torch {dtype}, {vae_label}, LoRA {'fused' if fuse else 'unfused'}", styler)
        adapters.unfuse()
        adapters.fuse_after = styler.settings.sd_fuse_lora
        pipe.register_modules(vae=full_vae)
        if loaded.device.startswith("cuda") and not args.compile:
            pipe.unet = torch.compile(pipe.unet, fullgraph=True)
            timed(f"torch {dtype}, full VAE, LoRA unfused, torch.compile", styler)
    onnx_kinds = [kind for kind in ("onnx", "int8") if kind in variants]
    if onnx_kinds and loaded.device != "cpu":
        print(f"  (ONNX rows skipped: the ONNX backend runs on the CPU, this run is on {loaded.device})")
    elif onnx_kinds:
        bench_onnx(args, root, pipe, styler, tiny_folder, onnx_kinds, timed)
    if rows:
        best = min(rows, key=lambda row: row[1])
        print(f"  fastest: {best[0]}, {best[1]:.3f} s, {baseline / best[1]:.2f}x the torch fast path")


def bench_onnx(args: argparse.Namespace, root: Path, pipe, styler, tiny_folder: Path, kinds: list[str],
               timed: Callable[[str, object], None]) -> None:
    from dataclasses import replace

    from emojigen.diffusion.lora import scan_loras
    from emojigen.diffusion.onnx_export import export_onnx, quantize_export
    from emojigen.diffusion.styler import DiffusionStyler

    lcm = scan_loras(styler.settings.lora_dir)
    folders = {"onnx": root / "onnx-fp32", "int8": root / "onnx-int8"}
    start = time.perf_counter()
    export_onnx(f"random {args.model}", folders["onnx"], pipe=pipe, adapters=tuple((f, 1.0) for f in lcm.values()),
                tiny_vae=str(tiny_folder), report=lambda line: None)
    print(f"  (ONNX export with the LCM-LoRA fused and the tiny VAE: {time.perf_counter() - start:.1f} s)")
    if "int8" in kinds:
        start = time.perf_counter()
        quantize_export(folders["onnx"], folders["int8"], report=lambda line: None)
        print(f"  (INT8 quantisation: {time.perf_counter() - start:.1f} s)")
    for kind in kinds:
        for vae_label, vae_setting in (("full VAE", "off"), ("tiny VAE", "on")):
            runner = DiffusionStyler(replace(styler.settings, sd_backend="onnx", sd_model=str(folders[kind]),
                                             sd_tiny_vae=vae_setting, lora_dir=""))
            timed(f"onnx {'int8' if kind == 'int8' else 'fp32'}, {vae_label}, LoRA fused at export", runner)
            del runner
