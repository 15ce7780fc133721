"""A real, throwaway PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on a
free port (its unix socket in that folder too), one fresh database per test, stopped and removed at the
end of the run.

initdb and postgres refuse to run as root. As root the server runs as the `postgres` system user (the
Debian package makes it) through `runuser`, in a folder handed to that user; as anyone else it runs as
that user. Binaries: EMOJIGEN_PG_BIN, else initdb on PATH, else the newest /usr/lib/postgresql/*/bin.

Import `postgres` (the session fixture) or `database_url` (a fresh database per test) into a test module;
several modules share one server (it is started once and stopped after the last one is done).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from ci import unavailable

USER = "emojigen"  # the superuser initdb makes
PASSWORD = "s3cret-" + secrets.token_hex(4)  # TCP logins need it (scram), as a deployed server would
RUN_AS = "postgres"  # the system user the server runs as when the tests run as root


def find_bin() -> Path | None:
    """The folder with initdb, pg_ctl and postgres, or None."""
    configured = os.environ.get("EMOJIGEN_PG_BIN")
    if configured:
        return Path(configured) if (Path(configured) / "initdb").exists() else None
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin: Path
    folder: Path  # data/, the socket and the log, all removed at the end
    port: int = 0

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:  # postgres will not run as root: run it as the postgres system user
            command = ["runuser", "-u", RUN_AS, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr or done.stdout}{tail}")
        return done

    @classmethod
    def start_new(cls) -> PostgresServer:
        """A server of its own (for a test that stops it); the binaries must be there."""
        binaries = find_bin()
        if binaries is None:
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found",
                        "apt-get install postgresql, or set EMOJIGEN_PG_BIN")
        # As root, in /tmp (TMPDIR may be a folder the postgres user cannot enter).
        server = cls(binaries, Path(tempfile.mkdtemp(prefix="emojigen-pg-", dir="/tmp" if os.geteuid() == 0 else None)))
        try:
            server.start()
        except BaseException:
            shutil.rmtree(server.folder, ignore_errors=True)
            raise
        return server

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.folder, RUN_AS, RUN_AS)
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n")
        if self.as_root:
            shutil.chown(password_file, RUN_AS, RUN_AS)
        # trust on the unix socket (only this folder's owner can reach it), a password over TCP.
        self._run("initdb", "-D", str(self.folder / "data"), "-U", USER, "-E", "UTF8", "--locale=C",
                  "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={password_file}", "--no-sync",
                  timeout=120)
        password_file.unlink()
        for attempt in range(3):  # a free port may be taken between finding it and binding it
            self.port = _free_port()
            try:
                self.restart()
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def restart(self) -> None:
        """Start the server (again) on its port."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "server.log"))

    def stop(self, remove: bool = True) -> None:
        """Stop it (if running); unless `remove` is false, delete its folder."""
        data = str(self.folder / "data")
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                try:
                    self._run("pg_ctl", "stop", "-D", data, "-m", "fast", "-w")
                except (RuntimeError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "stop", "-D", data, "-m", "immediate")
        finally:
            if remove:
                shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A URL to a new, empty database (over TCP with the password, as the app connects)."""
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


_lock = threading.Lock()
_shared: dict[str, object] = {"server": None, "users": 0}


def _acquire() -> PostgresServer:
    with _lock:
        if _shared["server"] is None:
            if os.geteuid() == 0 and shutil.which("runuser") is None:
                unavailable("runuser not found (needed to run PostgreSQL as root)", "apt-get install util-linux")
            try:
                import psycopg  # noqa: F401
            except ImportError:
                unavailable("psycopg is not installed", "pip install 'emojigen[scale]'")
            # Not under pytest's tmp folders: as root those are private to root, and the socket path
            # must stay short (about 100 characters at most).
            server = PostgresServer.start_new()
            _shared["server"] = server
        _shared["users"] += 1
        return _shared["server"]  # type: ignore[return-value]


def _release() -> None:
    with _lock:
        _shared["users"] -= 1
        if _shared["users"] == 0 and _shared["server"] is not None:
            server, _shared["server"] = _shared["server"], None
            server.stop()  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def postgres():
    """The running server (started on first use, shared by every module that imports this fixture)."""
    server = _acquire()
    try:
        yield server
    finally:
        _release()


@pytest.fixture
def database_url(postgres) -> str:
    """postgresql://... of a new, empty database on the test server."""
    return postgres.new_database()
