"""The guard is as strict in every engine as the engine allows (see engines.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pagedriver import PageDriver, PageTrouble

from engines import Engine

_SNAPSHOT_FETCHED = (
    "() => performance.getEntriesByType('resource')"
    ".some(entry => entry.name.endsWith('/runtime/pyodide/snapshot.bin.gz'))"
)


def test_python_starts_from_the_snapshot_and_each_page_draws_its_own_randoms(
    open_page: Callable[[], PageDriver],
) -> None:
    drawn = []
    for _ in range(2):
        window = open_page()
        window.goto("/harness.html?py=boot_state")
        window.wait_ready()
        assert window.evaluate(_SNAPSHOT_FETCHED) is True
        drawn.append(window.evaluate("() => document.body.dataset.random"))
    # The snapshot holds one seeded `random` state; the entry reseeds it per page.
    assert drawn[0] != drawn[1]


def test_the_guard_fails_a_page_with_a_python_error(window: PageDriver) -> None:
    window.goto("/harness.html?py=fails_on_purpose")
    # The console error may be seen before PyScript draws `.py-error` (the
    # wait then fails at once, as it should): either way the guard says why.
    with pytest.raises(PageTrouble, match="deliberate failure"):
        window.wait_until(
            "() => document.querySelector('.py-error')", timeout=180, what=".py-error"
        )
        window.check()
    window.allow("deliberate failure")


def test_the_guard_fails_an_uncaught_error_in_the_page(window: PageDriver) -> None:
    window.goto("/blank.html")
    window.evaluate(
        "() => { setTimeout(() => { throw new Error('thrown on purpose'); });"
        " setTimeout(() => { document.body.dataset.after = 'yes'; }); }"
    )
    with pytest.raises(PageTrouble, match="thrown on purpose"):
        window.wait_attribute("body", "data-after", "yes")
        window.check()
    window.allow("thrown on purpose")


def test_the_guard_fails_a_request_that_leaves_loopback(window: PageDriver, engine: Engine) -> None:
    window.goto("/blank.html")
    # Chromium aborts it in the page; Firefox and WebKit send it to the
    # refusing proxy. Either way the fetch fails and nothing leaves.
    outcome = window.evaluate(
        "() => fetch('http://example.com/should-never-leave')"
        ".then(r => 'status ' + r.status, e => 'failed')"
    )
    assert outcome in ("failed", "status 403")
    with pytest.raises(AssertionError, match=r"http://example\.com/should-never-leave"):
        engine.check()
    # Chromium also logs the aborted load, without its URL.
    window.allow(r"example\.com|net::ERR_BLOCKED_BY_CLIENT")
