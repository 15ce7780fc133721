"""`emojigen export-onnx`: a Stable Diffusion 1.x/2.x model to ONNX for the CPU backend
(EMOJIGEN_SD_BACKEND=onnx), optionally with INT8 weights.

The chosen LoRA adapters (an LCM-LoRA among them turns on fast mode) are fused into the weights before
export. Written: text_encoder/, unet/, vae_encoder/, vae_decoder/ (each model.onnx, large weights in
model.onnx.data), tiny_vae_encoder/ and tiny_vae_decoder/ with a tiny VAE, tokenizer/, scheduler/, and
emojigen_onnx.json, the manifest that says what the folder holds (adapters fused, int8, VAEs).

Exported with torch.onnx.export (the TorchScript exporter: dynamic batch and image size, opset 17).
INT8 is onnxruntime's dynamic quantisation of the MatMul weights of the text encoder and the UNet (int8
weights, uint8 activations quantised per call); convolutions and the VAEs stay fp32 (dynamically
quantised convolutions run slower than fp32 ones in onnxruntime's CPU kernels).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from emojigen.diffusion.lora import LoraFile
from emojigen.errors import BadInput, ModelUnavailable

log = logging.getLogger(__name__)

MANIFEST = "emojigen_onnx.json"
FORMAT = "emojigen-onnx"
VERSION = 1
OPSET = 17
EXPORT_PREFIX = "export-"  # its own adapter names: a given pipeline may have the same adapters loaded already
COMPONENTS = ("text_encoder", "unet", "vae_encoder", "vae_decoder")
TINY_COMPONENTS = ("tiny_vae_encoder", "tiny_vae_decoder")
QUANTISED = ("text_encoder", "unet")
QUANTISATION = "onnxruntime dynamic quantisation: MatMul weights int8 (text encoder, UNet); convolutions and VAEs fp32"


def export_onnx(model: str, output: Path, *, int8: bool = False, adapters: tuple[tuple[LoraFile, float], ...] = (),
                tiny_vae: str = "", config: str = "", pipe: Any = None,
                report: Callable[[str], None] = log.info) -> dict:
    """Export `model` (or an already built `pipe`) into `output`; returns the manifest."""
    from emojigen.diffusion.loading import load_img2img
    from emojigen.diffusion.onnx_backend import require_onnx

    require_onnx()

    output = Path(output)
    _check_output(output)
    if pipe is None:
        pipe = load_img2img(model, "cpu", torch.float32, config)
    pipe = pipe.to("cpu", torch.float32)
    fused = _fuse(pipe, adapters, report) if adapters else []
    try:
        manifest = _export_all(model, output, pipe, fused, tiny_vae, report)
    finally:
        if fused:  # a given pipeline is left as it was (the benchmark goes on using it)
            pipe.unfuse_lora()
            pipe.delete_adapters([EXPORT_PREFIX + a["name"] for a in fused])
    if int8:
        manifest = quantize_export(output, output, report)
    return manifest


def _export_all(model: str, output: Path, pipe: Any, fused: list[dict], tiny_vae: str,
                report: Callable[[str], None]) -> dict:
    tiny = None
    if tiny_vae:
        from emojigen.diffusion.tiny_vae import load_tiny_vae

        tiny = load_tiny_vae(tiny_vae)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=output.parent if output.parent.exists() else None))
    try:
        for name, module, inputs, names, dynamic in _graphs(pipe, tiny):
            start = time.perf_counter()
            report(f"exporting {name} ...")
            _export_one(model, name, module, inputs, names, dynamic, staging / name)
            report(f"  {name}: {time.perf_counter() - start:.1f} s")
        pipe.tokenizer.save_pretrained(staging / "tokenizer")
        pipe.scheduler.save_pretrained(staging / "scheduler")
        manifest = {
            "format": FORMAT, "version": VERSION, "source": model or "(given)",
            "adapters": fused, "lcm": any(a["lcm"] for a in fused), "int8": False, "quantization": "",
            "tiny_vae": tiny_vae if tiny is not None else "",
            "vae_scaling_factor": float(pipe.vae.config.scaling_factor),
            "vae_block_out_channels": list(pipe.vae.config.block_out_channels),
            "tiny_vae_scaling_factor": float(tiny.config.scaling_factor) if tiny is not None else None,
            "latent_channels": int(pipe.unet.config.in_channels),
            "sample_size": int(pipe.unet.config.sample_size),
            "text_hidden_size": int(pipe.text_encoder.config.hidden_size),
            "opset": OPSET, "torch": torch.__version__,
        }
        _write_manifest(staging, manifest)
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def resolve_adapters(specs: list[str], lora_dir: str) -> tuple[tuple[LoraFile, float], ...]:
    """["inky:0.8", "/x/lcm-lora.safetensors:1"] -> the files and weights (a name from the LoRA folder, or a path)."""
    from emojigen.diffusion.lora import scan_loras
    from emojigen.diffusion.options import parse_adapters

    files = scan_loras(lora_dir)
    chosen = []
    for spec in specs:
        path, _, weight = spec.rpartition(":") if spec.rpartition(":")[2].replace(".", "").lstrip("-").isdigit() \
            else (spec, "", "1")
        candidate = Path(path).expanduser()
        if candidate.suffix == ".safetensors" and candidate.is_file():
            chosen.append((LoraFile(candidate.stem, candidate), parse_adapters(f"x:{weight}")[0][1]))
            continue
        ((name, value),) = parse_adapters(spec)
        if name not in files:
            choices = ", ".join(files) or "（无 / none）"
            raise BadInput(f"没有名为“{name}”的 LoRA（EMOJIGEN_LORA_DIR）。可选：{choices}",
                           f"There is no LoRA called {name!r} in EMOJIGEN_LORA_DIR, nor such a .safetensors file. "
                           f"Available: {choices}")
        chosen.append((files[name], value))
    return tuple(chosen)


def quantize_export(source: Path, output: Path, report: Callable[[str], None] = log.info) -> dict:
    """INT8 weights for an fp32 export's text encoder and UNet (in place when output == source)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from emojigen.diffusion.onnx_backend import read_manifest

    manifest = read_manifest(source)
    if manifest["int8"]:
        raise BadInput(f"{source} 已经是 INT8。", f"{source} is INT8 already.")
    source, output = Path(source), Path(output)
    if output != source:
        _check_output(output)
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(source, output, ignore=shutil.ignore_patterns(*QUANTISED))
    for name in QUANTISED:
        start = time.perf_counter()
        report(f"quantising {name} to int8 ...")
        with tempfile.TemporaryDirectory(dir=output) as tmp:
            model = Path(tmp) / "model.onnx"
            fp32 = source / name / "model.onnx"
            big = (source / name / "model.onnx.data").exists()
            logging.disable(logging.INFO)  # the quantiser logs a line per tensor to the root logger
            try:
                quantize_dynamic(fp32, model, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                                 use_external_data_format=big, extra_options={"MatMulConstBOnly": True})
            finally:
                logging.disable(logging.NOTSET)
            _consolidate(model, output / name)
        report(f"  {name}: {time.perf_counter() - start:.1f} s")
    manifest.update(int8=True, quantization=QUANTISATION)
    _write_manifest(output, manifest)
    return manifest


