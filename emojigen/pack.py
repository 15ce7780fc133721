"""Sticker packs: what is truly about packs. Which members a pack has (expressions, strengths, captions)
and the ZIP layout each chat app wants. Drawing, exporting and keeping the result are the pipeline's
shared steps (Pipeline.pack), so a pack member is made exactly like a sticker.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emojigen.errors import BadParameter
from emojigen.export import export_static
from emojigen.export.fit import EXTENSIONS, Exported
from emojigen.export.formats import encode_jpeg
from emojigen.export.platforms import Extra, Limits, Platform
from emojigen.expression.lexicon import EXPRESSIONS, Lexicon
from emojigen.notices import Notice
from emojigen.results import timings_ms
from emojigen.spec import MAX_INTENSITY, Request
from emojigen.sticker.compose import fit_into

PackRequest = Request  # the name earlier code uses; a pack reads platform, count, expressions, lang, captions

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
class Member:
    expression: str
    intensity: float
    caption: str

    def with_caption(self, caption: str) -> Member:
        return replace(self, caption=caption)

    def describe(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Pack:
    id: str
    zip_path: Path
    platform: str
    members: list[Member]
    timings: dict[str, float]
    warnings: list[Notice] = field(default_factory=list)
    previews: list[np.ndarray] = field(default_factory=list, repr=False)  # RGBA stickers, in order

    def summary(self) -> dict:
        return {"id": self.id, "platform": self.platform, "count": len(self.members),
                "stickers": [m.describe() for m in self.members],
                "timings_ms": timings_ms(self.timings),
                "warnings": [w.as_dict() for w in self.warnings]}


def plan_members(lexicon: Lexicon, request: Request, platform: Platform, seed: int) -> list[Member]:
    """Which expressions, how strong, with which captions (before any font check)."""
    asked = request.expressions
    terms = [t.strip() for t in (SEPARATORS.split(asked) if isinstance(asked, str) else asked or []) if t.strip()]
    chosen: list[str] = []
    unknown = []
    for term in terms:
        if term in EXPRESSIONS:
            chosen.append(term)
            continue
        spec = lexicon.parse(term)
        (chosen if spec.understood else unknown).append(spec.name if spec.understood else term)
    if unknown:
        raise BadParameter("expressions", f"看不懂这些表情：{'、'.join(unknown)}",
                           f"did not recognise these expressions: {', '.join(unknown)}")
    count = request.count or _usual_count(platform, len(chosen))
    if count not in platform.pack_counts:
        allowed = _describe_counts(platform.pack_counts)
        raise BadParameter("count", f"{platform.title} 的表情包数量只能是 {allowed}。",
                           f"a {platform.title} pack must have {allowed} stickers.")
    if len(chosen) > count:
        raise BadParameter("expressions", f"选了 {len(chosen)} 个表情，但这个表情包只有 {count} 个位置。",
                           f"{len(chosen)} expressions were chosen for a pack of {count}.")
    order = chosen + [e for e in PACK_ORDER if e not in chosen]
    members = []
    for i in range(count):
        name = order[i % len(order)]
        round_ = i // len(order)
        strength = min(MAX_INTENSITY, request.intensity * (STRONGER_REPEAT if round_ else 1.0))
        pool = lexicon.captions.get(name, {})
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


def make_pack(pipeline: Any, request: Request, progress: Any = None) -> Pack:
    """A pack from one photo (the same as `pipeline.pack(request, progress)`)."""
    return pipeline.pack(request, progress)


def pack_files(platform: Platform, request: Request, members: list[Member], exported: list[Exported],
               previews: list[np.ndarray]) -> bytes:
    """The ZIP in the platform's layout: the stickers, per-sticker thumbnails where the platform wants
    them, its extras (icon, cover, tray ...) and a manifest."""
    files: dict[str, bytes] = {}
    names = []
    for i, (result, preview) in enumerate(zip(exported, previews, strict=True), start=1):
        name = _sticker_name(platform, i, result.extension)
        files[name] = result.data
        names.append(name)
        if platform.per_sticker_thumbnail:
            thumb = Limits("png", platform.per_sticker_thumbnail, platform.limits(request.animated).max_bytes)
            files[f"thumb/{i:02d}.png"] = export_static(preview, thumb).data
    for extra in platform.extras:
        files[f"{extra.name}.{EXTENSIONS[extra.format]}"] = _extra(extra, previews)
    files["manifest.json"] = _manifest(platform, members, names, request).encode("utf-8")
    return _zip(files)


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


def _manifest(platform: Platform, members: list[Member], stickers: list[str], request: Request) -> str:
    entries = [{"file": name, "expression": m.expression, "emoji": EMOJI.get(m.expression, "🙂"), "caption": m.caption}
               for name, m in zip(stickers, members, strict=True)]
    manifest = {"platform": platform.name, "title": platform.title, "animated": request.animated,
                "stickers": entries, "extras": [f"{e.name}.{EXTENSIONS[e.format]}" for e in platform.extras]}
    if platform.name == "whatsapp":  # the fields WhatsApp's sticker-pack apps read
        manifest.update(identifier="emojigen", name="emojigen", publisher="emojigen", tray_image_file="tray.png",
                        animated_sticker_pack=request.animated)
    return json.dumps(manifest, ensure_ascii=False, indent=2)


ALREADY_COMPRESSED = (".png", ".jpg", ".gif", ".webp", ".webm")


def _zip(files: dict[str, bytes]) -> bytes:
    """Images are stored as they are (deflating them again gains about 1% and took a tenth of a pack's
    time); the manifest is deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            stored = name.endswith(ALREADY_COMPRESSED)
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
