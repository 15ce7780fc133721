"""The history's schema: made on first use, upgraded in place by numbered migrations recorded in
schema_version, idempotent, and safe when several processes start at once (SQLite and PostgreSQL)."""

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import postgres_server
import pytest

from emojigen.db.migrations import MIGRATIONS, latest
from emojigen.history import History

ROOT = Path(__file__).resolve().parents[2]
postgres, database_url = postgres_server.postgres, postgres_server.database_url  # the server's fixtures

BEFORE_RETENTION = """
CREATE TABLE results (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL,
    session TEXT NOT NULL DEFAULT '', expression TEXT NOT NULL DEFAULT '', style TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL DEFAULT '', caption TEXT NOT NULL DEFAULT '', preview TEXT NOT NULL DEFAULT '',
    request TEXT NOT NULL);
CREATE INDEX results_session ON results(session, created);
CREATE TABLE ratings (result_id TEXT PRIMARY KEY REFERENCES results(id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5), rated REAL NOT NULL);
INSERT INTO results VALUES ('20260101-000000-abcdef12', 'sticker', 1.0, 's', 'happy', 'photo', 'classic', '',
    'x.png', '{"text": "开心"}');
INSERT INTO ratings VALUES ('20260101-000000-abcdef12', 4, 2.0);
"""
# The release before schema_version: the expired column, made by CREATE TABLE IF NOT EXISTS.
BEFORE_VERSIONS = BEFORE_RETENTION.replace("request TEXT NOT NULL)", "request TEXT NOT NULL, expired REAL)").replace(
    "'{\"text\": \"开心\"}')", "'{\"text\": \"开心\"}', NULL)")


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request, tmp_path) -> str:
    """A new, empty database: a SQLite file's path or a PostgreSQL URL."""
    return str(tmp_path / "h.sqlite") if request.param == "sqlite" else request.getfixturevalue("database_url")


def _open(where: str) -> History:
    return History.open(where if "://" in where else f"sqlite:///{where}", Path("unused"))


def _versions(history: History) -> list[tuple[int, str]]:
    with history.db.transaction() as db:
        return [(row["version"], row["about"]) for row in db.all("SELECT version, about FROM schema_version "
                                                                 "ORDER BY version")]


def _schema(history: History) -> list:
    """Every table, column and index, to compare before and after."""
    with history.db.transaction() as db:
        if history.path is not None:
            return [tuple(r) for r in db.all("SELECT type, name, sql FROM sqlite_master ORDER BY name")]
        columns = db.all("SELECT table_name, column_name, data_type, is_nullable, column_default "
                         "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2")
        indexes = db.all("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        return [tuple(r.values()) for r in columns + indexes]


def _old_sqlite(path: Path, script: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(script)
    db.close()


@pytest.mark.parametrize("script", [BEFORE_RETENTION, BEFORE_VERSIONS], ids=["before-retention", "before-versions"])
def test_an_old_sqlite_history_upgrades_in_place_without_losing_rows(tmp_path, script):
    path = tmp_path / "old.sqlite"
    _old_sqlite(path, script)
    history = History(path)
    (entry,) = history.recent(session="s")  # upgraded on first use
    assert entry["id"] == "20260101-000000-abcdef12" and entry["stars"] == 4 and entry["expired"] is False
    assert entry["request"] == {"text": "开心"} and entry["expression"] == "happy" and entry["preview"] == "x.png"
    assert [v for v, _ in _versions(history)] == [m.version for m in MIGRATIONS["sqlite"]]
    history.expire([entry["id"]])  # the new column works
    assert history.get(entry["id"])["expired"] is True
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_version_is_recorded_and_running_the_migrations_again_changes_nothing(where):
    history = _open(where)
    dialect = "sqlite" if history.path is not None else "postgresql"
    assert history.migrate() == [m.version for m in MIGRATIONS[dialect]]
    history.add("a", "sticker", {"text": "开心"}, session="s")
    versions, schema = _versions(history), _schema(history)
    assert versions[-1][0] == latest(dialect)
    assert history.migrate() == [] and _open(where).migrate() == []  # again, and from another "process"
    assert _versions(history) == versions and _schema(history) == schema
    assert [e["id"] for e in history.recent(session="s")] == ["a"]
    history.close()


def test_threads_with_their_own_connections_create_the_schema_at_once(where):
    histories = [_open(where) for _ in range(6)]
    start, applied, failed = threading.Barrier(len(histories)), [], []

    def create(history: History) -> None:
        start.wait()
        try:
            applied.append(history.migrate())
        except Exception as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=create, args=(h,)) for h in histories]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    dialect = "sqlite" if histories[0].path is not None else "postgresql"
    assert sorted(v for versions in applied for v in versions) == [m.version for m in MIGRATIONS[dialect]]
    histories[0].add("a", "sticker", {})
    assert [e["id"] for e in histories[-1].recent()] == ["a"]
    for h in histories:
        h.close()


def test_processes_starting_at_once_both_succeed(where):
    start_at = time.time() + 2.0  # each waits for the same moment after its own start-up
    code = ("import json, sys, time; from pathlib import Path; from emojigen.history import History; "
            "where, at = sys.argv[1], float(sys.argv[2]); "
            "h = History.open(where if '://' in where else 'sqlite:///' + where, Path('unused')); "
            "time.sleep(max(0, at - time.time())); print(json.dumps(h.migrate())); "
            "h.add(sys.argv[3], 'sticker', {})")
    runs = [subprocess.Popen([sys.executable, "-c", code, where, str(start_at), f"p{n}"], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(3)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    applied = sorted(v for out, _ in outputs for v in json.loads(out))
    history = _open(where)
    dialect = "sqlite" if history.path is not None else "postgresql"
    assert applied == [m.version for m in MIGRATIONS[dialect]]  # each migration once, by one of them
    assert sorted(e["id"] for e in history.recent()) == ["p0", "p1", "p2"]
    history.close()


def test_a_database_from_a_newer_release_still_works(where, caplog):
    history = _open(where)
    history.migrate()
    with history.db.transaction() as db:
        db.run("INSERT INTO schema_version (version, about, applied) VALUES (99, 'from the future', 0)")
    again = _open(where)
    with caplog.at_level("WARNING", logger="emojigen.db.migrations"):
        assert again.migrate() == []
    assert "schema version 99" in caplog.text
    again.add("a", "sticker", {})
    assert again.get("a")["id"] == "a"
    history.close()
    again.close()
