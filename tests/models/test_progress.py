"""Progress as a client sees it, for a sticker, an 8-sticker WeChat pack and a 16-frame animation: the bar
only moves forward, is full only at the very end, names every stage (and, inside a pack or an animation,
the member or frame it is at), and the summary's stage times add up to no more than the total."""

from __future__ import annotations

import re

import pytest

from emojigen import Pipeline, Request, Settings
from emojigen.pipeline import PACK_WORKERS

STAGES = ("load", "detect", "parse", "warp", "style", "finish", "export", "store")


@pytest.fixture(scope="module")
def made(detector, photos, tmp_path_factory):
    """kind -> (result, every (label, fraction) reported, in order), each photo prepared afresh (no photo
    cache: every stage runs)."""
    pipeline = Pipeline(Settings(outputs_dir=tmp_path_factory.mktemp("progress"), photo_cache_mb=0),
                        detector=detector)
    image = photos["face"]
    work = {
        "sticker": lambda report: pipeline.run(Request(image=image, text="开心", seed=1), report),
        "pack": lambda report: pipeline.pack(Request(image=image, platform="wechat", count=8, seed=1), report),
        "animation": lambda report: pipeline.animate(Request(image=image, text="惊讶", seed=1), report, frames=16),
    }
    results = {}
    for kind, make in work.items():
        reports: list[tuple[str, float]] = []
        result = make(lambda label, fraction, reports=reports: reports.append((label, fraction)))
        results[kind] = (result, reports)
    return results


@pytest.mark.parametrize("kind", ["sticker", "pack", "animation"])
def test_the_bar_only_moves_forward_and_fills_at_the_end(made, kind):
    _, reports = made[kind]
    fractions = [fraction for _, fraction in reports]
    backwards = [(reports[i], reports[i + 1]) for i in range(len(reports) - 1) if fractions[i + 1] < fractions[i]]
    assert not backwards, backwards
    assert fractions[0] < 0.05 and fractions[-1] == 1.0
    # Full only once the result is stored: a client must not see 100% while work remains.
    assert max(fractions[:-1]) < 1.0, reports[-5:]


@pytest.mark.parametrize("kind", ["sticker", "pack", "animation"])
def test_every_stage_is_named(made, kind):
    _, reports = made[kind]
    stages = {label.split(" · ")[-1] for label, _ in reports}  # "sticker 3/8 · warp" is the warp stage
    assert set(STAGES) <= stages, sorted(stages)


def _first_fraction(reports, label):
    return next(fraction for name, fraction in reports if name == label)


def test_a_pack_reports_each_member_in_turn(made):
    _, reports = made["pack"]
    labels = [label for label, _ in reports]
    for k in range(1, 9):
        for stage in ("warp", "style", "finish", "export"):
            assert f"sticker {k}/8 · {stage}" in labels, labels
    assert not [label for label in labels if re.match(r"sticker (9|\d\d)/", label)]
    # Each member gets its own slice of the bar, in order (not all squeezed against the forward-only clamp).
    starts = [_first_fraction(reports, f"sticker {k}/8 · warp") for k in range(1, 9)]
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False)), starts
    # The photo is read once for the whole pack, before any member.
    assert labels.count("load") == 1 and labels.count("detect") == 1
    assert labels.index("detect") < labels.index("sticker 1/8 · warp")


def test_an_animation_reports_each_frame_in_turn(made):
    _, reports = made["animation"]
    labels = [label for label, _ in reports]
    for k in range(1, 17):
        for stage in ("warp", "style", "finish"):
            assert f"frame {k}/16 · {stage}" in labels, labels
    assert "frame 16/16 · finish" in labels and not any(label.startswith("frame 17/") for label in labels)
    starts = [_first_fraction(reports, f"frame {k}/16 · warp") for k in range(1, 17)]
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False)), starts
    # Encoding and keeping come after the last frame is drawn.
    assert labels.index("export") > labels.index("frame 16/16 · finish")
    assert labels.index("store") > labels.index("export")


@pytest.mark.parametrize("kind", ["sticker", "pack", "animation"])
def test_stage_times_add_up_to_no_more_than_the_total(made, kind):
    result, _ = made[kind]
    timings = dict(result.summary()["timings_ms"])
    total = timings.pop("total")
    assert set(STAGES) <= set(timings), timings
    assert all(ms >= 0 for ms in timings.values()), timings
    assert timings["store"] > 0  # keeping the result is timed too, and counted in the total
    # Each figure is rounded to 0.1 ms, so the sum may exceed the total by up to 0.05 ms per figure. A
    # pack draws PACK_WORKERS members at once: their stage times add up to at most that many totals.
    at_once = PACK_WORKERS if kind == "pack" else 1
    assert total * at_once + 0.05 * (len(timings) + 1) >= sum(timings.values()), timings
