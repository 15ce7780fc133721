"""The caption fonts shipped in assets/fonts/: present, small, complete for the built-in captions, and
used when nothing is configured, even on a machine without a CJK font of its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from emojigen.assets import assets_dir
from emojigen.sticker import fonts
from emojigen.sticker.caption import render_caption
from emojigen.sticker.emoji import is_emoji

FONTS = assets_dir() / "fonts"
MAX_BYTES = 1_500_000
ASCII = "".join(map(chr, range(0x20, 0x7F)))


@pytest.fixture
def no_system_font(monkeypatch):
    """A machine without a CJK font: the system search finds nothing."""
    cached = (fonts.system_cjk_font, fonts.find_cjk_font)  # (a test may replace the search itself)
    monkeypatch.setattr(fonts, "KNOWN_CJK_FONTS", [])
    monkeypatch.setattr(fonts, "fc_match", lambda pattern: None)
    for function in cached:
        function.cache_clear()
    yield
    for function in cached:
        function.cache_clear()


def _asset_text() -> str:
    """Every caption, word and title of the expressions and the templates."""
    expressions = json.loads((assets_dir() / "expressions.json").read_text("utf-8"))["expressions"]
    texts = []
    for entry in expressions.values():
        texts += list(entry.get("words", {}))
        texts += [caption for captions in entry.get("captions", {}).values() for caption in captions]
    for path in sorted((assets_dir() / "templates").glob("*/template.json")):
        template = json.loads(path.read_text("utf-8"))
        texts += list(template.get("title", {}).values())
        texts += [caption for captions in template.get("captions", {}).values() for caption in captions]
    return "".join(ch for ch in set("".join(texts)) if not is_emoji(ch))


def _cmap(name: str) -> set[int]:
    return set(TTFont(FONTS / fonts.SHIPPED_FONTS[name]).getBestCmap())


@pytest.mark.parametrize("name", sorted(fonts.SHIPPED_FONTS))
def test_shipped_font_exists_is_small_and_loads(name):
    path = FONTS / fonts.SHIPPED_FONTS[name]
    assert path.is_file()
    assert path.stat().st_size < MAX_BYTES
    font = ImageFont.truetype(str(path), 48)
    assert font.getbbox("开心")[2] > 48
    assert fonts.shipped_font(name) == (str(path), 0)


def test_heavy_font_has_every_builtin_caption_character_and_ascii():
    text = _asset_text()
    assert len(text) > 100  # the captions were found
    missing = [ch for ch in text + ASCII if ord(ch) not in _cmap("heavy")]
    assert not missing


def test_rounded_font_with_its_fallback_draws_every_builtin_caption_character():
    """ZCOOL KuaiLe lacks a few characters upstream (嘚, accented letters): the heavy font draws those."""
    rounded, heavy = _cmap("rounded"), _cmap("heavy")
    assert all(ord(ch) in rounded for ch in ASCII + "开心到飞起气死我了")
    assert all(ord(ch) in rounded | heavy for ch in _asset_text())
    runs = fonts.split_by_font(_asset_text(), fonts.fallback_fonts(fonts.shipped_font("rounded")))
    assert all(font is not None for font, _ in runs)


@pytest.mark.parametrize("name", sorted(fonts.SHIPPED_FONTS))
def test_the_character_map_reader_agrees_with_fonttools(name):
    assert fonts.font_chars(str(FONTS / fonts.SHIPPED_FONTS[name])) == _cmap(name)


def test_shipped_heavy_font_is_the_default_without_a_system_font(no_system_font):
    assert fonts.system_cjk_font() is None
    assert fonts.find_cjk_font() == fonts.shipped_font("heavy")
    assert fonts.find_cjk_font("/no/such/font.ttf") == fonts.shipped_font("heavy")
    assert set(fonts.caption_fonts()) == {"heavy", "rounded"}


def test_a_configured_font_comes_first(no_system_font):
    rounded = fonts.shipped_font("rounded")
    assert fonts.find_cjk_font(rounded.path) == rounded


def test_characters_outside_the_subset_come_from_the_system_font(no_system_font, monkeypatch, tmp_path):
    system = fonts.FontFile(str(_one_glyph_font(tmp_path / "system.ttf", "龘")))
    monkeypatch.setattr(fonts, "system_cjk_font", lambda: system)
    heavy, rounded = fonts.shipped_font("heavy"), fonts.shipped_font("rounded")
    assert fonts.caption_fonts()["system"] == system
    assert fonts.fallback_fonts(heavy) == (heavy, system)
    assert fonts.split_by_font("开心龘 ok", fonts.fallback_fonts(heavy)) == [(heavy, "开心"), (system, "龘"),
                                                                          (heavy, " ok")]
    assert fonts.split_by_font("嘚瑟龘", fonts.fallback_fonts(rounded)) == [(heavy, "嘚"), (rounded, "瑟"),
                                                                          (system, "龘")]
    assert fonts.split_by_font("开\U00030000", (heavy,)) == [(heavy, "开"), (None, "\U00030000")]


def test_shipped_font_draws_ink(no_system_font):
    font_file = fonts.find_cjk_font()
    font = ImageFont.truetype(font_file.path, 64, index=font_file.index)
    image = Image.new("L", (400, 100), 255)
    ImageDraw.Draw(image).text((10, 10), "开心到飞起", font=font, fill=0)
    ink = np.asarray(image) < 128
    assert ink[10:90, 10:340].sum() > 2000
    columns = ink.any(axis=0).nonzero()[0]
    assert columns.min() < 30 and columns.max() > 300  # all five characters, not one
    for ch in "开心到飞起":
        assert np.asarray(font.getmask(ch)).any(), ch  # no character is an empty missing glyph


def test_caption_is_drawn_with_the_shipped_font_without_a_system_font(no_system_font):
    canvas = np.full((512, 512, 4), 255, np.uint8)
    out = render_caption(canvas, "开心到飞起", fonts.find_cjk_font())
    dark = out[..., :3].max(axis=2) < 80
    assert dark[300:, :].sum() > 2000 and not dark[:250, :].any()


def test_licences_and_readme_are_shipped():
    for licence in ("NotoSansSC-OFL.txt", "ZCOOLKuaiLe-OFL.txt"):
        assert "SIL Open Font License" in (FONTS / licence).read_text("utf-8")
    readme = (FONTS / "README.md").read_text("utf-8")
    assert "python scripts/subset_fonts.py" in readme
    assert all(name in readme for name in fonts.SHIPPED_FONTS.values())


def _one_glyph_font(path: Path, ch: str) -> Path:
    """A tiny TrueType font with a square glyph for `ch` only: a stand-in for a system CJK font."""
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    for point in ((100, 800), (900, 800), (900, 0)):
        pen.lineTo(point)
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "square"])
    builder.setupCharacterMap({ord(ch): "square"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "square": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "square": (1000, 100)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Stand-in", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))
    return path


def test_a_character_outside_the_subset_comes_from_the_system_font():
    """A rare hanzi the shipped subset lacks is drawn with the system's CJK font (when it has one), in
    its own run, so a caption never shows a box where the machine could draw the character."""
    system = fonts.system_cjk_font()
    if system is None:
        pytest.skip("no system CJK font here to fall back to")
    heavy = fonts.shipped_font("heavy")
    assert not fonts.covers(heavy, "龘") and fonts.covers(system, "龘")
    runs = fonts.split_by_font("开心龘!", fonts.fallback_fonts(heavy))
    assert [(font, text) for font, text in runs] == [(heavy, "开心"), (system, "龘"), (heavy, "!")]
    canvas = np.zeros((200, 400, 4), np.uint8)
    drawn = render_caption(canvas, "开心龘", heavy)
    assert (drawn[..., 3] > 0).sum() > 500  # drawn, with its outline


def test_a_request_picks_its_caption_font():
    """`caption_font` chooses the font a plan draws with; a font this machine lacks falls back to the
    default with a notice; the operator's configured font is the default's stand-in."""
    from emojigen.plan import caption_font

    notices = []
    assert caption_font("heavy", "", notices) == fonts.shipped_font("heavy")
    assert caption_font("rounded", "", notices) == fonts.shipped_font("rounded")
    assert not notices
    own = str(FONTS / "ZCOOLKuaiLe-Regular.subset.ttf")
    assert caption_font("heavy", own, notices).path == own


def test_a_missing_system_font_falls_back_with_a_notice(no_system_font):
    from emojigen.plan import caption_font

    notices = []
    assert caption_font("system", "", notices) == fonts.shipped_font("heavy")
    assert [n.code for n in notices] == ["caption_font_missing"]


def test_a_sticker_on_a_machine_with_no_fonts_at_all_still_has_its_chinese_caption(monkeypatch, tmp_path):
    """The whole request, with fontconfig given an empty configuration (it finds no font) and none of the
    usual font files: the Chinese caption is drawn with the shipped font, and nothing warns about it."""
    from emojigen import Pipeline, Settings, StickerRequest

    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n')
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    monkeypatch.setattr(fonts, "KNOWN_CJK_FONTS", [])
    for function in (fonts.system_cjk_font, fonts.find_cjk_font):
        function.cache_clear()
    try:
        assert fonts.fc_match(":lang=zh-cn") is None or fonts.system_cjk_font() is None
        pipeline = Pipeline(Settings(outputs_dir=tmp_path / "out", result_cache_mb=0))
        with_caption = pipeline.run(StickerRequest(template="cat", text="开心", caption="开心到飞起", seed=1))
        without = pipeline.run(StickerRequest(template="cat", text="开心", caption="", seed=1))
    finally:
        for function in (fonts.system_cjk_font, fonts.find_cjk_font):
            function.cache_clear()
    assert with_caption.caption == "开心到飞起"
    assert not [w for w in with_caption.warnings if w.code.startswith("caption_font")]
    changed = np.abs(with_caption.image.astype(int) - without.image.astype(int)).max(axis=2) > 60
    assert changed.sum() > 3000  # five characters with their outline
