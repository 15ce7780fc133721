import numpy as np
import pytest
from ci import unavailable
from PIL import ImageFont

from emojigen.export import encode_png
from emojigen.sticker.caption import render_caption, strip_unsupported
from emojigen.sticker.fonts import covers, fallback_fonts, find_cjk_font, shipped_font
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


def test_emoji_are_left_out_and_reported_without_an_emoji_font(cjk_font):
    fonts = fallback_fonts(cjk_font)
    text, dropped = strip_unsupported("开心😀 yay", fonts)
    assert text == "开心 yay" and dropped == ["😀"]
    assert strip_unsupported("开心 yay", ())[0] == "yay"  # no font at all: no Chinese
    assert strip_unsupported("开心😀👍🏻", fonts, has_emoji_font=True) == ("开心😀👍🏻", [])


def test_a_character_no_font_has_is_left_out_not_drawn_as_a_gap():
    heavy = shipped_font("heavy")
    assert heavy is not None
    # U+2F00 (a Kangxi radical) and U+10400 (Deseret) are in neither the shipped fonts nor most systems'.
    missing = [ch for ch in "\u2f00\U00010400" if not any(covers(f, ch) for f in fallback_fonts(heavy))]
    assert missing, "every test character has a font here"
    text, dropped = strip_unsupported("开心" + "".join(missing) + " ok", fallback_fonts(heavy))
    assert text == "开心 ok" and dropped == missing


@pytest.fixture(scope="module")
def emoji_font():
    from emojigen.sticker.emoji import find_emoji_font

    font = find_emoji_font()
    if font is None:
        unavailable("no colour emoji font", "apt-get install fonts-noto-color-emoji")
    return font


def test_emoji_in_a_caption_are_drawn_in_colour_not_boxes(cjk_font, emoji_font):
    import cv2

    canvas = np.zeros((512, 512, 4), np.uint8)
    plain = render_caption(canvas, "笑死我了", cjk_font)
    with_emoji = render_caption(canvas, "笑死我了😂", cjk_font, emoji_font=emoji_font)
    hsv = cv2.cvtColor(with_emoji[..., :3], cv2.COLOR_RGB2HSV)
    colourful = (hsv[..., 1] > 120) & (with_emoji[..., 3] > 200)
    assert colourful.sum() > 300  # the yellow face, not a black-and-white box
    assert not ((cv2.cvtColor(plain[..., :3], cv2.COLOR_RGB2HSV)[..., 1] > 120) & (plain[..., 3] > 200)).any()
    ys, xs = np.nonzero(colourful)
    text_right = np.nonzero(plain[..., 3].any(axis=0))[0].max()
    assert xs.mean() > text_right - 60  # after the text, on the same line
    assert ys.min() > 256


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


def test_outline_colour_and_shadow():
    from emojigen.sticker.outline import add_shadow

    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[40:60, 40:60] = (200, 0, 0, 255)
    out = add_outline(rgba, 4, (255, 212, 0))
    assert tuple(out[50, 37]) == (255, 212, 0, 255)
    shadowed = add_shadow(out, offset=4, blur=2)
    assert 0 < shadowed[68, 68, 3] < 255 and shadowed[68, 68, :3].max() == 0  # soft and dark, below right
    assert shadowed[30, 30, 3] == 0  # nothing above left
    assert tuple(shadowed[50, 50]) == (200, 0, 0, 255)


def test_colours_users_type_are_read_or_refused():
    from emojigen import BadInput
    from emojigen.sticker.finish import parse_colour

    assert parse_colour("#fff") == (255, 255, 255) and parse_colour("Yellow") == (255, 212, 0)
    assert parse_colour("#1a2b3c") == (26, 43, 60)
    with pytest.raises(BadInput):
        parse_colour("blurple")


def test_caption_at_the_top():
    font = find_cjk_font()
    out = render_caption(np.zeros((512, 512, 4), np.uint8), "震惊！", font, position="top")
    ys = np.nonzero(out[..., 3])[0]
    assert ys.max() < 200


def test_pixel_and_meme_looks(astronaut):
    from emojigen.style import apply_style

    rgb = astronaut[:300, 100:400]
    pixel = apply_style(rgb, "pixel")
    assert len(np.unique(pixel.reshape(-1, 3), axis=0)) <= 16
    assert np.array_equal(pixel[0, 0], pixel[0, 1]) and pixel.shape == rgb.shape  # blocks, not pixels
    meme = apply_style(rgb, "meme")
    assert np.array_equal(meme[..., 0], meme[..., 1]) and np.array_equal(meme[..., 1], meme[..., 2])
    assert (meme < 40).mean() > 0.1 and (meme > 215).mean() > 0.1  # pushed to ink and paper
