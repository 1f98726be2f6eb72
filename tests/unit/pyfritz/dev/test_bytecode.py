"""Bytecode for the browser's Python: compiled by the vendored Pyodide, cached, never required."""

from __future__ import annotations

import _imp
import io
import logging
import threading
import zipfile
from pathlib import Path

import pytest

from pyfritz.dev.bundle import BundleCache, build_bundle
from pyfritz.dev.bytecode import BytecodeCompiler, pyc_name

# PEP 552: flags word 0b11 = hash-based, checked against the source at import;
# 0b01 = hash-based, not checked (its writer vouches for it).
CHECKED_HASH = (0b11).to_bytes(4, "little")
UNCHECKED_HASH = (0b01).to_bytes(4, "little")


def _header_matches(pyc: bytes, source: bytes, *, flags: bytes = UNCHECKED_HASH) -> bool:
    # The source hash of a hash-based pyc is keyed by the writer's magic number.
    key = int.from_bytes(pyc[:4], "little")
    return pyc[4:8] == flags and pyc[8:16] == _imp.source_hash(key, source)


def _project(root: Path, modules: dict[str, str]) -> Path:
    package = root / "kanban"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name, text in modules.items():
        (package / name).write_text(text)
    return root


def test_pyc_name_is_where_zipimport_looks() -> None:
    assert pyc_name("pyfritz/dom.py") == "pyfritz/dom.pyc"
    assert pyc_name("a/b/__init__.py") == "a/b/__init__.pyc"
    assert pyc_name("top.py") == "top.pyc"


def test_sources_compile_to_hash_pycs_of_the_browsers_python_vouched_for(
    tmp_path: Path,
) -> None:
    compiler = BytecodeCompiler(cache_dir=tmp_path)
    sources = {"kanban/board.py": b"X = 1\n", "kanban/data.json": b"{}"}
    pycs = compiler.compile(sources)
    assert list(pycs) == ["kanban/board.pyc"]
    # Its hash is the source's, checked here: the browser need not check it again.
    assert _header_matches(pycs["kanban/board.pyc"], b"X = 1\n")
    assert compiler.unavailable is None
    # The cache keeps what Node.js wrote: checked.
    (cached,) = (path.read_bytes() for path in tmp_path.rglob("*.pyc"))
    assert _header_matches(cached, b"X = 1\n", flags=CHECKED_HASH)
    assert cached[16:] == pycs["kanban/board.pyc"][16:]


def test_cached_bytecode_of_another_source_ships_checked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A damaged cache entry, even one marked unchecked: the browser then checks
    # it and compiles the source.
    compiler = BytecodeCompiler(cache_dir=tmp_path)
    stale = compiler.compile({"a.py": b"A = 1\n"})["a.pyc"]
    fresh = compiler.compile({"a.py": b"A = 2\n"})["a.pyc"]
    (entry,) = (path for path in tmp_path.rglob("*.pyc") if path.read_bytes()[16:] == fresh[16:])
    entry.write_bytes(stale)
    with caplog.at_level(logging.WARNING, logger="pyfritz.dev.bytecode"):
        shipped = compiler.compile({"a.py": b"A = 2\n"})["a.pyc"]
    assert _header_matches(shipped, b"A = 1\n", flags=CHECKED_HASH)
    assert "the cached bytecode of a.py is not that of its source" in caplog.text


def test_cached_bytecode_that_is_not_hash_based_does_not_ship(tmp_path: Path) -> None:
    compiler = BytecodeCompiler(cache_dir=tmp_path)
    pyc = compiler.compile({"a.py": b"A = 1\n"})["a.pyc"]
    (entry,) = tmp_path.rglob("*.pyc")
    entry.write_bytes(pyc[:4] + bytes(4) + pyc[8:])  # timestamp-based (flags 0)
    assert compiler.compile({"a.py": b"A = 1\n"}) == {}


def test_a_rebuild_starts_node_only_for_what_changed(tmp_path: Path) -> None:
    compiler = BytecodeCompiler(cache_dir=tmp_path)
    first = compiler.compile({"a.py": b"A = 1\n", "b.py": b"B = 1\n"})
    assert compiler.runs == 1
    assert compiler.compile({"a.py": b"A = 1\n", "b.py": b"B = 1\n"}) == first
    assert compiler.runs == 1
    # Another compiler on the same cache (a new dev server) finds it too.
    assert BytecodeCompiler(cache_dir=tmp_path).compile({"a.py": b"A = 1\n"}) == {
        "a.pyc": first["a.pyc"]
    }
    changed = compiler.compile({"a.py": b"A = 2\n", "b.py": b"B = 1\n"})
    assert compiler.runs == 2
    assert _header_matches(changed["a.pyc"], b"A = 2\n")
    assert changed["b.pyc"] == first["b.pyc"]


