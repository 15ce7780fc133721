"""Sticker packs: one photo becomes a set of expressions, zipped in the layout each chat app wants.

The photo is loaded, its face found and cut out once (Pipeline.prepare); every member only draws its
expression, style and caption on that shared subject, at the platform's own size.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emojigen.errors import BadInput
from emojigen.export import export_animated, export_static, get_platform
from emojigen.export.fit import EXTENSIONS
from emojigen.export.formats import encode_jpeg, encode_png
from emojigen.export.platforms import Extra, Limits, Platform
from emojigen.expression.animate import intensity_curve
from emojigen.expression.lexicon import EXPRESSIONS
from emojigen.image_input import ImageSource
from emojigen.pipeline import ANIMATION_FRAME_MS, ANIMATION_FRAMES, Pipeline, Stages, StickerRequest
from emojigen.records import result_record, source_file
from emojigen.sticker.compose import fit_into

log = logging.getLogger(__name__)

# The order a pack fills in: the feelings people send most first.
PACK_ORDER = ("happy", "laugh", "sad", "cry", "surprised", "angry", "wink", "smug", "eye_roll", "speechless",
              "pout", "scared", "disgusted", "laugh_cry", "sly_grin", "smile", "neutral")
STRONGER_REPEAT = 1.4  # a pack longer than the list repeats it, exaggerated, with other captions
# The emoji each sticker stands for (Telegram and WhatsApp ask for one per sticker).
EMOJI = {"happy": "😊", "laugh": "😆", "smile": "🙂", "sad": "😢", "cry": "😭", "surprised": "😮", "angry": "😠",
         "disgusted": "🤢", "scared": "😨", "neutral": "😐", "wink": "😉", "smug": "😏", "eye_roll": "🙄",
         "pout": "😗", "sly_grin": "😼", "speechless": "😑", "laugh_cry": "😂"}
SEPARATORS = re.compile(r"[,，、;；\n]+")


@dataclass(frozen=True)
class PackRequest:
    image: ImageSource | None = None
    platform: str = "wechat"
    count: int | None = None  # None: as many as the expressions asked for, else the platform's usual size
    expressions: str | list[str] | None = None  # "开心, 哭, 生气" or a list; None: the usual order
    style: str = "photo"
    template: str | None = None
    intensity: float = 1.0
    captions: bool = True
    lang: str = "zh"
    animated: bool = False
    seed: int | None = None
    # Diffusion styling, as in StickerRequest (used when a model is configured).
    diffusion: bool = True
    lora: str | list[str] | None = None
    lora_scale: float | None = None
    strength: float | None = None
    steps: int | None = None
    guidance: float | None = None
    fast: bool = False
    session: str = ""  # who asked, for the history


@dataclass(frozen=True)
class Member:
    expression: str
    intensity: float
    caption: str


@dataclass
class Pack:
    id: str
    zip_path: Path
    platform: str
    members: list[Member]
    timings: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    previews: list[np.ndarray] = field(default_factory=list, repr=False)  # RGBA stickers, in order

    def summary(self) -> dict:
        return {"id": self.id, "platform": self.platform, "count": len(self.members),
                "stickers": [{"expression": m.expression, "intensity": m.intensity, "caption": m.caption}
                             for m in self.members],
                "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()}, "warnings": self.warnings}


def plan_members(pipeline: Pipeline, request: PackRequest, platform: Platform, seed: int) -> list[Member]:
    """Which expressions, how strong, with which captions."""
    asked = request.expressions
    terms = [t.strip() for t in (SEPARATORS.split(asked) if isinstance(asked, str) else asked or []) if t.strip()]
    chosen: list[str] = []
    unknown = []
    for term in terms:
        if term in EXPRESSIONS:
            chosen.append(term)
            continue
        spec = pipeline.lexicon.parse(term)
        (chosen if spec.understood else unknown).append(spec.name if spec.understood else term)
    if unknown:
        raise BadInput(f"看不懂这些表情：{'、'.join(unknown)}",
                       f"Did not recognise these expressions: {', '.join(unknown)}")
    count = request.count or _usual_count(platform, len(chosen))
    if count not in platform.pack_counts:
        allowed = _describe_counts(platform.pack_counts)
        raise BadInput(f"{platform.title} 的表情包数量只能是 {allowed}。",
                       f"A {platform.title} pack must have {allowed} stickers.")
    if len(chosen) > count:
        raise BadInput(f"选了 {len(chosen)} 个表情，但这个表情包只有 {count} 个位置。",
                       f"{len(chosen)} expressions were chosen for a pack of {count}.")
    order = chosen + [e for e in PACK_ORDER if e not in chosen]
    members = []
    for i in range(count):
        name = order[i % len(order)]
        round_ = i // len(order)
        strength = min(1.5, request.intensity * (STRONGER_REPEAT if round_ else 1.0))
        pool = pipeline.lexicon.captions.get(name, {})
        options = pool.get(request.lang) or pool.get("zh") or [""]
        caption = options[(seed + round_) % len(options)] if request.captions else ""
        members.append(Member(name, round(strength, 3), caption))
    return members


def _usual_count(platform: Platform, asked: int) -> int:
    if asked:
        return next((n for n in platform.pack_counts if n >= asked), platform.pack_counts[-1])
    return 16 if 16 in platform.pack_counts else min(platform.pack_counts[-1], 16)


def _describe_counts(counts: tuple[int, ...]) -> str:
    if len(counts) > 5 and counts == tuple(range(counts[0], counts[-1] + 1)):
        return f"{counts[0]}-{counts[-1]}"
    return "/".join(str(n) for n in counts)


def make_pack(pipeline: Pipeline, request: PackRequest, progress=None) -> Pack:
    platform = get_platform(request.platform)
    limits = platform.limits(request.animated)
    size = max(limits.size)
    seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
    stage = Stages(progress)
    base = StickerRequest(image=request.image, style=request.style, template=request.template,
                          intensity=min(1.5, request.intensity), diffusion=request.diffusion, lora=request.lora,
                          lora_scale=request.lora_scale, strength=request.strength, steps=request.steps,
                          guidance=request.guidance, fast=request.fast)
    look = pipeline.look(base, size=size, seed=seed)
    members = plan_members(pipeline, request, platform, seed)
    prepared = pipeline.prepare(base, stage, work_side=size)
    warnings = list(prepared.warnings)

    files: dict[str, bytes] = {}
    sticker_names: list[str] = []
    previews = []
    for i, member in enumerate(members, start=1):
        if progress:
            progress("finish", 0.2 + 0.7 * (i - 1) / len(members))
        if request.animated:
            frames = [pipeline.render(prepared, member.expression, k, look, member.caption, stage,
                                      peak=member.intensity)
                      for k in intensity_curve(ANIMATION_FRAMES, member.intensity)]
            previews.append(frames[ANIMATION_FRAMES // 2])
            with stage("export"):
                exported = export_animated(frames, ANIMATION_FRAME_MS, limits)
        else:
            image = pipeline.render(prepared, member.expression, member.intensity, look, member.caption, stage,
                                    warnings)
            previews.append(image)
            with stage("export"):
                exported = export_static(image, limits)
        warnings.extend(f"#{i}: {note}" for note in exported.notes)
        name = _sticker_name(platform, i, exported.extension)
        files[name] = exported.data
        sticker_names.append(name)
        if platform.per_sticker_thumbnail:
            thumb = Limits("png", platform.per_sticker_thumbnail, limits.max_bytes)
            with stage("export"):
                files[f"thumb/{i:02d}.png"] = export_static(previews[-1], thumb).data
    with stage("export"):
        for extra in platform.extras:
            files[f"{extra.name}.{EXTENSIONS[extra.format]}"] = _extra(extra, previews)
        files["manifest.json"] = _manifest(platform, members, sticker_names, request).encode("utf-8")
        pack_id = pipeline.store.new_id()
        archive = _zip(files)
    saved = {f"pack-{platform.name}.zip": archive, "preview.png": encode_png(previews[0])}
    source = source_file(request.image, prepared.source)
    if source is not None:
        saved[source[0]] = source[1]
    record = result_record(request, kind="pack", source=source and source[0], seed=seed, style=look.style,
                           backend="diffusion" if look.diffusion is not None else "classic",
                           diffusion=look.diffusion.summary() if look.diffusion is not None else None,
                           timings=stage.timings, warnings=warnings, stickers=[vars(m) for m in members],
                           faces_found=prepared.faces_found)
    paths = pipeline.store.save(pack_id, saved, record)
    pipeline.remember(pack_id, "pack", record, request.session, f"{len(members)} × {platform.name}", "",
                      paths["preview.png"], warnings)
    log.info("pack %s: %d %s stickers, %d ms", pack_id, len(members), platform.name,
             sum(stage.timings.values()) * 1000)
    return Pack(pack_id, paths[f"pack-{platform.name}.zip"], platform.name, members, stage.timings,
                list(dict.fromkeys(warnings)),
                previews)


def _sticker_name(platform: Platform, index: int, extension: str) -> str:
    folder = {"wechat": "main/", "telegram": "stickers/", "discord": "stickers/"}.get(platform.name, "")
    return f"{folder}{index:02d}.{extension}"


def _extra(extra: Extra, previews: list[np.ndarray]) -> bytes:
    if extra.name == "banner":
        return _banner(previews, extra.size)
    limits = Limits(extra.format, extra.size, extra.max_bytes)
    return export_static(previews[0], limits).data


def _banner(previews: list[np.ndarray], size: tuple[int, int]) -> bytes:
    """WeChat's banner: the first few stickers in a row on a soft colour (JPEG, no transparency)."""
    width, height = size
    canvas = np.zeros((height, width, 3), np.float32) + np.array([255, 236, 214], np.float32)
    shown = previews[:4]
    cell = width // max(1, len(shown))
    for i, image in enumerate(shown):
        tile = fit_into(image, (cell, height), margin=24).astype(np.float32)
        a = tile[..., 3:4] / 255.0
        region = canvas[:, i * cell:(i + 1) * cell]
        region[:] = tile[..., :3] * a + region * (1 - a)
    return encode_jpeg(canvas.round().astype(np.uint8), quality=88)


def _manifest(platform: Platform, members: list[Member], stickers: list[str], request: PackRequest) -> str:
    entries = [{"file": name, "expression": m.expression, "emoji": EMOJI.get(m.expression, "🙂"), "caption": m.caption}
               for name, m in zip(stickers, members, strict=True)]
    manifest = {"platform": platform.name, "title": platform.title, "animated": request.animated,
                "stickers": entries, "extras": [f"{e.name}.{EXTENSIONS[e.format]}" for e in platform.extras]}
    if platform.name == "whatsapp":  # the fields WhatsApp's sticker-pack apps read
        manifest.update(identifier="emojigen", name="emojigen", publisher="emojigen", tray_image_file="tray.png",
                        animated_sticker_pack=request.animated)
    return json.dumps(manifest, ensure_ascii=False, indent=2)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
