"""What one request asks of the diffusion stage, checked before any model is touched."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from emojigen.errors import BadInput

DEFAULT_STRENGTH = 0.45  # enough to restyle, little enough that the person stays recognisable
DEFAULT_STEPS = 20
DEFAULT_GUIDANCE = 7.0
FAST_STEPS = 4  # LCM-LoRA: 4 denoising steps at low guidance
FAST_GUIDANCE = 1.0  # 1.0 turns classifier-free guidance off: one UNet pass per step instead of two
MAX_STEPS = 100
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
    """Options from request values, with the defaults for what was left out and a clear error for the rest."""
    strength = DEFAULT_STRENGTH if strength is None else float(strength)
    if not 0.05 <= strength <= 1.0:
        raise BadInput("重绘强度应在 0.05 到 1 之间。", "Strength must be between 0.05 and 1.")
    guidance = (FAST_GUIDANCE if fast else DEFAULT_GUIDANCE) if guidance is None else float(guidance)
    if not 0.0 <= guidance <= 20.0:
        raise BadInput("引导系数应在 0 到 20 之间。", "Guidance must be between 0 and 20.")
    if steps is None:
        # In fast mode `steps` means the denoising steps: stretch the schedule so strength * steps == 4.
        steps = math.ceil(FAST_STEPS / strength) if fast else DEFAULT_STEPS
    steps = int(steps)
    if not 1 <= steps <= MAX_STEPS:
        raise BadInput(f"步数应在 1 到 {MAX_STEPS} 之间。", f"Steps must be between 1 and {MAX_STEPS}.")
    scale = 1.0 if lora_scale is None else float(lora_scale)
    if not 0.0 <= scale <= 2.0:
        raise BadInput("LoRA 权重应在 0 到 2 之间。", "LoRA scale must be between 0 and 2.")
    return DiffusionOptions(parse_adapters(lora, scale), strength, steps, guidance, bool(fast), int(seed))


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
