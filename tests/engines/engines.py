"""Start one browser engine and open guarded windows in it.

An :class:`Engine` is one running browser (one Playwright browser or one
WebDriver session), shared by the tests of a module; ``new_page()`` opens a
window in it and ``close_page()`` closes one.

What the guard can see, per engine:

* **Chromium** (Playwright): console errors, page errors, failed requests,
  HTTP errors, and it aborts every request that leaves loopback before it is
  sent (the e2e tier's ``PageGuard``).
* **Firefox** (Selenium + geckodriver, WebDriver BiDi): console errors and
  uncaught errors from the BiDi ``log`` events, so also the browser's own
  console errors; requests that leave loopback through the proxy below.
* **WebKit** (Selenium + WebKitWebDriver, WebDriver classic; it has no BiDi):
  what the page records itself (``pages/engine_guard.js``, loaded first by
  every page the test server sends): ``console.error`` calls, uncaught errors
  and rejections, failed script/style/image loads and CSP violations. Console
  messages the engine writes itself (e.g. a refused WebSocket) are not seen.
* **Firefox and WebKit**: every request not for loopback is sent to
  :class:`~netguard.RefusingProxy` (W3C ``proxy`` capability), which refuses
  it and records it: nothing leaves, and the test fails. The test server
  records every HTTP error status it sends, for every engine.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from abc import ABC, abstractmethod
from typing import Any

from binaries import find_firefox, find_geckodriver, find_webkit_driver, find_xvfb
from netguard import RefusingProxy
from pagedriver import PageDriver, PlaywrightPage, WebDriverPage

__all__ = ["ENGINES", "Engine", "launch"]

#: Every engine, in the order the tests run them.
ENGINES = ("chromium", "firefox", "webkit")

_FIREFOX_QUIET_PREFS: dict[str, str | bool | int] = {
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "app.update.auto": False,
    "app.update.enabled": False,
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "browser.search.update": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.safebrowsing.provider.google4.updateURL": "",
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.server": "",
    "extensions.blocklist.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.systemAddon.update.enabled": False,
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "browser.newtabpage.enabled": False,
    "browser.startup.page": 0,
}

#: Hosts that never go through the refusing proxy.
_LOOPBACK = ["127.0.0.1", "localhost", "::1"]


class Engine(ABC):
    """One running browser; see the module docstring."""

    name: str
    version: str

    def __init__(self, base_url: str, proxy: RefusingProxy) -> None:
        self.base_url = base_url
        self.proxy = proxy
        self.pages: list[PageDriver] = []

    @abstractmethod
    def new_page(self) -> PageDriver:
        """Open a new window; the guard watches it from the start."""

    @abstractmethod
    def close_page(self, page: PageDriver) -> None:
        """Close one window (its sockets close, its Python stops)."""

    @abstractmethod
    def close(self) -> None:
        """Quit the browser."""

    def check(self) -> None:
        """Check every open page, and what the refusing proxy saw."""
        refused = self.proxy.take()
        for page in self.pages:
            page.check()
        if refused:
            raise AssertionError(
                f"[{self.name}] requests tried to leave loopback (refused):\n  "
                + "\n  ".join(refused)
            )


class ChromiumEngine(Engine):
    name = "chromium"

    def __init__(self, base_url: str, proxy: RefusingProxy) -> None:
        super().__init__(base_url, proxy)
        from harness import CONFIG
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        executable = CONFIG.find_chromium()
        options: dict[str, Any] = {"args": list(CONFIG.LAUNCH_ARGS)}
        if executable:
            options["executable_path"] = executable
        self._browser = self._playwright.chromium.launch(**options)
        self.version = self._browser.version

    def new_page(self) -> PageDriver:
        # A context of its own: a separate "window" with its own storage.
        context = self._browser.new_context()
        context.set_default_timeout(180_000)
        page = PlaywrightPage(context.new_page(), self.base_url)
        self.pages.append(page)
        return page

    def close_page(self, page: PageDriver) -> None:
        assert isinstance(page, PlaywrightPage)
        self.pages.remove(page)
        page.page.context.close()

    def close(self) -> None:
        for page in list(self.pages):
            self.close_page(page)
        self._browser.close()
        self._playwright.stop()


class _WebDriverEngine(Engine):
    """A Selenium session; windows are WebDriver windows of that session."""

    hooked = False

    def __init__(self, base_url: str, proxy: RefusingProxy) -> None:
        super().__init__(base_url, proxy)
        self.driver = self._start()
        self.driver.set_script_timeout(60)
        # Selenium waits for its driver without a limit: a browser that dies
        # under a command would hang the whole run instead of failing a test.
        self.driver.command_executor._client_config.timeout = 300
        self.version = str(self.driver.capabilities.get("browserVersion", "?"))
        self._first = self.driver.current_window_handle
        self._current = self._first
        self._reported: list[str] = []
        self._lock = threading.Lock()

    @abstractmethod
    def _start(self) -> Any:
        """Start the WebDriver session."""

    def _proxy_capability(self) -> Any:
        from selenium.webdriver.common.proxy import Proxy

        address = self.proxy.address
        return Proxy(
            {"proxyType": "manual", "httpProxy": address, "sslProxy": address, "noProxy": _LOOPBACK}
        )

    def _report(self, problem: str) -> None:
        with self._lock:
            self._reported.append(problem)

    def _take_reported(self) -> list[str]:
        with self._lock:
            taken, self._reported = self._reported, []
        return taken

    def _switch(self, handle: str) -> None:
        if handle != self._current:
            self.driver.switch_to.window(handle)
            self._current = handle

    def new_page(self) -> PageDriver:
        # Every page gets a new window; the session's first one stays blank.
        self.driver.switch_to.new_window("window")
        handle = self.driver.current_window_handle
        self._current = handle
        page = WebDriverPage(
            self.name,
            self.driver,
            handle,
            self.base_url,
            hooked=self.hooked,
            take_reported=self._take_reported,
            switch=self._switch,
        )
        self.pages.append(page)
        return page

    def close_page(self, page: PageDriver) -> None:
        assert isinstance(page, WebDriverPage)
        self.pages.remove(page)
        self._switch(page.handle)
        self.driver.close()
        self.driver.switch_to.window(self._first)
        self._current = self._first

    def close(self) -> None:
        self.driver.quit()


class FirefoxEngine(_WebDriverEngine):
    name = "firefox"
    hooked = True

    def _start(self) -> Any:
        from selenium import webdriver
        from selenium.webdriver.firefox.options import Options
        from selenium.webdriver.firefox.service import Service

        options = Options()
        options.binary_location = find_firefox()
        options.add_argument("-headless")
        options.enable_bidi = True  # console and error events (WebDriver BiDi)
        options.proxy = self._proxy_capability()
        # Firefox's own background traffic (remote settings, updates, telemetry,
        # safe browsing, captive-portal and connectivity checks) must not reach
        # the refusing proxy as if the page had sent it; geckodriver turns
        # most of it off, these are the rest (as Mozilla's own test profiles do).
        for pref, value in _FIREFOX_QUIET_PREFS.items():
            options.set_preference(pref, value)
        # Release builds ignore services.settings.server unless this is set.
        env = {**os.environ, "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1"}
        service = Service(find_geckodriver(), env=env)
        driver = webdriver.Firefox(options=options, service=service)
        # console.error calls reach the page's hook (with readable text);
        # BiDi adds errors the hook cannot see (e.g. console.assert).
        driver.script.add_console_message_handler(self._on_console)
        driver.script.add_javascript_error_handler(self._on_error)
        return driver

    def _on_console(self, message: Any) -> None:
        if message.level == "error" and message.method != "error":
            self._report(f"console error: {message.text}")

    def _on_error(self, message: Any) -> None:
        self._report(f"uncaught page error: {message.text}")


class WebKitEngine(_WebDriverEngine):
    name = "webkit"
    hooked = True

    def _start(self) -> Any:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        options = Options()
        options.proxy = self._proxy_capability()
        capabilities = options.to_capabilities()
        # WebKitWebDriver rejects a session that asks for BiDi.
        assert "webSocketUrl" not in capabilities, capabilities
        # WebKitWebDriver has been seen to hang while making a session (no
        # browser process started, the request never answered, for as long as
        # one waited): give each attempt a deadline, then kill that driver,
        # which fails its request, and start afresh.
        for attempt in range(1, _SESSION_ATTEMPTS + 1):
            self._xvfb, display = _start_xvfb()
            service = Service(find_webkit_driver(), env={**os.environ, "DISPLAY": display})
            deadline = threading.Timer(_SESSION_TIMEOUT_S, _kill_driver, (service,))
            deadline.start()
            try:
                return webdriver.WebKitGTK(options=options, service=service)
            except BaseException:
                self._xvfb.terminate()
                self._xvfb.wait(10)
                if deadline.is_alive() or attempt == _SESSION_ATTEMPTS:
                    raise  # a failure of its own, or the last attempt
            finally:
                deadline.cancel()
        raise AssertionError("unreachable")

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._xvfb.terminate()
            self._xvfb.wait(10)


_SESSION_ATTEMPTS = 3
_SESSION_TIMEOUT_S = 120.0  # a session takes seconds; Pyodide's boot is not part of it


def _kill_driver(service: Any) -> None:
    """Kill a WebDriver service's process (its pending request then fails)."""
    process = getattr(service, "process", None)
    if process is not None and process.poll() is None:
        process.kill()


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display (it picks and tells); return it and ``:N``."""
    read, write = os.pipe()
    process = subprocess.Popen(
        [find_xvfb(), "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=[write],
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
    )
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        number = pipe.readline().decode().strip()
    if not number:
        process.terminate()
        raise RuntimeError("Xvfb did not start (no display number)")
    return process, f":{number}"


def launch(name: str, base_url: str, proxy: RefusingProxy) -> Engine:
    """Start engine ``name`` (one of :data:`ENGINES`)."""
    engines: dict[str, type[Engine]] = {
        "chromium": ChromiumEngine,
        "firefox": FirefoxEngine,
        "webkit": WebKitEngine,
    }
    return engines[name](base_url, proxy)
