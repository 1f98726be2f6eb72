"""Run servers in a background thread on free loopback ports (tests, benchmarks).

Playwright's sync API cannot run inside a running asyncio loop, so each
server runs its own loop in a background thread.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

__all__ = ["free_socket", "serve_asgi", "serve_static"]


def free_socket() -> socket.socket:
    """Return a listening TCP socket bound to a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextlib.contextmanager
def serve_asgi(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free port; yield its ``http://`` base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", ws_max_size=8 * 1024 * 1024)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    # The socket listens before uvicorn runs, so a connection made right away
    # waits in the backlog instead of being refused: no start-up wait needed.
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def serve_static(directory: Path) -> Iterator[str]:
    """Serve ``directory`` with Python's plain ``http.server``; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean: no line per request."""
