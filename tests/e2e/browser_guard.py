"""The strict-page guard: a test page fails on any sign of trouble.

Trouble is a console error, an uncaught page error, a failed request, an HTTP
error status, or any request (WebSocket included) that leaves loopback. Those
requests are aborted before they leave the machine.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Response, Route, WebSocket

__all__ = ["PageGuard", "PageTrouble"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


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
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.console: list[str] = []
        self._allowed: list[re.Pattern[str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add(f"uncaught page error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)
        page.on("websocket", self._on_websocket)
        page.route("**/*", self._on_route)

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

    def _on_route(self, route: Route) -> None:
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            self.problems.append(f"request leaves loopback (aborted): {url}")
            route.abort("blockedbyclient")
