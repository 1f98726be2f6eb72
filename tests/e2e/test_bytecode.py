"""Pages run the archive's bytecode, and never bytecode that does not match its source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from harness import CONFIG, PAGES, ROOT, open_py
from playwright.sync_api import Page, expect
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyfritz.dev import create_app
from pyfritz.dev.bundle import BUNDLE_PATH, FRAMEWORK_DIR, build_bundle
from pyfritz.dev.bytecode import BytecodeCompiler
from pyfritz.dev.threaded import serve_asgi


def _report(page: Page) -> dict[str, Any]:
    # The boot timeout: Pyodide may take long to start on a busy machine.
    expect(page.locator("body")).to_have_attribute(
        "data-ready", "true", timeout=CONFIG.BOOT_TIMEOUT_MS
    )
    report: dict[str, Any] = json.loads(page.locator("#app").text_content() or "")
    return report


def test_the_demo_and_pyscript_modules_run_from_bytecode(strict_page: Page) -> None:
    modules = ["pyfritz.dom", "pyfritz.sync", "demo.person", "demo.todos"]
    open_py(strict_page, "bytecode_probe", modules=",".join(modules))
    report = _report(strict_page)
    # Every standard-library module pyfritz imports is in the runtime's memory
    # snapshot (runtime/snapshot/make_snapshot.mjs): none is compiled here.
    assert report.pop("standard library modules loaded") == []
    # Nor any that PyScript's own package imports (html, html.entities).
    assert report.pop("standard library modules compiled in the page") == []
    # PyScript's own package runs from the bytecode the runtime writes beside
    # the sources PyScript writes at start: nothing of it is compiled here.
    assert {"pyscript", "pyscript.context", "pyscript.display"} <= set(
        report.pop("pyscript modules")
    )
    assert report.pop("pyscript modules compiled") == []
    # The snapshot's objects stay out of every collection (make_snapshot.mjs).
    assert report.pop("frozen") is True
    # Imported from the archive as it is (the runtime's archive importer), not
    # unpacked; pyfritz's modules came imported in the snapshot, as the
    # archive holds the very sources they were imported from (and so not
    # their bytecode, which the page would never read).
    expected = {"compiled": False, "in place": True, "value": None}
    assert report == {
        name: {
            **expected,
            "preloaded": name.startswith("pyfritz."),
            "cached": not name.startswith("pyfritz."),
        }
        for name in modules
    }


def test_bytecode_that_does_not_match_its_source_is_not_run(
    strict_page: Page, tmp_path: Path
) -> None:
    # A project whose archive carries, beside probe/value.py, the bytecode of
    # another source (as a stale cache entry would give): the page must run
    # the source it was given.
    project = tmp_path / "project"
    (project / "app" / "probe").mkdir(parents=True)
    shutil.copy(ROOT / "pyscript.toml", project / "pyscript.toml")
    (project / "index.html").write_text("<!doctype html><title>probe</title>\n")
    (project / "app" / "probe" / "__init__.py").write_text("")
    source = project / "app" / "probe" / "value.py"
    source.write_text('VALUE = "stale"\n')
    compiler = BytecodeCompiler(cache_dir=tmp_path / "cache")
    stale = compiler.compile({"probe/value.py": source.read_bytes()})
    source.write_text('VALUE = "fresh"\n')
    fresh = compiler.compile({"probe/value.py": source.read_bytes()})
    (pyc,) = fresh
    # The code after the 16-byte header (the cache holds it checked, the archive unchecked).
    cached = [
        path
        for path in (tmp_path / "cache").rglob("*.pyc")
        if path.read_bytes()[16:] == fresh[pyc][16:]
    ]
    cached[0].write_bytes(stale[pyc])  # the fresh source's cache entry now holds stale bytecode
    app = create_app(project, extra_roots=[PAGES], harness=True, bytecode=compiler)
    with serve_asgi(app) as url:
        strict_page.goto(f"{url}/harness.html?py=bytecode_probe&modules=probe.value,probe")
        report = _report(strict_page)
    assert report["probe.value"] == {
        "compiled": True,
        "cached": True,
        "in place": True,
        "value": "fresh",
        "preloaded": False,
    }
    assert report["probe"] == {
        "compiled": False,
        "cached": True,
        "in place": True,
        "value": None,
        "preloaded": False,
    }
    assert report["standard library modules loaded"] == []


def test_a_page_with_another_pyfritz_imports_its_own(strict_page: Page, tmp_path: Path) -> None:
    # The runtime's snapshot holds pyfritz's modules imported (made when the
    # runtime was vendored); a page whose archive ships a pyfritz with one
    # module edited (another version, an edit in development) must run its own.
    framework = tmp_path / "pyfritz"
    shutil.copytree(FRAMEWORK_DIR, framework, ignore=shutil.ignore_patterns("__pycache__"))
    errors = framework / "errors.py"
    errors.write_text(errors.read_text() + '\nVALUE = "edited"\n')
    archive = build_bundle(ROOT / "app", framework=framework, bytecode=BytecodeCompiler())

    async def edited(request: Request) -> Response:
        return Response(archive, media_type="application/zip")

    app = create_app(
        ROOT, extra_roots=[PAGES], harness=True, routes=[Route("/" + BUNDLE_PATH, edited)]
    )
    with serve_asgi(app) as url:
        strict_page.goto(f"{url}/harness.html?py=bytecode_probe&modules=pyfritz.errors,pyfritz.dom")
        report = _report(strict_page)
    expected = {"compiled": False, "cached": True, "in place": True, "preloaded": False}
    # The snapshot's pyfritz, not taken, is back in the collector's reach.
    assert report["frozen"] is False
    assert report["pyfritz.errors"] == {**expected, "value": "edited"}
    assert report["pyfritz.dom"] == {**expected, "value": None}
