"""`face` picks one person in a group photo, counting from 0 left to right: the sticker is of that person
(dlib's face descriptor, compared with every face in the photo), the summary says which face was used
and lists every face found, and the choice flows through animations and packs. A number past the last
face is refused, saying how many faces there are."""

from __future__ import annotations

import json

import numpy as np
import pytest
from identity import SAME_PERSON, FaceIdentity

from emojigen import BadParameter, Request
from emojigen.pipeline import faces_summary

# As in test_expression_on_faces: an edited face stays well under dlib's 0.6 same-person threshold.
IDENTITY_LIMIT = 0.5


@pytest.fixture(scope="module")
def identity():
    return FaceIdentity()


@pytest.fixture(scope="module")
def group(photo_rgb, detector, identity):
    """The group photo, every face found in it (left to right) and each face's descriptor."""
    image = photo_rgb("group")
    boxes = detector.detect(image).boxes
    descriptors = [identity.descriptor(image, detector.detect(image, i).face.landmarks) for i in range(len(boxes))]
    return image, boxes, descriptors


def who(sticker_rgba, detector, identity, descriptors):
    """Descriptor distances from the one face on a sticker (as seen on white) to each face of the photo."""
    alpha = sticker_rgba[..., 3:4] / 255.0
    seen = (sticker_rgba[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    found = detector.detect(seen)
    assert found.count == 1, "a sticker shows one person"
    mine = identity.descriptor(seen, found.face.landmarks)
    return [identity.distance(mine, theirs) for theirs in descriptors]


def assert_is_person(distances, index):
    assert int(np.argmin(distances)) == index, distances
    assert distances[index] < IDENTITY_LIMIT, distances
    assert all(d > SAME_PERSON for i, d in enumerate(distances) if i != index), distances


def test_the_group_photo_has_several_faces_numbered_from_the_left(group):
    _, boxes, _ = group
    assert len(boxes) >= 3
    lefts = [box[0] for box in boxes]
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), boxes


@pytest.mark.parametrize("index", [0, 1])
def test_each_chosen_face_makes_a_sticker_of_that_person(pipeline, detector, identity, group, index):
    image, boxes, descriptors = group
    sticker = pipeline.run(Request(image=image, text="neutral", caption="", face=index, seed=1))
    assert_is_person(who(sticker.image, detector, identity, descriptors), index)
    summary = sticker.summary()
    assert summary["face"] == index and summary["faces_found"] == len(boxes)
    assert summary["faces"] == faces_summary(boxes)
    assert [face["index"] for face in summary["faces"]] == list(range(len(boxes)))
    assert [face["box"][0] for face in summary["faces"]] == sorted(face["box"][0] for face in summary["faces"])
    # The notice says which face was used, in both languages.
    notice = next(w for w in summary["warnings"] if w["code"] == "faces_found")
    assert f"{index} 号" in notice["zh"] and f"face {index}" in notice["en"]


def test_a_face_past_the_last_is_refused_saying_how_many_there_are(pipeline, group):
    image, boxes, _ = group
    with pytest.raises(BadParameter) as caught:
        pipeline.run(Request(image=image, text="开心", face=len(boxes)))
    error = caught.value
    assert error.param == "face"
    assert "参数 face" in error.zh and str(len(boxes)) in error.zh
    assert "Parameter face" in error.en and f"{len(boxes)} face" in error.en


def test_the_chosen_face_flows_through_an_animation(pipeline, detector, identity, group):
    image, boxes, descriptors = group
    animation = pipeline.animate(Request(image=image, text="开心", caption="", face=1, seed=1))
    summary = animation.summary()
    assert summary["face"] == 1 and summary["faces_found"] == len(boxes)
    assert_is_person(who(animation.image, detector, identity, descriptors), 1)


def test_the_chosen_face_flows_through_a_pack(pipeline, detector, identity, group):
    image, boxes, descriptors = group
    pack = pipeline.pack(Request(image=image, face=1, platform="wechat", count=8, seed=1))
    assert len(pack.members) == 8 and len(pack.previews) == 8
    record = json.loads((pipeline.store.root / pack.id / "result.json").read_text(encoding="utf-8"))
    assert record["request"]["face"] == 1 and record["faces_found"] == len(boxes)
    for preview in (pack.previews[0], pack.previews[-1]):  # every member is drawn from the same face
        assert_is_person(who(preview, detector, identity, descriptors), 1)
