"""History and ratings in SQLite: every sticker, animation and pack with its request, and the 1-5
rating a user gives it, so recent results can be listed and ratings summed up per expression and style.

One short-lived connection per call (SQLite serialises writers; WAL lets readers run alongside), so
the Gradio worker threads can share one History.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emojigen.errors import BadInput

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,          -- sticker, animation or pack
    created    REAL NOT NULL,
    session    TEXT NOT NULL DEFAULT '',
    expression TEXT NOT NULL DEFAULT '',
    style      TEXT NOT NULL DEFAULT '',
    backend    TEXT NOT NULL DEFAULT '',
    caption    TEXT NOT NULL DEFAULT '',
    preview    TEXT NOT NULL DEFAULT '',  -- a file to show in lists
    request    TEXT NOT NULL,             -- JSON: everything needed to make it again
    expired    REAL                       -- when its files were deleted (retention); NULL while kept
);
CREATE INDEX IF NOT EXISTS results_session ON results(session, created);
CREATE TABLE IF NOT EXISTS ratings (
    result_id TEXT PRIMARY KEY REFERENCES results(id),
    stars     INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated     REAL NOT NULL
);
"""


class History:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ready = False  # the file and schema are made on first use, not in the constructor
        self._lock = threading.Lock()

    def _create(self) -> None:
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
                if "expired" not in columns:  # a history made before retention existed
                    db.execute("ALTER TABLE results ADD COLUMN expired REAL")
                    db.commit()
            finally:
                db.close()
            self._ready = True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self._create()
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commits, or rolls back on an error: a failed write leaves nothing half done
                yield db
        finally:
            db.close()

    def add(self, result_id: str, kind: str, request: dict[str, Any], *, session: str = "", expression: str = "",
            style: str = "", backend: str = "", caption: str = "", preview: str = "") -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO results (id, kind, created, session, expression, style, backend, "
                       "caption, preview, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (result_id, kind, time.time(), session or "", expression, style, backend, caption,
                        preview, json.dumps(request, ensure_ascii=False, default=str)))

    def rate(self, result_id: str, stars: int, session: str | None = None) -> dict[str, Any]:
        """Rate a result of `session`. A result made without a session (by an API client that sent
        none) may be rated by whoever holds its unguessable id."""
        try:
            stars = int(stars)
        except (TypeError, ValueError):
            stars = 0
        if not 1 <= stars <= 5:
            raise BadInput("评分应为 1 到 5 颗星。", "A rating is 1 to 5 stars.")
        with self._connect() as db:
            row = db.execute("SELECT session FROM results WHERE id = ?", (result_id,)).fetchone()
            if row is None or (row["session"] and row["session"] != (session or "")):
                # The same answer whether it does not exist or belongs to someone else.
                raise BadInput(f"你的记录里没有编号为 {result_id} 的结果。",
                               f"There is no result with the id {result_id!r} in your session.")
            db.execute("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?)", (result_id, stars, time.time()))
        return self.get(result_id)

    def expire(self, result_ids: list[str]) -> None:
        """Mark results whose files were deleted: the rows (and their ratings) stay, without files."""
        if not result_ids:
            return
        with self._connect() as db:
            db.executemany("UPDATE results SET expired = ?, preview = '' WHERE id = ? AND expired IS NULL",
                           [(time.time(), result_id) for result_id in result_ids])

    def get(self, result_id: str) -> dict[str, Any]:
        with self._connect() as db:
            row = db.execute(_SELECT + " WHERE r.id = ?", (result_id,)).fetchone()
        if row is None:
            raise BadInput(f"找不到编号为 {result_id} 的结果。", f"There is no result with the id {result_id!r}.")
        return _entry(row)

    def recent(self, session: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first; only one session's when `session` is given."""
        limit = max(1, min(int(limit), 200))
        with self._connect() as db:
            if session:
                rows = db.execute(_SELECT + " WHERE r.session = ? ORDER BY r.created DESC LIMIT ?", (session, limit))
            else:
                rows = db.execute(_SELECT + " ORDER BY r.created DESC LIMIT ?", (limit,))
            return [_entry(row) for row in rows.fetchall()]

    def stats(self) -> list[dict[str, Any]]:
        """Per expression and style: how many were made, how many rated, the average stars."""
        with self._connect() as db:
            rows = db.execute("""
                SELECT r.expression, r.style, COUNT(*) AS made, COUNT(g.stars) AS rated,
                       ROUND(AVG(g.stars), 2) AS average
                FROM results r LEFT JOIN ratings g ON g.result_id = r.id
                WHERE r.kind != 'pack'
                GROUP BY r.expression, r.style ORDER BY rated DESC, made DESC, r.expression""").fetchall()
        return [dict(row) for row in rows]


_SELECT = """SELECT r.id, r.kind, r.created, r.expression, r.style, r.backend, r.caption, r.preview, r.request,
                    r.expired, g.stars FROM results r LEFT JOIN ratings g ON g.result_id = r.id"""


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    entry = dict(row)
    entry["expired"] = entry["expired"] is not None  # its files are gone (retention)
    entry["request"] = json.loads(entry["request"], parse_int=_json_safe_int)
    entry["created"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["created"]))
    return entry


def _json_safe_int(text: str) -> int | str:
    """Integers beyond 64 bits (a seed an older version stored unchecked) come back as text: JSON encoders
    of API clients cannot carry them, and one such row must not break the history for everyone."""
    value = int(text)
    return value if -2**63 <= value < 2**63 else text
