import numpy as np
import pytest
from PIL import ImageFont

from emojigen.export import encode_png
from emojigen.sticker.caption import render_caption, strip_unsupported
from emojigen.sticker.fonts import find_cjk_font
from emojigen.sticker.outline import add_outline


@pytest.fixture(scope="module")
def cjk_font():
    font = find_cjk_font()
    if font is None:
        pytest.fail("no CJK font installed: install fonts-noto-cjk (run.sh's README says how)")
    return font


def test_chinese_glyphs_are_not_missing_boxes(cjk_font):
    font = ImageFont.truetype(cjk_font[0], 48, index=cjk_font[1])
    tofu = np.asarray(font.getmask("\ue000"))  # a private-use character: the font draws its missing box
    for ch in "开心到飞起气死我了震惊！":
        glyph = np.asarray(font.getmask(ch))
        assert glyph.size and glyph.any(), ch
        assert glyph.shape != tofu.shape or not np.array_equal(glyph, tofu), ch


def test_caption_is_drawn_inside_the_canvas(cjk_font):
    canvas = np.zeros((512, 512, 4), np.uint8)
    out = render_caption(canvas, "我太难了我太难了我太难了", cjk_font)
    ys, xs = np.nonzero(out[..., 3])
    assert len(xs) > 1000
    assert xs.min() > 0 and xs.max() < 511 and ys.min() > 256  # fitted, at the bottom


def test_emoji_are_left_out_and_reported():
    text, dropped = strip_unsupported("开心😀 yay", has_cjk_font=True)
    assert text == "开心 yay" and dropped == ["😀"]
    assert strip_unsupported("开心 yay", has_cjk_font=False)[0] == "yay"


def test_outline_surrounds_the_subject():
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[40:60, 40:60] = (200, 0, 0, 255)
    out = add_outline(rgba, 5)
    assert tuple(out[50, 36]) == (255, 255, 255, 255)  # 4 px outside the square: white stroke
    assert out[50, 30, 3] == 0  # 10 px outside: still transparent
    assert tuple(out[50, 50]) == (200, 0, 0, 255)  # the subject itself is unchanged


def test_png_keeps_alpha():
    import io

    from PIL import Image

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[2:6, 2:6] = (10, 20, 30, 255)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(rgba))))
    assert decoded.shape == (8, 8, 4) and np.array_equal(decoded, rgba)
