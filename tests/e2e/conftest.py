"""Fixtures for the e2e tests: the browser, the servers and the strict page.

Settings (browser binary, launch flags, timeouts) come from the project's
``playwright.config.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ws_endpoints
from browser_guard import PageGuard
from harness import CONFIG, PAGES, ROOT, guarded_windows
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pyfritz.dev import create_app
from pyfritz.dev.threaded import serve_asgi
from pyfritz.server.cli import build_sync

expect.set_options(timeout=CONFIG.EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = CONFIG.find_chromium()
    args = {**browser_type_launch_args, "args": list(CONFIG.LAUNCH_ARGS)}
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The dev server app (pages, runtime, echo, a sync server in memory) plus the
    e2e test pages."""
    # In memory (nothing to close); the demo's validators as `make demo` has them.
    _, sync = build_sync(":memory:", [], resources="demo.model:resources")
    app = create_app(
        ROOT,
        extra_roots=[PAGES],
        harness=True,
        sync=sync,
        routes=ws_endpoints.routes(),
        # The WebSocket checks connect to a loopback port where nothing listens,
        # on purpose: the pages' Content-Security-Policy must let them try.
        connect_src=["ws://127.0.0.1:*"],
    )
    with serve_asgi(app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(server_url: str) -> str:
    return server_url


@pytest.fixture
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(CONFIG.BOOT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def guard(page: Page) -> PageGuard:
    """The strict guard of the test's page; the test may ``allow()`` expected errors."""
    return PageGuard(page)


@pytest.fixture
def strict_page(page: Page, guard: PageGuard) -> Iterator[Page]:
    """A page that fails its test on any console error, page error, failed or
    non-loopback request (checked after the test body, and on demand)."""
    yield page
    guard.check()


@pytest.fixture
def two_windows(browser: Browser, base_url: str) -> Iterator[tuple[Page, Page]]:
    """Two separate browser windows (contexts), each under the strict guard."""
    with guarded_windows(browser, base_url) as (first, second):
        yield first.page, second.page
