"""Loading an upload into an RGB array: any common format, EXIF rotation applied, sizes checked."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from emojigen.errors import BadInput

MIN_SIDE = 64
MAX_PIXELS = 40_000_000  # larger uploads are refused before decoding (decompression bombs)
WORK_MAX_SIDE = 1600  # photos are scaled down to this for processing; stickers are 512 px
MAX_ASPECT = 10  # a strip longer than 10:1 holds no usable face, and scaling it down leaves a line of pixels

ImageSource = str | Path | bytes | np.ndarray | Image.Image


def load_image(source: ImageSource | None) -> np.ndarray:
    """Decode `source` into an RGB uint8 array, upright and at most WORK_MAX_SIDE pixels on a side."""
    if source is None or (isinstance(source, str | bytes) and not source):
        raise BadInput("请先上传一张照片。", "Please upload a photo first.")
    if isinstance(source, np.ndarray):
        image = Image.fromarray(_as_uint8(source))
    elif isinstance(source, Image.Image):
        image = source
    else:
        image = _open(source)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, as they look in a chat window, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB")
    if min(image.size) < MIN_SIDE:
        raise BadInput(
            f"照片太小（{image.width}×{image.height}），至少需要 {MIN_SIDE}×{MIN_SIDE} 像素。",
            f"The photo is too small ({image.width}x{image.height}); it needs at least {MIN_SIDE}x{MIN_SIDE} pixels.",
        )
    if max(image.size) > MAX_ASPECT * min(image.size):
        raise BadInput(
            f"照片太细长（{image.width}×{image.height}），长宽比不能超过 {MAX_ASPECT}:1。",
            f"The photo is too long and thin ({image.width}x{image.height}); its sides can differ at most "
            f"{MAX_ASPECT} times.",
        )
    if max(image.size) > WORK_MAX_SIDE:
        image.thumbnail((WORK_MAX_SIDE, WORK_MAX_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


def _open(source: str | Path | bytes) -> Image.Image:
    try:
        if isinstance(source, bytes):
            image = Image.open(io.BytesIO(source))
        else:
            path = Path(source)
            if not path.is_file():
                raise BadInput(f"找不到文件：{path.name}", f"File not found: {path.name}")
            image = Image.open(path)
        if image.width * image.height > MAX_PIXELS:
            raise BadInput(
                "照片像素太多（超过 4000 万），请缩小后再上传。",
                "The photo has too many pixels (over 40 megapixels); please resize it and try again.",
            )
        image.load()
        return image
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadInput(
            "无法读取这个文件，请上传 JPG、PNG 或 WebP 格式的照片。",
            "This file could not be read as an image; please upload a JPG, PNG or WebP photo.",
        ) from exc


def _as_uint8(array: np.ndarray) -> np.ndarray:
    if array.ndim not in (2, 3):
        raise BadInput("图像数据格式不对。", "The image data has the wrong shape.")
    if array.dtype != np.uint8:
        scale = 255.0 if array.dtype.kind == "f" and array.max(initial=0) <= 1.0 else 1.0
        array = np.clip(array * scale, 0, 255).astype(np.uint8)
    return array
