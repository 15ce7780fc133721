"""The photo formats phones save, and every pixel mode turned into plain 8-bit RGB.

HEIC/HEIF (iPhones, many Android phones) is read through pillow-heif, registered with Pillow on first
use; AVIF through Pillow's own plugin (in its wheels since 11.3). When the library for one of them is
missing, the file is still recognised by its first bytes, so the user is told which format it is.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, features

from emojigen.errors import BadInput

# The formats an upload may be in; anything else (EPS, PDF, PSD...) is not opened at all.
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")

# ISO base media files start with an 'ftyp' box naming a major brand and compatible brands.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_LIBRARY = {"HEIC": "pillow-heif", "AVIF": "Pillow 11.3+ (AVIF)"}

_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")
_DEEP = (*_SIXTEEN_BIT, "I", "F")  # one channel of more than 8 bits


@functools.cache
def heif_available() -> bool:
    """Register pillow-heif's HEIC/HEIF opener with Pillow (once); False when it is not installed."""
    try:
        from pillow_heif import register_heif_opener
    except (ImportError, OSError):  # not installed, or its bundled libheif cannot load
        return False
    register_heif_opener()
    return True


def open_formats() -> list[str]:
    """The FORMATS this installation has an opener for (HEIF registered first, when it can be)."""
    heif_available()
    Image.init()
    return [name for name in FORMATS if name in Image.OPEN]


def readable(kind: str) -> bool:
    """Whether this installation can decode `kind` ("HEIC" or "AVIF")."""
    return heif_available() if kind == "HEIC" else bool(features.check("avif"))


def container_kind(head: bytes) -> str | None:
    """Which of "HEIC" and "AVIF" a file is, from its first bytes (an 'ftyp' box and its brands); None for
    anything else. Used when a file cannot be opened, to name the format whose library is missing."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    end = min(int.from_bytes(head[:4], "big"), len(head))
    major, compatible = head[8:12], {head[i : i + 4] for i in range(16, end - 3, 4)}
    for brands in ({major}, compatible):  # the major brand decides; AVIF files also list mif1
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIC"
    return None


def unsupported(kind: str) -> BadInput:
    library = _LIBRARY[kind]
    return BadInput(
        f"这张照片是 {kind} 格式，但这里缺少读取 {kind} 的组件（{library}）。请安装它，或把照片存成 JPG 再上传。",
        f"This photo is in {kind} format, which this installation cannot read (it needs {library}). "
        f"Install it, or save the photo as JPG and upload that.",
    )


def eight_bit(values: np.ndarray, full_scale: float | None = None) -> np.ndarray:
    """Samples of any depth as uint8, scaled so `full_scale` (65535 for 16-bit) becomes 255. Without
    it, the smallest of 1 (for floats), 255 and 65535 that holds the brightest sample is taken as full
    scale; negative samples, or larger ones, are stretched over their actual range. Never clipped to white."""
    if values.dtype == np.uint8:
        return values
    if values.dtype == np.bool_:
        return values.astype(np.uint8) * 255
    floating = values.dtype.kind == "f"
    values = np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min(initial=0.0)), float(values.max(initial=0.0))
    if full_scale is None and low >= 0:
        scales = (1.0, 255.0, 65535.0) if floating else (255.0, 65535.0)
        full_scale = next((s for s in scales if high <= s), None)
    if full_scale is None:  # negative, or beyond 16 bits: stretched, the darkest sample black, the brightest white
        low = float(values.min())
        values, full_scale = values - low, max(float(values.max()) - low, 1e-12)
    return np.clip(np.rint(values * (255.0 / full_scale)), 0, 255).astype(np.uint8)


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any mode: deep greys scaled (not clipped), transparent areas white, as they look
    in a chat window (not black), palette, 1-bit and CMYK converted by Pillow."""
    if image.mode in _DEEP:
        image = Image.fromarray(eight_bit(np.asarray(image), 65535.0 if image.mode in _SIXTEEN_BIT else None))
    if image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image if image.mode == "RGB" else image.convert("RGB")
