"""History and ratings: every sticker, animation and pack with its request, and the 1-5 rating a user
gives it, so recent results can be listed and ratings summed up per expression and style.

Stored in SQLite by default (one short connection per call; WAL lets readers run alongside the writer)
or in PostgreSQL for several processes or machines (EMOJIGEN_DATABASE_URL; `emojigen.db`). The
statements below are the same for both; one History is shared by the server's worker threads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from emojigen.db import SQLiteDatabase
from emojigen.errors import BadInput


class History:
    def __init__(self, where: Path | str | Any) -> None:
        """`where`: a SQLite file (a path), a database URL, or a database from `emojigen.db.open_database`.
        No I/O here."""
        if isinstance(where, str) and "://" in where:
            from emojigen.db import open_database

            where = open_database(where, Path("history.sqlite"))
        self.db = SQLiteDatabase(Path(where)) if isinstance(where, str | Path) else where

    @classmethod
    def open(cls, url: str, default_path: Path) -> History:
        """The history at EMOJIGEN_DATABASE_URL `url`: empty (SQLite at `default_path`), sqlite:///path
        or postgresql://user:password@host:port/database."""
        from emojigen.db import open_database

        return cls(open_database(url, default_path))

    @property
    def path(self) -> Path | None:
        """The SQLite file; None when the history is on a database server."""
        return self.db.path

    def local_files(self) -> list[Path]:
        """Files on this machine that hold the history (never to be served): SQLite's database, WAL,
        shared-memory and journal files; none on a database server."""
        return self.db.local_files()

    def migrate(self) -> list[int]:
        """Create or upgrade the schema now (it is otherwise done on first use); the versions applied."""
        return self.db.migrate()

    def close(self) -> None:
        """Close pooled connections (PostgreSQL); later calls open new ones."""
        self.db.close()

    def add(self, result_id: str, kind: str, request: dict[str, Any], *, session: str = "", expression: str = "",
            style: str = "", backend: str = "", caption: str = "", preview: str = "") -> None:
        with self.db.transaction() as db:
            # Adding an id again replaces the row (as SQLite's INSERT OR REPLACE did); its rating stays.
            db.run("INSERT INTO results (id, kind, created, session, expression, style, backend, caption, preview, "
                   "request, expired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET "
                   "kind = excluded.kind, created = excluded.created, session = excluded.session, "
                   "expression = excluded.expression, style = excluded.style, backend = excluded.backend, "
                   "caption = excluded.caption, preview = excluded.preview, request = excluded.request, "
                   "expired = NULL",
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
        with self.db.transaction() as db:
            row = db.one("SELECT session FROM results WHERE id = ?", (result_id,))
            if row is None or (row["session"] and row["session"] != (session or "")):
                # The same answer whether it does not exist or belongs to someone else.
                raise BadInput(f"你的记录里没有编号为 {result_id} 的结果。",
                               f"There is no result with the id {result_id!r} in your session.")
            db.run("INSERT INTO ratings (result_id, stars, rated) VALUES (?, ?, ?) ON CONFLICT (result_id) "
                   "DO UPDATE SET stars = excluded.stars, rated = excluded.rated", (result_id, stars, time.time()))
        return self.get(result_id)

    def expire(self, result_ids: list[str]) -> None:
        """Mark results whose files were deleted: the rows (and their ratings) stay, without files."""
        if not result_ids:
            return
        with self.db.transaction() as db:
            db.many("UPDATE results SET expired = ?, preview = '' WHERE id = ? AND expired IS NULL",
                    [(time.time(), result_id) for result_id in result_ids])

    def get(self, result_id: str) -> dict[str, Any]:
        with self.db.transaction() as db:
            row = db.one(_SELECT + " WHERE r.id = ?", (result_id,))
        if row is None:
            raise BadInput(f"找不到编号为 {result_id} 的结果。", f"There is no result with the id {result_id!r}.")
        return _entry(row)

    def recent(self, session: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first; only one session's when `session` is given."""
        limit = max(1, min(int(limit), 200))
        with self.db.transaction() as db:
            if session:
                rows = db.all(_SELECT + " WHERE r.session = ? ORDER BY r.created DESC LIMIT ?", (session, limit))
            else:
                rows = db.all(_SELECT + " ORDER BY r.created DESC LIMIT ?", (limit,))
        return [_entry(row) for row in rows]

    def stats(self) -> list[dict[str, Any]]:
        """Per expression and style: how many were made, how many rated, the average stars."""
        with self.db.transaction() as db:
            rows = db.all("""
                SELECT r.expression, r.style, COUNT(*) AS made, COUNT(g.stars) AS rated,
                       ROUND(AVG(g.stars), 2) AS average
                FROM results r LEFT JOIN ratings g ON g.result_id = r.id
                WHERE r.kind != 'pack'
                GROUP BY r.expression, r.style""")
        stats = [dict(row) for row in rows]
        for entry in stats:  # PostgreSQL's ROUND gives a Decimal
            entry["average"] = None if entry["average"] is None else float(entry["average"])
        # Sorted here, not in SQL: the server's collation would order the names differently from SQLite.
        return sorted(stats, key=lambda s: (-s["rated"], -s["made"], s["expression"], s["style"]))

    def __repr__(self) -> str:
        return f"History({self.db})"


_SELECT = """SELECT r.id, r.kind, r.created, r.expression, r.style, r.backend, r.caption, r.preview, r.request,
                    r.expired, g.stars FROM results r LEFT JOIN ratings g ON g.result_id = r.id"""


def _entry(row: Any) -> dict[str, Any]:
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
