"""What one request asks of the diffusion stage, checked before any model is touched."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from emojigen.errors import BadInput
from emojigen.spec import Param, coerce, params

# The defaults are declared with the request fields: 0.45 is enough to restyle, little enough that the
# person stays recognisable.
DEFAULT_STRENGTH = params()["strength"].auto
DEFAULT_STEPS = params()["steps"].auto
DEFAULT_GUIDANCE = params()["guidance"].auto
FAST_STEPS = 4  # LCM-LoRA: 4 denoising steps at low guidance
FAST_GUIDANCE = 1.0  # 1.0 turns classifier-free guidance off: one UNet pass per step instead of two
MAX_STEPS = 100  # the scheduler's own limit when fast mode stretches the schedule
MAX_ADAPTERS = 5

_ADAPTER = re.compile(r"^(?P<name>[^:]+?)\s*(?::\s*(?P<weight>-?[0-9.]+))?$")


@dataclass(frozen=True)
class DiffusionOptions:
    adapters: tuple[tuple[str, float], ...] = ()  # (LoRA name, weight), in the order asked
    strength: float = DEFAULT_STRENGTH
    steps: int = DEFAULT_STEPS  # scheduler steps for the whole schedule; img2img runs strength * steps of them
    guidance: float = DEFAULT_GUIDANCE
    fast: bool = False  # LCM-LoRA + LCMScheduler
    seed: int = 0

    @property
    def denoising_steps(self) -> int:
        """The steps img2img actually runs (diffusers skips the first 1 - strength of the schedule)."""
        return max(1, min(self.steps, int(self.steps * self.strength)))

    def summary(self) -> dict:
        return {"lora": {name: weight for name, weight in self.adapters}, "strength": self.strength,
                "steps": self.steps, "guidance": self.guidance, "fast": self.fast, "seed": self.seed}


def make_options(lora: str | list[str] | None, lora_scale: float | None, strength: float | None, steps: int | None,
                 guidance: float | None, fast: bool, seed: int) -> DiffusionOptions:
    """Options from request values, with the defaults for what was left out. Ranges and messages are the
    request spec's (emojigen/spec.py), so every client sees the same limits."""
    declared = params()
    strength = _checked(declared["strength"], strength, DEFAULT_STRENGTH)
    guidance = _checked(declared["guidance"], guidance, FAST_GUIDANCE if fast else DEFAULT_GUIDANCE)
    # In fast mode `steps` means the denoising steps: stretch the schedule so strength * steps == 4.
    steps = _checked(declared["steps"], steps, math.ceil(FAST_STEPS / strength) if fast else DEFAULT_STEPS)
    scale = _checked(declared["lora_scale"], lora_scale, declared["lora_scale"].auto)
    return DiffusionOptions(parse_adapters(lora, scale), strength, min(int(steps), MAX_STEPS), guidance, bool(fast),
                            int(seed))


def _checked(param: Param, value: Any, default: Any) -> Any:
    value, _ = coerce(param, value)
    return default if value is None else value


def parse_adapters(spec: str | list[str] | None, scale: float = 1.0) -> tuple[tuple[str, float], ...]:
    """"inky" or "inky:0.8, glow:0.4" (or a list of such) -> (("inky", 0.8 * scale), ...)."""
    if not spec:
        return ()
    parts = spec if isinstance(spec, list) else re.split(r"[,，;；]", spec)
    adapters: dict[str, float] = {}
    for part in (p.strip() for p in parts):
        if not part:
            continue
        match = _ADAPTER.match(part)
        try:
            weight = float(match["weight"]) if match and match["weight"] else 1.0
        except ValueError:
            match = None
        if match is None or not -2.0 <= weight <= 2.0:
            raise BadInput(f"看不懂 LoRA 设置“{part}”（写法：名称 或 名称:权重，权重在 -2 到 2 之间）。",
                           f"Cannot read the LoRA setting {part!r} (write name or name:weight, weight -2 to 2).")
        adapters[match["name"].strip()] = round(weight * scale, 4)
    if len(adapters) > MAX_ADAPTERS:
        raise BadInput(f"最多同时使用 {MAX_ADAPTERS} 个 LoRA。", f"At most {MAX_ADAPTERS} LoRA adapters at once.")
    return tuple(adapters.items())
