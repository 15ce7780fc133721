"""Built-in templates: drawn characters that take expressions without a photo, the panda head and
festival frames that take the user's face, all listed for the gallery and the API."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emojigen import BadInput, StickerRequest
from emojigen.assets import assets_dir
from emojigen.sticker.templates import load_templates

CHARACTERS = ["mochi", "cat", "bear"]
FESTIVALS = ["spring_festival", "mid_autumn", "birthday", "christmas"]


def test_every_required_template_is_there_and_complete():
    templates = load_templates()
    assert set(CHARACTERS + FESTIVALS + ["panda"]) <= set(templates)
    for template in templates.values():
        assert template.title["zh"] and template.title["en"]
        assert template.preview_path.is_file()
        x0, y0, x1, y1 = template.caption_box
        assert 0 <= x0 < x1 <= template.image.shape[1] and 0 <= y0 < y1 <= template.image.shape[0]
        spec = json.loads((template.folder / "template.json").read_text(encoding="utf-8"))
        assert ("landmarks" in spec) == (template.kind == "character")
        assert ("face_slot" in spec) == (template.kind == "face_slot")


@pytest.mark.parametrize("name", CHARACTERS)
def test_characters_take_expressions_without_a_photo(pipeline, name, artifacts_dir):
    neutral = pipeline.run(StickerRequest(template=name, text="平静", intensity=0.0, caption=""))
    laugh = pipeline.run(StickerRequest(template=name, text="哈哈大笑", caption=""))
    assert neutral.faces_found == 0 and laugh.image.shape == (512, 512, 4)
    # The landmarks drive the drawing: the mouth region changes, the ears and outline do not.
    landmarks = load_templates()[name].landmarks
    x0, y0 = landmarks[48:68].min(axis=0).astype(int) - 10
    x1, y1 = landmarks[48:68].max(axis=0).astype(int) + 30
    mouth_change = np.abs(laugh.image[y0:y1, x0:x1].astype(int) - neutral.image[y0:y1, x0:x1].astype(int)).mean()
    top_change = np.abs(laugh.image[:60].astype(int) - neutral.image[:60].astype(int)).mean()
    assert mouth_change > 15 and top_change < 1
    from PIL import Image

    Image.fromarray(laugh.image).save(artifacts_dir / f"template_{name}_laugh.png")


def test_panda_head_needs_a_photo_and_prints_it_black_and_white(pipeline, photos, artifacts_dir):
    with pytest.raises(BadInput, match="photo"):
        pipeline.run(StickerRequest(template="panda", text="开心"))
    sticker = pipeline.run(StickerRequest(image=photos["face"], template="panda", text="生气", caption="你礼貌吗"))
    slot = load_templates()["panda"].slot
    cx, cy = (round(v) for v in slot.centre)
    face = sticker.image[cy - 60:cy + 60, cx - 60:cx + 60, :3].astype(int)
    assert np.abs(face - face.mean(axis=2, keepdims=True)).max() <= 2  # black and white
    assert face.min() < 60 and face.max() > 200  # with real contrast: dark features on white
    from PIL import Image

    Image.fromarray(sticker.image).save(artifacts_dir / "template_panda.png")


@pytest.mark.parametrize("name", FESTIVALS)
def test_festival_frames_hold_the_users_head(pipeline, photos, name, artifacts_dir):
    sticker = pipeline.run(StickerRequest(image=photos["face"], template=name, text="开心"))
    template = load_templates()[name]
    assert sticker.faces_found == 1
    assert sticker.caption in template.captions["zh"]  # the festival's own greeting
    # The frame's corners are the artwork, the middle is the photo (not the empty slot).
    empty = template.image[200:300, 200:300, :3].astype(int)
    assert np.abs(sticker.image[200:300, 200:300, :3].astype(int) - empty).mean() > 30
    from PIL import Image

    Image.fromarray(sticker.image).save(artifacts_dir / f"template_{name}.png")


def test_unknown_template_is_a_clear_error(pipeline):
    with pytest.raises(BadInput, match="template: no such template"):
        pipeline.run(StickerRequest(template="nope"))


def test_a_broken_template_is_skipped_not_fatal(tmp_path):
    good = assets_dir() / "templates" / "mochi"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "template.json").write_text('{"name": "broken", "kind": "character"}')
    (tmp_path / "mochi").mkdir()
    for f in good.iterdir():
        (tmp_path / "mochi" / f.name).write_bytes(f.read_bytes())
    assert list(load_templates(tmp_path)) == ["mochi"]
