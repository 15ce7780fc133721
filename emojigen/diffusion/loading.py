"""Load an SD 1.x/2.x img2img pipeline from whatever EMOJIGEN_SD_MODEL names: a folder in diffusers
layout, a single .safetensors/.ckpt checkpoint, or a hub id (where the machine can reach a hub).

Every failure becomes a ModelUnavailable that names the path and says what is wrong with it.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import torch
from diffusers import StableDiffusionImg2ImgPipeline

from emojigen.errors import ModelUnavailable

log = logging.getLogger(__name__)

# Pipelines whose components StableDiffusionImg2ImgPipeline can use as they are.
COMPATIBLE = {"StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline", "StableDiffusionInpaintPipeline"}
CHECKPOINT_SUFFIXES = (".safetensors", ".ckpt")
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def source_kind(source: str) -> str:
    """"folder", "file", "hub" or "missing" (a path that does not exist and is no hub id)."""
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder"
    if path.is_file():
        return "file"
    if HUB_ID.match(source) and not source.startswith((".", "/", "~")):
        return "hub"
    return "missing"


def load_img2img(source: str, device: str, dtype: torch.dtype, config: str = "") -> StableDiffusionImg2ImgPipeline:
    kind = source_kind(source)
    path = Path(source).expanduser()
    if kind == "missing":
        raise _unavailable(source, "路径不存在", "the path does not exist")
    if kind == "folder":
        _check_folder(path)
    if kind == "file" and path.suffix.lower() not in CHECKPOINT_SUFFIXES:
        raise _unavailable(source, "不是 .safetensors 或 .ckpt 模型文件",
                           "it is not a .safetensors or .ckpt checkpoint")
    try:
        if kind == "file":
            # A single-file checkpoint carries weights only; the layout comes from `config` (a diffusers
            # folder or hub id), or from the hub when it can be reached.
            pipe = StableDiffusionImg2ImgPipeline.from_single_file(str(path), torch_dtype=dtype,
                                                                   config=config or None)
        else:
            pipe = StableDiffusionImg2ImgPipeline.from_pretrained(str(path) if kind == "folder" else source,
                                                                  torch_dtype=dtype)
    except ModelUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - diffusers raises many kinds; the user needs the reason either way
        log.exception("loading %s failed", source)
        reason = _first_line(exc)
        if kind == "hub":
            raise _unavailable(source, f"无法从模型仓库下载（{reason}）",
                               f"it cannot be downloaded ({reason})") from exc
        raise _unavailable(source, f"无法加载，文件不完整或不是 Stable Diffusion 1.x/2.x 模型（{reason}）",
                           f"it cannot be loaded: incomplete or not a Stable Diffusion 1.x/2.x model "
                           f"({reason})") from exc
    _check_components(source, pipe)
    try:
        return pipe.to(device)
    except torch.OutOfMemoryError as exc:
        raise ModelUnavailable(f"显存不足，无法把模型 {source} 放到 {device} 上。",
                               f"Not enough GPU memory to put the model {source} on {device}.") from exc


def _check_folder(path: Path) -> None:
    index = path / "model_index.json"
    if not index.is_file():
        raise _unavailable(str(path), "文件夹里没有 model_index.json，不是 diffusers 格式的模型文件夹",
                           "the folder has no model_index.json, so it is not a model folder in diffusers layout")
    try:
        class_name = json.loads(index.read_text(encoding="utf-8")).get("_class_name", "")
    except (OSError, ValueError) as exc:
        raise _unavailable(str(path), "model_index.json 无法读取", "its model_index.json cannot be read") from exc
    if class_name not in COMPATIBLE:
        raise _unavailable(str(path), f"这是 {class_name} 模型，emojigen 需要 Stable Diffusion 1.x/2.x",
                           f"it is a {class_name} model; emojigen needs Stable Diffusion 1.x/2.x")


def _check_components(source: str, pipe: StableDiffusionImg2ImgPipeline) -> None:
    cross = pipe.unet.config.cross_attention_dim
    width = pipe.text_encoder.config.hidden_size
    if cross != width:
        raise _unavailable(source, f"UNet（{cross}）与文本编码器（{width}）的维度不匹配",
                           f"its UNet ({cross}) and text encoder ({width}) do not fit together")


def _unavailable(source: str, zh: str, en: str) -> ModelUnavailable:
    return ModelUnavailable(f"Stable Diffusion 模型 {source}：{zh}。", f"Stable Diffusion model {source}: {en}.")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
