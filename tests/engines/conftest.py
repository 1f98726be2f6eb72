"""Fixtures of the cross-engine tier: one server, one refusing proxy, one engine at a time.

Every test module runs once per engine (``chromium``, ``firefox``, ``webkit``;
``PYFRITZ_ENGINES=firefox,webkit`` picks some). An engine starts once per
module and is shared by its tests (WebKit takes seconds to start and Pyodide
15+ s to boot in it). ``open_page()`` opens a guarded window; after the test
every window it opened is checked (console errors, page errors, HTTP errors,
requests that left loopback) and closed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import ws_endpoints
from guarded_dev import GUARD_SCRIPT
from harness import PAGES as E2E_PAGES
from harness import ROOT
from netguard import RefusingProxy, refusing_proxy
from pagedriver import PageDriver
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engines import ENGINES, Engine, launch
from pyfritz.dev import create_app
from pyfritz.dev.threaded import serve_asgi
from pyfritz.server.cli import build_sync

ENGINE_PAGES = Path(__file__).resolve().parent / "pages"


def _selected() -> list[str]:
    names = [n.strip() for n in os.environ.get("PYFRITZ_ENGINES", ",".join(ENGINES)).split(",")]
    unknown = sorted(set(names) - set(ENGINES))
    if unknown:
        raise pytest.UsageError(f"PYFRITZ_ENGINES: unknown engine(s) {unknown}; known: {ENGINES}")
    return [name for name in ENGINES if name in names]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


class StatusRecorder:
    """ASGI middleware noting every HTTP response with an error status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._errors: list[str] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                with self._lock:
                    self._errors.append(f"HTTP {message['status']}: {scope['path']}")
            await send(message)

        await self.app(scope, receive, noting)

    def take(self) -> list[str]:
        """The error responses since the last call."""
        with self._lock:
            taken, self._errors = self._errors, []
        return taken


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[str, StatusRecorder]]:
    """The dev server (pages, runtime, echo and test WebSockets, a sync hub in
    memory) with the e2e and engine test pages; every page loads the hook."""
    # In memory (nothing to close), with the demo's validators as `make demo` has them.
    _, sync = build_sync(":memory:", [], resources="demo.model:resources")
    app = StatusRecorder(
        create_app(
            ROOT,
            extra_roots=[E2E_PAGES, ENGINE_PAGES],
            harness=True,
            sync=sync,
            routes=ws_endpoints.routes(),
            head_script=GUARD_SCRIPT,
            # The WebSocket checks connect to a loopback port where nothing
            # listens, on purpose: the Content-Security-Policy must let them
            # try (Firefox refuses in the WebSocket constructor otherwise).
            connect_src=["ws://127.0.0.1:*"],
        )
    )
    with serve_asgi(app) as url:
        yield url, app


@pytest.fixture(scope="session")
def proxy() -> Iterator[RefusingProxy]:
    """Where Firefox and WebKit send every request not for loopback."""
    with refusing_proxy() as running:
        yield running


@pytest.fixture(scope="module", params=_selected())
def engine(
    request: pytest.FixtureRequest, server: tuple[str, StatusRecorder], proxy: RefusingProxy
) -> Iterator[Engine]:
    """One engine, started for this module and shared by its tests."""
    running = launch(request.param, server[0], proxy)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(autouse=True)
def _strict(engine: Engine, server: tuple[str, StatusRecorder]) -> Iterator[None]:
    """After each test: every open window, the proxy and the server must be clean."""
    recorder = server[1]
    recorder.take()
    yield
    errors = recorder.take()
    engine.check()
    assert not errors, f"[{engine.name}] the server answered with errors:\n  " + "\n  ".join(errors)


class _Windows:
    """The windows a fixture opened; closed together at its end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.opened: list[PageDriver] = []

    def open(self) -> PageDriver:
        self.opened.append(self.engine.new_page())
        return self.opened[-1]

    def close(self) -> list[str]:
        """Close them all; return the problems they had (not yet reported)."""
        problems: list[str] = []
        for page in self.opened:
            try:
                problems += page.problems()
            finally:
                self.engine.close_page(page)
        return problems


@pytest.fixture
def open_page(engine: Engine) -> Iterator[Callable[[], PageDriver]]:
    """Open guarded windows for this test; they are checked, then closed, after it."""
    windows = _Windows(engine)
    try:
        yield windows.open
    finally:
        # Checked here, before _strict's check: the windows are gone by then.
        problems = windows.close()
        assert not problems, f"[{engine.name}] the page had trouble:\n  " + "\n  ".join(problems)


@pytest.fixture
def window(open_page: Callable[[], PageDriver]) -> PageDriver:
    """One guarded window for this test."""
    return open_page()


@pytest.fixture(scope="module")
def module_windows(engine: Engine) -> Iterator[Callable[[], PageDriver]]:
    """Open guarded windows kept for the whole module (Pyodide boots once, not
    per test); each test still fails on any trouble seen during it (_strict)."""
    windows = _Windows(engine)
    try:
        yield windows.open
    finally:
        windows.close()
