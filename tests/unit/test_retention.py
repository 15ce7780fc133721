"""Retention: results and kept uploads older than the period are deleted, their history rows stay and
say "expired", old files in the web server's upload folder go too, and nothing newer is touched."""

from __future__ import annotations

import os
import time

import pytest

from emojigen.history import History
from emojigen.retention import MIN_INTERVAL, Sweeper
from emojigen.store import OutputStore

HOUR = 3600.0


def _result(store: OutputStore, history: History, made: float, session: str = "s") -> str:
    result_id = store.new_id()
    paths = store.write_files(result_id, {"sticker.png": b"png", "result.json": b"{}"})
    private = store.write_private(result_id, "source.png", b"photo")
    history.add(result_id, "sticker", {"text": "开心"}, session=session, expression="happy",
                preview=str(paths["sticker.png"]))
    for path in [*paths.values(), private, private.parent, paths["sticker.png"].parent]:
        os.utime(path, (made, made))
    return result_id


def test_old_results_are_deleted_and_their_rows_say_expired(tmp_path):
    store, history = OutputStore(tmp_path / "out"), History(tmp_path / "h.sqlite")
    now = time.time()
    old = _result(store, history, now - 73 * HOUR)
    new = _result(store, history, now - 1 * HOUR)
    history.rate(old, 4, session="s")

    swept = Sweeper(store, history, hours=72).sweep(now)
    assert swept.results == (old,)
    assert not (store.root / old).exists() and not (store.private_root / old).exists()
    assert (store.root / new / "sticker.png").is_file() and (store.private_root / new / "source.png").is_file()
    entries = {e["id"]: e for e in history.recent(session="s")}
    assert entries[old]["expired"] and entries[old]["preview"] == "" and entries[old]["stars"] == 4
    assert not entries[new]["expired"] and entries[new]["preview"]
    assert Sweeper(store, history, hours=72).sweep(now).results == ()  # nothing left to do


def test_an_upload_kept_without_its_result_goes_too(tmp_path):
    store = OutputStore(tmp_path / "out")
    orphan = store.new_id()
    kept = store.write_private(orphan, "source.png", b"photo")
    old = time.time() - 100 * HOUR
    os.utime(kept, (old, old))
    os.utime(kept.parent, (old, old))
    assert Sweeper(store, None, hours=72).sweep().results == (orphan,)
    assert not kept.exists()


def test_old_files_in_the_upload_folder_are_cleared(tmp_path):
    uploads = tmp_path / "gradio"
    old_file, new_file = uploads / "abc" / "photo.jpg", uploads / "def" / "photo.jpg"
    for path in (old_file, new_file):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    past = time.time() - 80 * HOUR
    os.utime(old_file, (past, past))
    os.utime(old_file.parent, (past, past))
    swept = Sweeper(OutputStore(tmp_path / "out"), None, hours=72, folders=[uploads]).sweep()
    assert swept.files == 1 and not old_file.exists() and new_file.is_file()


def test_the_interval_is_a_tenth_of_the_period_but_not_too_often(tmp_path):
    store = OutputStore(tmp_path / "out")
    assert Sweeper(store, None, hours=72).interval == pytest.approx(7.2 * HOUR)
    assert Sweeper(store, None, hours=0.001).interval == MIN_INTERVAL
    with pytest.raises(ValueError):
        Sweeper(store, None, hours=0)


def test_a_history_from_before_retention_gains_the_column(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE results (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL, "
               "session TEXT NOT NULL DEFAULT '', expression TEXT NOT NULL DEFAULT '', style TEXT NOT NULL "
               "DEFAULT '', backend TEXT NOT NULL DEFAULT '', caption TEXT NOT NULL DEFAULT '', preview TEXT NOT "
               "NULL DEFAULT '', request TEXT NOT NULL)")
    db.execute("INSERT INTO results VALUES ('20260101-000000-abcdef12', 'sticker', 1.0, 's', 'happy', 'photo', "
               "'classic', '', 'x.png', '{}')")
    db.commit()
    db.close()
    (entry,) = History(path).recent(session="s")
    assert entry["expired"] is False and entry["expression"] == "happy"  # nothing saved is lost
