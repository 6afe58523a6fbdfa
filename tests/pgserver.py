"""A real throwaway PostgreSQL server for tests, and the pytest fixtures that use it.

Debian's binaries live in ``/usr/lib/postgresql/<version>/bin`` (not on PATH) and
``initdb``/``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` user
with a data directory in a temporary folder that user owns. The server listens on
127.0.0.1 on a free port, its unix socket sits in the temporary folder, and it trusts every
local connection. Tests are skipped with a visible reason when no binaries are found.

Use from another test folder's ``conftest.py``::

    import sys, pathlib
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from pgserver import database_url, postgres_server  # noqa: F401  (re-exported fixtures)

    def test_x(database_url): ...        # runs once on SQLite, once on PostgreSQL
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = [
    "PostgresServer",
    "database_url",
    "find_postgres_bin",
    "postgres_server",
]

_SERVICE_USER = "postgres"


def find_postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (newest version), or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; :meth:`stop` removes it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="esealkit-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_file = self.root / "server.log"
        self.port = 0
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self.socket_dir.mkdir()
        if self._as_root:
            entry = pwd.getpwnam(_SERVICE_USER)
            # The service user must reach the folder (mkdtemp makes it 0700 for root).
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", _SERVICE_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        done = self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-U", "postgres",
            "-A", "trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}\n{done.stderr}")
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probing and binding
            self.port = _free_port()
            options = (
                f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            done = self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D", str(self.data_dir),
                "-l", str(self.log_file),
                "-o", options,
                "-w", "-t", "60",
                "start",
            )  # fmt: skip
            if done.returncode == 0:
                return
            last_error = done.stdout + done.stderr + self._log_tail()
        raise RuntimeError(f"pg_ctl start failed: {last_error}")

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.data_dir.exists():
            self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3) of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        """Create an empty database and return its URL (one per test keeps tests apart)."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server for the whole test session."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg 3 is not installed (pip install 'psycopg[binary]')")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(_SERVICE_USER)
        except KeyError:
            pytest.skip(f"running as root and there is no {_SERVICE_USER!r} user to run PostgreSQL")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, then a fresh database on real PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "test.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.fresh_database()