def test_a_source_with_a_syntax_error_ships_without_bytecode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The browser then reports the error at import, as it would without bytecode.
    compiler = BytecodeCompiler(cache_dir=tmp_path)
    with caplog.at_level(logging.INFO, logger="pyfritz.dev.bytecode"):
        pycs = compiler.compile({"bad.py": b"def (:\n", "good.py": b"G = 1\n"})
    assert list(pycs) == ["good.pyc"]
    assert "bad.py does not compile" in caplog.text
    assert compiler.compile({"bad.py": b"def (:\n", "good.py": b"G = 1\n"}) == pycs
    assert compiler.runs == 1  # the failure is remembered too


def test_without_node_the_archive_ships_sources_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = _project(tmp_path / "app", {"board.py": "X = 1\n"})
    compiler = BytecodeCompiler(cache_dir=tmp_path / "cache", node=str(tmp_path / "no-node"))
    with caplog.at_level(logging.WARNING, logger="pyfritz.dev.bytecode"):
        names = zipfile.ZipFile(io.BytesIO(build_bundle(app, bytecode=compiler))).namelist()
        build_bundle(app, bytecode=compiler)
    assert "kanban/board.py" in names
    assert not [name for name in names if name.endswith(".pyc")]
    assert compiler.unavailable is not None
    assert "compiling under Node.js failed" in compiler.unavailable
    assert caplog.text.count("ships sources only") == 1  # warned once, not per build


def test_a_node_that_fails_leaves_sources_only(tmp_path: Path) -> None:
    failing = tmp_path / "node"
    failing.write_text("#!/bin/sh\necho 'no wasm here' >&2\nexit 3\n")
    failing.chmod(0o755)
    compiler = BytecodeCompiler(cache_dir=tmp_path / "cache", node=str(failing))
    assert compiler.compile({"a.py": b"A = 1\n"}) == {}
    assert compiler.unavailable == "compiling under Node.js failed: no wasm here"


def test_without_the_runtime_the_archive_ships_sources(tmp_path: Path) -> None:
    compiler = BytecodeCompiler(cache_dir=tmp_path, pyodide_dir=tmp_path / "nowhere")
    assert compiler.compile({"a.py": b"A = 1\n"}) == {}
    assert compiler.unavailable is not None and "pyodide.core.mjs" in compiler.unavailable


def test_the_archive_holds_each_modules_bytecode_beside_it(tmp_path: Path) -> None:
    app = _project(tmp_path / "app", {"board.py": "X = 1\n"})
    cache = BundleCache(app, framework=None, bytecode=BytecodeCompiler(cache_dir=tmp_path / "c"))
    archive = zipfile.ZipFile(io.BytesIO(cache.get().data))
    assert sorted(archive.namelist()) == [
        "kanban/__init__.py",
        "kanban/__init__.pyc",
        "kanban/board.py",
        "kanban/board.pyc",
    ]
    pyc = archive.read("kanban/board.pyc")
    assert _header_matches(pyc, b"X = 1\n")


def _finish_background_compiles() -> None:
    for thread in threading.enumerate():
        if thread.name == "pyfritz-bytecode":
            thread.join()


def test_the_dev_servers_rebuild_does_not_wait_for_node(tmp_path: Path) -> None:
    # The first archive waits for its bytecode; after an edit the archive comes
    # at once with what is cached, and the one after the compile has it all.
    app = _project(tmp_path / "app", {"board.py": "X = 1\n"})
    compiler = BytecodeCompiler(cache_dir=tmp_path / "c")
    cache = BundleCache(app, framework=None, bytecode=compiler, background=True)
    first = zipfile.ZipFile(io.BytesIO(cache.get().data))
    assert "kanban/board.pyc" in first.namelist()
    (app / "kanban" / "lanes.py").write_text("Y = 2\n")
    edited = zipfile.ZipFile(io.BytesIO(cache.get().data)).namelist()
    assert "kanban/lanes.py" in edited
    assert "kanban/lanes.pyc" not in edited
    assert "kanban/board.pyc" in edited
    _finish_background_compiles()
    complete = zipfile.ZipFile(io.BytesIO(cache.get().data))
    pyc = complete.read("kanban/lanes.pyc")
    assert _header_matches(pyc, b"Y = 2\n")
    assert compiler.runs == 2
