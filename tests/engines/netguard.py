"""A loopback-only HTTP proxy that refuses and records every request it gets.

The WebDriver engines are told to send everything that is not for loopback
through this proxy (W3C ``proxy`` capability, ``noProxy`` = loopback;
Firefox never proxies loopback anyway). So any request that reaches it is one
that tried to leave the machine: it is answered ``403`` (or the tunnel is
refused) and its target is recorded for the strict guard. Nothing is ever
forwarded, so nothing leaves.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RefusingProxy", "refusing_proxy"]


class RefusingProxy:
    """The proxy's address and what it refused (``host:port`` or absolute URLs)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.refused: list[str] = []
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """``host:port``, the form the ``proxy`` capability takes."""
        return f"{self.host}:{self.port}"

    def record(self, target: str) -> None:
        with self._lock:
            self.refused.append(target)

    def take(self) -> list[str]:
        """Return and forget what was refused since the last call."""
        with self._lock:
            taken, self.refused = self.refused, []
        return taken


class _Handler(socketserver.StreamRequestHandler):
    proxy: RefusingProxy

    def handle(self) -> None:
        line = self.rfile.readline(8192).decode("latin-1").strip()
        if not line:
            return
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        self.server.proxy.record(f"{method} {target}")  # type: ignore[attr-defined]
        body = b"refused: this test machine stays on loopback\n"
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def refusing_proxy() -> Iterator[RefusingProxy]:
    """Run a :class:`RefusingProxy` on a free loopback port for the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    proxy = RefusingProxy("127.0.0.1", server.server_address[1])
    server.proxy = proxy  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
