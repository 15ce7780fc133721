"""History and ratings, the same on both backends: SQLite (the default) and a real PostgreSQL server the
tests start themselves (tests/postgres_server.py)."""

import threading
import time
from pathlib import Path

import postgres_server
import pytest
from ci import unavailable

from emojigen import BadInput, Settings
from emojigen.db import DatabaseError, parse_database_url, redact
from emojigen.factory import make_history
from emojigen.history import History

BACKENDS = ["sqlite", "postgresql"]
postgres, database_url = postgres_server.postgres, postgres_server.database_url  # the server's fixtures


@pytest.fixture(params=BACKENDS)
def opener(request, tmp_path):
    """Gives a new History on the same database at each call (as another process would open it)."""
    if request.param == "sqlite":
        where = tmp_path / "h.sqlite"
    else:
        where = request.getfixturevalue("database_url")  # a new, empty database on the test server
    made: list[History] = []

    def open_history() -> History:
        made.append(History(where) if request.param == "sqlite" else History.open(where, tmp_path / "unused"))
        return made[-1]

    yield open_history
    for history in made:
        history.close()


@pytest.fixture
def history(opener) -> History:
    return opener()


def test_results_ratings_and_stats_survive_a_restart(opener):
    history = opener()
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

    again = opener()  # a new process opening the same database
    assert again is not history
    assert [e["id"] for e in again.recent(session="s1")] == ["p", "c", "a"]
    assert [e["id"] for e in again.recent(limit=2)] == ["p", "c"]
    first = again.get("a")
    assert first["stars"] == 4 and first["request"] == {"text": "开心"} and first["preview"] == "a.png"
    assert first["expired"] is False and first["kind"] == "sticker" and len(first["created"]) == 19
    stats = {(s["expression"], s["style"]): s for s in again.stats()}
    assert stats[("happy", "photo")] == {"expression": "happy", "style": "photo", "made": 1, "rated": 1,
                                         "average": 4.0}
    assert stats[("cry", "photo")]["average"] == 2.0 and stats[("happy", "cartoon")]["rated"] == 0
    assert stats[("happy", "cartoon")]["average"] is None
    assert [(s["expression"], s["style"]) for s in again.stats()] == [("cry", "photo"), ("happy", "photo"),
                                                                     ("happy", "cartoon")]
    assert not any(s["expression"].endswith("wechat") for s in again.stats())  # packs are not one expression


@pytest.mark.parametrize("stars", [0, 6, "lots", None])
def test_bad_ratings_are_refused_and_change_nothing(history, stars):
    history.add("a", "sticker", {}, expression="happy")
    history.rate("a", 3)
    with pytest.raises(BadInput, match="1 to 5 stars") as refused:
        history.rate("a", stars)
    assert refused.value.zh == "评分应为 1 到 5 颗星。"
    assert history.get("a")["stars"] == 3


def test_rating_an_unknown_result_is_a_clear_error(history):
    with pytest.raises(BadInput, match="no result with the id 'nope'") as refused:
        history.rate("nope", 3)
    assert "nope" in refused.value.zh
    with pytest.raises(BadInput, match="There is no result with the id 'nope'"):
        history.get("nope")


def test_an_old_huge_seed_does_not_break_the_list(history):
    history.add("old", "sticker", {"seed": 2**64, "text": "开心"}, session="s", expression="happy")
    (entry,) = history.recent()
    assert entry["request"]["seed"] == str(2**64) and entry["request"]["text"] == "开心"


def test_expired_results_keep_their_row_and_rating_and_adding_again_replaces(history):
    history.add("a", "sticker", {"text": "开心"}, session="s", preview="a.png")
    history.add("b", "sticker", {"text": "哭"}, session="s", preview="b.png")
    history.rate("a", 5, session="s")
    history.expire(["a", "unknown"])
    history.expire([])
    a, b = history.get("a"), history.get("b")
    assert a["expired"] is True and a["preview"] == "" and a["stars"] == 5
    assert b["expired"] is False and b["preview"] == "b.png"
    history.add("a", "sticker", {"text": "again"}, session="s", preview="a2.png")  # the same id again
    a = history.get("a")
    assert a["expired"] is False and a["request"] == {"text": "again"} and a["stars"] == 5


def test_results_without_a_session_may_be_rated_by_id_only(history):
    history.add("open", "sticker", {})
    assert history.rate("open", 2, session="anyone")["stars"] == 2
    assert history.recent(session="anyone") == []  # but it is not listed as theirs


def test_many_threads_share_one_history(history):
    def work(n: int) -> None:
        for i in range(15):
            history.add(f"t{n}-{i}", "sticker", {"n": n, "i": i}, session=f"s{n}", expression="happy")
            history.rate(f"t{n}-{i}", 1 + i % 5, session=f"s{n}")
            assert len(history.recent(session=f"s{n}", limit=200)) == i + 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (happy,) = [s for s in history.stats() if s["expression"] == "happy"]
    assert happy["made"] == happy["rated"] == 120 and happy["average"] == 3.0


# --- choosing the backend, and what an operator is told ------------------------------------------------


