"""The demo pages, as a user meets them: two windows editing the same entity.

Both pages share the test server's in-memory sync hub for the whole session,
so each test writes values of its own and waits for them, never for a count
of anything that earlier tests may have left behind.
"""

from __future__ import annotations

from uuid import uuid4

from harness import open_synced
from playwright.sync_api import Page, expect


def test_person_edits_show_in_the_other_window(two_windows: tuple[Page, Page]) -> None:
    first, second = two_windows
    open_synced(first, "/")
    open_synced(second, "/")
    name = f"Ada {uuid4().hex[:6]}"
    first.locator("#name").fill(name)
    expect(second.locator("#name")).to_have_value(name)
    expect(second.locator("#summary")).to_contain_text(name)
    expect(first.locator(".badge")).to_have_attribute("data-status", "synced")


def test_birthday_in_one_window_ages_the_person_in_both(two_windows: tuple[Page, Page]) -> None:
    first, second = two_windows
    open_synced(first, "/")
    open_synced(second, "/")
    first.locator("#age").fill("40")
    first.locator("#age").press("Enter")
    expect(second.locator("#age")).to_have_value("40")
    second.locator("#birthday").click()
    expect(first.locator("#age")).to_have_value("41")
    expect(first.locator("#summary")).to_contain_text("is 41 years old")


def test_html_typed_as_a_name_stays_text_in_every_window(
    two_windows: tuple[Page, Page],
) -> None:
    first, second = two_windows
    open_synced(first, "/")
    open_synced(second, "/")
    payload = f"<img src=x onerror=window.pwned=1>{uuid4().hex[:4]}"
    first.locator("#name").fill(payload)
    expect(second.locator("#summary")).to_contain_text(payload)
    assert second.locator("#app img").count() == 0
    assert second.evaluate("window.pwned") is None


def test_todos_added_ticked_and_removed_show_in_the_other_window(
    two_windows: tuple[Page, Page],
) -> None:
    first, second = two_windows
    open_synced(first, "/todos.html")
    open_synced(second, "/todos.html")
    text = f"milk {uuid4().hex[:6]}"
    first.locator("#new-text").fill(text)
    first.locator("#new-text").press("Enter")
    expect(first.locator("#new-text")).to_have_value("")
    # New rows are appended: ours is the last one; its data-id names it in both windows.
    expect(first.locator("#todos li .todo-text").last).to_have_value(text)
    row_id = first.locator("#todos li").last.get_attribute("data-id")
    row = second.locator(f"#todos li[data-id='{row_id}']")
    expect(row.locator(".todo-text")).to_have_value(text)
    row.locator("input[type=checkbox]").check()
    first_row = first.locator(f"#todos li[data-id='{row_id}']")
    expect(first_row).to_have_class("todo done")
    expect(first_row.locator("input[type=checkbox]")).to_be_checked()
    first_row.locator(".remove").click()
    expect(row).to_have_count(0)
    expect(first_row).to_have_count(0)
