"""For tests and benchmarks only (the tests' tiny model, `emojigen bench`): Stable Diffusion pipelines
with random weights, built from configs: a tiny one for tests and one of SD 1.5's full size for
benchmarks (the speed is real even though the pictures are noise).

No weights can be downloaded where this is built and tested, so these stand in for a real model; they
go through the same save_pretrained / from_pretrained path a real model folder does.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionImg2ImgPipeline, UNet2DConditionModel
from diffusers.utils import convert_state_dict_to_diffusers
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

SD15_VOCAB = 49408
SD15_SCHEDULER = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                  "num_train_timesteps": 1000, "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1}
LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


def write_tokenizer(folder: Path) -> CLIPTokenizer:
    """A CLIP BPE tokenizer with a small hand-written vocabulary: letters and a few marks, no merges.
    Every English prompt tokenizes (letter by letter), which is all a random-weight model needs."""
    folder.mkdir(parents=True, exist_ok=True)
    symbols = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789,.-'()")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for symbol in symbols:
            vocab[symbol + suffix] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77,
                         bos_token="<|startoftext|>", eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                         unk_token="<|endoftext|>")


def build_random_pipeline(kind: str, tokenizer_folder: Path, seed: int = 0) -> StableDiffusionImg2ImgPipeline:
    """kind "tiny": UNet channels (32, 64) and a 32-wide CLIP, megabytes, milliseconds a step on a CPU.
    kind "sd15": the standard SD 1.5 configs (860M UNet, 123M CLIP text encoder, 84M VAE)."""
    torch.manual_seed(seed)
    if kind == "tiny":
        unet = UNet2DConditionModel(
            block_out_channels=(32, 64), layers_per_block=1, sample_size=16, in_channels=4, out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32, norm_num_groups=32)
        vae = AutoencoderKL(block_out_channels=[32, 64], in_channels=3, out_channels=3, latent_channels=4,
                            down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                            norm_num_groups=32)
        text = CLIPTextConfig(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                              projection_dim=32, vocab_size=128, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    elif kind == "sd15":
        unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8)
        vae = AutoencoderKL(block_out_channels=[128, 256, 512, 512], latent_channels=4, sample_size=512,
                            down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                            layers_per_block=2)
        text = CLIPTextConfig(vocab_size=SD15_VOCAB, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                              num_attention_heads=12, projection_dim=768, hidden_act="quick_gelu",
                              bos_token_id=0, eos_token_id=1, pad_token_id=1)
    else:
        raise ValueError(f"unknown random model kind {kind!r}")
    return StableDiffusionImg2ImgPipeline(
        vae=vae, text_encoder=CLIPTextModel(text), tokenizer=write_tokenizer(tokenizer_folder), unet=unet,
        scheduler=DDIMScheduler(**SD15_SCHEDULER), safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)


def build_random_tiny_vae(kind: str, seed: int = 0):
    """An AutoencoderTiny with random weights whose down-scaling fits the random model of this kind:
    "sd15": TAESD's own layout (4 blocks of 64 channels, 8x); "tiny": 2 blocks of 16 channels (2x)."""
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    if kind == "sd15":
        return AutoencoderTiny()
    if kind == "tiny":
        return AutoencoderTiny(encoder_block_out_channels=(16, 16), decoder_block_out_channels=(16, 16),
                               num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1))
    raise ValueError(f"unknown random model kind {kind!r}")


def save_random_lora(pipe: StableDiffusionImg2ImgPipeline, folder: Path, name: str, seed: int, rank: int = 4) -> Path:
    """A LoRA adapter with random (non-zero) weights on the UNet's attention, saved the way diffusers'
    training scripts save one: <folder>/<name>.safetensors. The pipeline is left as it was (it must
    carry no other adapters)."""
    torch.manual_seed(seed)
    adapter = f"_random_{name}"
    pipe.unet.add_adapter(LoraConfig(r=rank, lora_alpha=rank, init_lora_weights=False, target_modules=LORA_TARGETS),
                          adapter_name=adapter)
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(pipe.unet, adapter_name=adapter))
    pipe.unet.unload_lora()  # removes the peft layers too, so the pipeline saves and runs as before
    folder.mkdir(parents=True, exist_ok=True)
    StableDiffusionImg2ImgPipeline.save_lora_weights(folder, unet_lora_layers=layers, weight_name=f"{name}.safetensors")
    return folder / f"{name}.safetensors"


def save_tiny_image_classifier(folder: Path, labels: tuple[str, ...], dtype: torch.dtype = torch.float32,
                               seed: int = 0) -> Path:
    """A tiny random-weight ViT image classifier with these labels, saved as a transformers folder (for
    the optional image moderation: random weights decide nothing, so the labels steer the outcome)."""
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    torch.manual_seed(seed)
    config = ViTConfig(image_size=32, patch_size=8, num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                       intermediate_size=37, num_labels=len(labels), id2label=dict(enumerate(labels)),
                       label2id={name: i for i, name in enumerate(labels)})
    ViTForImageClassification(config).to(dtype).save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return Path(folder)
