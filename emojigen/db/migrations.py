"""The schema's history, per dialect: numbered migrations applied in order, each recorded in
`schema_version` in the same transaction as its changes, so a database is always at one version.

Each backend calls `migrate` inside a transaction that only one process at a time can hold (SQLite:
BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two processes starting together apply each step
once. A migration never changes or drops what a running older version reads: rolling restarts keep
working. Add a step at the end of a list; never edit one that has shipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Tx(Protocol):
    """What a migration needs of a transaction: statements with ? placeholders, rows as mappings."""

    def run(self, sql: str, params: tuple = ()) -> None: ...
    def all(self, sql: str, params: tuple = ()) -> list[Any]: ...


Step = str | Callable[[Tx], None]  # a statement, or code for what SQL alone cannot say


@dataclass(frozen=True)
class Migration:
    version: int
    about: str
    steps: tuple[Step, ...]


def _sqlite_add_expired(tx: Tx) -> None:
    # Histories from before retention lack the column; those made between then and schema_version
    # already have it (SQLite has no ADD COLUMN IF NOT EXISTS).
    if "expired" not in {row["name"] for row in tx.all("PRAGMA table_info(results)")}:
        tx.run("ALTER TABLE results ADD COLUMN expired REAL")


SQLITE = (
    # IF NOT EXISTS: files made before schema_version existed already have these tables.
    Migration(1, "results and ratings", (
        """CREATE TABLE IF NOT EXISTS results (
            id         TEXT PRIMARY KEY,
            kind       TEXT NOT NULL,             -- sticker, animation or pack
            created    REAL NOT NULL,
            session    TEXT NOT NULL DEFAULT '',
            expression TEXT NOT NULL DEFAULT '',
            style      TEXT NOT NULL DEFAULT '',
            backend    TEXT NOT NULL DEFAULT '',
            caption    TEXT NOT NULL DEFAULT '',
            preview    TEXT NOT NULL DEFAULT '',  -- a file to show in lists
            request    TEXT NOT NULL              -- JSON: everything needed to make it again
        )""",
        "CREATE INDEX IF NOT EXISTS results_session ON results(session, created)",
        """CREATE TABLE IF NOT EXISTS ratings (
            result_id TEXT PRIMARY KEY REFERENCES results(id),
            stars     INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            rated     REAL NOT NULL
        )""",
    )),
    Migration(2, "results.expired: when retention deleted the files", (_sqlite_add_expired,)),
)

POSTGRESQL = (
    Migration(1, "results and ratings", (
        """CREATE TABLE results (
            id         TEXT PRIMARY KEY,
            kind       TEXT NOT NULL,
            created    DOUBLE PRECISION NOT NULL,  -- Unix time, as in SQLite
            session    TEXT NOT NULL DEFAULT '',
            expression TEXT NOT NULL DEFAULT '',
            style      TEXT NOT NULL DEFAULT '',
            backend    TEXT NOT NULL DEFAULT '',
            caption    TEXT NOT NULL DEFAULT '',
            preview    TEXT NOT NULL DEFAULT '',
            request    TEXT NOT NULL,              -- the JSON text as written (jsonb would reorder it)
            expired    DOUBLE PRECISION
        )""",
        "CREATE INDEX results_session ON results(session, created)",
        """CREATE TABLE ratings (
            result_id TEXT PRIMARY KEY REFERENCES results(id),
            stars     INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            rated     DOUBLE PRECISION NOT NULL
        )""",
    )),
)

MIGRATIONS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}

VERSION_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, about TEXT NOT NULL, "
              "applied REAL NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, about TEXT NOT NULL, "
                  "applied DOUBLE PRECISION NOT NULL)",
}


def latest(dialect: str) -> int:
    return MIGRATIONS[dialect][-1].version


def migrate(tx: Tx, dialect: str) -> list[int]:
    """Apply the migrations `tx`'s database lacks, in order; the versions applied (none: up to date).
    The caller holds the migration lock and commits."""
    tx.run(VERSION_TABLE[dialect])
    done = {row["version"] for row in tx.all("SELECT version FROM schema_version")}
    if done and max(done) > latest(dialect):
        # A newer release migrated it; its migrations only add, so this one can still work with it.
        log.warning("the history database is at schema version %d; this release knows up to %d",
                    max(done), latest(dialect))
    applied = []
    for migration in MIGRATIONS[dialect]:
        if migration.version in done:
            continue
        for step in migration.steps:
            if callable(step):
                step(tx)
            else:
                tx.run(step)
        tx.run("INSERT INTO schema_version (version, about, applied) VALUES (?, ?, ?)",
               (migration.version, migration.about, time.time()))
        applied.append(migration.version)
    if applied:
        log.info("history database (%s): applied schema migrations %s", dialect, applied)
    return applied
