"""The history in PostgreSQL, shared by several processes and machines. psycopg 3 is imported only
here, when a postgresql:// URL is configured (`import emojigen` stays light).

Each process keeps a small connection pool (a new connection per call would cost a server process
fork each time); a process made by fork() opens its own, as connections cannot be shared across one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from emojigen.db.errors import DatabaseError
from emojigen.db.migrations import migrate
from emojigen.db.url import DatabaseURL

# The advisory lock migrations hold (per database): any fixed 64-bit number unique to this app.
MIGRATION_LOCK = 0x656D6F6A6967656E  # "emojigen"
POOL_SIZE = 8  # connections per process at most; each call holds one for a few milliseconds
# Seconds to connect, or to wait for a free connection, before saying the server is unreachable: a
# connection is normally made in milliseconds and held for a few, so this is only reached in an outage.
WAIT = 5.0
INSTALL = "pip install 'emojigen[scale]' (or: pip install 'psycopg[binary,pool]')"


@lru_cache(maxsize=128)
def _placeholders(sql: str) -> str:
    """The history's statements use SQLite's ? placeholders; psycopg's are %s (no statement has a literal
    ? or %)."""
    return sql.replace("?", "%s")


class PostgresTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: tuple = ()) -> None:
        self.conn.execute(_placeholders(sql), params or None)

    def many(self, sql: str, rows: list[tuple]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(_placeholders(sql), rows)

    def one(self, sql: str, params: tuple = ()) -> Any:
        return self.conn.execute(_placeholders(sql), params or None).fetchone()

    def all(self, sql: str, params: tuple = ()) -> list[Any]:
        return self.conn.execute(_placeholders(sql), params or None).fetchall()


class PostgresDatabase:
    dialect = "postgresql"
    path = None  # no local file

    def __init__(self, url: DatabaseURL) -> None:
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError as exc:
            raise DatabaseError(f"EMOJIGEN_DATABASE_URL names a PostgreSQL server ({url.host}), but psycopg is "
                                f"not installed: {INSTALL}") from exc
        self.url = url
        self._lock = threading.Lock()
        self._pool: Any = None
        self._pid = 0  # the process the pool belongs to
        self.wait = WAIT

    def local_files(self) -> list:
        return []

    def _connect_options(self) -> dict[str, Any]:
        from psycopg.rows import dict_row

        options: dict[str, Any] = {"row_factory": dict_row}
        given = self.url.conninfo.lower()
        if "connect_timeout" not in given:  # libpq waits forever by default
            options["connect_timeout"] = int(self.wait)
        if "application_name" not in given:  # what the operator sees in pg_stat_activity
            options["application_name"] = "emojigen"
        return options

    def migrate(self) -> list[int]:
        """Create or upgrade the schema; the migration versions applied. The advisory lock is held until
        the transaction ends, so a second process waits and then finds nothing to do."""
        import psycopg

        try:
            with psycopg.connect(self.url.conninfo, **self._connect_options()) as conn:  # commits on success
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                return migrate(PostgresTx(conn), self.dialect)
        except psycopg.OperationalError as exc:
            raise self._error(exc) from exc

    def ensure_schema(self) -> None:
        self._pool_here()

    def _pool_here(self) -> Any:
        pool = self._pool
        if pool is not None and self._pid == os.getpid():
            return pool
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                from psycopg_pool import ConnectionPool

                self.migrate()  # first use in this process: also says clearly if the server is unreachable
                pool = ConnectionPool(self.url.conninfo, min_size=1, max_size=POOL_SIZE, timeout=WAIT,
                                      kwargs=self._connect_options(), check=ConnectionPool.check_connection,
                                      name="emojigen-history", open=False)
                pool.open(wait=False)
                self._pool, self._pid = pool, os.getpid()
            return self._pool

    @contextmanager
    def transaction(self) -> Iterator[PostgresTx]:
        import psycopg

        pool = self._pool_here()
        try:
            with pool.connection(timeout=self.wait) as conn:  # commits, or rolls back on an error
                yield PostgresTx(conn)
        except psycopg.OperationalError as exc:  # connection lost or refused, pool timeout
            raise self._error(exc) from exc

    def _error(self, exc: Exception) -> DatabaseError:
        from psycopg_pool import PoolTimeout

        if isinstance(exc, PoolTimeout):
            reason = self._why_unreachable() or f"no connection within {self.wait:g} s"
        else:
            reason = str(exc)
        reason = " ".join(reason.split())
        for secret in _passwords(self.url.conninfo):
            reason = reason.replace(secret, "***")
        return DatabaseError(f"cannot use the PostgreSQL history database {self.url.database!r} at {self.url.host} "
                             f"as user {self.url.user!r}: {reason}. Check EMOJIGEN_DATABASE_URL, and that the "
                             "server is running and accepts connections from this machine.")

    def _why_unreachable(self) -> str:
        """The pool only says it timed out; one direct attempt says why (refused, unknown host, password)."""
        import psycopg

        try:
            with psycopg.connect(self.url.conninfo, **{**self._connect_options(), "connect_timeout": 2}):
                return ""
        except psycopg.Error as exc:
            return str(exc)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None

    def __str__(self) -> str:
        return f"PostgreSQL {self.url}"


def _passwords(conninfo: str) -> list[str]:
    parts = urlsplit(conninfo)
    found = [parts.password] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password" and v]
    return found
