"""One small page-driver interface, so a scenario is written once for every engine.

A :class:`PageDriver` is one window showing one page. Scenarios use only
this: ``goto``, the ``wait_*`` helpers (conditions checked in the page, never
sleeps), ``click``/``fill``/``press``/``type``, ``evaluate`` (a JavaScript
function's source and its arguments) and the strict guard (``allow``,
``check``). Two implementations:

* :class:`PlaywrightPage`: Chromium through Playwright, guarded by the e2e
  tier's :class:`~browser_guard.PageGuard`;
* :class:`WebDriverPage`: Firefox and WebKit through Selenium (W3C WebDriver);
  its guard reads what the engine reports (Firefox: WebDriver BiDi log events)
  or what the page recorded itself (WebKit: ``pages/engine_guard.js``).

``evaluate(fn, *args)`` takes the source of a JavaScript function
(``"(a, b) => a + b"``), calls it with ``args`` and returns its JSON result; a
returned promise is awaited in every engine.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from browser_guard import PageGuard, PageTrouble

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["BOOT_TIMEOUT_S", "PageDriver", "PageTrouble", "PlaywrightPage", "WebDriverPage"]

#: Pyodide boots in 2-4 s in Chromium, 15-25 s in WebKit on a quiet machine;
#: under load (5 engineers, 2 cores) several times that.
BOOT_TIMEOUT_S = 180.0
#: For a condition after an action (a sync round trip, a re-render).
WAIT_TIMEOUT_S = 60.0

# The page-side condition wait: polls the function every 20 ms for up to
# ``chunk`` ms and resolves with its (truthy) result or null. The caller repeats
# it until its own deadline, so one call never outlives the driver's script
# timeout. The function's source is pasted in, not eval'ed: a strict CSP
# forbids eval in the page, but not the driver's own scripts.
_WAIT_JS = """
const [args, chunk] = arguments_;
const fn = (__FN__);
return new Promise((resolve, reject) => {
  const end = performance.now() + chunk;
  const tick = () => {
    let value;
    try { value = fn(...args); } catch (error) { reject(error); return; }
    if (value) resolve(value);
    else if (performance.now() > end) resolve(null);
    else setTimeout(tick, 20);
  };
  tick();
});
"""


class PageDriver(ABC):
    """One window of one engine; see the module docstring."""

    def __init__(self, engine: str, base_url: str) -> None:
        self.engine = engine
        self.base_url = base_url
        self._allowed: list[re.Pattern[str]] = []
        self._problems: list[str] = []

    # -- what each engine implements -------------------------------------------

    @abstractmethod
    def goto(self, path: str) -> None:
        """Load ``path`` (relative to the server) and wait for the ``load`` event."""

    @abstractmethod
    def evaluate(self, fn: str, *args: Any) -> Any:
        """Call the JavaScript function ``fn`` with ``args``; return its result."""

    @abstractmethod
    def _wait_chunk(self, fn: str, args: list[Any], chunk_ms: int) -> Any:
        """One page-side wait of at most ``chunk_ms``: the truthy result, or None."""

    @abstractmethod
    def click(self, selector: str) -> None:
        """Click the element (a real pointer click)."""

    @abstractmethod
    def fill(self, selector: str, text: str) -> None:
        """Replace the field's text with ``text`` (``input`` events fire)."""

    @abstractmethod
    def type(self, selector: str, text: str) -> None:
        """Type ``text`` key by key into the focused element ``selector``."""

    @abstractmethod
    def press(self, selector: str, key: str) -> None:
        """Press one named key (``Enter``, ``Home``, ``End``) in the element."""

    @abstractmethod
    def _take_problems(self) -> list[str]:
        """Problems the engine or page reported since the last call."""

    # -- written once ----------------------------------------------------------

    def wait_until(
        self, fn: str, *args: Any, timeout: float = WAIT_TIMEOUT_S, what: str = ""
    ) -> Any:
        """Wait until the JavaScript function ``fn(*args)`` returns something
        truthy in the page; return it. Fails after ``timeout`` seconds, saying
        ``what`` it waited for, and at once if the page reports trouble."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            value = self._wait_chunk(fn, list(args), int(min(max(remaining, 0.1), 10.0) * 1000))
            if value:
                return value
            self.check()  # a page that failed will not get there: say why now
            if time.monotonic() >= deadline:
                detail = self.evaluate("() => document.body ? document.body.innerText : ''")
                raise AssertionError(
                    f"[{self.engine}] timed out after {timeout:.0f} s waiting for "
                    f"{what or fn}; the page shows:\n{str(detail)[:2000]}"
                )

    def wait_ready(
        self, selector: str = "body[data-ready]", *, timeout: float = BOOT_TIMEOUT_S
    ) -> None:
        """Wait for Python to have started the page (its marker element)."""
        self.wait_until(
            "(sel) => document.querySelector(sel) !== null || document.querySelector('.py-error')",
            selector,
            timeout=timeout,
            what=f"boot ({selector})",
        )
        error = self.evaluate("() => document.querySelector('.py-error')?.textContent ?? null")
        self.check()
        assert error is None, f"[{self.engine}] the page failed to boot:\n{error}"

    def wait_text(
        self, selector: str, text: str, *, contains: bool = False, timeout: float = WAIT_TIMEOUT_S
    ) -> None:
        """Wait until the first ``selector`` has text ``text`` (or contains it)."""
        self.wait_until(
            "(sel, text, contains) => { const n = document.querySelector(sel);"
            " if (!n) return false; const t = n.textContent;"
            " return contains ? t.includes(text) : t === text; }",
            selector,
            text,
            contains,
            timeout=timeout,
            what=f"{selector} to {'contain' if contains else 'have'} text {text!r}",
        )

    def wait_value(self, selector: str, value: str, *, timeout: float = WAIT_TIMEOUT_S) -> None:
        """Wait until the field ``selector`` has the value ``value``."""
        self.wait_until(
            "(sel, value) => document.querySelector(sel)?.value === value",
            selector,
            value,
            timeout=timeout,
            what=f"{selector} to have value {value!r}",
        )

    def wait_attribute(
        self, selector: str, name: str, value: str, *, timeout: float = WAIT_TIMEOUT_S
    ) -> None:
        """Wait until the first ``selector`` has attribute ``name`` = ``value``."""
        self.wait_until(
            "(sel, name, value) => document.querySelector(sel)?.getAttribute(name) === value",
            selector,
            name,
            value,
            timeout=timeout,
            what=f"{selector}[{name}={value!r}]",
        )

    def wait_count(self, selector: str, count: int, *, timeout: float = WAIT_TIMEOUT_S) -> None:
        """Wait until exactly ``count`` elements match ``selector``."""
        self.wait_until(
            "(sel, count) => document.querySelectorAll(sel).length === count",
            selector,
            count,
            timeout=timeout,
            what=f"{count} of {selector}",
        )

    def text(self, selector: str) -> str | None:
        """The ``textContent`` of the first ``selector`` (``None`` if none)."""
        result = self.evaluate(
            "(sel) => document.querySelector(sel)?.textContent ?? null", selector
        )
        return None if result is None else str(result)

    def value(self, selector: str) -> str | None:
        """The ``value`` of the first ``selector`` (``None`` if none)."""
        result = self.evaluate("(sel) => document.querySelector(sel)?.value ?? null", selector)
        return None if result is None else str(result)

    def count(self, selector: str) -> int:
        """How many elements match ``selector``."""
        return int(self.evaluate("(sel) => document.querySelectorAll(sel).length", selector))

    def allow(self, pattern: str) -> None:
        """Accept problems whose text matches ``pattern`` (provoked on purpose),
        those already seen included."""
        compiled = re.compile(pattern)
        self._allowed.append(compiled)
        self._problems = [problem for problem in self._problems if not compiled.search(problem)]

    def problems(self) -> list[str]:
        """Every problem seen so far that is not allowed."""
        for problem in self._take_problems():
            if not any(pattern.search(problem) for pattern in self._allowed):
                self._problems.append(problem)
        return list(self._problems)

    def check(self) -> None:
        """Raise :class:`PageTrouble` listing every problem seen so far."""
        problems = self.problems()
        if problems:
            raise PageTrouble(f"[{self.engine}] the page had trouble:\n  " + "\n  ".join(problems))


class PlaywrightPage(PageDriver):
    """Chromium through Playwright; the e2e tier's guard watches it."""

    def __init__(self, page: Page, base_url: str) -> None:
        super().__init__("chromium", base_url)
        self.page = page
        self.guard = PageGuard(page)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def evaluate(self, fn: str, *args: Any) -> Any:
        return self.page.evaluate(f"(args) => ({fn})(...args)", list(args))

    def _wait_chunk(self, fn: str, args: list[Any], chunk_ms: int) -> Any:
        script = _WAIT_JS.replace("__FN__", fn)
        return self.page.evaluate(f"(arguments_) => {{ {script} }}", [args, chunk_ms])

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def fill(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)

    def type(self, selector: str, text: str) -> None:
        self.page.locator(selector).press_sequentially(text)

    def press(self, selector: str, key: str) -> None:
        self.page.press(selector, key)

    def _take_problems(self) -> list[str]:
        # The guard filters its own list with the allowed patterns we forward.
        taken, self.guard.problems[:] = list(self.guard.problems), []
        return taken

    def allow(self, pattern: str) -> None:
        super().allow(pattern)
        self.guard.allow(pattern)


