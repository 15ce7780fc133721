"""The whole chain on a real photo: the sticker a user downloads."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from emojigen import BadInput, NoFace, Pipeline, Settings, StickerRequest


def test_sticker_from_a_real_photo(pipeline, photos, artifacts_dir):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="开心大笑", seed=7))
    assert sticker.expression.name == "laugh" and sticker.expression.understood
    assert sticker.faces_found >= 1
    assert list(sticker.timings) == ["load", "detect", "parse", "warp", "style", "finish", "export", "store", "total"]
    # the total is measured around the whole request: at least every stage, bookkeeping included
    assert sticker.timings["total"] >= sum(v for k, v in sticker.timings.items() if k != "total")

    png = Image.open(sticker.png_path)
    assert png.mode == "RGBA" and png.size == (512, 512)
    rgba = np.asarray(png)
    alpha = rgba[..., 3]
    assert alpha[0, 0] == 0 and alpha[0, -1] == 0  # transparent background
    opaque = (alpha > 250).mean()
    assert 0.2 < opaque < 0.9  # a cut-out, neither empty nor the whole photo
    # The outline: the first opaque pixels in from the left on the face's row are white.
    row = rgba[200]
    first = int(np.argmax(row[:, 3] > 250))
    assert row[first, :3].min() > 230
    assert sticker.caption  # an automatic caption for the expression
    png.save(artifacts_dir / "sticker_laugh.png")

    record = json.loads((sticker.png_path.parent / "result.json").read_text(encoding="utf-8"))
    assert record["expression"]["name"] == "laugh" and record["request"]["seed"] == 7


def test_empty_caption_means_none(pipeline, photos):
    with_caption = pipeline.run(StickerRequest(image=photos["face"], text="伤心", seed=1))
    without = pipeline.run(StickerRequest(image=photos["face"], text="伤心", caption="", seed=1))
    assert without.caption == "" and with_caption.caption
    # The caption band at the bottom differs only by the text.
    diff = np.abs(with_caption.image.astype(int) - without.image.astype(int))[-120:].sum()
    assert diff > 10_000


def test_unknown_words_fall_back_with_a_warning(pipeline, photos):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="qwerty", caption=""))
    assert not sticker.expression.understood
    assert any("qwerty" in w.en and "qwerty" in w.zh for w in sticker.warnings)


def test_no_face_is_a_clear_error(pipeline, photos):
    with pytest.raises(NoFace) as info:
        pipeline.run(StickerRequest(image=photos["no_face"], text="开心"))
    assert "没有找到人脸" in str(info.value) and "No face" in str(info.value)


def test_bad_style_is_a_clear_error(pipeline, photos):
    with pytest.raises(BadInput, match="style"):
        pipeline.run(StickerRequest(image=photos["face"], text="开心", style="oil-painting"))


@pytest.mark.parametrize("style", ["cartoon", "sketch"])
def test_classic_styles(pipeline, photos, style):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="smile", style=style, caption=""))
    assert sticker.image.shape == (512, 512, 4)


def test_cli_generate(photos, tmp_path):
    out = tmp_path / "out.png"
    done = subprocess.run([sys.executable, "-m", "ui.cli", "generate", str(photos["face"]), "--text", "开心",
                           "-o", str(out)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).mode == "RGBA"
    failed = subprocess.run([sys.executable, "-m", "ui.cli", "generate", str(photos["no_face"]), "-t", "开心",
                             "-o", str(tmp_path / "x.png")], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120)
    assert failed.returncode == 2 and "No face found" in failed.stderr and "Traceback" not in failed.stderr


def test_emoji_without_an_emoji_font_are_left_out_with_a_warning(pipeline, photos, monkeypatch):
    import emojigen.pipeline as pipeline_module

    monkeypatch.setattr(pipeline_module, "find_emoji_font", lambda: None)
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="开心", caption="开心😀"))
    assert sticker.caption == "开心"
    assert any("😀" in w.en and "left out" in w.en and w.code == "caption_font" for w in sticker.warnings)


@pytest.mark.parametrize("style", ["pixel", "meme"])
def test_new_classic_styles_through_the_pipeline(pipeline, photos, style):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="smile", style=style, caption="",
                                          outline_color="#ffd400", outline_width=12, shadow=True))
    assert sticker.image.shape == (512, 512, 4)
    # The yellow outline is there, 12 px wide, around the subject.
    yellow = (sticker.image[..., 0] > 240) & (sticker.image[..., 1] > 195) & (sticker.image[..., 2] < 30)
    assert yellow.sum() > 5000


def test_bad_outline_and_caption_options_are_clear_errors(pipeline, photos):
    with pytest.raises(BadInput, match="outline_color"):
        pipeline.run(StickerRequest(image=photos["face"], outline_color="not-a-colour"))
    with pytest.raises(BadInput, match="caption_position: expected one of: bottom, top"):
        pipeline.run(StickerRequest(image=photos["face"], caption_position="middle"))


def test_every_result_is_saved_with_what_it_needs_to_be_made_again(tmp_path, astronaut, detector):
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "out", db_path=str(tmp_path / "db" / "h.sqlite")),
                        detector=detector)
    sticker = pipeline.run(StickerRequest(image=astronaut, text="开心", style="cartoon", seed=5, shadow=True,
                                          session="abc"))
    pipeline.settle()  # the source photo is written after the answer
    folder = sticker.png_path.parent
    record = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    assert record["kind"] == "sticker" and record["request"]["source"] == "source.png"  # an array: kept losslessly
    kept = pipeline.store.private_root / sticker.id / "source.png"  # apart from what is served
    assert kept.is_file() and not (folder / "source.png").exists() and record["request"]["shadow"] is True
    assert record["request"]["seed"] == 5 and record["request"]["style"] == "cartoon"
    assert set(record["timings_ms"]) == {"cache", "load", "detect", "parse", "warp", "style", "finish", "export",
                                         "store", "total"}
    assert record["expression"]["name"] == "happy" and "dlib" in record["versions"]
    # Made again from the record alone: the same picture.
    again = pipeline.run(StickerRequest(image=kept, **{
        k: v for k, v in record["request"].items() if k not in ("source", "session")}))
    assert np.array_equal(again.image, sticker.image) and again.caption == sticker.caption
    (entry,) = pipeline.history.recent(session="abc")
    assert entry["id"] == sticker.id and entry["expression"] == "happy" and entry["style"] == "cartoon"


def test_another_feeling_on_the_same_photo_reuses_its_faces_and_cut_out(tmp_path, detector, photos):
    # No result cache: the identical second request is to be drawn again, from the cached photo.
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "out", result_cache_mb=0), detector=detector)
    first = pipeline.run(StickerRequest(image=photos["face"], text="开心", seed=4))
    # Another upload of the same picture (Gradio gives it a new path): the same content, the same key.
    again = tmp_path / "again.jpg"
    again.write_bytes(photos["face"].read_bytes())
    second = pipeline.run(StickerRequest(image=again, text="开心", seed=4))
    other = pipeline.run(StickerRequest(image=again, text="伤心", seed=4))
    assert (first.summary()["photo_cache"], second.summary()["photo_cache"]) == ("miss", "hit")
    assert "detect" in first.timings and "detect" not in second.timings and "detect" not in other.timings
    assert np.array_equal(first.image, second.image)  # the same picture as without the cache
    record = json.loads((other.png_path.parent / "result.json").read_text(encoding="utf-8"))
    assert record["photo_cache"] == "hit" and other.expression.name == "sad"
    pipeline.settle()
    assert (pipeline.store.private_root / other.id / "source.png").is_file()  # still kept with the result
    assert pipeline.photo_cache.describe()["photos"] == 1
    uncached = Pipeline(Settings(outputs_dir=tmp_path / "off", photo_cache_mb=0), detector=detector)
    uncached.run(StickerRequest(image=photos["face"], text="开心"))
    assert uncached.run(StickerRequest(image=photos["face"], text="开心")).summary()["photo_cache"] == "miss"


def test_the_caption_font_is_a_request_parameter(pipeline):
    heavy = pipeline.run(StickerRequest(template="mochi", text="开心", caption="开心到飞起", seed=1))
    rounded = pipeline.run(StickerRequest(template="mochi", text="开心", caption="开心到飞起", seed=1,
                                          caption_font="rounded"))
    assert not np.array_equal(heavy.image, rounded.image)  # the same sticker, another caption font
    record = json.loads((rounded.png_path.parent / "result.json").read_text(encoding="utf-8"))
    assert record["request"]["caption_font"] == "rounded"
    with pytest.raises(BadInput, match="caption_font"):
        pipeline.run(StickerRequest(template="mochi", text="开心", caption_font="comic-sans"))
