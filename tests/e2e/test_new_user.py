"""The new-user path, end to end: from the built wheels to two synced windows.

Nothing here uses the repository's code: the wheels are built (as ``make dist``
does), installed into a fresh virtualenv outside the repository (their
dependencies from the package index, through pip's cache), and every command
runs from that venv, as docs/getting-started.md tells a newcomer:

* ``pyfritz new demoapp``, then the project's own test command (``pytest``:
  its Playwright test against ``pyfritz dev``);
* ``pyfritz build``, the site served by ``python -m http.server``, two pages
  syncing through ``pyfritz serve``;
* an edited module reloads the page that ``pyfritz dev`` serves;
* a second load from the browser's on-disk cache transfers under 200 KiB.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_guard import PageGuard
from harness import CONFIG, ROOT
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from pyfritz.dev.testing import chromium_launch_args, free_port, wait_for_port
from pyfritz.dev.threaded import serve_static

#: The second load may transfer at most this much (the issue's budget).
SECOND_LOAD_BUDGET = 200 * 1024

#: The commands of docs/getting-started.md, in its order; each one runs below.
GETTING_STARTED = [
    "python -m venv .venv && . .venv/bin/activate",
    'pip install "pyfritz-web[server,test]"',
    "pyfritz new demoapp",
    "cd demoapp",
    "pyfritz dev",
    "pyfritz build",
    "pyfritz serve",
    "python -m http.server 8080 --bind 127.0.0.1 --directory site",
    "pytest",
]

# pip, npm-free: the wheels and their dependencies take a while on a cold cache.
_INSTALL_TIMEOUT_S = 600


def _doc(line: str, bin_dir: Path, *extra: str, port: int | None = None) -> list[str]:
    """The command ``line`` of the getting-started page, run from the venv's ``bin_dir``."""
    assert line in GETTING_STARTED, line
    # The page's fixed port (8080) becomes the free one the test picked.
    words = [str(port) if word == "8080" and port else word for word in shlex.split(line)]
    return [str(bin_dir / words[0]), *words[1:], *extra]


def test_the_getting_started_page_has_exactly_the_commands_run_here() -> None:
    page = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", page, re.M | re.S)
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    assert [line for line in lines if line] == GETTING_STARTED


def _run(command: list[str], *, cwd: Path, timeout: float = _INSTALL_TIMEOUT_S) -> str:
    """Run ``command``; fail the test with its output if it fails."""
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the repository (the system's temporary folder), for the session."""
    path = tmp_path_factory.mktemp("new-user")
    assert not path.resolve().is_relative_to(ROOT)
    return path


@pytest.fixture(scope="session")
def wheels(workdir: Path) -> list[Path]:
    """The two wheels, built as ``make dist`` builds them."""
    out = workdir / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    _run([*build, "--wheel-dir", str(out), ".", "./runtime"], cwd=ROOT)
    built = sorted(out.glob("*.whl"))
    assert [w.name.split("-")[0] for w in built] == ["pyfritz_web", "pyfritz_web_runtime"]
    return built


@pytest.fixture(scope="session")
def bin_dir(workdir: Path, wheels: list[Path]) -> Path:
    """A fresh virtualenv with the wheels only (plus their dependencies)."""
    assert GETTING_STARTED[0].startswith("python -m venv .venv")
    _run([sys.executable, "-m", "venv", ".venv"], cwd=workdir)
    bin_dir = workdir / ".venv" / "bin"
    web, runtime = wheels
    # `pip install "pyfritz-web[server,test]"`, from the files just built.
    install = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet"]
    _run([*install, f"{web}[server,test]", str(runtime)], cwd=workdir)
    return bin_dir


@pytest.fixture(scope="session")
def project(workdir: Path, bin_dir: Path) -> Path:
    """``pyfritz new demoapp``, run where a user would run it."""
    out = _run(_doc("pyfritz new demoapp", bin_dir), cwd=workdir)
    assert "pyfritz dev" in out
    assert GETTING_STARTED[3] == "cd demoapp"
    return workdir / "demoapp"


@contextlib.contextmanager
def _process(command: list[str], *, cwd: Path, port: int) -> Iterator[None]:
    """Run a server ``command`` until the block ends; return once ``port`` accepts."""
    log = cwd / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, process, log)
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def _sync_server(bin_dir: Path, cwd: Path) -> Iterator[str]:
    """``pyfritz serve`` on a free port (keeping nothing); yields its ``ws://`` URL."""
    port = free_port()
    command = _doc("pyfritz serve", bin_dir, "--port", str(port), "--db", ":memory:")
    with _process(command, cwd=cwd, port=port):
        yield f"ws://127.0.0.1:{port}/sync"


