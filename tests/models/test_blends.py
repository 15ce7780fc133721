"""Blended feelings on a real face: "sad and angry" shows both, the grief's raised inner brows drawn
together as hard as anger draws them, and the corners as low as sadness puts them; through the whole
chain the summary names the mix."""

from __future__ import annotations

from emojigen import StickerRequest
from emojigen.expression.lexicon import default_lexicon, parse_expression
from emojigen.expression.render import render_expression
from emojigen.face import FaceFrame
from emojigen.sticker.subject import head_at_working_size


def local(landmarks):
    return FaceFrame.from_landmarks(landmarks).to_local(landmarks)


def brow_gap(p):
    return float(p[22, 0] - p[21, 0])


def corner_lift(p):
    return float((p[62, 1] + p[66, 1]) / 2 - (p[48, 1] + p[54, 1]) / 2)


def test_sad_and_angry_shows_both(photo_rgb, detector):
    image, landmarks = head_at_working_size(photo_rgb("young_man"),
                                            detector.detect(photo_rgb("young_man")).face.landmarks, 512)
    spec = parse_expression("sad and angry")
    blended = local(render_expression(image, landmarks, spec.name, spec.intensity,
                                      aus=default_lexicon().blend_aus(spec)).landmarks)
    sad = local(render_expression(image, landmarks, "sad", 1.0).landmarks)
    angry = local(render_expression(image, landmarks, "angry", 1.0).landmarks)
    assert brow_gap(blended) < brow_gap(sad) - 0.01  # drawn together like anger
    assert corner_lift(blended) < corner_lift(angry) - 0.03  # corners down like sadness
    inner = lambda p: -(p[21, 1] + p[22, 1]) / 2  # noqa: E731
    assert inner(blended) > inner(angry) + 0.05  # grief's raised inner brows, not anger's lowered ones


def test_the_summary_names_the_mix(pipeline, photos):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="a bit sad and angry", seed=1))
    summary = sticker.summary()
    assert summary["expression"] == "angry"
    assert [b["name"] for b in summary["blend"]] == ["sad"] and summary["reference"] is None
