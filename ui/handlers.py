"""Calling the library from Gradio: user errors become gr.Error (both languages), anything else is
logged and shown as a short generic error, so the server keeps serving."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import gradio as gr

from emojigen import BadInput, EmojigenError, StickerRequest
from emojigen.pack import PackRequest

log = logging.getLogger(__name__)

T = TypeVar("T")


def guarded(work: Callable[[], T], title: str = "无法生成 / Cannot make this sticker") -> T:
    try:
        return work()
    except EmojigenError as exc:
        raise gr.Error(exc.message(), title=title) from exc
    except Exception as exc:  # noqa: BLE001 - the server must keep serving; the log has the traceback
        log.exception("request failed")
        raise gr.Error("出错了，请换一张照片再试。 / Something went wrong; please try another photo.") from exc


def progress_callback(progress: gr.Progress) -> Callable[[str, float], None]:
    return lambda stage, fraction: progress(fraction, desc=stage)


def optional_int(value) -> int | None:
    """"" and None mean: not given. Text that is no whole number is the user's to fix."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if number != number or number != int(number):
        raise BadInput(f"“{value}”不是整数。", f"{value!r} is not a whole number.")
    return int(number)


def log_text(summary: dict) -> str:
    """The processing log panel: each stage and its time, then any warnings."""
    lines = [f"{stage:<7} {ms:8.1f} ms" for stage, ms in summary["timings_ms"].items()]
    lines.append(f"{'total':<7} {sum(summary['timings_ms'].values()):8.1f} ms")
    return "\n".join(lines + [f"! {w}" for w in summary["warnings"]])


def optional_float(value) -> float | None:
    return None if value is None or value == "" else float(value)


def diffusion_fields(lora=None, lora_scale=None, strength=None, steps=None, guidance=None, fast=False,
                     diffusion=True) -> dict:
    """The diffusion settings shared by sticker and pack requests ("" and None mean: the default)."""
    return {"lora": lora or None, "lora_scale": optional_float(lora_scale), "strength": optional_float(strength),
            "steps": optional_int(steps), "guidance": optional_float(guidance), "fast": bool(fast),
            "diffusion": True if diffusion is None else bool(diffusion)}


def sticker_request(image, text, style, caption, seed, intensity, template, platform, caption_position="bottom",
                    outline_width=None, outline_color="#ffffff", shadow=False, session="",
                    **diffusion) -> StickerRequest:
    """One place that turns Gradio values (None, "", floats for ints) into a request, for the page and the API."""
    return StickerRequest(image=image or None, text=text or "", style=style or "photo", caption=caption,
                          seed=optional_int(seed), intensity=1.0 if intensity is None else float(intensity),
                          template=template or None, platform=platform or None,
                          caption_position=caption_position or "bottom", outline_width=optional_int(outline_width),
                          outline_color=outline_color or "#ffffff", shadow=bool(shadow), session=session or "",
                          **diffusion_fields(**diffusion))


def pack_request(image, platform, count, expressions, style, template, lang, animated, seed, session="",
                 **diffusion) -> PackRequest:
    return PackRequest(image=image or None, platform=platform or "wechat", count=optional_int(count),
                       expressions=expressions or None, style=style or "photo", template=template or None,
                       lang=lang or "zh", animated=bool(animated), seed=optional_int(seed), session=session or "",
                       **diffusion_fields(**diffusion))
