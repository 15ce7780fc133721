"""Fast mode (LCM) when a request leaves it out: the server's choice (EMOJIGEN_SD_FAST). auto: on where
the model runs on a GPU with an LCM-LoRA; on: wherever there is an LCM-LoRA; off: only when asked. A
request's own true or false always wins."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from emojigen import Pipeline, Request, Settings
from emojigen.diffusion.options import DEFAULT_STEPS, FAST_STEPS


@pytest.mark.parametrize(("mode", "lcm", "asked", "fast"), [
    ("auto", True, None, False),  # this machine has no GPU: auto means off
    ("on", True, None, True),
    ("on", False, None, False),  # no LCM-LoRA: fast mode cannot run
    ("off", True, None, False),
    ("on", True, False, False),  # the request's own choice wins
    ("off", True, True, True),
])
def test_fast_mode_left_out_is_the_servers_choice(tmp_path, mode, lcm, asked, fast):
    styler = SimpleNamespace(fast_available=lcm, lora_names=[])
    pipeline = Pipeline(Settings(outputs_dir=tmp_path, sd_fast=mode), diffusion=styler)
    options = pipeline.plan(Request(template="cat", text="开心", fast=asked), "sticker").look.diffusion
    assert options.fast is fast
    assert options.steps == (math.ceil(FAST_STEPS / options.strength) if fast else DEFAULT_STEPS)


def test_an_unknown_fast_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match="EMOJIGEN_SD_FAST"):
        Pipeline(Settings(outputs_dir=tmp_path, sd_fast="sometimes"))
