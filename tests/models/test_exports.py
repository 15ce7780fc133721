"""Every platform's sticker files, static and animated, opened and checked against its limits."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image
from platform_checks import check_sticker, frames_and_durations

from emojigen import BadInput, StickerRequest
from emojigen.export import PLATFORMS, TooLarge, export_animated, export_static
from emojigen.export.platforms import Limits
from emojigen.expression.animate import intensity_curve
from emojigen.pack import PackRequest, make_pack
from emojigen.plan import make_plan
from emojigen.progress import Tracker


@pytest.fixture(scope="module")
def rendered(pipeline, photos):
    """name -> (static sticker, animation frames), each drawn at the platform's own size."""
    request = StickerRequest(image=photos["face"], text="震惊", caption="震惊！")
    span = Tracker().root()
    cache = {}

    def get(size: int):
        if size not in cache:
            plan = make_plan(request, "animation", sticker_size=size, font_path="", templates={},
                             diffusion_ready=False)
            prepared = pipeline.prepare(plan, span, [])
            frames = [pipeline.render(prepared, "surprised", k, plan.look, plan.framing, "震惊！", span)
                      for k in intensity_curve(16, 1.0)]
            cache[size] = (frames[8], frames)
        return cache[size]

    return get


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_static_sticker_fits_the_platform(rendered, name):
    limits = PLATFORMS[name].static
    image, _ = rendered(max(limits.size))
    exported = export_static(image, limits)
    check_sticker(exported.data, limits, animated=False)
    if name == "line":  # LINE wants even sides
        assert all(side % 2 == 0 for side in limits.size)


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_animated_sticker_fits_the_platform(rendered, name, artifacts_dir):
    limits = PLATFORMS[name].animated
    _, frames = rendered(max(limits.size))
    exported = export_animated(frames, 80, limits)
    decoded = check_sticker(exported.data, limits, animated=True)
    # The face moves: the middle frame differs from the first.
    assert np.abs(decoded[len(decoded) // 2].astype(int) - decoded[0].astype(int)).mean() > 1.0
    (artifacts_dir / f"animated_{name}.{exported.extension}").write_bytes(exported.data)


def test_line_animation_lasts_whole_seconds_and_plays_a_set_number_of_times(rendered):
    limits = PLATFORMS["line"].animated
    _, frames = rendered(320)
    data = export_animated(frames, 80, limits).data
    _, durations, _ = frames_and_durations(data)
    assert sum(durations) in (1000, 2000, 3000, 4000)
    assert Image.open(io.BytesIO(data)).info.get("loop") == limits.loops


def test_too_big_to_fit_is_a_clear_error():
    noise = np.random.default_rng(0).integers(0, 256, (512, 512, 4), dtype=np.uint8)
    noise[..., 3] = 255
    with pytest.raises(TooLarge) as info:
        export_static(noise, Limits("png", (512, 512), 20 * 1024))
    assert "KB" in info.value.zh and "limit" in info.value.en


def test_a_file_just_over_is_made_smaller_and_the_user_is_told(rendered):
    image, _ = rendered(512)
    full = export_static(image, Limits("png", (512, 512), 10**9))
    squeezed = export_static(image, Limits("png", (512, 512), len(full.data) // 2))
    assert len(squeezed.data) <= len(full.data) // 2
    assert squeezed.notes and "colours" in squeezed.notes[0].en


@pytest.mark.parametrize("name,count", [("wechat", 8), ("wechat", 16), ("telegram", 5), ("whatsapp", 3),
                                        ("line", 8), ("discord", 4)])
def test_pack_zip_has_each_platforms_layout(pipeline, photos, name, count):
    pack = make_pack(pipeline, PackRequest(image=photos["face"], platform=name, count=count, seed=1))
    platform = PLATFORMS[name]
    archive = zipfile.ZipFile(pack.zip_path)
    names = archive.namelist()
    stickers = sorted(n for n in names if n.rsplit("/", 1)[-1][:2].isdigit() and not n.startswith("thumb/"))
    assert len(stickers) == count and len(set(m.expression for m in pack.members)) == count
    for sticker in stickers:
        check_sticker(archive.read(sticker), platform.static, animated=False)
    for extra in platform.extras:
        member = next(n for n in names if n.startswith(extra.name + "."))
        data = archive.read(member)
        assert len(data) <= extra.max_bytes
        assert Image.open(io.BytesIO(data)).size == extra.size
    if platform.per_sticker_thumbnail:
        thumbs = [n for n in names if n.startswith("thumb/")]
        assert len(thumbs) == count
        assert Image.open(io.BytesIO(archive.read(thumbs[0]))).size == platform.per_sticker_thumbnail
    assert "manifest.json" in names


def test_animated_pack(pipeline, photos):
    pack = make_pack(pipeline, PackRequest(image=photos["face"], platform="wechat", count=8, animated=True, seed=2))
    archive = zipfile.ZipFile(pack.zip_path)
    gifs = [n for n in archive.namelist() if n.startswith("main/")]
    assert len(gifs) == 8
    for name in gifs:
        check_sticker(archive.read(name), PLATFORMS["wechat"].animated, animated=True)


def test_pack_counts_and_expressions_are_checked(pipeline, photos):
    with pytest.raises(BadInput, match="8/16/24"):
        make_pack(pipeline, PackRequest(image=photos["face"], platform="wechat", count=10))
    with pytest.raises(BadInput, match="qwerty"):
        make_pack(pipeline, PackRequest(image=photos["face"], platform="wechat", expressions="开心, qwerty"))
    pack = make_pack(pipeline, PackRequest(image=photos["face"], platform="wechat", count=24,
                                           expressions="生气，哭、eye_roll", seed=3))
    assert [m.expression for m in pack.members[:3]] == ["angry", "cry", "eye_roll"]
    assert len(pack.members) == 24  # more than the 17 expressions: the list repeats, stronger
    assert pack.members[20].intensity > pack.members[3].intensity


def test_a_pack_finds_the_face_and_cuts_it_out_once(pipeline, photos, monkeypatch):
    import emojigen.sticker.subject as subject_module

    calls = {"detect": 0, "matte": 0}
    real_detect, real_matte = pipeline.detector.detect, subject_module.matte

    def counting_detect(rgb, face=None):
        calls["detect"] += 1
        return real_detect(rgb, face)

    def counting_matte(*args):
        calls["matte"] += 1
        return real_matte(*args)

    monkeypatch.setattr(pipeline.detector, "detect", counting_detect)
    monkeypatch.setattr(subject_module, "matte", counting_matte)
    make_pack(pipeline, PackRequest(image=photos["face"], platform="wechat", count=16, seed=4))
    assert calls == {"detect": 1, "matte": 1}


def test_single_sticker_for_a_platform_and_animated(pipeline, photos):
    sticker = pipeline.run(StickerRequest(image=photos["face"], text="开心", platform="whatsapp"))
    check_sticker(sticker.platform_file.read_bytes(), PLATFORMS["whatsapp"].static, animated=False)
    animated = pipeline.animate(StickerRequest(image=photos["face"], text="生气", platform="telegram"))
    check_sticker(animated.platform_file.read_bytes(), PLATFORMS["telegram"].animated, animated=True)
    frames, durations, fmt = frames_and_durations(animated.files["animation.gif"].read_bytes())
    assert fmt == "GIF" and len(frames) > 5 and frames[0][0, 0, 3] == 0
    frames, _, fmt = frames_and_durations(animated.files["animation.webp"].read_bytes())
    assert fmt == "WEBP" and len(frames) > 5
