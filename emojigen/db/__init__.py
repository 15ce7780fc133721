"""Where the history and ratings live, chosen by EMOJIGEN_DATABASE_URL: SQLite (`sqlite`, the default)
or PostgreSQL (`postgres`, for several processes or machines). Both give `transaction()`: statements
with ? placeholders and rows read by column name, committed at the end or rolled back on an error.
The schema is made and upgraded by `migrations`, on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emojigen.db.errors import DatabaseError
from emojigen.db.sqlite import SQLiteDatabase
from emojigen.db.url import DatabaseURL, parse_database_url, redact

if TYPE_CHECKING:
    from emojigen.db.postgres import PostgresDatabase

__all__ = ["DatabaseError", "DatabaseURL", "SQLiteDatabase", "open_database", "parse_database_url", "redact"]


def open_database(url: str, default_path: Path) -> SQLiteDatabase | PostgresDatabase:
    """The database `url` names (SQLite at `default_path` when it is empty). No I/O: the file, the
    connection and the schema come on first use."""
    parsed = parse_database_url(url, default_path)
    if parsed.dialect == "sqlite":
        return SQLiteDatabase(parsed.path)
    from emojigen.db.postgres import PostgresDatabase  # psycopg only for those who configure it

    return PostgresDatabase(parsed)
