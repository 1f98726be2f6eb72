"""Browser tests: `pyfritz dev` serves the project on a free port, Chromium opens it.

Every page runs under a strict guard: a console error, an uncaught page error,
a failed request or a request that leaves this machine fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from pyfritz.dev.testing import PageGuard, chromium_launch_args, dev_server

PROJECT = Path(__file__).resolve().parents[1]

# Python boots in the page in a few seconds; a loaded machine (CI) can take far
# longer, and the first check of a page waits for that boot.
BOOT_TIMEOUT_MS = 60_000
expect.set_options(timeout=BOOT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """`pyfritz dev` on this project (its sync server keeps nothing)."""
    with dev_server(PROJECT) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, **chromium_launch_args()}


def _guarded_window(browser: Browser, base_url: str) -> Iterator[Page]:
    """A new browser window (a context of its own); fails the test on any trouble."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(BOOT_TIMEOUT_MS)
    page = context.new_page()
    guard = PageGuard(page)
    yield page
    guard.check()
    context.close()


@pytest.fixture
def window(browser: Browser, base_url: str) -> Iterator[Page]:
    """One guarded window."""
    yield from _guarded_window(browser, base_url)


@pytest.fixture
def second_window(browser: Browser, base_url: str) -> Iterator[Page]:
    """Another guarded window, for what a second user sees."""
    yield from _guarded_window(browser, base_url)
