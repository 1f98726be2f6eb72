"""Run servers in a background thread on free loopback ports (tests, benchmarks).

Playwright's sync API cannot run inside a running asyncio loop, so each
server runs its own loop in a background thread.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from pyfritz.server.sockets import listen
from pyfritz.server.transport import WebSocketProtocol

__all__ = ["free_socket", "read_headers_file", "serve_asgi", "serve_static"]


def free_socket() -> socket.socket:
    """Return a listening TCP socket bound to a free loopback port.

    Its connections send without delay (see :mod:`pyfritz.server.sockets`).
    """
    return listen("127.0.0.1", 0)


@contextlib.contextmanager
def serve_asgi(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free port; yield its ``http://`` base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    # The sync server's own WebSocket protocol, as `pyfritz dev` and `pyfritz serve` run it.
    config = uvicorn.Config(
        app, log_level="warning", ws=WebSocketProtocol, ws_max_size=8 * 1024 * 1024
    )
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
def serve_static(directory: Path, *, host_headers: bool = False) -> Iterator[str]:
    """Serve ``directory`` with Python's plain ``http.server``; yield the base URL.

    With ``host_headers``, responses also carry the headers of the site's
    ``_headers`` file (the rules ``pyfritz build`` writes for static hosts),
    as Netlify or Cloudflare Pages would send them.
    """
    rules = read_headers_file(directory / "_headers") if host_headers else []
    handler = functools.partial(_QuietHandler, directory=str(directory), rules=rules)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def read_headers_file(path: Path) -> list[tuple[re.Pattern[str], dict[str, str]]]:
    """Parse a ``_headers`` file: a URL pattern (``*`` matches anything) on a
    line of its own, then its indented ``Name: value`` lines."""
    rules: list[tuple[re.Pattern[str], dict[str, str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            pattern = re.compile(".*".join(map(re.escape, line.strip().split("*"))) + r"\Z")
            rules.append((pattern, {}))
        elif rules:
            name, _, value = line.strip().partition(":")
            rules[-1][1][name.strip()] = value.strip()
    return rules


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(
        self, *args: Any, rules: list[tuple[re.Pattern[str], dict[str, str]]], **kwargs: Any
    ) -> None:
        self._rules = rules
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        for pattern, headers in self._rules:
            if pattern.match(path):
                for name, value in headers.items():
                    self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean: no line per request."""
