"""A throwaway PostgreSQL server for the tests: started once per session, removed at the end.

The server runs from a fresh data directory in a temporary directory, with trust authentication for the
``postgres`` role, listening on a free TCP port on 127.0.0.1 only (its Unix socket stays inside the temporary
directory). It is not durable (``fsync=off``): it lives only as long as the test session.

``initdb`` and ``postgres`` refuse to run as root; as root, the server runs as the ``postgres`` system user.

Binaries are taken from PATH (``initdb``), otherwise from the highest version under
``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu). :class:`PostgresNotFoundError` says when there are none.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

INSTALL_HINT = (
    "install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) "
    "or put its bin directory (with initdb, pg_ctl and postgres) on PATH"
)
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}
_TOOLS = ("initdb", "pg_ctl", "postgres")


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server binaries were found."""


class PostgresStartError(RuntimeError):
    """The PostgreSQL server binaries were found, but the server could not be set up or started."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``: PATH first, then the highest Debian version."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        bindir = Path(on_path).resolve().parent  # Follow symlinks to the real directory, where pg_ctl must be too.
        if all((bindir / tool).exists() for tool in _TOOLS):
            return bindir
    versions = []
    for candidate in glob.glob("/usr/lib/postgresql/*/bin"):
        bindir = Path(candidate)
        if all(os.access(bindir / tool, os.X_OK) for tool in _TOOLS):
            version = tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())
            versions.append((version, bindir))
    if not versions:
        raise PostgresNotFoundError(f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) found: {INSTALL_HINT}")
    return max(versions)[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway server; :meth:`create_database` gives each caller a fresh, empty database."""

    bindir: Path
    base: Path
    port: int = 0
    user: str = "postgres"
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _run_as: dict[str, Any] = field(default_factory=dict)

    @property
    def datadir(self) -> Path:
        """The server's data directory."""
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        """The server's log."""
        return self.base / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL of a database on this server, as :func:`detente.store.open_store` takes it."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A psycopg connection in autocommit mode."""
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5)

    def create_database(self) -> str:
        """Create a fresh, empty database and return its URL."""
        name = f"test_{next(self._counter)}_{uuid.uuid4().hex[:8]}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database`, closing its sessions (PostgreSQL 13+)."""
        name = url.rsplit("/", 1)[1]
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        try:
            return subprocess.run(
                command, cwd=self.base, capture_output=True, text=True, timeout=60, check=True, **self._run_as
            )
        except subprocess.CalledProcessError as exc:
            output = (exc.stdout + exc.stderr).strip()
            raise PostgresStartError(f"{' '.join(command)} failed ({exc.returncode}): {output}{self._log()}") from None

    def _log(self) -> str:
        try:
            tail = self.logfile.read_text(errors="replace").strip().splitlines()[-20:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(tail) if tail else ""

    def _prepare(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresStartError(
                "running as root, and initdb/postgres refuse to run as root, but there is no 'postgres' system user "
                "to run them as: install the PostgreSQL server package (Debian/Ubuntu: apt-get install postgresql), "
                "which creates it, or run the tests as a non-root user"
            ) from None
        os.chown(self.base, account.pw_uid, account.pw_gid)
        self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def start(self) -> None:
        """initdb, configure and start the server; wait until it accepts connections."""
        self._prepare()
        initdb = ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        self._run(self.bindir / "initdb", f"--pgdata={self.datadir}", f"--username={self.user}", *initdb)
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{self.base}'"}
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        for attempt in range(5):  # Another process may take the free port between choosing it and binding it.
            self.port = _free_port()
            try:
                pg_ctl = ["start", "--wait", "--timeout=30", f"--log={self.logfile}", f"--options=-p {self.port}"]
                self._run(self.bindir / "pg_ctl", f"--pgdata={self.datadir}", *pg_ctl)
                break
            except PostgresStartError:
                if attempt == 4 or "could not bind" not in self._log():
                    raise
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 15
        while True:
            try:
                with self.connect() as conn:
                    conn.execute("SELECT 1")
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresStartError(f"the server does not accept connections: {exc}{self._log()}") from None
                time.sleep(0.05)
            else:
                return

    def stop(self) -> None:
        """Stop the server at once (it holds nothing worth keeping)."""
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresStartError, subprocess.TimeoutExpired):
                self._run(self.bindir / "pg_ctl", f"--pgdata={self.datadir}", "stop", "--wait", "--mode=immediate")


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway server; stop it and remove its files on exit, also when starting it failed.

    Raises :class:`PostgresNotFoundError` without binaries and :class:`PostgresStartError` when they do not work.
    """
    bindir = find_bindir()
    # As root, the server runs as the postgres user: its directory must be reachable through world-traversable
    # parents, which /tmp is (a $TMPDIR may not be).
    parent = "/tmp" if os.geteuid() == 0 else None  # noqa: S108 - mkdtemp makes a private directory in it
    base = Path(tempfile.mkdtemp(prefix="detente-pg-", dir=parent))
    server = PostgresServer(bindir, base)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
