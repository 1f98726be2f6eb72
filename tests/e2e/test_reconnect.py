"""Sync that survives the network, in real Chromium against a real server process.

The server (``restartable``) is a subprocess the tests kill (``SIGKILL``),
restart on the same port and SQLite database, or freeze (``SIGSTOP``). Each
test opens two pages in separate browser contexts. A dropped server makes
Chromium log "WebSocket connection to ... failed" on the console: those, and
only those, are allowed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from browser_guard import PageGuard
from harness import guarded_windows, open_py
from playwright.sync_api import Browser, Page, expect
from restartable import RestartableServer, restartable

__all__ = ["restartable"]  # the fixture this module uses

# Chromium's console error for a WebSocket that could not connect or was dropped.
WS_FAILED = r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/sync' failed"
# A short backoff cap keeps the restart loops quick (the default cap is 10 s).
FAST = {"cap": "0.5"}


@pytest.fixture
def pages(browser: Browser, restartable: RestartableServer) -> Iterator[list[PageGuard]]:
    """Two strict pages, each in its own browser context, on the restartable server."""
    with guarded_windows(browser, restartable.url, allow=[WS_FAILED]) as guards:
        yield guards


def open_both(pages: list[PageGuard], **params: str) -> tuple[str, Page, Page]:
    """Open the person editor on a new entity in both pages, one after the other."""
    entity = "e2e-" + uuid.uuid4().hex[:12]
    for guard in pages:
        open_py(guard.page, "sync_person", id=entity, **params)
        expect(guard.page.locator("#status")).to_have_text("synced")
    a, b = (guard.page for guard in pages)
    return entity, a, b


def status_of(*pages: Page, text: str) -> None:
    for page in pages:
        expect(page.locator("#status")).to_have_text(text)


def test_both_pages_reconnect_after_a_restart_and_converge(
    pages: list[PageGuard], restartable: RestartableServer
) -> None:
    entity, a, b = open_both(pages, **FAST)
    a.locator("#name").fill("before")
    expect(b.locator("#shown")).to_have_text("before")
    restartable.kill()
    status_of(a, b, text="reconnecting")
    restartable.start()
    status_of(a, b, text="synced")
    b.locator("#name").fill("after")
    expect(a.locator("#shown")).to_have_text("after")
    a.locator("#older").click()
    expect(b.locator("#age")).to_have_text("1")
    status_of(a, b, text="synced")
    assert restartable.value(entity)[1] == {"name": "after", "age": 1, "_id": entity}


def test_an_edit_made_while_the_server_is_down_reaches_it_and_the_other_page(
    pages: list[PageGuard], restartable: RestartableServer
) -> None:
    entity, a, b = open_both(pages, **FAST)
    restartable.kill()
    status_of(a, b, text="reconnecting")
    a.locator("#name").fill("typed offline")
    a.locator("#older").click()
    expect(a.locator("#status")).to_have_text("reconnecting")  # kept, not lost
    restartable.start()
    status_of(a, b, text="synced")
    expect(b.locator("#shown")).to_have_text("typed offline")
    expect(b.locator("#age")).to_have_text("1")
    rev, value = restartable.value(entity)
    assert value == {"name": "typed offline", "age": 1, "_id": entity}
    assert rev == 2  # the first publish, then ONE put of the latest offline value


def test_twenty_restarts_lose_no_edit_duplicate_none_and_do_not_loop(
    pages: list[PageGuard], restartable: RestartableServer
) -> None:
    restarts = 20
    entity, a, b = open_both(pages, **FAST)
    for i in range(restarts):
        restartable.kill()
        expect(a.locator("#status")).to_have_text("reconnecting")
        a.locator("#name").fill(f"offline {i}")  # made while the server is down
        restartable.start()
        status_of(a, b, text="synced")
        expect(b.locator("#shown")).to_have_text(f"offline {i}")
        b.locator("#older").click()  # made while it is up
        expect(a.locator("#age")).to_have_text(str(i + 1))
        status_of(a, b, text="synced")
    rev, value = restartable.value(entity)
    assert value == {"name": f"offline {restarts - 1}", "age": restarts, "_id": entity}
    # The first publish, then exactly two puts per round: nothing lost, nothing twice.
    assert rev == 1 + 2 * restarts
    # Every life of the server saw each page connect once (a retry may rarely
    # land in the moment between accept and a reset): no reconnect loop.
    lives = restarts + 1
    assert 2 * lives <= restartable.connections() <= 2 * lives + 4


def test_a_half_open_connection_is_found_by_the_heartbeat_and_recovered(
    pages: list[PageGuard], restartable: RestartableServer
) -> None:
    entity, a, b = open_both(pages, heartbeat="1,0.5", timeout="2", **FAST)
    a.locator("#name").fill("before the freeze")
    expect(b.locator("#shown")).to_have_text("before the freeze")
    restartable.freeze()  # nothing answers, nothing closes
    status_of(a, b, text="reconnecting")
    a.locator("#name").fill("typed while frozen")
    restartable.thaw()
    status_of(a, b, text="synced")
    expect(b.locator("#shown")).to_have_text("typed while frozen")
    assert restartable.value(entity)[1]["name"] == "typed while frozen"
