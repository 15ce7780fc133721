"""The whole pipeline with its history in a real PostgreSQL server (tests/postgres_server.py): a sticker's
row with its session, ratings, and the retention sweeper's expired mark, all in the server's database."""

import time

import postgres_server
import pytest

from emojigen import Pipeline, Settings, StickerRequest
from emojigen.retention import Sweeper

pytestmark = pytest.mark.e2e
postgres, database_url = postgres_server.postgres, postgres_server.database_url  # the server's fixtures


def test_a_pipeline_keeps_its_history_in_postgresql(tmp_path, detector, database_url):
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "out", database_url=database_url, result_cache_mb=0),
                        detector=detector)
    assert pipeline.history.path is None and pipeline.history.local_files() == []
    sticker = pipeline.run(StickerRequest(template="cat", text="开心", session="pg-session"))
    pipeline.settle()

    import psycopg

    with psycopg.connect(database_url) as db:  # straight from the server, not through the History
        session, kind, request = db.execute("SELECT session, kind, request FROM results WHERE id = %s",
                                            (sticker.id,)).fetchone()
    assert (session, kind) == ("pg-session", "sticker") and '"template": "cat"' in request

    (entry,) = pipeline.history.recent(session="pg-session")
    assert entry["id"] == sticker.id and entry["request"]["text"] == "开心" and entry["expired"] is False
    assert pipeline.history.recent(session="someone-else") == []
    assert pipeline.history.rate(sticker.id, 5, session="pg-session")["stars"] == 5
    assert any(s["rated"] == 1 and s["average"] == 5.0 for s in pipeline.history.stats())

    swept = Sweeper(pipeline.store, pipeline.history, hours=72).sweep(time.time() + 73 * 3600)
    assert sticker.id in swept.results
    expired = pipeline.history.get(sticker.id)
    assert expired["expired"] is True and expired["stars"] == 5 and expired["preview"] == ""
    with psycopg.connect(database_url) as db:
        assert db.execute("SELECT expired IS NOT NULL FROM results WHERE id = %s", (sticker.id,)).fetchone()[0]
    pipeline.history.close()
