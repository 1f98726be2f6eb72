"""pyfritz.dom in every engine: keyed moves keep nodes, focus and caret; text
stays text; re-renders leak nothing.

WebKit has no ``Element.moveBefore``: there the keyed list moves rows with
``insertBefore`` and puts the focus and selection back itself.
"""

from __future__ import annotations

import json

from pagedriver import BOOT_TIMEOUT_S, PageDriver

ROW_KEYS = "() => Array.from(document.querySelectorAll('#list li[data-key]'), li => li.dataset.key)"

MARK_ROWS = """() => {
    document.querySelectorAll('li[data-key]').forEach(li => li.__mark = li.dataset.key);
    window.inserted = 0;
    window.observer = new MutationObserver(records => {
        for (const r of records) window.inserted += r.addedNodes.length;
    });
    window.observer.observe(document.querySelector('#list'), {childList: true});
}"""

MARKS_KEPT = """(list) => Array.from(document.querySelectorAll(`#${list} li[data-key]`))
    .filter(li => li.__mark === li.dataset.key).map(li => li.dataset.key)"""

INSERTED = """() => {
    window.observer.takeRecords().forEach(r => window.inserted += r.addedNodes.length);
    return window.inserted;
}"""


def _open_list(window: PageDriver) -> None:
    window.goto("/harness.html?py=dom_each")
    window.wait_ready()
    window.wait_text("#order", "a,b,c,d,e")
    window.evaluate(MARK_ROWS)


def test_a_focused_input_keeps_focus_and_caret_when_its_row_moves(window: PageDriver) -> None:
    _open_list(window)
    note = "#list li[data-key=a] input"
    window.click(note)
    window.type(note, "typed")
    window.evaluate("(sel) => document.querySelector(sel).setSelectionRange(2, 4)", note)
    window.press(note, "Enter")  # the row's keydown handler moves it to the end
    window.wait_text("#order", "b,c,d,e,a")
    assert window.evaluate(ROW_KEYS) == list("bcdea")
    state = window.evaluate(
        "() => { const n = document.activeElement;"
        " return [n.closest('li')?.dataset.key ?? null, n.value,"
        " n.selectionStart, n.selectionEnd]; }"
    )
    assert state == ["a", "typed", 2, 4]
    assert window.evaluate(MARKS_KEPT, "list") == list("bcdea")
    assert window.evaluate(INSERTED) == 1  # only the moved row, nothing rebuilt
    # The caret is live: typing replaces the selection where it was.
    window.type(note, "X")
    window.wait_value(note, "tyXd")


def test_keyed_list_adds_removes_and_reorders_keeping_unchanged_nodes(window: PageDriver) -> None:
    _open_list(window)
    window.fill("#list li[data-key=d] input", "kept")

    window.click("#remove")
    window.wait_count("#list li[data-key]", 4)
    assert window.evaluate(MARKS_KEPT, "list") == list("acde")
    assert window.evaluate(INSERTED) == 0

    window.click("#add")
    window.wait_text("#order", "n,a,c,d,e,z")
    assert window.evaluate(ROW_KEYS) == list("nacdez")
    assert window.evaluate(MARKS_KEPT, "list") == list("acde")  # n and z are new nodes
    assert window.evaluate(INSERTED) == 2

    window.click("#reverse")
    window.wait_text("#order", "z,e,d,c,a,n")
    assert window.evaluate(ROW_KEYS) == list("zedcan")
    assert window.evaluate(INSERTED) == 2 + 5  # reversing six rows moves five of them
    assert window.evaluate(MARKS_KEPT, "list") == list("edca")

    window.click("#rename")
    window.wait_text("#list li[data-key=c] .text", "renamed")
    assert window.evaluate(MARKS_KEPT, "list") == list("edca")  # a sub-store row updates in place
    window.wait_text("#plain li[data-key=c]", "renamed")
    assert window.evaluate(MARKS_KEPT, "plain") == list("eda")
    assert window.value("#list li[data-key=d] input") == "kept"


def test_text_flows_carrying_html_show_literally_and_run_nothing(window: PageDriver) -> None:
    window.goto("/harness.html?py=dom_xss")
    window.wait_ready()
    payload = '<img src=x onerror="window.pwned = 1">'
    window.wait_text("#flow-text", payload + "!")
    assert window.text("#static-text") == "static " + payload
    assert window.text("#mixed") == "before " + payload + "!"
    assert window.evaluate("() => document.querySelector('#attr').title") == payload + "!"
    assert window.value("#value") == payload + "!"
    assert window.text("#trusted b") == "opted in"  # only when asked for
    assert window.count("#app img") == 0
    assert window.evaluate("() => window.pwned ?? null") is None


def test_a_thousand_re_renders_leak_no_bindings_listeners_proxies_or_tasks(
    window: PageDriver,
) -> None:
    window.goto("/harness.html?py=dom_leak")
    window.wait_until(
        "() => document.querySelector('#result')", timeout=BOOT_TIMEOUT_S, what="#result"
    )
    result = json.loads(window.text("#result") or "")
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