@contextlib.contextmanager
def _window(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(CONFIG.BOOT_TIMEOUT_MS)
    guard = PageGuard(context.new_page())
    try:
        yield guard.page
        guard.check()
    finally:
        context.close()


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#status")).to_have_text("synced", timeout=CONFIG.BOOT_TIMEOUT_MS)


def test_the_new_project_passes_its_own_tests(bin_dir: Path, project: Path) -> None:
    # The project's test command, from its README: its Playwright test
    # against `pyfritz dev`, with the same Chromium discovery as this repo.
    out = _run(_doc("pytest", bin_dir), cwd=project)
    assert "1 passed" in out


def test_the_built_site_syncs_two_pages_through_pyfritz_serve(
    bin_dir: Path, project: Path, browser: Browser
) -> None:
    _run(_doc("pyfritz build", bin_dir), cwd=project)
    port = free_port()
    http_server = _doc(GETTING_STARTED[7], bin_dir, port=port)
    with (
        _sync_server(bin_dir, project) as sync,
        _process(http_server, cwd=project, port=port),
        _window(browser) as first,
        _window(browser) as second,
    ):
        url = f"http://127.0.0.1:{port}/index.html?sync={sync}"
        _open(first, url)
        _open(second, url)
        first.locator("#text").fill("bread")
        first.locator("#text").press("Enter")
        expect(second.locator("#items li .text", has_text="bread")).to_have_count(1)


def test_an_edited_module_reloads_the_open_page(
    bin_dir: Path, project: Path, workdir: Path, browser: Browser
) -> None:
    editing = workdir / "editing"
    shutil.copytree(project, editing, ignore=shutil.ignore_patterns("site", "*.log"))
    port = free_port()
    dev = _doc("pyfritz dev", bin_dir, "--port", str(port), "--db", ":memory:")
    with _process(dev, cwd=editing, port=port), _window(browser) as page:
        _open(page, f"http://127.0.0.1:{port}/")
        expect(page.locator("h1")).to_have_text("Shared list")
        main = editing / "app" / "demoapp" / "main.py"
        main.write_text(main.read_text().replace('h1("Shared list")', 'h1("Groceries")'))
        # No navigation from the test: the page reloads itself.
        expect(page.locator("h1")).to_have_text("Groceries", timeout=CONFIG.BOOT_TIMEOUT_MS)


def _load(context: BrowserContext, url: str) -> tuple[int, dict[str, int]]:
    """Open ``url``, wait for the app, return the bytes transferred (total, per file)."""
    # Watching without intercepting requests: interception turns the cache off.
    guard = PageGuard(context.new_page(), intercept=False)
    _open(guard.page, url)
    entries: list[dict[str, Any]] = guard.page.evaluate(
        """() => performance.getEntriesByType("navigation")
                 .concat(performance.getEntriesByType("resource"))
                 .map(e => ({name: e.name, size: e.transferSize}))"""
    )
    guard.check()
    sizes = {entry["name"].rsplit("/", 1)[-1]: int(entry["size"]) for entry in entries}
    return sum(sizes.values()), sizes


def test_a_second_load_comes_from_the_http_cache(
    bin_dir: Path, project: Path, workdir: Path, playwright: Playwright
) -> None:
    site = project / "site"
    if not site.is_dir():
        _run(_doc("pyfritz build", bin_dir), cwd=project)
    profile = workdir / "profile"

    def launch() -> BrowserContext:
        # A persistent profile has an on-disk HTTP cache; the default context
        # keeps its cache in memory and never stores the 9 MiB wasm.
        context = playwright.chromium.launch_persistent_context(profile, **chromium_launch_args())
        context.set_default_timeout(CONFIG.BOOT_TIMEOUT_MS)
        return context

    # The site with the caching rules `pyfritz build` wrote for static hosts.
    with _sync_server(bin_dir, project) as sync, serve_static(site, host_headers=True) as base:
        url = f"{base}/index.html?sync={sync}"
        context = launch()
        try:
            first, _ = _load(context, url)
        finally:
            context.close()  # flushes the disk cache; the next launch reads it
        context = launch()
        try:
            second, sizes = _load(context, url)
        finally:
            context.close()
    print(f"first load: {first} bytes; second load: {second} bytes")
    assert first > 5 * 1024 * 1024, sizes  # the runtime really came over the network once
    assert sizes["pyodide.asm.wasm"] == 0, sizes
    assert second < SECOND_LOAD_BUDGET, sizes
