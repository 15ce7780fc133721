"""The result cache: an identical request (same photo content or template, text, options and seed) is
answered with the result already made, as a new result of its own; anything that could change the
picture is a miss; a seed left out still gives each session a new sticker; a photo's results stay with
the session that made them; bounded by memory; retention and deleted files are respected."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

from emojigen import Pipeline, Settings, StickerRequest
from emojigen.result_cache import ResultCache, lora_fingerprint, request_keys


def _pipeline(tmp_path: Path, detector, **settings) -> Pipeline:
    return Pipeline(Settings(outputs_dir=tmp_path / "out", **settings), detector=detector)


def _record(sticker) -> dict:
    return json.loads((sticker.png_path.parent / "result.json").read_text(encoding="utf-8"))


def test_an_identical_request_is_served_as_a_new_result_of_its_own(tmp_path, detector, photos):
    pipeline = _pipeline(tmp_path, detector)
    ask = dict(image=photos["face"], text="伤心", seed=7, session="alice", platform="telegram")
    first = pipeline.run(StickerRequest(**ask))
    again = pipeline.run(StickerRequest(**ask))
    assert (first.result_cache, again.result_cache) == ("miss", "hit")
    assert again.id != first.id and np.array_equal(again.image, first.image) and again.caption == first.caption
    assert set(again.timings) == {"cache", "total"} and "detect" in first.timings
    assert sorted(again.files) == sorted(first.files) and again.platform_file.name == first.platform_file.name
    for name, path in again.files.items():  # the same bytes, in the new result's own folder
        assert path.parent.name == again.id and path.read_bytes() == first.files[name].read_bytes()
    record = _record(again)
    assert record["id"] == again.id and record["result_cache"] == "hit" and _record(first)["result_cache"] == "miss"
    assert record["request"]["seed"] == 7 and record["request"]["session"] == "alice"
    assert [e["id"] for e in pipeline.history.recent(session="alice")] == [again.id, first.id]
    pipeline.settle()
    kept = pipeline.store.private_root / again.id / "source.png"
    assert kept.read_bytes() == (pipeline.store.private_root / first.id / "source.png").read_bytes()
    assert pipeline.result_cache.describe()["hits"] == 1


def test_anything_that_changes_the_picture_is_a_miss(tmp_path, detector, photos, astronaut):
    pipeline = _pipeline(tmp_path, detector)
    group = tmp_path / "group.png"
    Image.fromarray(np.hstack([astronaut, astronaut])).save(group)
    base = dict(image=group, text="开心", seed=3, session="bob", face=0)
    assert pipeline.run(StickerRequest(**base)).result_cache == "miss"
    changes = [{"face": 1}, {"text": "生气"}, {"seed": 4}, {"caption": "别的字"}, {"style": "cartoon"},
               {"intensity": 0.5}, {"mouth_open": 0.3}]
    for change in changes:
        assert pipeline.run(StickerRequest(**{**base, **change})).result_cache == "miss", change
    assert pipeline.animate(StickerRequest(**base), frames=4).result_cache == "miss"  # another kind
    # The same file name with other content: never the old result.
    Image.fromarray(np.hstack([astronaut[:, ::-1], astronaut])).save(group)
    changed = pipeline.run(StickerRequest(**base))
    assert changed.result_cache == "miss"
    Image.fromarray(np.hstack([astronaut, astronaut])).save(group)  # and back: the first result again
    assert pipeline.run(StickerRequest(**base)).result_cache == "hit"


def test_without_a_seed_each_session_still_gets_a_new_sticker(tmp_path, detector):
    pipeline = _pipeline(tmp_path, detector)
    mine = [pipeline.run(StickerRequest(template="cat", text="开心", session="carol")) for _ in range(3)]
    assert [s.result_cache for s in mine] == ["miss"] * 3
    assert len({s.id for s in mine}) == 3
    # Another user asking for the same template and feeling gets the latest one, made for nobody in particular.
    theirs = pipeline.run(StickerRequest(template="cat", text="开心", session="dave"))
    assert theirs.result_cache == "hit" and theirs.seed == mine[-1].seed and np.array_equal(theirs.image,
                                                                                             mine[-1].image)
    # Asking with the seed a summary showed replays that very sticker.
    replay = pipeline.run(StickerRequest(template="cat", text="开心", session="carol", seed=mine[0].seed))
    assert replay.result_cache == "hit" and np.array_equal(replay.image, mine[0].image)


def test_a_photos_result_is_never_given_to_another_session(tmp_path, detector, photos):
    pipeline = _pipeline(tmp_path, detector)
    ask = dict(image=photos["face"], text="开心", seed=1)
    pipeline.run(StickerRequest(**ask, session="frank"))
    assert pipeline.run(StickerRequest(**ask, session="grace")).result_cache == "miss"
    assert pipeline.run(StickerRequest(**ask, session="frank")).result_cache == "hit"


def test_concurrent_identical_requests_all_get_the_same_picture(tmp_path, detector, photos):
    pipeline = _pipeline(tmp_path, detector)
    ask = dict(image=photos["face"], text="惊讶", seed=11, session="heidi")
    results, errors = [], []

    def one() -> None:
        try:
            results.append(pipeline.run(StickerRequest(**ask)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(results) == 6 and len({s.id for s in results}) == 6
    assert all(np.array_equal(s.image, results[0].image) for s in results)
    assert pipeline.run(StickerRequest(**ask)).result_cache == "hit"


def test_retention_and_deleted_files_are_respected(tmp_path, detector):
    pipeline = _pipeline(tmp_path, detector, retention_hours=1.0)
    first = pipeline.run(StickerRequest(template="cat", text="开心", seed=2))
    entry = next(iter(pipeline.result_cache._entries.values()))
    entry.made = time.time() - 3601  # older than the retention period: never served
    assert pipeline.run(StickerRequest(template="cat", text="开心", seed=2)).result_cache == "miss"
    second = pipeline.run(StickerRequest(template="cat", text="开心", seed=2))
    assert second.result_cache == "hit"
    pipeline.store.remove(second.id)  # its files were swept: drawn again, not a broken result
    third = pipeline.run(StickerRequest(template="cat", text="开心", seed=2))
    assert third.result_cache == "miss" and third.png_path.is_file() and first.png_path.is_file()
    assert pipeline.history.get(second.id)["id"] == second.id


def test_off_when_its_memory_is_zero(tmp_path, detector):
    pipeline = _pipeline(tmp_path, detector, result_cache_mb=0)
    for _ in range(2):
        sticker = pipeline.run(StickerRequest(template="cat", text="开心", seed=2))
        assert sticker.result_cache is None and "result_cache" not in sticker.timings


def test_bounded_by_memory_least_recently_used_out(tmp_path, detector):
    pipeline = _pipeline(tmp_path, detector, result_cache_mb=2.5)  # two 512 px stickers (1 MB each)
    made = {t: pipeline.run(StickerRequest(template=t, text="开心", seed=1)) for t in ("cat", "bear")}
    assert pipeline.run(StickerRequest(template="cat", text="开心", seed=1)).result_cache == "hit"  # bear is oldest
    pipeline.run(StickerRequest(template="mochi", text="开心", seed=1))
    assert pipeline.result_cache.describe()["results"] == 2 and pipeline.result_cache.describe()["mb"] <= 2.5
    assert pipeline.run(StickerRequest(template="bear", text="开心", seed=1)).result_cache == "miss"
    assert made["bear"].png_path.is_file()  # forgetting is not deleting


def test_the_key_holds_the_model_and_its_adapters(tmp_path):
    request = StickerRequest(template="cat", text="开心", seed=1, style="anime")
    folder = tmp_path / "lora"
    folder.mkdir()
    (folder / "anime.safetensors").write_bytes(b"weights")
    before = request_keys("sticker", request, 1, None, None, ("model", lora_fingerprint(str(folder))))
    (folder / "anime.safetensors").write_bytes(b"retrained weights")
    after = request_keys("sticker", request, 1, None, None, ("model", lora_fingerprint(str(folder))))
    assert before.seeded != after.seeded and before.scope == after.scope == "*"
    other_model = request_keys("sticker", request, 1, None, None, ("other", lora_fingerprint(str(folder))))
    assert other_model.seeded != after.seeded
    assert ResultCache(max_mb=0, retention_hours=72).find(before, "s") is None
