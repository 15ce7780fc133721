"""Validate, then run: a request becomes an immutable Plan before any photo is read or model is run.

Everything a client can get wrong is found here (types, ranges, unknown names, options that need a model
the server does not have), so a bad request costs nothing and a good one cannot fail halfway on a typo.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from emojigen.diffusion.options import DiffusionOptions, make_options
from emojigen.errors import BadInput, BadParameter
from emojigen.export.platforms import PLATFORMS, Platform
from emojigen.expression.actions import Tweaks
from emojigen.notices import Notice
from emojigen.spec import Request, validate
from emojigen.sticker.emoji import find_emoji_font
from emojigen.sticker.finish import FinishOptions, parse_colour
from emojigen.sticker.fonts import FontFile, caption_fonts, find_cjk_font
from emojigen.sticker.framing import Framing, framing_for
from emojigen.sticker.templates import Template

KINDS = ("sticker", "animation", "pack")
ANIMATION_FRAMES = 16
ANIMATION_FRAME_MS = 80
DEFAULT_PACK_PLATFORM = "wechat"


@dataclass(frozen=True)
class Look:
    """How every sticker of one request is drawn."""
    style: str
    finish: FinishOptions
    font: tuple[str, int] | None  # a CJK-capable font file and face index; None: none on this machine
    emoji_font: str | None
    diffusion: DiffusionOptions | None = None  # None: the classic looks


@dataclass(frozen=True)
class Plan:
    kind: str  # sticker, animation or pack
    request: Request  # every field checked, defaults filled in
    seed: int
    look: Look
    framing: Framing
    platform: Platform | None  # a pack always has one
    work_side: int  # pixels the face is drawn at
    notices: tuple[Notice, ...]  # what validation adjusted (text cut ...)
    frames: int = ANIMATION_FRAMES
    tweaks: Tweaks = Tweaks()  # the fine-tune sliders

    @property
    def animated(self) -> bool:
        return self.kind == "animation" or (self.kind == "pack" and self.request.animated)


def make_plan(request: Request, kind: str, *, sticker_size: int, font_path: str, templates: dict[str, Template],
              diffusion_ready: bool, frames: int = ANIMATION_FRAMES, fast_default: bool = False) -> Plan:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of result: {kind}")
    request, notices = validate(request)
    seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
    platform_name = request.platform or (DEFAULT_PACK_PLATFORM if kind == "pack" else None)
    platform = PLATFORMS[platform_name] if platform_name else None
    if kind == "pack":
        assert platform is not None
        size = max(platform.limits(request.animated).size)  # a pack works at the platform's own size
        if request.reference is not None:
            notices.append(Notice("reference_not_for_packs", "参考照片只用于单张贴纸和动图；整套表情包按各自的表情做。",
                                  "A reference photo is used for single and animated stickers; a pack's stickers "
                                  "each show their own expression."))
    else:
        size = sticker_size
    template = None
    if request.template:
        if request.template not in templates:
            raise BadParameter("template", f"没有这个模板：{request.template}（可选：{', '.join(templates)}）",
                               f"no such template: {request.template!r} (choose from {', '.join(templates)})")
        template = templates[request.template]
    framing = framing_for(template)
    if framing.needs_photo and request.image is None:
        if template is not None:
            raise BadInput(f"模板“{template.title['zh']}”需要一张照片。",
                           f"The {template.title['en']} template needs a photo.")
        raise BadInput("请先上传一张照片（或选一个角色模板）。",
                       "Please upload a photo first (or pick a character template).")
    finish = FinishOptions(size=size, outline_width=request.outline_width,
                           outline_color=parse_colour(request.outline_color), shadow=request.shadow,
                           caption_position=request.caption_position)
    look = Look(request.style, finish, caption_font(request.caption_font, font_path, notices), find_emoji_font(),
                _diffusion_options(request, seed, diffusion_ready, fast_default))
    tweaks = Tweaks(brows=request.brows, eyes=request.eyes, mouth=request.mouth_open, smile=request.smile,
                    wink=request.wink, wide=request.mouth_wide, rounded=request.mouth_round,
                    gaze_x=request.gaze_x, gaze_y=request.gaze_y)
    return Plan(kind, request, seed, look, framing, platform, size, tuple(notices), frames, tweaks)


def caption_font(choice: str, font_path: str, notices: list[Notice]) -> FontFile | None:
    """The font the request chose. "heavy" (the default) is the operator's configured font when there is
    one; a choice this machine lacks (no system CJK font) falls back to the default, with a notice."""
    if choice == "heavy" and font_path:
        return find_cjk_font(font_path)
    chosen = caption_fonts().get(choice)
    if chosen is None:
        notices.append(Notice("caption_font_missing", f"这台机器没有“{choice}”字体，用了默认字体。",
                              f"This machine has no {choice!r} caption font; the default one was used."))
        return find_cjk_font(font_path)
    return chosen


def _diffusion_options(request: Request, seed: int, ready: bool, fast_default: bool) -> DiffusionOptions | None:
    if not ready:
        if request.lora or request.fast:
            raise BadInput("LoRA 和快速模式需要 Stable Diffusion 模型，但没有配置（EMOJIGEN_SD_MODEL）。",
                           "LoRA and fast mode need a Stable Diffusion model, and none is configured "
                           "(EMOJIGEN_SD_MODEL).")
        return None
    if not request.diffusion:
        return None
    fast = request.fast if request.fast is not None else fast_default
    return make_options(request.lora, request.lora_scale, request.strength, request.steps, request.guidance,
                        fast, seed)
