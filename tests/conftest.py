"""Order of the whole run: every browser test after every other test.

Why: Playwright's sync API (pytest-playwright's session-wide ``playwright``
fixture) runs its own asyncio event loop in the main thread from the first
browser test to the end of the session. pytest-asyncio cannot start a test's
loop while another one runs there ("Cannot run the event loop while another
loop is running"), so an ``async def`` test collected after a browser test
failed, its coroutine never awaited. Running the browser tests last keeps
``pytest`` at the repository root (``testpaths = ["tests"]``) equal to
``make unit`` followed by ``make e2e``.

Hypothesis runs without its per-example wall-clock deadline: on a busy 2-core
machine an example that takes 30 ms when idle can take 400 ms, and a test
must fail on behaviour, never on how loaded the machine was.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

__all__: list[str] = []

settings.register_profile("pyfritz", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("pyfritz")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Last, after pytest grouped the items by their parametrized fixtures; the
    # sort is stable, so each tier keeps that order.
    browser_modules = {
        item.path for item in items if "playwright" in getattr(item, "fixturenames", ())
    }
    items.sort(key=lambda item: item.path in browser_modules)
