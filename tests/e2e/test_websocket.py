"""pyfritz.websocket in real Chromium against real WebSocket servers on loopback.

Most behaviours run as checks of one page (``pages/ws_checks.py``), opened once
for this module: Pyodide takes seconds to boot, the checks milliseconds. Each
check reports its result as JSON in ``<output id="<check>">``; each test
waits for its element and compares the whole result once.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import ws_endpoints
from browser_guard import PageGuard
from harness import open_py
from playwright.sync_api import Browser, Page, expect


@pytest.fixture(scope="module")
def dead_port() -> Iterator[int]:
    """A loopback port where nothing listens (bound, so nobody else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def checks(browser: Browser, base_url: str, dead_port: int) -> Iterator[tuple[Page, PageGuard]]:
    """The checks page, opened once; every test reads its own check's result."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(60_000)
    page = context.new_page()
    guard = PageGuard(page)
    # Chromium logs every refused WebSocket as a console error; these are expected.
    guard.allow(
        rf"WebSocket connection to 'ws://127\.0\.0\.1:{dead_port}/' failed: "
        r"Error in connection establishment: net::ERR_CONNECTION_REFUSED"
    )
    open_py(page, "ws_checks", dead=str(dead_port))
    yield page, guard
    context.close()


def result(checks: tuple[Page, PageGuard], name: str, timeout_ms: float | None = None) -> Any:
    """Wait for check ``name`` to report; return its JSON result or fail with its traceback."""
    page, guard = checks
    output = page.locator(f"output#{name}")
    expect(output).to_have_attribute("data-status", re.compile("ok|error"), timeout=timeout_ms)
    text = output.text_content() or ""
    assert output.get_attribute("data-status") == "ok", text
    guard.check()
    return json.loads(text)


def test_text_round_trips_keep_empty_long_and_non_ascii_text(checks: Any) -> None:
    assert result(checks, "text_round_trip") == {
        "same": True,
        "is_text": [True, True, True, True],
        "utf8_bytes": True,
    }


def test_bytes_bytearray_memoryview_array_buffer_blob_and_typed_array_round_trip(
    checks: Any,
) -> None:
    assert result(checks, "binary_round_trip") == {
        "first_ok": True,
        "bytes": ["006162", "ff6d76", "040506", "010203", "070809"],
        "is_text": [False] * 6,
    }


def test_a_one_mib_binary_frame_and_a_one_mib_text_frame_round_trip(checks: Any) -> None:
    assert result(checks, "one_mib_frame") == {
        "binary_size": 1 << 20,
        "binary_same": True,
        "text_chars": 1 << 20,
        "text_same": True,
    }


def test_a_binary_frame_from_the_server_first_converts_to_every_view(checks: Any) -> None:
    assert result(checks, "binary_first_projections") == {
        "is_text": False,
        "bytes_ok": True,
        "array_buffer_length": 256,
        "blob_size": 256,
        "blob_type": "[object Blob]",
        "text_after": "then text",
        "text_as_array_buffer": 9,
        "text_as_blob": 9,
    }


def test_sync_async_and_async_for_collectors_each_see_every_message(checks: Any) -> None:
    assert result(checks, "several_collectors") == [True, True, True]


def test_messages_that_arrive_before_the_first_collector_are_not_lost(checks: Any) -> None:
    assert result(checks, "before_first_collector") == {
        "close": [1000, "burst done"],
        "late": ["0", "1", "2", "3", "4"],
    }


def test_the_sub_protocol_the_server_chose_is_on_the_session(checks: Any) -> None:
    assert result(checks, "subprotocol") == {
        "offered": ["proto-x", "proto-b"],
        "protocol": "proto-b",
        "opens": ["proto-b"],
    }


def test_state_flows_follow_open_then_server_close_with_code_and_reason(checks: Any) -> None:
    assert result(checks, "server_close_sequence") == {
        "seen": [
            "state connecting",
            "connecting True",
            "open False",
            "closed False",
            "state open",
            "connecting False",
            "open True",
            "opens ''",
            "state closed",
            "open False",
            "closed True",
            "closes 4001 bye True",
        ],
        "close_event": [4001, "bye", True],
        "async_for": "ConnectionClosed 4001 bye",
    }


def test_client_close_goes_through_closing_and_ends_async_for_quietly(checks: Any) -> None:
    assert result(checks, "client_close") == {
        "states": ["connecting", "open", "closing", "closed"],
        "close_event": [3000, "done", True],
        "async_for_items": 1,
        "async_with_closed": "closed",
    }


def test_send_after_close_raises_send_exception(checks: Any) -> None:
    message = "cannot send: the session is closed"
    assert result(checks, "send_after_close") == {
        "send": ["closed", message],
        "send_nowait": ["closed", message],
        "state": "closed",
    }


def test_sends_before_open_wait_and_go_out_in_order(checks: Any) -> None:
    assert result(checks, "send_before_open") == {
        "state_at_send": "connecting",
        "replies": ["first", "second", "third"],
    }


def test_connecting_where_nothing_listens_closes_with_a_clear_error(
    checks: Any, dead_port: int
) -> None:
    url = f"ws://127.0.0.1:{dead_port}/"
    assert result(checks, "nothing_listens") == {
        "send": {
            "type": "SendException",
            "message": "cannot send: the session is closed "
            "(the connection could not be opened (code 1006))",
        },
        "async_with": {
            "type": "ConnectionException",
            "message": f"cannot connect to {url!r}: closed with code 1006",
        },
        "states": ["connecting", "closed"],
        "errors": [
            {
                "type": "ConnectionException",
                "message": f"cannot connect to {url!r}: the connection could not be opened",
            }
        ],
        "close_event": [1006, False],
    }


def test_a_bad_url_raises_connection_exception_at_connect(checks: Any) -> None:
    bad = {"type": "ConnectionException"}
    assert result(checks, "bad_url") == {
        "ftp://127.0.0.1/": {**bad, "url": "ftp://127.0.0.1/"},
        "ws://127.0.0.1:99999/": {**bad, "url": "ws://127.0.0.1:99999/"},
        "ws://[::1/": {**bad, "url": "ws://[::1/"},
        "proxies_leaked": 0,
    }


def test_no_proxy_is_left_after_any_kind_of_close(checks: Any) -> None:
    assert result(checks, "no_proxy_left") == {
        "before": 0,
        "connecting": 4,
        "open": 4,
        "after_close": 0,
        "after_server_close": 0,
        "after_refused": 0,
    }
    # After every check: no proxy alive and nothing reported to pyfritz.errors.
    # "final" comes after the page's bursts too (up to 240 s + 120 s on a
    # loaded machine, see the burst tests below), which this test precedes.
    assert result(checks, "final", timeout_ms=420_000) == {"live_proxies": 0, "reported": []}


def test_the_seed_example_runs_as_written(strict_page: Page) -> None:
    open_py(strict_page, "ws_seed")
    expect(strict_page.locator("body")).to_have_attribute("data-done", "true")
    expect(strict_page.locator("p.said")).to_have_text(["Server said: Hello"])
    expect(strict_page.locator("body")).to_have_attribute("data-protocol", "proto-a")
    expect(strict_page.locator("body")).to_have_attribute("data-close", "1000 finished")


def test_the_examples_in_docs_websocket_md_run(strict_page: Page) -> None:
    blocks = ws_endpoints.python_blocks(ws_endpoints.DOCS / "websocket.md")
    assert blocks
    open_py(strict_page, "ws_docs")
    app = strict_page.locator("#app")
    expect(app).to_have_attribute("data-status", re.compile("ok|error"))
    assert app.get_attribute("data-status") == "ok", app.text_content()
    expect(app).to_have_attribute("data-examples", str(len(blocks)))
    # The one error the page reports on purpose, and nothing else.
    stderr = app.get_attribute("data-stderr") or ""
    assert re.findall(r"^pyfritz: .*$", stderr, re.M) == [
        "pyfritz: while watching flow_of(<2 values>).map(<lambda>)"
    ], stderr
    assert stderr.rstrip().endswith("ZeroDivisionError: division by zero"), stderr


def test_a_burst_of_100000_mixed_frames_arrives_complete_and_in_order(checks: Any) -> None:
    # The JS side hands bursts to Python in batches (pyfritz._js.hold_messages):
    # nothing may be lost, doubled or reordered, text and binary alike.
    assert result(checks, "mixed_burst", timeout_ms=240_000) == {
        "count": 100_000,
        "wrong": [],
        "text": 50_000,
        "binary": 50_000,
        "batched": True,  # most of the burst crossed in batches
    }


def test_a_burst_to_a_data_collector_alone_arrives_complete_and_in_order(checks: Any) -> None:
    # With only projections collecting, frames reach them as data, no event made
    # (batches included): the same guarantees as the event path above.
    assert result(checks, "data_burst", timeout_ms=120_000) == {
        "count": 20_000,
        "wrong": [],
        "text": 10_000,
        "binary": 10_000,
        "batched": True,
    }
