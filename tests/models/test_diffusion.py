"""The diffusion stage with a tiny random-weight model: real loading, CLIP encoding, img2img, LoRA."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from emojigen import BadInput, Blocked, ModelUnavailable, Pipeline, Settings, StickerRequest
from emojigen.diffusion import build_prompt
from emojigen.diffusion.options import make_options
from emojigen.diffusion.styler import DiffusionStyler

SIZE = 128  # sticker side
WORK = 64  # img2img long side


def settings_for(tiny_sd, tmp_path, **overrides) -> Settings:
    values = {"sd_model": str(tiny_sd.folder), "lora_dir": str(tiny_sd.lora_dir), "sd_resolution": WORK,
              "sticker_size": SIZE, "outputs_dir": tmp_path / "outputs"}
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def styler(tiny_sd, tmp_path_factory):
    return DiffusionStyler(settings_for(tiny_sd, tmp_path_factory.mktemp("styler")))


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    rng = np.random.default_rng(7)
    return (rng.random((80, 60, 3)) * 255).astype(np.uint8)


def restyle(styler, face, seed=1, **options) -> np.ndarray:
    values = {"lora": None, "lora_scale": None, "strength": 0.6, "steps": 4, "guidance": 5.0, "fast": False,
              "seed": seed}
    return styler.restyle(face, build_prompt("laugh", 1.0, "cartoon"), make_options(**{**values, **options}))


def test_loads_through_the_real_path_and_keeps_the_crop_size(styler, face):
    out = restyle(styler, face)
    assert out.shape == face.shape and out.dtype == np.uint8
    status = styler.status()
    assert status["loaded"] and status["device"] == "cpu" and status["dtype"] == "float32"
    assert status["lora"] == ["glow", "inky"] and status["fast_mode"]
    assert not np.array_equal(out, face)


def test_the_seed_makes_it_reproducible(styler, face):
    assert np.array_equal(restyle(styler, face, seed=5), restyle(styler, face, seed=5))
    assert not np.array_equal(restyle(styler, face, seed=5), restyle(styler, face, seed=6))


def test_lora_adapters_switch_weight_and_disable_exactly(styler, face, monkeypatch):
    plain = restyle(styler, face)
    inky = restyle(styler, face, lora="inky")
    glow = restyle(styler, face, lora="glow")
    mixed = restyle(styler, face, lora="inky:0.5, glow:0.5")
    half = restyle(styler, face, lora="inky", lora_scale=0.5)
    for a, b in [(plain, inky), (plain, glow), (inky, glow), (mixed, inky), (mixed, glow), (half, inky)]:
        assert np.abs(a.astype(int) - b).mean() > 0.5
    # Switching back never reloads from disk, and the same adapters give the same picture again.
    loads = []
    monkeypatch.setattr(styler.load().pipe, "load_lora_weights", lambda *a, **k: loads.append(a))
    assert np.array_equal(restyle(styler, face, lora="inky"), inky)
    assert np.array_equal(restyle(styler, face), plain)  # disabled: the plain model, exactly
    assert loads == []


def test_prompt_embeddings_are_encoded_once_per_prompt(styler, face):
    cache = styler.cache
    cache.clear()
    hits, misses = cache.hits, cache.misses
    restyle(styler, face)
    restyle(styler, face, seed=9)
    restyle(styler, face, lora="glow")  # UNet-only adapters do not change the text embeddings
    assert (cache.misses - misses, cache.hits - hits) == (1, 2)
    styler.restyle(face, build_prompt("cry", 1.0, "cartoon"), make_options(None, None, 0.6, 4, 5.0, False, 1))
    assert cache.misses - misses == 2 and len(cache) == 2


def test_fast_mode_runs_four_lcm_steps_with_the_lcm_lora(styler, face):
    steps = []
    options = make_options(None, None, 0.5, None, None, True, 1)
    assert (options.steps, options.guidance, options.denoising_steps) == (8, 1.0, 4)
    out = styler.restyle(face, build_prompt("laugh", 1.0, "photo"), options, lambda i, n: steps.append((i, n)))
    loaded = styler.load()
    assert type(loaded.pipe.scheduler).__name__ == "LCMScheduler"
    assert loaded.adapters.active == (("lcm-lora-tiny", 1.0),)
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert out.shape == face.shape
    restyle(styler, face)
    assert type(loaded.pipe.scheduler).__name__ == "DDIMScheduler" and loaded.adapters.active == ()


def test_unknown_or_badly_written_lora_is_a_clear_error(styler, face):
    with pytest.raises(BadInput, match="There is no LoRA called 'nope'. Available: glow, inky"):
        restyle(styler, face, lora="nope")
    with pytest.raises(BadInput, match="Cannot read the LoRA setting"):
        make_options("inky:lots", None, None, None, None, False, 0)
    with pytest.raises(BadInput, match="strength: expected a number from 0.05 to 1"):
        make_options(None, None, 0.0, None, None, False, 0)


def test_the_whole_pipeline_restyles_and_records_what_it_used(tiny_sd, tmp_path, astronaut, detector):
    pipeline = Pipeline(settings_for(tiny_sd, tmp_path), detector=detector)
    progress = []
    request = StickerRequest(image=astronaut, text="开心大笑", style="cartoon", seed=3, lora="inky:0.8",
                             strength=0.5, steps=6, caption="")
    sticker = pipeline.run(request, lambda stage, fraction: progress.append((stage, fraction)))
    assert sticker.backend == "diffusion" and sticker.image.shape == (SIZE, SIZE, 4)
    steps = [label for label, _ in progress if label.startswith("style ")]
    assert steps == ["style 1/3", "style 2/3", "style 3/3"]  # inside the style stage, in order
    fractions = [fraction for _, fraction in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    record = json.loads((sticker.png_path.parent / "result.json").read_text(encoding="utf-8"))
    used = record["diffusion"]
    assert used["lora"] == {"inky": 0.8} and used["strength"] == 0.5 and used["steps"] == 6 and used["seed"] == 3
    assert used["model"] == str(tiny_sd.folder) and used["device"] == "cpu"
    assert "laughing" in used["prompt"] and "cartoon" in used["prompt"]
    again = pipeline.run(request)
    assert np.array_equal(again.image, sticker.image)
    classic = pipeline.run(StickerRequest(image=astronaut, text="开心大笑", style="cartoon", seed=3, caption="",
                                          diffusion=False))
    assert classic.backend == "classic" and not np.array_equal(classic.image, sticker.image)
    assert pipeline.backend_status()["backend"] == "diffusion"


def test_a_pack_restyles_every_member(tiny_sd, tmp_path, astronaut, detector):
    from emojigen.pack import PackRequest, make_pack

    pipeline = Pipeline(settings_for(tiny_sd, tmp_path), detector=detector)
    pack = make_pack(pipeline, PackRequest(image=astronaut, platform="telegram", expressions="开心,哭", seed=1,
                                           fast=True))
    record = json.loads((pack.zip_path.parent / "result.json").read_text(encoding="utf-8"))
    assert record["backend"] == "diffusion" and record["diffusion"]["fast"] is True
    assert len(pack.previews) == 2


def test_safety_checker_withholds_a_flagged_picture(tiny_sd, tmp_path, face):
    flagging = DiffusionStyler(settings_for(tiny_sd, tmp_path, sd_model=str(tiny_sd.flagging_folder)))
    with pytest.raises(Blocked, match="safety checker"):
        restyle(flagging, face)


def test_out_of_memory_is_a_clear_error_and_the_next_request_works(tiny_sd, tmp_path, face):
    import torch

    styler = DiffusionStyler(settings_for(tiny_sd, tmp_path))
    unet = styler.load().pipe.unet
    original = unet.forward

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    unet.forward = out_of_memory
    with pytest.raises(ModelUnavailable, match="Out of GPU memory"):
        restyle(styler, face)
    unet.forward = original
    assert restyle(styler, face).shape == face.shape


@pytest.mark.parametrize("problem", ["missing", "no_index", "sdxl", "broken_file", "not_a_checkpoint"])
def test_a_wrong_model_path_names_the_path_and_the_problem(tiny_sd, tmp_path, astronaut, problem, detector):
    if problem == "missing":
        source, expected = tmp_path / "no-such-model", "the path does not exist"
    elif problem == "no_index":
        (tmp_path / "empty").mkdir()
        source, expected = tmp_path / "empty", "has no model_index.json"
    elif problem == "sdxl":
        source = tmp_path / "sdxl"
        shutil.copytree(tiny_sd.folder, source)
        index = json.loads((source / "model_index.json").read_text())
        (source / "model_index.json").write_text(json.dumps({**index, "_class_name": "StableDiffusionXLPipeline"}))
        expected = "it is a StableDiffusionXLPipeline model; emojigen needs Stable Diffusion 1.x/2.x"
    elif problem == "broken_file":
        source = tmp_path / "model.safetensors"
        source.write_bytes(b"\x00" * 64)
        expected = "it cannot be loaded"
    else:
        source = tmp_path / "model.bin"
        source.write_bytes(b"\x00" * 64)
        expected = "not a .safetensors or .ckpt checkpoint"
    pipeline = Pipeline(settings_for(tiny_sd, tmp_path, sd_model=str(source)), detector=detector)
    pipeline.warm_up()  # a bad model does not stop the app from starting
    status = pipeline.backend_status()
    assert status["backend"] == "diffusion-error" and str(source) in status["en"] and expected in status["en"]
    with pytest.raises(ModelUnavailable) as info:
        pipeline.run(StickerRequest(image=astronaut, text="开心"))
    assert str(source) in str(info.value) and expected in str(info.value)
    # The classic looks still serve when asked for.
    assert pipeline.run(StickerRequest(image=astronaut, text="开心", diffusion=False)).backend == "classic"


def test_lora_without_a_model_is_a_clear_error(tmp_path, astronaut, detector):
    pipeline = Pipeline(Settings(outputs_dir=tmp_path), detector=detector)
    with pytest.raises(BadInput, match="need a Stable Diffusion model"):
        pipeline.run(StickerRequest(image=astronaut, text="开心", lora="inky"))


def test_torch_is_imported_only_when_a_model_is_configured(tiny_sd):
    code = ("import sys; from emojigen import Pipeline, Settings; "
            "p = Pipeline(Settings(sd_model=sys.argv[1])) if sys.argv[1] else Pipeline(Settings()); "
            "print('torch' in sys.modules, 'diffusers' in sys.modules)")
    for model in ("", str(tiny_sd.folder)):
        out = subprocess.run([sys.executable, "-c", code, model], capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["False", "False"]  # even configured, torch waits for the first load


def test_the_bench_command_runs(tmp_path):
    """Not a timing test: the command a user runs to measure this machine must work end to end."""
    out = subprocess.run([sys.executable, "-m", "ui.cli", "bench", "--model", "tiny", "--size", "64",
                          "--repeats", "1"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "classic pipeline" in out.stdout and "ratio plain / fast" in out.stdout
    assert "whole pipeline with fast diffusion styling" in out.stdout


def test_an_animation_restyles_every_frame_with_one_prompt(tiny_sd, tmp_path, detector):
    pipeline = Pipeline(settings_for(tiny_sd, tmp_path), detector=detector)
    sticker = pipeline.animate(StickerRequest(template="mochi", text="大笑", seed=1, strength=0.5, steps=2), frames=4)
    assert sticker.backend == "diffusion" and "animation.webp" in sticker.files
    cache = pipeline.diffusion.cache
    assert (cache.misses, cache.hits) == (1, 3)  # neutral to full: one prompt, so no jumps between frames
