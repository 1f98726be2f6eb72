"""A sync server in a subprocess, and WebSocket clients that misbehave on purpose.

Memory is measured as the server process's resident set (``VmRSS``), which is
what the machine pays: an allocator may keep memory that Python freed.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from websockets.frames import Frame, Opcode

__all__ = [
    "RawClient",
    "SyncProcess",
    "cpu_seconds",
    "established",
    "rss",
    "sync_process",
    "unread",
]

ROOT = Path(__file__).resolve().parents[3]


def rss(pid: int) -> int:
    """The resident set size of process ``pid``, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has used so far (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ipv4_sockets() -> Iterator[tuple[str, int, str, int, str, int, int]]:
    """Each IPv4 TCP socket: local and remote address and port, state, send and receive queue."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        (local, local_port), (remote, remote_port) = (f.split(":") for f in fields[1:3])
        sent, received = fields[4].split(":")
        yield (
            _ip(local), int(local_port, 16), _ip(remote), int(remote_port, 16),
            fields[3], int(sent, 16), int(received, 16),
        )  # fmt: skip


def _ip(hex_address: str) -> str:
    return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))  # little-endian


def unread(port: int, addresses: set[str]) -> list[int]:
    """Bytes received but not yet read by the client sockets from ``addresses`` to ``port``.

    One number per established connection to the local ``port`` whose
    client end is bound to one of ``addresses``: what the kernel holds for a
    client that has not read it yet (``rx_queue`` of ``/proc/net/tcp``).
    """
    return [
        received
        for local, _, _, remote_port, state, _, received in _ipv4_sockets()
        if remote_port == port and state == "01" and local in addresses
    ]


def unsent(port: int, addresses: set[str]) -> list[int]:
    """Bytes the server on local ``port`` has written, not yet taken by clients at ``addresses``.

    One number per established connection (``tx_queue`` of the server's end):
    what the kernel holds for a client, beyond what the server process holds.
    """
    return [
        sent
        for _, local_port, remote, _, state, sent, _ in _ipv4_sockets()
        if local_port == port and state == "01" and remote in addresses
    ]


def established(port: int) -> int:
    """How many TCP connections to local ``port`` are established (server side)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # TCP_ESTABLISHED
                    count += 1
    return count


class SyncProcess:
    """``python -m pyfritz.server`` on a free loopback port."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"ws://127.0.0.1:{port}/sync"
        #: The reason of every client the server cut off, from its log, in order.
        self.cut_offs: list[str] = []

    def _read_log(self) -> None:
        # Drained in full, so that a full pipe never blocks the server.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            _, found, reason = line.partition(": disconnecting client ")
            if found:
                self.cut_offs.append(reason.split(": ", 1)[-1].strip())

    @property
    def rss(self) -> int:
        """The server's resident set size, in bytes."""
        return rss(self.process.pid)


@contextlib.contextmanager
def sync_process(*args: str) -> Iterator[SyncProcess]:
    """Run the sync server with ``args`` (an in-memory database); stop it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "pyfritz.server", "--port", str(port), "--db", ":memory:", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:  # printed once the port listens
            if "answers to host names" in line:
                break
        else:
            raise RuntimeError("the sync server did not start")
        server = SyncProcess(process, port)
        threading.Thread(target=server._read_log, daemon=True).start()
        yield server
    finally:
        process.terminate()
        process.wait(30)


class RawClient:
    """A WebSocket client on a plain socket: it reads only when told to.

    Its receive buffer is small, so that what it does not read stays queued
    on the server rather than in the kernel.
    """

    def __init__(
        self, port: int, *, rcvbuf: int = 4096, local_addr: tuple[str, int] | None = None
    ) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        if local_addr is not None:
            self.sock.bind(local_addr)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(
            (
                f"GET /sync HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("handshake refused")
            response += chunk
        self.status = int(response.split(b" ", 2)[1])

    def send(self, **frame: Any) -> None:
        """Send one JSON text frame (masked, as a client must)."""
        self.send_text(json.dumps(frame))

    def send_text(self, text: str) -> None:
        """Send one text frame."""
        data = Frame(Opcode.TEXT, text.encode()).serialize(mask=True, extensions=[])
        self.sock.sendall(data)

    def read_until_closed(self) -> bytes:
        """Read everything until the server closes or resets the connection."""
        received = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := self.sock.recv(65536):
                received += chunk
        return bytes(received)

    def close(self) -> None:
        """Drop the connection."""
        self.sock.close()
