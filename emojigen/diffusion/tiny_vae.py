"""A tiny VAE (diffusers' AutoencoderTiny, the TAESD layout) in place of the model's own VAE, for img2img's
encode and decode: about 1 M parameters instead of 84 M, so encoding and decoding cost milliseconds
instead of seconds on a CPU (slightly softer pictures). Loaded like the model: a folder or a hub id
(EMOJIGEN_SD_TINY_VAE, e.g. madebyollin/taesd for SD 1.x)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from emojigen.errors import ModelUnavailable

log = logging.getLogger(__name__)

OFF = ("off", "none", "false", "0", "no")


def wanted(setting: str) -> bool:
    """Whether a setting names a tiny VAE ("" and off/none mean: the model's own VAE)."""
    return bool(setting) and setting.strip().lower() not in OFF


def load_tiny_vae(source: str, dtype: Any = None) -> Any:
    import torch
    from diffusers import AutoencoderTiny

    from emojigen.diffusion.loading import source_kind

    kind = source_kind(source)
    if kind == "missing":
        raise _unavailable(source, "路径不存在", "the path does not exist")
    if kind == "file":
        raise _unavailable(source, "需要一个文件夹（config.json 和权重）或模型仓库名",
                           "it needs a folder (config.json and weights) or a hub id")
    path = Path(source).expanduser()
    if kind == "folder" and not (path / "config.json").is_file():
        raise _unavailable(source, "文件夹里没有 config.json", "the folder has no config.json")
    try:
        vae = AutoencoderTiny.from_pretrained(str(path) if kind == "folder" else source,
                                              torch_dtype=dtype or torch.float32)
    except Exception as exc:  # noqa: BLE001 - diffusers raises many kinds; the user needs the reason either way
        log.exception("loading the tiny VAE %s failed", source)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise _unavailable(source, f"无法加载（{reason}）", f"it cannot be loaded ({reason})") from exc
    return vae.eval()


def use_tiny_vae(pipe: Any, vae: Any, source: str = "") -> None:
    """Put the tiny VAE into an img2img pipeline; its down-scaling must be the model's (8 for SD 1.x)."""
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    if factor != pipe.vae_scale_factor or vae.config.latent_channels != pipe.unet.config.in_channels:
        raise _unavailable(source or "(tiny VAE)", "与模型不匹配（缩放倍数或潜空间通道不同）",
                           f"it does not fit the model (scale {factor} vs {pipe.vae_scale_factor}, latent channels "
                           f"{vae.config.latent_channels} vs {pipe.unet.config.in_channels})")
    pipe.register_modules(vae=vae.to(pipe.device, pipe.unet.dtype))


def _unavailable(source: str, zh: str, en: str) -> ModelUnavailable:
    return ModelUnavailable(f"小型 VAE {source}：{zh}。", f"Tiny VAE {source}: {en}.")
