"""A real PostgreSQL server for the tests, in a temporary folder on a free loopback port.

Debian's binaries (``tools/ensure_servers.py`` installs them): ``initdb``
makes a cluster, ``pg_ctl`` starts and stops it and waits until it is ready.
``initdb`` refuses to run as root, so as root everything runs as the
``postgres`` system user (made by the package) in a folder it owns. The
server trades durability for speed (``fsync=off``): a test server loses
nothing on a clean stop or a server crash, only on an operating system crash.

Import the fixtures into a test module::

    from postgres_server import PostgresServer, pg_url, postgres  # noqa: F401

``postgres`` is one server per test session; ``pg_url`` a fresh database in
it per test.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from ensure_servers import find_postgres_bin  # noqa: E402 - needs the path above

__all__ = ["PostgresServer", "pg_url", "postgres"]

_USER = "pyfritz"
_counter = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """A PostgreSQL cluster of its own: ``start``, ``stop``, ``url(dbname)``."""

    def __init__(self) -> None:
        bin_dir = find_postgres_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: run `make setup`")
        self.bin = Path(bin_dir)
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pyfritz-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses root: run the server as the package's system user.
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}"]
            self._as += ["--clear-groups", "--"]

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self._as, *command], capture_output=True, text=True, check=False, timeout=120
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{command[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n{log}"
            )

    def init(self) -> None:
        """Make the cluster (once)."""
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            _USER,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "120", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect clients, clean shutdown); wait for it."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop"
        )

    def url(self, dbname: str = "postgres") -> str:
        """The ``postgresql://`` URL of database ``dbname``."""
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{dbname}"

    async def create_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"t{os.getpid()}_{next(_counter)}"
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)

    def remove(self) -> None:
        """Delete the cluster's folder (after :meth:`stop`)."""
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session, stopped and removed at the end."""
    server = PostgresServer()
    server.init()
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            server.remove()


@pytest.fixture
async def pg_url(postgres: PostgresServer) -> AsyncIterator[str]:
    """The URL of a fresh database for this test."""
    yield await postgres.create_database()
