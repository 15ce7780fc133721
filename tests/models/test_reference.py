"""Copying an expression from another photo: its action units are read and put on the user's face,
through the whole chain; the summary says what was read; a reference without a face is a clear error."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from emojigen import BadInput, StickerRequest
from emojigen.expression.reading import read_aus
from emojigen.expression.render import render_expression
from emojigen.face import FaceFrame
from emojigen.sticker.subject import head_at_working_size


def local(landmarks):
    return FaceFrame.from_landmarks(landmarks).to_local(landmarks)


@pytest.fixture(scope="module")
def surprised_photo(photo_rgb, tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "surprised.jpg"
    Image.fromarray(photo_rgb("surprised_woman")).save(path, quality=92)
    return path


def test_a_surprised_reference_makes_the_face_surprised(photo_rgb, detector):
    reference = read_aus(detector.detect(photo_rgb("surprised_woman")).face.landmarks)
    image, landmarks = head_at_working_size(photo_rgb("obama"), detector.detect(photo_rgb("obama")).face.landmarks,
                                            512)
    out = render_expression(image, landmarks, "smile", 1.0, aus=reference)
    before, after = local(landmarks), local(detector.detect(out.image).face.landmarks)
    brows = lambda p: -(p[21, 1] + p[22, 1]) / 2  # noqa: E731
    assert brows(after) > brows(before) + 0.05  # the reference's raised brows
    corner_lift = lambda p: (p[62, 1] + p[66, 1]) / 2 - (p[48, 1] + p[54, 1]) / 2  # noqa: E731
    assert corner_lift(after) < corner_lift(before) - 0.04  # no grin left: her mouth is an O
    assert local(out.landmarks)[66, 1] - local(out.landmarks)[62, 1] > 0.25  # the jaw dropped


def test_the_pipeline_copies_the_reference_and_says_what_it_read(pipeline, photos, surprised_photo):
    plain = pipeline.run(StickerRequest(image=photos["face"], text="开心", seed=3))
    copied = pipeline.run(StickerRequest(image=photos["face"], text="开心", seed=3, reference=surprised_photo))
    read = json.loads((copied.png_path.parent / "result.json").read_text(encoding="utf-8"))
    aus = read["reference"]["aus"]
    assert aus.get("AU26", 0) > 0.3 and aus.get("AU1", 0) > 0.3 and "AU12" not in aus
    assert copied.summary()["reference"]["aus"] == aus  # what the page's log and the API show
    assert read["request"]["reference"] == "given"  # the reference photo itself is not kept
    assert "reference" in copied.timings
    assert copied.caption == plain.caption  # the words still choose the caption
    assert not np.array_equal(np.asarray(Image.open(plain.png_path)), np.asarray(Image.open(copied.png_path)))


def test_a_reference_without_a_face_is_a_clear_error(pipeline, photos):
    with pytest.raises(BadInput) as error:
        pipeline.run(StickerRequest(image=photos["face"], text="开心", reference=photos["no_face"]))
    assert "参考照片" in error.value.zh and "reference photo" in error.value.en
