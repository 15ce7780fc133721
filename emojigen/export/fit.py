"""Fitting a sticker to a platform: the right canvas, format and timing, then lower quality, colours
and frames step by step until the file is small enough, or say clearly that it cannot be."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from emojigen.errors import EmojigenError
from emojigen.export.formats import encode_apng, encode_gif, encode_png, encode_png_quick, encode_webm, encode_webp
from emojigen.export.platforms import Limits
from emojigen.notices import Notice
from emojigen.sticker.compose import fit_into

EXTENSIONS = {"png": "png", "apng": "png", "webp": "webp", "gif": "gif", "webm": "webm", "jpg": "jpg"}

# Each format's settings, from the best-looking to the smallest file.
PALETTE_STEPS: list[int | None] = [None, 256, 128, 64, 32]
WEBP_QUALITY_STEPS = [90, 80, 70, 60, 50, 40, 30, 20]
GIF_COLOUR_STEPS = [256, 128, 64, 32, 16]
WEBM_CRF_STEPS = [30, 38, 46, 54, 63]


class TooLarge(EmojigenError):
    """Even the smallest setting leaves the file over the platform's limit."""


@dataclass
class Exported:
    data: bytes
    format: str
    extension: str
    frames: int = 1
    frame_ms: int = 0
    notes: list[Notice] = field(default_factory=list)  # what was lowered to fit


def export_static(rgba: np.ndarray, limits: Limits) -> Exported:
    canvas = fit_into(rgba, limits.size, limits.margin)
    encoders = _static_encoders(limits.format)
    return _smallest_that_fits(lambda encode: encode([canvas], []), encoders, limits, frames=1, frame_ms=0)


def export_animated(frames: Sequence[np.ndarray], frame_ms: int, limits: Limits) -> Exported:
    """Frames of one loop, `frame_ms` each. Retimed to the platform's rules, then made smaller by the
    format's own steps, and if that is not enough, by keeping every second (third...) frame."""
    canvases = [fit_into(f, limits.size, limits.margin) for f in frames]
    lo, hi = limits.frames
    if len(canvases) < lo:
        raise TooLarge(f"动画至少需要 {lo} 帧。", f"The animation needs at least {lo} frames.")
    step = max(1, math.ceil(len(canvases) / hi))
    notes: list[Notice] = []
    while True:
        kept = canvases[::step]
        if len(kept) < lo:
            break
        durations = _durations(len(kept), frame_ms * step, limits)
        try:
            result = _smallest_that_fits(lambda encode, kept=kept, ms=durations: encode(kept, ms),
                                         _animated_encoders(limits), limits, len(kept), durations[0])
        except TooLarge:
            step += 1
            notes = [Notice("export_frames", f"帧数从 {len(canvases)} 减到 {len(canvases[::step])}。",
                            f"Frames reduced from {len(canvases)} to {len(canvases[::step])}.")]
            continue
        result.notes = notes + result.notes
        return result
    raise TooLarge(
        f"无法把动图压到 {limits.max_bytes // 1024} KB 以内（{limits.format.upper()}）；请换简单些的背景或关掉配字。",
        f"Could not fit the animation under {limits.max_bytes // 1024} KB ({limits.format.upper()}); "
        "try a plainer photo or no caption.")


def _durations(count: int, wanted_ms: int, limits: Limits) -> list[int]:
    """Frame lengths within the fps cap and the loop-length cap; LINE loops last exactly whole
    seconds, so the remainder of the division is spread over the first frames."""
    ms = max(wanted_ms, math.ceil(1000 / limits.max_fps)) if limits.max_fps else wanted_ms
    if limits.max_seconds:
        ms = min(ms, int(limits.max_seconds * 1000 / count))
    if not limits.whole_seconds:
        return [ms] * count
    total = 1000 * min(max(1, round(count * ms / 1000)), int(limits.max_seconds))
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


Encoder = Callable[[Sequence[np.ndarray], list[int]], bytes]


def _static_encoders(fmt: str) -> list[tuple[Encoder, str]]:
    if fmt == "webp":
        return [(lambda f, _ms, q=q: encode_webp(f, quality=q), f"quality {q}") for q in WEBP_QUALITY_STEPS]
    if fmt in ("png", "apng"):
        # Full colour first, encoded the quick way (a platform's limit is far above a sticker's size).
        return [(lambda f, _ms, c=c: encode_png(f[0], colours=c) if c else encode_png_quick(f[0]),
                 f"{c} colours" if c else "") for c in PALETTE_STEPS]
    raise ValueError(f"not a static format: {fmt}")


def _animated_encoders(limits: Limits) -> list[tuple[Encoder, str]]:
    fmt = limits.format
    if fmt == "gif":
        return [(lambda f, ms, c=c: encode_gif(f, ms, c, limits.loops), f"{c} colours")
                for c in GIF_COLOUR_STEPS]
    if fmt == "webp":
        return [(lambda f, ms, q=q: encode_webp(f, ms, q, limits.loops), f"quality {q}")
                for q in WEBP_QUALITY_STEPS]
    if fmt == "apng":
        return [(lambda f, ms, c=c: encode_apng(f, ms, c, limits.loops), f"{c} colours" if c else "")
                for c in PALETTE_STEPS]
    if fmt == "webm":
        return [(lambda f, ms, crf=crf: encode_webm(f, 1000 * len(ms) / sum(ms), crf), f"VP9 crf {crf}")
                for crf in WEBM_CRF_STEPS]
    raise ValueError(f"not an animated format: {fmt}")


def _smallest_that_fits(run: Callable[[Encoder], bytes], encoders: list[tuple[Encoder, str]], limits: Limits,
                        frames: int, frame_ms: int) -> Exported:
    smallest = None
    for i, (encoder, label) in enumerate(encoders):
        data = run(encoder)
        smallest = len(data) if smallest is None else min(smallest, len(data))
        if len(data) <= limits.max_bytes:
            notes = [] if i == 0 else [Notice("export_fit", f"为了小于 {limits.max_bytes // 1024} KB，降到了 {label}。",
                                              f"Lowered to {label} to stay under {limits.max_bytes // 1024} KB.")]
            return Exported(data, limits.format, EXTENSIONS[limits.format], frames, frame_ms, notes)
    raise TooLarge(
        f"文件最小也有 {smallest // 1024} KB，超过了 {limits.max_bytes // 1024} KB 的限制。",
        f"The smallest file was {smallest // 1024} KB, over the {limits.max_bytes // 1024} KB limit.")
