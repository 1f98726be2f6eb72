"""The demo pages in every engine: both boot; two windows edit the same entity.

The two windows stay open for the module (Pyodide boots once per window and
page, not per test: in WebKit that takes 15+ s). Both pages share the test
server's in-memory hub, so each test writes values of its own and waits for them.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
from pagedriver import BOOT_TIMEOUT_S, PageDriver


@pytest.fixture(scope="module")
def two(module_windows: Callable[[], PageDriver]) -> tuple[PageDriver, PageDriver]:
    """Two windows, kept for the module; each test navigates them as it needs."""
    return module_windows(), module_windows()


def _open(windows: tuple[PageDriver, PageDriver], path: str) -> tuple[PageDriver, PageDriver]:
    for window in windows:
        if window.evaluate("() => location.pathname") != path:
            window.goto(path)
    for window in windows:
        window.wait_attribute(".badge", "data-status", "synced", timeout=BOOT_TIMEOUT_S)
    return windows


def test_the_person_editor_boots_and_syncs(two: tuple[PageDriver, PageDriver]) -> None:
    for window in _open(two, "/"):
        assert window.text("#app h1") == "Person"
        assert window.count(".loading") == 0


def test_person_edits_show_in_the_other_window(two: tuple[PageDriver, PageDriver]) -> None:
    first, second = _open(two, "/")
    name = f"Ada {uuid4().hex[:6]}"
    first.fill("#name", name)
    second.wait_value("#name", name)
    second.wait_text("#summary", name, contains=True)
    first.wait_attribute(".badge", "data-status", "synced")


def test_birthday_in_one_window_ages_the_person_in_both(two: tuple[PageDriver, PageDriver]) -> None:
    first, second = _open(two, "/")
    first.fill("#age", "40")
    first.press("#age", "Enter")
    second.wait_value("#age", "40")
    second.click("#birthday")
    first.wait_value("#age", "41")
    first.wait_text("#summary", "is 41 years old", contains=True)


def test_html_typed_as_a_name_stays_text_in_every_window(
    two: tuple[PageDriver, PageDriver],
) -> None:
    first, second = _open(two, "/")
    payload = f"<img src=x onerror=window.pwned=1>{uuid4().hex[:4]}"
    first.fill("#name", payload)
    second.wait_text("#summary", payload, contains=True)
    for window in two:
        assert window.count("#app img") == 0
        assert window.evaluate("() => window.pwned ?? null") is None


def test_the_todo_list_boots_and_syncs(two: tuple[PageDriver, PageDriver]) -> None:
    for window in _open(two, "/todos.html"):
        assert window.count("#new-text") == 1
        assert window.count(".loading") == 0


def test_todos_added_ticked_and_removed_show_in_the_other_window(
    two: tuple[PageDriver, PageDriver],
) -> None:
    first, second = _open(two, "/todos.html")
    text = f"milk {uuid4().hex[:6]}"
    first.fill("#new-text", text)
    first.press("#new-text", "Enter")
    first.wait_value("#new-text", "")
    # New rows are appended: ours is the last one; its data-id names it in both windows.
    first.wait_until(
        "(text) => [...document.querySelectorAll('#todos li .todo-text')].at(-1)?.value === text",
        text,
        what=f"the new row {text!r}",
    )
    row_id = first.evaluate("() => [...document.querySelectorAll('#todos li')].at(-1).dataset.id")
    row = f"#todos li[data-id='{row_id}']"
    second.wait_value(f"{row} .todo-text", text)
    second.click(f"{row} input[type=checkbox]")
    first.wait_attribute(row, "class", "todo done")
    assert first.evaluate("(sel) => document.querySelector(sel).checked", f"{row} input") is True
    first.click(f"{row} .remove")
    second.wait_count(row, 0)
    first.wait_count(row, 0)
