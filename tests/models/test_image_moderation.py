"""The optional image classifier that checks uploads and results, with tiny random-weight ViT models
saved to folders. Random weights decide nothing on purpose, so the outcome is steered by the labels: a
model whose every label is unsafe blocks every picture; a threshold above 1 blocks none."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from emojigen.errors import ModelUnavailable
from emojigen.moderation.images import ImageModerator, ImageVerdict, blocked_image_message

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """labels -> a folder holding a tiny ViT image classifier with those labels (built once each)."""
    import torch

    from emojigen.devtools.random_weights import save_tiny_image_classifier

    built = {}

    def make(*labels: str, dtype: torch.dtype = torch.float32):
        if (labels, dtype) not in built:
            folder = tmp_path_factory.mktemp("classifier-" + "-".join(labels))
            built[labels, dtype] = save_tiny_image_classifier(folder, labels, dtype)
        return built[labels, dtype]

    return make


@pytest.fixture(scope="module")
def pictures(astronaut):
    rng = np.random.default_rng(0)
    return {"astronaut": astronaut, "black": np.zeros((64, 48, 3), np.uint8),
            "noise": rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)}


def test_a_model_whose_labels_are_all_unsafe_blocks_every_picture(classifier, pictures):
    moderator = ImageModerator(str(classifier("nsfw", "porn")))
    for picture in pictures.values():
        verdict = moderator.check(picture)
        assert verdict.blocked and verdict.label in ("nsfw", "porn")
        assert verdict.score == pytest.approx(1.0, abs=1e-5)


def test_a_threshold_above_one_blocks_nothing(classifier, pictures):
    moderator = ImageModerator(str(classifier("normal", "nsfw")), threshold=1.01)
    for picture in pictures.values():
        verdict = moderator.check(picture)
        assert verdict == ImageVerdict(blocked=False, label=None, score=verdict.score)
        assert 0.0 < verdict.score < 1.0


def test_the_score_is_the_unsafe_probability_against_the_threshold(classifier, pictures):
    moderator = ImageModerator(str(classifier("normal", "nsfw")))
    for picture in pictures.values():
        verdict = moderator.check(picture)
        assert isinstance(verdict.score, float) and 0.0 <= verdict.score <= 1.0
        assert verdict.blocked == (verdict.score >= 0.7)
        assert verdict.label == ("nsfw" if verdict.blocked else None)
        # The same picture gives the same score; a threshold just below it blocks it.
        assert moderator.check(picture).score == verdict.score
        lower = ImageModerator(moderator.model, threshold=verdict.score * 0.99)
        assert lower.check(picture).blocked


def test_a_model_saved_in_half_precision_runs(classifier, pictures):
    import torch

    moderator = ImageModerator(str(classifier("nsfw", "porn", dtype=torch.bfloat16)))
    verdict = moderator.check(pictures["astronaut"])
    assert verdict.blocked and verdict.score == pytest.approx(1.0, abs=1e-2)


def test_rgba_and_grey_pictures_are_accepted_and_other_arrays_refused(classifier, pictures):
    moderator = ImageModerator(str(classifier("normal", "nsfw")))
    rgb = pictures["astronaut"]
    opaque = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert moderator.check(opaque).score == pytest.approx(moderator.check(rgb).score, abs=1e-6)
    assert 0.0 <= moderator.check(rgb[..., 0]).score <= 1.0
    assert 0.0 <= moderator.check(np.zeros((20, 20, 4), np.uint8)).score <= 1.0  # transparent: white
    for wrong in (rgb.astype(np.float32), rgb[..., :2], np.zeros((2, 8, 8, 3), np.uint8)):
        with pytest.raises(ValueError, match="uint8"):
            moderator.check(wrong)


def test_operator_chosen_unsafe_labels(classifier, pictures):
    folder = str(classifier("cat", "dog"))
    both = ImageModerator(folder, unsafe_labels=["Cat", " dog "])
    assert both.check(pictures["astronaut"]).blocked
    assert both.describe()["unsafe_labels"] == ["cat", "dog"]
    # Naming labels replaces the built-in words: "nsfw" alone no longer counts.
    cats_only = ImageModerator(str(classifier("nsfw", "cat")), unsafe_labels={"cat"}, threshold=1.01)
    assert not cats_only.check(pictures["black"]).blocked
    assert cats_only.describe()["unsafe_labels"] == ["cat"]


def test_a_model_with_no_unsafe_label_is_refused_at_load(classifier, pictures):
    moderator = ImageModerator(str(classifier("cat", "dog")))
    with pytest.raises(ModelUnavailable) as refused:
        moderator.check(pictures["astronaut"])
    error = refused.value
    assert "no label that marks unsafe images" in error.en and "cat, dog" in error.en
    assert moderator.model in error.en and moderator.model in error.zh and "cat, dog" in error.zh
    # The failure is remembered: raised again at once, and shown on the status page.
    with pytest.raises(ModelUnavailable) as again:
        moderator.check(pictures["black"])
    assert again.value is error
    status = moderator.describe()
    assert status["loaded"] is False and "no label that marks unsafe images" in status["error"]


def test_a_missing_folder_names_the_path(tmp_path, pictures):
    missing = tmp_path / "no-such-classifier"
    moderator = ImageModerator(str(missing))  # nothing is looked at yet
    with pytest.raises(ModelUnavailable) as refused:
        moderator.check(pictures["black"])
    assert str(missing) in refused.value.en and "does not exist" in refused.value.en
    assert str(missing) in refused.value.zh and "不存在" in refused.value.zh


def test_a_folder_or_file_that_is_no_classifier_is_unavailable(tmp_path, pictures):
    empty, broken = tmp_path / "empty", tmp_path / "broken"
    empty.mkdir()
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not really")
    for source, words in ((empty, "no config.json"), (broken, "cannot be loaded"), (weights, "not a model folder")):
        with pytest.raises(ModelUnavailable) as refused:
            ImageModerator(str(source)).check(pictures["black"])
        assert str(source) in refused.value.en and words in refused.value.en
        assert "Traceback" not in str(refused.value)


def test_constructing_imports_and_loads_nothing(classifier):
    folder = classifier("normal", "nsfw")
    code = ("import sys\nfrom emojigen.moderation.images import ImageModerator\n"
            f"m = ImageModerator({str(folder)!r})\n"
            "assert not m.describe()['loaded']\n"
            "print(sorted(k for k in ('torch', 'transformers') if k in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_concurrent_checks_load_once(classifier, pictures, monkeypatch):
    moderator = ImageModerator(str(classifier("normal", "nsfw")))
    assert moderator.describe() == {"model": moderator.model, "loaded": False, "threshold": 0.7,
                                    "device": "cpu", "unsafe_labels": [
                                        "*nsfw*", "*porn*", "*hentai*", "*sexy*", "*explicit*", "*nude*",
                                        "*unsafe*"]}
    loads = []
    real_load = ImageModerator._load

    def slow_load(self):
        loads.append(threading.get_ident())
        time.sleep(0.2)  # every other thread arrives while this one is loading
        return real_load(self)

    monkeypatch.setattr(ImageModerator, "_load", slow_load)
    start = threading.Barrier(8)
    verdicts, errors = [], []

    def check():
        start.wait()
        try:
            verdicts.append(moderator.check(pictures["astronaut"]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and len(loads) == 1 and len(verdicts) == 8
    assert len({v.score for v in verdicts}) == 1
    assert moderator.describe()["loaded"] and moderator.describe()["unsafe_labels"] == ["nsfw"]


def test_the_threshold_must_be_positive_and_the_message_is_bilingual():
    with pytest.raises(ValueError, match="threshold"):
        ImageModerator("somewhere", threshold=0)
    zh, en = blocked_image_message()
    assert "表情包" in zh and "sticker" in en