def _check_output(output: Path) -> None:
    from emojigen.diffusion.onnx_backend import is_export

    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not is_export(output))):
        raise BadInput(f"{output} 已存在且不是 ONNX 导出文件夹，不会覆盖。",
                       f"{output} exists and is not an ONNX export folder; it is not overwritten.")


def _fuse(pipe: Any, adapters: tuple[tuple[LoraFile, float], ...], report: Callable[[str], None]) -> list[dict]:
    for lora, _ in adapters:
        report(f"fusing LoRA {lora.name} ({lora.path})")
        try:
            pipe.load_lora_weights(str(lora.path.parent), weight_name=lora.path.name,
                                   adapter_name=EXPORT_PREFIX + lora.name)
        except Exception as exc:  # noqa: BLE001 - peft/diffusers raise many kinds; name the file either way
            raise ModelUnavailable(f"LoRA 文件 {lora.path} 无法加载（与模型不匹配或文件已损坏）。",
                                   f"The LoRA file {lora.path} cannot be loaded (it does not fit the model or is "
                                   f"damaged).") from exc
    names = [EXPORT_PREFIX + lora.name for lora, _ in adapters]
    pipe.set_adapters(names, adapter_weights=[w for _, w in adapters])
    pipe.fuse_lora(adapter_names=names)  # merged layers trace as the plain ones
    return [{"name": lora.name, "weight": weight, "lcm": lora.is_lcm} for lora, weight in adapters]


