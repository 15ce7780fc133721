"""DiffusionStyler: the one wrapper around diffusers' StableDiffusionImg2ImgPipeline.

It loads lazily, once, under a lock; restyles a warped face crop by img2img with the prompt for the
expression and style, the request's LoRA adapters and a seeded generator; and returns a picture of
exactly the crop's size, so the cut-out matte and the later sticker stages fit it unchanged.
This module imports no torch at import time: the pipeline creates a styler whenever a model is
configured, and torch is imported on the first load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from emojigen.config import Settings
from emojigen.diffusion import tiny_vae
from emojigen.diffusion.lora import AdapterSwitch, rescan_loras, scan_loras
from emojigen.diffusion.onnx_backend import fused_lcm, fused_styles, read_manifest
from emojigen.diffusion.options import DiffusionOptions
from emojigen.diffusion.prompts import Prompt
from emojigen.errors import Blocked, EmojigenError, ModelUnavailable
from emojigen.load_once import LoadOnce

log = logging.getLogger(__name__)

StepCallback = Callable[[int, int], None]
BACKENDS = ("torch", "onnx")


@dataclass
class Loaded:
    pipe: Any  # StableDiffusionImg2ImgPipeline
    device: str
    dtype: str
    schedulers: dict[str, Any]  # "default" and, with an LCM-LoRA, "lcm"
    adapters: AdapterSwitch
    seconds: float


class DiffusionStyler:
    def __init__(self, settings: Settings, pipe: Any = None) -> None:
        self.settings = settings
        self.source = settings.sd_model
        self.backend = (settings.sd_backend or "torch").strip().lower()
        # With onnx the adapters are the export's, fused in; the LoRA folder is not used.
        self.lora_files = scan_loras(settings.lora_dir) if self.backend == "torch" else {}
        self._lock = threading.Lock()  # one generation at a time: adapters and scheduler are shared
        self._once = LoadOnce(lambda: self._load())  # late-bound: tests may replace _load
        self._given_pipe = pipe  # an already built pipeline (the benchmark's random-weight model)
        self._cache = None
        self._export_manifest: dict | None = None

    # -- loading ---------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._once.value is not None

    @property
    def error(self) -> EmojigenError | None:
        return self._once.error

    @property
    def lora_names(self) -> list[str]:
        if self.backend == "onnx":
            return [name for name, _ in fused_styles(self._manifest())]
        return [name for name, f in self.lora_files.items() if not f.is_lcm]

    def refresh_loras(self) -> list[str]:
        """Read the LoRA folder again, so an adapter added while the server runs (a newly trained one) can
        be picked without a restart; returns the names to choose from. Adapters already loaded stay loaded
        (one replaced under the same name keeps its old weights until a restart)."""
        if self.backend != "torch":
            return self.lora_names  # an export's adapters are fused in; the folder is not used
        files = rescan_loras(self.lora_files, self.settings.lora_dir)
        self.lora_files = files
        loaded = self._once.value
        if loaded is not None:
            loaded.adapters.files = files
            if self.fast_available and "lcm" not in loaded.schedulers:
                from diffusers import LCMScheduler

                loaded.schedulers["lcm"] = LCMScheduler.from_config(loaded.schedulers["default"].config)
        return self.lora_names

    @property
    def cache(self):
        """The prompt-embedding cache (created with the model)."""
        return self._cache

    @property
    def fast_available(self) -> bool:
        if self.backend == "onnx":
            return fused_lcm(self._manifest()) is not None
        return any(f.is_lcm for f in self.lora_files.values())

    def _manifest(self) -> dict:
        """The export's manifest (onnx), read once (every request asks whether fast mode is there); {} while
        it cannot be read (the load says why)."""
        if self._export_manifest is None:
            try:
                self._export_manifest = read_manifest(self.source)
            except ModelUnavailable:
                return {}
        return self._export_manifest

    def load(self) -> Loaded:
        """Load the model (once; a failure is remembered and raised again, naming what is wrong)."""
        return self._once.get()

    def _load(self) -> Loaded:
        if self.backend not in BACKENDS:
            raise ModelUnavailable(f"未知后端：{self.backend}（可选 torch、onnx）",
                                   f"Unknown EMOJIGEN_SD_BACKEND {self.backend!r} (choose torch or onnx)")
        if self.backend == "onnx":
            return self._load_onnx()
        import torch
        from diffusers import LCMScheduler

        from emojigen.diffusion.device import choose_device
        from emojigen.diffusion.embeddings import PromptEmbeddingCache
        from emojigen.diffusion.loading import load_img2img

        start = time.perf_counter()
        device, dtype = choose_device(self.settings.sd_device, self.settings.sd_dtype)
        if self._given_pipe is not None:
            pipe = self._given_pipe.to(device, dtype)
        else:
            pipe = load_img2img(self.source, device, dtype, self.settings.sd_config)
        if tiny_vae.wanted(self.settings.sd_tiny_vae):
            tiny_vae.use_tiny_vae(pipe, tiny_vae.load_tiny_vae(self.settings.sd_tiny_vae, dtype),
                                  self.settings.sd_tiny_vae)
        pipe.set_progress_bar_config(disable=True)
        if device.startswith("cuda"):
            # SDPA attention is diffusers' default with torch 2; channels_last speeds up the UNet's convolutions.
            pipe.unet.to(memory_format=torch.channels_last)
            if self.settings.sd_compile:
                pipe.unet = torch.compile(pipe.unet, fullgraph=True)  # recompiles when the LoRA set changes
        schedulers = {"default": pipe.scheduler}
        if self.fast_available:
            schedulers["lcm"] = LCMScheduler.from_config(pipe.scheduler.config)
        self._cache = PromptEmbeddingCache()
        seconds = time.perf_counter() - start
        log.info("Stable Diffusion %s loaded on %s (%s) in %.1f s; LoRA: %s", self.source or "(given)", device,
                 str(dtype).removeprefix("torch."), seconds, ", ".join(self.lora_files) or "none")
        return Loaded(pipe, device, str(dtype).removeprefix("torch."), schedulers,
                      AdapterSwitch(pipe, self.lora_files, self.settings.sd_fuse_lora), seconds)

    def _load_onnx(self) -> Loaded:
        from diffusers import LCMScheduler

        from emojigen.diffusion.embeddings import PromptEmbeddingCache
        from emojigen.diffusion.onnx_backend import FusedAdapters, load_onnx_img2img

        start = time.perf_counter()
        setting = self.settings.sd_tiny_vae
        use_tiny = None if not setting else tiny_vae.wanted(setting)
        pipe, manifest = load_onnx_img2img(self.source, use_tiny)
        pipe.set_progress_bar_config(disable=True)
        schedulers = {"default": pipe.scheduler}
        if fused_lcm(manifest) is not None:
            schedulers["lcm"] = LCMScheduler.from_config(pipe.scheduler.config)
        self._cache = PromptEmbeddingCache()
        seconds = time.perf_counter() - start
        log.info("Stable Diffusion ONNX export %s loaded (%s, %s VAE) in %.1f s; fused LoRA: %s", self.source,
                 "int8" if manifest["int8"] else "fp32", manifest["vae_used"], seconds,
                 ", ".join(a["name"] for a in manifest["adapters"]) or "none")
        return Loaded(pipe, "cpu", "int8" if manifest["int8"] else "float32", schedulers,
                      FusedAdapters(manifest, self.source), seconds)

    # -- styling ---------------------------------------------------------------------------------

    def restyle(self, rgb: np.ndarray, prompt: Prompt, options: DiffusionOptions,
                on_step: StepCallback | None = None) -> np.ndarray:
        """img2img on the crop; returns RGB uint8 of the same size."""
        loaded = self.load()
        import torch

        height, width = rgb.shape[:2]
        work = _work_size(width, height, self.settings.sd_resolution)
        source = cv2.resize(rgb, work, interpolation=cv2.INTER_AREA if work[0] < width else cv2.INTER_CUBIC)
        with self._lock:
            pipe = loaded.pipe
            active = loaded.adapters.activate(options.adapters, options.fast)
            pipe.scheduler = loaded.schedulers["lcm" if options.fast else "default"]
            guided = options.guidance > 1.0
            text_state = active if loaded.adapters.touches_text_encoder else ()
            positive, negative = self._cache.get(pipe, prompt, guided, text_state)
            # A CPU generator gives the same noise for a seed on every device.
            generator = torch.Generator("cpu").manual_seed(options.seed)
            try:
                result = pipe(prompt_embeds=positive, negative_prompt_embeds=negative,
                              image=source.astype(np.float32) / 255.0, strength=options.strength,
                              num_inference_steps=options.steps, guidance_scale=options.guidance,
                              generator=generator, output_type="np",
                              callback_on_step_end=_step_reporter(on_step, options.denoising_steps))
            except torch.OutOfMemoryError as exc:
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                raise ModelUnavailable("显存不足，这次没有生成。请稍后再试，或调小尺寸/步数。",
                                       "Out of GPU memory; nothing was made this time. Try again shortly, "
                                       "or with fewer steps or a smaller size.") from exc
        flagged = getattr(result, "nsfw_content_detected", None)
        if flagged and any(flagged):
            raise Blocked("模型的安全检查拦截了这张图，没有返回结果。请换一张照片或描述。",
                          "The model's safety checker flagged this picture, so it is not returned. "
                          "Please try another photo or description.")
        styled = np.clip(result.images[0] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        # Back to the crop's exact size: landmarks, matte and placement stay valid for the later stages.
        return cv2.resize(styled, (width, height), interpolation=cv2.INTER_CUBIC)

    def status(self) -> dict[str, Any]:
        """What the UI and API say about the diffusion backend."""
        info: dict[str, Any] = {"model": self.source or "(built in)", "lora": self.lora_names,
                                "fast_mode": self.fast_available, "loaded": self.loaded, "sd_backend": self.backend}
        if self.settings.sd_tiny_vae:
            info["tiny_vae"] = self.settings.sd_tiny_vae
        if self._once.value is not None:
            info.update(device=self._once.value.device, dtype=self._once.value.dtype,
                        load_seconds=round(self._once.value.seconds, 1))
        if self._once.error is not None:
            info["error"] = self._once.error.en
        return info


def _work_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The crop scaled so its long side is `long_side`, both sides multiples of 8 (the VAE's factor)."""
    scale = long_side / max(width, height)
    return (max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8))


def _step_reporter(on_step: StepCallback | None, total: int):
    if on_step is None:
        return None

    def report(pipe, step, timestep, kwargs):
        on_step(step + 1, total)
        return kwargs

    return report
