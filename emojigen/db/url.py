"""EMOJIGEN_DATABASE_URL: empty (SQLite in the outputs folder), sqlite:///path, or
postgresql://user:password@host:port/database (any URI libpq reads, query parameters included).

Only parsing and redacting here, no driver: `import emojigen` stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")  # libpq accepts both
EXPECTED = ("expected empty (SQLite in the outputs folder), sqlite:///path/to/history.sqlite or "
            "postgresql://user:password@host:port/database")


@dataclass(frozen=True)
class DatabaseURL:
    dialect: str  # "sqlite" or "postgresql"
    path: Path | None = None  # sqlite: the file
    conninfo: str = ""  # postgresql: the URL as given, for libpq (it holds the password: never print it)
    host: str = ""  # postgresql, for messages: host:port (or the socket folder)
    user: str = ""
    database: str = ""

    def __str__(self) -> str:
        return f"sqlite:///{self.path}" if self.dialect == "sqlite" else redact(self.conninfo)


def parse_database_url(url: str, default_path: Path) -> DatabaseURL:
    """The database `url` names; SQLite at `default_path` for an empty one. ValueError (without the
    password) for anything else."""
    url = (url or "").strip()
    if not url:
        return DatabaseURL("sqlite", path=Path(default_path))
    scheme, colon, rest = url.partition(":")
    scheme = scheme.lower()
    if colon and scheme == "sqlite":
        return DatabaseURL("sqlite", path=_sqlite_path(url, rest, Path(default_path)))
    if colon and scheme in POSTGRES_SCHEMES and rest.startswith("//"):
        return _postgres(url)
    shown = redact(url) if "://" in url else url
    raise ValueError(f"EMOJIGEN_DATABASE_URL={shown!r}: unknown kind of database; {EXPECTED}")


def _sqlite_path(url: str, rest: str, default_path: Path) -> Path:
    """File-URL rules: sqlite:///srv/h.sqlite is /srv/h.sqlite, sqlite:h.sqlite is relative, and
    sqlite:// alone is the default file."""
    if rest.startswith("//"):
        host, slash, path = rest[2:].partition("/")
        if host:
            raise ValueError(f"EMOJIGEN_DATABASE_URL={url!r}: SQLite is a local file, not a host "
                             f"({host!r}); write sqlite:///absolute/path (three slashes)")
        path = slash + path
    else:
        path = rest
    path = unquote(path.split("?", 1)[0])
    if path.startswith("//"):  # sqlite:////srv/h.sqlite, as SQLAlchemy writes an absolute path
        path = "/" + path.lstrip("/")
    if path in ("", "/"):
        return default_path
    if path == ":memory:" or path == "/:memory:":
        raise ValueError(f"EMOJIGEN_DATABASE_URL={url!r}: an in-memory SQLite database would vanish between "
                         "calls; give a file")
    return Path(path)


def _postgres(url: str) -> DatabaseURL:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = unquote(userinfo.partition(":")[0]) if at else ""
    if not hostport:
        host = query.get("host") or "the default local socket"
    elif ":" in hostport.rsplit("]", 1)[-1]:  # a port is given ([::1]:5432 has its own colons)
        host = hostport
    else:
        host = f"{hostport}:{query.get('port', '5432')}"
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "") or user
    return DatabaseURL("postgresql", conninfo=url, host=host, user=user or query.get("user", ""),
                       database=database)


def redact(url: str) -> str:
    """`url` with its password (in the user part or as ?password=) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unreadable URL>"
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
    query = parts.query
    if "password" in query.lower():
        query = urlencode([(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query)],
                          safe="*/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
