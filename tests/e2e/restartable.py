"""A dev server in a subprocess that a test can kill, restart, freeze and thaw.

The fault tests need what a thread cannot give: a server that dies at once
(``SIGKILL``: the kernel resets its connections), comes back on the same port
with the same SQLite database, or stops answering without closing anything
(``SIGSTOP``: a half-open connection). Import the fixtures into a test module::

    from restartable import RestartableServer, restartable  # noqa: F401

The server runs ``python -m pyfritz.dev`` with the e2e pages (``--extra-root``,
``--harness``) and logs to a file; :meth:`RestartableServer.connections`
counts the sync connections it accepted (its ``connect client`` log lines),
over every life.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from harness import PAGES, ROOT

__all__ = ["RestartableServer", "free_port", "restartable"]

_START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RestartableServer:
    """``python -m pyfritz.dev`` on a fixed port and database; restartable."""

    #: What runs after ``python``, and the page folders it serves besides the project.
    program: tuple[str, ...] = ("-m", "pyfritz.dev")
    extra_roots: tuple[Path, ...] = (PAGES,)

    def __init__(self, workdir: Path, port: int | None = None, *, db: str | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / "sync.sqlite3"
        # ``--db``: the SQLite file above, or a database URL (a node of a cluster).
        self.db_arg = db if db is not None else str(self.db)
        self.log = workdir / f"server-{self.port}.log"
        self.lives = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the process is alive (it may be frozen)."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and return once it accepts TCP connections."""
        assert not self.running, "already running"
        pythonpath = os.pathsep.join([str(ROOT / "src"), str(ROOT / "app")])
        env = {**os.environ, "PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1"}
        command = [
            sys.executable,
            *self.program,
            "--port",
            str(self.port),
            "--db",
            self.db_arg,
            "--root",
            str(ROOT),
            *(arg for root in self.extra_roots for arg in ("--extra-root", str(root))),
            "--harness",
        ]
        self._log_file = self.log.open("ab")
        self._process = subprocess.Popen(
            command, stdout=self._log_file, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        self.lives += 1
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._accepts():
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log.read_text()}")
            time.sleep(0.02)  # polling a port, not waiting for the page

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        """``SIGKILL``: the server dies at once; the kernel resets its connections."""
        process = self._process
        assert process is not None
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a frozen process cannot die otherwise cleanly
            process.kill()
            process.wait(timeout=10)
        self._process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self) -> None:
        """Kill the server and start it again on the same port and database."""
        self.kill()
        self.start()

    def freeze(self) -> None:
        """``SIGSTOP``: the server stops answering but closes nothing (half-open)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """``SIGCONT``: the frozen server goes on."""
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def connections(self) -> int:
        """How many sync connections the server accepted, over all its lives."""
        return self.log.read_text(errors="replace").count("connect client ")

    def value(self, id: str) -> tuple[int, Any]:
        """Entity ``id``'s revision and value, read from the SQLite file; ``(0, None)`` if none."""
        with contextlib.closing(sqlite3.connect(self.db)) as db:
            row = db.execute("SELECT rev, value FROM entities WHERE id = ?", (id,)).fetchone()
        return (0, None) if row is None else (int(row[0]), json.loads(row[1]))


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[RestartableServer]:
    """A running :class:`RestartableServer` of its own (own port, own database)."""
    server = RestartableServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.running:
            server.kill()
