"""Moderation in the whole chain: a feeling, a caption or a pack's expression list holding words from
the lists is refused before any photo is read, with a message that does not repeat them; nothing is
kept; an operator's lists add and allow words; the status says the checks are on."""

from __future__ import annotations

import pytest

from emojigen import BadInput, Pipeline, Settings, StickerRequest
from emojigen.moderation import blocked_message
from emojigen.pack import PackRequest

REFUSED = ["heil hitler", "希特勒万岁", "kill yourself", "傻 逼"]


@pytest.fixture(scope="module")
def results_before(pipeline):
    return lambda: {p.name for p in pipeline.store.root.iterdir()} if pipeline.store.root.exists() else set()


@pytest.mark.parametrize("words", REFUSED)
def test_a_refused_feeling_or_caption_is_refused_at_once(pipeline, photos, results_before, words):
    kept = results_before()
    for request in (StickerRequest(image=photos["face"], text=words),
                    StickerRequest(image=photos["face"], text="开心", caption=words)):
        with pytest.raises(BadInput) as refused:
            pipeline.run(request)
        assert (refused.value.zh, refused.value.en) == blocked_message()
        assert words not in str(refused.value)
    assert results_before() == kept  # nothing written


def test_a_pack_with_a_refused_expression_is_refused(pipeline, photos):
    with pytest.raises(BadInput, match="rephrase"):
        pipeline.pack(PackRequest(image=photos["face"], platform="wechat", count=8,
                                  expressions=["开心", "heil hitler"]))


def test_ordinary_feelings_pass(pipeline, photos):
    for text in ("气死我了", "笑死我了", "I'm dead lol", "so sad"):
        assert pipeline.run(StickerRequest(image=photos["face"], text=text, caption="")).png_path.is_file()


def test_operator_lists_and_switch(tmp_path, detector, photos):
    block, allow = tmp_path / "block.txt", tmp_path / "allow.txt"
    block.write_text("# our own\nbroccoli\n", encoding="utf-8")
    allow.write_text("sieg heil\n", encoding="utf-8")  # an operator may allow anything (here: to test it)
    settings = Settings(outputs_dir=tmp_path / "out", moderation_block_file=str(block),
                        moderation_allow_file=str(allow))
    from emojigen.factory import build_pipeline

    operated = build_pipeline(settings)
    operated.detector = detector
    with pytest.raises(BadInput):
        operated.run(StickerRequest(image=photos["face"], text="broccoli"))
    assert operated.run(StickerRequest(image=photos["face"], text="sieg heil", caption="")).png_path.is_file()
    status = operated.backend_status()["moderation"]
    assert status["text"] and status["block_file_entries"] == 1 and status["allow_file_entries"] == 1

    unmoderated = Pipeline(Settings(outputs_dir=tmp_path / "private", moderation=False), detector=detector)
    assert unmoderated.backend_status()["moderation"]["text"] is False
    assert unmoderated.run(StickerRequest(image=photos["face"], text="heil hitler", caption="")).png_path.is_file()


def test_an_image_classifier_refuses_uploads_and_results_when_configured(tmp_path, detector, photos):
    """With EMOJIGEN_NSFW_MODEL set (here tiny random classifiers: their labels steer the outcome), a
    picture it flags is refused before anything is kept; one it passes makes a sticker."""
    from emojigen.devtools.random_weights import save_tiny_image_classifier
    from emojigen.factory import build_pipeline

    flags_all = save_tiny_image_classifier(tmp_path / "all", ("nsfw", "porn"))
    refusing = build_pipeline(Settings(outputs_dir=tmp_path / "a", nsfw_model=str(flags_all)))
    refusing.detector = detector
    with pytest.raises(BadInput, match="another one") as refused:
        refusing.run(StickerRequest(image=photos["face"], text="开心"))
    assert "换一张" in refused.value.zh
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").rglob("*.png"))  # nothing kept
    assert refusing.backend_status()["moderation"]["images"]["model"] == str(flags_all)

    passes = save_tiny_image_classifier(tmp_path / "some", ("normal", "nsfw"))
    allowing = build_pipeline(Settings(outputs_dir=tmp_path / "b", nsfw_model=str(passes), nsfw_threshold=1.01))
    allowing.detector = detector
    assert allowing.run(StickerRequest(image=photos["face"], text="开心", caption="")).png_path.is_file()
