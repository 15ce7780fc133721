"""One frozen Settings object, read from EMOJIGEN_* environment variables and CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 7860
    outputs_dir: Path = Path("outputs")
    db_path: str = ""  # the SQLite history and ratings; empty: <outputs_dir>/history.sqlite
    # Where results and kept uploads are stored for every replica to see: empty (the local outputs_dir)
    # or s3://bucket/prefix (endpoint and credentials from the usual AWS_* variables).
    storage_url: str = ""
    # With object storage: /results/{id}/{name} sends the client to a presigned URL (the bucket's endpoint
    # must be reachable by browsers) instead of serving the bytes through the app.
    storage_redirect: bool = False
    # The history and ratings for several processes: empty (SQLite at db_path) or postgresql://...
    database_url: str = ""
    sticker_size: int = 512
    # A Stable Diffusion model (local folder, .safetensors file or hub id). Empty: classic styles only.
    sd_model: str = ""
    sd_config: str = ""  # for a single-file checkpoint: a diffusers folder (or hub id) giving its layout
    lora_dir: str = ""  # a folder of LoRA adapters (*.safetensors); one named *lcm* enables fast mode
    sd_device: str = "auto"  # auto: cuda, else mps, else cpu
    sd_dtype: str = "auto"  # auto: fp16 on a GPU, fp32 on the CPU
    sd_resolution: int = 512  # the long side img2img works at (SD 1.5 was trained at 512)
    sd_fast: str = "auto"  # fast mode (LCM) when a request leaves it out: auto (on a GPU), on, off
    sd_compile: bool = False  # torch.compile the UNet on CUDA (slow first request, faster after)
    sd_backend: str = "torch"  # torch, or onnx: sd_model is then a folder written by `emojigen export-onnx`
    sd_tiny_vae: str = ""  # a tiny VAE (AutoencoderTiny / TAESD folder or hub id) for img2img; with onnx: off
    sd_fuse_lora: int = 2  # fuse LoRA adapters into the weights once asked this many times in a row (0: never)
    # `serve` downloads a hub sd_model (and the LCM-LoRA) here in the background and then switches it on; more
    # folders after an os.pathsep are read-only copies (baked into an image). Empty: never downloads.
    sd_download_dir: str = ""
    concurrency: int = 2
    queue_size: int = 16
    max_upload_mb: float = 25.0  # larger uploads are refused by the web server before they are stored
    rate_limit: int = 120  # requests that start work, per minute per client (0: no limit)
    photo_cache_mb: float = 256.0  # memory for prepared photos (faces, crop, cut-out) reused by later requests
    result_cache_mb: float = 64.0  # memory for results an identical request is answered with (0: off)
    cutout: str = "learned"  # learned (a person-segmentation net) or grabcut (colour only; see README)
    font_path: str = ""  # a CJK-capable font; empty: search the usual system places
    # Text people type is checked against word lists (assets/moderation); off only for private use.
    moderation: bool = True
    moderation_block_file: str = ""  # an operator's extra words to refuse, one per line
    moderation_allow_file: str = ""  # phrases never refused even if they contain a listed word
    # An optional image classifier for uploads and results (a transformers folder or hub id); empty: none.
    nsfw_model: str = ""
    nsfw_threshold: float = 0.7  # refused when the unsafe labels' probability reaches this
    nsfw_labels: str = ""  # exact unsafe label names, comma-separated; empty: names containing nsfw, porn...
    # Uploads and results are deleted this many hours after they were made (history rows stay, marked).
    retention_hours: float = 72.0
    operator_token: str = ""  # lets an operator list every session's history; empty: nobody can

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then EMOJIGEN_<NAME> variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"EMOJIGEN_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is Path:
            return Path(raw)
        if kind is bool:
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError as exc:
        raise ValueError(f"EMOJIGEN_{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
