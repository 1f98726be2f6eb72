"""Browser-test helpers for pyfritz projects (CPython only; needs Playwright).

A project made by ``pyfritz new`` tests itself with these, and so does the
pyfritz repository:

* :func:`find_chromium` and :func:`chromium_launch_args`: which Chromium, with
  which flags (``$PYFRITZ_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else
  Playwright's own download);
* :class:`PageGuard`: a page fails its test on any console error, uncaught
  page error, failed request, HTTP error, or request that leaves loopback
  (such requests are aborted before they leave the machine);
* :func:`dev_server`: ``pyfritz dev`` on a free loopback port, in a
  subprocess, for the length of a ``with`` block.

Example (a project's ``tests/conftest.py``)::

    @pytest.fixture(scope="session")
    def base_url() -> Iterator[str]:
        with dev_server(Path(__file__).parents[1]) as url:
            yield url
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Response, Route, WebSocket

__all__ = [
    "LAUNCH_ARGS",
    "LOOPBACK",
    "PageGuard",
    "PageTrouble",
    "chromium_launch_args",
    "dev_server",
    "find_chromium",
    "free_port",
    "wait_for_port",
]

#: Flags for a quiet, offline Chromium: without the background-networking ones
#: it tries to reach Google's hosts on every start.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Hosts a test page may talk to; anything else fails the test.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

_DEBIAN_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

#: How long a server subprocess may take to listen (a loaded machine is slow).
_START_TIMEOUT_S = 60.0


def find_chromium() -> str | None:
    """Return the path of a Chromium to use, or ``None`` for Playwright's own.

    Raises:
        FileNotFoundError: no browser can be found at all (with what to install).
    """
    explicit = os.environ.get("PYFRITZ_CHROMIUM")
    if explicit:
        if not Path(explicit).is_file():
            raise FileNotFoundError(f"PYFRITZ_CHROMIUM={explicit} does not exist")
        return explicit
    for candidate in _DEBIAN_CHROMIUM:
        if Path(candidate).is_file():
            return candidate
    if _playwright_chromium() is not None:
        return None
    on_path = shutil.which("chromium")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "no Chromium found: install Debian's `chromium` package, "
        "run `python -m playwright install chromium`, or set PYFRITZ_CHROMIUM"
    )


def _playwright_chromium() -> str | None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if Path(path).is_file() else None


def chromium_launch_args() -> dict[str, Any]:
    """Return keyword arguments for ``chromium.launch()`` (flags, and the binary if found)."""
    executable = find_chromium()
    args: dict[str, Any] = {"args": list(LAUNCH_ARGS)}
    if executable:
        args["executable_path"] = executable
    return args


class PageTrouble(AssertionError):
    """The page showed an error or tried to leave loopback."""


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK


class PageGuard:
    """Watch a page and collect every problem; :meth:`check` raises if any.

    ``allow(pattern)`` accepts console errors and failed requests matching a
    regular expression, for tests that provoke an error on purpose.

    With ``intercept=False`` requests that leave loopback are only reported,
    not aborted: Playwright's request interception turns the HTTP cache off,
    so a test of caching watches without it.
    """

    def __init__(self, page: Page, *, intercept: bool = True) -> None:
        self.page = page
        self.problems: list[str] = []
        self.console: list[str] = []
        self._allowed: list[re.Pattern[str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add(f"uncaught page error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)
        page.on("websocket", self._on_websocket)
        if intercept:
            page.route("**/*", self._on_route)
        else:
            page.on("request", self._on_request)
        # Chromium reports most Content-Security-Policy violations on the
        # console too, but not all (a report-only policy): the event is sure.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => console.error("
            "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}"
            " at ${e.sourceFile}:${e.lineNumber}`))"
        )

    def allow(self, pattern: str) -> None:
        """Accept console errors and failed requests whose text matches ``pattern``."""
        self._allowed.append(re.compile(pattern))

    def check(self) -> None:
        """Raise :class:`PageTrouble` listing every problem seen so far."""
        if self.problems:
            raise PageTrouble("the page had trouble:\n  " + "\n  ".join(self.problems))

    def _add(self, problem: str) -> None:
        if not any(pattern.search(problem) for pattern in self._allowed):
            self.problems.append(problem)

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self._add(f"console error: {message.text}")

    def _on_request_failed(self, request: Request) -> None:
        self._add(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self._add(f"HTTP {response.status}: {response.url}")

    def _on_websocket(self, websocket: WebSocket) -> None:
        if not _is_local(websocket.url):
            self._add(f"WebSocket leaves loopback: {websocket.url}")

    def _on_request(self, request: Request) -> None:
        if not _is_local(request.url):
            self.problems.append(f"request leaves loopback: {request.url}")

    def _on_route(self, route: Route) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            self.problems.append(f"request leaves loopback (aborted): {url}")
            route.abort("blockedbyclient")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], log: Path, *, timeout: float = _START_TIMEOUT_S
) -> None:
    """Return once ``127.0.0.1:port`` accepts TCP connections.

    Raises:
        RuntimeError: ``process`` exited first, or ``timeout`` passed (with its log).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)  # polling a port that is about to open, not waiting for a page


@contextlib.contextmanager
def dev_server(root: Path, *args: str, command: Sequence[str] = ("dev",)) -> Iterator[str]:
    """Run ``pyfritz dev ROOT`` (or another ``command``) on a free port; yield its URL.

    The sync server keeps nothing (``--db :memory:``) unless ``args`` say
    otherwise; the server's output goes to a log file that a start-up failure
    shows. The process is stopped when the block ends.
    """
    port = free_port()
    argv = [sys.executable, "-m", "pyfritz", *command]
    if command[0] in ("dev", "build"):
        argv.append(str(root))
    argv += ["--port", str(port), "--db", ":memory:", *args]
    with tempfile.TemporaryDirectory(prefix="pyfritz-server-") as workdir:
        log = Path(workdir) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv, stdout=output, stderr=subprocess.STDOUT, cwd=root, env={**os.environ}
            )
            try:
                wait_for_port(port, process, log)
                yield f"http://127.0.0.1:{port}"
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
