"""The faster diffusion paths with the tiny random-weight model: the tiny VAE, fused LoRA adapters, the ONNX
export (fp32 and INT8) and its backend.

Measures, on uint8 pictures (0-255) of the same request and seed:
- ONNX fp32 against torch: max abs difference <= 2 (the graphs are the same; float reordering only).
- ONNX INT8 against torch: mean abs difference <= 4 and max <= 48 (int8 MatMul weights, looser).
- fused against unfused adapters: max abs difference <= 2; back to the plain model after fusing: equal
  bit for bit (the saved weights are put back), and the UNet's weights are torch.equal to the originals.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from emojigen import BadInput, ModelUnavailable, Pipeline, Settings, StickerRequest
from emojigen.diffusion import build_prompt
from emojigen.diffusion.options import make_options
from emojigen.diffusion.styler import DiffusionStyler

WORK = 64
FP32_MAX = 2
INT8_MEAN, INT8_MAX = 4.0, 48
FUSED_MAX = 2


def settings_for(tiny_sd, tmp_path, **overrides) -> Settings:
    values = {"sd_model": str(tiny_sd.folder), "lora_dir": str(tiny_sd.lora_dir), "sd_resolution": WORK,
              "sticker_size": 128, "outputs_dir": tmp_path / "outputs", "sd_fuse_lora": 0}
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    rng = np.random.default_rng(7)
    return (rng.random((80, 60, 3)) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def tiny_vae(tmp_path_factory):
    from emojigen.devtools.random_weights import build_random_tiny_vae

    folder = tmp_path_factory.mktemp("tiny-vae")
    build_random_tiny_vae("tiny", seed=4).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def exports(tiny_sd, tiny_vae, tmp_path_factory):
    """fp32 with the LCM-LoRA fused and the tiny VAE, its INT8 copy (through the command), and a plain one."""
    from emojigen.diffusion.lora import scan_loras
    from emojigen.diffusion.onnx_export import export_onnx
    from ui.cli import main

    root = tmp_path_factory.mktemp("onnx")
    lcm = scan_loras(tiny_sd.lora_dir)["lcm-lora-tiny"]
    export_onnx(str(tiny_sd.folder), root / "lcm", adapters=((lcm, 1.0),), tiny_vae=str(tiny_vae))
    export_onnx(str(tiny_sd.folder), root / "plain")
    mp = pytest.MonkeyPatch()
    mp.setenv("EMOJIGEN_LORA_DIR", str(tiny_sd.lora_dir))
    try:
        assert main(["export-onnx", str(tiny_sd.folder), "-o", str(root / "int8"), "--int8",
                     "--lora", "lcm-lora-tiny:1", "--tiny-vae", str(tiny_vae)]) == 0
    finally:
        mp.undo()
    return {name: root / name for name in ("lcm", "plain", "int8")}


@pytest.fixture(scope="module")
def torch_styler(tiny_sd, tmp_path_factory):
    return DiffusionStyler(settings_for(tiny_sd, tmp_path_factory.mktemp("torch")))


def restyle(styler, face, seed=1, **options) -> np.ndarray:
    values = {"lora": None, "lora_scale": None, "strength": 0.6, "steps": 4, "guidance": 5.0, "fast": False,
              "seed": seed}
    return styler.restyle(face, build_prompt("laugh", 1.0, "cartoon"), make_options(**{**values, **options}))


def fast(styler, face, seed=1) -> np.ndarray:
    return restyle(styler, face, seed, steps=None, guidance=None, fast=True)


def onnx_styler(tiny_sd, tmp_path, folder, tiny="off") -> DiffusionStyler:
    return DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_backend="onnx", sd_model=str(folder), lora_dir="",
                                        sd_tiny_vae=tiny))


def diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int))


# -- ONNX --------------------------------------------------------------------------------------------------


def test_the_export_says_what_it_holds(exports, tiny_vae):
    manifest = json.loads((exports["lcm"] / "emojigen_onnx.json").read_text())
    assert manifest["format"] == "emojigen-onnx" and manifest["lcm"] and not manifest["int8"]
    assert manifest["adapters"] == [{"name": "lcm-lora-tiny", "weight": 1.0, "lcm": True}]
    assert manifest["tiny_vae"] == str(tiny_vae)
    for part in ("text_encoder", "unet", "vae_encoder", "vae_decoder", "tiny_vae_encoder", "tiny_vae_decoder"):
        assert (exports["lcm"] / part / "model.onnx").is_file()
    int8 = json.loads((exports["int8"] / "emojigen_onnx.json").read_text())
    assert int8["int8"] and int8["lcm"] and "MatMul" in int8["quantization"]


def test_onnx_fp32_matches_torch_in_fast_mode(tiny_sd, tmp_path, exports, torch_styler, face):
    styler = onnx_styler(tiny_sd, tmp_path, exports["lcm"])
    assert styler.fast_available and styler.lora_names == []
    steps = []
    out = styler.restyle(face, build_prompt("laugh", 1.0, "cartoon"),
                         make_options(None, None, 0.6, None, None, True, 1), lambda i, n: steps.append(i))
    assert steps == [1, 2, 3, 4] and out.shape == face.shape
    assert type(styler.load().pipe.scheduler).__name__ == "LCMScheduler"
    assert diff(out, fast(torch_styler, face)).max() <= FP32_MAX
    assert not np.array_equal(out, fast(styler, face, seed=2))
    status = styler.status()
    assert status["sd_backend"] == "onnx" and status["dtype"] == "float32" and status["fast_mode"]


def test_onnx_fp32_matches_torch_with_guidance(tiny_sd, tmp_path, exports, torch_styler, face):
    styler = onnx_styler(tiny_sd, tmp_path, exports["plain"])
    assert not styler.fast_available
    assert diff(restyle(styler, face), restyle(torch_styler, face)).max() <= FP32_MAX
    with pytest.raises(BadInput, match="Fast mode needs an ONNX export with an LCM-LoRA"):
        fast(styler, face)
    with pytest.raises(BadInput, match="has its LoRA fused in"):
        restyle(styler, face, lora="inky")


def test_onnx_int8_runs_within_its_bound(tiny_sd, tmp_path, exports, torch_styler, face):
    styler = onnx_styler(tiny_sd, tmp_path, exports["int8"])
    out = fast(styler, face)
    d = diff(out, fast(torch_styler, face))
    assert d.mean() <= INT8_MEAN and d.max() <= INT8_MAX, (d.mean(), d.max())
    assert styler.status()["dtype"] == "int8"


def test_the_exported_tiny_vae_runs_through_the_pipeline(tiny_sd, tmp_path, exports, astronaut, detector):
    settings = settings_for(tiny_sd, tmp_path, sd_backend="onnx", sd_model=str(exports["int8"]), lora_dir="")
    pipeline = Pipeline(settings, detector=detector)
    sticker = pipeline.run(StickerRequest(image=astronaut, text="开心大笑", style="cartoon", seed=3, fast=True,
                                          caption=""))
    assert sticker.backend == "diffusion" and sticker.image.shape == (128, 128, 4)
    assert type(pipeline.diffusion.load().pipe.vae.decoder).__name__ == "_Graph"
    assert pipeline.diffusion.load().pipe.vae.tiny
    record = json.loads((sticker.png_path.parent / "result.json").read_text(encoding="utf-8"))
    assert record["diffusion"]["sd_backend"] == "onnx" and record["diffusion"]["fast"] is True


def test_a_folder_that_is_not_an_export_is_a_clear_error(tiny_sd, tmp_path, astronaut, detector, face):
    settings = settings_for(tiny_sd, tmp_path, sd_backend="onnx")  # a diffusers folder, not an export
    pipeline = Pipeline(settings, detector=detector)
    pipeline.warm_up()
    status = pipeline.backend_status()
    assert status["backend"] == "diffusion-error"
    assert "is not a folder written by emojigen export-onnx" in status["en"] and str(tiny_sd.folder) in status["en"]
    with pytest.raises(ModelUnavailable, match="not a folder written by emojigen export-onnx"):
        pipeline.run(StickerRequest(image=astronaut, text="开心"))
    with pytest.raises(ModelUnavailable, match="Unknown EMOJIGEN_SD_BACKEND 'tensorrt'"):
        restyle(DiffusionStyler(replace(settings, sd_backend="tensorrt")), face)
    with pytest.raises(ModelUnavailable, match="it is not a folder"):
        restyle(DiffusionStyler(replace(settings, sd_model=str(tmp_path / "nope"))), face)


def test_a_model_that_cannot_be_exported_is_a_clear_error(tiny_sd, tmp_path, monkeypatch):
    import torch

    from emojigen.diffusion.onnx_export import export_onnx

    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="has no model_index.json"):
        export_onnx(str(tmp_path / "empty"), tmp_path / "out")
    sdxl = tmp_path / "sdxl"
    sdxl.mkdir()
    (sdxl / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionXLPipeline"}))
    with pytest.raises(ModelUnavailable, match="emojigen needs Stable Diffusion 1.x/2.x"):
        export_onnx(str(sdxl), tmp_path / "out")

    def refuse(*args, **kwargs):
        raise RuntimeError("Unsupported: ONNX export of operator foo")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    with pytest.raises(ModelUnavailable, match=r"The text_encoder of the model .* cannot be exported to ONNX "
                                               r"\(Unsupported: ONNX export of operator foo\)"):
        export_onnx(str(tiny_sd.folder), tmp_path / "out")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".export-*"))  # nothing half-written
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(BadInput, match="exists and is not an ONNX export folder"):
        export_onnx(str(tiny_sd.folder), tmp_path / "mine")


# -- the tiny VAE (torch) -------------------------------------------------------------------------------------


def test_the_tiny_vae_runs_through_the_pipeline(tiny_sd, tmp_path, tiny_vae, astronaut, detector):
    pipeline = Pipeline(settings_for(tiny_sd, tmp_path, sd_tiny_vae=str(tiny_vae)), detector=detector)
    sticker = pipeline.run(StickerRequest(image=astronaut, text="开心大笑", style="cartoon", seed=3, fast=True,
                                          caption=""))
    assert sticker.backend == "diffusion" and sticker.image.shape == (128, 128, 4)
    assert type(pipeline.diffusion.load().pipe.vae).__name__ == "AutoencoderTiny"
    assert pipeline.backend_status()["tiny_vae"] == str(tiny_vae)
    plain = Pipeline(settings_for(tiny_sd, tmp_path), detector=detector)
    other = plain.run(StickerRequest(image=astronaut, text="开心大笑", style="cartoon", seed=3, fast=True, caption=""))
    assert not np.array_equal(other.image, sticker.image)


def test_a_tiny_vae_that_does_not_fit_is_a_clear_error(tiny_sd, tmp_path, face):
    from emojigen.devtools.random_weights import build_random_tiny_vae

    build_random_tiny_vae("sd15").save_pretrained(tmp_path / "taesd")  # 8x: the tiny model's VAE is 2x
    styler = DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_tiny_vae=str(tmp_path / "taesd")))
    with pytest.raises(ModelUnavailable, match="does not fit the model"):
        restyle(styler, face)
    styler = DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_tiny_vae=str(tmp_path / "none")))
    with pytest.raises(ModelUnavailable, match="Tiny VAE .* the path does not exist"):
        restyle(styler, face)


# -- fused adapters ---------------------------------------------------------------------------------------------


def test_fused_adapters_match_unfused_and_switching_is_exact(tiny_sd, tmp_path, torch_styler, face):
    fusing = DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_fuse_lora=1))
    switch = fusing.load().adapters
    unet = fusing.load().pipe.unet
    original = _base_weights(unet, clone=True)
    pairs = [("inky", {}), ("glow", {}), ("inky:0.5, glow:0.5", {}), (None, {"fast": True, "steps": None,
                                                                             "guidance": None})]
    for lora, extra in pairs:
        fused = restyle(fusing, face, lora=lora, **extra)
        assert switch.fused
        assert diff(fused, restyle(torch_styler, face, lora=lora, **extra)).max() <= FUSED_MAX, lora
    # Back to the plain model after fuse -> unfuse cycles: the very same weights and picture.
    assert np.array_equal(restyle(fusing, face), restyle(torch_styler, face))
    assert not switch.fused
    after = _base_weights(unet)
    assert after.keys() == original.keys() and all(_equal(after[k], original[k]) for k in original)
    # ...and the next adapters run on those weights: unfused, as an unfused pipeline's.
    switch.fuse_after = 0
    assert np.array_equal(restyle(fusing, face, lora="glow"), restyle(torch_styler, face, lora="glow"))


def _base_weights(model, clone: bool = False) -> dict:
    """The model's own weights by their plain names (peft puts a LoRA'd layer's under .base_layer)."""
    return {k.replace(".base_layer", ""): v.clone() if clone else v for k, v in model.state_dict().items()
            if "lora_" not in k}


def _equal(a, b) -> bool:
    import torch

    return torch.equal(a, b)


def test_adapters_fuse_once_asked_twice_in_a_row(tiny_sd, tmp_path, face):
    styler = DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_fuse_lora=2))
    switch = styler.load().adapters
    restyle(styler, face, lora="inky")
    assert not switch.fused
    restyle(styler, face, lora="inky")
    assert switch.fused
    restyle(styler, face, lora="glow")
    assert not switch.fused and switch.active == (("glow", 1.0),)
