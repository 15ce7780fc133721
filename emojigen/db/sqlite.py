"""The history in a local SQLite file (the default): one short connection per call, so any number of
threads can share one object; WAL lets readers run alongside the one writer SQLite allows."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emojigen.db.migrations import migrate

TIMEOUT = 10.0  # seconds a call waits for another process's write to finish


class SQLiteTx:
    """One transaction's statements (? placeholders, rows readable by column name)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def run(self, sql: str, params: tuple = ()) -> None:
        self.db.execute(sql, params)

    def many(self, sql: str, rows: list[tuple]) -> None:
        self.db.executemany(sql, rows)

    def one(self, sql: str, params: tuple = ()) -> Any:
        return self.db.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple = ()) -> list[Any]:
        return self.db.execute(sql, params).fetchall()


def _use_wal(db: sqlite3.Connection) -> None:
    """WAL mode (kept in the file). Switching needs the file to itself and SQLite answers "locked" at once,
    without waiting, while another process is creating the schema: so wait here, as long as a call would."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")  # not allowed inside a transaction
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ready = False  # the file and schema are made on first use, not in the constructor
        self._lock = threading.Lock()

    def local_files(self) -> list[Path]:
        """The files that hold the history (the database and its WAL, shared-memory and journal files)."""
        return [self.path.with_name(self.path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]

    def migrate(self) -> list[int]:
        """Create or upgrade the schema; the migration versions applied. BEGIN IMMEDIATE takes the write
        lock before reading the version, so a second process waits and then finds nothing to do."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=TIMEOUT, isolation_level=None)  # transactions by hand
        db.row_factory = sqlite3.Row
        try:
            _use_wal(db)
            db.execute("BEGIN IMMEDIATE")
            try:
                applied = migrate(SQLiteTx(db), self.dialect)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        finally:
            db.close()
        return applied

    def ensure_schema(self) -> None:
        with self._lock:
            if not self._ready:
                self.migrate()
                self._ready = True

    @contextmanager
    def transaction(self) -> Iterator[SQLiteTx]:
        if not self._ready:
            self.ensure_schema()
        db = sqlite3.connect(self.path, timeout=TIMEOUT)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commits, or rolls back on an error: a failed write leaves nothing half done
                yield SQLiteTx(db)
        finally:
            db.close()

    def close(self) -> None:
        """Nothing is kept open between calls."""

    def __str__(self) -> str:
        return f"SQLite at {self.path}"