def test_nothing_is_written_until_first_use(tmp_path):
    db = tmp_path / "sub" / "h.sqlite"
    history = History(db)
    assert not db.exists() and not db.parent.exists()  # the constructor does no I/O
    history.add("x", "sticker", {})
    assert db.exists() and history.path == db
    assert history.local_files() == [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]


def test_the_url_picks_the_backend(tmp_path):
    outputs = tmp_path / "out"
    assert make_history(Settings(outputs_dir=outputs)).path == outputs / "history.sqlite"
    assert make_history(Settings(outputs_dir=outputs, db_path=str(tmp_path / "x.db"))).path == tmp_path / "x.db"
    assert make_history(Settings(outputs_dir=outputs, database_url=f"sqlite:///{tmp_path}/u.db")).path == \
        tmp_path / "u.db"
    assert parse_database_url(f"sqlite:////{tmp_path}/v.db", outputs).path == tmp_path / "v.db"  # SQLAlchemy's
    assert make_history(Settings(outputs_dir=outputs, database_url="sqlite://")).path == outputs / "history.sqlite"
    assert parse_database_url("sqlite:rel/h.db", outputs).path == Path("rel/h.db")
    assert History(f"sqlite:///{tmp_path}/w.db").path == tmp_path / "w.db"
    url = parse_database_url("postgresql://app:pa%40ss@db.internal:6543/emojis?sslmode=require", outputs)
    assert (url.dialect, url.host, url.user, url.database) == ("postgresql", "db.internal:6543", "app", "emojis")
    assert "pa%40ss" not in str(url) and str(url).startswith("postgresql://app:***@db.internal:6543/emojis")
    assert parse_database_url("postgres://u@db/x", outputs).host == "db:5432"
    assert redact("postgresql://db/x?user=u&password=hunter2") == "postgresql://db/x?user=u&password=***"


def test_sqlite_needs_no_driver(tmp_path):
    """`import emojigen` and a SQLite history import no database driver."""
    import subprocess
    import sys

    code = ("import sys, emojigen; from emojigen.factory import make_history; "
            f"make_history(emojigen.Settings(outputs_dir={str(tmp_path)!r})).add('a', 'sticker', {{}}); "
            "print([m for m in ('psycopg', 'psycopg_pool') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("url", ["mysql://root:hunter2@db/emojigen", "postgresql:/nohost", "sqlite://host/x.db",
                                 "sqlite:///:memory:", "redis://x", "history.sqlite"])
def test_an_unknown_or_malformed_url_is_refused_at_start(tmp_path, url):
    with pytest.raises(ValueError, match="EMOJIGEN_DATABASE_URL") as refused:
        make_history(Settings(outputs_dir=tmp_path, database_url=url))
    assert "hunter2" not in str(refused.value)


def test_a_postgresql_url_without_psycopg_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    with pytest.raises(DatabaseError, match=r"psycopg is not installed: pip install 'emojigen\[scale\]'") as refused:
        make_history(Settings(outputs_dir=tmp_path, database_url="postgresql://app:hunter2@db.example:5432/e"))
    assert "db.example:5432" in str(refused.value) and "hunter2" not in str(refused.value)


def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    import socket

    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed", "pip install 'emojigen[scale]'")

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    history = make_history(Settings(outputs_dir=tmp_path, database_url=f"postgresql://app:hunter2@127.0.0.1:{port}/e"))
    with pytest.raises(DatabaseError) as refused:  # on first use, not when made
        history.recent()
    message = str(refused.value)
    assert f"127.0.0.1:{port}" in message and "'app'" in message and "EMOJIGEN_DATABASE_URL" in message
    assert "hunter2" not in message and "hunter2" not in refused.value.en + refused.value.zh
    assert refused.value.en.startswith("The history cannot be read or saved right now")


def test_a_wrong_password_is_reported_without_it(database_url, tmp_path):
    url = database_url.replace(postgres_server.PASSWORD, "wrong-pw")
    with pytest.raises(DatabaseError, match="password authentication failed") as refused:
        History.open(url, tmp_path).recent()
    assert "wrong-pw" not in str(refused.value) and "127.0.0.1:" in str(refused.value)


def test_a_postgresql_server_that_goes_away_and_comes_back(tmp_path):
    """While the server is down each call fails with a clear error (and the user message); once it is back,
    the same History works again without a restart (its pooled connections are checked and replaced)."""
    server = postgres_server.PostgresServer.start_new()
    try:
        history = History.open(server.new_database(), tmp_path)
        history.db.wait = 1.0  # seconds before a call gives up (5 in service)
        history.add("a", "sticker", {}, session="s")
        server.stop(remove=False)
        with pytest.raises(DatabaseError, match=f"127.0.0.1:{server.port}") as refused:
            history.recent(session="s")
        assert postgres_server.PASSWORD not in str(refused.value)
        server.restart()
        # The pool reconnects in the background (with a back-off): within seconds, without a restart.
        deadline = time.monotonic() + 30
        while True:
            try:
                assert [e["id"] for e in history.recent(session="s")] == ["a"]
                break
            except DatabaseError:
                assert time.monotonic() < deadline, "the history did not come back with its server"
                time.sleep(0.5)
        history.close()
    finally:
        server.stop()