class WebDriverPage(PageDriver):
    """One window of a Selenium session (Firefox or WebKit).

    ``take_reported`` returns what the engine itself reported for the session
    (Firefox's BiDi log); when ``hooked`` the page's own record
    (``window.__pyfritzTrouble``, from ``engine_guard.js``) is read too.
    """

    def __init__(
        self,
        engine: str,
        driver: WebDriver,
        handle: str,
        base_url: str,
        *,
        hooked: bool,
        take_reported: Callable[[], list[str]],
        switch: Callable[[str], None],
    ) -> None:
        super().__init__(engine, base_url)
        self.driver = driver
        self.handle = handle
        self._hooked = hooked
        self._take_reported = take_reported
        self._switch = switch
        self._pending: list[str] = []

    def _script(self, body: str, *args: Any) -> Any:
        self._switch(self.handle)
        return self.driver.execute_script(body, *args)

    def goto(self, path: str) -> None:
        self._take_problems_of_this_document()
        self._switch(self.handle)
        self.driver.get(self.base_url + path)

    def evaluate(self, fn: str, *args: Any) -> Any:
        return self._script(f"return ({fn})(...arguments);", *args)

    def _wait_chunk(self, fn: str, args: list[Any], chunk_ms: int) -> Any:
        script = _WAIT_JS.replace("__FN__", fn)
        return self._script(f"const arguments_ = arguments; {script}", args, chunk_ms)

    def _element(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        self._switch(self.handle)
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector: str) -> None:
        self._element(selector).click()

    def fill(self, selector: str, text: str) -> None:
        element = self._element(selector)
        # Select what is there and type over it: real key events, like a user.
        # (WebDriver's "clear" would blur the field and fire a change event.)
        from selenium.webdriver.common.keys import Keys

        self.evaluate(
            "(sel) => { const n = document.querySelector(sel); n.focus(); n.select(); }", selector
        )
        element.send_keys(text if text else Keys.BACKSPACE)

    def type(self, selector: str, text: str) -> None:
        self._element(selector).send_keys(text)

    def press(self, selector: str, key: str) -> None:
        from selenium.webdriver.common.keys import Keys

        names = {"Enter": Keys.ENTER, "Home": Keys.HOME, "End": Keys.END, "Tab": Keys.TAB}
        self._element(selector).send_keys(names[key])

    def _take_problems_of_this_document(self) -> None:
        """Move the page's own record into ``_pending`` (before it navigates away)."""
        if not self._hooked:
            return
        # A page of the test server without the hook would be checked by nothing.
        found = self._script(
            "const t = window.__pyfritzTrouble; if (t) return t.splice(0);"
            " return location.href.startsWith(arguments[0])"
            " ? ['no trouble hook in ' + location.href] : [];",
            self.base_url,
        )
        self._pending.extend(str(item) for item in found)

    def _take_problems(self) -> list[str]:
        self._take_problems_of_this_document()
        taken, self._pending = self._pending, []
        return taken + self._take_reported()
