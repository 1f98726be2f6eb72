"""The to-do demo's toolkit in Chromium: routes, validation on both sides, undo, busy state.

The list is shared through the test server's hub by every test of the
session, so each test adds rows of its own and looks only at those.
"""

from __future__ import annotations

import json
from uuid import uuid4

from harness import open_synced
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from demo.model import DEMO_ID, MAX_TEXT


def _add(page: Page, text: str) -> str:
    """Add a row; return its id."""
    page.locator("#new-text").fill(text)
    page.locator("#new-text").press("Enter")
    expect(page.locator("#todos li .todo-text").last).to_have_value(text)
    row_id = page.locator("#todos li").last.get_attribute("data-id")
    assert row_id
    return row_id


def _row(page: Page, row_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#todos li[data-id='{row_id}']")


def test_routes_filter_the_list_and_a_deep_link_opens_its_route(
    two_windows: tuple[Page, Page],
) -> None:
    first, second = two_windows
    open_synced(first, "/todos.html")
    tag = uuid4().hex[:6]
    open_id = _add(first, f"open {tag}")
    done_id = _add(first, f"done {tag}")
    _row(first, done_id).locator("input[type=checkbox]").check()
    expect(_row(first, done_id)).to_have_class("todo done")
    first.locator("#show-done").click()
    expect(first.locator("#show-done")).to_have_class("current")
    expect(_row(first, open_id)).to_have_count(0)
    expect(_row(first, done_id)).to_have_count(1)
    assert first.evaluate("location.hash") == "#/done"
    first.go_back()
    expect(_row(first, open_id)).to_have_count(1)
    # A deep link, opened directly in the other window.
    open_synced(second, "/todos.html#/active")
    expect(second.locator("#show-active")).to_have_class("current")
    expect(_row(second, open_id)).to_have_count(1)
    expect(_row(second, done_id)).to_have_count(0)
    # A row ticked in the active view leaves it (click, not check(): the box
    # is gone before it could be seen checked), and stays in the list.
    _row(second, open_id).locator("input[type=checkbox]").click()
    expect(_row(second, open_id)).to_have_count(0)
    expect(_row(first, open_id)).to_have_class("todo done")


def test_field_errors_appear_as_you_type_and_invalid_edits_are_not_sent(
    two_windows: tuple[Page, Page],
) -> None:
    first, second = two_windows
    open_synced(first, "/todos.html")
    open_synced(second, "/todos.html")
    draft = first.locator("#new-text")
    add = first.locator("#new-todo button[type=submit]")
    expect(add).to_be_disabled()  # empty: nothing to add, no message yet
    expect(first.locator("#new-text-error")).to_have_text("")
    draft.fill("x" * (MAX_TEXT + 1))
    expect(first.locator("#new-text-error")).to_contain_text(f"At most {MAX_TEXT} characters")
    expect(add).to_be_disabled()
    draft.press("Backspace")
    expect(first.locator("#new-text-error")).to_have_text("")
    expect(add).to_be_enabled()
    # An existing row emptied: the message shows beside it and nothing is sent.
    text = f"keep {uuid4().hex[:6]}"
    row_id = _add(first, text)
    expect(_row(second, row_id).locator(".todo-text")).to_have_value(text)
    _row(first, row_id).locator(".todo-text").fill("   ")
    expect(_row(first, row_id).locator(".field-error")).to_have_text("A to-do needs a text")
    expect(first.locator(".badge")).to_have_attribute("data-status", "invalid")
    expect(_row(second, row_id).locator(".todo-text")).to_have_value(text)
    _row(first, row_id).locator(".todo-text").fill(f"{text}!")
    expect(first.locator(".badge")).to_have_attribute("data-status", "synced")
    expect(_row(first, row_id).locator(".field-error")).to_have_text("")
    expect(_row(second, row_id).locator(".todo-text")).to_have_value(f"{text}!")


def test_the_server_refuses_a_hand_crafted_invalid_put_with_the_same_messages(
    server_url: str,
) -> None:
    # What a client that skips validation would send; the server runs demo.model's validator.
    with connect(server_url.replace("http", "ws", 1) + "/sync") as ws:
        ws.send(json.dumps({"op": "join", "id": DEMO_ID, "rev": None}))
        snapshot = json.loads(ws.recv(timeout=20))
        assert snapshot["op"] == "snapshot"
        bad = {"items": [{"text": "", "done": False, "id": "forged"}], "_id": DEMO_ID}
        ws.send(json.dumps({"op": "put", "id": DEMO_ID, "seq": 1, "base": None, "value": bad}))
        reply = json.loads(ws.recv(timeout=20))
    assert reply["op"] == "error"
    assert reply["seq"] == 1
    assert reply["messages"] == [
        {"path": "items.forged.text", "text": "A to-do needs a text", "severity": "error"}
    ]


def test_undo_and_redo_are_changes_every_window_sees(two_windows: tuple[Page, Page]) -> None:
    first, second = two_windows
    open_synced(first, "/todos.html")
    open_synced(second, "/todos.html")
    row_id = _add(first, f"undo me {uuid4().hex[:6]}")
    expect(_row(second, row_id)).to_have_count(1)
    first.locator("#undo").click()
    expect(_row(first, row_id)).to_have_count(0)
    expect(_row(second, row_id)).to_have_count(0)
    expect(first.locator("#redo")).to_be_enabled()
    first.locator("#redo").click()
    expect(_row(first, row_id)).to_have_count(1)
    expect(_row(second, row_id)).to_have_count(1)
    expect(first.locator("#redo")).to_be_disabled()


def test_loading_examples_shows_a_busy_state_then_the_rows(strict_page: Page) -> None:
    page = strict_page
    open_synced(page, "/todos.html")
    before = page.locator("#todos li").count()
    # Record every state of the button, so that a short busy phase is seen too.
    page.evaluate(
        """() => {
            const button = document.querySelector('#load-examples');
            window.busyStates = [];
            new MutationObserver(() => window.busyStates.push(button.disabled))
                .observe(button, {attributes: true, attributeFilter: ['disabled']});
        }"""
    )
    page.locator("#load-examples").click()
    expect(page.locator("#todos li")).to_have_count(before + 3)
    expect(page.locator("#todos li .todo-text").last).to_have_value("Call Ada")
    expect(page.locator("#load-examples")).to_be_enabled()
    expect(page.locator("#busy")).to_have_text("")
    assert page.evaluate("window.busyStates") == [True, False]
