"""History and ratings in SQLite."""

import pytest

from emojigen import BadInput
from emojigen.history import History


def test_results_ratings_and_stats_survive_a_restart(tmp_path):
    db = tmp_path / "h.sqlite"
    history = History(db)
    history.add("a", "sticker", {"text": "开心"}, session="s1", expression="happy", style="photo", preview="a.png")
    history.add("b", "sticker", {"text": "哭"}, session="s2", expression="cry", style="photo")
    history.add("c", "animation", {"text": "开心"}, session="s1", expression="happy", style="cartoon")
    history.add("p", "pack", {"platform": "wechat"}, session="s1", expression="8 × wechat", style="photo")
    assert history.rate("a", 5, session="s1")["stars"] == 5
    history.rate("a", 4, session="s1")  # rating again replaces the earlier one
    history.rate("b", 2, session="s2")
    with pytest.raises(BadInput, match="in your session"):
        history.rate("b", 5, session="s1")  # not another session's
    assert history.get("b")["stars"] == 2

    again = History(db)  # a new process opening the same file
    assert [e["id"] for e in again.recent(session="s1")] == ["p", "c", "a"]
    assert [e["id"] for e in again.recent(limit=2)] == ["p", "c"]
    first = again.get("a")
    assert first["stars"] == 4 and first["request"] == {"text": "开心"} and first["preview"] == "a.png"
    stats = {(s["expression"], s["style"]): s for s in again.stats()}
    assert stats[("happy", "photo")] == {"expression": "happy", "style": "photo", "made": 1, "rated": 1,
                                         "average": 4.0}
    assert stats[("cry", "photo")]["average"] == 2.0 and stats[("happy", "cartoon")]["rated"] == 0
    assert not any(s["expression"].endswith("wechat") for s in again.stats())  # packs are not one expression


@pytest.mark.parametrize("stars", [0, 6, "lots", None])
def test_bad_ratings_are_refused_and_change_nothing(tmp_path, stars):
    history = History(tmp_path / "h.sqlite")
    history.add("a", "sticker", {}, expression="happy")
    history.rate("a", 3)
    with pytest.raises(BadInput, match="1 to 5 stars"):
        history.rate("a", stars)
    assert history.get("a")["stars"] == 3


def test_rating_an_unknown_result_is_a_clear_error(tmp_path):
    with pytest.raises(BadInput, match="no result with the id 'nope'"):
        History(tmp_path / "h.sqlite").rate("nope", 3)


def test_nothing_is_written_until_first_use_and_an_old_huge_seed_does_not_break_the_list(tmp_path):
    db = tmp_path / "sub" / "h.sqlite"
    history = History(db)
    assert not db.exists() and not db.parent.exists()  # the constructor does no I/O
    history.add("old", "sticker", {"seed": 2**64, "text": "开心"}, session="s", expression="happy")
    (entry,) = history.recent()
    assert entry["request"]["seed"] == str(2**64) and entry["request"]["text"] == "开心"
