"""Diffusion styling: CLIP text encoding + Stable Diffusion img2img + LoRA adapters (diffusers/peft).

Only the pure parts are imported here. torch and diffusers are imported by `styler` and `loading`,
which the pipeline imports only when a model is configured, so `import emojigen` stays light.
"""

from emojigen.diffusion.options import DiffusionOptions, parse_adapters
from emojigen.diffusion.prompts import Prompt, build_prompt

__all__ = ["DiffusionOptions", "Prompt", "build_prompt", "parse_adapters"]
