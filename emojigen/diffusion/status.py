"""Which styling backend serves requests, said plainly in both languages (a configured but unusable
model is shown with its error, never hidden behind the classic looks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# While the styler is being prepared (a first start downloading its model, emojigen/diffusion/download.py)
# the classic looks serve, and this says how far the preparation is, in place of the classic looks' line.
_preparing: Callable[[], dict[str, Any]] | None = None


def show_preparation(describe: Callable[[], dict[str, Any]] | None) -> None:
    """What the status line shows while there is no styler yet (None: the classic looks' line again)."""
    global _preparing
    _preparing = describe


def describe_backend(styler: Any | None) -> dict[str, Any]:
    if styler is None and _preparing is not None:
        return _preparing()
    if styler is None:
        return {"backend": "classic",
                "zh": "风格：经典滤镜（未配置 Stable Diffusion 模型，可设置 EMOJIGEN_SD_MODEL）",
                "en": "Styling: classic looks (no Stable Diffusion model configured; set EMOJIGEN_SD_MODEL)"}
    info = styler.status()
    model = info["model"]
    if "error" in info:
        return {"backend": "diffusion-error", **info,
                "zh": f"风格：Stable Diffusion 模型 {model} 无法使用：{styler.error.zh} "
                      "可在高级选项里关闭扩散，用经典滤镜。",
                "en": f"Styling: the Stable Diffusion model {model} cannot be used: {styler.error.en} "
                      "Turn diffusion off under Advanced to use the classic looks."}
    lora_zh = "、".join(info["lora"]) or "无"
    lora_en = ", ".join(info["lora"]) or "none"
    fast_zh = "；可用快速模式（LCM）" if info["fast_mode"] else ""
    fast_en = "; fast mode (LCM) available" if info["fast_mode"] else ""
    where = f"{info['device']} {info['dtype']}" if info["loaded"] else ""
    return {"backend": "diffusion", **info,
            "zh": f"风格：Stable Diffusion 图生图（{model}{'，' + where if where else '，首次使用时加载'}）；"
                  f"LoRA：{lora_zh}{fast_zh}",
            "en": f"Styling: Stable Diffusion img2img ({model}{', ' + where if where else ', loads on first use'}); "
                  f"LoRA: {lora_en}{fast_en}"}
