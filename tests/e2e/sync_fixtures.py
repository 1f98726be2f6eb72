"""A dev server with a real sync hub (in memory) for the sync e2e tests, and strict pages.

Import the fixtures into a test module to use them::

    from sync_fixtures import SyncServer, sync_pages, sync_server  # noqa: F401

The hub is not thread-safe and lives on the server's event loop (a background
thread): :meth:`SyncServer.call` runs a function there and returns its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from browser_guard import PageGuard
from harness import PAGES, ROOT, guarded_windows
from playwright.sync_api import Browser
from starlette.types import Receive, Scope, Send

from pyfritz.dev import create_app
from pyfritz.dev.threaded import serve_asgi
from pyfritz.server import Deliver, Hub, MemoryStorage, Session, sync_app

__all__ = ["InjectingHub", "SyncServer", "sync_pages", "sync_server"]

R = TypeVar("R")


class InjectingHub(Hub):
    """A hub that can also send a raw frame to every connection (a misbehaving server)."""

    def __init__(self) -> None:
        super().__init__(MemoryStorage())
        self._delivers: list[tuple[Session, Deliver]] = []

    def connect(self, deliver: Deliver, **options: Any) -> Session:
        session = super().connect(deliver, **options)
        self._delivers.append((session, deliver))
        return session

    def inject(self, frame: str) -> int:
        """Send ``frame`` as is, in order with the hub's frames; return to how many."""
        self._delivers = [(s, d) for s, d in self._delivers if not s.closed]
        for _, deliver in self._delivers:
            deliver(frame)
        return len(self._delivers)


class SyncServer:
    """The running server: its base ``url``, the ``hub`` and a way onto its loop."""

    def __init__(self, hub: InjectingHub) -> None:
        self.hub = hub
        self.url = ""
        self.loop: asyncio.AbstractEventLoop | None = None

    def call(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(*args)`` on the server's event loop and return its result."""
        return self.run(_called(fn, *args))

    def run(self, coroutine: Coroutine[Any, Any, R]) -> R:
        """Run ``coroutine`` on the server's event loop and return its result."""
        loop = self.loop
        assert loop is not None, "no page has connected to /sync yet"
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=10)

    def set(self, id: str, value: Any) -> int:
        """Change entity ``id`` from the server side (``hub.set``)."""
        return self.run(self.hub.set(id, value))

    def get(self, id: str) -> tuple[int, Any]:
        """Entity ``id``'s revision and value."""
        return self.run(self.hub.get(id))

    def inject(self, frame: str) -> int:
        """Send a raw frame to every connected page."""
        return self.call(self.hub.inject, frame)


async def _called(fn: Callable[..., R], *args: Any) -> R:
    return fn(*args)


class _LoopSpy:
    """The sync endpoint, noting the loop it runs on (the loop the hub must be used from).

    A class, not a function: Starlette calls a plain function with a WebSocket.
    """

    def __init__(self, server: SyncServer) -> None:
        self._server = server
        self._endpoint = sync_app(server.hub)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._server.loop = asyncio.get_running_loop()
        await self._endpoint(scope, receive, send)


@pytest.fixture(scope="session")
def sync_server() -> Iterator[SyncServer]:
    """The dev server with the e2e pages and a sync hub at ``/sync``."""
    server = SyncServer(InjectingHub())
    app = create_app(ROOT, extra_roots=[PAGES], harness=True, sync=_LoopSpy(server))
    with serve_asgi(app) as url:
        server.url = url
        yield server


@pytest.fixture
def sync_pages(browser: Browser, sync_server: SyncServer) -> Iterator[list[PageGuard]]:
    """Two pages in separate browser contexts (two "windows"), as their strict guards.

    Each guard's ``page`` is the page; errors a test provokes on purpose are
    accepted with ``guard.allow(...)``. Every guard is checked after the test.
    """
    with guarded_windows(browser, sync_server.url) as guards:
        yield guards
