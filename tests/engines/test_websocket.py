"""pyfritz.websocket in every engine: the seed's example, round trips, closes, errors.

WebKit has no JSPI, so Pyodide awaits there without stack switching: every
check below awaits (``async for``, async collectors, sends that wait for the
open) and so runs that code path. The checks page (``tests/e2e/pages/ws_checks.py``)
is opened once per engine; each test reads its own check's JSON result.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pagedriver import BOOT_TIMEOUT_S, PageDriver


@pytest.fixture(scope="module")
def dead_port() -> Iterator[int]:
    """A loopback port where nothing listens (bound, so nobody else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def checks(module_windows: Callable[[], PageDriver], dead_port: int) -> PageDriver:
    window = module_windows()
    # The engines log the refused connection to the dead port: expected.
    window.allow(rf"127\.0\.0\.1:{dead_port}")
    window.goto(f"/harness.html?py=ws_checks&dead={dead_port}")
    return window


def result(checks: PageDriver, name: str) -> Any:
    """Wait for check ``name``; return its JSON result or fail with its traceback."""
    checks.wait_until(
        "(name) => document.querySelector(`output#${name}`)?.dataset.status",
        name,
        timeout=BOOT_TIMEOUT_S,
        what=f"check {name}",
    )
    status = checks.evaluate(
        "(name) => document.querySelector(`output#${name}`).dataset.status", name
    )
    text = checks.text(f"output#{name}") or ""
    assert status == "ok", text
    return json.loads(text)


def test_the_seed_example_runs_as_written(window: PageDriver) -> None:
    window.goto("/harness.html?py=ws_seed")
    window.wait_attribute("body", "data-done", "true", timeout=BOOT_TIMEOUT_S)
    said = window.evaluate("() => [...document.querySelectorAll('p.said')].map(p => p.textContent)")
    assert said == ["Server said: Hello"]
    assert window.evaluate("() => document.body.dataset.protocol") == "proto-a"
    assert window.evaluate("() => document.body.dataset.close") == "1000 finished"


def test_text_round_trips_keep_empty_long_and_non_ascii_text(checks: PageDriver) -> None:
    assert result(checks, "text_round_trip") == {
        "same": True,
        "is_text": [True, True, True, True],
        "utf8_bytes": True,
    }


def test_binary_round_trips_of_every_kind(checks: PageDriver) -> None:
    assert result(checks, "binary_round_trip") == {
        "first_ok": True,
        "bytes": ["006162", "ff6d76", "040506", "010203", "070809"],
        "is_text": [False] * 6,
    }


def test_sync_async_and_async_for_collectors_each_see_every_message(checks: PageDriver) -> None:
    assert result(checks, "several_collectors") == [True, True, True]


def test_a_server_close_carries_code_and_reason_and_ends_async_for(checks: PageDriver) -> None:
    outcome = result(checks, "server_close_sequence")
    assert outcome["close_event"] == [4001, "bye", True]
    assert outcome["async_for"] == "ConnectionClosed 4001 bye"


def test_a_client_close_carries_code_and_reason(checks: PageDriver) -> None:
    assert result(checks, "client_close") == {
        "states": ["connecting", "open", "closing", "closed"],
        "close_event": [3000, "done", True],
        "async_for_items": 1,
        "async_with_closed": "closed",
    }


def test_send_after_close_raises_send_exception(checks: PageDriver) -> None:
    message = "cannot send: the session is closed"
    assert result(checks, "send_after_close") == {
        "send": ["closed", message],
        "send_nowait": ["closed", message],
        "state": "closed",
    }


def test_sends_before_open_wait_for_it(checks: PageDriver) -> None:
    assert result(checks, "send_before_open") == {
        "state_at_send": "connecting",
        "replies": ["first", "second", "third"],
    }


def test_no_proxy_is_left_and_nothing_was_reported(checks: PageDriver) -> None:
    assert result(checks, "no_proxy_left")["after_close"] == 0
    assert result(checks, "final") == {"live_proxies": 0, "reported": []}
