"""A tiny random-weight Stable Diffusion model and LoRA adapters, built once per test session and
saved to disk, so the code under test loads them through the same path a real model folder takes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class TinyModel:
    folder: Path  # diffusers layout: model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/
    lora_dir: Path  # inky.safetensors, glow.safetensors, lcm-lora-tiny.safetensors
    flagging_folder: Path  # the same model with a safety checker that flags every picture


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory) -> TinyModel:
    pytest.importorskip("diffusers")  # here, not at the top: the dlib tests in this folder do not need it
    import torch
    from diffusers import StableDiffusionImg2ImgPipeline
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig, CLIPImageProcessor

    from emojigen.devtools.random_weights import build_random_pipeline, save_random_lora

    root = tmp_path_factory.mktemp("tiny-sd")
    pipe = build_random_pipeline("tiny", root / "tokenizer-source")
    pipe.save_pretrained(root / "model")
    for name, seed in (("inky", 1), ("glow", 2), ("lcm-lora-tiny", 3)):
        save_random_lora(pipe, root / "loras", name, seed)

    # A safety checker whose concept thresholds are below any cosine similarity: it flags everything.
    clip = CLIPConfig(text_config={"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4,
                                   "num_hidden_layers": 2, "vocab_size": 128},
                      vision_config={"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4,
                                     "num_hidden_layers": 2, "image_size": 32, "patch_size": 8},
                      projection_dim=32)
    checker = StableDiffusionSafetyChecker(clip)
    with torch.no_grad():
        checker.concept_embeds_weights.fill_(-2.0)
    extractor = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    flagging = StableDiffusionImg2ImgPipeline(**{**pipe.components, "safety_checker": checker,
                                                 "feature_extractor": extractor})
    flagging.save_pretrained(root / "flagging")
    yield TinyModel(root / "model", root / "loras", root / "flagging")
    shutil.rmtree(root, ignore_errors=True)
