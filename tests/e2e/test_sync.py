"""store.sync_with in real Chromium: two windows against the real sync server."""

from __future__ import annotations

import uuid

from browser_guard import PageGuard
from harness import CONFIG, open_py
from playwright.sync_api import Page, expect
from sync_fixtures import SyncServer, sync_pages, sync_server

__all__ = ["sync_pages", "sync_server"]  # the fixtures this module uses


def open_both(pages: list[PageGuard], entity: str) -> tuple[Page, Page]:
    for guard in pages:
        open_py(guard.page, "sync_person", id=entity)
    a, b = (guard.page for guard in pages)
    for page in (a, b):
        # The first wait includes Pyodide's boot: 20-60 s on a loaded machine.
        expect(page.locator("#status")).to_have_text("synced", timeout=CONFIG.BOOT_TIMEOUT_MS)
    return a, b


def new_entity() -> str:
    return "e2e-" + uuid.uuid4().hex[:12]


def test_an_edit_in_one_window_appears_in_the_other(
    sync_pages: list[PageGuard], sync_server: SyncServer
) -> None:
    entity = new_entity()
    a, b = open_both(sync_pages, entity)
    a.locator("#name").fill("Ada")
    expect(b.locator("#shown")).to_have_text("Ada")
    expect(b.locator("#name")).to_have_value("Ada")
    b.locator("#older").click()
    expect(a.locator("#age")).to_have_text("1")
    expect(a.locator("#status")).to_have_text("synced")
    assert sync_server.get(entity)[1] == {"name": "Ada", "age": 1, "_id": entity}


def test_concurrent_edits_converge_on_the_servers_last_state(
    sync_pages: list[PageGuard], sync_server: SyncServer
) -> None:
    entity = new_entity()
    a, b = open_both(sync_pages, entity)
    for i in range(5):  # no waiting in between: the edits race on the wire
        a.locator("#name").fill(f"a{i}")
        b.locator("#name").fill(f"b{i}")
        a.locator("#older").click()
    for page in (a, b):
        expect(page.locator("#status")).to_have_text("synced")
    _, value = sync_server.get(entity)
    for page in (a, b):
        expect(page.locator("#shown")).to_have_text(value["name"])
        expect(page.locator("#age")).to_have_text(str(value["age"]))


def test_a_server_side_change_appears_in_both_windows(
    sync_pages: list[PageGuard], sync_server: SyncServer
) -> None:
    entity = new_entity()
    a, b = open_both(sync_pages, entity)
    sync_server.set(entity, {"name": "from the server", "age": 42, "_id": entity})
    for page in (a, b):
        expect(page.locator("#shown")).to_have_text("from the server")
        expect(page.locator("#age")).to_have_text("42")


def test_a_malformed_frame_is_reported_and_the_store_keeps_its_value(
    sync_pages: list[PageGuard], sync_server: SyncServer
) -> None:
    entity = new_entity()
    a, b = open_both(sync_pages, entity)
    for guard in sync_pages:
        guard.allow("bad frame")  # report() logs it on the console, on purpose
    a.locator("#name").fill("kept")
    expect(b.locator("#shown")).to_have_text("kept")
    assert sync_server.inject("{this is not json") >= 2
    for page in (a, b):
        expect(page.locator("#errors")).to_contain_text("1: bad frame from the server: not JSON")
        expect(page.locator("#status")).to_have_text("error")
        expect(page.locator("#shown")).to_have_text("kept")
    a.locator("#name").fill("still syncing")  # the sync keeps running
    expect(b.locator("#shown")).to_have_text("still syncing")
    for page in (a, b):
        expect(page.locator("#status")).to_have_text("synced")


def test_html_in_a_synced_name_renders_as_text(
    sync_pages: list[PageGuard], sync_server: SyncServer
) -> None:
    entity = new_entity()
    a, b = open_both(sync_pages, entity)
    payload = '<img src=x onerror="window.pwned = 1">'
    a.locator("#name").fill(payload)
    expect(b.locator("#shown")).to_have_text(payload)
    sync_server.set(entity, {"name": payload + "!", "age": 0, "_id": entity})
    for page in (a, b):
        expect(page.locator("#shown")).to_have_text(payload + "!")
        expect(page.locator("#app img")).to_have_count(0)
        assert page.evaluate("window.pwned") is None