class _Text(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids):
        return self.encoder(input_ids)[0]


class _Unet(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]


class _Call(torch.nn.Module):
    def __init__(self, module, call):
        super().__init__()
        self.module = module
        self.call = call

    def forward(self, x):
        return self.call(self.module, x)


def _graphs(pipe: Any, tiny: Any):
    """(name, module, example inputs, (input names, output names), dynamic axes) for each graph."""
    unet, vae = pipe.unet, pipe.vae
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    latent = 2 ** len(unet.config.block_out_channels)  # small but divisible by every down-sampling
    channels = unet.config.in_channels
    tokens = pipe.tokenizer.model_max_length
    width = pipe.text_encoder.config.hidden_size
    image_axes = {0: "batch", 2: "height", 3: "width"}
    yield ("text_encoder", _Text(pipe.text_encoder), (torch.zeros(1, tokens, dtype=torch.int64),),
           (["input_ids"], ["last_hidden_state"]), {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    yield ("unet", _Unet(unet), (torch.randn(2, channels, latent, latent), torch.tensor([999.0]),
                                 torch.randn(2, tokens, width)),
           (["sample", "timestep", "encoder_hidden_states"], ["out_sample"]),
           {"sample": image_axes, "encoder_hidden_states": {0: "batch"}, "out_sample": image_axes})
    pixels = torch.randn(1, 3, latent * factor, latent * factor)
    yield ("vae_encoder", _Call(vae, lambda m, x: m.encode(x).latent_dist.parameters), (pixels,),
           (["sample"], ["moments"]), {"sample": image_axes, "moments": image_axes})
    yield ("vae_decoder", _Call(vae, lambda m, z: m.decode(z, return_dict=False)[0]),
           (torch.randn(1, channels, latent, latent),), (["latent_sample"], ["sample"]),
           {"latent_sample": image_axes, "sample": image_axes})
    if tiny is not None:
        yield ("tiny_vae_encoder", _Call(tiny, lambda m, x: m.encode(x).latents), (pixels,),
               (["sample"], ["latents"]), {"sample": image_axes, "latents": image_axes})
        yield ("tiny_vae_decoder", _Call(tiny, lambda m, z: m.decode(z, return_dict=False)[0]),
               (torch.randn(1, channels, latent, latent),), (["latent_sample"], ["sample"]),
               {"latent_sample": image_axes, "sample": image_axes})


def _export_one(model: str, name: str, module: torch.nn.Module, inputs: tuple, names: tuple[list, list],
                dynamic: dict, folder: Path) -> None:
    import warnings

    folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        raw = Path(tmp) / "model.onnx"
        try:
            with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings about python bools on shapes
                torch.onnx.export(module.eval(), inputs, str(raw), input_names=names[0], output_names=names[1],
                                  dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True, dynamo=False)
        except Exception as exc:  # noqa: BLE001 - the exporter raises many kinds; the user needs the reason
            log.exception("exporting %s of %s failed", name, model)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelUnavailable(f"模型 {model} 的 {name} 无法导出为 ONNX（{reason}）。",
                                   f"The {name} of the model {model} cannot be exported to ONNX ({reason}).") from exc
        _consolidate(raw, folder)


def _consolidate(model: Path, folder: Path) -> None:
    """model.onnx in `folder`, its weights in one model.onnx.data beside it when over 2 GB (the exporter
    writes one file per tensor then)."""
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("model.onnx*"):
        old.unlink()
    if not any(p.name != model.name for p in model.parent.iterdir()):
        shutil.move(str(model), folder / "model.onnx")
        return
    proto = onnx.load(str(model), load_external_data=True)
    onnx.save_model(proto, str(folder / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx.data", size_threshold=1024)


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
