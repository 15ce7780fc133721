"""PNG with its alpha channel, the format every platform takes for static stickers."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode_png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
