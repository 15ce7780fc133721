"""The ONNX backend (EMOJIGEN_SD_BACKEND=onnx): an `emojigen export-onnx` folder run by onnxruntime on the CPU.

The exported graphs are put into diffusers' own StableDiffusionImg2ImgPipeline as its text encoder,
UNet and VAE, so the schedulers (DDIM, LCM), strength, guidance, callbacks and the prompt-embedding
cache are exactly the torch backend's; only the networks run in onnxruntime. The VAE encoder returns
the latent distribution's moments and the latents are sampled in torch with the request's generator,
as in the torch backend, so a seed gives the same noise on both.

`read_manifest` / `is_export` read JSON only (no torch): the styler asks them what the folder offers
(fast mode, fused adapters) before anything loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emojigen.errors import BadInput, ModelUnavailable

MANIFEST = "emojigen_onnx.json"
FORMAT = "emojigen-onnx"


def is_export(folder: str | Path) -> bool:
    try:
        read_manifest(folder)
    except ModelUnavailable:
        return False
    return True


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise _unavailable(folder, "不是文件夹（ONNX 后端需要 emojigen export-onnx 导出的文件夹）",
                           "it is not a folder (the ONNX backend needs a folder written by emojigen export-onnx)")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _unavailable(folder, f"没有 {MANIFEST}，不是 emojigen export-onnx 导出的文件夹",
                           f"it has no {MANIFEST}, so it is not a folder written by emojigen export-onnx") from None
    except (OSError, ValueError) as exc:
        raise _unavailable(folder, f"{MANIFEST} 无法读取", f"its {MANIFEST} cannot be read") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _unavailable(folder, f"{MANIFEST} 不是 emojigen 的导出说明",
                           f"its {MANIFEST} is not an emojigen export's")
    return manifest


def fused_styles(manifest: dict) -> tuple[tuple[str, float], ...]:
    return tuple((a["name"], float(a["weight"])) for a in manifest.get("adapters", []) if not a.get("lcm"))


def fused_lcm(manifest: dict) -> str | None:
    return next((a["name"] for a in manifest.get("adapters", []) if a.get("lcm")), None)


class FusedAdapters:
    """The AdapterSwitch of an export: its adapters are fused into the weights, so a request may ask for
    exactly those (or none: they apply anyway), and fast mode exactly when an LCM-LoRA was fused."""

    touches_text_encoder = False  # fused: the text encoder's output never changes

    def __init__(self, manifest: dict, source: str) -> None:
        self.source = source
        self.fused = fused_styles(manifest)
        self.lcm = fused_lcm(manifest)
        self.active: tuple[tuple[str, float], ...] = self.fused + (((self.lcm, 1.0),) if self.lcm else ())

    @property
    def styles(self) -> list[str]:
        return [name for name, _ in self.fused]

    @property
    def fast_adapter(self) -> str | None:
        return self.lcm

    def activate(self, adapters: tuple[tuple[str, float], ...], fast: bool) -> tuple[tuple[str, float], ...]:
        if adapters and tuple(adapters) != self.fused:
            fused = ", ".join(f"{n}:{w:g}" for n, w in self.fused) or "（无 / none）"
            raise BadInput(f"ONNX 模型 {self.source} 里融合的 LoRA 是固定的（{fused}）；其他 LoRA 需要重新导出。",
                           f"The ONNX model {self.source} has its LoRA fused in ({fused}); other adapters need "
                           f"another export (emojigen export-onnx --lora NAME:WEIGHT).")
        if fast and self.lcm is None:
            raise BadInput("快速模式需要导出时融合 LCM-LoRA（emojigen export-onnx --lora lcm...:1）。",
                           f"Fast mode needs an ONNX export with an LCM-LoRA fused in; {self.source} has none "
                           f"(emojigen export-onnx --lora <lcm-lora>:1).")
        return self.active


def require_onnx() -> None:
    """ONNX export and the onnx backend are an optional extra: say how to get it, not an ImportError."""
    import importlib.util

    missing = [name for name in ("onnx", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelUnavailable(f"ONNX 需要 {', '.join(missing)}：请运行 pip install \"emojigen[onnx]\"。",
                               f"ONNX needs {', '.join(missing)}: pip install \"emojigen[onnx]\".")


def load_onnx_img2img(folder: str, tiny_vae: bool | None = None, threads: int = 0) -> tuple[Any, dict]:
    """(a StableDiffusionImg2ImgPipeline running the export's graphs, the manifest). tiny_vae None: the
    export's tiny VAE when it has one; False: the full VAE; True: the tiny one (an error without it)."""
    require_onnx()
    import diffusers
    import onnxruntime as ort
    from diffusers import StableDiffusionImg2ImgPipeline
    from transformers import CLIPTokenizer

    manifest = read_manifest(folder)
    root = Path(folder).expanduser()
    has_tiny = bool(manifest.get("tiny_vae"))
    if tiny_vae and not has_tiny:
        raise _unavailable(folder, "导出时没有包含小型 VAE（--tiny-vae）",
                           "it was exported without a tiny VAE (--tiny-vae)")
    tiny = has_tiny if tiny_vae is None else tiny_vae
    prefix = "tiny_vae" if tiny else "vae"
    needed = ("text_encoder", "unet", f"{prefix}_encoder", f"{prefix}_decoder")
    missing = [name for name in needed if not (root / name / "model.onnx").is_file()]
    if missing:
        raise _unavailable(folder, f"缺少 {', '.join(missing)}",
                           f"it lacks {', '.join(missing)} (an incomplete export)")

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads

    def session(name: str):
        try:
            return ort.InferenceSession(str(root / name / "model.onnx"), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own kinds; name the file either way
            raise _unavailable(folder, f"{name} 无法加载", f"its {name} cannot be loaded ({str(exc)[:200]})") from exc

    scheduler_config = json.loads((root / "scheduler" / "scheduler_config.json").read_text(encoding="utf-8"))
    scheduler = getattr(diffusers, scheduler_config.get("_class_name", "DDIMScheduler")).from_config(scheduler_config)
    factor_channels = manifest["vae_block_out_channels"]
    scaling = manifest["tiny_vae_scaling_factor"] if tiny else manifest["vae_scaling_factor"]
    vae = OnnxVae(session(f"{prefix}_encoder"), session(f"{prefix}_decoder"), tiny,
                  {"block_out_channels": factor_channels, "scaling_factor": scaling, "force_upcast": False,
                   "latent_channels": manifest["latent_channels"]})
    pipe = StableDiffusionImg2ImgPipeline(
        vae=vae, text_encoder=OnnxTextEncoder(session("text_encoder"), {"hidden_size": manifest["text_hidden_size"]}),
        tokenizer=CLIPTokenizer.from_pretrained(root / "tokenizer"),
        unet=OnnxUnet(session("unet"), {"time_cond_proj_dim": None, "in_channels": manifest["latent_channels"],
                                        "sample_size": manifest["sample_size"]}),
        scheduler=scheduler, safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    return pipe, {**manifest, "vae_used": "tiny" if tiny else "full"}


class _Graph:
    """What diffusers asks of a model besides calling it: a config, a dtype, a device, .to()."""

    def __init__(self, session: Any, config: dict) -> None:
        import torch
        from diffusers.configuration_utils import FrozenDict

        self.session = session
        self.config = FrozenDict(config)
        self.dtype = torch.float32
        self.device = torch.device("cpu")

    def to(self, *args: Any, **kwargs: Any) -> _Graph:
        return self

    def run(self, **inputs: Any) -> Any:
        import numpy as np
        import torch

        feeds = {k: np.ascontiguousarray(v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v)
                 for k, v in inputs.items()}
        return torch.from_numpy(self.session.run(None, feeds)[0])


class OnnxTextEncoder(_Graph):
    def __call__(self, input_ids: Any, attention_mask: Any = None, output_hidden_states: bool = False) -> tuple:
        return (self.run(input_ids=input_ids.long()),)


class OnnxUnet(_Graph):
    def __call__(self, sample: Any, timestep: Any, encoder_hidden_states: Any = None, timestep_cond: Any = None,
                 cross_attention_kwargs: Any = None, added_cond_kwargs: Any = None, return_dict: bool = False) -> tuple:
        import torch

        step = torch.as_tensor(timestep, dtype=torch.float32).reshape(-1)[:1]
        return (self.run(sample=sample.float(), timestep=step, encoder_hidden_states=encoder_hidden_states.float()),)


class OnnxVae(_Graph):
    def __init__(self, encoder: Any, decoder: Any, tiny: bool, config: dict) -> None:
        super().__init__(encoder, config)
        self.decoder = _Graph(decoder, config)
        self.tiny = tiny

    def encode(self, sample: Any, return_dict: bool = True) -> Any:
        from types import SimpleNamespace

        from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution

        out = self.run(sample=sample.float())
        if self.tiny:
            return SimpleNamespace(latents=out)
        return SimpleNamespace(latent_dist=DiagonalGaussianDistribution(out))

    def decode(self, latents: Any, return_dict: bool = False, generator: Any = None) -> tuple:
        return (self.decoder.run(latent_sample=latents.float()),)


def _unavailable(source: str | Path, zh: str, en: str) -> ModelUnavailable:
    return ModelUnavailable(f"ONNX 模型 {source}：{zh}。", f"ONNX model {source}: {en}.")
