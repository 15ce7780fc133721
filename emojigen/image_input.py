"""Loading an upload into an RGB array: the formats phones save (HEIC and AVIF included), any pixel
mode, EXIF rotation applied, and sizes checked from the file's header before its pixels are decoded."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from emojigen.errors import BadInput
from emojigen.photo_formats import container_kind, eight_bit, open_formats, readable, to_rgb, unsupported

MIN_SIDE = 64
# Larger uploads are refused from their header, before decoding (decompression bombs). 50-megapixel
# phone photos (8160x6144) fit.
MAX_PIXELS = 60_000_000
WORK_MAX_SIDE = 1600  # photos are scaled down to this for processing; stickers are 512 px
MAX_ASPECT = 10  # a strip longer than 10:1 holds no usable face, and scaling it down leaves a line of pixels
HEAD_BYTES = 64  # enough of a file to tell HEIC and AVIF apart when they cannot be opened

ImageSource = str | Path | bytes | np.ndarray | Image.Image


def load_image(source: ImageSource | None) -> np.ndarray:
    """Decode `source` into an RGB uint8 array, upright and at most WORK_MAX_SIDE pixels on a side."""
    if source is None or (isinstance(source, str | bytes) and not source):
        raise BadInput("请先上传一张照片。", "Please upload a photo first.")
    if isinstance(source, np.ndarray):
        if source.ndim >= 2:
            check_size(source.shape[1], source.shape[0])
        image = Image.fromarray(_as_uint8(source))
    elif isinstance(source, Image.Image):
        check_size(*source.size)
        image = source
    else:
        image = _open(source)
    image = to_rgb(ImageOps.exif_transpose(image))
    if max(image.size) > WORK_MAX_SIDE:
        image.thumbnail((WORK_MAX_SIDE, WORK_MAX_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


def check_size(width: int, height: int) -> None:
    """Refuse a photo by its size alone: too many pixels, too small, or too long and thin."""
    if width * height > MAX_PIXELS:
        raise too_many_pixels(f"{width}×{height}", f"{width}x{height}")
    if min(width, height) < MIN_SIDE:
        raise BadInput(
            f"照片太小（{width}×{height}），至少需要 {MIN_SIDE}×{MIN_SIDE} 像素。",
            f"The photo is too small ({width}x{height}); it needs at least {MIN_SIDE}x{MIN_SIDE} pixels.",
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise BadInput(
            f"照片太细长（{width}×{height}），长边最多是短边的 {MAX_ASPECT} 倍（{MAX_ASPECT}:1）。",
            f"The photo is too long and thin ({width}x{height}); its longer side may be at most {MAX_ASPECT} "
            f"times the shorter ({MAX_ASPECT}:1).",
        )


def too_many_pixels(size_zh: str = "", size_en: str = "") -> BadInput:
    return BadInput(
        f"照片像素太多{f'（{size_zh}）' if size_zh else ''}，最多 {MAX_PIXELS // 10_000} 万像素，请缩小后再上传。",
        f"The photo has too many pixels{f' ({size_en})' if size_en else ''}; at most {MAX_PIXELS / 1e6:g} "
        "megapixels are accepted. Please resize it and try again.",
    )


def _open(source: str | Path | bytes) -> Image.Image:
    if isinstance(source, bytes):
        file: io.BytesIO | Path = io.BytesIO(source)
        head = source[:HEAD_BYTES]
    else:
        file = Path(source)
        if not file.is_file():
            raise BadInput(f"找不到文件：{file.name}", f"File not found: {file.name}")
        with file.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
    try:
        # Opening reads only the header; the size is checked before any pixel is decoded.
        with Image.open(file, formats=open_formats()) as image:
            check_size(*image.size)
            _decode_smaller(image)
            image.load()
        return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # the warning when made an error
        raise too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as exc:
        kind = container_kind(head)
        if kind is not None and not readable(kind):
            raise unsupported(kind) from exc
        raise BadInput(
            "无法读取这个文件，请上传 JPG、PNG、WebP 或 HEIC 格式的照片。",
            "This file could not be read as an image; please upload a JPG, PNG, WebP or HEIC photo.",
        ) from exc


def _decode_smaller(image: Image.Image) -> None:
    """A large JPEG is decoded at 1/2, 1/4 or 1/8 scale while still twice the working size (as
    Pillow's thumbnail does): a quarter of the memory and time, and no visible loss once scaled down."""
    factor = 2 * WORK_MAX_SIDE / max(image.size)
    if factor < 1:
        image.draft(None, (math.ceil(image.width * factor), math.ceil(image.height * factor)))


def _as_uint8(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise BadInput("图像数据格式不对。", "The image data has the wrong shape.")
    return eight_bit(array, 65535.0 if array.dtype == np.uint16 else None)
