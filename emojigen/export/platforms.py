"""Each chat app's published sticker limits, as data. The exporter fits files to these."""

from __future__ import annotations

from dataclasses import dataclass, field

from emojigen.errors import BadInput

KB = 1024


@dataclass(frozen=True)
class Limits:
    format: str  # png, webp, gif, apng, webm
    size: tuple[int, int]  # the canvas, width x height
    max_bytes: int
    margin: int = 0  # transparent pixels the subject keeps from the canvas edge
    frames: tuple[int, int] = (1, 1)  # allowed frame counts
    max_seconds: float = 0.0  # one loop's length; 0 for static
    max_fps: float = 0.0
    whole_seconds: bool = False  # LINE: a loop lasts exactly 1, 2, 3 or 4 seconds
    loops: int = 0  # 0: forever


@dataclass(frozen=True)
class Extra:
    """An icon, cover, tray icon or banner a pack needs beside its stickers."""
    name: str
    size: tuple[int, int]
    max_bytes: int
    format: str = "png"


@dataclass(frozen=True)
class Platform:
    name: str
    title: str
    static: Limits
    animated: Limits
    pack_counts: tuple[int, ...]  # sizes a pack may have
    extras: tuple[Extra, ...] = field(default=())
    per_sticker_thumbnail: tuple[int, int] | None = None  # WeChat wants a small copy of each sticker

    def limits(self, animated: bool) -> Limits:
        return self.animated if animated else self.static


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform(
        "wechat", "微信 WeChat",
        static=Limits("png", (240, 240), 500 * KB),
        animated=Limits("gif", (240, 240), 500 * KB, frames=(2, 60), max_seconds=5.0, max_fps=25),
        pack_counts=(8, 16, 24),
        extras=(Extra("cover", (240, 240), 500 * KB), Extra("icon", (50, 50), 100 * KB),
                Extra("banner", (750, 400), 500 * KB, "jpg")),
        per_sticker_thumbnail=(120, 120),
    ),
    Platform(
        "telegram", "Telegram",
        static=Limits("png", (512, 512), 512 * KB),
        animated=Limits("webm", (512, 512), 256 * KB, frames=(2, 90), max_seconds=3.0, max_fps=30),
        pack_counts=tuple(range(1, 121)),
        extras=(Extra("thumbnail", (100, 100), 32 * KB),),
    ),
    Platform(
        "whatsapp", "WhatsApp",
        static=Limits("webp", (512, 512), 100 * KB - 1, margin=16),
        animated=Limits("webp", (512, 512), 500 * KB - 1, margin=16, frames=(2, 120), max_seconds=10.0,
                        max_fps=30),
        pack_counts=tuple(range(3, 31)),
        extras=(Extra("tray", (96, 96), 50 * KB - 1),),
    ),
    Platform(
        "line", "LINE",
        static=Limits("png", (370, 320), 1024 * KB, margin=10),
        animated=Limits("apng", (320, 270), 300 * KB, frames=(5, 20), max_seconds=4.0, max_fps=20,
                        whole_seconds=True, loops=2),
        pack_counts=(8, 16, 24, 32, 40),
        extras=(Extra("main", (240, 240), 1024 * KB), Extra("tab", (96, 74), 1024 * KB)),
    ),
    Platform(
        "discord", "Discord",
        static=Limits("png", (320, 320), 512 * KB),
        animated=Limits("apng", (320, 320), 512 * KB, frames=(2, 60), max_seconds=5.0, max_fps=25),
        pack_counts=tuple(range(1, 61)),
        extras=(Extra("emoji", (128, 128), 256 * KB),),
    ),
)}


def get_platform(name: str) -> Platform:
    key = (name or "").strip().lower()
    if key not in PLATFORMS:
        raise BadInput(f"不支持的平台：{name}（可选：{', '.join(PLATFORMS)}）",
                       f"Unknown platform: {name} (choose from {', '.join(PLATFORMS)})")
    return PLATFORMS[key]
