"""pyfritz.dom in real Chromium: bindings, events, keyed lists, text safety, no leaks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from browser_guard import PageGuard
from harness import open_py
from playwright.sync_api import Page, expect


def test_typing_updates_the_store_and_every_bound_node(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_binding")
    field = page.locator("#name")
    expect(field).to_have_value("Ann")
    field.press("End")
    field.press_sequentially("ie")
    expect(page.locator("#greeting")).to_have_text("Hello, Annie!")
    expect(page.locator("#mirror")).to_have_value("Annie")
    # The binding does not rewrite an equal value, so the caret stays put.
    field.press("Home")
    field.press_sequentially("J")
    expect(field).to_have_value("JAnnie")
    expect(page.locator("#greeting")).to_have_text("Hello, JAnnie!")


def test_click_handler_runs_once_per_click(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_binding")
    expect(page.locator("#count")).to_have_text("0")
    for _ in range(3):
        page.locator("#clicker").click()
    expect(page.locator("#count")).to_have_text("3")


def test_value_and_checked_set_the_dom_property(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_binding")
    page.locator("#agree").check()
    expect(page.locator("#agreed")).to_have_text("yes")
    expect(page.locator("#agreed")).to_have_class("on")
    page.locator("#name").fill("Bo")
    expect(page.locator("#mirror")).to_have_value("Bo")
    # After user edits only the properties reflect the store; attributes would not.
    page.locator("#reset").click()
    expect(page.locator("#name")).to_have_value("")
    expect(page.locator("#agree")).not_to_be_checked()
    expect(page.locator("#agreed")).to_have_text("no")
    expect(page.locator("#agreed")).not_to_have_class("on")
    expect(page.locator("#mirror")).to_be_disabled()


def test_prevent_default_stops_the_form_submission(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_binding")
    expect(page.locator("#submits")).to_have_text("0")
    page.evaluate(
        "window.addEventListener('submit', e => {"
        " document.body.dataset.prevented = String(e.defaultPrevented); })"
    )
    page.locator("#go").click()
    expect(page.locator("body")).to_have_attribute("data-prevented", "true")
    expect(page.locator("#submits")).to_have_text("1")


def test_text_flows_carrying_html_show_literally_and_run_nothing(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_xss")
    payload = '<img src=x onerror="window.pwned = 1">'
    expect(page.locator("#flow-text")).to_have_text(payload + "!")
    expect(page.locator("#static-text")).to_have_text("static " + payload)
    expect(page.locator("#mixed")).to_have_text("before " + payload + "!")
    expect(page.locator("#attr")).to_have_attribute("title", payload + "!")
    expect(page.locator("#value")).to_have_value(payload + "!")
    expect(page.locator("#trusted b")).to_have_text("opted in")  # only when asked for
    expect(page.locator("#app img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None


ROW_KEYS = "Array.from(document.querySelectorAll('#list li[data-key]'), li => li.dataset.key)"


def mark_rows(page: Page) -> None:
    """Tag every row node with a JS property, and count the row nodes (re)inserted."""
    page.evaluate(
        """() => {
        document.querySelectorAll('li[data-key]').forEach(li => li.__mark = li.dataset.key);
        window.inserted = 0;
        window.observer ??= new MutationObserver(records => {
            for (const r of records) window.inserted += r.addedNodes.length;
        });
        window.observer.observe(document.querySelector('#list'), {childList: true});
    }"""
    )


def marks_kept(page: Page, list_id: str = "list") -> list[str]:
    """The keys of rows that are still the very node that was marked."""
    return page.evaluate(
        f"Array.from(document.querySelectorAll('#{list_id} li[data-key]'))"
        ".filter(li => li.__mark === li.dataset.key).map(li => li.dataset.key)"
    )


def inserted(page: Page) -> int:
    page.evaluate(
        "window.observer.takeRecords().forEach(r => window.inserted += r.addedNodes.length)"
    )
    return int(page.evaluate("window.inserted"))


def test_keyed_list_moves_a_focused_row_without_losing_focus_or_input(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_each")
    expect(page.locator("#order")).to_have_text("a,b,c,d,e")
    mark_rows(page)
    note = page.locator("#list li[data-key=a] input")
    note.click()
    note.press_sequentially("typed")
    note.press("Enter")  # the row's keydown handler moves it to the end
    expect(page.locator("#order")).to_have_text("b,c,d,e,a")
    assert page.evaluate(ROW_KEYS) == list("bcdea")
    assert page.evaluate("document.activeElement.closest('li').dataset.key") == "a"
    expect(note).to_be_focused()
    expect(note).to_have_value("typed")
    assert marks_kept(page) == list("bcdea")
    assert inserted(page) == 1  # only the moved row, nothing rebuilt
    expect(page.locator("#list > li").first).to_have_id("header")
    expect(page.locator("#list > li").last).to_have_id("footer")


def test_keyed_list_adds_removes_and_reorders_keeping_unchanged_nodes(strict_page: Page) -> None:
    page = strict_page
    open_py(page, "dom_each")
    expect(page.locator("#order")).to_have_text("a,b,c,d,e")
    mark_rows(page)
    page.locator("#list li[data-key=d] input").fill("kept")

    page.locator("#remove").click()
    expect(page.locator("#list li[data-key]")).to_have_count(4)
    assert marks_kept(page) == list("acde")
    assert inserted(page) == 0

    page.locator("#add").click()
    expect(page.locator("#order")).to_have_text("n,a,c,d,e,z")
    assert page.evaluate(ROW_KEYS) == list("nacdez")
    assert marks_kept(page) == list("acde")  # n and z are new nodes
    assert inserted(page) == 2

    page.locator("#reverse").click()
    expect(page.locator("#order")).to_have_text("z,e,d,c,a,n")
    assert page.evaluate(ROW_KEYS) == list("zedcan")
    assert inserted(page) == 2 + 5  # reversing six rows moves five of them
    assert marks_kept(page) == list("edca")

    page.locator("#rename").click()
    expect(page.locator("#list li[data-key=c] .text")).to_have_text("renamed")
    assert marks_kept(page) == list("edca")  # a sub-store row updates in place
    # A plain-value row whose value changed is rebuilt; the others are kept.
    expect(page.locator("#plain li[data-key=c]")).to_have_text("renamed")
    assert marks_kept(page, "plain") == list("eda")
    expect(page.locator("#list li[data-key=d] input")).to_have_value("kept")
    expect(page.locator("#list > li").first).to_have_id("header")
    expect(page.locator("#list > li").last).to_have_id("footer")


def test_a_thousand_re_renders_leak_no_bindings_listeners_proxies_or_tasks(
    strict_page: Page,
) -> None:
    page = strict_page
    open_py(page, "dom_leak")
    result = json.loads(page.locator("#result").text_content(timeout=120_000) or "")
    before, after, unmounted = result["before"], result["after"], result["unmounted"]
    assert result["shown"] == "1000"
    assert before["listeners"] > 20 and before["bindings"] > 5  # the test measures something
    assert after == before
    assert unmounted == {
        "bindings": 0,
        "listeners": 0,
        "proxies": 0,
        "scopes": 0,
        "tasks": result["base_tasks"],
        "nodes": 0,
    }


def test_the_first_example_of_the_dom_docs_runs(strict_page: Page) -> None:
    page = strict_page
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dom.md").read_text(encoding="utf-8")
    example = re.findall(r"^```python\n(.*?)^```", docs, re.M | re.S)[0]
    page.add_init_script(f"window.docsExample = {json.dumps(example)};")
    open_py(page, "dom_docs")
    expect(page.locator("#app .card p")).to_have_text("Ann is 3")
    page.locator("#app button").click()
    page.locator("#name").fill("Bo")
    expect(page.locator("#app .card p")).to_have_text("Bo is 4")


def test_new_rows_made_in_one_call_keep_order_text_events_and_nested_lists(
    strict_page: Page, guard: PageGuard
) -> None:
    page = strict_page
    # report() logs the failing row with its traceback, on purpose.
    guard.allow(
        r"render_each item 'bad'|Traceback \(most recent call last\)"
        r"|File \"<exec>\", line \d+, in row|this row fails on purpose"
    )
    open_py(page, "dom_batch")
    expect(page.locator("body[data-ready]")).to_be_attached()
    # The failing row is a comment where it would be; the others are complete.
    assert page.evaluate(
        "Array.from(document.querySelector('#rows').childNodes)"
        ".map(n => n.nodeType === 1 ? n.dataset.key : n.textContent)"
    ) == ["a", "render_each: item 'bad' failed", "b", "c", "/render_each"]
    expect(page.locator("#rows li[data-key=b] > .name")).to_have_text("<b>b</b>")
    assert page.locator("#rows b").count() == 0
    expect(page.locator("#rows li[data-key=c] .inner li")).to_have_text(["c1", "c2"])
    page.locator("#rows li[data-key=b] button").click()
    expect(page.locator("#clicked")).to_have_text("b")
    page.locator("#rows li[data-key=a] button").click()
    expect(page.locator("#clicked")).to_have_text("a")
    numbers = page.evaluate(
        "Array.from(document.querySelectorAll('#numbers > li'))"
        ".map(li => [li.dataset.n, li.querySelector('.n').textContent,"
        " li.querySelector('.pair > span').textContent])"
    )
    assert numbers == [[str(n), str(n), "even" if n % 2 == 0 else "odd"] for n in range(1000)]
    assert page.evaluate(
        "Array.from(document.querySelectorAll('#odd > li'))"
        ".map(li => [li.textContent, li.dataset.text])"
    ) == [[text, text] for text in ["a\x1fb", "c\x1ed", "[1]", "", "e"]]
