import io

import numpy as np
import pytest
from PIL import Image

from emojigen import BadInput
from emojigen.image_input import WORK_MAX_SIDE, load_image


def _jpeg(array: np.ndarray, orientation: int | None = None) -> bytes:
    image = Image.fromarray(array)
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_exif_orientation_is_applied():
    array = np.zeros((100, 200, 3), np.uint8)  # landscape as stored
    upright = load_image(_jpeg(array, orientation=6))  # 6: the camera was turned; show rotated 90
    assert upright.shape[:2] == (200, 100)


def test_not_an_image_is_a_clear_error():
    with pytest.raises(BadInput) as info:
        load_image(b"this is not a picture")
    assert "JPG" in info.value.en and "照片" in info.value.zh


def test_missing_and_tiny_inputs():
    with pytest.raises(BadInput):
        load_image(None)
    with pytest.raises(BadInput, match="too small"):
        load_image(np.zeros((20, 20, 3), np.uint8))


def test_transparent_png_becomes_white_and_large_photos_shrink():
    rgba = np.zeros((3000, 2000, 4), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    rgb = load_image(buffer.getvalue())
    assert max(rgb.shape[:2]) == WORK_MAX_SIDE
    assert rgb.shape[2] == 3 and rgb.min() == 255


def test_an_extreme_strip_is_refused_in_words():
    strip = np.zeros((64, 60_000, 3), np.uint8)
    with pytest.raises(BadInput, match="too long and thin"):
        load_image(strip)
