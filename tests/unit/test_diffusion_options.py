"""Pure parts of the diffusion stage: prompts, request options and the LoRA folder (no torch)."""

import pytest

from emojigen import BadInput
from emojigen.diffusion import build_prompt, parse_adapters
from emojigen.diffusion.lora import scan_loras
from emojigen.diffusion.options import DEFAULT_STEPS, make_options
from emojigen.expression.lexicon import EXPRESSIONS


def test_every_expression_and_style_has_english_words():
    for name in EXPRESSIONS:
        prompt = build_prompt(name, 1.0, "cartoon")
        assert prompt.positive.isascii() and "cartoon" in prompt.positive and "blurry" in prompt.negative
    assert "exaggerated" in build_prompt("cry", 1.4, "photo").positive
    assert "slightly" in build_prompt("cry", 0.3, "photo").positive
    assert build_prompt("laugh", 1.0, "photo") != build_prompt("cry", 1.0, "photo")


def test_adapter_lists_are_parsed_with_weights_and_scale():
    assert parse_adapters("inky") == (("inky", 1.0),)
    assert parse_adapters("inky:0.8， glow : 0.4", scale=0.5) == (("inky", 0.4), ("glow", 0.2))
    assert parse_adapters(["inky", "glow:1.5"]) == (("inky", 1.0), ("glow", 1.5))
    assert parse_adapters("") == () and parse_adapters(None) == ()
    for bad in ("inky:x", "inky:3", ":0.5", "a,b,c,d,e,f"):
        with pytest.raises(BadInput):
            parse_adapters(bad)


def test_options_defaults_and_fast_mode():
    plain = make_options(None, None, None, None, None, False, 7)
    assert (plain.strength, plain.steps, plain.guidance, plain.seed) == (0.45, DEFAULT_STEPS, 7.0, 7)
    assert plain.denoising_steps == 9
    fast = make_options(None, None, 0.45, None, None, True, 7)
    assert fast.denoising_steps == 4 and fast.guidance == 1.0
    for kwargs in ({"strength": 1.5}, {"steps": 0}, {"guidance": 50}, {"lora_scale": 3}):
        values = {"lora": None, "lora_scale": None, "strength": None, "steps": None, "guidance": None,
                  "fast": False, "seed": 0, **kwargs}
        with pytest.raises(BadInput):
            make_options(**values)


def test_lora_folder_finds_files_and_diffusers_folders(tmp_path):
    (tmp_path / "inky.safetensors").write_bytes(b"")
    (tmp_path / "glow").mkdir()
    (tmp_path / "glow" / "pytorch_lora_weights.safetensors").write_bytes(b"")
    (tmp_path / "lcm-lora-sdv1-5.safetensors").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an adapter")
    found = scan_loras(tmp_path)
    assert sorted(found) == ["glow", "inky", "lcm-lora-sdv1-5"]
    assert found["lcm-lora-sdv1-5"].is_lcm and not found["inky"].is_lcm
    assert scan_loras(tmp_path / "missing") == {} and scan_loras("") == {}
